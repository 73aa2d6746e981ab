// The organisation audit through the built CLI (issue 21): --vpcs FILE, --group-by, one section per VPC or account
// in the table and markdown, `vpcs` in the JSON, unit columns in the CSV, verdicts per VPC in CSV and SARIF, and --vpcs mistakes as one sentence, exit 2.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, cli } from '../support/cli-process.js';
import { ORG_INVENTORY_YAML, VPC_A1, VPC_A2, VPC_B, VPC_C, writeOrgTree } from '../support/org-tree.js';

let dir: string;
beforeAll(async () => {
  await buildCli();
  dir = await mkdtemp(join(tmpdir(), 'cli-org-'));
  await writeOrgTree(join(dir, 'logs'));
  await writeFile(join(dir, 'vpcs.yml'), ORG_INVENTORY_YAML);
  await writeFile(join(dir, 'allowlist.yml'), 'ports:\n  - { port: 443, protocol: tcp, reason: HTTPS }\n  - { port: 22, protocol: tcp, reason: SSH to the bastion }\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const audit = (...flags: string[]) => cli(['audit', '--logs', 'logs', '--end', '2026-11-01T11', '--lookback-hours', '1', ...flags], dir);

interface UnitJson {
  account: string | null;
  region: string | null;
  vpcId: string | null;
  cidrs: string[];
  ports: { port: number; connections: number }[];
  new: { rank: number; port: number }[];
}

describe('audit --vpcs', () => {
  test('--format json keeps the organisation-wide ports and new, and adds vpcs with each VPC\'s ports and new ports', async () => {
    const run = await audit('--vpcs', 'vpcs.yml', '--allowlist', 'allowlist.yml', '--format', 'json');
    // The custom and v2 files cannot tell NAT copies (the one warning); nothing else.
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^warning: 2 of the 3 files read \(header\) lack one of interface-id, flow-direction, pkt-dstaddr, [^\n]*\n$/);
    const json = JSON.parse(run.stdout) as { ports: { port: number; connections: number }[]; new: { port: number }[]; vpcs: UnitJson[] };
    expect(json.ports.map((p) => [p.port, p.connections])).toEqual([[443, 2], [22, 1], [80, 1], [5432, 1], [8333, 1]]);
    expect(json.new.map((p) => p.port)).toEqual([80, 5432, 8333]);
    expect(json.vpcs.map((v) => [v.account, v.region, v.vpcId, v.cidrs, v.ports.map((p) => p.port), v.new.map((p) => [p.rank, p.port])])).toEqual([
      ['111122223333', 'us-east-1', VPC_A1, ['10.0.0.0/16'], [443, 5432], [[2, 5432]]],
      ['111122223333', 'us-east-1', VPC_A2, ['10.1.0.0/16'], [22], []],
      ['444455556666', 'us-east-1', VPC_B, ['10.0.0.0/16'], [443, 8333], [[2, 8333]]],
      // Not in the inventory: no CIDRs known, counted by flow-direction and traffic-path.
      ['777788889999', 'us-east-1', VPC_C, [], [80], [[1, 80]]],
    ]);
  });

  test('the table has one section per VPC (the default with several), each headed by its label', async () => {
    const run = await audit('--vpcs', 'vpcs.yml', '--allowlist', 'allowlist.yml');
    expect(run.code).toBe(0);
    const titles = run.stdout.split('\n').filter((line) => line.startsWith('== '));
    expect(titles).toEqual([
      `== ${VPC_A1} (111122223333, us-east-1) ==`,
      `== ${VPC_A2} (111122223333, us-east-1) ==`,
      `== ${VPC_B} (444455556666, us-east-1) ==`,
      `== ${VPC_C} (777788889999, us-east-1) (no CIDRs known: counted where flow-direction is egress and traffic-path leaves the VPC) ==`,
    ]);
    expect(run.stdout).toMatch(/^All 5 outbound ports of the 3 VPCs of vpcs.yml, 2026-11-01T10Z to 2026-11-01T11Z\n/);
  });

  test('--group-by account sums each account\'s VPCs; markdown heads each section', async () => {
    const run = await audit('--vpcs', 'vpcs.yml', '--group-by', 'account', '--format', 'markdown');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').filter((line) => line.startsWith('#### '))).toEqual(['#### account 111122223333', '#### account 444455556666', '#### account 777788889999']);
    const first = run.stdout.slice(run.stdout.indexOf('#### account 111122223333'), run.stdout.indexOf('#### account 444455556666'));
    expect([...first.matchAll(/^\| \d+ \| (\d+) \| tcp \|/gm)].map((m) => Number(m[1]))).toEqual([22, 443, 5432]);
  });

  test('--group-by none is the one organisation-wide list; CSV grouped by VPC carries account, region and vpc_id', async () => {
    const none = await audit('--vpcs', 'vpcs.yml', '--group-by', 'none');
    expect(none.stdout).not.toContain('== ');
    const csv = await audit('--vpcs', 'vpcs.yml', '--format', 'csv');
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^account,region,vpc_id,rank,port,protocol,/);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 5).join(','))).toEqual([
      `111122223333,us-east-1,${VPC_A1},1,443`,
      `111122223333,us-east-1,${VPC_A1},2,5432`,
      `111122223333,us-east-1,${VPC_A2},1,22`,
      `444455556666,us-east-1,${VPC_B},1,443`,
      `444455556666,us-east-1,${VPC_B},2,8333`,
      `777788889999,us-east-1,${VPC_C},1,80`,
    ]);
  });

  test('an entry scoped to one VPC (vpcs:): CSV lines and SARIF results judge 443 in each VPC, so only VPC B\'s 443 is unexplained', async () => {
    await writeFile(join(dir, 'scoped.yml'), `ports:\n  - { port: 443, protocol: tcp, reason: HTTPS to the partner API, vpcs: [${VPC_A1}] }\n`);
    const csv = await audit('--vpcs', 'vpcs.yml', '--allowlist', 'scoped.yml', '--format', 'csv');
    expect(csv.code).toBe(0);
    const https = csv.stdout.trim().split('\n').map((l) => l.split(',')).filter((c) => c[4] === '443');
    expect(https.map((c) => [c[2], c[13]])).toEqual([[VPC_A1, 'allowed'], [VPC_B, 'unlisted']]);
    const sarif = await audit('--vpcs', 'vpcs.yml', '--allowlist', 'scoped.yml', '--format', 'sarif');
    expect(sarif.code).toBe(0);
    const results = (JSON.parse(sarif.stdout) as { runs: { results: { ruleId: string; properties: { vpcId: string | null } }[] }[] }).runs[0]!.results;
    const where = (rule: string) => results.filter((r) => r.ruleId === rule).map((r) => r.properties.vpcId);
    expect(where('outbound-port/443/tcp')).toEqual([VPC_B]);
    expect(where('outbound-port/5432/tcp')).toEqual([VPC_A1]);
    expect(where('outbound-port/22/tcp')).toEqual([VPC_A2]);
  });

  test("each VPC's section ends with who in that VPC opened its new ports; the JSON's vpcs[].new[] carry that VPC's drillDown", async () => {
    const table = await audit('--vpcs', 'vpcs.yml', '--allowlist', 'allowlist.yml');
    expect(table.code).toBe(0);
    const section = (vpc: string) => table.stdout.slice(table.stdout.indexOf(`== ${vpc} `)).split(/\n\n?== /)[0]!;
    expect(section(VPC_A1)).toMatch(/Who opened the new ports, and where they went:\n5432\/tcp \(postgresql\): 1 connection[^\n]*\n {2}from 10\.0\.1\.5 +1 connection[^\n]*\n {2}to {3}10\.1\.2\.3 /);
    expect(section(VPC_B)).toMatch(/Who opened the new ports, and where they went:\n8333\/tcp: 1 connection[^\n]*\n {2}from 10\.0\.1\.7 /);
    // vpc-0000000b has no new port: no drill-down; no organisation-wide list after the sections either.
    expect(section(VPC_A2)).not.toContain('Who opened');
    expect(table.stdout).not.toContain('New ports, who opened them');
    const json = JSON.parse((await audit('--vpcs', 'vpcs.yml', '--allowlist', 'allowlist.yml', '--format', 'json')).stdout) as {
      vpcs: { vpcId: string; new: { port: number; drillDown: { sources: { address: string }[] } | null }[] }[];
    };
    expect(json.vpcs.map((v) => [v.vpcId, v.new.map((n) => [n.port, n.drillDown?.sources.map((s) => s.address)])])).toEqual([
      [VPC_A1, [[5432, ['10.0.1.5']]]],
      [VPC_A2, []],
      [VPC_B, [[8333, ['10.0.1.7']]]],
      [VPC_C, [[80, ['172.31.0.5']]]],
    ]);
    const markdown = await audit('--vpcs', 'vpcs.yml', '--allowlist', 'allowlist.yml', '--group-by', 'account', '--format', 'markdown');
    // An account's section names the VPC of each drill-down.
    expect(markdown.stdout).toContain(`In ${VPC_A1} \\(111122223333, us-east-1\\): **\`5432/tcp\`** (postgresql)`);
  });

  test('why PORT groups the drill-down by VPC when several VPCs opened the port; the JSON adds vpcs beside the organisation-wide drillDown', async () => {
    const why = (...flags: string[]) => cli(['why', '443', '--logs', 'logs', '--end', '2026-11-01T11', '--lookback-hours', '1', '--vpcs', 'vpcs.yml', ...flags], dir);
    const text = await why();
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Who opened 443\/tcp, 2026-11-01T10Z to 2026-11-01T11Z, in 2 VPCs\n\n/);
    const sections = text.stdout.split('\n').filter((line) => line.startsWith('== '));
    expect(sections).toEqual([`== ${VPC_A1} (111122223333, us-east-1) ==`, `== ${VPC_B} (444455556666, us-east-1) ==`]);
    // Each VPC's own source and destination under its heading.
    const [a, b] = text.stdout.split(/^== .* ==$/m).slice(1);
    for (const part of [a!, b!]) expect(part).toMatch(/^443\/tcp \(https\): 1 connection, 1 flow, [^\n]*\n {2}from 10\.0\.1\.5 +1 connection, [^\n]*\n {2}to {3}203\.0\.113\.10 +1 connection/m);
    const json = JSON.parse((await why('--format', 'json')).stdout) as { drillDown: { connections: number }; vpcs: { account: string; vpcId: string; drillDown: { connections: number } }[] };
    expect(json.drillDown.connections).toBe(2);
    expect(json.vpcs.map((v) => [v.account, v.vpcId, v.drillDown.connections])).toEqual([['111122223333', VPC_A1, 1], ['444455556666', VPC_B, 1]]);
    const markdown = await why('--format', 'markdown');
    expect(markdown.stdout.split('\n').filter((line) => line.startsWith('#'))).toEqual([
      '### Who opened 443/tcp, 2026-11-01T10Z to 2026-11-01T11Z, in 2 VPCs',
      `#### ${VPC_A1} \\(111122223333, us-east-1\\)`,
      `#### ${VPC_B} \\(444455556666, us-east-1\\)`,
    ]);
    // A port only one VPC opened reads as before.
    expect((await cli(['why', '22', '--logs', 'logs', '--end', '2026-11-01T11', '--lookback-hours', '1', '--vpcs', 'vpcs.yml'], dir)).stdout).toMatch(/^Who opened 22\/tcp, 2026-11-01T10Z to 2026-11-01T11Z\n\n22\/tcp \(ssh\): 1 connection/);
  });

  test.each([
    ['a file that does not exist', 'missing.yml', undefined, /^vpc-port-audit: --vpcs: 'missing.yml' cannot be read \(ENOENT\); give the path of a YAML file listing each VPC's account, region, vpc-id and cidrs\.\n$/],
    ['a bad CIDR', 'bad.yml', '- account: "111122223333"\n  region: us-east-1\n  vpc-id: vpc-0000000a\n  cidrs: [10.0.0.0/33]\n', /^vpc-port-audit: VPC inventory bad.yml line 1: cidrs: '10.0.0.0\/33' is not a CIDR block[^\n]*\.\n$/],
    ['the same VPC under two accounts', 'twice.yml', `${ORG_INVENTORY_YAML}- account: "777788889999"\n  region: us-east-1\n  vpc-id: ${VPC_B}\n  cidrs: [10.9.0.0/16]\n`, /^vpc-port-audit: VPC inventory twice.yml line 13: vpc-0000000c is already listed on line 9 under account 444455556666; list each VPC once\.\n$/],
    ['an empty list', 'empty.yml', '[]\n', /^vpc-port-audit: --vpcs: 'empty.yml' lists no VPC; give the path[^\n]*\.\n$/],
  ])('%s is one sentence, exit 2, nothing printed on stdout', async (_what, name, text, message) => {
    if (text !== undefined) await writeFile(join(dir, name), text);
    const run = await audit('--vpcs', name);
    expect([run.code, run.stdout]).toEqual([2, '']);
    expect(run.stderr).toMatch(message);
  });

  test('--accounts audits only those accounts: the other accounts\' VPCs are not in the report', async () => {
    const units = async (...flags: string[]) => {
      const run = await audit('--vpcs', 'vpcs.yml', '--format', 'json', ...flags);
      expect(run.code).toBe(0);
      // The inventory VPCs of the accounts left out are not "without records": they are not audited at all.
      expect(run.stderr).not.toContain('no records in the window');
      return (JSON.parse(run.stdout) as { vpcs: UnitJson[] }).vpcs.map((v) => [v.account, v.vpcId, v.ports.map((p) => p.port)]);
    };
    expect(await units('--accounts', '444455556666')).toEqual([['444455556666', VPC_B, [443, 8333]]]);
    expect(await units('--accounts', '777788889999,111122223333')).toEqual([
      ['111122223333', VPC_A1, [443, 5432]],
      ['111122223333', VPC_A2, [22]],
      ['777788889999', VPC_C, [80]],
    ]);
    const none = await audit('--vpcs', 'vpcs.yml', '--accounts', '999999999999');
    expect(none.code).toBe(0);
    expect(none.stdout + none.stderr).toContain('no records of account 999999999999: no flow-log record of the files read names it');
    const bad = await audit('--vpcs', 'vpcs.yml', '--accounts', '4444');
    expect([bad.code, bad.stdout, bad.stderr]).toEqual([2, '', "vpc-port-audit: --accounts: '4444' is not an AWS account id; expected 12 digits, such as 111122223333.\n"]);
  });

  test('without --vpcs, --vpc-cidr is still required', async () => {
    const run = await audit();
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("vpc-port-audit: --vpc-cidr is required: the VPC's CIDR blocks, such as 10.0.0.0/16, or --vpcs FILE with each VPC's.\n");
  });

  test('--group-by takes vpc, account or none', async () => {
    const run = await audit('--vpc-cidr', '10.0.0.0/16', '--group-by', 'region');
    expect([run.code, run.stderr]).toEqual([2, "vpc-port-audit: --group-by: 'region' is not accepted; accepted are vpc, account, none.\n"]);
  });
});
