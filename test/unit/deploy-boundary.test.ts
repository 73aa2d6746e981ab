// pipelineRoleBoundary's error branch (the happy paths run against moto in
// test/integration/oidc-bootstrap-deploy.test.ts and on names in test/unit/template-oidc.test.ts): an STS
// failure is reported as one sentence naming what was being done.

import { expect, test } from '@jest/globals';
import type { STSClient } from '@aws-sdk/client-sts';
import { pipelineRoleBoundary } from '../../src/deploy/boundary.js';
import { awsError, fakeClient } from '../support/fake-aws.js';

test('an STS error names the look-up that failed', async () => {
  const { client } = fakeClient<Pick<STSClient, 'send'>>({
    GetCallerIdentityCommand: () => {
      throw awsError('ExpiredToken', 'The security token included in the request is expired');
    },
  });
  await expect(pipelineRoleBoundary(client, 'vpc-port-audit', 'us-east-1')).rejects.toThrow(/asking STS which identity deploys the stack/);
});
