// Benchmark: what the daily audit costs in Athena on 30 days of generated v5 flow logs, for the original
// recipe's table (no partitions: every query reads every object) vs this stack's projected table (only the
// window's 24 hour folders), as bytes per query and dollars per month at one audit a day; and both queries
// timed side by side in DuckDB. Run: node lib/bench/athena-scan.js [--quick]

import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseCidrList } from '../src/audit/parameters.js';
import { buildAuditSql, type AuditParameters } from '../src/audit/query.js';
import { stackTableShape } from '../src/audit/table-shape.js';
import { athenaCostUsd, MINIMUM_BILLED_BYTES, PRICE_PER_TB_USD } from '../src/engines/athena.js';
import { DuckDbEngine, tableDdl, TRINO_FUNCTION_MACROS } from '../src/engines/duckdb.js';
import { readLocalLogs, type LocalLogFile } from '../src/engines/local-files.js';
import { V5_FORMAT } from '../src/flowlog/format.js';
import { windowEndingAt, type HourWindow } from '../src/flowlog/layout.js';
import { GROUND_TRUTH_FILE, generateSample, type GroundTruth } from '../src/flowlog/sample.js';
import { gunzippedSize, machine, quick, spread, timeRuns, writeResults, type Summary } from './support.js';

const DAYS = quick ? 3 : 30;
/** About 333,000 v5 lines (about 11 MB gzip) a day: just above Athena's 10 MB minimum for the 24-hour query. */
const RECORDS_PER_HOUR = quick ? 500 : 13_889;
const FILES_PER_HOUR = 4;
const END = new Date('2026-11-02T00:00:00Z');
const AUDITS_PER_MONTH = 30;
const PROJECTED_RUNS = quick ? 2 : 5;
const UNPARTITIONED_RUNS = quick ? 1 : 3;
const DIR = join('bench', 'out', quick ? 'athena-scan-quick' : 'athena-scan', 'month');
/** Figures bench/run-all.ts uses for the scale table. */
const FIGURES = join(DIR, '..', 'athena-scan.json');

const vpcCidrs = parseCidrList('10.0.0.0/16');
const daily: AuditParameters = {
  preset: 'egress-ports',
  vpcCidrs,
  window: windowEndingAt(END, 24),
  maxPorts: 10,
  source: stackTableShape({ database: 'vpc_port_audit', table: 'flow_logs' }, V5_FORMAT),
};

async function dataset(): Promise<GroundTruth> {
  const truthFile = join(DIR, GROUND_TRUTH_FILE);
  if (existsSync(truthFile)) {
    const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as GroundTruth;
    if (truth.files === DAYS * 24 * FILES_PER_HOUR && truth.records >= DAYS * 24 * RECORDS_PER_HOUR) return truth;
  }
  const started = performance.now();
  const truth = await generateSample({ out: DIR, vpcCidrs, end: END, seed: 42, format: V5_FORMAT, days: DAYS, recordsPerHour: RECORDS_PER_HOUR, filesPerHour: FILES_PER_HOUR });
  console.error(`generated ${truth.records} lines in ${DIR} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  return truth;
}

/**
 * The same audit on the recipe's table: it has no partition column, so the window can only be a row filter on
 * the flow's `start` (epoch seconds), and every file is read. Replaces the SQL's partition term with that filter.
 */
function withoutPartitions(sql: string, window: HourWindow): string {
  const term = /\bdt BETWEEN '[^']*' AND '[^']*'/;
  if (!term.test(sql)) throw new Error('the audit SQL has no dt window term to replace');
  return sql.replace(term, `"start" >= ${window.start.getTime() / 1000} AND "start" < ${window.end.getTime() / 1000}`);
}

/** Runs `sql` in DuckDB over `files` exposed as the audit's table; returns the rows as port/protocol/flows. */
async function runOnFiles(sql: string, files: readonly LocalLogFile[]): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const statement of [...TRINO_FUNCTION_MACROS, ...tableDdl(daily.source.table, files)]) await connection.run(statement);
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((r) => `${r.port}/${r.protocol}:${r.flows}`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const usd = (value: number) => `$${value < 0.01 ? value.toFixed(5) : value.toFixed(2)}`;

async function main(): Promise<void> {
  const truth = await dataset();
  const all = await readLocalLogs(DIR, windowEndingAt(END, DAYS * 24));
  const allBytes = all.files.reduce((sum, f) => sum + f.size, 0);
  const windowFiles = (await readLocalLogs(DIR, daily.window)).files;
  const raw = await gunzippedSize(windowFiles.map((f) => f.path));

  const engine = new DuckDbEngine({ logsDir: DIR });
  const projectedResult = await engine.runAudit(daily);
  const projectedBytes = projectedResult.statistics.bytesScanned;
  const unpartitionedSql = withoutPartitions(buildAuditSql(daily), daily.window);
  const projectedRows = projectedResult.rows.map((r) => `${r.port}/${r.protocol}:${r.flows}`);
  const unpartitionedRows = await runOnFiles(unpartitionedSql, all.files);

  const projectedTime: Summary = await timeRuns(PROJECTED_RUNS, () => engine.runAudit(daily), 1);
  console.error(`projected: ${spread(projectedTime)}`);
  const unpartitionedTime: Summary = await timeRuns(UNPARTITIONED_RUNS, () => runOnFiles(unpartitionedSql, all.files));
  console.error(`unpartitioned: ${spread(unpartitionedTime)}`);

  const cost = { projected: athenaCostUsd(projectedBytes), unpartitioned: athenaCostUsd(allBytes) };
  const byteRatio = allBytes / projectedBytes;
  const costRatio = cost.unpartitioned / cost.projected;
  const gzipRatio = raw.bytes / projectedBytes;
  const perDay = allBytes / DAYS;
  const sameRows = projectedRows.join() === unpartitionedRows.join();
  const figures = {
    days: DAYS,
    bytesPerLine: raw.bytes / raw.lines,
    gzipRatio,
    projectedBytes,
    unpartitionedBytes: allBytes,
    duckdbProjectedMs: projectedTime.median,
    duckdbUnpartitionedMs: unpartitionedTime.median,
    duckdbMBps: allBytes / 2 ** 20 / (unpartitionedTime.median / 1000),
    costRatio,
  };
  await writeFile(FIGURES, JSON.stringify(figures, null, 2));

  const text = [
    `## Athena scan cost of the daily audit (\`bench/athena-scan.ts\`)${quick ? ' (quick run: tiny sizes, numbers mean nothing)' : ''}`,
    '',
    `Machine: ${machine()}. Dataset: the sample generator, ${DAYS} days of v5 lines (VPC 10.0.0.0/16, seed 42), ` +
      `${truth.records.toLocaleString('en-US')} lines in ${all.files.length} gzip objects, ${mb(allBytes)} MiB: ` +
      `about ${Math.round(truth.records / DAYS).toLocaleString('en-US')} lines and ${mb(perDay)} MiB a day. ` +
      `The window's day: ${raw.lines.toLocaleString('en-US')} lines, ${(raw.bytes / raw.lines).toFixed(1)} bytes a line, ` +
      `${mb(raw.bytes)} MiB raw, gzip ratio ${gzipRatio.toFixed(2)}.`,
    '',
    `Bytes a query reads = the compressed bytes of the objects it must open (Athena bills gzip text by compressed bytes read). ` +
      `Cost = athenaCostUsd: $${PRICE_PER_TB_USD}/TB, whole MB, ${MINIMUM_BILLED_BYTES / 2 ** 20} MB minimum; ${AUDITS_PER_MONTH} daily audits a month.`,
    '',
    '| table | objects read | MiB per query | $ per query | $ per month | DuckDB time, median (min-max) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    `| the recipe's table (no partitions; window only as a row filter on \`start\`) | ${all.files.length} | ${mb(allBytes)} | ${usd(cost.unpartitioned)} | ` +
      `${usd(cost.unpartitioned * AUDITS_PER_MONTH)} | ${spread(unpartitionedTime)} (${unpartitionedTime.runs} run${unpartitionedTime.runs === 1 ? "" : "s"}) |`,
    `| this stack's projected table (the window's 24 hour folders) | ${windowFiles.length} | ${mb(projectedBytes)} | ${usd(cost.projected)} | ` +
      `${usd(cost.projected * AUDITS_PER_MONTH)} | ${spread(projectedTime)} (${projectedTime.runs} runs after 1 warm-up) |`,
    '',
    `- Bytes per query: ${byteRatio.toFixed(1)}x less with the projected table; dollars: ${costRatio.toFixed(1)}x less ` +
      `(target at least 25x: ${costRatio >= 25 ? 'met' : `missed by ${(25 / costRatio).toFixed(2)}x`}). ` +
      `DuckDB time: ${(unpartitionedTime.median / projectedTime.median).toFixed(1)}x less.`,
    `- Both queries return the same top list: ${sameRows ? 'yes' : `no (projected ${projectedRows.slice(0, 3).join(', ')}; unpartitioned ${unpartitionedRows.slice(0, 3).join(', ')})`}.`,
    `- The ratio is the number of days kept: the unpartitioned query reads every day in the bucket, the projected one the same 24 hours. ` +
      `With the stack's default S3 expiration of 90 days it would be about ${((byteRatio * 90) / DAYS).toFixed(0)}x; with no expiration (the recipe sets none) it grows every day.`,
    `- Below ${MINIMUM_BILLED_BYTES / 2 ** 20} MB a day the projected query is billed the minimum ($${athenaCostUsd(0).toFixed(6)}), so the dollar ratio is smaller than the byte ratio for small VPCs.`,
    '',
  ].join('\n');
  await writeResults('athena-scan', text);
}

await main();
