// `vpc-port-audit egress-rules` as a real process (the bundled CLI) on the egress scenario (test/support/egress-scenario.ts):
// each --format prints the proposal the library builds, a warning says a one-day window is not yet safe, and bad
// input (facts files that are not what the AWS CLI prints, a format without interface-id, an unknown --format) is one
// sentence on stderr with exit 2 and nothing on stdout.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, cli } from '../support/cli-process.js';
import { ALLOWLIST_YAML, FIXED_GROUPS as SG, inventoryYaml, scenarioFacts, writeScenarioLogs } from '../support/egress-scenario.js';

let dir: string;
let args: (...more: string[]) => string[];
beforeAll(async () => {
  await buildCli();
  dir = await mkdtemp(join(tmpdir(), 'cli-egress-'));
  await writeScenarioLogs(join(dir, 'logs'));
  const facts = scenarioFacts();
  await writeFile(join(dir, 'interfaces.json'), JSON.stringify({ NetworkInterfaces: facts.interfaces }));
  await writeFile(join(dir, 'rules.json'), JSON.stringify({ SecurityGroupRules: facts.securityGroupRules }));
  await writeFile(join(dir, 'vpcs.yml'), inventoryYaml());
  await writeFile(join(dir, 'ports.yml'), ALLOWLIST_YAML);
  args = (...more) => [
    'egress-rules', '--logs', join(dir, 'logs'), '--vpcs', join(dir, 'vpcs.yml'), '--end', '2026-11-02', '--since', '1d',
    '--interfaces', join(dir, 'interfaces.json'), '--security-groups', join(dir, 'rules.json'), '--allowlist', join(dir, 'ports.yml'), ...more,
  ];
}, 60_000);

describe('egress-rules', () => {
  test('--format json: the three groups with their rules and verdicts, the gone interface unassigned; not yet safe on stderr', async () => {
    const run = await cli(args('--format', 'json'));
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { version: number; safeToApply: boolean; groups: { groupId: string; rules: unknown[]; verdict: string }[]; unassigned: { why: string }[] };
    expect(doc.version).toBe(1);
    expect(doc.safeToApply).toBe(false);
    expect(doc.groups.map((g) => [g.groupId, g.rules.length])).toEqual([[SG.default, 5], [SG.stale, 1], [SG.shared, 1]]);
    expect(doc.groups[0]!.verdict).toBe('the default allow-all egress can be replaced by these 5 rules');
    expect(doc.unassigned.map((u) => u.why)).toEqual(['no longer exists']);
    expect(run.stderr).toMatch(/^warning: the files read cover 1 of the window's 24 hours: .*; the proposal saw only those 1 of 24 hours\.$/m);
    expect(run.stderr).toMatch(/^warning: not yet safe to apply: the flow logs cover 1 hour of the 1 day window, shorter than the 7 days asked for/m);
  }, 60_000);

  test('--format table is the report, cloudformation and terraform the code; one covered hour is never safe, even with --min-days 1', async () => {
    const table = await cli(args('--min-days', '1'));
    expect(table.code).toBe(0);
    expect(table.stderr).toMatch(/not yet safe to apply: the flow logs cover 1 hour of the 1 day window, shorter than the 1 day asked for/);
    expect(table.stdout).toMatch(/^Egress rules proposed from the flow logs of 2026-11-01T00Z to 2026-11-02T00Z \(1 day\); NOT YET SAFE TO APPLY/);
    expect(table.stdout).toContain(`== ${SG.shared} (db) in vpc-0a0000000000000aa (111122223333, eu-west-1): 1 of its 2 current egress rules allowed nothing`);
    expect(table.stdout).toMatch(/6667\/tcp +0\.0\.0\.0\/0 .*NOT IN ALLOWLIST/);
    const cfn = await cli(args('--format', 'cloudformation'));
    expect(cfn.stdout.match(/Type: AWS::EC2::SecurityGroupEgress/g)).toHaveLength(6);
    // The port the allowlist does not explain is marked in the code a reviewer pastes, not only in the report.
    expect(cfn.stdout).toContain('Description: "NOT IN ALLOWLIST vpc-port-audit 6667/tcp');
    const tf = await cli(args('--format', 'terraform'));
    expect(tf.stdout.match(/^resource "aws_vpc_security_group_egress_rule"/gm)).toHaveLength(6);
    expect(tf.stdout).toMatch(/description += "NOT IN ALLOWLIST vpc-port-audit 6667\/tcp/);
  }, 60_000);
});

describe('egress-rules on the default v2 format (no pkt-dst-aws-service, no flow-direction)', () => {
  test('proposes from v2 logs: every interface of the sample is unassigned with empty facts, its traffic shown', async () => {
    const logs = join(dir, 'v2');
    const sample = await cli(['sample', '--out', logs, '--days', '1', '--records-per-hour', '40', '--end', '2026-11-02', '--log-format', 'v2']);
    expect(sample.code).toBe(0);
    await writeFile(join(dir, 'none.json'), JSON.stringify({ NetworkInterfaces: [] }));
    await writeFile(join(dir, 'norules.json'), JSON.stringify({ SecurityGroupRules: [] }));
    const run = await cli([
      'egress-rules', '--logs', logs, '--vpc-cidr', '172.31.0.0/16,2600:1f18:47b:a900::/56', '--end', '2026-11-02', '--since', '1d',
      '--interfaces', join(dir, 'none.json'), '--security-groups', join(dir, 'norules.json'), '--format', 'json',
    ]);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { groups: unknown[]; unassigned: { interfaceId: string; rules: { destination: unknown }[] }[] };
    expect(doc.groups).toEqual([]);
    expect(doc.unassigned.length).toBeGreaterThan(0);
    expect(doc.unassigned.every((u) => /^eni-[0-9a-f]+$/.test(u.interfaceId) && u.rules.length > 0)).toBe(true);
  }, 60_000);
});

describe('egress-rules: bad input is one sentence and exit 2', () => {
  const refused = async (argv: string[], message: RegExp) => {
    const run = await cli(argv);
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: '' });
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  };

  test('the rules file given as --interfaces', async () => {
    await refused(
      args().map((a) => (a.endsWith('interfaces.json') ? join(dir, 'rules.json') : a)),
      /^vpc-port-audit: --interfaces: '.*rules\.json' is not what aws ec2 describe-network-interfaces prints \(it has no NetworkInterfaces list, only SecurityGroupRules\); give the JSON it writes, \{"NetworkInterfaces": \[\.\.\.\]\}\.$/m,
    );
  }, 60_000);

  test('a --security-groups file that is not JSON, or whose rule lacks IsEgress', async () => {
    await writeFile(join(dir, 'broken.json'), '{"SecurityGroupRules": [');
    await refused(args().map((a) => (a.endsWith('rules.json') ? join(dir, 'broken.json') : a)), /--security-groups: '.*broken\.json' is not what aws ec2 describe-security-group-rules prints \(not JSON: /);
    await writeFile(join(dir, 'no-direction.json'), JSON.stringify({ SecurityGroupRules: [{ GroupId: 'sg-0123456789abcdef0', IpProtocol: '-1' }] }));
    await refused(args().map((a) => (a.endsWith('rules.json') ? join(dir, 'no-direction.json') : a)), /\(SecurityGroupRules\[0\]: IsEgress is not true or false\)/);
  }, 60_000);

  test('flow logs in a custom format without interface-id', async () => {
    const custom = '${version} ${account-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';
    const logs = join(dir, 'custom');
    const start = Date.UTC(2026, 10, 1, 10, 5) / 1000;
    await writeScenarioLogs(logs, [`2 111122223333 10.0.1.10 198.51.100.7 40001 443 6 10 2000 ${start} ${start + 60} ACCEPT OK`]);
    await refused(
      [...args().map((a) => (a === join(dir, 'logs') ? logs : a)), '--log-format', custom],
      /^vpc-port-audit: --logs: the flow logs' format has no interface-id field, .*accepted are formats with interface-id/m,
    );
  }, 60_000);

  test('a --format of the audit that egress-rules does not print, and a missing --security-groups', async () => {
    await refused(args('--format', 'sarif'), /--format: 'sarif' is not accepted; accepted are table, json, cloudformation, terraform\./);
    const withoutRules = args();
    withoutRules.splice(withoutRules.indexOf('--security-groups'), 2);
    await refused(withoutRules, /--security-groups is required: the JSON file that aws ec2 describe-security-group-rules prints\./);
  }, 60_000);
});
