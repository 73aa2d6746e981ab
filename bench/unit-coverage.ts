// Benchmark: what the coverage per account and VPC (audit/unit-coverage.ts) costs the local audit. Every audit
// runs its one grouped coverage query after the audit query, over the same files. Side by side in one run, on one
// day of S3 delivery's daily layout: the audit alone vs the audit plus its coverage (as the CLI runs them), and,
// on one DuckDB view, the audit's SQL vs the coverage SQL alone.
// Run: node lib/bench/unit-coverage.js [--quick]

import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DEFAULT_MAX_PORTS, parseCidrList } from '../src/audit/parameters.js';
import { buildAuditSql, type AuditParameters } from '../src/audit/query.js';
import { buildUnitCoverageSql } from '../src/audit/unit-coverage.js';
import { DuckDbEngine, localViewShape, tableDdl, TRINO_FUNCTION_MACROS } from '../src/engines/duckdb.js';
import { readLocalLogs, type LocalLogs } from '../src/engines/local-files.js';
import { V5_FORMAT } from '../src/flowlog/format.js';
import { windowEndingAt } from '../src/flowlog/layout.js';
import { GROUND_TRUTH_FILE, generateSample, type GroundTruth } from '../src/flowlog/sample.js';
import { oneDaySetupLine, quick, spread, timeInterleaved, writeResults } from './support.js';

const OUT = join('bench', 'out', quick ? 'unit-coverage-quick' : 'unit-coverage');
const END = new Date('2026-11-02T00:00:00Z');
const WINDOW = windowEndingAt(END, 24);
/** One day of about 240,000 v5 lines (quick: 24,000), a file per 5 minutes as S3 delivery publishes them. */
const SHAPE = { days: 1, recordsPerHour: quick ? 1000 : 10_000, filesPerHour: 12, layout: 's3' as const };
const ROUNDS = quick ? 2 : 5;
const TABLE = { database: 'vpc_port_audit', table: 'flow_logs' };
const vpcCidrs = parseCidrList('10.0.0.0/16');

/** The day's files (generated unless already there) and their ground truth. */
async function dataset(): Promise<{ dir: string; truth: GroundTruth }> {
  const dir = join(OUT, 's3-daily');
  const truthFile = join(dir, GROUND_TRUTH_FILE);
  const fresh = existsSync(truthFile) && (JSON.parse(readFileSync(truthFile, 'utf8')) as GroundTruth).records >= 24 * SHAPE.recordsPerHour;
  if (!fresh) {
    await rm(dir, { recursive: true, force: true });
    await generateSample({ out: dir, vpcCidrs, end: END, seed: 7, format: V5_FORMAT, ...SHAPE });
  }
  return { dir, truth: JSON.parse(readFileSync(truthFile, 'utf8')) as GroundTruth };
}

const parameters = (logs: LocalLogs): AuditParameters => ({ preset: 'egress-ports', vpcCidrs, window: WINDOW, maxPorts: DEFAULT_MAX_PORTS, source: localViewShape(TABLE, logs) });

async function main(): Promise<void> {
  const { dir, truth } = await dataset();
  const logs = await readLocalLogs(dir, WINDOW);
  const engine = new DuckDbEngine({ logs });
  const { units } = await engine.runCoverage(parameters(logs));
  if (units.length !== 1 || units[0]!.records < truth.records) throw new Error(`the coverage counted ${units[0]?.records} records of ${truth.records}`);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  for (const statement of [...TRINO_FUNCTION_MACROS, ...tableDdl(TABLE, logs.files)]) await connection.run(statement);
  const sql = { audit: buildAuditSql(parameters(logs)), coverage: buildUnitCoverageSql(parameters(logs)) };
  const loadBefore = loadavg()[0]!;
  const t = await timeInterleaved(
    {
      audit: () => engine.runAudit(parameters(logs)),
      auditAndCoverage: async () => {
        await engine.runAudit(parameters(logs));
        await engine.runCoverage(parameters(logs));
      },
      auditSql: () => connection.run(sql.audit),
      coverageSql: () => connection.run(sql.coverage),
    },
    ROUNDS,
  );
  connection.closeSync();
  instance.closeSync();
  const ratio = (x: number, y: number) => `${(x / y).toFixed(2)}x`;
  await writeResults(
    'unit-coverage',
    [
      '## unit-coverage',
      '',
      oneDaySetupLine(truth, ROUNDS, loadBefore),
      '',
      '| what | median (min-max) | vs the audit alone |',
      '| --- | ---: | ---: |',
      `| audit alone (engine: view, audit query) | ${spread(t.audit)} | 1.00x |`,
      `| audit, then its coverage per account/VPC (as the CLI runs them) | ${spread(t.auditAndCoverage)} | ${ratio(t.auditAndCoverage.median, t.audit.median)} |`,
      `| the audit's SQL alone, on one view | ${spread(t.auditSql)} | ${ratio(t.auditSql.median, t.audit.median)} |`,
      `| the coverage SQL alone, on the same view | ${spread(t.coverageSql)} | ${ratio(t.coverageSql.median, t.audit.median)} |`,
      '',
      `The coverage query costs ${ratio(t.coverageSql.median, t.auditSql.median)} of the audit's own query. On Athena it is a second query over the window's partitions: text files are read whole again (the same bytes as the audit), Parquet only in the unit, action, version and (with an inventory) address columns.`,
    ].join('\n'),
  );
}

await main();
