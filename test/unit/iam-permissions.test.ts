// The OIDC roles' permissions against what the action really needs (test/support/iam-needs.ts): every request
// CloudFormation's handlers make for every resource of the pipeline template, every SDK call in src/, and what
// Athena does with the caller's credentials, evaluated on the bootstrap template's resolved policies
// (test/support/iam-policy.ts) under both revisions of the Service Authorization Reference's condition keys
// (test/support/iam-condition-keys.ts). Also: nothing granted that no need asks for, grants that cannot reach
// another stack's resources, and an audit role that can read and query in its own workgroup but never deploy.
// The attack paths of issue 20 against these roles: test/unit/iam-attack-paths.test.ts.

import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  actionCalls,
  auditNeeds,
  bootstrapTemplate,
  callNeeds,
  deployNeeds,
  deliveryStreamArn,
  EXCLUSIONS,
  failureQueueArn,
  handlerActions,
  handlerNeeds,
  NO_RESOURCE_LEVEL,
  pipelineTemplate,
  resolveBootstrap,
  memberRoleArn,
  MEMBER_ACCOUNT,
  resolveConditions,
  resolvePipeline,
  rolePolicies,
  shippedTemplatePaths,
  type Need,
} from '../support/iam-needs.js';
import { CONDITION_KEYS, REVISIONS } from '../support/iam-condition-keys.js';
import { actionsOf, allowStatements, evaluate, resourcesOf, type Policy } from '../support/iam-policy.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const bootstrap = resolveBootstrap(bootstrapTemplate());
const deployRole = rolePolicies(bootstrap, 'DeployRole');
const auditRole = rolePolicies(bootstrap, 'AuditRole');
const pipeline = resolvePipeline(pipelineTemplate());

/** The needs the policies do not allow, as `action on resource (why)` (under the newest condition-key table unless told). */
const missing = (policies: Policy[], needs: Need[], revision: (typeof REVISIONS)[number] = 'post-late-2025') =>
  needs.filter((n) => evaluate(policies, n, undefined, CONDITION_KEYS[revision]) !== 'allow').map((n) => `${n.action} on ${n.resource} (${n.why})`);
const key = (action: string) => action.toLowerCase();
/** The member role's default name: the one the example bootstrap's MemberRoleName names. */
const BOOTSTRAP_MEMBER_ROLE_NAME = 'vpc-port-audit-member';

describe.each(REVISIONS)('under the %s Service Authorization Reference (its condition keys per action)', (revision) => {
  test.each(shippedTemplatePaths())('the deploy role has every handler request of every resource of %s, every call, every Athena need', (path) => {
    const needs = deployNeeds(resolvePipeline(pipelineTemplate(path)));
    expect(needs.length).toBeGreaterThan(200);
    expect(missing(deployRole, needs, revision)).toEqual([]);
  });

  test('the audit role has what a pull-request audit needs', () => {
    expect(missing(auditRole, auditNeeds(pipeline), revision)).toEqual([]);
  });

  test('a key the revision does not list for the action is absent: a need that depends on one is reported missing', () => {
    const withKey: Policy = { Statement: [{ Effect: 'Allow', Action: 'iam:DeleteRole', Resource: '*', Condition: { StringEquals: { 'iam:PermissionsBoundary': 'arn:aws:iam::123456789012:policy/b' } } }] };
    const request = { action: 'iam:DeleteRole', resource: 'arn:aws:iam::123456789012:role/r', context: { 'iam:PermissionsBoundary': 'arn:aws:iam::123456789012:policy/b' }, why: 'example' };
    expect(missing([withKey], [request], revision)).toEqual(revision === 'pre-late-2025' ? ['iam:DeleteRole on arn:aws:iam::123456789012:role/r (example)'] : []);
  });
});

describe('the deploy role has everything a deploy and an audit need', () => {

  test('the action ships the pipeline template; each of its resource types has handler permissions on record', () => {
    expect(shippedTemplatePaths()).toContain('cfn/pipeline.yaml');
    for (const resource of Object.values(pipeline.resources)) expect(handlerActions(resource.type).length).toBeGreaterThan(0);
  });

  test('the check can fail: without one statement the needs it served are reported missing', () => {
    for (const sid of ['LogGroups', 'Catalog', 'ChangeOnlyThisStacksFlowLogs', 'DescribeWithoutResourceLevelPermissions', 'Alarms', 'RedriveFailedBatches', 'RedriveIntoTheDeliveryStream']) {
      const cut = structuredClone(bootstrap);
      const policy = cut.DeployRole.Properties.Policies[0].PolicyDocument;
      policy.Statement = policy.Statement.filter((s: Json) => s.Sid !== sid);
      expect(policy.Statement.length).toBe(bootstrap.DeployRole.Properties.Policies[0].PolicyDocument.Statement.length - 1);
      expect(missing(rolePolicies(cut, 'DeployRole'), deployNeeds(pipeline)).length).toBeGreaterThan(0);
    }
    const cut = structuredClone(bootstrap);
    cut.AuditPermissions.Properties.PolicyDocument.Statement = cut.AuditPermissions.Properties.PolicyDocument.Statement.filter(
      (s: Json) => s.Sid !== 'AthenaDefaultDatabase',
    );
    expect(missing(rolePolicies(cut, 'DeployRole'), deployNeeds(pipeline))).toEqual([
      `glue:GetDatabase on arn:aws:glue:us-east-1:123456789012:database/default (Athena query (athena-glue))`,
      `glue:CreateDatabase on arn:aws:glue:us-east-1:123456789012:database/default (Athena query (athena-glue))`,
    ]);
  });

  test("issue 14: the s3-parquet pipeline's Parquet table is a need, and granted; its flow log (a log delivery to the bucket) is the bootstrap's (issue 20)", () => {
    const needs = deployNeeds(pipeline);
    // The pipeline stack creates no delivery to S3 or Firehose: that is a destination no IAM condition key names.
    expect(needs.filter((n) => n.action === 'logs:CreateLogDelivery' || n.action === 'logs:DeleteLogDelivery')).toEqual([]);
    expect(Object.values(pipeline.resources).filter((r) => r.type === 'AWS::EC2::FlowLog').map((r) => r.properties.LogDestinationType)).toEqual(['cloud-watch-logs']);
    // The bootstrap's bucket policy lets the log delivery write; the cloud-watch-logs flow log passes its own role.
    expect(bootstrap.BucketPolicy.Properties.PolicyDocument.Statement.map((s: Json) => s.Sid)).toEqual(['DenyInsecureTransport', 'AWSLogDeliveryWrite', 'AWSLogDeliveryAclCheck']);
    expect(needs.some((n) => n.why.endsWith('(FlowLog)') && n.action === 'iam:PassRole')).toBe(true);
    const parquetTable = 'arn:aws:glue:us-east-1:123456789012:table/vpc_port_audit/flow_logs_parquet';
    expect(needs.filter((n) => n.resource === parquetTable).map((n) => n.action)).toEqual(expect.arrayContaining(['glue:CreateTable', 'glue:DeleteTable', 'glue:GetPartitions']));
    expect(missing(deployRole, needs)).toEqual([]);
    expect(missing(auditRole, auditNeeds(pipeline).filter((n) => n.resource === parquetTable))).toEqual([]);
  });

  test('a feature the template starts to use brings its exclusion back as a need', () => {
    const template = pipelineTemplate();
    template.Resources.WorkGroup.Properties.WorkGroupConfiguration.ResultConfiguration.EncryptionConfiguration = {
      EncryptionOption: 'SSE_KMS',
      KmsKey: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    };
    expect(missing(deployRole, handlerNeeds(resolvePipeline(template)))).toContain(
      'kms:GenerateDataKey on arn:aws:athena:us-east-1:123456789012:workgroup/vpc-port-audit-audit (AWS::Athena::WorkGroup create (WorkGroup))',
    );
  });

  // (Issue 20 moved the bucket, the roles and the forwarder to the bootstrap: their handlers' actions,
  // s3:GetBucketAcl, iam:ListRoleTags and lambda:GetFunctionScalingConfig among them, are no deploy need any more.)
  test('the actions issue 11 names as missing are granted where they are needed', () => {
    const named = [
      'logs:DescribeResourcePolicies', 'logs:GetDataProtectionPolicy', 'logs:DescribeIndexPolicies', 'lakeformation:ListResources',
      'lakeformation:DescribeResource', 'lakeformation:DescribeLakeFormationIdentityCenterConfiguration', 'ec2:DescribeTags',
      'autoscaling:DescribeTags',
    ];
    const needs = deployNeeds(pipeline);
    for (const action of named) {
      const forAction = needs.filter((n) => key(n.action) === key(action));
      expect({ action, needed: forAction.length > 0 }).toEqual({ action, needed: true });
      expect(missing(deployRole, forAction)).toEqual([]);
    }
    // glue:GetDatabase/CreateDatabase on the catalog and `default`; glue:DeleteDatabase on the tables and functions.
    const glue = needs.filter((n) => /database\/default$|:catalog$|table\/|userDefinedFunction\//.test(n.resource) && n.action.startsWith('glue:'));
    expect(glue.map((n) => `${n.action} ${n.resource.split(':').pop()}`)).toEqual(
      expect.arrayContaining(['glue:CreateDatabase database/default', 'glue:GetDatabase catalog', 'glue:DeleteDatabase userDefinedFunction/vpc_port_audit/example_function']),
    );
    expect(missing(deployRole, glue)).toEqual([]);
  });

  test('issue 13: the alarms and redrive\'s calls are needs, and granted; the failure queue, the forwarder and the delivery stream are the bootstrap\'s (issue 20), no need of a deploy', () => {
    const needs = deployNeeds(pipeline);
    const of = (why: RegExp) => needs.filter((n) => why.test(n.why));
    expect(needs.filter((n) => /^(lambda|sqs|firehose):/.test(n.action) && !/^call /.test(n.why))).toEqual([]);
    expect(Object.values(pipeline.resources).filter((r) => /^AWS::(Lambda|SQS|KinesisFirehose)::/.test(r.type))).toEqual([]);
    for (const why of [/AWS::CloudWatch::Alarm create \(FailureQueueAlarm\)/, /AWS::CloudWatch::Alarm delete \(ForwarderErrorsAlarm\)/, /call ReceiveMessageCommand/, /call DeleteMessageCommand/, /call PutRecordBatchCommand/]) {
      expect({ why: String(why), needs: of(why).length > 0 }).toEqual({ why: String(why), needs: true });
      expect(missing(deployRole, of(why))).toEqual([]);
    }
    expect(of(/call ReceiveMessageCommand/)[0]!.resource).toBe(failureQueueArn());
    expect(of(/call PutRecordBatchCommand/)[0]!.resource).toBe(deliveryStreamArn());
    // Pull-request runs never redrive: the audit role may not touch the queue or the stream.
    for (const n of of(/call (ReceiveMessage|DeleteMessage|PutRecordBatch)Command/)) expect(evaluate(auditRole, n)).toBe('implicit-deny');
  });

  test('nothing is granted that no need asks for (least privilege: each allowed action serves a need)', () => {
    const needed = new Set(deployNeeds(pipeline).map((n) => key(n.action)));
    const unused = allowStatements(deployRole).flatMap((s) => actionsOf(s).filter((a) => !needed.has(key(a))).map((a) => `${a} (${s.Sid})`));
    expect(unused).toEqual([]);
  });

  test('every exclusion names handler actions of its own type', () => {
    for (const [type, exclusions] of Object.entries(EXCLUSIONS)) {
      const actions = new Set(handlerActions(type).map((h) => key(h.action)));
      for (const action of exclusions.flatMap((e) => e.actions)) expect({ type, action, listed: actions.has(key(action)) }).toEqual({ type, action, listed: true });
    }
  });
});

describe('scoped to the stack', () => {
  test('no wildcard actions; `*` resources only for actions that accept nothing narrower', () => {
    for (const statement of allowStatements([...deployRole, ...auditRole])) {
      for (const action of actionsOf(statement)) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
      if (resourcesOf(statement).includes('*')) {
        for (const action of actionsOf(statement)) expect({ action, noResourceLevel: NO_RESOURCE_LEVEL.has(action) }).toEqual({ action, noResourceLevel: true });
      }
    }
  });

  test("another stack's resources (a name that starts with this one's, or any other) are out of reach", () => {
    for (const neighbour of ['vpc-port-audit-2', 'vpc-port-audit-forwarder', 'other']) {
      const theirs = resolvePipeline(pipelineTemplate(), neighbour);
      const needs = [...handlerNeeds(theirs), ...callNeeds(theirs, 'deploy')].filter(
        // Shared by every stack: `*`, the Glue catalog and `default` database, VPCs (a flow log is made on one), the
        // organisation's member roles (an administrator's, in other accounts).
        (n) => n.resource !== '*' && n.resource !== memberRoleArn() && !/:catalog$|database\/default$|:vpc\/vpc-/.test(n.resource),
      );
      expect(needs.length).toBeGreaterThan(200);
      // Creating a flow log (and tagging it as it is created) names a new flow log, no one's yet.
      const creation = (n: Need) => n.action === 'ec2:CreateFlowLogs' || (n.action === 'ec2:CreateTags' && n.context?.['ec2:CreateAction'] !== undefined);
      const reachable = needs.filter((n) => evaluate(deployRole, n) === 'allow' && !creation(n));
      expect({ neighbour, reachable: reachable.map((n) => `${n.action} ${n.resource}`) }).toEqual({ neighbour, reachable: [] });
    }
  });

  test('a flow log is deleted or retagged only when it carries the stack tag, which the pipeline sets', () => {
    const flowLog = Object.values(pipeline.resources).find((r) => r.type === 'AWS::EC2::FlowLog')!;
    expect(flowLog.properties.Tags).toEqual([{ Key: 'vpc-port-audit:stack', Value: 'vpc-port-audit' }]);
    const request = { action: 'ec2:DeleteFlowLogs', resource: flowLog.arn };
    expect(evaluate(deployRole, { ...request, context: { 'aws:ResourceTag/vpc-port-audit:stack': 'vpc-port-audit' } })).toBe('allow');
    expect(evaluate(deployRole, request)).toBe('implicit-deny');
    expect(evaluate(deployRole, { ...request, context: { 'aws:ResourceTag/vpc-port-audit:stack': 'vpc-port-audit-2' } })).toBe('implicit-deny');
  });

  test("change sets only under the deployer's own name prefix", () => {
    const stack = 'arn:aws:cloudformation:us-east-1:123456789012:stack/vpc-port-audit/11111111-2222-3333-4444-555555555555';
    const execute = (name: string) => evaluate(deployRole, { action: 'cloudformation:ExecuteChangeSet', resource: stack, context: { 'cloudformation:ChangeSetName': name } });
    expect(execute('vpc-port-audit-1764460800000')).toBe('allow');
    expect(execute('someone-elses-change')).toBe('implicit-deny');
  });
});

describe('the action calls only what action-calls.json lists', () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
    });

  // lambda/ too: `redrive` (src/pipeline/redrive.ts) sends with the forwarder's own delivery code.
  test('every `new XxxCommand(` and `paginateXxx(` in src/ and lambda/ is listed, in the file it names, and every listed command is sent', () => {
    const sent = new Map<string, string[]>();
    for (const file of [...sources('src'), ...sources('lambda')]) {
      // A paginator (`paginateXxx(`) sends XxxCommand.
      for (const [, command, paginated] of readFileSync(file, 'utf8').matchAll(/new (\w+Command)\(|paginate(\w+)\(/g)) {
        const name = command ?? `${paginated!}Command`;
        sent.set(name, [...(sent.get(name) ?? []), file]);
      }
    }
    expect(sent.size).toBeGreaterThan(15);
    const listed = actionCalls.calls as Record<string, Json>;
    for (const [command, files] of sent) expect({ command, listedIn: listed[command]?.in }).toEqual({ command, listedIn: expect.stringMatching(files.join('|')) });
    expect(Object.keys(listed).filter((c) => !sent.has(c))).toEqual([]);
  });

  test('the scan itself finds a command that is not listed', () => {
    const text = "await s3.send(new DeleteBucketCommand({ Bucket: 'b' }));";
    const commands = [...text.matchAll(/new (\w+Command)\(/g)].map((m) => m[1]);
    expect(commands.filter((c) => !(c! in actionCalls.calls))).toEqual(['DeleteBucketCommand']);
  });
});

describe('the audit role reads and queries, and cannot deploy', () => {
  test('every deploy-only request is denied to it', () => {
    const auditKeys = new Set(auditNeeds(pipeline).map((n) => `${key(n.action)} ${n.resource}`));
    const deployOnly = deployNeeds(pipeline).filter((n) => !auditKeys.has(`${key(n.action)} ${n.resource}`));
    expect(deployOnly.length).toBeGreaterThan(150);
    const allowed = deployOnly.filter((n) => evaluate(auditRole, n) === 'allow').map((n) => `${n.action} on ${n.resource} (${n.why})`);
    // Athena's own workgroup handler checks the result location it reads and writes for every query anyway.
    expect(allowed.every((a) => /^s3:(GetBucketLocation|ListBucket|ListBucketMultipartUploads|GetObject|PutObject|AbortMultipartUpload|ListMultipartUploadParts) .*AWS::Athena::WorkGroup/.test(a))).toBe(true);
    for (const action of ['cloudformation:CreateStack', 'cloudformation:CreateChangeSet', 'cloudformation:ExecuteChangeSet', 'cloudformation:DeleteStack', 'firehose:PutRecordBatch', 'iam:PassRole', 'ec2:DeleteFlowLogs']) {
      expect(deployOnly.some((n) => n.action === action)).toBe(true);
      expect(deployOnly.filter((n) => n.action === action).every((n) => evaluate(auditRole, n) !== 'allow')).toBe(true);
    }
  });

  test('it cannot write the port memory', () => {
    const memory = callNeeds(pipeline, 'deploy').find((n) => n.action === 's3:PutObject' && n.resource.includes('/vpc-port-audit/state/'))!;
    expect(evaluate(deployRole, memory)).toBe('allow');
    expect(evaluate(auditRole, memory)).toBe('implicit-deny');
  });

  test('it grants no action beyond an audit need', () => {
    const needed = new Set(auditNeeds(pipeline).map((n) => key(n.action)));
    expect(allowStatements(auditRole).flatMap((s) => actionsOf(s)).filter((a) => !needed.has(key(a)))).toEqual([]);
  });
});

describe('an organisation audit: sts:AssumeRole on the member role (issue 21), granted only where asked for', () => {
  const assume = (policies: Policy[], resource: string) => evaluate(policies, { action: 'sts:AssumeRole', resource, context: { 'aws:ResourceAccount': MEMBER_ACCOUNT } });

  test('both roles may assume the role MemberRoleName names, in any account, and no other role', () => {
    for (const role of [deployRole, auditRole]) {
      expect(assume(role, memberRoleArn())).toBe('allow');
      expect(assume(role, memberRoleArn('333344445555'))).toBe('allow');
      for (const other of ['OrganizationAccountAccessRole', 'vpc-port-audit-member-admin', 'vpc-port-audit-membe']) expect(assume(role, memberRoleArn(MEMBER_ACCOUNT, other))).toBe('implicit-deny');
      expect(assume(role, `arn:aws:iam::${MEMBER_ACCOUNT}:user/vpc-port-audit-member`)).toBe('implicit-deny');
    }
  });

  test('without MemberRoleName the bootstrap grants no sts:AssumeRole at all, and the need goes missing', () => {
    const without = resolveBootstrap(bootstrapTemplate(), { MemberRoleName: '' });
    const conditions = resolveConditions(bootstrapTemplate(), { MemberRoleName: '' });
    expect(conditions.AssumesMemberRoles).toBe(false);
    expect(resolveConditions(bootstrapTemplate()).AssumesMemberRoles).toBe(true);
    for (const id of ['DeployRole', 'AuditRole']) {
      const policies = rolePolicies(without, id, conditions);
      expect(allowStatements(policies).flatMap((s) => actionsOf(s)).filter((a) => key(a) === 'sts:assumerole')).toEqual([]);
      expect(missing(policies, callNeeds(pipeline, id === 'DeployRole' ? 'deploy' : 'audit'))).toEqual([`sts:AssumeRole on ${memberRoleArn()} (call AssumeRoleCommand)`]);
    }
  });

  test('the member role (cfn/member-role.yaml) reads VPCs, flow logs, interfaces and security group rules, nothing else, and trusts only the two bootstrap roles', () => {
    const member = resolveBootstrap(bootstrapTemplate(readFileSync('cfn/member-role.yaml', 'utf8')), {
      DeployRoleArn: 'arn:aws:iam::123456789012:role/vpc-port-audit-deploy-us-east-1',
      AuditRoleArn: 'arn:aws:iam::123456789012:role/vpc-port-audit-audit-us-east-1',
    });
    const policies = rolePolicies(member, 'MemberRole');
    // Exactly the EC2 actions the look-ups send in a member account: inventory, REJECT-only flow logs, egress facts.
    const memberLookUps = ['DescribeVpcsCommand', 'DescribeFlowLogsCommand', 'DescribeNetworkInterfacesCommand', 'DescribeSecurityGroupRulesCommand'];
    const sent = memberLookUps.flatMap((command) => actionCalls.calls[command].actions as string[]);
    expect(allowStatements(policies).flatMap((s) => actionsOf(s)).sort()).toEqual([...sent].sort());
    expect(sent.sort()).toEqual(['ec2:DescribeFlowLogs', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroupRules', 'ec2:DescribeVpcs']);
    for (const action of sent) expect(evaluate(policies, { action, resource: '*' })).toBe('allow');
    for (const action of ['ec2:CreateFlowLogs', 'ec2:DeleteFlowLogs', 'ec2:AuthorizeSecurityGroupEgress', 'ec2:RevokeSecurityGroupEgress', 's3:GetObject', 'iam:PassRole']) {
      expect(evaluate(policies, { action, resource: '*' })).toBe('implicit-deny');
    }
    const trust = member.MemberRole.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([{ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::123456789012:role/vpc-port-audit-deploy-us-east-1', 'arn:aws:iam::123456789012:role/vpc-port-audit-audit-us-east-1'] }, Action: 'sts:AssumeRole' }]);
    // The bootstrap's role names are the ones its outputs give (held to the template by iam-needs' names).
    expect(member.MemberRole.Properties.RoleName).toBe(BOOTSTRAP_MEMBER_ROLE_NAME);
  });
});

describe('the egress-rules proposal (issue 23): interfaces and security group rules, read by both roles', () => {
  const egressNeeds = (role: 'deploy' | 'audit') =>
    callNeeds(pipeline, role).filter((n) => ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroupRules'].includes(n.action));

  test('both calls are needs of both roles, on `*` (the only resource they take), and granted', () => {
    for (const [role, policies] of [['deploy', deployRole], ['audit', auditRole]] as const) {
      const needs = egressNeeds(role);
      expect(needs.map((n) => `${n.action} ${n.resource} (${n.why})`).sort()).toEqual([
        'ec2:DescribeNetworkInterfaces * (call DescribeNetworkInterfacesCommand)',
        'ec2:DescribeSecurityGroupRules * (call DescribeSecurityGroupRulesCommand)',
      ]);
      expect(missing(policies, needs)).toEqual([]);
    }
    for (const action of ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroupRules']) expect(NO_RESOURCE_LEVEL.has(action)).toBe(true);
  });

  test('the check can fail: without AuditPermissions\' ReadEgressFacts both roles miss them, and nothing else grants them', () => {
    const cut = structuredClone(bootstrap);
    const policy = cut.AuditPermissions.Properties.PolicyDocument;
    policy.Statement = policy.Statement.filter((s: Json) => s.Sid !== 'ReadEgressFacts');
    expect(policy.Statement.length).toBe(bootstrap.AuditPermissions.Properties.PolicyDocument.Statement.length - 1);
    for (const [role, id] of [['deploy', 'DeployRole'], ['audit', 'AuditRole']] as const) {
      expect(missing(rolePolicies(cut, id), egressNeeds(role))).toEqual([
        'ec2:DescribeNetworkInterfaces on * (call DescribeNetworkInterfacesCommand)',
        'ec2:DescribeSecurityGroupRules on * (call DescribeSecurityGroupRulesCommand)',
      ]);
    }
  });

  test('neither role may change a security group: the proposal is never applied', () => {
    const group = 'arn:aws:ec2:us-east-1:123456789012:security-group/sg-0a1b2c3d4e5f67890';
    for (const policies of [deployRole, auditRole]) {
      for (const action of ['ec2:AuthorizeSecurityGroupEgress', 'ec2:RevokeSecurityGroupEgress', 'ec2:ModifySecurityGroupRules']) {
        expect(evaluate(policies, { action, resource: group, context: { 'aws:ResourceAccount': '123456789012' } })).toBe('implicit-deny');
      }
    }
  });
});
