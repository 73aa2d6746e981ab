// An empty top list says why: DuckDB runs the audit over flow-log files on disk and, only when it counts nothing,
// the one follow-up query of audit/empty-audit.ts; each way of counting nothing (no records, none in the window,
// only NODATA/SKIPDATA, a REJECT-only flow log, another VPC's CIDR, nothing accepted, nothing leaving the VPC) gives its own sentence.
// The follow-up SQL also passes the Trino grammar for every documented table shape.
import { describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildRecordCountsSql, explainEmptyAudit } from '../../src/audit/empty-audit.js';
import { glueTableShape } from '../../src/audit/glue-table.js';
import { parseCidrList } from '../../src/audit/parameters.js';
import type { AuditParameters } from '../../src/audit/query.js';
import { stackTableShape } from '../../src/audit/table-shape.js';
import { DuckDbEngine, localViewShape } from '../../src/engines/duckdb.js';
import { readLocalLogs } from '../../src/engines/local-files.js';
import { V5_FORMAT } from '../../src/flowlog/format.js';
import { windowEndingAt, type HourWindow } from '../../src/flowlog/layout.js';
import { DOCUMENTED_TABLES } from '../support/glue-tables.js';
import { trinoSyntaxErrors } from '../support/trino-grammar.js';

const TABLE = { database: 'vpc_port_audit', table: 'flow_logs' };
const END = new Date('2026-11-02T00:00:00Z');
const WINDOW = windowEndingAt(END, 1);
const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const START = END.getTime() / 1000 - 1800;
const ENI = '123456789012 eni-0a1b2c3d4e5f60001';
/** A v2 record of the window (start 23:30). */
const record = (src: string, dst: string, srcport: number, dstport: number, action = 'ACCEPT', start = START) =>
  `2 ${ENI} ${src} ${dst} ${srcport} ${dstport} 6 10 900 ${start} ${start + 60} ${action} OK`;
const NODATA = `2 ${ENI} - - - - - - - ${START} ${START + 60} - NODATA`;
const SKIPDATA = `2 ${ENI} - - - - - - - ${START} ${START + 60} - SKIPDATA`;

/** One S3-delivered file (header line first) in the hour folder of 23:00, or in the day folder with `daily`. */
async function logsOf(lines: readonly string[], daily = false): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'empty-audit-'));
  const folder = join(root, 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/01', daily ? '' : '23');
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, '123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261101T2330Z_0a1b2c3d.log.gz'), gzipSync(`${[HEADER, ...lines].join('\n')}\n`));
  return root;
}

/** The egress audit of 10.0.0.0/16 over `dir` for `window` through the local view, as the CLI runs it. */
async function audit(dir: string, window: HourWindow = WINDOW) {
  const logs = await readLocalLogs(dir, window);
  const parameters: AuditParameters = { preset: 'egress-ports', vpcCidrs: parseCidrList('10.0.0.0/16'), window, maxPorts: 10, source: localViewShape(TABLE, logs) };
  const result = await new DuckDbEngine({ logs }).runAudit(parameters);
  return { result, empty: result.recordCounts && explainEmptyAudit(result.recordCounts, parameters) };
}

describe('an audit that counts nothing says why', () => {
  test('a counted port: no follow-up query, no record counts', async () => {
    const { result, empty } = await audit(await logsOf([record('10.0.1.20', '198.51.100.20', 41000, 443)]));
    expect(result.rows.map((r) => r.port)).toEqual([443]);
    expect(result.recordCounts).toBeUndefined();
    expect(empty).toBeUndefined();
  });

  test('records of another VPC: --vpc-cidr, with a private source as the example, not the lower public one', async () => {
    const lines = [record('172.31.0.10', '198.51.100.20', 41000, 443), record('100.20.0.1', '172.31.0.10', 443, 41000), NODATA];
    const { result, empty } = await audit(await logsOf(lines));
    expect(result.rows).toEqual([]);
    expect(empty!.reason).toBe('vpc-cidr');
    expect(empty!.counts).toEqual({ read: 3, inWindow: 3, acceptInWindow: 2, rejectInWindow: 0, fromVpc: 0, acceptedOk: 0, skipData: 0, noData: 1, exampleSource: '172.31.0.10', firstStart: START, lastStart: START });
    expect(empty!.sentence).toBe('--vpc-cidr: none of the 3 records in the window comes from 10.0.0.0/16 (their sources include 172.31.0.10); check --vpc-cidr.');
  });

  test('a day folder whose records all start before the window: none in the window, with when they start', async () => {
    const early = END.getTime() / 1000 - 13 * 3600;
    const { empty } = await audit(await logsOf([record('10.0.1.20', '198.51.100.20', 41000, 443, 'ACCEPT', early), record('10.0.1.21', '198.51.100.20', 41001, 443, 'ACCEPT', early + 300)], true));
    expect(empty!.reason).toBe('outside-window');
    expect(empty!.counts).toMatchObject({ read: 2, inWindow: 0 });
    expect(empty!.sentence).toBe(
      'no record in the window: the files read hold 2 records, starting 2026-11-01T11:00Z to 2026-11-01T11:05Z, none starting between ' +
        '2026-11-01T23:00Z and 2026-11-02T00:00Z; check --end and --lookback-hours.',
    );
  });

  test.each([
    ['only SKIPDATA', [SKIPDATA, SKIPDATA], 'all 2 records in the window are SKIPDATA, which carry no flows: SKIPDATA means AWS skipped the interval\'s records (an internal capacity constraint or error) (Amazon VPC user guide, log-status).'],
    ['SKIPDATA and NODATA', [SKIPDATA, NODATA, NODATA], 'all 3 records in the window are SKIPDATA or NODATA (1 SKIPDATA, 2 NODATA), which carry no flows: SKIPDATA means AWS skipped the interval\'s records (an internal capacity constraint or error); NODATA means the network interface had no traffic in the aggregation interval (Amazon VPC user guide, log-status).'],
  ])('%s: the log-status, with what AWS says it means', async (_name, lines, sentence) => {
    const { empty } = await audit(await logsOf(lines));
    expect(empty!.reason).toBe('no-data');
    expect(empty!.sentence).toBe(sentence);
  });

  test.each([
    ['a file of only its header line', [], 'no-records', /^no records: the files read for the window hold no flow-log records/],
    [
      'only REJECTed records from the VPC, in a flow log that records ACCEPT too',
      [record('10.0.1.20', '198.51.100.20', 41000, 443, 'REJECT'), record('172.31.0.10', '198.51.100.20', 41000, 443)],
      'not-accepted',
      /^none of the 1 record from 10\.0\.0\.0\/16 in the window is ACCEPT with log-status OK/,
    ],
    ['accepted records that stay inside the VPC', [record('10.0.1.20', '10.0.2.30', 41000, 5432)], 'no-outbound', /^the 1 record accepted from 10\.0\.0\.0\/16 in the window goes to addresses inside it or answers connections opened from outside: the VPC opened no connection out of its CIDRs\.$/],
  ])('%s', async (_name, lines, reason, sentence) => {
    const { empty } = await audit(await logsOf(lines));
    expect(empty!.reason).toBe(reason);
    expect(empty!.sentence).toMatch(sentence);
  });

  test('a flow log that records REJECT only: it cannot be audited, and the security groups are not blamed', async () => {
    const lines = [record('10.0.1.20', '198.51.100.20', 41000, 443, 'REJECT'), record('203.0.113.9', '10.0.1.20', 51000, 22, 'REJECT'), NODATA];
    const { empty } = await audit(await logsOf(lines));
    expect(empty!.reason).toBe('reject-only');
    expect(empty!.counts).toMatchObject({ inWindow: 3, acceptInWindow: 0, rejectInWindow: 2, fromVpc: 1, acceptedOk: 0 });
    expect(empty!.sentence).toBe(
      'the VPC cannot be audited for outbound ports: its flow log records REJECT only (the 2 records with a flow in the window are all REJECT, none ACCEPT), ' +
        'so it shows no connection the VPC made; give the VPC a flow log with TrafficType ALL (or ACCEPT).',
    );
    expect(empty!.sentence).not.toMatch(/security group/);
  });
});

describe('the follow-up SQL is Trino SQL', () => {
  const parameters = (source: AuditParameters['source']): AuditParameters => ({ preset: 'egress-ports', vpcCidrs: parseCidrList('10.0.0.0/16,2600:1f18:47b:a900::/56'), window: WINDOW, maxPorts: 10, source });

  test.each(DOCUMENTED_TABLES.map((t) => [t.name, t] as const))('%s', async (_name, documented) => {
    const ref = { database: documented.definition.DatabaseName!, table: documented.definition.Name! };
    expect(await trinoSyntaxErrors(buildRecordCountsSql(parameters(glueTableShape(ref, documented.definition))))).toEqual([]);
  });

  test('this stack\'s table', async () => {
    const sql = buildRecordCountsSql(parameters(stackTableShape(TABLE, V5_FORMAT)));
    expect(sql).toContain(`count_if(dt BETWEEN '2026/11/01/23' AND '2026/11/01/23' AND log_status = 'SKIPDATA') AS skipdata`);
    expect(await trinoSyntaxErrors(sql)).toEqual([]);
  });
});
