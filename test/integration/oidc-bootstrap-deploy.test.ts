// The OIDC bootstrap and the pipeline together on moto_server (which enforces no IAM, so this proves the wiring,
// not the permissions: those are test/unit/iam-permissions.test.ts and iam-attack-paths.test.ts). The bootstrap
// as it was before issue 20 (test/fixtures/github-oidc-role-before-issue-20.yaml) is created, then UPDATED to
// the current template, with a pipeline stack of that time (test/fixtures/pipeline-before-issue-20.yaml, built)
// running, as README's "Upgrading a bootstrap from before issue 20" says: the update completes, keeps the roles'
// and the boundary's names, adds the bucket, the pipeline's three roles (with the boundary), the forwarder and
// its failure queue, and their exports, and
// leaves the deploy role no IAM write. Then the one deploy of the upgrade (an administrator's) turns the old stack
// into one that imports the bootstrap's bucket and roles and holds none of its own, the old bucket kept; and later
// deploys run as the deploy role. moto runs as deploy.test.ts runs it (deploy-moto/): taught to register an updated stack's exports and
// to apply a role's new trust and inline policies on update, which moto 5.2 does not do by itself.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type Parameter,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { CreateVpcCommand, DescribeFlowLogsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { buildBootstrap, buildTemplate } from '../../scripts/build-template.js';
import { parseCfnTemplate } from '../../scripts/cfn-yaml.js';
import { deployStack } from '../../src/deploy/deployer.js';
import { createStackOnMoto, motoDeployable } from '../support/moto-template.js';
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

async function settled(cfn: CloudFormationClient, name: string): Promise<Stack> {
  for (;;) {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!;
    if (!stack.StackStatus!.endsWith('_IN_PROGRESS')) return stack;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Credentials of a session of `roleArn` (moto does not check the trust policy). */
async function assume(roleArn: string) {
  const { Credentials } = await new STSClient(config).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'vpc-port-audit' }));
  return { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! };
}

/** An IAM query-API call to moto: the response's XML. */
const iam = (query: string) => motoIam(moto.endpoint, query);

/** The deploy role's own policy allows no IAM action but PassRole and GetRole, and it trusts only the environment. */
async function expectNoIamWriteAndEnvironmentTrust(): Promise<void> {
  const policy = await iam(`Action=GetRolePolicy&RoleName=${STACK}-deploy-${REGION}&PolicyName=deploy-pipeline-stack`);
  // moto 5.2 returns an inline policy CloudFormation created as a Python dict's repr (single quotes); this one holds
  // no quote of its own, so swapping them gives its JSON.
  const document = JSON.parse(xmlText(/<PolicyDocument>([\s\S]*?)<\/PolicyDocument>/.exec(policy)![1]!).replace(/'/g, '"')) as { Statement: Json[] };
  const allowedIam = document.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat()).filter((a: string) => a.startsWith('iam:'));
  expect([...new Set(allowedIam)].sort()).toEqual(['iam:GetRole', 'iam:PassRole']);
  const role = await iam(`Action=GetRole&RoleName=${STACK}-deploy-${REGION}`);
  const trust = xmlText(/<AssumeRolePolicyDocument>([\s\S]*?)<\/AssumeRolePolicyDocument>/.exec(role)![1]!);
  expect(trust).toContain('repo:octo-org/network:environment:vpc-port-audit');
  expect(trust).not.toContain('refs/heads/main');
}

/** The pipeline template of before issue 20, built as `npm run build` built it then (the fixture's source, today's lambda/). */
async function buildOldPipeline(): Promise<Json> {
  const root = mkdtempSync(join(tmpdir(), 'pipeline-before-issue-20-'));
  try {
    mkdirSync(join(root, 'cfn'));
    copyFileSync('test/fixtures/pipeline-before-issue-20.yaml', join(root, 'cfn/pipeline.yaml'));
    symlinkSync(resolve('lambda'), join(root, 'lambda'));
    return motoDeployable(parseCfnTemplate(await buildTemplate(root))).template;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
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
  before = await settled(cfn, BOOTSTRAP);
  expect({ status: before.StackStatus, reason: before.StackStatusReason }).toEqual({ status: 'CREATE_COMPLETE', reason: undefined });
  // Its pipeline stack, with its own roles (carrying the old boundary) and bucket.
  await createStackOnMoto(moto.endpoint, STACK, await buildOldPipeline(), { VpcId: vpcId, PermissionsBoundaryArn: outputsOf(before).PipelineRoleBoundaryArn! });
  expect((await settled(cfn, STACK)).StackStatus).toBe('CREATE_COMPLETE');
  oldResources = await resourcesOf(STACK);
  expect(Object.values(oldResources).filter((v) => /^AWS::(IAM|S3)::/.test(v)).length).toBe(4);
  // The upgrade: the same stack updated to the current template (as moto can create it: no AWS::S3::BucketPolicy).
  const { template, removed } = motoDeployable(parseCfnTemplate(await buildBootstrap(process.cwd())));
  expect(removed).toEqual(['BucketPolicy', 'ForwarderInvokeConfig']);
  await cfn.send(
    new UpdateStackCommand({
      StackName: BOOTSTRAP,
      TemplateBody: JSON.stringify(template),
      Parameters: parameters({ GitHubOwner: 'octo-org', GitHubRepository: 'network', DeployEnvironment: 'vpc-port-audit', VpcId: vpcId }),
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
  );
  after = await settled(cfn, BOOTSTRAP);
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
  });
  // (moto's CloudFormation applies a bucket's encryption, not its versioning: test/unit/template-pipeline.test.ts reads that.)
  const encryption = await new S3Client({ ...config, forcePathStyle: true }).send(new GetBucketEncryptionCommand({ Bucket: outputs.BucketName }));
  expect(encryption.ServerSideEncryptionConfiguration!.Rules![0]!.ApplyServerSideEncryptionByDefault!.SSEAlgorithm).toBe('AES256');
  for (const name of ['flow-log', 'delivery', 'forwarder']) {
    expect(await iam(`Action=GetRole&RoleName=${STACK}-${name}-${REGION}`)).toContain(`<PermissionsBoundaryArn>${outputsOf(before).PipelineRoleBoundaryArn}</PermissionsBoundaryArn>`);
  }
});

test('after the update, the deploy role\'s own policy allows no IAM action but PassRole and GetRole, and it trusts only the environment', async () => {
  await expectNoIamWriteAndEnvironmentTrust();
});

test("the upgrade's one deploy (an administrator's) leaves a stack that imports the bootstrap's bucket and roles, holds none, and keeps the old bucket", async () => {
  const { template } = motoDeployable(parseCfnTemplate(await buildTemplate(process.cwd())));
  const deploy = (credentials?: Json) =>
    deployStack(
      { cloudformation: new CloudFormationClient(credentials ? { ...config, credentials } : config) },
      { stackName: STACK, templateBody: JSON.stringify(template), repository: 'octo-org/network', parameters: { VpcId: vpcId } },
      silent,
      { pollMs: { firstMs: 100, maxMs: 500 } },
    );
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
  const credentials = await assume(outputs.DeployRoleArn!);
  const { template } = motoDeployable(parseCfnTemplate(await buildTemplate(process.cwd())));
  const result = await deployStack(
    { cloudformation: new CloudFormationClient({ ...config, credentials }) },
    { stackName: STACK, templateBody: JSON.stringify(template), repository: 'octo-org/network', parameters: { VpcId: vpcId } },
    silent,
    { pollMs: { firstMs: 100, maxMs: 500 } },
  );
  expect(result.action).toBe('create');
  // All resources at once: moto 5.2 fails DescribeStackResources by LogicalResourceId on a stack with a resource whose
  // condition is false, and lists such a resource as an empty entry.
  const { StackResources } = await new CloudFormationClient(config).send(new DescribeStackResourcesCommand({ StackName: STACK }));
  const created = StackResources!.filter((r) => r.LogicalResourceId);
  expect(created.filter((r) => /^AWS::(IAM|S3|Lambda|SQS)::/.test(r.ResourceType!))).toEqual([]);
  const physical = Object.fromEntries(created.map((r) => [r.LogicalResourceId!, r.PhysicalResourceId!]));
  // The bootstrap's forwarder, through Lambda's REST API with fetch (this project has no Lambda SDK client).
  const response = await fetch(`${moto.endpoint}/2015-03-31/functions/${outputs.ForwarderFunctionName}/configuration`, {
    headers: { authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/lambda/aws4_request' },
  });
  expect(response.status).toBe(200);
  expect(((await response.json()) as Json).Role).toBe(`arn:aws:iam::123456789012:role/${STACK}-forwarder-${REGION}`);
  const { FlowLogs } = await new EC2Client(config).send(new DescribeFlowLogsCommand({ FlowLogIds: [physical.FlowLog!] }));
  expect(FlowLogs).toHaveLength(1);
  expect(FlowLogs![0]!.DeliverLogsPermissionArn).toBe(`arn:aws:iam::123456789012:role/${STACK}-flow-log-${REGION}`);
  expect(FlowLogs![0]!.Tags).toContainEqual({ Key: 'vpc-port-audit:stack', Value: STACK });
}, 60_000);
