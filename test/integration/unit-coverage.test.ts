// Coverage per audit unit (audit/unit-coverage.ts) run for real by DuckDB over a Control Tower style hub bucket
// made here: S3 delivery's default layout `AWSLogs/ACCOUNT/vpcflowlogs/REGION/YYYY/MM/DD/`, file names
// `ACCOUNT_vpcflowlogs_REGION_FLOWLOGID_YYYYMMDDTHHmmZ_HASH.log.gz`, each file led by its header line in the default
// v2 format (Amazon VPC user guide, "Flow log files" and "Flow log records",
// https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-path.html). Two accounts on the same CIDR, one whose
// flow log records REJECT only (the built CLI as a process: named on stderr and in the JSON's coverage, the other
// account's ports right); an inventory VPC with no record; and the same SQL through the Trino grammar.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseCidrList } from '../../src/audit/parameters.js';
import type { AuditParameters } from '../../src/audit/query.js';
import { stackTableShape } from '../../src/audit/table-shape.js';
import { glueTableShape } from '../../src/audit/glue-table.js';
import { buildUnitCoverageSql, describeUnitCoverage, NO_FLOWS_REASON, readUnitCoverage, REJECT_ONLY_REASON } from '../../src/audit/unit-coverage.js';
import type { InventoryVpc } from '../../src/audit/audit-unit.js';
import { DuckDbEngine, localViewShape } from '../../src/engines/duckdb.js';
import { readLocalLogs } from '../../src/engines/local-files.js';
import { V5_FORMAT } from '../../src/flowlog/format.js';
import { windowEndingAt } from '../../src/flowlog/layout.js';
import { renderCoverage } from '../../src/report/coverage.js';
import { DOCUMENTED_TABLES } from '../support/glue-tables.js';
import { trinoSyntaxErrors } from '../support/trino-grammar.js';
import { buildCli, cli, portCounts, type PortCounts } from '../support/cli-process.js';

const TABLE = { database: 'vpc_port_audit', table: 'flow_logs' };
const END = new Date('2026-11-02T00:00:00Z');
const WINDOW = windowEndingAt(END, 24);
const V2_HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const AUDITED = '111122223333';
const REJECT_ONLY = '444455556666';
const REGION = 'eu-west-1';

/** A v2 record of `account` starting `minutes` after 2026-11-01T10:00Z. */
const v2 = (account: string, src: string, dst: string, srcport: number, dstport: number, action: 'ACCEPT' | 'REJECT', minutes = 0) => {
  const start = Date.parse('2026-11-01T10:00:00Z') / 1000 + minutes * 60;
  return `2 ${account} eni-0a1b2c3d4e5f6${account.slice(0, 4)} ${src} ${dst} ${srcport} ${dstport} 6 10 840 ${start} ${start + 60} ${action} OK`;
};
const NODATA = (account: string) => `2 ${account} eni-0a1b2c3d4e5f60000 - - - - - - - 1793527200 1793527260 - NODATA`;

/** Writes one gzip file per entry of `files` (its time, its records) under the account's day folder of 2026-11-01. */
async function writeAccount(root: string, account: string, files: readonly (readonly string[])[]): Promise<void> {
  const folder = join(root, 'AWSLogs', account, 'vpcflowlogs', REGION, '2026/11/01');
  await mkdir(folder, { recursive: true });
  for (const [i, lines] of files.entries()) {
    const name = `${account}_vpcflowlogs_${REGION}_fl-0123456789abcdef${i}_20261101T10${String(i * 5).padStart(2, '0')}Z_0a1b2c3d.log.gz`;
    await writeFile(join(folder, name), gzipSync(`${[V2_HEADER, ...lines].join('\n')}\n`));
  }
}

/** A hub bucket: the audited account (ACCEPT and REJECT, 2 files) and a REJECT-only one (2 files and a NODATA), both 10.0.0.0/16. */
async function hubBucket(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hub-bucket-'));
  await writeAccount(root, AUDITED, [
    [v2(AUDITED, '10.0.1.20', '198.51.100.20', 41000, 443, 'ACCEPT'), v2(AUDITED, '198.51.100.20', '10.0.1.20', 443, 41000, 'ACCEPT')],
    [v2(AUDITED, '10.0.1.21', '198.51.100.21', 41001, 443, 'ACCEPT', 5), v2(AUDITED, '203.0.113.7', '10.0.1.21', 50000, 22, 'REJECT', 6)],
  ]);
  await writeAccount(root, REJECT_ONLY, [
    [v2(REJECT_ONLY, '203.0.113.9', '10.0.2.5', 51000, 22, 'REJECT'), v2(REJECT_ONLY, '10.0.2.5', '192.0.2.25', 42000, 25, 'REJECT', 1)],
    [v2(REJECT_ONLY, '203.0.113.9', '10.0.2.5', 51001, 3389, 'REJECT', 7), NODATA(REJECT_ONLY)],
  ]);
  return root;
}

const parameters = (source: AuditParameters['source']): AuditParameters => ({ preset: 'egress-ports', vpcCidrs: parseCidrList('10.0.0.0/16'), window: WINDOW, maxPorts: 10, source });

async function coverageOf(root: string, inventory: readonly InventoryVpc[] = []) {
  const logs = await readLocalLogs(root, WINDOW);
  return new DuckDbEngine({ logs }).runCoverage(parameters(localViewShape(TABLE, logs)), inventory);
}

describe('coverage per account and VPC of a v2 hub bucket', () => {
  test('the REJECT-only account is not auditable; the other is, with its records, files and version', async () => {
    const { units } = await coverageOf(await hubBucket());
    expect(units).toEqual([
      { unit: { account: AUDITED, region: REGION, vpcId: null }, records: 4, files: 2, formats: ['v2'], acceptRecords: 3, rejectRecords: 1, auditable: true, reason: null },
      { unit: { account: REJECT_ONLY, region: REGION, vpcId: null }, records: 4, files: 2, formats: ['v2'], acceptRecords: 0, rejectRecords: 3, auditable: false, reason: REJECT_ONLY_REASON },
    ]);
    expect(describeUnitCoverage(units[1]!)).toBe(
      'account 444455556666 in eu-west-1 (VPC unknown) cannot be audited for outbound ports: its flow log records REJECT only (3 REJECT records in 2 files, no ACCEPT): ' +
        'its ports are not in this audit; give it a flow log with TrafficType ALL (or ACCEPT) to audit it.',
    );
    expect(describeUnitCoverage(units[0]!)).toBeUndefined();
  });

  test('an inventory attributes the v2 records to VPCs by CIDR, and lists a VPC with no record in the window', async () => {
    const inventory: InventoryVpc[] = [
      { account: AUDITED, region: REGION, vpcId: 'vpc-0a1b2c3d4e5f60001', cidrs: parseCidrList('10.0.0.0/16') },
      { account: REJECT_ONLY, region: REGION, vpcId: 'vpc-0a1b2c3d4e5f60002', cidrs: parseCidrList('10.0.0.0/16') },
      { account: AUDITED, region: 'us-east-1', vpcId: 'vpc-0a1b2c3d4e5f60003', cidrs: parseCidrList('10.1.0.0/16') },
    ];
    const { units } = await coverageOf(await hubBucket(), inventory);
    const brief = units.map((c) => [c.unit.account, c.unit.region, c.unit.vpcId, c.records, c.auditable, c.reason]);
    expect(brief).toEqual([
      [AUDITED, REGION, 'vpc-0a1b2c3d4e5f60001', 4, true, null],
      [AUDITED, 'us-east-1', 'vpc-0a1b2c3d4e5f60003', 0, false, 'no records in the window'],
      // The NODATA record has no address, so no VPC: its account and Region have one, whose idle interval it is (not a unit).
      [REJECT_ONLY, REGION, 'vpc-0a1b2c3d4e5f60002', 3, false, REJECT_ONLY_REASON],
    ]);
  });

  test('the job summary section names the units that cannot be audited first', async () => {
    const { units } = await coverageOf(await hubBucket());
    const markdown = renderCoverage(units);
    expect(markdown).toContain('**1 of 2 accounts/VPCs cannot be audited for outbound ports**');
    const rows = markdown.split('\n').filter((l) => l.startsWith('| account'));
    expect(rows).toEqual([
      '| account 444455556666 in eu-west-1 \\(VPC unknown\\) | 4 | 2 | v2 | 0 | 3 | **no**: cannot be audited for outbound ports: its flow log records REJECT only |',
      '| account 111122223333 in eu-west-1 \\(VPC unknown\\) | 4 | 2 | v2 | 3 | 1 | yes |',
    ]);
    expect(renderCoverage([])).toBe('');
  });
});

describe('the coverage SQL is Trino SQL', () => {
  const inventory: InventoryVpc[] = [{ account: AUDITED, region: REGION, vpcId: 'vpc-0a1b2c3d4e5f60001', cidrs: parseCidrList('10.0.0.0/16,2600:1f18:47b:a900::/56') }];

  test.each(DOCUMENTED_TABLES.map((t) => [t.name, t] as const))('%s', async (_name, documented) => {
    const ref = { database: documented.definition.DatabaseName!, table: documented.definition.Name! };
    const source = glueTableShape(ref, documented.definition);
    expect(await trinoSyntaxErrors(buildUnitCoverageSql(parameters(source)))).toEqual([]);
    expect(await trinoSyntaxErrors(buildUnitCoverageSql(parameters(source), inventory))).toEqual([]);
  });

  test("this stack's table: the record's own account, Region and VPC first, the AWSLogs path where they are NULL", async () => {
    const sql = buildUnitCoverageSql(parameters(stackTableShape(TABLE, V5_FORMAT)));
    expect(sql).toContain(`coalesce(account_id, nullif(regexp_extract("$path", `);
    expect(sql).toContain('count(DISTINCT "$path") AS files');
    expect(await trinoSyntaxErrors(sql)).toEqual([]);
  });
});

describe('the built CLI over the hub bucket', () => {
  beforeAll(buildCli);

  test('the REJECT-only account is named on stderr and in the JSON coverage; the ports are the other account\'s', async () => {
    const root = await hubBucket();
    const run = await cli(['audit', '--logs', root, '--vpc-cidr', '10.0.0.0/16', '--end', '2026-11-02T00', '--lookback-hours', '24', '--format', 'json']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'warning: account 444455556666 in eu-west-1 (VPC unknown) cannot be audited for outbound ports: its flow log records REJECT only (3 REJECT records in 2 files, no ACCEPT)',
    );
    expect(run.stderr).not.toContain('111122223333');
    const json = JSON.parse(run.stdout) as { ports: PortCounts[]; coverage: unknown[] };
    // 10.0.1.20 and 10.0.1.21 of the audited account opened 443 to two peers; the REJECTed port 25 of the other is not counted.
    expect(portCounts(json.ports)).toEqual([{ port: 443, protocol: 6, connections: 2, flows: 2, packets: 20, bytes: 1680, peers: 2 }]);
    expect(json.coverage).toEqual([
      { account: AUDITED, region: REGION, vpcId: null, records: 4, files: 2, formats: ['v2'], acceptRecords: 3, rejectRecords: 1, auditable: true, reason: null },
      { account: REJECT_ONLY, region: REGION, vpcId: null, records: 4, files: 2, formats: ['v2'], acceptRecords: 0, rejectRecords: 3, auditable: false, reason: REJECT_ONLY_REASON },
    ]);
  });

  test('audited alone, the REJECT-only account says so instead of blaming security groups, and fails a gate', async () => {
    const root = await hubBucket();
    const alone = join(root, 'AWSLogs', REJECT_ONLY);
    const args = ['audit', '--logs', alone, '--vpc-cidr', '10.0.0.0/16', '--end', '2026-11-02T00', '--lookback-hours', '24'];
    const run = await cli(args);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('warning: nothing counted: the VPC cannot be audited for outbound ports: its flow log records REJECT only');
    expect(run.stderr).not.toMatch(/security groups/);
    const gate = await cli([...args, '--allowlist', 'sample/outbound-ports.yml', '--fail-on-unexplained']);
    expect(gate.code).toBe(2);
    expect(gate.stderr).toMatch(/its flow log records REJECT only .*: with --fail-on-unexplained an audit that counted nothing of the VPC is an error, not a pass\.\n$/);
  });
});

describe('readUnitCoverage', () => {
  const row = (vpc: string | null, accept: number, reject: number, records = accept + reject) => ({
    account_id: '777788889999', region: 'us-east-1', vpc_id: vpc, records, files: 1, accept_records: accept, reject_records: reject, version_2: records,
  });

  test("NODATA-only records of an account whose VPCs are known are those VPCs' idle intervals, not an unauditable unit", () => {
    const units = readUnitCoverage([row('vpc-0000000c', 20, 3), row(null, 0, 0, 53)]);
    expect(units.map((c) => [c.unit.vpcId, c.auditable])).toEqual([['vpc-0000000c', true]]);
    // Alone in its account and Region, the same row is named (nothing else accounts for it).
    expect(readUnitCoverage([row(null, 0, 0, 53)]).map((c) => c.reason)).toEqual([NO_FLOWS_REASON]);
  });
});
