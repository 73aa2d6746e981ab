// The templates as moto 5.2's CloudFormation can create them: the resource types it does not implement are cut
// out and references to them replaced by stand-in values, and an S3 flow-log destination's folder is cut off
// (used by the template deployment tests and the end-to-end tests); the OIDC bootstrap a pipeline stack needs
// (its bucket, roles, forwarder and delivery stream, imported by the pipeline) created first; a pipeline template of an earlier
// release (a fixture) built as it was; and waiting for a stack to settle.

import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand, UpdateStackCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { parseCfnTemplate } from '../../scripts/cfn-yaml.js';
import { buildBootstrap, buildTemplate } from '../../scripts/build-template.js';
import { TEST_AWS_ENV } from './moto.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Resource types of the stack that moto 5.2's CloudFormation does not implement. */
export const MOTO_UNSUPPORTED = [
  'AWS::KinesisFirehose::DeliveryStream',
  'AWS::Glue::Database',
  'AWS::Glue::Table',
  'AWS::Athena::WorkGroup',
  'AWS::Logs::LogStream',
  'AWS::Logs::SubscriptionFilter',
  'AWS::S3::BucketPolicy',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::CloudWatch::Alarm',
];

/**
 * The template without the resources moto cannot create; references to them become stand-in strings, or the
 * value `refs` gives a removed resource's `Ref` (a Glue table or workgroup a test creates itself), or the fixed
 * name the template gives a removed delivery stream (its `Ref`, so the bootstrap still exports the name the
 * pipeline stack imports). Outputs that are a `Ref` to a removed resource are dropped unless one of those gives it.
 */
export function motoDeployable(template: Json, refs: Readonly<Record<string, string>> = {}): { template: Json; removed: string[] } {
  const removed = Object.keys(template.Resources).filter((name) => MOTO_UNSUPPORTED.includes(template.Resources[name].Type));
  const fixedNames: Json = Object.fromEntries(removed.flatMap((name) => {
    const fixed = template.Resources[name].Properties?.DeliveryStreamName;
    return fixed === undefined ? [] : [[name, fixed]];
  }));
  const knownRefs: Json = { ...fixedNames, ...refs };
  const standIn = (name: string, attribute?: string) =>
    attribute ? `arn:aws:moto-stand-in:us-east-1:123456789012:${name}/${attribute}` : (knownRefs[name] ?? `stand-in-${name}`);
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    const node = value as Json;
    if (typeof node.Ref === 'string' && removed.includes(node.Ref)) return standIn(node.Ref);
    if (Array.isArray(node['Fn::GetAtt']) && removed.includes(node['Fn::GetAtt'][0])) return standIn(node['Fn::GetAtt'][0], node['Fn::GetAtt'][1]);
    if (typeof node['Fn::Sub'] === 'string') {
      return { 'Fn::Sub': node['Fn::Sub'].replace(/\$\{(\w+)(?:\.(\w+))?\}/g, (all: string, name: string, attribute?: string) => (removed.includes(name) ? standIn(name, attribute) : all)) };
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, rewrite(v)]));
  };
  const resources = Object.fromEntries(Object.entries(structuredClone(template.Resources) as Json).filter(([name]) => !removed.includes(name)));
  for (const resource of Object.values(resources)) {
    if (removed.includes(resource.DependsOn)) delete resource.DependsOn;
    // moto 5.2 takes the whole path of an S3 LogDestination (`arn:aws:s3:::bucket/folder/`, which AWS accepts) for
    // the bucket's name and fails: the folder is cut off here (test/unit/template-pipeline.test.ts holds it; the
    // bootstrap's s3-parquet flow log is the one such destination).
    if (resource.Type === 'AWS::EC2::FlowLog' && resource.Properties.LogDestinationType === 's3') {
      const [text, variables] = (resource.Properties.LogDestination as Json)['Fn::Sub'] as [string, Json];
      const bucketArn = /^(arn:[^/]*:s3:::[^/]+)\/[\w/-]+$/.exec(text)?.[1];
      if (bucketArn) resource.Properties.LogDestination = { 'Fn::Sub': [bucketArn, variables] };
    }
  }
  const outputs = Object.fromEntries(Object.entries(template.Outputs as Json).filter(([, o]) => !removed.includes(o.Value.Ref) || o.Value.Ref in knownRefs));
  return { template: rewrite({ ...template, Resources: resources, Outputs: outputs }) as Json, removed };
}


/**
 * Creates `stackName` from `template` (already made deployable) on the moto at `endpoint`, with `parameters`.
 * Its client does not retry: moto takes seconds to create a stack, and a retried CreateStack fails.
 */
export async function createStackOnMoto(endpoint: string, stackName: string, template: Json, parameters: Readonly<Record<string, string>>): Promise<void> {
  const cloudformation = new CloudFormationClient({
    endpoint,
    region: TEST_AWS_ENV.AWS_REGION,
    maxAttempts: 1,
    credentials: { accessKeyId: TEST_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: TEST_AWS_ENV.AWS_SECRET_ACCESS_KEY },
  });
  await cloudformation.send(
    new CreateStackCommand({
      StackName: stackName,
      TemplateBody: JSON.stringify(template),
      Parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
      Capabilities: ['CAPABILITY_IAM'],
    }),
  );
}

/**
 * Creates (or, with `update`, updates) the OIDC bootstrap (built as dist/github-oidc-role.yaml, made deployable) for pipeline
 * stack `pipelineStackName` on the moto at `endpoint`, as `<pipelineStackName>-github`, with `parameters` over the
 * example ones (`Pipeline: 's3-parquet'` adds its flow log), and waits for it: its exports (the bucket, the
 * pipeline's roles, the forwarder and its failure queue, the s3-parquet flow log) are what the pipeline stack imports. Returns the bootstrap's outputs.
 */
export async function createBootstrapOnMoto(
  endpoint: string,
  pipelineStackName: string,
  vpcId: string,
  parameters: Readonly<Record<string, string>> = {},
  update = false,
): Promise<Record<string, string>> {
  const cloudformation = new CloudFormationClient({
    endpoint,
    region: TEST_AWS_ENV.AWS_REGION,
    maxAttempts: 1,
    credentials: { accessKeyId: TEST_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: TEST_AWS_ENV.AWS_SECRET_ACCESS_KEY },
  });
  const { template } = motoDeployable(parseCfnTemplate(await buildBootstrap(process.cwd())));
  const stackName = `${pipelineStackName}-github`;
  const request = {
    StackName: stackName,
    TemplateBody: JSON.stringify(template),
    Parameters: Object.entries({ GitHubOwner: 'octo-org', GitHubRepository: 'network', DeployEnvironment: 'vpc-port-audit', VpcId: vpcId, PipelineStackName: pipelineStackName, MemberRoleName: 'vpc-port-audit-member', ...parameters }).map(
      ([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }),
    ),
    Capabilities: ['CAPABILITY_NAMED_IAM' as const],
  };
  await cloudformation.send(update ? new UpdateStackCommand(request) : new CreateStackCommand(request));
  const done = update ? 'UPDATE_COMPLETE' : 'CREATE_COMPLETE';
  const stack = await stackSettled(cloudformation, stackName);
  if (stack.StackStatus !== done) throw new Error(`bootstrap ${stackName}: ${stack.StackStatus} ${stack.StackStatusReason ?? ''}`);
  return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
}

/** The stack `name` once no operation on it is in progress. */
export async function stackSettled(cloudformation: CloudFormationClient, name: string): Promise<Stack> {
  for (;;) {
    const stack = (await cloudformation.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!;
    if (!stack.StackStatus!.endsWith('_IN_PROGRESS')) return stack;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The pipeline template of an earlier release (`fixture`, its cfn/pipeline.yaml), built as `npm run build` built it
 * then (today's lambda/ inlined where it held the forwarder) and made deployable on moto.
 */
export async function buildFixturePipeline(fixture: string): Promise<Json> {
  const root = mkdtempSync(join(tmpdir(), 'pipeline-fixture-'));
  try {
    mkdirSync(join(root, 'cfn'));
    copyFileSync(fixture, join(root, 'cfn/pipeline.yaml'));
    symlinkSync(resolve('lambda'), join(root, 'lambda'));
    return motoDeployable(parseCfnTemplate(await buildTemplate(root))).template;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
