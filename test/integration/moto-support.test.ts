// The moto_server helper itself: it starts a real server that the AWS SDK can talk to, and stops it.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { startMoto, TEST_AWS_ENV, type MotoServer } from '../support/moto.js';

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => moto.stop());

test('moto_server answers the real AWS SDK on a loopback endpoint', async () => {
  const sts = new STSClient({
    endpoint: moto.endpoint,
    region: TEST_AWS_ENV.AWS_REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  expect(identity.Account).toMatch(/^\d{12}$/);
  expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});
