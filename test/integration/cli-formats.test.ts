// The CLI as a process on the shipped sample with a richer allowlist (a range, an owner, an expired entry): the
// CSV, JSON and SARIF outputs (the SARIF valid against the SARIF 2.1.0 JSON schema and placed on the allowlist at
// its path in the repository), the warnings of an expired entry and of an allowlist that explains nothing, and
// allowlist mistakes as one sentence with exit code 2.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GroundTruth } from '../../src/flowlog/sample.js';
import { CSV_COLUMNS } from '../../src/report/port-csv.js';
import type { PortDetails } from '../../src/report/port-details.js';
import { buildCli, cli, ROOT } from '../support/cli-process.js';
import { sarifSchemaErrors } from '../support/sarif-schema.js';

const SAMPLE = join(ROOT, 'sample/flow-logs');
const SAMPLE_CIDRS = '172.31.0.0/16,2600:1f18:47b:a900::/56';
const ALLOWLIST = `# The sample VPC's expected ports.
ports:
  - port: 443
    protocol: tcp
    reason: HTTPS, to AWS APIs
    owner: platform-team
  - port: 53
    protocol: udp
    reason: DNS
  - port: 80
    protocol: tcp
    reason: HTTP mirrors, until the proxy
    owner: build-team
    expires: 2020-01-31
  - port: 100-200
    protocol: udp
    reason: NTP
  - port: 9000-9500
    protocol: tcp
    reason: Kafka and git
`;
/** The line of the expired 80/tcp entry in ALLOWLIST. */
const EXPIRED_LINE = 10;
const STATUS: Record<string, string> = { '443/6': 'allowed', '53/17': 'allowed', '80/6': 'expired', '123/17': 'allowed', '9092/6': 'allowed', '9418/6': 'allowed' };

let repo: string;
let allowlistPath: string;
let truth: GroundTruth;

beforeAll(async () => {
  await buildCli();
  truth = JSON.parse(await readFile(join(SAMPLE, 'ground-truth.json'), 'utf8')) as GroundTruth;
  // A repository (a folder with .git) holding the allowlist where the action reads it.
  repo = await mkdtemp(join(tmpdir(), 'cli-formats-'));
  await mkdir(join(repo, '.git'));
  await mkdir(join(repo, '.github'));
  allowlistPath = join(repo, '.github', 'outbound-ports.yml');
  await writeFile(allowlistPath, ALLOWLIST);
});

/** The sample's audit of every port, run in `cwd` (the repository root unless given). */
const audit = (flags: string[], cwd = ROOT) => cli(['audit', '--logs', SAMPLE, '--vpc-cidr', SAMPLE_CIDRS, '--end', '2026-11-02T00', '--top', '1000', ...flags], cwd);
const statusOf = (p: { port: number; protocol: number }) => STATUS[`${p.port}/${p.protocol}`] ?? 'unlisted';
const EXPIRED_WARNING = `warning: allowlist ${'PATH'} line ${EXPIRED_LINE}: 80/tcp (owner: build-team) expired after 2020-01-31, so it no longer explains its ports; renew expires or remove the entry.\n`;

describe('output formats', () => {
  test('--format csv: a header line and one line per observed port with the ground truth counts and the allowlist verdict', async () => {
    const { code, stdout, stderr } = await audit(['--format', 'csv', '--allowlist', allowlistPath]);
    expect(code).toBe(0);
    expect(stderr).toBe(EXPIRED_WARNING.replace('PATH', allowlistPath));
    const [header, ...lines] = stdout.trimEnd().split('\n');
    expect(header).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(truth.egressPorts.length);
    truth.egressPorts.forEach((p, i) => {
      const cells = lines[i]!.split(',');
      expect(cells.slice(0, 3).concat(cells.slice(5, 11))).toEqual([i + 1, p.port, p.protocol, p.connections, p.flows, p.packets, p.bytes, p.peers, statusOf(p)].map(String));
    });
    expect(lines[0]).toMatch(/,allowed,443\/tcp,"HTTPS, to AWS APIs",platform-team,$/);
    expect(lines[2]).toMatch(/^3,80,6,tcp,www-http,.*,expired,80\/tcp,"HTTP mirrors, until the proxy",build-team,2020-01-31$/);
  });

  test('--format json: schemaVersion 2, protocol and service names, the verdict and reason of every port, the expired entries', async () => {
    const { code, stdout } = await audit(['--format', 'json', '--allowlist', allowlistPath]);
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { schemaVersion: number; ports: PortDetails[]; new: PortDetails[]; allowlist: { path: string; expired: object[] } };
    expect(json.schemaVersion).toBe(2);
    expect(json.ports.map(({ port, protocol, connections, flows, packets, bytes, peers }) => ({ port, protocol, connections, flows, packets, bytes, peers }))).toEqual(truth.egressPorts);
    expect(json.ports[0]).toMatchObject({ protocolName: 'tcp', service: 'https', allowlist: { status: 'allowed', entry: '443/tcp', reason: 'HTTPS, to AWS APIs', owner: 'platform-team' } });
    expect(json.ports.find((p) => p.port === 9418)!.allowlist).toMatchObject({ status: 'allowed', entry: '9000-9500/tcp', reason: 'Kafka and git', line: 18 });
    expect(json.ports.find((p) => p.protocol === 58)).toMatchObject({ port: 0, protocolName: 'icmpv6', allowlist: { status: 'unlisted', reason: null } });
    expect(json.new.map((p) => `${p.port}/${p.protocol}`)).toEqual(truth.egressPorts.filter((p) => statusOf(p) !== 'allowed').map((p) => `${p.port}/${p.protocol}`));
    expect(json.allowlist).toEqual({ path: allowlistPath, expired: [{ entry: '80/tcp', line: EXPIRED_LINE, reason: 'HTTP mirrors, until the proxy', owner: 'build-team', expires: '2020-01-31' }] });
  });

  test('the table marks an expired entry\'s port "NEW (expired)" and says so in the footer', async () => {
    const { code, stdout } = await audit(['--allowlist', allowlistPath]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\n\s*3\s+80\s+tcp\s.*\sNEW \(expired\)\n/);
    expect(stdout).toMatch(/\n\s*4\s+8333\s+tcp\s.*\sNEW\n/);
    expect(stdout).toMatch(/\n\s*1\s+443\s+tcp\s.*\d\n/);
    expect(stdout).toContain(`NEW = not in ${allowlistPath}; NEW (expired) = its entry expired (1 expired entry, named on stderr).`);
  });

  test('--format sarif: valid SARIF 2.1.0, a rule per port, results for the unexplained ports on the allowlist at its path in the repository', async () => {
    // Run from elsewhere: the location is still the path from the repository's root.
    const { code, stdout } = await audit(['--format', 'sarif', '--allowlist', allowlistPath], tmpdir());
    expect(code).toBe(0);
    const log = JSON.parse(stdout) as import('sarif').Log;
    expect(sarifSchemaErrors(log)).toEqual([]);
    const run = log.runs[0]!;
    expect(run.tool.driver.rules!.map((r) => r.id)).toEqual(truth.egressPorts.map((p) => `outbound-port/${p.port}/${{ 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmpv6' }[p.protocol]}`));
    const unexplained = truth.egressPorts.filter((p) => statusOf(p) !== 'allowed');
    expect(run.results!.map((r) => r.ruleIndex)).toEqual(unexplained.map((p) => truth.egressPorts.indexOf(p)));
    expect(new Set(run.results!.map((r) => r.locations![0]!.physicalLocation!.artifactLocation!.uri))).toEqual(new Set(['.github/outbound-ports.yml']));
    const beacon = run.results!.find((r) => r.ruleId === `outbound-port/${truth.beacon.port}/tcp`)!;
    expect([beacon.level, beacon.locations![0]!.physicalLocation!.region!.startLine]).toEqual(['error', 1]);
    const http = run.results!.find((r) => r.ruleId === 'outbound-port/80/tcp')!;
    expect([http.level, http.locations![0]!.physicalLocation!.region!.startLine]).toEqual(['warning', EXPIRED_LINE]);
    // The same audit again gives the same fingerprints.
    const again = JSON.parse((await audit(['--format', 'sarif', '--allowlist', allowlistPath])).stdout) as import('sarif').Log;
    expect(again.runs[0]!.results!.map((r) => r.partialFingerprints)).toEqual(run.results!.map((r) => r.partialFingerprints));
  });

  test('--format sarif without --allowlist, and why --format csv, are refused in one sentence with exit code 2', async () => {
    expect(await audit(['--format', 'sarif'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'vpc-port-audit: --format sarif needs --allowlist FILE: code scanning places each port the allowlist does not explain on that file.\n',
    });
    const why = await cli(['why', '443', '--logs', SAMPLE, '--vpc-cidr', SAMPLE_CIDRS, '--format', 'csv']);
    expect(why).toEqual({ code: 2, stdout: '', stderr: "vpc-port-audit: --format: 'csv' is not an output format; accepted are table, json, markdown.\n" });
  });
});

describe('allowlist warnings and mistakes', () => {
  test.each([
    ['an empty file', '', 'the file is empty or only comments'],
    ['comments only', '# to do\n', 'the file is empty or only comments'],
    ['`ports:` with nothing under it', 'ports:\n', '`ports:` lists nothing'],
  ])('%s is a warning on stderr, and every port is NEW', async (_what, text, why) => {
    const path = join(repo, `empty-${why.length}-${text.length}.yml`);
    await writeFile(path, text);
    const { code, stdout, stderr } = await audit(['--format', 'json', '--allowlist', path]);
    expect(code).toBe(0);
    expect(stderr).toBe(`warning: allowlist ${path} explains no port (${why}), so every observed port counts as unexplained; list the ports you expect under ports:.\n`);
    expect((JSON.parse(stdout) as { new: object[] }).new).toHaveLength(truth.egressPorts.length);
  });

  test.each([
    ['allowed:\n  - port: 443\n', "line 1: unknown top-level key 'allowed'; the file holds one key, ports: a list of {port, protocol, reason, owner, expires, accounts, vpcs}."],
    ['ports:\n  - port: 443\n    protocol: tcp\n    reason: x\n    team: web\n', "line 2: unknown key 'team'; accepted are port, protocol, reason, owner, expires, accounts, vpcs."],
    ['ports:\n  - port: 443\n    protocol: tcp\n    reason: x\n    expires: 31/12/2026\n', "line 2: expires '31/12/2026' is not a day written YYYY-MM-DD, such as 2026-12-31."],
    ['ports:\n  - port: 443\n    protocol: tcp\n    reason: x\n    accounts: [1111-2222-3333]\n', "line 5: accounts entry '1111-2222-3333' is not a 12-digit AWS account id, such as 111122223333."],
    ['ports:\n  - port: 443\n    protocol: tcp\n    reason: x\n    vpcs: [vpc-xyz]\n', "line 5: vpcs entry 'vpc-xyz' is not a VPC id (vpc- and 8 or 17 hex digits), such as vpc-0a1b2c3d4e5f67890."],
    ['ports:\n  - port: 443\n    protocol: tcp\n    reason: x\n    accounts: []\n', 'line 5: accounts lists nothing; list the ids of each account the entry holds in, or leave the key out so that it holds in every account.'],
  ])('%j exits 2 with one sentence naming the line', async (text, message) => {
    const path = join(repo, `bad-${text.length}.yml`);
    await writeFile(path, text);
    expect(await audit(['--allowlist', path])).toEqual({ code: 2, stdout: '', stderr: `vpc-port-audit: allowlist ${path} ${message}\n` });
  });
});

describe('allowlist init', () => {
  test('drafts every observed port into .github/outbound-ports.yml, which then explains them all; a second run refuses to overwrite it', async () => {
    const checkout = await mkdtemp(join(tmpdir(), 'allowlist-init-'));
    const init = () => cli(['allowlist', 'init', '--logs', SAMPLE, '--vpc-cidr', SAMPLE_CIDRS, '--end', '2026-11-02T00'], checkout);
    const first = await init();
    expect(first).toEqual({
      code: 0,
      stdout: `Wrote ${truth.egressPorts.length} draft entries to .github/outbound-ports.yml. Review each reason marked REVIEW: and delete the ports you do not expect before committing it.\n`,
      stderr: '',
    });
    const path = join(checkout, '.github', 'outbound-ports.yml');
    const text = await readFile(path, 'utf8');
    expect(text).toContain('\n  - port: 443\n    protocol: tcp\n    reason: "REVIEW: https (IANA service name); 405 connections to 50 peers in the audited window"\n');
    const json = await audit(['--format', 'json', '--allowlist', path]);
    // The drafts explain their ports, and stderr says once that nobody has reviewed them yet.
    const warnings = json.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('scanning '));
    expect([json.code, warnings]).toEqual([0, [expect.stringMatching(new RegExp(`^warning: allowlist .*outbound-ports\\.yml: ${truth.egressPorts.length} entries still have their draft reason marked REVIEW: \\(lines `))]]);
    const audited = JSON.parse(json.stdout) as { ports: PortDetails[]; new: object[] };
    expect(audited.new).toEqual([]);
    expect(audited.ports.map((p) => p.allowlist!.reason!.slice(0, 8))).toEqual(truth.egressPorts.map(() => 'REVIEW: '));
    const again = await init();
    expect(again).toEqual({ code: 2, stdout: '', stderr: `vpc-port-audit: --out: '.github/outbound-ports.yml' already exists; allowlist init never overwrites a file: give a new path, or move the file away first.\n` });
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  test.each([
    [['allowlist'], "vpc-port-audit: allowlist: give a command; accepted is init (allowlist init --logs DIR --vpc-cidr CIDR).\n"],
    [['allowlist', 'create'], "vpc-port-audit: allowlist: 'create' is not an allowlist command; accepted is init (allowlist init --logs DIR --vpc-cidr CIDR).\n"],
  ])('%j exits 2 with one sentence', async (args, stderr) => {
    expect(await cli(args)).toEqual({ code: 2, stdout: '', stderr });
  });
});
