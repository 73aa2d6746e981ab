// The OIDC bootstrap and the pipeline together on moto_server (which enforces no IAM, so this proves the wiring,
// not the permissions: those are test/unit/iam-permissions.test.ts): the bootstrap stack creates both roles and
// the boundary under the names the action expects; as the deploy role, the action's own code finds the boundary
// (STS GetCallerIdentity) and the deployer creates the pipeline stack, built from source, with every role
// carrying it and the flow log tagged with its stack; as the audit role, no boundary is passed.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { CreateVpcCommand, DescribeFlowLogsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { buildTemplate } from '../../scripts/build-template.js';
import { parseCfnTemplate } from '../../scripts/cfn-yaml.js';
import { pipelineRoleBoundary } from '../../src/deploy/boundary.js';
import { deployStack } from '../../src/deploy/deployer.js';
import { motoDeployable } from '../support/moto-template.js';
import { startMoto, TEST_AWS_ENV, type MotoServer } from '../support/moto.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const STACK = 'vpc-port-audit';
const REGION = TEST_AWS_ENV.AWS_REGION;
const silent = { info: () => {}, warning: () => {}, error: () => {}, debug: () => {} };
let moto: MotoServer;
let config: Json;
let outputs: Record<string, string>;

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

/** IAM GetRole through moto's query API (this project has no IAM SDK client). */
async function getRole(name: string): Promise<string> {
  const response = await fetch(`${moto.endpoint}/?Action=GetRole&Version=2010-05-08&RoleName=${encodeURIComponent(name)}`, {
    headers: { authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request' },
  });
  expect(response.status).toBe(200);
  return response.text();
}

beforeAll(async () => {
  moto = await startMoto();
  config = { endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const cfn = new CloudFormationClient(config);
  await cfn.send(
    new CreateStackCommand({
      StackName: 'vpc-port-audit-github',
      TemplateBody: readFileSync('cfn/github-oidc-role.yaml', 'utf8'),
      Parameters: [
        { ParameterKey: 'GitHubOwner', ParameterValue: 'octo-org' },
        { ParameterKey: 'GitHubRepository', ParameterValue: 'network' },
      ],
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
  );
  const stack = await settled(cfn, 'vpc-port-audit-github');
  expect({ status: stack.StackStatus, reason: stack.StackStatusReason }).toEqual({ status: 'CREATE_COMPLETE', reason: undefined });
  outputs = Object.fromEntries(stack.Outputs!.map((o) => [o.OutputKey!, o.OutputValue!]));
}, 60_000);

afterAll(async () => moto?.stop());

test('the bootstrap creates the deploy and audit roles and the boundary under the names the action expects', () => {
  expect(outputs.DeployRoleArn).toBe(`arn:aws:iam::123456789012:role/${STACK}-deploy-${REGION}`);
  expect(outputs.AuditRoleArn).toBe(`arn:aws:iam::123456789012:role/${STACK}-audit-${REGION}`);
  expect(outputs.PipelineRoleBoundaryArn).toBe(`arn:aws:iam::123456789012:policy/${STACK}-boundary-${REGION}`);
});

test('as the audit role the action passes no boundary', async () => {
  const sts = new STSClient({ ...config, credentials: await assume(outputs.AuditRoleArn!) });
  await expect(pipelineRoleBoundary(sts, STACK, REGION)).resolves.toBeUndefined();
});

test('as the deploy role it passes the boundary, and the pipeline roles carry it; the flow log carries its stack tag', async () => {
  const credentials = await assume(outputs.DeployRoleArn!);
  const boundary = await pipelineRoleBoundary(new STSClient({ ...config, credentials }), STACK, REGION);
  expect(boundary).toBe(outputs.PipelineRoleBoundaryArn);

  const { VpcId } = (await new EC2Client(config).send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!;
  const { template } = motoDeployable(parseCfnTemplate(await buildTemplate(process.cwd())));
  const result = await deployStack(
    { cloudformation: new CloudFormationClient({ ...config, credentials }) },
    { stackName: STACK, templateBody: JSON.stringify(template), repository: 'octo-org/network', parameters: { VpcId: VpcId!, PermissionsBoundaryArn: boundary! } },
    silent,
    { pollMs: { firstMs: 100, maxMs: 500 } },
  );
  expect(result.action).toBe('create');

  const roles = Object.keys(template.Resources).filter((id) => template.Resources[id].Type === 'AWS::IAM::Role');
  expect(roles.sort()).toEqual(['DeliveryRole', 'FlowLogDeliveryRole', 'ForwarderRole']);
  // All resources at once: moto 5.2 fails DescribeStackResources by LogicalResourceId on a stack with a resource whose
  // condition is false (the s3-parquet pipeline's here), and lists such a resource as an empty entry.
  const { StackResources } = await new CloudFormationClient(config).send(new DescribeStackResourcesCommand({ StackName: STACK }));
  const physical = Object.fromEntries(StackResources!.filter((r) => r.LogicalResourceId).map((r) => [r.LogicalResourceId!, r.PhysicalResourceId!]));
  for (const id of roles) {
    expect(await getRole(physical[id]!)).toContain(`<PermissionsBoundaryArn>${boundary}</PermissionsBoundaryArn>`);
  }
  const { FlowLogs } = await new EC2Client(config).send(new DescribeFlowLogsCommand({}));
  expect(FlowLogs![0]!.Tags).toContainEqual({ Key: 'vpc-port-audit:stack', Value: STACK });
}, 60_000);
