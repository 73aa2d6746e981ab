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

test("AccessDenied on a resource link's target (another account's catalog) is one sentence naming the target and the link", async () => {
  const target = { CatalogId: '444455556666', DatabaseName: 'amazon_security_lake_glue_db_us_east_1', Name: 'amazon_security_lake_table_us_east_1_vpc_flow_2_0' };
  const { client, calls } = fakeClient<GlueClient>({
    GetTableCommand: (_input, call) => {
      if (call === 0) return { Table: { Name: 'vpc_flow', DatabaseName: 'security_lake_shared', TargetTable: target } };
      throw awsError('AccessDeniedException', `User is not authorized to perform: glue:GetTable on resource: arn:aws:glue:us-east-1:444455556666:table/${target.DatabaseName}/${target.Name}`);
    },
  });
  const lookUp = lookUpTableShape(client, { database: 'security_lake_shared', table: 'vpc_flow' });
  await expect(lookUp).rejects.toThrow(AwsAccessError);
  await expect(lookUp).rejects.toThrow(
    /^AWS denied reading table amazon_security_lake_glue_db_us_east_1\.amazon_security_lake_table_us_east_1_vpc_flow_2_0 of catalog 444455556666, the target of resource link security_lake_shared\.vpc_flow to the role in use \(User is not authorized to perform: glue:GetTable/,
  );
  expect(calls.map((c) => c.input)).toEqual([{ DatabaseName: 'security_lake_shared', Name: 'vpc_flow' }, target]);
});
