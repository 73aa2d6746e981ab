// What the OIDC roles must be allowed, derived rather than listed: for every resource of every template the
// action ships, the CloudFormation handler permissions of its type (cfn/permissions/handler-permissions.json:
// create, read, update, delete and tagging), each turned into a request on that resource's ARN in an example
// deployment; plus the action's own SDK calls and what Athena does with the caller's credentials
// (cfn/permissions/action-calls.json). A handler action is left out only for a stated reason: a feature the
// template does not use (checked against the template, so using it brings the need back), a name that is no IAM
// action, or a write the deploy role must never have. Every request carries the context keys AWS sets for it
// (aws:ResourceAccount; aws:CalledViaFirst for what CloudFormation's handlers send); the evaluator keeps only
// those the Service Authorization Reference lists for the action (test/support/iam-condition-keys.ts). Also
// resolves both templates' policies as IAM would read them for that example deployment.

import { readdirSync, readFileSync } from 'node:fs';
import { parseCfnTemplate } from '../../scripts/cfn-yaml.js';
import { resolveTemplateValue } from './cfn-resolve.js';
import type { Policy, Request } from './iam-policy.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const PARTITION = 'aws';
export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const STACK = 'vpc-port-audit';
export const OWNER = 'octo-org';
export const REPO = 'network';
const SUFFIX = 'A1B2C3D4E5F6';

const HANDLERS = ['create', 'read', 'update', 'delete'] as const;
const handlerData: Json = JSON.parse(readFileSync('cfn/permissions/handler-permissions.json', 'utf8'));
export const actionCalls: Json = JSON.parse(readFileSync('cfn/permissions/action-calls.json', 'utf8'));

export const DEPLOY_ENVIRONMENT = 'vpc-port-audit';
export const VPC_ID = 'vpc-0a1b2c3d4e5f67890';
/** The example bootstrap stack's name (the README's). */
export const BOOTSTRAP_STACK = 'vpc-port-audit-github';

/** The bootstrap stack's parameters for the example deployment. */
export const BOOTSTRAP_PARAMETERS = { GitHubOwner: OWNER, GitHubRepository: REPO, PipelineStackName: STACK, DeployEnvironment: DEPLOY_ENVIRONMENT, VpcId: VPC_ID, MemberRoleName: 'vpc-port-audit-member' };
/** A member account of the example organisation, whose member role (cfn/member-role.yaml) the roles assume. */
export const MEMBER_ACCOUNT = '222233334444';
/** The member role's ARN in `account`, under the example bootstrap's MemberRoleName. */
export const memberRoleArn = (account = MEMBER_ACCOUNT, name = BOOTSTRAP_PARAMETERS.MemberRoleName) => `arn:${PARTITION}:iam::${account}:role/${name}`;

const pseudo = (stack: string) => ({ 'AWS::Partition': PARTITION, 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT, 'AWS::StackName': stack });
const arn = (service: string, resource: string) => `arn:${PARTITION}:${service}:${REGION}:${ACCOUNT}:${resource}`;

/** The boundary policy's ARN in the example bootstrap stack. */
export const boundaryArn = (stack = STACK) => `arn:${PARTITION}:iam::${ACCOUNT}:policy/${stack}-boundary-${REGION}`;
/** The bootstrap's bucket for pipeline stack `stack` (a name CloudFormation generates from the bootstrap stack's). */
export const bucketName = (stack = STACK) => `${stack}-github-bucket-${SUFFIX.toLowerCase()}`;
/** The role names the bootstrap gives its roles for pipeline stack `stack` (held to the template by a test). */
export const bootstrapRoleName = (logicalId: string, stack = STACK) =>
  `${stack}-${{ FlowLogDeliveryRole: 'flow-log', DeliveryRole: 'delivery', ForwarderRole: 'forwarder', DeployRole: 'deploy', AuditRole: 'audit' }[logicalId]}-${REGION}`;
const roleArn = (roleName: string) => `arn:${PARTITION}:iam::${ACCOUNT}:role/${roleName}`;
/**
 * The fixed names of the bootstrap's forwarder and delivery-stream parts for pipeline stack `stack` (held to the
 * template by a test), and of the pipeline's one part the bootstrap names first: the flow-log group the forwarder
 * may be invoked from.
 */
export const forwarderNames = (stack = STACK) => ({
  Forwarder: `${stack}-Forwarder-bootstrap`,
  ForwarderLogGroup: `${stack}-ForwarderLogGroup-bootstrap`,
  FailureQueue: `${stack}-FailureQueue-bootstrap`,
  FlowLogGroup: `${stack}-FlowLogGroup-fixed`,
  DeliveryStream: `${stack}-DeliveryStream-fixed`,
  DeliveryLogGroup: `${stack}-DeliveryLogGroup-bootstrap`,
});
/** The bootstrap's forwarder function and failure queue, as ARNs. */
export const forwarderArn = (stack = STACK) => arn('lambda', `function:${forwarderNames(stack).Forwarder}`);
export const failureQueueArn = (stack = STACK) => arn('sqs', forwarderNames(stack).FailureQueue);
/** The bootstrap's delivery stream, as an ARN. */
export const deliveryStreamArn = (stack = STACK) => arn('firehose', `deliverystream/${forwarderNames(stack).DeliveryStream}`);
/** What the bootstrap for pipeline stack `stack` exports (the pipeline stack's Fn::ImportValue), with Pipeline=s3-parquet. */
export const bootstrapExports = (stack = STACK): Record<string, string> => ({
  [`${stack}-BucketName`]: bucketName(stack),
  [`${stack}-ParquetFlowLogId`]: 'fl-0b00751fa9a1e2c3d',
  ...Object.fromEntries(['FlowLogDeliveryRole', 'DeliveryRole', 'ForwarderRole'].map((id) => [`${stack}-${id}Arn`, roleArn(bootstrapRoleName(id, stack))])),
  [`${stack}-ForwarderArn`]: forwarderArn(stack),
  [`${stack}-ForwarderFunctionName`]: forwarderNames(stack).Forwarder,
  [`${stack}-FailureQueueName`]: forwarderNames(stack).FailureQueue,
  [`${stack}-FailureQueueUrl`]: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${forwarderNames(stack).FailureQueue}`,
  [`${stack}-DeliveryStreamName`]: forwarderNames(stack).DeliveryStream,
});

// --- the bootstrap template, resolved -------------------------------------------------------------------------

export function bootstrapTemplate(text = readFileSync('cfn/github-oidc-role.yaml', 'utf8')): Json {
  return parseCfnTemplate(text);
}

/** Example ARNs of the bootstrap's own resources (what `Ref` returns for them). */
export const BOOTSTRAP_ARNS: Record<string, string> = {
  PipelineRoleBoundary: boundaryArn(),
  AuditPermissions: `arn:${PARTITION}:iam::${ACCOUNT}:policy/vpc-port-audit-github-AuditPermissions-${SUFFIX}`,
  GitHubProvider: `arn:${PARTITION}:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
};

/** The bootstrap template's resources with every intrinsic resolved for the example deployment. */
export function resolveBootstrap(template: Json, parameters: Record<string, string> = {}): Json {
  const stack = parameters.PipelineStackName ?? STACK;
  return resolveTemplateValue(template, template.Resources, {
    parameters: { ...pseudo(BOOTSTRAP_STACK), ...BOOTSTRAP_PARAMETERS, ...parameters },
    ref: (id) => (id === 'Bucket' ? bucketName(stack) : (BOOTSTRAP_ARNS[id] ?? id)),
    getAtt: (id, attribute) => {
      if (attribute !== 'Arn') return `${id}.${attribute}`;
      if (id === 'Bucket') return `arn:${PARTITION}:s3:::${bucketName(stack)}`;
      if (id === 'Forwarder') return forwarderArn(stack);
      if (id === 'FailureQueue') return failureQueueArn(stack);
      if (id === 'DeliveryStream') return deliveryStreamArn(stack);
      if (template.Resources[id]?.Type === 'AWS::IAM::Role') return roleArn(bootstrapRoleName(id, stack));
      throw new Error(`GetAtt ${id}.Arn has no example value`);
    },
  }) as Json;
}

/**
 * A role's policies: its inline policies, the bootstrap's managed policies it attaches, and the managed policies
 * that attach themselves to it (`Roles`), the latter only when their `Condition` holds (`conditions`, from
 * resolveConditions; every one holds when not given).
 */
export function rolePolicies(resources: Json, roleId: string, conditions: Readonly<Record<string, boolean>> = {}): Policy[] {
  const role = resources[roleId].Properties;
  const inline = (role.Policies ?? []).map((p: Json) => p.PolicyDocument as Policy);
  const attached = ((role.ManagedPolicyArns ?? []) as string[]).map((policyArn) => {
    const id = Object.keys(BOOTSTRAP_ARNS).find((k) => BOOTSTRAP_ARNS[k] === policyArn);
    if (!id || resources[id]?.Type !== 'AWS::IAM::ManagedPolicy') throw new Error(`${roleId} attaches ${policyArn}, which the bootstrap does not create`);
    return resources[id].Properties.PolicyDocument as Policy;
  });
  const attaching = Object.values(resources as Record<string, Json>)
    .filter((r) => r.Type === 'AWS::IAM::ManagedPolicy' && (r.Properties.Roles ?? []).includes(roleId) && conditions[r.Condition ?? ''] !== false)
    .map((r) => r.Properties.PolicyDocument as Policy);
  return [...inline, ...attached, ...attaching];
}

/** Each of the bootstrap's conditions, true or false, for the example deployment with `parameters`. */
export function resolveConditions(template: Json, parameters: Record<string, string> = {}): Record<string, boolean> {
  return Object.fromEntries(
    Object.keys(template.Conditions ?? {}).map((name) => [
      name,
      Boolean(resolveTemplateValue(template, { Condition: name }, { parameters: { ...pseudo(BOOTSTRAP_STACK), ...BOOTSTRAP_PARAMETERS, ...parameters }, ref: (id) => id, getAtt: (id, a) => `${id}.${a}` })),
    ]),
  );
}

// --- the pipeline template: example physical names and ARNs ----------------------------------------------------

/** The example physical name of each resource of a pipeline stack called `stack`: its fixed name when it has one. */
function physicalName(raw: Json, stack: string, logicalId: string, type: string): string {
  const fixed = raw[logicalId].Properties.LogGroupName?.['Fn::Sub'];
  if (typeof fixed === 'string') return fixed.replace('${AWS::StackName}', stack);
  switch (type) {
    case 'AWS::Glue::Database':
      return stack.split('-').join('_');
    case 'AWS::Athena::WorkGroup':
      return (raw[logicalId].Properties.Name['Fn::Sub'] as string).replace('${AWS::StackName}', stack);
    case 'AWS::EC2::FlowLog':
      return 'fl-0123456789abcdef0';
    default:
      return `${stack}-${logicalId}-${SUFFIX}`;
  }
}

export interface PipelineResource {
  readonly logicalId: string;
  readonly type: string;
  /** Properties with intrinsics resolved. */
  readonly properties: Json;
  /** The ARN a request on the resource itself names. */
  readonly arn: string;
}

export interface Pipeline {
  readonly stack: string;
  readonly template: Json;
  readonly resources: Record<string, PipelineResource>;
  /** The bootstrap's bucket, which the stack imports. */
  readonly bucketArn: string;
  readonly database: string;
}

/** The pipeline template resolved as stack `stack`, importing what the bootstrap for `stack` exports. */
export function resolvePipeline(template: Json, stack = STACK): Pipeline {
  const raw = template.Resources as Json;
  const name = (id: string) => (raw[id].Type === 'AWS::Glue::Table' ? (raw[id].Properties.TableInput.Name as string) : physicalName(raw, stack, id, raw[id].Type));
  const database = name(Object.keys(raw).find((id) => raw[id].Type === 'AWS::Glue::Database')!);
  const ownArn = (id: string): string => {
    const n = name(id);
    switch (raw[id].Type) {
      case 'AWS::Logs::LogGroup':
        return arn('logs', `log-group:${n}:*`);
      case 'AWS::Logs::LogStream':
        return `${ownArn(raw[id].Properties.LogGroupName.Ref).replace(/:\*$/, '')}:log-stream:${n}`;
      case 'AWS::EC2::FlowLog':
        return arn('ec2', `vpc-flow-log/${n}`);
      case 'AWS::CloudWatch::Alarm':
        return arn('cloudwatch', `alarm:${n}`);
      case 'AWS::Logs::SubscriptionFilter':
        return ownArn(raw[id].Properties.LogGroupName.Ref);
      case 'AWS::Glue::Database':
        return arn('glue', `database/${n}`);
      case 'AWS::Glue::Table':
        return arn('glue', `table/${database}/${n}`);
      case 'AWS::Athena::WorkGroup':
        return arn('athena', `workgroup/${n}`);
      default:
        throw new Error(`no example ARN for ${raw[id].Type}: add it to test/support/iam-needs.ts`);
    }
  };
  const getAtt = (id: string, attribute: string) => {
    if (attribute === 'Arn') return ownArn(id);
    throw new Error(`GetAtt ${id}.${attribute} has no example value`);
  };
  const resources: Record<string, PipelineResource> = {};
  for (const [id, resource] of Object.entries(raw)) {
    const properties = resolveTemplateValue(template, resource.Properties ?? {}, {
      parameters: { ...pseudo(stack), VpcId: VPC_ID },
      ref: name,
      getAtt,
      importValue: (exportName) => {
        const value = bootstrapExports(stack)[exportName];
        if (value === undefined) throw new Error(`the bootstrap exports no ${exportName}`);
        return value;
      },
    }) as Json;
    resources[id] = { logicalId: id, type: resource.Type, properties, arn: ownArn(id) };
  }
  return { stack, template, resources, bucketArn: `arn:${PARTITION}:s3:::${bucketName(stack)}`, database };
}

// --- needs -----------------------------------------------------------------------------------------------------

export interface Need extends Request {
  /** Why: `AWS::S3::Bucket read (Bucket)`, `call DescribeStacksCommand`, `Athena query`. */
  readonly why: string;
}

export interface Exclusion {
  readonly actions: readonly string[];
  readonly reason: string;
  /** True while the exclusion holds for this resource (a feature it does not use). */
  readonly holds: (properties: Json) => boolean;
}

const unset = (path: string) => (properties: Json) => path.split('.').reduce<unknown>((v, key) => (v as Json | undefined)?.[key], properties) === undefined;
const always = () => true;

/** Handler actions the roles are not given, per type, each with its reason. */
export const EXCLUSIONS: Record<string, readonly Exclusion[]> = {
  'AWS::Logs::LogGroup': [
    { actions: ['logs:PutResourcePolicy', 'logs:DeleteResourcePolicy'], reason: 'ResourcePolicyDocument is not set (and these change account-wide resource policies)', holds: unset('ResourcePolicyDocument') },
    { actions: ['logs:PutIndexPolicy', 'logs:DeleteIndexPolicy'], reason: 'FieldIndexPolicies is not set', holds: unset('FieldIndexPolicies') },
    { actions: ['logs:CreateLogDelivery', 'firehose:TagDeliveryStream'], reason: 'DataProtectionPolicy (whose findings these deliver) is not set', holds: unset('DataProtectionPolicy') },
    { actions: ['s3:REST.PUT.OBJECT'], reason: 'not an IAM action (Service Authorization Reference)', holds: always },
  ],
  'AWS::EC2::FlowLog': [
    {
      actions: ['logs:CreateLogDelivery', 'logs:DeleteLogDelivery', 's3:GetBucketPolicy', 's3:PutBucketPolicy'],
      reason: 'only for S3 or Firehose destinations; LogDestinationType is cloud-watch-logs',
      holds: (p) => p.LogDestinationType === 'cloud-watch-logs',
    },
    {
      actions: ['s3:GetBucketPolicy', 's3:PutBucketPolicy'],
      reason:
        'the log delivery writes the bucket policy only for a creator allowed to; otherwise the bucket owner\'s policy must already ' +
        'grant it, and the bootstrap\'s does (Amazon VPC user guide, https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-permissions.html); ' +
        'the deploy role never writes a bucket policy',
      holds: (p) => p.LogDestinationType === 's3',
    },
    {
      actions: ['iam:CreateServiceLinkedRole'],
      reason: 'only for Firehose destinations (the log delivery service-linked role, CloudWatch Logs user guide, "Logs sent to Firehose")',
      holds: (p) => p.LogDestinationType !== 'kinesis-data-firehose',
    },
    { actions: ['iam:PassRole'], reason: 'DeliverLogsPermissionArn is not set (S3 delivery writes with the bucket policy, no role)', holds: unset('DeliverLogsPermissionArn') },
  ],
  'AWS::Logs::SubscriptionFilter': [{ actions: ['iam:PassRole'], reason: 'RoleArn is not set (a Lambda destination needs no role)', holds: unset('RoleArn') }],
  'AWS::Glue::Database': [
    {
      actions: ['glue:CreateConnection', 'glue:DeleteConnection', 'glue:GetConnection', 'glue:UpdateConnection', 'glue:PassConnection'],
      reason: 'DatabaseInput.FederatedDatabase (a connection) is not set',
      holds: unset('DatabaseInput.FederatedDatabase'),
    },
  ],
  'AWS::Athena::WorkGroup': [
    {
      actions: ['iam:PassRole', 'iam:CreateServiceLinkedRole'],
      reason: 'WorkGroupConfiguration.ExecutionRole (Spark) is not set',
      holds: unset('WorkGroupConfiguration.ExecutionRole'),
    },
    {
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      reason: 'query results are encrypted with SSE_S3, not a KMS key',
      holds: (p) => p.WorkGroupConfiguration?.ResultConfiguration?.EncryptionConfiguration?.EncryptionOption === 'SSE_S3',
    },
  ],
};

/** The handler and tagging actions of a type, with `*` for types the registry extract does not hold. */
export function handlerActions(type: string): { handler: string; action: string }[] {
  const entry = handlerData.types[type];
  if (!entry) throw new Error(`cfn/permissions/handler-permissions.json has no ${type}: add its schema's handler permissions`);
  const handlers = Object.keys(entry.handlers).length > 0 ? entry.handlers : handlerData._supplement[type]?.handlers;
  if (!handlers) throw new Error(`${type} has no handler permissions in the registry extract nor in _supplement`);
  return [
    ...HANDLERS.flatMap((h) => ((handlers[h] ?? []) as string[]).map((action) => ({ handler: h, action }))),
    ...(entry.tagging as string[]).map((action) => ({ handler: 'tagging', action })),
  ];
}

/** Actions the Service Authorization Reference lists with no resource type: only `*` can grant them. */
export const NO_RESOURCE_LEVEL = new Set([
  'ec2:DescribeVpcs', 'ec2:DescribeNatGateways', 'ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroupRules', 'ec2:DescribeFlowLogs', 'ec2:DescribeTags', 'autoscaling:DescribeTags', 'logs:DescribeLogGroups',
  'logs:DescribeResourcePolicies', 'logs:DescribeIndexPolicies', 'lakeformation:ListResources', 'lakeformation:DescribeResource',
  'lakeformation:DescribeLakeFormationIdentityCenterConfiguration',
  // CloudWatch User Guide, "Amazon CloudWatch permissions reference": its actions take `*` as the resource.
  'cloudwatch:GetMetricData',
  // Amazon VPC user guide, "Create a flow log that publishes to Amazon S3": the creator's policy grants them on "*".
  'logs:CreateLogDelivery', 'logs:DeleteLogDelivery',
]);

const object = (bucketArn: string, prefix: string) => `${bucketArn}/${prefix}example-object`;
const catalogArn = () => arn('glue', 'catalog');

/** The requests one handler action makes for one resource of the pipeline. */
function requestsFor(pipeline: Pipeline, resource: PipelineResource, action: string): Omit<Need, 'why'>[] {
  const p = resource.properties;
  const passRole = (roleName: string, service: string) => [{ action, resource: roleArn(roleName), context: { 'iam:PassedToService': service } }];
  const one = (arnValue: string, context?: Record<string, string>) => [{ action, resource: arnValue, context }];
  const lower = action.toLowerCase();
  if (NO_RESOURCE_LEVEL.has(action)) return one('*');
  const resourceTags = Object.fromEntries(((p.Tags ?? []) as { Key: string; Value: string }[]).map((t) => [`aws:ResourceTag/${t.Key}`, t.Value]));
  switch (resource.type) {
    case 'AWS::EC2::FlowLog':
      if (action === 'iam:PassRole') return passRole(p.DeliverLogsPermissionArn.split('/').pop(), 'vpc-flow-logs.amazonaws.com');
      if (action === 'ec2:CreateFlowLogs') return [...one(arn('ec2', `vpc/${p.ResourceId}`)), ...one(resource.arn)];
      // CreateTags: when the flow log is created (tag on create) and when its tags change later.
      if (action === 'ec2:CreateTags') return [...one(resource.arn, { 'ec2:CreateAction': 'CreateFlowLogs' }), ...one(resource.arn, resourceTags)];
      // S3 delivery reads (and may add to) the destination bucket's policy.
      if (action.startsWith('s3:')) return one(`arn:${PARTITION}:s3:::${/^arn:[^:]+:s3:::([^/]+)/.exec(p.LogDestination)![1]}`);
      return one(resource.arn, resourceTags);
    case 'AWS::Glue::Database':
    case 'AWS::Glue::Table': {
      const ancestry = [catalogArn(), arn('glue', `database/${pipeline.database}`)];
      if (resource.type === 'AWS::Glue::Table') ancestry.push(resource.arn);
      // Deleting a database is authorized on its tables and functions too.
      if (action === 'glue:DeleteDatabase') ancestry.push(arn('glue', `table/${pipeline.database}/flow_logs`), arn('glue', `userDefinedFunction/${pipeline.database}/example_function`));
      return ancestry.flatMap((a) => one(a));
    }
    case 'AWS::Athena::WorkGroup': {
      if (!action.startsWith('s3:')) return one(resource.arn);
      const location = /^s3:\/\/([^/]+)\/(.*)$/.exec(p.WorkGroupConfiguration.ResultConfiguration.OutputLocation)!;
      const bucket = `arn:${PARTITION}:s3:::${location[1]}`;
      return ['s3:getobject', 's3:putobject', 's3:abortmultipartupload', 's3:listmultipartuploadparts'].includes(lower) ? one(object(bucket, location[2]!)) : one(bucket);
    }
    default:
      return one(resource.arn);
  }
}

/** Global keys of every request here: the resources are the account's own. */
const IN_ACCOUNT = { 'aws:ResourceAccount': ACCOUNT };
/**
 * CloudFormation sends each resource operation as a forward access session, so aws:CalledViaFirst is
 * cloudformation.amazonaws.com (AWS CloudFormation User Guide, "Forward access sessions (FAS) requests and
 * permission evaluation", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/fas-requests-and-permission-evaluation.html).
 */
export const VIA_CLOUDFORMATION = { 'aws:CalledViaFirst': 'cloudformation.amazonaws.com' };

/** Every request CloudFormation's handlers make for the pipeline's resources, less the stated exclusions. */
export function handlerNeeds(pipeline: Pipeline): Need[] {
  return Object.values(pipeline.resources).flatMap((resource) => {
    const excluded = new Set(
      (EXCLUSIONS[resource.type] ?? []).filter((e) => e.holds(resource.properties)).flatMap((e) => e.actions.map((a) => a.toLowerCase())),
    );
    return handlerActions(resource.type)
      .filter(({ action }) => !excluded.has(action.toLowerCase()))
      .flatMap(({ handler, action }) =>
        requestsFor(pipeline, resource, action).map((r) => ({
          ...r,
          context: { ...IN_ACCOUNT, ...VIA_CLOUDFORMATION, ...r.context },
          why: `${resource.type} ${handler} (${resource.logicalId})`,
        })),
      );
  });
}

/**
 * A symbolic resource of action-calls.json as an example ARN. `query-workgroup` and `bucket/query-results/` are
 * the role's own: trusted runs (deploy role) query in `<stack>-audit` with results under athena-results/,
 * pull-request runs (audit role) in `<stack>-pull-request` under athena-results-pr/.
 */
function callResource(pipeline: Pipeline, name: string, role: 'deploy' | 'audit'): string {
  if (name === '*') return '*';
  if (name === 'bucket/query-results/') return object(pipeline.bucketArn, role === 'deploy' ? 'athena-results/' : 'athena-results-pr/');
  if (name.startsWith('bucket/')) return object(pipeline.bucketArn, name.slice('bucket/'.length));
  const arns: Record<string, string> = {
    stack: arn('cloudformation', `stack/${pipeline.stack}/11111111-2222-3333-4444-555555555555`),
    bucket: pipeline.bucketArn,
    'query-workgroup': arn('athena', `workgroup/${pipeline.stack}-${role === 'deploy' ? 'audit' : 'pull-request'}`),
    catalog: catalogArn(),
    database: arn('glue', `database/${pipeline.database}`),
    'database/default': arn('glue', 'database/default'),
    table: arn('glue', `table/${pipeline.database}/flow_logs`),
    'parquet-table': arn('glue', `table/${pipeline.database}/flow_logs_parquet`),
    'member-role': memberRoleArn(),
    // The failure queue and the delivery stream are the bootstrap's (redrive empties one into the other).
    queue: failureQueueArn(pipeline.stack),
    deliverystream: deliveryStreamArn(pipeline.stack),
  };
  if (!(name in arns)) throw new Error(`action-calls.json names an unknown resource ${name}`);
  return arns[name]!;
}

/** The action's own calls and Athena's needs (sent by Athena with the caller's credentials); `audit` ones for both roles. */
export function callNeeds(pipeline: Pipeline, role: 'deploy' | 'audit'): Need[] {
  // `cli` calls are sent by the command line with the user's own credentials: no role needs them.
  const wanted = (entry: Json) => entry.role !== 'cli' && (role === 'deploy' || entry.role === 'audit');
  const expand = (entry: Json, why: string, context?: Record<string, string>): Need[] =>
    (entry.actions as string[]).flatMap((action) =>
      (entry.resources as string[]).map((r) => ({ action, resource: callResource(pipeline, r, role), context: { ...IN_ACCOUNT, ...context }, why })),
    );
  const calls = Object.entries(actionCalls.calls as Record<string, Json>)
    .filter(([, call]) => wanted(call))
    .flatMap(([command, call]) => {
      const context = call.changeSet ? { 'cloudformation:ChangeSetName': 'vpc-port-audit-1764460800000' } : undefined;
      return [call, ...(call.also ?? [])].flatMap((entry: Json) => expand(entry, `call ${command}`, context));
    });
  const viaAthena = { 'aws:CalledViaFirst': 'athena.amazonaws.com' };
  const athena = (actionCalls.athena as Json[]).filter(wanted).flatMap((entry) => expand(entry, `Athena query (${entry.source})`, viaAthena));
  return [...calls, ...athena];
}

/** Everything the deploy role must be allowed (deploy-and-audit runs). */
export const deployNeeds = (pipeline: Pipeline) => [...handlerNeeds(pipeline), ...callNeeds(pipeline, 'deploy')];
/** Everything the audit role must be allowed (pull-request runs). */
export const auditNeeds = (pipeline: Pipeline) => callNeeds(pipeline, 'audit');

/** Templates an administrator deploys, never the action: the bootstrap and the organisation's member role. */
const ADMINISTRATOR_TEMPLATES = ['github-oidc-role.yaml', 'member-role.yaml'];
/** The templates the action deploys: every cfn/*.yaml but the administrator's. */
export const shippedTemplatePaths = () =>
  readdirSync('cfn').filter((f) => f.endsWith('.yaml') && !ADMINISTRATOR_TEMPLATES.includes(f)).map((f) => `cfn/${f}`);

/** A template the action deploys, parsed (the source form: the build fills in code and columns only). */
export const pipelineTemplate = (path = 'cfn/pipeline.yaml'): Json => parseCfnTemplate(readFileSync(path, 'utf8'));
