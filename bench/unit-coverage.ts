// Benchmark: what the coverage per account and VPC (audit/unit-coverage.ts) costs the local audit. Every audit
// runs its one grouped coverage query after the audit query, over the same files. Side by side in one run, on one
// day of S3 delivery's daily layout: the audit alone vs the audit plus its coverage (as the CLI runs them), and,
// on one DuckDB view, the audit's SQL vs the coverage SQL alone.
// Run: node lib/bench/unit-coverage.js [--quick]

import { loadavg } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { buildAuditSql } from '../src/audit/query.js';
import { buildUnitCoverageSql } from '../src/audit/unit-coverage.js';
import { DuckDbEngine, tableDdl, TRINO_FUNCTION_MACROS } from '../src/engines/duckdb.js';
import { readLocalLogs } from '../src/engines/local-files.js';
import { oneDayParameters, oneDayS3Dataset, ROUNDS, TABLE, WINDOW } from './one-day-s3.js';
import { oneDaySetupLine, quick, spread, timeInterleaved, writeResults } from './support.js';

const OUT = join('bench', 'out', quick ? 'unit-coverage-quick' : 'unit-coverage');


async function main(): Promise<void> {
  const dir = join(OUT, 's3-daily');
  const truth = await oneDayS3Dataset(dir);
  const logs = await readLocalLogs(dir, WINDOW);
  const engine = new DuckDbEngine({ logs });
  const { units } = await engine.runCoverage(oneDayParameters(logs));
  if (units.length !== 1 || units[0]!.records < truth.records) throw new Error(`the coverage counted ${units[0]?.records} records of ${truth.records}`);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  for (const statement of [...TRINO_FUNCTION_MACROS, ...tableDdl(TABLE, logs.files)]) await connection.run(statement);
  const sql = { audit: buildAuditSql(oneDayParameters(logs)), coverage: buildUnitCoverageSql(oneDayParameters(logs)) };
  const loadBefore = loadavg()[0]!;
  const t = await timeInterleaved(
    {
      audit: () => engine.runAudit(oneDayParameters(logs)),
      auditAndCoverage: async () => {
        await engine.runAudit(oneDayParameters(logs));
        await engine.runCoverage(oneDayParameters(logs));
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
