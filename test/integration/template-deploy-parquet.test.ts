// The built template with Pipeline=s3-parquet on moto_server's CloudFormation (the types moto lacks cut out, as in
// template-deploy.test.ts), on top of its OIDC bootstrap deployed with Pipeline=s3-parquet: the VPC flow log is the
// bootstrap's (issue 20), an S3 delivery into its bucket with every field; the pipeline stack creates no forwarder,
// stream, queue or flow log, and its outputs name what the audit and the pipeline health read (a bootstrap without
// Pipeline=s3-parquet exports nothing to import: moto answers that with an HTML error page, so deploy-deployer.test.ts
// holds the deployer's sentence for it). Then an existing stack switches pipelines through
// the action's own deployer (a change set), the bootstrap first: ordinary updates, in the same bucket.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DescribeStackResourcesCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateVpcCommand, DescribeFlowLogsCommand } from '@aws-sdk/client-ec2';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { motoClients, startMoto, TEST_AWS_ENV, type MotoServer } from '../support/moto.js';
import { createBootstrapOnMoto, createStackOnMoto, motoDeployable } from '../support/moto-template.js';
import { parseCfnTemplate } from '../../scripts/cfn-yaml.js';
import { logFormatString, V5_FORMAT, V8_FORMAT } from '../../src/flowlog/format.js';
import { deployStack } from '../../src/deploy/deployer.js';
import type { AwsClients } from '../../src/aws/clients.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const built: Json = parseCfnTemplate(readFileSync('dist/pipeline.yaml', 'utf8'));
/** Glue and Athena are not moto CloudFormation types: their outputs carry the names a test would create. */
const REFS = { GlueDatabase: 'vpc_port_audit', GlueTable: 'flow_logs', ParquetTable: 'flow_logs_parquet', WorkGroup: 'flowlogs', PullRequestWorkGroup: 'flowlogs-pr' };
const { template } = motoDeployable(built, REFS);
const silent = { info: () => undefined, warning: () => undefined, error: () => undefined, debug: () => undefined };
const FAST = { pollMs: { firstMs: 50, maxMs: 200 }, timeoutMs: 30_000 };

let moto: MotoServer;
let clients: AwsClients;

const savedPythonPath = process.env.PYTHONPATH;

beforeAll(async () => {
  // moto as deploy.test.ts runs it, taught to apply a condition that a parameter update switches (deploy-moto/).
  process.env.PYTHONPATH = fileURLToPath(new URL('./deploy-moto', import.meta.url));
  moto = await startMoto();
  clients = motoClients(moto);
}, 60_000);

afterAll(async () => {
  process.env.PYTHONPATH = savedPythonPath;
  await moto?.stop();
});

const newVpc = async () => (await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;

async function settled(stackName: string): Promise<Json> {
  for (;;) {
    const stack = (await clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0]!;
    if (!stack.StackStatus!.endsWith('_IN_PROGRESS')) return stack;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const outputsOf = (stack: Json): Record<string, string> => Object.fromEntries((stack.Outputs as Json[]).map((o) => [o.OutputKey, o.OutputValue]));
const flowLogsOf = async (vpcId: string) =>
  ((await clients.ec2.send(new DescribeFlowLogsCommand({ Filter: [{ Name: 'resource-id', Values: [vpcId] }] }))).FlowLogs ?? []);
/** The stack's resources by logical id (moto also lists an empty entry for each resource whose condition is false). */
const physicalIds = async (stackName: string): Promise<Record<string, string>> =>
  Object.fromEntries(
    ((await clients.cloudformation.send(new DescribeStackResourcesCommand({ StackName: stackName }))).StackResources ?? [])
      .filter((r) => r.LogicalResourceId)
      .map((r) => [r.LogicalResourceId!, r.PhysicalResourceId!]),
  );

test("Pipeline=s3-parquet: the bootstrap's flow log delivers every field to the bucket, the stack creates nothing of the Firehose pipeline", async () => {
  const vpcId = await newVpc();
  const bootstrap = await createBootstrapOnMoto(moto.endpoint, 'parquet', vpcId, { Pipeline: 's3-parquet' });
  await createStackOnMoto(moto.endpoint, 'parquet', template, { VpcId: vpcId, Pipeline: 's3-parquet' });
  const stack = await settled('parquet');
  expect(stack.StackStatus).toBe('CREATE_COMPLETE');
  expect(Object.keys(await physicalIds('parquet'))).toEqual([]);

  const flowLogs = await flowLogsOf(vpcId);
  expect(flowLogs).toHaveLength(1);
  expect(flowLogs[0]).toMatchObject({
    FlowLogId: bootstrap.ParquetFlowLogId,
    LogDestinationType: 's3',
    // moto-template.ts cuts the folder flow-logs/ off (moto takes it for part of the bucket name).
    LogDestination: `arn:aws:s3:::${bootstrap.BucketName}`,
    LogFormat: logFormatString(V8_FORMAT),
    TrafficType: 'ALL',
    MaxAggregationInterval: 600,
  });
  expect(flowLogs[0]!.FlowLogId).toMatch(/^fl-/);

  expect(outputsOf(stack)).toEqual({
    Pipeline: 's3-parquet',
    DatabaseName: 'vpc_port_audit',
    TableName: 'flow_logs_parquet',
    WorkGroupName: 'flowlogs',
    PullRequestWorkGroupName: 'flowlogs-pr',
    FlowLogId: bootstrap.ParquetFlowLogId,
  });
}, 60_000);

test("switching an existing stack's pipeline is an ordinary update through the deployer, both ways; the bucket stays", async () => {
  const vpcId = await newVpc();
  const { BucketName } = await createBootstrapOnMoto(moto.endpoint, 'switching', vpcId);
  const bootstrapPipeline = (pipeline: string) => createBootstrapOnMoto(moto.endpoint, 'switching', vpcId, { Pipeline: pipeline }, true);
  const deploy = (pipeline: string) =>
    deployStack(
      clients,
      { stackName: 'switching', templateBody: JSON.stringify(template), parameters: { VpcId: vpcId, Pipeline: pipeline }, repository: 'octo/infra' },
      silent,
      FAST,
    );

  const firehose = await deploy('cloudwatch-firehose');
  expect(firehose.outputs).toMatchObject({ Pipeline: 'cloudwatch-firehose', TableName: 'flow_logs' });
  const before = await physicalIds('switching');
  expect(before.FlowLogGroup).toBe('switching-FlowLogGroup-fixed');
  expect(before.FlowLog).toBeDefined();
  expect((await flowLogsOf(vpcId)).map((f) => [f.LogDestinationType, f.LogFormat])).toEqual([['cloud-watch-logs', logFormatString(V5_FORMAT)]]);

  const { ParquetFlowLogId } = await bootstrapPipeline('s3-parquet');
  const parquet = await deploy('s3-parquet');
  expect(parquet.action).toBe('update');
  expect(parquet.outputs).toMatchObject({ Pipeline: 's3-parquet', TableName: 'flow_logs_parquet' });
  expect(parquet.outputs.ForwarderFunctionName).toBeUndefined();
  expect(parquet.outputs.FlowLogId).toBe(ParquetFlowLogId);
  expect(Object.keys(await physicalIds('switching'))).toEqual([]);
  // The Firehose pipeline's flow log and its log group are gone; the bootstrap's S3 delivery logs the VPC, into the same bucket.
  expect((await flowLogsOf(vpcId)).map((f) => [f.FlowLogId, f.LogDestinationType, f.LogDestination])).toEqual([[ParquetFlowLogId, 's3', `arn:aws:s3:::${BucketName}`]]);
  const logs = new CloudWatchLogsClient({ endpoint: moto.endpoint, region: TEST_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const groups = (await logs.send(new DescribeLogGroupsCommand({}))).logGroups!.map((g) => g.logGroupName);
  expect(groups).not.toContain(before.FlowLogGroup);
  // The bootstrap's forwarder and delivery stream stay, idle (no subscription invokes the forwarder), so that no
  // export the stack imports goes.
  expect(groups).toEqual(expect.arrayContaining(['switching-ForwarderLogGroup-bootstrap', 'switching-DeliveryLogGroup-bootstrap']));

  const back = await deploy('cloudwatch-firehose');
  await bootstrapPipeline('cloudwatch-firehose');
  expect(back.outputs).toMatchObject({ Pipeline: 'cloudwatch-firehose', TableName: 'flow_logs' });
  expect((await flowLogsOf(vpcId)).map((f) => f.LogDestinationType)).toEqual(['cloud-watch-logs']);
  await expect(clients.s3.send(new HeadBucketCommand({ Bucket: BucketName! }))).resolves.toBeDefined();
}, 120_000);
