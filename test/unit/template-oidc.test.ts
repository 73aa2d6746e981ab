// The OIDC bootstrap (cfn/github-oidc-role.yaml): who may assume each role (the deploy role only from the deploy
// branch or environment, the audit role only from pull requests), and no escalation: no statement changes a role
// without the permissions boundary or takes it away, the boundary cannot be edited, the pipeline's roles carry it
// (passed by the deployer when it runs as the deploy role), and the boundary is no wider than those roles' own
// policies; and the README's workflow snippet asks, on each event of its events table, for a role that trusts the
// run exactly when the table says the run gets past the credentials step. What the roles may do otherwise:
// test/unit/iam-permissions.test.ts.

import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseCfnTemplate } from '../../scripts/cfn-yaml.js';
import { boundaryForCaller, boundaryPolicyName, deployRoleName } from '../../src/deploy/boundary.js';
import {
  ACCOUNT,
  BOOTSTRAP_ARNS,
  bootstrapTemplate,
  boundaryArn,
  OWNER,
  pipelineTemplate,
  REGION,
  REPO,
  resolveBootstrap,
  resolvePipeline,
  rolePolicies,
  STACK,
} from '../support/iam-needs.js';
import { actionsOf, allowStatements, conditionsHold, evaluate, type Policy, type Statement } from '../support/iam-policy.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const template = bootstrapTemplate();
const bootstrap = resolveBootstrap(template);
const deployRole = rolePolicies(bootstrap, 'DeployRole');
const boundary = bootstrap.PipelineRoleBoundary.Properties.PolicyDocument as Policy;
const pipeline = resolvePipeline(pipelineTemplate());
const BOUNDARY = boundaryArn();

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

  test('the deploy branch deploys; pull requests only audit; anything else gets neither', () => {
    expect(assumable(bootstrap, `${repo}:ref:refs/heads/main`)).toEqual(['DeployRole']);
    expect(assumable(bootstrap, `${repo}:pull_request`)).toEqual(['AuditRole']);
    for (const sub of [
      `${repo}:ref:refs/heads/feature`,
      `${repo}:ref:refs/heads/main-old`,
      `${repo}:ref:refs/tags/v1`,
      `${repo}:environment:production`,
      `repo:${OWNER}/other:ref:refs/heads/main`,
      `repo:${OWNER}/other:pull_request`,
    ]) {
      expect({ sub, roles: assumable(bootstrap, sub) }).toEqual({ sub, roles: [] });
    }
    expect(assumable(bootstrap, `${repo}:ref:refs/heads/main`, 'another-audience')).toEqual([]);
  });

  test('with DeployEnvironment, only jobs of that environment deploy (not the branch)', () => {
    const withEnvironment = resolveBootstrap(template, { DeployEnvironment: 'production' });
    expect(assumable(withEnvironment, `${repo}:environment:production`)).toEqual(['DeployRole']);
    expect(assumable(withEnvironment, `${repo}:ref:refs/heads/main`)).toEqual([]);
    expect(assumable(withEnvironment, `${repo}:environment:staging`)).toEqual([]);
    expect(assumable(withEnvironment, `${repo}:pull_request`)).toEqual(['AuditRole']);
  });

  test('subjects are compared exactly (no wildcard can widen them) and the repository has no default', () => {
    for (const id of ['DeployRole', 'AuditRole']) {
      const [statement, ...others] = template.Resources[id].Properties.AssumeRolePolicyDocument.Statement;
      expect(others).toEqual([]);
      expect(Object.keys(statement.Condition)).toEqual(['StringEquals']);
    }
    expect(template.Parameters.GitHubOwner.Default).toBeUndefined();
    expect(template.Parameters.GitHubRepository.Default).toBeUndefined();
    expect(template.Outputs.DeployRoleArn.Value).toEqual({ 'Fn::GetAtt': ['DeployRole', 'Arn'] });
    expect(template.Outputs.AuditRoleArn.Value).toEqual({ 'Fn::GetAtt': ['AuditRole', 'Arn'] });
  });
});

describe("README: the workflow snippet's role choice, the events table and the roles' trust agree", () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Use it in a workflow'), readme.indexOf('### Inputs'));
  const snippet = parse(/```yaml\n([\s\S]*?)```/.exec(section)![1]!) as Json;
  const step = (snippet.jobs.audit.steps as Json[]).find((s) => String(s.uses).startsWith('vpc-port-audit/vpc-port-audit@'))!;
  /** The role the snippet's `role-to-assume` picks for an event: the only shape it may have, so this test reads it. */
  const snippetRole = (eventName: string) => {
    const expression = String(step.with['role-to-assume']).replace(/\s+/g, ' ').trim();
    const m = /^\$\{\{ github\.event_name == 'pull_request' && '(arn:aws:iam::\d{12}:role\/[a-z0-9-]+-audit-[a-z0-9-]+)' \|\| '(arn:aws:iam::\d{12}:role\/[a-z0-9-]+-deploy-[a-z0-9-]+)' \}\}$/.exec(expression);
    expect({ expression, shape: m !== null }).toEqual({ expression, shape: true });
    return eventName === 'pull_request' ? 'AuditRole' : 'DeployRole';
  };
  /** The events table's row whose first cell starts with `first`. */
  const row = (first: string) => {
    const found = section.split('\n').filter((line) => line.startsWith(`| ${first}`));
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  // [the row's first cell, an event it covers, that run's OIDC token subject (GitHub: pull_request runs are
  // `pull_request`, every other event `ref:` its GITHUB_REF; pull_request_target's is the base branch)]
  test.each([
    ['`schedule`', 'schedule', `${repo}:ref:refs/heads/main`],
    ['`schedule`', 'workflow_dispatch', `${repo}:ref:refs/heads/main`],
    ['`pull_request_target`', 'pull_request_target', `${repo}:ref:refs/heads/main`],
    ['`pull_request_target`', 'issue_comment', `${repo}:ref:refs/heads/main`],
    ['`workflow_dispatch`, `push` (or any event) on another branch', 'workflow_dispatch', `${repo}:ref:refs/heads/feature`],
    ['`workflow_dispatch`, `push` (or any event) on another branch', 'push', `${repo}:ref:refs/tags/v1`],
    ['`pull_request` |', 'pull_request', `${repo}:pull_request`],
  ])('%s row, %s as %s: the row says the credentials step fails exactly when the snippet\'s role does not trust the run', (first, eventName, sub) => {
    const reaches = assumable(bootstrap, sub).includes(snippetRole(eventName));
    expect({ sub, fails: /the credentials step fails/.test(row(first)) }).toEqual({ sub, fails: !reaches });
  });
});

describe('no escalation: the permissions boundary', () => {
  /** IAM actions that change a role or its permissions (Service Authorization Reference, IAM). */
  const ROLE_CHANGES = [
    'iam:CreateRole', 'iam:DeleteRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription', 'iam:UpdateAssumeRolePolicy', 'iam:PutRolePolicy',
    'iam:DeleteRolePolicy', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:DeleteRolePermissionsBoundary',
  ];
  const sourceStatements = (id: string): Json[] => {
    const properties = template.Resources[id].Properties;
    return [...(properties.Policies ?? []).flatMap((p: Json) => p.PolicyDocument.Statement), ...(properties.PolicyDocument?.Statement ?? [])];
  };
  const allStatements = ['DeployRole', 'AuditRole', 'AuditPermissions', 'PipelineRoleBoundary'].flatMap(sourceStatements);
  const touches = (s: Json, actions: string[]) => actionsOf(s as Statement).some((a) => actions.some((r) => r.toLowerCase() === a.toLowerCase() || a === 'iam:*' || a === '*'));

  test('every statement that allows a role change requires the boundary, the bootstrap\'s own policy', () => {
    const allowing = allStatements.filter((s) => s.Effect === 'Allow' && touches(s, ROLE_CHANGES));
    expect(allowing.map((s) => s.Sid)).toEqual(['ChangeRolesOnlyWithTheBoundary']);
    for (const s of allowing) expect(s.Condition).toEqual({ StringEquals: { 'iam:PermissionsBoundary': { Ref: 'PipelineRoleBoundary' } } });
  });

  test('no statement allows removing the boundary or editing, deleting or replacing the boundary policy', () => {
    const forbidden = ['iam:DeleteRolePermissionsBoundary', 'iam:CreatePolicyVersion', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy', 'iam:CreatePolicy'];
    expect(allStatements.filter((s) => s.Effect === 'Allow' && touches(s, forbidden)).map((s) => s.Sid)).toEqual([]);
  });

  const role = `arn:aws:iam::${ACCOUNT}:role/${STACK}-ForwarderRole-A1B2C3D4E5F6`;
  test.each([
    ['iam:CreateRole', role, { 'iam:PermissionsBoundary': BOUNDARY }, 'allow'],
    ['iam:CreateRole', role, {}, 'explicit-deny'],
    ['iam:CreateRole', role, { 'iam:PermissionsBoundary': `arn:aws:iam::${ACCOUNT}:policy/wide-open` }, 'explicit-deny'],
    ['iam:PutRolePolicy', role, { 'iam:PermissionsBoundary': BOUNDARY }, 'allow'],
    ['iam:PutRolePolicy', role, {}, 'explicit-deny'],
    ['iam:UpdateAssumeRolePolicy', role, {}, 'explicit-deny'],
    ['iam:AttachRolePolicy', role, {}, 'explicit-deny'],
    ['iam:PutRolePermissionsBoundary', role, { 'iam:PermissionsBoundary': `arn:aws:iam::${ACCOUNT}:policy/wide-open` }, 'explicit-deny'],
    ['iam:DeleteRolePermissionsBoundary', role, { 'iam:PermissionsBoundary': BOUNDARY }, 'explicit-deny'],
    ['iam:CreatePolicyVersion', BOUNDARY, {}, 'explicit-deny'],
    ['iam:DeletePolicy', BOUNDARY, {}, 'explicit-deny'],
    // The bootstrap's own roles are no pipeline role: out of reach, boundary or not.
    ['iam:PutRolePolicy', `arn:aws:iam::${ACCOUNT}:role/${deployRoleName(STACK, REGION)}`, { 'iam:PermissionsBoundary': BOUNDARY }, 'implicit-deny'],
    ['iam:UpdateAssumeRolePolicy', `arn:aws:iam::${ACCOUNT}:role/${deployRoleName(STACK, REGION)}`, { 'iam:PermissionsBoundary': BOUNDARY }, 'implicit-deny'],
    ['iam:CreateRole', `arn:aws:iam::${ACCOUNT}:role/${STACK}-x`, { 'iam:PermissionsBoundary': BOUNDARY }, 'implicit-deny'],
  ])('deploy role: %s on %s with %j is %s', (action, resource, context, decision) => {
    expect(evaluate(deployRole, { action, resource, context })).toBe(decision);
  });

  // (dist/pipeline.yaml is cfn/pipeline.yaml built: test/unit/template-build.test.ts holds it fresh.)
  test('every role of the pipeline carries the boundary parameter', () => {
    for (const text of [readFileSync('cfn/pipeline.yaml', 'utf8')]) {
      const parsed = parseCfnTemplate(text) as Json;
      const roles = Object.values(parsed.Resources as Json).filter((r) => r.Type === 'AWS::IAM::Role');
      expect(roles.length).toBe(3);
      for (const r of roles) {
        expect(r.Properties.PermissionsBoundary).toEqual({ 'Fn::If': ['HasPermissionsBoundary', { Ref: 'PermissionsBoundaryArn' }, { Ref: 'AWS::NoValue' }] });
      }
    }
    for (const r of Object.values(pipeline.resources).filter((r) => r.type === 'AWS::IAM::Role')) expect(r.properties.PermissionsBoundary).toBe(BOUNDARY);
  });

  test('the deployer passes the bootstrap boundary when it runs as the bootstrap deploy role, and only then', () => {
    // The names it expects are the ones the bootstrap gives its deploy role and boundary policy.
    expect(bootstrap.DeployRole.Properties.RoleName).toBe(deployRoleName(STACK, REGION));
    expect(bootstrap.PipelineRoleBoundary.Properties.ManagedPolicyName).toBe(boundaryPolicyName(STACK, REGION));
    const session = (roleName: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/vpc-port-audit`;
    expect(boundaryForCaller(session(deployRoleName(STACK, REGION)), STACK, REGION)).toBe(BOUNDARY);
    expect(boundaryForCaller(`arn:aws-cn:sts::${ACCOUNT}:assumed-role/${deployRoleName(STACK, 'cn-north-1')}/s`, STACK, 'cn-north-1')).toBe(
      `arn:aws-cn:iam::${ACCOUNT}:policy/${boundaryPolicyName(STACK, 'cn-north-1')}`,
    );
    for (const caller of [
      session(deployRoleName(STACK, 'eu-west-1')),
      session(deployRoleName('vpc-port-audit-2', REGION)),
      session('Admin'),
      `arn:aws:iam::${ACCOUNT}:user/alice`,
    ]) {
      expect({ caller, boundary: boundaryForCaller(caller, STACK, REGION) }).toEqual({ caller, boundary: undefined });
    }
    expect(readFileSync('src/main.ts', 'utf8')).toMatch(/PermissionsBoundaryArn: boundary \?\? ''/);
  });

  test('the boundary allows everything the pipeline roles do and nothing they do not', () => {
    const roles = Object.values(pipeline.resources).filter((r) => r.type === 'AWS::IAM::Role');
    const used = new Set<string>();
    for (const r of roles) {
      for (const statement of r.properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement) as Statement[]) {
        for (const action of actionsOf(statement)) {
          used.add(action.toLowerCase());
          for (const resource of [statement.Resource].flat()) {
            const request = { action, resource: resource.replace(/:\*$/, ':log-stream:example') };
            expect({ role: r.logicalId, ...request, decision: evaluate([boundary], request) }).toEqual({ role: r.logicalId, ...request, decision: 'allow' });
          }
        }
      }
    }
    expect(allowStatements([boundary]).flatMap(actionsOf).filter((a) => !used.has(a.toLowerCase()))).toEqual([]);
    // A pipeline role given more than its policies (say by a later edit) still cannot read the port memory or act on IAM.
    const wide: Policy = { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
    expect(evaluate([wide], { action: 's3:GetObject', resource: `${pipeline.bucketArn}/vpc-port-audit/state/x` }, boundary)).toBe('implicit-deny');
    expect(evaluate([wide], { action: 'iam:CreateRole', resource: `arn:aws:iam::${ACCOUNT}:role/x` }, boundary)).toBe('implicit-deny');
    expect(evaluate([wide], { action: 'firehose:PutRecordBatch', resource: pipeline.resources.DeliveryStream!.arn }, boundary)).toBe('allow');
  });
});
