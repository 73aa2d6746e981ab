// lookUpTableShape's error branch that moto cannot produce: Glue refusing GetTable to the role names the
// permission to grant (moto answers a missing table itself: test/integration/glue-table-moto.test.ts).
import { expect, test } from '@jest/globals';
import type { GlueClient } from '@aws-sdk/client-glue';
import { AwsAccessError } from '../../src/aws/errors.js';
import { lookUpTableShape } from '../../src/aws/lookups.js';
import { awsError, fakeClient } from '../support/fake-aws.js';

test('AccessDenied on GetTable says which table could not be read and what to grant', async () => {
  const { client, calls } = fakeClient<GlueClient>({
    GetTableCommand: () => {
      throw awsError('AccessDeniedException', 'User is not authorized to perform: glue:GetTable on resource: arn:aws:glue:us-east-1:123456789012:table/flowlogs/vpc_flow_logs');
    },
  });
  const lookUp = lookUpTableShape(client, { database: 'flowlogs', table: 'vpc_flow_logs' });
  await expect(lookUp).rejects.toThrow(AwsAccessError);
  await expect(lookUp).rejects.toThrow(/^AWS denied reading Glue table flowlogs\.vpc_flow_logs to the role in use \(User is not authorized to perform: glue:GetTable/);
  expect(calls[0]).toEqual({ name: 'GetTableCommand', input: { DatabaseName: 'flowlogs', Name: 'vpc_flow_logs' } });
});
