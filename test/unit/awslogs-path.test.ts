// The account and Region of S3 delivery paths (logs/awslogs-path.ts) as DuckDB computes them from the SQL, for
// every documented form (Amazon VPC user guide, "Flow log files",
// https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-path.html), and NULL for any other path; the same
// SQL passes the Trino grammar.
import { describe, expect, test } from '@jest/globals';
import { awsLogsAccountSql, awsLogsRegionSql } from '../../src/logs/awslogs-path.js';
import { useDuckDb } from '../support/duckdb.js';
import { trinoSyntaxErrors } from '../support/trino-grammar.js';

const connection = useDuckDb();

async function partsOf(path: string): Promise<[unknown, unknown]> {
  const literal = `'${path}'`;
  const reader = await connection().runAndReadAll(`SELECT ${awsLogsAccountSql(literal)} AS account, ${awsLogsRegionSql(literal)} AS region`);
  const [row] = reader.getRowObjectsJS();
  return [row!.account, row!.region];
}

describe('account and Region from an S3 delivery path', () => {
  test.each([
    ['the default layout', 's3://hub/AWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/01/111122223333_vpcflowlogs_eu-west-1_fl-0a1b2c3d4e5f67890_20261101T1005Z_0a1b2c3d.log.gz', '111122223333', 'eu-west-1'],
    ['a prefix and hourly folders', '/data/vpc-flow-logs/AWSLogs/012345678901/vpcflowlogs/us-gov-west-1/2026/11/01/10/x.log.gz', '012345678901', 'us-gov-west-1'],
    ['an organisation folder', 's3://hub/AWSLogs/o-a1b2c3d4e5/444455556666/vpcflowlogs/ap-southeast-3/2026/11/01/x.log.gz', '444455556666', 'ap-southeast-3'],
    ['the Hive-compatible layout', 'AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=il-central-1/year=2026/month=11/day=01/x.parquet', '111122223333', 'il-central-1'],
  ])('%s', async (_name, path, account, region) => {
    expect(await partsOf(path)).toEqual([account, region]);
  });

  test.each([
    ["the stack's Firehose layout", 's3://stack-bucket/flow-logs/2026/11/01/10/stream-1-2026-11-01-10-00-00-abc.gz'],
    ['an account id of 11 digits', 's3://hub/AWSLogs/11112222333/vpcflowlogs/eu-west-1/2026/11/01/x.log.gz'],
    ['another service', 's3://hub/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/01/x.json.gz'],
    ['a folder merely ending in AWSLogs', 's3://hub/MyAWSLogs/111122223333/vpcflowlogs/eu-west-1/2026/11/01/x.log.gz'],
  ])('none from %s', async (_name, path) => {
    expect(await partsOf(path)).toEqual([null, null]);
  });

  test('the SQL is Trino SQL over Athena\'s "$path"', async () => {
    expect(await trinoSyntaxErrors(`SELECT ${awsLogsAccountSql()} AS account, ${awsLogsRegionSql()} AS region FROM "db"."t"`)).toEqual([]);
  });
});
