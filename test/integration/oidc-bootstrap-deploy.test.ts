// The OIDC bootstrap and the pipeline together on moto_server (which enforces no IAM, so this proves the wiring,
// not the permissions: those are test/unit/iam-permissions.test.ts and iam-attack-paths.test.ts). The bootstrap
// as it was before issue 20 (test/fixtures/github-oidc-role-before-issue-20.yaml) is created, then UPDATED to
// the current template, with a pipeline stack of that time (test/fixtures/pipeline-before-issue-20.yaml, built)
// running, as README's "Upgrading a bootstrap from before issue 20" says: the update completes, keeps the roles'
// and the boundary's names, adds the bucket, the pipeline's three roles (with the boundary), the forwarder, its
// failure queue and the delivery stream's name (moto's CloudFormation creates no stream), and their exports, and
// leaves the deploy role no IAM write. Then the one deploy of the upgrade (an administrator's) turns the old stack
// into one that imports the bootstrap's bucket and roles and holds none of its own, the old bucket kept; and later
// deploys run as the deploy role. moto runs as deploy.test.ts runs it (deploy-moto/): taught to register an updated stack's exports and
// to apply a role's new trust and inline policies on update, which moto 5.2 does not do by itself. Last, the same
// kind of upgrade from the bootstrap and pipeline of just before the forwarder and the delivery stream moved into
// the bootstrap.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackResourcesCommand,
  UpdateStackCommand,
  type Parameter,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateVpcCommand, DescribeFlowLogsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { buildBootstrap, buildTemplate } from '../../scripts/build-template.js';
import { parseCfnTemplate } from '../../scripts/cfn-yaml.js';
import { deployStack } from '../../src/deploy/deployer.js';
import { buildFixturePipeline, createStackOnMoto, motoDeployable, stackSettled } from '../support/moto-template.js';
import { startMoto, TEST_AWS_ENV, type MotoServer } from '../support/moto.js';
import { motoIam, xmlText } from '../support/moto-iam.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const STACK = 'vpc-port-audit';
const BOOTSTRAP = 'vpc-port-audit-github';
const REGION = TEST_AWS_ENV.AWS_REGION;
const silent = { info: () => {}, warning: () => {}, error: () => {}, debug: () => {} };
let moto: MotoServer;
let config: Json;
let vpcId: string;
let before: Stack;
let after: Stack;
let outputs: Record<string, string>;
let oldResources: Record<string, string>;

/** Credentials of a session of `roleArn` (moto does not check the trust policy). */
async function assume(roleArn: string) {
  const { Credentials } = await new STSClient(config).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'vpc-port-audit' }));
  return { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! };
}

/** An IAM query-API call to moto: the response's XML. */
const iam = (query: string) => motoIam(moto.endpoint, query);

/** The deploy role's inline policy for pipeline stack `stack`, as moto holds it: the actions of its Allow and Deny statements. */
async function deployRoleActions(stack: string): Promise<{ allowed: string[]; denied: string[] }> {
  const policy = await iam(`Action=GetRolePolicy&RoleName=${stack}-deploy-${REGION}&PolicyName=deploy-pipeline-stack`);
  // moto 5.2 returns an inline policy CloudFormation created as a Python dict's repr (single quotes); this one holds
  // no quote of its own, so swapping them gives its JSON.
  const document = JSON.parse(xmlText(/<PolicyDocument>([\s\S]*?)<\/PolicyDocument>/.exec(policy)![1]!).replace(/'/g, '"')) as { Statement: Json[] };
  const of = (effect: string) => document.Statement.filter((s) => s.Effect === effect).flatMap((s) => [s.Action].flat() as string[]);
  return { allowed: of('Allow'), denied: of('Deny') };
}

/** Deploys today's pipeline template (as moto can create it) as `stackName` on `vpc` with the deployer: as an administrator, or with `credentials`. */
async function deployPipeline(stackName: string, vpc: string, credentials?: Json) {
  const { template } = motoDeployable(parseCfnTemplate(await buildTemplate(process.cwd())));
  return deployStack(
    { cloudformation: new CloudFormationClient(credentials ? { ...config, credentials } : config) },
    { stackName, templateBody: JSON.stringify(template), repository: 'octo-org/network', parameters: { VpcId: vpc } },
    silent,
    { pollMs: { firstMs: 100, maxMs: 500 } },
  );
}

/** The Lambda function `name` on moto (its GetFunction answer; status 404 when there is none), through Lambda's REST API (no Lambda SDK client here). */
async function lambdaFunction(name: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${moto.endpoint}/2015-03-31/functions/${name}`, {
    headers: { authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/lambda/aws4_request' },
  });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as Json };
}

/** The deploy role's own policy allows no IAM action but PassRole, and it trusts only the environment. */
async function expectNoIamWriteAndEnvironmentTrust(): Promise<void> {
  const allowedIam = (await deployRoleActions(STACK)).allowed.filter((a) => a.startsWith('iam:'));
  expect([...new Set(allowedIam)]).toEqual(['iam:PassRole']);
  const role = await iam(`Action=GetRole&RoleName=${STACK}-deploy-${REGION}`);
  const trust = xmlText(/<AssumeRolePolicyDocument>([\s\S]*?)<\/AssumeRolePolicyDocument>/.exec(role)![1]!);
  expect(trust).toContain('repo:octo-org/network:environment:vpc-port-audit');
  expect(trust).not.toContain('refs/heads/main');
}

/** The names of the delivery streams' error log groups of pipeline stack `stack` (its own and the bootstrap's), sorted. */
async function deliveryLogGroups(stack: string): Promise<string[]> {
  const { logGroups } = await new CloudWatchLogsClient(config).send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `${stack}-DeliveryLogGroup-` }));
  return logGroups!.map((g) => g.logGroupName!).sort();
}

/** The stack's resources by logical id (moto also lists an empty entry for each resource whose condition is false). */
async function resourcesOf(stackName: string): Promise<Record<string, string>> {
  const { StackResources } = await new CloudFormationClient(config).send(new DescribeStackResourcesCommand({ StackName: stackName }));
  return Object.fromEntries(StackResources!.filter((r) => r.LogicalResourceId).map((r) => [r.LogicalResourceId!, r.ResourceType === 'AWS::S3::Bucket' || /^AWS::IAM::/.test(r.ResourceType!) ? `${r.ResourceType} ${r.PhysicalResourceId}` : r.PhysicalResourceId!]));
}

const parameters = (values: Record<string, string>): Parameter[] => Object.entries(values).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
const outputsOf = (stack: Stack) => Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));

const savedPythonPath = process.env.PYTHONPATH;

beforeAll(async () => {
  process.env.PYTHONPATH = fileURLToPath(new URL('./deploy-moto', import.meta.url));
  moto = await startMoto();
  config = { endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const cfn = new CloudFormationClient(config);
  vpcId = (await new EC2Client(config).send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
  // The bootstrap an existing deployment has: the template before issue 20, with its own parameters.
  await cfn.send(
    new CreateStackCommand({
      StackName: BOOTSTRAP,
      TemplateBody: readFileSync('test/fixtures/github-oidc-role-before-issue-20.yaml', 'utf8'),
      Parameters: parameters({ GitHubOwner: 'octo-org', GitHubRepository: 'network', DeployBranch: 'main' }),
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
  );
  before = await stackSettled(cfn, BOOTSTRAP);
  expect({ status: before.StackStatus, reason: before.StackStatusReason }).toEqual({ status: 'CREATE_COMPLETE', reason: undefined });
  // Its pipeline stack, with its own roles (carrying the old boundary) and bucket.
  await createStackOnMoto(moto.endpoint, STACK, await buildFixturePipeline('test/fixtures/pipeline-before-issue-20.yaml'), { VpcId: vpcId, PermissionsBoundaryArn: outputsOf(before).PipelineRoleBoundaryArn! });
  expect((await stackSettled(cfn, STACK)).StackStatus).toBe('CREATE_COMPLETE');
  oldResources = await resourcesOf(STACK);
  expect(Object.values(oldResources).filter((v) => /^AWS::(IAM|S3)::/.test(v)).length).toBe(4);
  // The upgrade: the same stack updated to the current template (as moto can create it: no AWS::S3::BucketPolicy).
  const { template, removed } = motoDeployable(parseCfnTemplate(await buildBootstrap(process.cwd())));
  expect(removed).toEqual(['BucketPolicy', 'ForwarderInvokeConfig', 'DeliveryLogStream', 'DeliveryStream']);
  await cfn.send(
    new UpdateStackCommand({
      StackName: BOOTSTRAP,
      TemplateBody: JSON.stringify(template),
      Parameters: parameters({ GitHubOwner: 'octo-org', GitHubRepository: 'network', DeployEnvironment: 'vpc-port-audit', VpcId: vpcId }),
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
  );
  after = await stackSettled(cfn, BOOTSTRAP);
  outputs = outputsOf(after);
}, 90_000);

afterAll(async () => {
  process.env.PYTHONPATH = savedPythonPath;
  await moto?.stop();
});

test('the bootstrap update from the previous template completes as an update, keeping the roles\' and the boundary\'s names', () => {
  expect({ status: after.StackStatus, reason: after.StackStatusReason }).toEqual({ status: 'UPDATE_COMPLETE', reason: undefined });
  expect(after.StackId).toBe(before.StackId);
  for (const kept of ['DeployRoleArn', 'AuditRoleArn']) expect(outputs[kept]).toBe(outputsOf(before)[kept]);
  expect(outputs.DeployRoleArn).toBe(`arn:aws:iam::123456789012:role/${STACK}-deploy-${REGION}`);
  expect(outputs.AuditRoleArn).toBe(`arn:aws:iam::123456789012:role/${STACK}-audit-${REGION}`);
});

test('it adds the bucket (encrypted), the pipeline\'s three roles with the boundary it kept, and exports them for the pipeline stack', async () => {
  const exported = Object.fromEntries(after.Outputs!.filter((o) => o.ExportName).map((o) => [o.ExportName!, o.OutputValue!]));
  expect(exported).toEqual({
    [`${STACK}-BucketName`]: outputs.BucketName,
    [`${STACK}-FlowLogDeliveryRoleArn`]: `arn:aws:iam::123456789012:role/${STACK}-flow-log-${REGION}`,
    [`${STACK}-DeliveryRoleArn`]: `arn:aws:iam::123456789012:role/${STACK}-delivery-${REGION}`,
    [`${STACK}-ForwarderRoleArn`]: `arn:aws:iam::123456789012:role/${STACK}-forwarder-${REGION}`,
    // The forwarder and its failure queue (issue 20's last path): the bootstrap's too.
    [`${STACK}-ForwarderArn`]: `arn:aws:lambda:${REGION}:123456789012:function:${STACK}-Forwarder-bootstrap`,
    [`${STACK}-ForwarderFunctionName`]: `${STACK}-Forwarder-bootstrap`,
    [`${STACK}-FailureQueueName`]: `${STACK}-FailureQueue-bootstrap`,
    [`${STACK}-FailureQueueUrl`]: `https://sqs.${REGION}.amazonaws.com/123456789012/${STACK}-FailureQueue-bootstrap`,
    // The delivery stream, by its fixed name (moto's CloudFormation cannot create the stream itself: MOTO_UNSUPPORTED).
    [`${STACK}-DeliveryStreamName`]: `${STACK}-DeliveryStream-fixed`,
  });
  // (moto's CloudFormation applies a bucket's encryption, not its versioning: test/unit/template-pipeline.test.ts reads that.)
  const encryption = await new S3Client({ ...config, forcePathStyle: true }).send(new GetBucketEncryptionCommand({ Bucket: outputs.BucketName }));
  expect(encryption.ServerSideEncryptionConfiguration!.Rules![0]!.ApplyServerSideEncryptionByDefault!.SSEAlgorithm).toBe('AES256');
  for (const name of ['flow-log', 'delivery', 'forwarder']) {
    expect(await iam(`Action=GetRole&RoleName=${STACK}-${name}-${REGION}`)).toContain(`<PermissionsBoundaryArn>${outputsOf(before).PipelineRoleBoundaryArn}</PermissionsBoundaryArn>`);
  }
});

test('after the update, the deploy role\'s own policy allows no IAM action but PassRole, and it trusts only the environment', async () => {
  await expectNoIamWriteAndEnvironmentTrust();
});

test("the upgrade's one deploy (an administrator's) leaves a stack that imports the bootstrap's bucket and roles, holds none, and keeps the old bucket", async () => {
  const deploy = (credentials?: Json) => deployPipeline(STACK, vpcId, credentials);
  const upgrade = await deploy();
  expect(upgrade.action).toBe('update');
  const now = await resourcesOf(STACK);
  expect(Object.values(now).filter((v) => /^AWS::(IAM|S3)::/.test(v))).toEqual([]);
  // The old roles are deleted with the stack's resources; the old bucket stays (DeletionPolicy Retain) with the memory.
  for (const id of ['FlowLogDeliveryRole', 'DeliveryRole', 'ForwarderRole']) {
    const name = oldResources[id]!.split(' ')[1]!;
    const response = await fetch(`${moto.endpoint}/?Action=GetRole&Version=2010-05-08&RoleName=${name}`, {
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request' },
    });
    expect({ id, status: response.status }).toEqual({ id, status: 404 });
  }
  const oldBucket = oldResources.Bucket!.split(' ')[1]!;
  await expect(new S3Client({ ...config, forcePathStyle: true }).send(new GetBucketEncryptionCommand({ Bucket: oldBucket }))).resolves.toBeDefined();
  expect(oldBucket).not.toBe(outputs.BucketName);

  // From then on the deploy role deploys: nothing left to change.
  const later = await deploy(await assume(outputs.DeployRoleArn!));
  expect(later.action).toBe('none');
}, 60_000);

test('as the upgraded deploy role, the deployer creates a new pipeline stack on the bootstrap, which imports its bucket, roles and forwarder and creates none', async () => {
  // (The stack of the upgrade goes first: moto deletes it at once; its old bucket stays.)
  await new CloudFormationClient(config).send(new DeleteStackCommand({ StackName: STACK }));
  const result = await deployPipeline(STACK, vpcId, await assume(outputs.DeployRoleArn!));
  expect(result.action).toBe('create');
  // All resources at once: moto 5.2 fails DescribeStackResources by LogicalResourceId on a stack with a resource whose
  // condition is false, and lists such a resource as an empty entry.
  const { StackResources } = await new CloudFormationClient(config).send(new DescribeStackResourcesCommand({ StackName: STACK }));
  const created = StackResources!.filter((r) => r.LogicalResourceId);
  expect(created.filter((r) => /^AWS::(IAM|S3|Lambda|SQS)::/.test(r.ResourceType!))).toEqual([]);
  const physical = Object.fromEntries(created.map((r) => [r.LogicalResourceId!, r.PhysicalResourceId!]));
  // The bootstrap's forwarder.
  const forwarder = await lambdaFunction(outputs.ForwarderFunctionName!);
  expect(forwarder.status).toBe(200);
  expect(forwarder.body.Configuration.Role).toBe(`arn:aws:iam::123456789012:role/${STACK}-forwarder-${REGION}`);
  const { FlowLogs } = await new EC2Client(config).send(new DescribeFlowLogsCommand({ FlowLogIds: [physical.FlowLog!] }));
  expect(FlowLogs).toHaveLength(1);
  expect(FlowLogs![0]!.DeliverLogsPermissionArn).toBe(`arn:aws:iam::123456789012:role/${STACK}-flow-log-${REGION}`);
  expect(FlowLogs![0]!.Tags).toContainEqual({ Key: 'vpc-port-audit:stack', Value: STACK });
}, 60_000);

// Issue 20's last path: the same kind of upgrade from the bootstrap and pipeline of just before the forwarder moved
// into the bootstrap (test/fixtures/*-before-forwarder.yaml), as README's "Upgrading a bootstrap from before the
// forwarder moved" says, for another pipeline stack on the same moto.
describe('upgrading from a pipeline stack that held the forwarder', () => {
  const MOVED = 'moved';
  const MOVED_BOOTSTRAP = `${MOVED}-github`;
  let movedVpc: string;
  let bootstrapParameters: Record<string, string>;
  let old: Record<string, string>;
  let updated: Stack;
  let exported: Record<string, string>;

  beforeAll(async () => {
    const cfn = new CloudFormationClient(config);
    movedVpc = (await new EC2Client(config).send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }))).Vpc!.VpcId!;
    bootstrapParameters = { GitHubOwner: 'octo-org', GitHubRepository: 'network', DeployEnvironment: 'vpc-port-audit', VpcId: movedVpc, PipelineStackName: MOVED };
    const before = motoDeployable(parseCfnTemplate(readFileSync('test/fixtures/github-oidc-role-before-forwarder.yaml', 'utf8'))).template;
    await cfn.send(new CreateStackCommand({ StackName: MOVED_BOOTSTRAP, TemplateBody: JSON.stringify(before), Parameters: parameters(bootstrapParameters), Capabilities: ['CAPABILITY_NAMED_IAM'] }));
    expect((await stackSettled(cfn, MOVED_BOOTSTRAP)).StackStatus).toBe('CREATE_COMPLETE');
    await createStackOnMoto(moto.endpoint, MOVED, await buildFixturePipeline('test/fixtures/pipeline-before-forwarder.yaml'), { VpcId: movedVpc });
    expect((await stackSettled(cfn, MOVED)).StackStatus).toBe('CREATE_COMPLETE');
    old = await resourcesOf(MOVED);
    expect(Object.keys(old)).toEqual(expect.arrayContaining(['Forwarder', 'ForwarderLogGroup', 'FailureQueue', 'LogsInvokePermission']));
    // The bootstrap update, while that stack runs.
    const { template } = motoDeployable(parseCfnTemplate(await buildBootstrap(process.cwd())));
    await cfn.send(new UpdateStackCommand({ StackName: MOVED_BOOTSTRAP, TemplateBody: JSON.stringify(template), Parameters: parameters(bootstrapParameters), Capabilities: ['CAPABILITY_NAMED_IAM'] }));
    updated = await stackSettled(cfn, MOVED_BOOTSTRAP);
    exported = Object.fromEntries((updated.Outputs ?? []).filter((o) => o.ExportName).map((o) => [o.ExportName!, o.OutputValue!]));
  }, 90_000);

  test('the bootstrap update completes as an update beside the running stack: it adds the forwarder, its queue and the delivery stream, exports them, and keeps every export the old stack imports', async () => {
    expect({ status: updated.StackStatus, reason: updated.StackStatusReason }).toEqual({ status: 'UPDATE_COMPLETE', reason: undefined });
    expect(exported).toMatchObject({
      [`${MOVED}-ForwarderRoleArn`]: `arn:aws:iam::123456789012:role/${MOVED}-forwarder-${REGION}`,
      [`${MOVED}-DeliveryRoleArn`]: `arn:aws:iam::123456789012:role/${MOVED}-delivery-${REGION}`,
      [`${MOVED}-DeliveryStreamName`]: `${MOVED}-DeliveryStream-fixed`,
      [`${MOVED}-ForwarderArn`]: `arn:aws:lambda:${REGION}:123456789012:function:${MOVED}-Forwarder-bootstrap`,
      [`${MOVED}-ForwarderFunctionName`]: `${MOVED}-Forwarder-bootstrap`,
      [`${MOVED}-FailureQueueName`]: `${MOVED}-FailureQueue-bootstrap`,
    });
    const forwarder = await lambdaFunction(`${MOVED}-Forwarder-bootstrap`);
    expect(forwarder.body.Configuration).toMatchObject({
      Role: `arn:aws:iam::123456789012:role/${MOVED}-forwarder-${REGION}`,
      Environment: { Variables: { DELIVERY_STREAM_NAME: `${MOVED}-DeliveryStream-fixed` } },
    });
    // The old stack's forwarder still runs until the deploy that follows. (Its own stream had a generated name,
    // `<stack>-DeliveryStream-<suffix>`, so the bootstrap's fixed name is free.)
    expect((await lambdaFunction(old.Forwarder!)).status).toBe(200);
    expect(old.DeliveryLogGroup).toMatch(new RegExp(`^${MOVED}-DeliveryLogGroup-(?!bootstrap$)`));
    expect(await deliveryLogGroups(MOVED)).toEqual([old.DeliveryLogGroup, `${MOVED}-DeliveryLogGroup-bootstrap`].sort());
  });

  test('the updated deploy role may write nothing of Lambda or Firehose, and denies every Lambda action on the forwarder and every Firehose write on the stream', async () => {
    const { allowed, denied } = await deployRoleActions(MOVED);
    expect(allowed.length).toBeGreaterThan(30);
    expect(allowed.filter((a) => a.startsWith('lambda:'))).toEqual([]);
    expect(allowed.filter((a) => a.startsWith('firehose:'))).toEqual(['firehose:PutRecordBatch']);
    expect(denied).toContain('lambda:*');
    expect(denied).toEqual(expect.arrayContaining(['firehose:Create*', 'firehose:Update*', 'firehose:Delete*']));
  });

  test("the upgrade's one deploy (an administrator's) moves the stack onto the bootstrap's forwarder; later deploys as the deploy role change nothing", async () => {
    const deploy = (credentials?: Json) => deployPipeline(MOVED, movedVpc, credentials);
    const upgrade = await deploy();
    expect(upgrade.action).toBe('update');
    const { StackResources } = await new CloudFormationClient(config).send(new DescribeStackResourcesCommand({ StackName: MOVED }));
    const now = StackResources!.filter((r) => r.LogicalResourceId);
    expect(now.filter((r) => /^AWS::(IAM|S3|Lambda|SQS)::/.test(r.ResourceType!))).toEqual([]);
    // The old function and its queue are gone. (The flow-log group gets the fixed name the forwarder's permission
    // names, and CloudFormation replaces the flow log with it, its LogGroupName being immutable, https://docs.aws.amazon.com/
    // AWSCloudFormation/latest/UserGuide/aws-resource-ec2-flowlog.html#cfn-ec2-flowlog-loggroupname: moto 5.2 does not
    // replace a log group whose name changed, so test/unit/template-pipeline.test.ts holds that name, not this test.)
    expect((await lambdaFunction(old.Forwarder!)).status).toBe(404);
    await expect(new SQSClient(config).send(new GetQueueUrlCommand({ QueueName: old.FailureQueue!.split('/').pop()! }))).rejects.toThrow();
    // So is the old stream's error log group: only the bootstrap's is left. (moto's CloudFormation creates no stream, MOTO_UNSUPPORTED.)
    expect(await deliveryLogGroups(MOVED)).toEqual([`${MOVED}-DeliveryLogGroup-bootstrap`]);
    // (The outputs the health check and redrive read then import the bootstrap's names: moto 5.2 keeps an output's
    // earlier value when it turns from a resource's Ref into an import, so test/unit/template-pipeline.test.ts holds them.)
    const later = await deploy(await assume(outputsOf(updated).DeployRoleArn!));
    expect(later.action).toBe('none');
  }, 60_000);
});
