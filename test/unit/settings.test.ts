// Settings: every action input validated up front; each bad value gives one sentence naming the input and
// what is accepted, and all problems are reported together.

import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { readSettings, SettingsError, type Settings } from '../../src/settings.js';

const VALID: Record<string, string> = {
  mode: 'deploy-and-audit',
  'aws-region': 'eu-west-1',
  'vpc-id': 'vpc-0a1b2c3d4e5f67890',
  'github-token': 'token-for-tests',
};

function settingsFrom(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}): Settings {
  return readSettings((name) => inputs[name] ?? '', env);
}

function problemsOf(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    settingsFrom(inputs, env);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  throw new Error('expected a SettingsError');
}

describe('readSettings', () => {
  test('fills every default from action.yml', () => {
    const s = settingsFrom(VALID);
    expect(s).toMatchObject({
      mode: 'deploy-and-audit',
      region: 'eu-west-1',
      stackName: 'vpc-port-audit',
      vpcId: 'vpc-0a1b2c3d4e5f67890',
      vpcCidrs: undefined,
      preset: 'egress-ports',
      lookbackHours: 24,
      top: 10,
      maxPorts: 2000,
      allowlistPath: '.github/outbound-ports.yml',
      issueLabel: 'outbound-ports',
      queryTimeoutSeconds: 600,
      failOnNewPort: false,
      volumeDropThreshold: 0.1,
      failOnPipelineProblem: false,
      egressRules: { propose: false, minDays: 7 },
      deploy: { pipeline: 'cloudwatch-firehose', aggregationIntervalSeconds: 600, logRetentionDays: 3, maxScanMegabytes: 10000 },
      existing: { database: undefined, table: undefined, workgroup: undefined },
    });
    expect(s.format.name).toBe('v5');
  });

  test("action.yml's defaults and the settings' own defaults agree (a runner passes the former, tests the latter)", () => {
    const action = parse(readFileSync('action.yml', 'utf8')) as { inputs: Record<string, { default?: string }> };
    const defaults = Object.fromEntries(Object.entries(action.inputs).map(([name, input]) => [name, input.default ?? '']));
    expect(Object.keys(defaults)).toContain('lookback-hours');
    const fromAction = settingsFrom({ ...defaults, ...VALID });
    expect(fromAction).toEqual(settingsFrom(VALID));
  });

  test('takes the region from AWS_REGION when the input is empty', () => {
    expect(settingsFrom({ ...VALID, 'aws-region': '' }, { AWS_REGION: 'ap-southeast-4' }).region).toBe('ap-southeast-4');
  });

  test('parses given values', () => {
    const s = settingsFrom({
      ...VALID,
      mode: 'audit',
      'vpc-cidrs': '10.20.0.0/16, 2600:1f18:47b:a900::/56',
      preset: 'seed',
      'fail-on-new-port': 'true',
      'volume-drop-threshold': '25 %',
      'fail-on-pipeline-problem': 'true',
      'log-format': 'v2',
      database: 'flowlogs',
      table: 'vpc_a',
      workgroup: 'primary',
    });
    expect(s.vpcCidrs?.map((c) => c.text)).toEqual(['10.20.0.0/16', '2600:1f18:47b:a900::/56']);
    expect([s.preset, s.failOnNewPort, s.format.name]).toEqual(['seed', true, 'v2']);
    expect([s.volumeDropThreshold, s.failOnPipelineProblem]).toEqual([0.25, true]);
    expect(settingsFrom({ ...VALID, 'volume-drop-threshold': '2.5%' }).volumeDropThreshold).toBe(0.025);
    expect(s.existing).toEqual({ database: 'flowlogs', table: 'vpc_a', workgroup: 'primary' });
    expect(settingsFrom({ ...VALID, allowlist: './.github/ports/../outbound.yml' }).allowlistPath).toBe('.github/outbound.yml');
    expect(settingsFrom({ ...VALID, pipeline: 's3-parquet' }).deploy.pipeline).toBe('s3-parquet');
    const org = settingsFrom({ ...VALID, 'vpcs-file': './.github/vpcs.yml', 'member-role-name': 'vpc-port-audit-member' });
    expect([org.vpcsFile, org.memberRoleName]).toEqual(['.github/vpcs.yml', 'vpc-port-audit-member']);
    expect([settingsFrom(VALID).vpcsFile, settingsFrom(VALID).memberRoleName]).toEqual([undefined, undefined]);
    expect(settingsFrom({ ...VALID, accounts: '111122223333, 444455556666,111122223333' }).accounts).toEqual(['111122223333', '444455556666']);
    expect(settingsFrom(VALID).accounts).toBeUndefined();
    expect(settingsFrom(VALID).redact).toBe('auto');
    expect(settingsFrom({ ...VALID, redact: 'never' }).redact).toBe('never');
    expect(settingsFrom({ ...VALID, 'egress-rules': 'true', 'egress-rules-min-days': '14' }).egressRules).toEqual({ propose: true, minDays: 14 });
    expect(settingsFrom({ ...VALID, mode: 'audit', 'egress-rules': 'TRUE', 'egress-rules-min-days': '400' }).egressRules).toEqual({ propose: true, minDays: 400 });
    expect(settingsFrom({ ...VALID, 'egress-rules-min-days': '1' }).egressRules).toEqual({ propose: false, minDays: 1 });
    // The formats the CLI's --log-format names (flowlog/format.ts NAMED_FORMATS).
    expect(settingsFrom({ ...VALID, 'log-format': 'v8' }).format.fields).toHaveLength(40);
  });

  // [input, bad value, words the one sentence must contain]
  const BAD: [string, string, RegExp][] = [
    ['mode', 'destroy', /^mode: 'destroy' is not a mode; accepted are deploy-and-audit, deploy, audit, redrive\.$/],
    ['pipeline', 'parquet', /^pipeline: 'parquet' is not a pipeline; accepted are cloudwatch-firehose, s3-parquet\.$/],
    ['redact', 'public', /^redact: 'public' is not accepted; use auto \(redact on public repositories\), always or never\.$/],
    ['aws-region', 'us-east-1a', /^aws-region: .*availability zone.*us-east-1/],
    ['aws-region', 'Europe', /^aws-region: 'Europe' is not an AWS region/],
    // The action's own rule, not CloudFormation's wider one (a letter, then letters, digits and hyphens, at most 128).
    ['stack-name', '1stack', /^stack-name: '1stack' is not accepted; give a lowercase letter followed by lowercase letters, digits and hyphens, at most 20 in all, because /],
    ['stack-name', 'a;drop', /^stack-name: /],
    ['stack-name', 'My_Stack', /^stack-name: 'My_Stack' is not accepted; give a lowercase letter followed by lowercase letters, digits and hyphens, at most 20 in all, because /],
    ['stack-name', 'VpcPortAudit', /^stack-name: 'VpcPortAudit' is not accepted; .* at most 20 in all/],
    ['stack-name', 'vpc-port-audit-production', /^stack-name: .* at most 20/],
    ['vpc-id', 'vpc-123', /^vpc-id: 'vpc-123' is not a VPC id/],
    ['vpc-cidrs', '10.0.0.1/16', /^vpc-cidrs: '10\.0\.0\.1\/16' has host bits set; the block it lies in is 10\.0\.0\.0\/16\.$/],
    ['vpc-cidrs', "10.0.0.0/16' OR 1=1 --", /^vpc-cidrs: /],
    ['preset', 'all', /^preset: 'all' is not a preset; accepted are egress-ports, seed\.$/],
    ['lookback-hours', '0', /^lookback-hours: '0' is not a whole number from 1 to 9600\.$/],
    ['lookback-hours', '24h', /^lookback-hours: /],
    ['top', '1001', /^top: '1001' is not a whole number from 1 to 1000\.$/],
    ['max-ports', '0', /^max-ports: '0' is not a whole number from 1 to 100000\.$/],
    ['max-ports', '2k', /^max-ports: '2k' is not a whole number from 1 to 100000\.$/],
    ['issue-label', 'x'.repeat(51), /^issue-label: /],
    ['query-timeout-seconds', '5', /^query-timeout-seconds: '5' is not a whole number from 10 to 7200\.$/],
    ['fail-on-new-port', 'yes', /^fail-on-new-port: 'yes' is not a boolean; use true or false\.$/],
    ['volume-drop-threshold', '0.1', /^volume-drop-threshold: '0\.1' is not a percentage of the median window volume; give one between 0 % and 100 %, such as 10%\.$/],
    ['volume-drop-threshold', '0%', /^volume-drop-threshold: '0%' is not a percentage/],
    ['volume-drop-threshold', '100%', /^volume-drop-threshold: '100%' is not a percentage/],
    ['fail-on-pipeline-problem', 'on', /^fail-on-pipeline-problem: 'on' is not a boolean; use true or false\.$/],
    ['log-format', '${srcaddr} ${nope}', /^log-format: /],
    ['aggregation-interval', '300', /^aggregation-interval: '300' .* accepted are 60 and 600/],
    ['log-retention-days', '2', /^log-retention-days: '2' is not a CloudWatch Logs retention/],
    ['max-scan-mb', '1', /^max-scan-mb: '1' is not a whole number from 10 to 10485760\.$/],
    ['database', 'Flow-Logs', /^database: 'Flow-Logs' is not a Glue name/],
    ['table', 'logs"; DROP TABLE x; --', /^table: /],
    ['workgroup', 'work group', /^workgroup: 'work group' is not an Athena workgroup name/],
    ['allowlist', '../secrets.yml', /^allowlist: '\.\.\/secrets\.yml' is outside the repository/],
    ['allowlist', '/etc/passwd', /^allowlist: '\/etc\/passwd' is outside the repository/],
    ['alarm-topic-arn', 'arn:aws:sqs:us-east-1:123456789012:pager', /^alarm-topic-arn: '.*' is not an SNS topic ARN/],
    ['alarm-topic-arn', 'pager', /^alarm-topic-arn: /],
    ['vpcs-file', '../org/vpcs.yml', /^vpcs-file: '\.\.\/org\/vpcs\.yml' is outside the repository; give a path relative to its root, such as \.github\/vpcs\.yml\.$/],
    ['member-role-name', 'role/vpc-port-audit-member', /^member-role-name: 'role\/vpc-port-audit-member' is not an IAM role name; give 1 to 64 letters, digits or _\+=,\.@- \(no path\)/],
    ['member-role-name', 'r'.repeat(65), /^member-role-name: .* is not an IAM role name/],
    ['accounts', '111122223333,12345', /^accounts: '12345' is not an AWS account id; expected 12 digits, such as 111122223333\.$/],
    ['accounts', ' , ', /^accounts: give one or more AWS account ids separated by commas/],
    ['egress-rules', 'yes', /^egress-rules: 'yes' is not a boolean; use true or false\.$/],
    ['egress-rules', '1', /^egress-rules: '1' is not a boolean; use true or false\.$/],
    ['egress-rules-min-days', '0', /^egress-rules-min-days: '0' is not a whole number from 1 to 400\.$/],
    ['egress-rules-min-days', '401', /^egress-rules-min-days: '401' is not a whole number from 1 to 400\.$/],
    ['egress-rules-min-days', '7d', /^egress-rules-min-days: '7d' is not a whole number from 1 to 400\.$/],
    ['egress-rules-min-days', '1.5', /^egress-rules-min-days: '1\.5' is not a whole number from 1 to 400\.$/],
    ['egress-rules-min-days', '-7', /^egress-rules-min-days: '-7' is not a whole number from 1 to 400\.$/],
  ];

  test.each(BAD)('rejects %s = %j with one sentence', (input, value, expected) => {
    const problems = problemsOf({ ...VALID, [input]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
    expect(problems[0]!.split('\n')).toHaveLength(1);
  });

  test('reports every problem at once', () => {
    const problems = problemsOf({ mode: 'deploy', top: 'ten', preset: 'x', 'aws-region': '' });
    expect(problems).toEqual([
      expect.stringMatching(/^aws-region: no region given/),
      expect.stringMatching(/^preset: /),
      expect.stringMatching(/^top: /),
      expect.stringMatching(/^vpc-id: mode deploy deploys a flow log and needs the VPC's id/),
    ]);
  });

  test('egress-rules needs a mode that audits: deploy and redrive have no traffic to propose from', () => {
    for (const mode of ['deploy', 'redrive']) {
      expect(problemsOf({ ...VALID, mode, 'egress-rules': 'true' })).toEqual([
        `egress-rules: mode ${mode} runs no audit, so there is no traffic to propose egress rules from; use mode deploy-and-audit or audit, or leave egress-rules false.`,
      ]);
      expect(settingsFrom({ ...VALID, mode, 'egress-rules': 'false' }).egressRules.propose).toBe(false);
    }
  });

  test('an audit needs a GitHub token; a deploy does not', () => {
    expect(problemsOf({ ...VALID, 'github-token': '' })).toEqual([expect.stringMatching(/^github-token: /)]);
    expect(settingsFrom({ ...VALID, mode: 'deploy', 'github-token': '' }).mode).toBe('deploy');
  });

  test('mode redrive needs neither a VPC id nor a GitHub token; alarm-topic-arn reaches the deploy settings', () => {
    expect(settingsFrom({ mode: 'redrive', 'aws-region': 'eu-west-1' }).mode).toBe('redrive');
    const topic = 'arn:aws:sns:eu-west-1:123456789012:pager';
    expect(settingsFrom({ ...VALID, 'alarm-topic-arn': topic }).deploy.alarmTopicArn).toBe(topic);
    expect(settingsFrom(VALID).deploy.alarmTopicArn).toBeUndefined();
  });
});
