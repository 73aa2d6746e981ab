// The real `vpc-port-audit` process (src/cli.ts bundled with esbuild, run with node): the shipped sample's
// top list, JSON equal to the ground truth, the SQL, and bad input as exit code 2 with one sentence.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { cp, mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCidrList } from '../../src/audit/parameters.js';
import { buildAuditSql } from '../../src/audit/query.js';
import { stackTableShape } from '../../src/audit/table-shape.js';
import { V5_FORMAT } from '../../src/flowlog/format.js';
import { windowEndingAt } from '../../src/flowlog/layout.js';
import type { GroundTruth } from '../../src/flowlog/sample.js';
import type { PortDetails } from '../../src/report/port-details.js';
import { buildCli, cli as runCli, portCounts, ROOT } from '../support/cli-process.js';
import { trinoSyntaxErrors } from '../support/trino-grammar.js';

const SAMPLE = join(ROOT, 'sample/flow-logs');
const SAMPLE_CIDRS = '172.31.0.0/16,2600:1f18:47b:a900::/56';

beforeAll(buildCli);

const cli = (...args: string[]) => runCli(args);

const sampleTruth = async () => JSON.parse(await readFile(join(SAMPLE, 'ground-truth.json'), 'utf8')) as GroundTruth;
const auditSample = (...flags: string[]) => cli('audit', '--logs', SAMPLE, '--vpc-cidr', SAMPLE_CIDRS, '--end', '2026-11-02T00', ...flags);

describe('vpc-port-audit as a process', () => {
  test('audit of the shipped sample prints the top outbound ports as a table (what npm start runs)', async () => {
    const { code, stdout, stderr } = await auditSample('--lookback-hours', '24', '--allowlist', 'sample/outbound-ports.yml');
    expect([code, stderr]).toEqual([0, '']);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(`Top 10 outbound ports of 172.31.0.0/16, 2600:1f18:47b:a900::/56, 2026-11-01T00Z to 2026-11-02T00Z`);
    expect(lines[2]).toMatch(/^\s*#\s+port\s+protocol\s+connections\s+flows\s+packets\s+bytes\s+peers\s+new$/);
    const truth = await sampleTruth();
    const top = truth.egressPorts[0]!;
    expect(lines[3]).toMatch(new RegExp(`^\\s*1\\s+${top.port}\\s+tcp\\s+${top.connections.toLocaleString('en-US')}\\s+${top.flows.toLocaleString('en-US')}\\s`));
    expect(stdout).toMatch(/ NEW\n/);
    expect(stdout).toMatch(/24 files \(.* KiB\) from 24 of 24 hour folders read in/);
  });

  test('--format json gives ports and new ports equal to the ground truth', async () => {
    const { code, stdout } = await auditSample('--format', 'json', '--top', '1000', '--allowlist', 'sample/outbound-ports.yml');
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { ports: PortDetails[]; new: { port: number; protocol: number }[]; sql: string };
    const truth = await sampleTruth();
    expect(portCounts(json.ports)).toEqual(truth.egressPorts);
    expect(json.new.map((p) => `${p.port}/${p.protocol}`)).toEqual(
      truth.egressPorts.filter((p) => !['443/6', '80/6', '53/17', '123/17'].includes(`${p.port}/${p.protocol}`)).map((p) => `${p.port}/${p.protocol}`),
    );
  });

  test('new ports carry their drill-down: JSON new[] entries, markdown and the table name the instance that opened the beacon port and its destination', async () => {
    const truth = await sampleTruth();
    const { beacon } = truth;
    const json = await auditSample('--format', 'json', '--top', '1000', '--allowlist', 'sample/outbound-ports.yml');
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { new: { port: number; drillDown: { sources: { instanceId: string }[]; destinations: { address: string }[] } | null }[]; drillDown: { sql: string } };
    const entry = parsed.new.find((p) => p.port === beacon.port)!;
    expect(entry.drillDown!.sources[0]).toMatchObject({ instanceId: beacon.instanceId, interfaceId: beacon.interfaceId, address: beacon.address });
    expect(entry.drillDown!.destinations[0]).toMatchObject({ address: beacon.peer, trafficPath: 8 });
    expect(parsed.new.every((p) => p.drillDown !== null)).toBe(true);
    expect(parsed.drillDown.sql).toContain('min(start_time) AS first_seen');
    const markdown = await auditSample('--format', 'markdown', '--top', '1000', '--allowlist', 'sample/outbound-ports.yml');
    expect(markdown.stdout).toContain(`**\`${beacon.port}/tcp\`**: `);
    expect(markdown.stdout).toContain(`| from | ${beacon.instanceId} · ${beacon.interfaceId} · ${beacon.subnetId} · ${beacon.address} |`);
    expect(markdown.stdout).toContain(`| to | ${beacon.peer} · internet gateway \\(Nitro\\) |`); // escaped: escapeMarkdown
    const text = await auditSample('--top', '1000', '--allowlist', 'sample/outbound-ports.yml');
    expect(text.stdout).toMatch(new RegExp(`\\n  from ${beacon.instanceId} · `));
    // Without an allowlist nothing is new, as the table marks nothing NEW: `new` is empty and no drill-down is run.
    const plain = JSON.parse((await auditSample('--format', 'json')).stdout) as { ports: object[]; new: object[] };
    expect(plain.ports.length).toBeGreaterThan(0);
    expect(plain.new).toEqual([]);
    expect(plain).not.toHaveProperty('drillDown');
    expect((await auditSample()).stdout).not.toMatch(/NEW/);
  });

  test('why PORT names who opened it, for any port; a port with no connections says so; a bad port is one sentence', async () => {
    const { beacon } = await sampleTruth();
    const why = await cli('why', `${beacon.port}/tcp`, '--logs', SAMPLE, '--vpc-cidr', SAMPLE_CIDRS, '--end', '2026-11-02T00', '--format', 'json');
    expect([why.code, why.stderr]).toEqual([0, '']);
    const parsed = JSON.parse(why.stdout) as { port: number; drillDown: { sources: { instanceId: string }[] } };
    expect(parsed.port).toBe(beacon.port);
    expect(parsed.drillDown.sources.map((s) => s.instanceId)).toEqual([beacon.instanceId]);
    const https = await cli('why', '443', '--logs', SAMPLE, '--vpc-cidr', SAMPLE_CIDRS, '--end', '2026-11-02T00');
    expect(https.stdout).toMatch(/^Who opened 443\/tcp, 2026-11-01T00Z to 2026-11-02T00Z\n\n443\/tcp \(https\): [\d,]+ connections, /);
    const none = await cli('why', '7/udp', '--logs', SAMPLE, '--vpc-cidr', SAMPLE_CIDRS, '--end', '2026-11-02T00');
    expect(none.stdout).toBe('No connections from 172.31.0.0/16, 2600:1f18:47b:a900::/56 to 7/udp from 2026-11-01T00Z to 2026-11-02T00Z.\n');
    // The seed preset counts source ports: its words say so (review finding).
    const seedNone = await cli('why', '7/udp', '--preset', 'seed', '--logs', SAMPLE, '--vpc-cidr', SAMPLE_CIDRS, '--end', '2026-11-02T00');
    expect(seedNone.stdout).toBe('No traffic from 172.31.0.0/16, 2600:1f18:47b:a900::/56 with source port 7/udp from 2026-11-01T00Z to 2026-11-02T00Z.\n');
    const seedHttps = await cli('why', '443', '--preset', 'seed', '--logs', SAMPLE, '--vpc-cidr', SAMPLE_CIDRS, '--end', '2026-11-02T00');
    expect(seedHttps.stdout).toMatch(/^Traffic from source port 443\/tcp, 2026-11-01T00Z to 2026-11-02T00Z\n\n443\/tcp \(https\): /);
    const bad = await cli('why', '70000', '--logs', SAMPLE, '--vpc-cidr', SAMPLE_CIDRS);
    expect([bad.code, bad.stderr]).toEqual([2, "vpc-port-audit: why: '70000' is not a port; give PORT or PORT/PROTOCOL, such as 5432 or 53/udp.\n"]);
  });

  test('an empty top list says why on stderr and in every format, exit 0: here --vpc-cidr is not the sample VPC\'s', async () => {
    const wrong = (...flags: string[]) => cli('audit', '--logs', SAMPLE, '--vpc-cidr', '10.0.0.0/16', '--end', '2026-11-02T00', ...flags);
    const sentence = /--vpc-cidr: none of the [\d,]+ records in the window comes from 10\.0\.0\.0\/16 \(their sources include 172\.31\.\d+\.\d+\); check --vpc-cidr\./;
    const text = await wrong();
    expect(text.code).toBe(0);
    // A mistyped --vpc-cidr is a warning (a quiet VPC, reason no-outbound, is a note).
    expect(text.stderr).toMatch(new RegExp(`^warning: nothing counted: ${sentence.source}\n$`));
    expect(text.stdout.split('\n')[0]).toBe('No outbound ports of 10.0.0.0/16, 2026-11-01T00Z to 2026-11-02T00Z');
    expect(text.stdout.split('\n')[1]).toMatch(new RegExp(`^\\(nothing counted: ${sentence.source}\\)$`));
    const markdown = await wrong('--format', 'markdown');
    expect(markdown.stdout).toMatch(/\n\n_nothing counted: --vpc-cidr: none of the [\d,]+ records in the window comes from 10\.0\.0\.0\/16 \\\(their sources include 172\.31\./);
    const json = JSON.parse((await wrong('--format', 'json')).stdout) as { ports: object[]; nothingCounted: { reason: string; sentence: string; records: Record<string, unknown> } };
    expect(json.ports).toEqual([]);
    expect(json.nothingCounted.reason).toBe('vpc-cidr');
    expect(json.nothingCounted.sentence).toMatch(sentence);
    expect(json.nothingCounted.records).toMatchObject({ fromVpc: 0, acceptedOk: 0, exampleSource: expect.stringMatching(/^172\.31\./) });
    expect(json.nothingCounted.records.inWindow).toBe(json.nothingCounted.records.read);
    // A top list with ports has no reason, and no note.
    const counted = await auditSample('--format', 'json');
    expect(counted.stderr).toBe('');
    expect(JSON.parse(counted.stdout)).toMatchObject({ nothingCounted: null });
  });

  test('--format markdown prints a markdown table', async () => {
    const { code, stdout } = await auditSample('--format', 'markdown', '--top', '3');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^### Top 3 outbound ports/);
    expect(stdout).toContain('| # | port | protocol | connections | flows | packets | bytes | peers |');
    expect(stdout.match(/^\| \d \| /gm)).toHaveLength(3);
  });

  test('sql prints the Athena SQL of the same flags, detecting the format from --logs', async () => {
    const { code, stdout } = await cli('sql', '--logs', SAMPLE, '--vpc-cidr', SAMPLE_CIDRS, '--end', '2026-11-02T00', '--preset', 'seed');
    expect(code).toBe(0);
    const expected = buildAuditSql({
      preset: 'seed', vpcCidrs: parseCidrList(SAMPLE_CIDRS), window: windowEndingAt(new Date('2026-11-02T00:00:00Z'), 24), maxPorts: 2000,
      source: stackTableShape({ database: 'vpc_port_audit', table: 'flow_logs' }, V5_FORMAT),
    });
    expect(stdout).toBe(`${expected}\n`);
    expect(await trinoSyntaxErrors(stdout)).toEqual([]);
  });

  test('sample then audit, in a folder whose name has a quote, v2, files per hour', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'cli-')), "it's logs");
    await mkdir(out);
    const made = await cli('sample', '--out', out, '--days', '1', '--records-per-hour', '120', '--seed', '5', '--vpc-cidr', '100.64.0.0/10',
      '--end', '2026-01-01T00', '--log-format', 'v2', '--files-per-hour', '2');
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/^Wrote [\d,]+ v2 records in 48 files/);
    expect((await readdir(join(out, '2025/12/31/23'))).length).toBe(2);
    const truth = JSON.parse(await readFile(join(out, 'ground-truth.json'), 'utf8')) as GroundTruth;
    for (const preset of ['egress-ports', 'seed']) {
      // v2 cannot tell the NAT gateway's translated copies by itself: its address is given.
      const { code, stdout } = await cli('audit', '--logs', out, '--vpc-cidr', '100.64.0.0/10', '--end', '2026-01-01T00', '--preset', preset, '--format', 'json',
        '--top', '1000', '--nat-addresses', truth.natAddresses.join(','));
      expect(code).toBe(0);
      expect(portCounts(JSON.parse(stdout).ports)).toEqual((preset === 'seed' ? truth.seed : truth.egressPorts).slice(0, 1000));
    }
  });

  test('sample --log-format v8 writes headerless files that audit reads by their field count, or with --log-format v8', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'cli-v8-')), 'logs');
    const made = await cli('sample', '--out', out, '--records-per-hour', '40', '--seed', '8', '--vpc-cidr', '10.0.0.0/16', '--end', '2026-11-02T00', '--log-format', 'v8');
    expect([made.code, made.stderr]).toEqual([0, '']);
    expect(made.stdout).toMatch(/^Wrote [\d,]+ v8 records in 24 files/);
    const truth = JSON.parse(await readFile(join(out, 'ground-truth.json'), 'utf8')) as GroundTruth;
    for (const format of [[], ['--log-format', 'v8']]) {
      const { code, stdout, stderr } = await cli('audit', '--logs', out, '--vpc-cidr', '10.0.0.0/16', '--end', '2026-11-02T00', '--format', 'json', '--top', '1000', ...format);
      expect([code, stderr]).toEqual([0, '']);
      expect(portCounts(JSON.parse(stdout).ports)).toEqual(truth.egressPorts);
    }
  });

  test('sample --out refuses a folder that already holds files (their records would count with the new ones), and leaves it as it was', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'cli-again-')), 'logs');
    const args = ['sample', '--out', out, '--records-per-hour', '20', '--end', '2026-11-02T00'];
    expect((await cli(...args)).code).toBe(0);
    const truth = await readFile(join(out, 'ground-truth.json'), 'utf8');
    const files = await readdir(out, { recursive: true });
    const again = await cli(...args, '--seed', '2');
    expect([again.code, again.stdout]).toEqual([2, '']);
    expect(again.stderr).toBe(`vpc-port-audit: --out: '${out}' is not empty (it holds '2026', 'ground-truth.json'); give a new or empty folder, so that no other flow logs count with the sample's.\n`);
    expect(await readFile(join(out, 'ground-truth.json'), 'utf8')).toBe(truth);
    expect((await readdir(out, { recursive: true })).sort()).toEqual(files.sort());
  });

  test('a folder holding the sample twice (a bucket synced into two folders) exits 2 naming both copies, instead of counting twice', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cli-copies-'));
    await cp(SAMPLE, join(root, 'flow-logs'), { recursive: true });
    await cp(SAMPLE, join(root, 'flow-logs-again'), { recursive: true });
    const { code, stdout, stderr } = await cli('audit', '--logs', root, '--vpc-cidr', SAMPLE_CIDRS, '--end', '2026-11-02T00');
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toMatch(
      /^vpc-port-audit: --logs: '.*' holds two copies of the flow-log file '[^']+' \(\d+ bytes\), in 'flow-logs(-again)?\/2026\/11\/01\/00' and in 'flow-logs(-again)?\/2026\/11\/01\/00', whose records would count twice; point --logs at one copy\.\n$/,
    );
  });

  test.each([
    [['audit', '--logs', '/nonexistent', '--vpc-cidr', '10.0.0.0/16'], /--logs: '\/nonexistent' does not exist/],
    [['audit', '--logs', 'sample/flow-logs', '--vpc-cidr', "10.0.0.0/16' OR 1=1 --"], /--vpc-cidr: .* is not a CIDR block/],
    [['audit', '--logs', 'sample/flow-logs', '--vpc-cidr', '10.0.0.0/16', '--top', '1e3'], /--top: '1e3' is not a whole number/],
    [['audit', '--logs', 'sample/flow-logs', '--vpc-cidr', '10.0.0.0/16', '--log-format', 'v9'], /--log-format: 'v9' is not a log format; accepted are v2, v5, v8, or a LogFormat string/],
    [['sample', '--out', 'x', '--days', 'many'], /--days: 'many'/],
    [['audit', '--logs', 'sample/flow-logs', '--vpc-cidr', '10.0.0.0/16', '--nat-addresses', "10.0.0.1') OR 1=1"], /--nat-addresses: '10.0.0.1'\)' is not an IPv4 address/],
  ])('%j exits 2 with one sentence', async (args, message) => {
    const { code, stdout, stderr } = await cli(...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/^vpc-port-audit: [^\n]+\.\n$/);
  });

  test('--help prints the overview, audit --help the audit\'s flags; no arguments exit 2', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: vpc-port-audit COMMAND [flags]');
    const audit = await cli('audit', '--help');
    expect(audit.code).toBe(0);
    expect(audit.stdout).toContain('Usage: vpc-port-audit audit --logs DIR|s3://BUCKET/PREFIX/ [flags]');
    const none = await cli();
    expect([none.code, none.stdout, none.stderr]).toEqual([2, '', `${stdout}`]);
  });

  test('only the CLI\'s modules import DuckDB (the action bundle must not contain DuckDB)', async () => {
    const files = (await readdir(join(ROOT, 'src'), { recursive: true })).filter((f) => f.endsWith('.ts'));
    const importers = [];
    for (const file of files) {
      const text = await readFile(join(ROOT, 'src', file), 'utf8');
      if (/from '(?:\.\.?\/)+(?:engines\/)?duckdb\.js'|from '@duckdb\/node-api'/.test(text)) importers.push(file);
    }
    // The sample generator writes Parquet with DuckDB (sample-parquet.ts); the engine reads Parquet schemas with it. None of them is
    // reachable from main.ts (test/e2e checks the bundle itself).
    expect(importers.sort()).toEqual(['cli.ts', 'engines/duckdb.ts', 'engines/parquet-schema.ts', 'flowlog/sample-parquet.ts']);
  });
});
