// The OIDC bootstrap role: trusted only by GitHub's OIDC tokens for one repository (optionally one branch or
// environment), no wildcard action, `*` only for EC2 Describe calls, everything else scoped to the pipeline
// stack's names, and every resource type of the pipeline stack covered by a create permission.

import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parseCfnTemplate } from '../../scripts/cfn-yaml.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const oidc: Json = parseCfnTemplate(readFileSync('cfn/github-oidc-role.yaml', 'utf8'));
const pipeline: Json = parseCfnTemplate(readFileSync('dist/pipeline.yaml', 'utf8'));
const role = oidc.Resources.Role.Properties;
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
/** The text of a `!Sub` (either form), or the value itself. */
const subText = (value: unknown) => {
  const sub = (value as { 'Fn::Sub'?: string | [string, Json] })['Fn::Sub'];
  return Array.isArray(sub) ? sub[0] : (sub ?? value);
};
const permissions: Json[] = role.Policies.flatMap((p: Json) => p.PolicyDocument.Statement);
const granted = new Set(permissions.flatMap((s) => list(s.Action as string | string[])));

describe('trust policy', () => {
  const [trust, ...others] = role.AssumeRolePolicyDocument.Statement;

  test('only web identities from the GitHub provider, audience sts.amazonaws.com', () => {
    expect(others).toEqual([]);
    expect(trust.Effect).toBe('Allow');
    expect(trust.Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(trust.Principal.Federated).toEqual({
      'Fn::If': ['CreateProvider', { Ref: 'GitHubProvider' }, { Ref: 'ExistingProviderArn' }],
    });
    expect(trust.Condition.StringEquals).toEqual({ 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' });
    expect(oidc.Resources.GitHubProvider.Properties.Url).toBe('https://token.actions.githubusercontent.com');
  });

  test('the subject is one repository, narrowed by environment or branch (plus its own pull requests) when given', () => {
    const sub = trust.Condition.StringLike['token.actions.githubusercontent.com:sub'];
    const [hasEnvironment, environment, [hasBranch, branch, anyRef]] = [sub['Fn::If'][0], sub['Fn::If'][1], sub['Fn::If'][2]['Fn::If']];
    expect([hasEnvironment, hasBranch]).toEqual(['HasEnvironment', 'HasBranch']);
    const repo = 'repo:${GitHubOwner}/${GitHubRepository}:';
    expect(subText(environment)).toBe(`${repo}environment:\${Environment}`);
    expect(branch.map(subText)).toEqual([`${repo}ref:refs/heads/\${Branch}`, `${repo}pull_request`]);
    expect(subText(anyRef)).toBe(`${repo}*`);
    expect(oidc.Parameters.GitHubOwner.Default).toBeUndefined();
    expect(oidc.Parameters.GitHubRepository.Default).toBeUndefined();
  });
});

describe('permissions', () => {
  test('every statement allows named actions only', () => {
    for (const statement of permissions) {
      expect(statement.Effect).toBe('Allow');
      for (const action of list(statement.Action as string | string[])) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
    }
  });

  test('resource "*" only for EC2 Describe calls, which accept nothing narrower', () => {
    for (const statement of permissions.filter((s) => list(s.Resource).includes('*'))) {
      for (const action of list(statement.Action as string | string[])) expect(action).toMatch(/^ec2:Describe/);
    }
  });

  test('every other resource is scoped to the pipeline stack, its catalog, or an ARN type that allows no prefix', () => {
    const unscopedAllowed = [/:log-group:\*$/, /:vpc\/\*$/, /:vpc-flow-log\/\*$/, /:changeSet\/\*\/\*$/, /:catalog$/];
    for (const statement of permissions) {
      for (const resource of list(statement.Resource).filter((r) => r !== '*')) {
        const arn = subText(resource) as string;
        const scoped =
          arn.includes('${PipelineStackName}') || arn.includes('${Database}') || unscopedAllowed.some((p) => p.test(arn));
        expect({ arn, scoped }).toEqual({ arn, scoped: true });
      }
    }
  });

  test('PassRole only to the pipeline services, only the stack roles', () => {
    const passRole = permissions.find((s) => s.Action === 'iam:PassRole')!;
    expect(subText(passRole.Resource)).toMatch(/:role\/\$\{PipelineStackName\}-\*$/);
    expect(passRole.Condition.StringEquals['iam:PassedToService'].sort()).toEqual(
      ['firehose.amazonaws.com', 'lambda.amazonaws.com', 'vpc-flow-logs.amazonaws.com'],
    );
  });

  test('every resource type of the pipeline stack can be created', () => {
    const createAction: Record<string, string> = {
      'AWS::Logs::LogGroup': 'logs:CreateLogGroup',
      'AWS::Logs::LogStream': 'logs:CreateLogStream',
      'AWS::Logs::SubscriptionFilter': 'logs:PutSubscriptionFilter',
      'AWS::IAM::Role': 'iam:CreateRole',
      'AWS::EC2::FlowLog': 'ec2:CreateFlowLogs',
      'AWS::S3::Bucket': 's3:CreateBucket',
      'AWS::S3::BucketPolicy': 's3:PutBucketPolicy',
      'AWS::KinesisFirehose::DeliveryStream': 'firehose:CreateDeliveryStream',
      'AWS::Lambda::Function': 'lambda:CreateFunction',
      'AWS::Lambda::Permission': 'lambda:AddPermission',
      'AWS::Glue::Database': 'glue:CreateDatabase',
      'AWS::Glue::Table': 'glue:CreateTable',
      'AWS::Athena::WorkGroup': 'athena:CreateWorkGroup',
    };
    for (const resource of Object.values(pipeline.Resources as Json)) {
      expect({ type: resource.Type, action: createAction[resource.Type] }).toEqual({
        type: resource.Type,
        action: expect.any(String),
      });
      expect(granted.has(createAction[resource.Type]!)).toBe(true);
    }
  });

  test('the calls the action itself makes (src/deploy, src/engines/athena, src/state) are allowed', () => {
    for (const action of [
      'cloudformation:CreateStack',
      'cloudformation:UpdateTerminationProtection',
      'cloudformation:DescribeStacks',
      'athena:StartQueryExecution',
      'athena:GetQueryExecution',
      'athena:GetQueryResults',
      'athena:StopQueryExecution',
      'glue:GetDatabase',
      'glue:GetTable',
      's3:GetObject',
      's3:PutObject',
      's3:ListBucket',
      'ec2:DescribeVpcs',
    ]) {
      expect(granted.has(action)).toBe(true);
    }
  });

  test('object access only under the prefixes the pipeline and the action use', () => {
    const objectPrefixes = permissions
      .filter((s) => list(s.Action).some((a: string) => a === 's3:GetObject' || a === 's3:PutObject'))
      .map((s) => /bucket-\*\/(.+)\*$/.exec(subText(s.Resource) as string)?.[1]);
    expect(objectPrefixes.sort()).toEqual(['athena-results/', 'flow-logs/', 'vpc-port-audit/state/']);
  });

  test('the workgroup and catalog names match what the pipeline stack creates', () => {
    expect(pipeline.Resources.WorkGroup.Properties.Name).toEqual({ 'Fn::Sub': '${AWS::StackName}-audit' });
    const query = permissions.find((s) => list(s.Action).includes('athena:StartQueryExecution'))!;
    expect(subText(query.Resource)).toMatch(/:workgroup\/\$\{PipelineStackName\}-audit$/);
    // The Glue database is the stack name with `_` for `-` in both templates; the table is flow_logs.
    const stackDatabase = { 'Fn::Join': ['_', { 'Fn::Split': ['-', { Ref: 'AWS::StackName' }] }] };
    expect(pipeline.Resources.GlueDatabase.Properties.DatabaseInput.Name).toEqual(stackDatabase);
    expect(pipeline.Resources.GlueTable.Properties.TableInput.Name).toBe('flow_logs');
    const catalog = permissions.find((s) => list(s.Action).includes('glue:GetTable'))!;
    const [, table] = list(catalog.Resource).filter((r: Json) => Array.isArray(r['Fn::Sub']));
    expect(table['Fn::Sub']).toEqual([
      'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:table/${Database}/flow_logs',
      { Database: { 'Fn::Join': ['_', { 'Fn::Split': ['-', { Ref: 'PipelineStackName' }] }] } },
    ]);
  });
});
