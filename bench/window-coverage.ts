// Benchmark: what knowing the window's coverage costs the local audit of day folders (S3 delivery's default
// layout). Files named as S3 delivery names them carry their publication time, so their hours are known from the
// paths for free; files named otherwise (copied by hand, renamed) need one more scan for the hours their records
// start in (audit/window-coverage.ts). Side by side in one run: the audit of one day as S3 delivery wrote it vs
// the same files under other names, and, on one DuckDB view, the audit's SQL vs the hours-with-records SQL alone.
// Run: node lib/bench/window-coverage.js [--quick]

import { existsSync, readFileSync } from 'node:fs';
import { cp, readdir, rename, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DEFAULT_MAX_PORTS, parseCidrList } from '../src/audit/parameters.js';
import { buildAuditSql, type AuditParameters } from '../src/audit/query.js';
import { buildHoursWithRecordsSql } from '../src/audit/window-coverage.js';
import { DuckDbEngine, localViewShape, tableDdl, TRINO_FUNCTION_MACROS } from '../src/engines/duckdb.js';
import { readLocalLogs, type LocalLogs } from '../src/engines/local-files.js';
import { V5_FORMAT } from '../src/flowlog/format.js';
import { windowEndingAt } from '../src/flowlog/layout.js';
import { GROUND_TRUTH_FILE, generateSample, type GroundTruth } from '../src/flowlog/sample.js';
import { oneDaySetupLine, quick, spread, timeInterleaved, writeResults } from './support.js';

const OUT = join('bench', 'out', quick ? 'window-coverage-quick' : 'window-coverage');
const END = new Date('2026-11-02T00:00:00Z');
const WINDOW = windowEndingAt(END, 24);
/** One day of about 240,000 v5 lines (quick: 24,000), a file per 5 minutes as S3 delivery publishes them. */
const SHAPE = { days: 1, recordsPerHour: quick ? 1000 : 10_000, filesPerHour: 12, layout: 's3' as const };
const ROUNDS = quick ? 2 : 5;
const TABLE = { database: 'vpc_port_audit', table: 'flow_logs' };
const vpcCidrs = parseCidrList('10.0.0.0/16');

/** The S3 delivery copy (generated unless already there), and the same files renamed `part-N.log.gz`. */
async function datasets(): Promise<{ named: string; renamed: string; truth: GroundTruth }> {
  const named = join(OUT, 's3-named');
  const renamed = join(OUT, 'renamed');
  const truthFile = join(named, GROUND_TRUTH_FILE);
  const fresh = existsSync(truthFile) && (JSON.parse(readFileSync(truthFile, 'utf8')) as GroundTruth).records >= 24 * SHAPE.recordsPerHour;
  if (!fresh) {
    await rm(named, { recursive: true, force: true });
    await generateSample({ out: named, vpcCidrs, end: END, seed: 7, format: V5_FORMAT, ...SHAPE });
  }
  await rm(renamed, { recursive: true, force: true });
  await cp(named, renamed, { recursive: true });
  const day = join(renamed, 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/01');
  const names = (await readdir(day)).sort();
  await Promise.all(names.map((name, i) => rename(join(day, name), join(day, `part-${i}.log.gz`))));
  return { named, renamed, truth: JSON.parse(readFileSync(truthFile, 'utf8')) as GroundTruth };
}

const parameters = (logs: LocalLogs): AuditParameters => ({ preset: 'egress-ports', vpcCidrs, window: WINDOW, maxPorts: DEFAULT_MAX_PORTS, source: localViewShape(TABLE, logs) });

async function main(): Promise<void> {
  const { named, renamed, truth } = await datasets();
  const [namedLogs, renamedLogs] = await Promise.all([named, renamed].map((dir) => readLocalLogs(dir, WINDOW)));
  const audit = (logs: LocalLogs) => () => new DuckDbEngine({ logs }).runAudit(parameters(logs));
  const [a, b] = await Promise.all([audit(namedLogs!)(), audit(renamedLogs!)()]);
  if (a.hoursWithRecords !== undefined || b.hoursWithRecords?.length !== 24) throw new Error('the coverage scan ran where this benchmark does not expect it');
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  for (const statement of [...TRINO_FUNCTION_MACROS, ...tableDdl(TABLE, renamedLogs!.files)]) await connection.run(statement);
  const loadBefore = loadavg()[0]!;
  const sql = { audit: buildAuditSql(parameters(renamedLogs!)), hours: buildHoursWithRecordsSql(parameters(renamedLogs!)) };
  const t = await timeInterleaved(
    {
      named: audit(namedLogs!),
      renamed: audit(renamedLogs!),
      auditSql: () => connection.run(sql.audit),
      hoursSql: () => connection.run(sql.hours),
    },
    ROUNDS,
  );
  connection.closeSync();
  const ratio = (x: number, y: number) => `${(x / y).toFixed(2)}x`;
  await writeResults(
    'window-coverage',
    [
      '## window-coverage',
      '',
      oneDaySetupLine(truth, ROUNDS, loadBefore),
      '',
      '| what | median (min-max) | vs S3-named audit |',
      '| --- | ---: | ---: |',
      `| audit, files named as S3 delivery names them (hours from the names) | ${spread(t.named)} | 1.00x |`,
      `| audit, the same files named part-N.log.gz (one more scan for the records' hours) | ${spread(t.renamed)} | ${ratio(t.renamed.median, t.named.median)} |`,
      `| the audit's SQL alone, on one view | ${spread(t.auditSql)} | ${ratio(t.auditSql.median, t.named.median)} |`,
      `| the hours-with-records SQL alone, on the same view | ${spread(t.hoursSql)} | ${ratio(t.hoursSql.median, t.named.median)} |`,
      '',
      `Coverage from S3 delivery's names costs no read; from the records it costs ${ratio(t.hoursSql.median, t.auditSql.median)} of the audit's own query.`,
    ].join('\n'),
  );
}

await main();
