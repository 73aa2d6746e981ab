// Benchmark: what knowing the window's coverage costs the local audit of day folders (S3 delivery's default
// layout). Files named as S3 delivery names them carry their publication time, so their hours are known from the
// paths for free; files named otherwise (copied by hand, renamed) need one more scan for the hours their records
// start in (audit/window-coverage.ts). Side by side in one run: the audit of one day as S3 delivery wrote it vs
// the same files under other names, and, on one DuckDB view, the audit's SQL vs the hours-with-records SQL alone.
// Run: node lib/bench/window-coverage.js [--quick]

import { cp, readdir, rename, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { buildAuditSql } from '../src/audit/query.js';
import { buildHoursWithRecordsSql } from '../src/audit/window-coverage.js';
import { DuckDbEngine, tableDdl, TRINO_FUNCTION_MACROS } from '../src/engines/duckdb.js';
import { readLocalLogs, type LocalLogs } from '../src/engines/local-files.js';
import type { GroundTruth } from '../src/flowlog/sample.js';
import { oneDayParameters, oneDayS3Dataset, ROUNDS, TABLE, WINDOW } from './one-day-s3.js';
import { oneDaySetupLine, quick, spread, timeInterleaved, writeResults } from './support.js';

const OUT = join('bench', 'out', quick ? 'window-coverage-quick' : 'window-coverage');

/** The S3 delivery copy (generated unless already there), and the same files renamed `part-N.log.gz`. */
async function datasets(): Promise<{ named: string; renamed: string; truth: GroundTruth }> {
  const named = join(OUT, 's3-named');
  const renamed = join(OUT, 'renamed');
  const truth = await oneDayS3Dataset(named);
  await rm(renamed, { recursive: true, force: true });
  await cp(named, renamed, { recursive: true });
  const day = join(renamed, 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/01');
  const names = (await readdir(day)).sort();
  await Promise.all(names.map((name, i) => rename(join(day, name), join(day, `part-${i}.log.gz`))));
  return { named, renamed, truth };
}


async function main(): Promise<void> {
  const { named, renamed, truth } = await datasets();
  const [namedLogs, renamedLogs] = await Promise.all([named, renamed].map((dir) => readLocalLogs(dir, WINDOW)));
  const audit = (logs: LocalLogs) => () => new DuckDbEngine({ logs }).runAudit(oneDayParameters(logs));
  const [a, b] = await Promise.all([audit(namedLogs!)(), audit(renamedLogs!)()]);
  if (a.hoursWithRecords !== undefined || b.hoursWithRecords?.length !== 24) throw new Error('the coverage scan ran where this benchmark does not expect it');
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  for (const statement of [...TRINO_FUNCTION_MACROS, ...tableDdl(TABLE, renamedLogs!.files)]) await connection.run(statement);
  const loadBefore = loadavg()[0]!;
  const sql = { audit: buildAuditSql(oneDayParameters(renamedLogs!)), hours: buildHoursWithRecordsSql(oneDayParameters(renamedLogs!)) };
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
