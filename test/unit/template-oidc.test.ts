// The OIDC bootstrap (cfn/github-oidc-role.yaml): who may assume each role (the deploy role only from jobs of
// the deploy environment, the audit role only from pull requests; by name or, pinned, by repository id), what
// it hands the pipeline stack (the bucket and the pipeline's roles, exported and imported, never created by a
// deploy), and the boundary those roles carry; and the README's workflow snippet: on each event of its events
// table, the job that runs, the role it asks for and whether that role trusts it agree with what the table says.
// What the roles may do: test/unit/iam-permissions.test.ts; the attack paths: test/unit/iam-attack-paths.test.ts.

import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { MAX_INLINE_TEMPLATE_BYTES } from '../../src/deploy/deployer.js';
import { buildBootstrap } from '../../scripts/build-template.js';
import { parseCfnTemplate } from '../../scripts/cfn-yaml.js';
import {
  ACCOUNT,
  BOOTSTRAP_ARNS,
  bootstrapExports,
  bootstrapRoleName,
  bootstrapTemplate,
  deliveryStreamArn,
  DEPLOY_ENVIRONMENT,
  OWNER,
  pipelineTemplate,
  REPO,
  resolveBootstrap,
  resolvePipeline,
  rolePolicies,
  STACK,
} from '../support/iam-needs.js';
import { actionsOf, allowStatements, conditionsHold, evaluate, type Policy, type Statement } from '../support/iam-policy.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const text = readFileSync('cfn/github-oidc-role.yaml', 'utf8');
const template = bootstrapTemplate(text);
const bootstrap = resolveBootstrap(template);
const boundary = bootstrap.PipelineRoleBoundary.Properties.PolicyDocument as Policy;
const pipeline = resolvePipeline(pipelineTemplate());
const REPOSITORY_ID = '123456789';

/** The bootstrap roles a GitHub OIDC token with this subject may assume. */
const assumable = (resources: Json, sub: string, aud = 'sts.amazonaws.com') =>
  ['DeployRole', 'AuditRole'].filter((id) =>
    (resources[id].Properties.AssumeRolePolicyDocument.Statement as (Statement & { Principal: Json })[]).some(
      (s) =>
        s.Effect === 'Allow' &&
        s.Action === 'sts:AssumeRoleWithWebIdentity' &&
        s.Principal.Federated === BOOTSTRAP_ARNS.GitHubProvider &&
        conditionsHold(s.Condition, { 'token.actions.githubusercontent.com:sub': sub, 'token.actions.githubusercontent.com:aud': aud }),
    ),
  );
const repo = `repo:${OWNER}/${REPO}`;

describe('trust: who may assume which role', () => {
  test('only jobs of the deploy environment deploy; pull requests only audit; anything else gets neither', () => {
    expect(assumable(bootstrap, `${repo}:environment:${DEPLOY_ENVIRONMENT}`)).toEqual(['DeployRole']);
    expect(assumable(bootstrap, `${repo}:pull_request`)).toEqual(['AuditRole']);
    for (const sub of [
      // The default branch itself (schedule, issue_comment, workflow_run, pull_request_target all carry it) no longer deploys.
      `${repo}:ref:refs/heads/main`,
      `${repo}:ref:refs/heads/feature`,
      `${repo}:ref:refs/tags/v1`,
      `${repo}:environment:production`,
      `${repo}:environment:${DEPLOY_ENVIRONMENT}-2`,
      `repo:${OWNER}/other:environment:${DEPLOY_ENVIRONMENT}`,
      `repo:${OWNER}/other:pull_request`,
    ]) {
      expect({ sub, roles: assumable(bootstrap, sub) }).toEqual({ sub, roles: [] });
    }
    expect(assumable(bootstrap, `${repo}:environment:${DEPLOY_ENVIRONMENT}`, 'another-audience')).toEqual([]);
  });

  test('the deploy environment is required: no default, and an empty name is refused', () => {
    const parameter = template.Parameters.DeployEnvironment;
    expect(parameter.Default).toBeUndefined();
    expect(new RegExp(parameter.AllowedPattern).test('')).toBe(false);
    expect(new RegExp(parameter.AllowedPattern).test(DEPLOY_ENVIRONMENT)).toBe(true);
    expect(template.Parameters.DeployBranch).toBeUndefined();
  });

  test('pinned by repository id (the customised subject repository_id + context), the old name matches neither role', () => {
    const pinned = resolveBootstrap(template, { GitHubRepositoryId: REPOSITORY_ID });
    expect(assumable(pinned, `repository_id:${REPOSITORY_ID}:environment:${DEPLOY_ENVIRONMENT}`)).toEqual(['DeployRole']);
    expect(assumable(pinned, `repository_id:${REPOSITORY_ID}:pull_request`)).toEqual(['AuditRole']);
    // Whoever registers the old name after a rename or deletion gets a repository of another id.
    for (const sub of [`${repo}:environment:${DEPLOY_ENVIRONMENT}`, `${repo}:pull_request`, `repository_id:987654321:environment:${DEPLOY_ENVIRONMENT}`, `repository_id:${REPOSITORY_ID}:ref:refs/heads/main`]) {
      expect({ sub, roles: assumable(pinned, sub) }).toEqual({ sub, roles: [] });
    }
    expect(new RegExp(template.Parameters.GitHubRepositoryId.AllowedPattern).test('octo-org/network')).toBe(false);
  });

  test('subjects are compared exactly, on the two claims STS accepts for every account (aud, sub), with no default repository', () => {
    for (const id of ['DeployRole', 'AuditRole']) {
      const [statement, ...others] = template.Resources[id].Properties.AssumeRolePolicyDocument.Statement;
      expect(others).toEqual([]);
      expect(Object.keys(statement.Condition)).toEqual(['StringEquals']);
      expect(Object.keys(statement.Condition.StringEquals).sort()).toEqual(['token.actions.githubusercontent.com:aud', 'token.actions.githubusercontent.com:sub']);
    }
    expect(template.Parameters.GitHubOwner.Default).toBeUndefined();
    expect(template.Parameters.GitHubRepository.Default).toBeUndefined();
    expect(template.Outputs.DeployRoleArn.Value).toEqual({ 'Fn::GetAtt': ['DeployRole', 'Arn'] });
    expect(template.Outputs.AuditRoleArn.Value).toEqual({ 'Fn::GetAtt': ['AuditRole', 'Arn'] });
  });
});

describe('what the bootstrap hands the pipeline stack', () => {
  test('the pipeline stack creates no IAM role, bucket or bucket policy; it imports every one the bootstrap exports', () => {
    const types = Object.values(pipelineTemplate().Resources as Json).map((r) => r.Type);
    for (const type of ['AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::S3::Bucket', 'AWS::S3::BucketPolicy']) expect(types).not.toContain(type);
    const imported = new Set([...readFileSync('cfn/pipeline.yaml', 'utf8').matchAll(/ImportValue \{ 'Fn::Sub': '\$\{AWS::StackName\}-(\w+)' \}/g)].map((m) => m[1]));
    const exported = Object.values(template.Outputs as Json).filter((o) => o.Export).map((o) => String(o.Export.Name['Fn::Sub']).replace('${PipelineStackName}-', ''));
    // ForwarderRoleArn and DeliveryRoleArn: what a pipeline stack from before the forwarder and the delivery stream
    // moved into the bootstrap still imports, so that the bootstrap update of the upgrade does not remove an export
    // in use (README, "Upgrading ...").
    expect([...imported, 'ForwarderRoleArn', 'DeliveryRoleArn'].sort()).toEqual(exported.sort());
    for (const kept of ['ForwarderRoleArn', 'DeliveryRoleArn']) expect(imported.has(kept)).toBe(false);
    expect(Object.keys(bootstrapExports()).map((name) => name.replace(`${STACK}-`, '')).sort()).toEqual(exported.sort());
  });

  test('the example role names are the ones the template gives, and every pipeline role carries the boundary', () => {
    for (const id of ['FlowLogDeliveryRole', 'DeliveryRole', 'ForwarderRole', 'DeployRole', 'AuditRole']) expect(bootstrap[id].Properties.RoleName).toBe(bootstrapRoleName(id));
    for (const id of ['FlowLogDeliveryRole', 'DeliveryRole', 'ForwarderRole']) expect(template.Resources[id].Properties.PermissionsBoundary).toEqual({ Ref: 'PipelineRoleBoundary' });
    // The stack's flow log and the bootstrap's stream and function use exactly those roles.
    const arn = (id: string) => `arn:aws:iam::${ACCOUNT}:role/${bootstrapRoleName(id)}`;
    expect(pipeline.resources.FlowLog!.properties.DeliverLogsPermissionArn).toBe(arn('FlowLogDeliveryRole'));
    expect(bootstrap.DeliveryStream.Properties.ExtendedS3DestinationConfiguration.RoleARN).toBe(arn('DeliveryRole'));
    expect(bootstrap.Forwarder.Properties.Role).toBe(arn('ForwarderRole'));
  });

  test('the boundary allows everything the pipeline roles do and nothing they do not', () => {
    const used = new Set<string>();
    for (const id of ['FlowLogDeliveryRole', 'DeliveryRole', 'ForwarderRole']) {
      for (const statement of rolePolicies(bootstrap, id).flatMap((p) => p.Statement)) {
        for (const action of actionsOf(statement)) {
          used.add(action.toLowerCase());
          for (const resource of [statement.Resource].flat()) {
            const request = { action, resource: resource.replace(/\*$/, 'example'), context: { 'aws:ResourceAccount': ACCOUNT } };
            expect({ role: id, ...request, decision: evaluate([boundary], request) }).toEqual({ role: id, ...request, decision: 'allow' });
          }
        }
      }
    }
    expect(allowStatements([boundary]).flatMap(actionsOf).filter((a) => !used.has(a.toLowerCase()))).toEqual([]);
    // A pipeline role given more than its policies still cannot read the port memory or act on IAM.
    const wide: Policy = { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
    const inAccount = { 'aws:ResourceAccount': ACCOUNT };
    expect(evaluate([wide], { action: 's3:GetObject', resource: `${pipeline.bucketArn}/vpc-port-audit/state/x`, context: inAccount }, boundary)).toBe('implicit-deny');
    expect(evaluate([wide], { action: 'iam:CreateRole', resource: `arn:aws:iam::${ACCOUNT}:role/x` }, boundary)).toBe('implicit-deny');
    expect(evaluate([wide], { action: 'firehose:PutRecordBatch', resource: deliveryStreamArn() }, boundary)).toBe('allow');
  });

  test('every S3 Allow statement of every role and of the boundary requires the resource to be in this account', () => {
    const policies = ['DeployRole', 'AuditRole', 'FlowLogDeliveryRole', 'DeliveryRole', 'ForwarderRole'].flatMap((id) => rolePolicies(bootstrap, id));
    const s3 = allowStatements([...policies, boundary]).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3.length).toBeGreaterThan(8);
    for (const statement of s3) expect({ statement: statement.Sid ?? statement.Resource, condition: statement.Condition }).toEqual({ statement: statement.Sid ?? statement.Resource, condition: { StringEquals: { 'aws:ResourceAccount': ACCOUNT } } });
  });

  test("the deploy role's denies carry no condition, so no request context can lift them", () => {
    const denies = rolePolicies(bootstrap, 'DeployRole').flatMap((p) => p.Statement).filter((s) => s.Effect === 'Deny');
    expect(denies.map((s) => s.Sid)).toEqual(['NeverWriteIam', 'NeverOpenTheBucket', 'NeverWriteAQueuePolicy', 'NeverChangeTheForwarder', 'NeverChangeTheDeliveryStream']);
    for (const s of denies) expect(s.Condition).toBeUndefined();
  });

  test('an administrator can deploy the built bootstrap inline (aws cloudformation deploy without an S3 bucket): under the size limit, the forwarder inlined', async () => {
    const built = await buildBootstrap(process.cwd());
    expect(Buffer.byteLength(built)).toBeLessThan(MAX_INLINE_TEMPLATE_BYTES);
    expect(template.Resources.Forwarder.Properties.Code.ZipFile).toMatch(/^BUILD:/);
    expect((parseCfnTemplate(built) as Json).Resources.Forwarder.Properties.Code.ZipFile).toMatch(/exports.*handler/s);
  }, 30_000);
});

describe("README: the workflow snippet's jobs, the events table and the roles' trust agree", () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Use it in a workflow'), readme.indexOf('### Inputs'));
  const snippet = parse(/```yaml\n([\s\S]*?)```/.exec(section)![1]!) as Json;
  const action = (job: Json) => (job.steps as Json[]).find((s) => String(s.uses).startsWith('vpc-port-audit/vpc-port-audit@'))!;
  const roleOf = (job: Json) => {
    // The snippet's region is eu-west-1: the bootstrap names its roles <stack>-deploy-<region>, <stack>-audit-<region>.
    const name = /^arn:aws:iam::\d{12}:role\/(.+)$/.exec(action(job).with['role-to-assume'])![1]!;
    return ({ [`${STACK}-deploy-eu-west-1`]: 'DeployRole', [`${STACK}-audit-eu-west-1`]: 'AuditRole' } as Record<string, string>)[name] ?? name;
  };
  /** The job that runs on an event: the snippet's `if:` conditions are one of these two shapes. */
  const jobFor = (eventName: string) => {
    const jobs = Object.values(snippet.jobs as Json);
    expect(jobs.map((j) => j.if).sort()).toEqual(["github.event_name != 'pull_request'", "github.event_name == 'pull_request'"]);
    return jobs.find((j) => (j.if.includes('==') ? eventName === 'pull_request' : eventName !== 'pull_request'))!;
  };
  /** The events table's row whose first cell starts with `first`. */
  const row = (first: string) => {
    const found = section.split('\n').filter((line) => line.startsWith(`| ${first}`));
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  test('the trusted job names the environment and asks for the deploy role; the pull-request job names none and asks for the audit role', () => {
    expect(jobFor('schedule').environment).toBe(DEPLOY_ENVIRONMENT);
    expect(roleOf(jobFor('schedule'))).toBe('DeployRole');
    expect(jobFor('pull_request').environment).toBeUndefined();
    expect(roleOf(jobFor('pull_request'))).toBe('AuditRole');
    expect(action(jobFor('pull_request')).with.mode).toBe('audit');
  });

  // [the row's first cell, an event it covers, the run's ref]. GitHub: a job that names an environment gets the
  // subject `environment:NAME` (if the environment's deployment-branch rule, the default branch only as the
  // README says, admits the ref; else it fails before its first step); a pull_request job without one gets
  // `pull_request`.
  test.each([
    ['`schedule`', 'schedule', 'refs/heads/main'],
    ['`schedule`', 'workflow_dispatch', 'refs/heads/main'],
    ['`pull_request_target`', 'pull_request_target', 'refs/heads/main'],
    ['`pull_request_target`', 'issue_comment', 'refs/heads/main'],
    ['`workflow_dispatch`, `push` (or any event) on another branch', 'workflow_dispatch', 'refs/heads/feature'],
    ['`workflow_dispatch`, `push` (or any event) on another branch', 'push', 'refs/tags/v1'],
    ['`pull_request` |', 'pull_request', 'refs/pull/7/merge'],
  ])('%s row, %s on %s: the row says what the job, its environment and its role\'s trust do', (first, eventName, ref) => {
    const job = jobFor(eventName);
    const blocked = job.environment !== undefined && ref !== 'refs/heads/main';
    expect({ eventName, ref, saysBlocked: /fails before its first step/.test(row(first)) }).toEqual({ eventName, ref, saysBlocked: blocked });
    if (blocked) return;
    const sub = job.environment ? `${repo}:environment:${job.environment}` : `${repo}:pull_request`;
    expect(assumable(bootstrap, sub)).toContain(roleOf(job));
    if (roleOf(job) === 'DeployRole' && eventName !== 'schedule' && eventName !== 'workflow_dispatch') expect(row(first)).toMatch(/gets the deploy role/);
  });
});
