// The local engine: flow-log files in the Firehose layout on disk, exposed to an in-memory DuckDB as the same
// `"db"."table"` Athena sees (columns from the format, `dt` from the file's hour folder), running THE SAME
// SQL text the query builder makes for Athena. The only dialect bridge is TRINO_FUNCTION_MACROS.

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { buildAuditSql, type AuditParameters } from '../audit/query.js';
import type { TableRef } from '../audit/table-shape.js';
import { RESULT_COLUMNS, validatePortRows, type RawResultRow } from '../audit/port-row.js';
import type { ColumnType } from '../flowlog/fields.js';
import { V5_FORMAT, type FlowLogFormat } from '../flowlog/format.js';
import { PARTITION_COLUMN } from '../flowlog/layout.js';
import { InputError } from '../input-error.js';
import type { AuditResult, AuditStatistics, DrillDownResult, QueryEngine } from './engine.js';
import { buildDrillDownSql, DRILL_DOWN_COLUMNS, summarizeDrillDown, type PortRef, type RawDrillDownRow } from '../audit/drill-down.js';
import { listWindowFiles, type LocalFile } from './local-files.js';

/**
 * Trino functions the audit SQL uses that DuckDB lacks, as DuckDB macros with Trino's semantics:
 * `regexp_like` is true when the pattern matches anywhere in the text (as DuckDB's regexp_matches), and
 * `bitwise_and` is the bitwise AND of two integers. Both give NULL for a NULL argument, as in Trino.
 */
export const TRINO_FUNCTION_MACROS: readonly string[] = [
  'CREATE OR REPLACE MACRO regexp_like(text, pattern) AS regexp_matches(text, pattern)',
  'CREATE OR REPLACE MACRO bitwise_and(x, y) AS (x & y)',
];

const DUCKDB_TYPES: Record<ColumnType, string> = { int: 'INTEGER', bigint: 'BIGINT', string: 'VARCHAR' };

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;
const sqlName = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The DDL that exposes `files` as `"database"."table"`: read_csv with explicit columns, `dt` from the path. */
export function tableDdl(table: TableRef, format: FlowLogFormat, files: readonly LocalFile[]): string[] {
  const { database } = table;
  const name = `${sqlName(database)}.${sqlName(table.table)}`;
  const columns = format.fields.map((f) => [f.column, DUCKDB_TYPES[f.type]] as const);
  const ddl = [`CREATE SCHEMA IF NOT EXISTS ${sqlName(database)}`];
  if (files.length === 0) {
    const list = [...columns, [PARTITION_COLUMN, 'VARCHAR'] as const].map(([c, t]) => `${sqlName(c)} ${t}`).join(', ');
    return [...ddl, `CREATE TABLE ${name} (${list})`];
  }
  const struct = columns.map(([c, t]) => `${sqlString(c)}: ${sqlString(t)}`).join(', ');
  const reader = [
    `read_csv([${files.map((f) => sqlString(f.path)).join(', ')}]`,
    `columns = {${struct}}`,
    `delim = ' '`,
    `quote = ''`,
    `escape = ''`,
    `header = false`,
    `nullstr = '-'`,
    `auto_detect = false`,
    `compression = 'auto'`,
    `filename = true`,
    `parallel = true)`,
  ].join(', ');
  // The hour folder `YYYY/MM/DD/HH` is the last 13 characters of the file's folder path.
  const dt = `right(parse_dirpath(filename, 'forward_slash'), 13) AS ${sqlName(PARTITION_COLUMN)}`;
  return [...ddl, `CREATE VIEW ${name} AS SELECT * EXCLUDE (filename), ${dt} FROM ${reader}`];
}

export interface DuckDbEngineOptions {
  /** Root folder of the layout (`DIR/YYYY/MM/DD/HH/*.gz`). */
  readonly logsDir: string;
  /** The format of the files' records (default v5, the pipeline's). */
  readonly format?: FlowLogFormat;
  /** The name of the logs folder input in messages (default `logs`). */
  readonly input?: string;
  /** Called about once a second during a scan with the share done, 0 to 100. */
  readonly onProgress?: (percent: number) => void;
}

export class DuckDbEngine implements QueryEngine {
  constructor(private readonly options: DuckDbEngineOptions) {}

  private get format(): FlowLogFormat {
    return this.options.format ?? V5_FORMAT;
  }

  async runAudit(parameters: AuditParameters): Promise<AuditResult> {
    const sql = buildAuditSql(parameters);
    const { raws, statistics } = await this.run<RawResultRow>(parameters, sql, RESULT_COLUMNS);
    return { engine: 'duckdb', sql, ...validatePortRows(raws), statistics };
  }

  async runDrillDown(parameters: AuditParameters, ports: readonly PortRef[]): Promise<DrillDownResult> {
    const sql = buildDrillDownSql(parameters, ports);
    const { raws, statistics } = await this.run<RawDrillDownRow>(parameters, sql, DRILL_DOWN_COLUMNS);
    return { sql, ...summarizeDrillDown(raws, ports), statistics };
  }

  /** Exposes the window's files as the table, runs `sql` and returns its rows with the run's statistics. */
  private async run<T>(parameters: AuditParameters, sql: string, columns: readonly string[]): Promise<{ raws: T[]; statistics: AuditStatistics }> {
    const started = performance.now();
    const { files } = await listWindowFiles(this.options.logsDir, parameters.window);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      for (const statement of [...TRINO_FUNCTION_MACROS, ...tableDdl(parameters.source.table, this.format, files)]) await connection.run(statement);
      const engineStarted = performance.now();
      const raws = (await this.query(connection, sql, this.format, columns)) as T[];
      return {
        raws,
        statistics: {
          elapsedMs: performance.now() - started,
          engineMs: performance.now() - engineStarted,
          bytesScanned: files.reduce((sum, f) => sum + f.size, 0),
          costUsd: 0,
        },
      };
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  /** Runs `sql`, reporting progress, and turns read errors into one-sentence InputErrors. */
  private async query(connection: DuckDBConnection, sql: string, format: FlowLogFormat, columns: readonly string[]): Promise<unknown[]> {
    const onProgress = this.options.onProgress;
    if (onProgress) await connection.run('SET enable_progress_bar = true; SET enable_progress_bar_print = false');
    const timer = onProgress
      ? setInterval(() => {
          const percent = connection.progress.percentage;
          if (percent >= 0) onProgress(percent);
        }, 1000)
      : undefined;
    try {
      const reader = await connection.runAndReadAll(sql);
      const names = reader.columnNames();
      if (names.join() !== columns.join()) throw new Error(`the SQL returned columns ${names.join(', ')}`);
      return reader.getRowObjectsJS();
    } catch (error) {
      const message = (error as Error).message;
      if (/CSV|gzip|decompress|No files found|Could not open|IO Error|Conversion Error/i.test(message)) {
        const detail = message.split('\n').find((l) => l.trim() !== '')?.replace(/^[\w ]*Error: /, '').slice(0, 300);
        throw new InputError(
          `${this.options.input ?? 'logs'}: the files in '${this.options.logsDir}' could not be read as ${format.name} flow logs (${detail}); ` +
            'check the folder and --log-format.',
        );
      }
      throw error;
    } finally {
      clearInterval(timer);
    }
  }
}
