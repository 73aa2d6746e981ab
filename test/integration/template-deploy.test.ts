// Deploys the built template to moto_server's CloudFormation. moto 5.2 cannot create every resource type of
// the stack (see MOTO_UNSUPPORTED): those are cut out and references to them replaced by stand-in values, and
// the rest (log groups, the VPC flow log) is created by moto's CloudFormation and checked through each service's
// own API, on top of the OIDC bootstrap whose bucket and roles, delivery stream's name, and forwarder (the Lambda with its inlined code,
// its invoke permission, its failure queue; issue 20), the stack imports.
// This is the default pipeline, cloudwatch-firehose; s3-parquet is in template-deploy-parquet.test.ts.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { CreateVpcCommand, DescribeFlowLogsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetBucketEncryptionCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startMoto, TEST_AWS_ENV, type MotoServer } from '../support/moto.js';
import { createBootstrapOnMoto, motoDeployable } from '../support/moto-template.js';
import { parseCfnTemplate } from '../../scripts/cfn-yaml.js';
import { logFormatString, V5_FORMAT } from '../../src/flowlog/format.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const built: Json = parseCfnTemplate(readFileSync('dist/pipeline.yaml', 'utf8'));
const { template, removed } = motoDeployable(built);
let moto: MotoServer;
let vpcId: string;
let stack: Json;
let physical: Record<string, string>;
let config: Json;
let bootstrap: Record<string, string>;

beforeAll(async () => {
  moto = await startMoto();
  config = { endpoint: moto.endpoint, region: TEST_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const vpc = await new EC2Client(config).send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  vpcId = vpc.Vpc!.VpcId!;
  bootstrap = await createBootstrapOnMoto(moto.endpoint, 'vpc-port-audit', vpcId);
  const cfn = new CloudFormationClient(config);
  await cfn.send(
    new CreateStackCommand({
      StackName: 'vpc-port-audit',
      TemplateBody: JSON.stringify(template),
      Parameters: [{ ParameterKey: 'VpcId', ParameterValue: vpcId }],
      Capabilities: ['CAPABILITY_IAM'],
    }),
  );
  for (;;) {
    stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'vpc-port-audit' }))).Stacks![0]!;
    if (!stack.StackStatus.endsWith('_IN_PROGRESS')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const resources = await cfn.send(new DescribeStackResourcesCommand({ StackName: 'vpc-port-audit' }));
  // moto also lists an empty entry for each resource whose condition is false.
  physical = Object.fromEntries(resources.StackResources!.filter((r) => r.LogicalResourceId).map((r) => [r.LogicalResourceId!, r.PhysicalResourceId!]));
}, 60_000);

afterAll(async () => moto?.stop());

test('moto cannot create exactly the listed resource types; the rest of the stack is created', () => {
  expect(removed.sort()).toEqual(
    [
      'FlowLogSubscription', 'GlueDatabase', 'GlueTable', 'ParquetTable', 'WorkGroup', 'PullRequestWorkGroup',
      'FailureQueueAlarm', 'ForwarderErrorsAlarm',
    ].sort(),
  );
  expect(stack.StackStatus).toBe('CREATE_COMPLETE');
  // The default pipeline, cloudwatch-firehose: every resource moto can create (the s3-parquet pipeline's one resource,
  // its Glue table, is a type moto lacks; its flow log is the bootstrap's).
  expect(Object.values(template.Resources as Json).filter((r) => r.Condition === 'S3Parquet')).toEqual([]);
  expect(Object.keys(physical).sort()).toEqual(Object.keys(template.Resources).sort());
});

test('outputs: the flow-log group; the stack creates no bucket or role of its own', () => {
  const outputs = Object.fromEntries((stack.Outputs as Json[]).map((o) => [o.OutputKey, o.OutputValue]));
  expect(outputs.LogGroupName).toBe(physical.FlowLogGroup);
  expect(Object.keys(physical).filter((id) => /^AWS::(IAM|S3)::/.test(template.Resources[id].Type))).toEqual([]);
});

test("outputs for pipeline health and redrive: the flow log, and the bootstrap's forwarder, failure queue and delivery stream", () => {
  const outputs = Object.fromEntries((stack.Outputs as Json[]).map((o) => [o.OutputKey, o.OutputValue]));
  expect(outputs.FlowLogId).toMatch(/^fl-/);
  expect(outputs.FlowLogId).toBe(physical.FlowLog);
  expect(outputs.ForwarderFunctionName).toBe('vpc-port-audit-Forwarder-bootstrap');
  expect(outputs.ForwarderFunctionName).toBe(bootstrap.ForwarderFunctionName);
  expect(outputs.FailureQueueUrl).toBe(bootstrap.FailureQueueUrl);
  expect(outputs.FailureQueueName).toBe('vpc-port-audit-FailureQueue-bootstrap');
  expect(outputs.FailureQueueUrl!.endsWith(`/${outputs.FailureQueueName}`)).toBe(true);
  expect(outputs.DeliveryStreamName).toBe('vpc-port-audit-DeliveryStream-fixed');
  expect(outputs.DeliveryStreamName).toBe(bootstrap.DeliveryStreamName);
  expect(Object.keys(physical).filter((id) => /^AWS::(Lambda|SQS|KinesisFirehose)::/.test(template.Resources[id].Type))).toEqual([]);
});

test("the bootstrap's failure queue is encrypted and keeps a message 14 days, up to 1 MiB", async () => {
  const { Attributes } = await new SQSClient(config).send(
    new GetQueueAttributesCommand({ QueueUrl: bootstrap.FailureQueueUrl!, AttributeNames: ['All'] }),
  );
  expect(Attributes).toMatchObject({ SqsManagedSseEnabled: 'true', MessageRetentionPeriod: '1209600', MaximumMessageSize: '1048576', VisibilityTimeout: '300' });
});

test('the VPC flow log writes the v5 format to the log group', async () => {
  const flowLogs = await new EC2Client(config).send(new DescribeFlowLogsCommand({}));
  expect(flowLogs.FlowLogs).toHaveLength(1);
  expect(flowLogs.FlowLogs![0]).toMatchObject({
    ResourceId: vpcId,
    TrafficType: 'ALL',
    LogDestinationType: 'cloud-watch-logs',
    LogGroupName: 'vpc-port-audit-FlowLogGroup-fixed',
    LogFormat: logFormatString(V5_FORMAT),
    MaxAggregationInterval: 600,
  });
});

test('log groups expire after the default retention', async () => {
  const groups = await new CloudWatchLogsClient(config).send(new DescribeLogGroupsCommand({}));
  const retention = Object.fromEntries(groups.logGroups!.map((g) => [g.logGroupName, g.retentionInDays]));
  for (const name of [physical.FlowLogGroup!, 'vpc-port-audit-DeliveryLogGroup-bootstrap', 'vpc-port-audit-ForwarderLogGroup-bootstrap']) expect({ name, days: retention[name] }).toEqual({ name, days: 3 });
});

// moto's CloudFormation applies only BucketEncryption and Tags of AWS::S3::Bucket: public access, lifecycle and
// the TLS policy are proven on the template itself (test/unit/template-pipeline.test.ts).
test("the bootstrap's bucket, which the stack imports, is encrypted", async () => {
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: bootstrap.BucketName! }));
  expect(encryption.ServerSideEncryptionConfiguration!.Rules![0]!.ApplyServerSideEncryptionByDefault!.SSEAlgorithm).toBe('AES256');
});

test("the bootstrap's Lambda is created from the inlined code, nodejs22.x, with the pipeline's stream in its environment; only the stack's flow-log group may invoke it", async () => {
  // No Lambda SDK client in this project: moto's Lambda REST API is read directly (moto does not check signatures).
  const lambda = (path: string) =>
    fetch(`${moto.endpoint}/2015-03-31/functions/${bootstrap.ForwarderFunctionName}${path}`, {
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/lambda/aws4_request' },
    }).then((r) => r.json() as Promise<Json>);
  const fn = await lambda('');
  expect(fn.Configuration).toMatchObject({
    Runtime: 'nodejs22.x',
    Handler: 'index.handler',
    Environment: { Variables: { DELIVERY_STREAM_NAME: 'vpc-port-audit-DeliveryStream-fixed' } },
  });
  const flowLogGroup = (await new CloudWatchLogsClient(config).send(new DescribeLogGroupsCommand({ logGroupNamePrefix: physical.FlowLogGroup }))).logGroups![0]!;
  const policy = JSON.parse((await lambda('/policy')).Policy as string) as { Statement: Json[] };
  expect(policy.Statement.map((s) => [s.Principal, s.Action, s.Condition])).toEqual([
    [{ Service: 'logs.amazonaws.com' }, 'lambda:InvokeFunction', { StringEquals: { 'AWS:SourceAccount': '123456789012' }, ArnLike: { 'AWS:SourceArn': flowLogGroup.arn } }],
  ]);
});

test('deleting the stack keeps the bucket (the bootstrap\'s)', async () => {
  await new CloudFormationClient(config).send(new DeleteStackCommand({ StackName: 'vpc-port-audit' }));
  const groups = await new CloudWatchLogsClient(config).send(new DescribeLogGroupsCommand({}));
  expect(groups.logGroups!.map((g) => g.logGroupName)).not.toContain(physical.FlowLogGroup);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  await expect(s3.send(new HeadBucketCommand({ Bucket: bootstrap.BucketName! }))).resolves.toBeDefined();
});
