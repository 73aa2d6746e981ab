// The local engine: the window's flow-log files on disk (any layout, each file in its own format: text with or
// without a header line, gzip or plain, or Parquet) exposed to an in-memory DuckDB as ONE view named like the
// Athena table, over the union of the files' columns (NULL where a file lacks a field), with `dt` the hour folder
// (`YYYY/MM/DD/HH`, NULL for day folders). It runs THE SAME SQL text the query builder makes for a TableShape:
// this view's own (localViewShape) or this stack's. The only dialect bridge is TRINO_FUNCTION_MACROS. An audit
// that counts nothing runs one follow-up query (audit/empty-audit.ts) so the CLI can say why, and one over day
// folders whose file names carry no time says which hours their records cover (audit/window-coverage.ts); a query that fails
// reading a file becomes one sentence naming that file (DuckDB's Parquet reader names none: the engine then
// reads the window's Parquet files one at a time to find it). Files of an S3 delivery tree
// (AWSLogs/ACCOUNT/vpcflowlogs/REGION/) whose format lacks account-id or region get them from their path, so an
// organisation's audit attributes every record to its account and region.

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { buildAuditSql, type AuditParameters } from '../audit/query.js';
import { buildRecordCountsSql, readRecordCounts, RECORD_COUNT_COLUMNS } from '../audit/empty-audit.js';
import { buildHoursWithRecordsSql, HOUR_START_COLUMN } from '../audit/window-coverage.js';
import { buildUnitCoverageSql, inventoryInScope, readUnitCoverage, UNIT_COVERAGE_COLUMNS } from '../audit/unit-coverage.js';
import type { InventoryVpc } from '../audit/audit-unit.js';
import { FILE_PATH_COLUMN } from '../logs/awslogs-path.js';
import { columnSql, type TableRef, type TableShape } from '../audit/table-shape.js';
import { startTerms } from '../audit/time-partitions.js';
import { RESULT_COLUMNS, validatePortRows, type RawResultRow } from '../audit/port-row.js';
import { FLOW_LOG_FIELDS, type FlowLogField } from '../flowlog/fields.js';
import { DUCKDB_TYPES, readFlowLogText, sqlString } from '../flowlog/duckdb-text.js';
import { V5_FORMAT, type FlowLogFormat } from '../flowlog/format.js';
import type { HourWindow } from '../flowlog/layout.js';
import { FIREHOSE_LAYOUT, LAYOUTS, s3DeliveryPathUnit } from '../logs/layouts.js';
import { resolve } from 'node:path';
import { dayFilesWithoutTime } from '../logs/discover.js';
import { InputError } from '../input-error.js';
import type { AuditResult, AuditStatistics, CoverageResult, DrillDownResult, EgressObservationResult, QueryEngine } from './engine.js';
import { buildObservedEgressSql, OBSERVED_EGRESS_COLUMNS, readObservedEgress, type RawObservedEgressRow } from '../egress/observed-egress.js';
import { buildDrillDownSql, DRILL_DOWN_COLUMNS, summarizeDrillDown, type PortRef, type RawDrillDownRow } from '../audit/drill-down.js';
import { readLocalLogs, unreadableFileError, type LocalLogFile, type LocalLogs } from './local-files.js';

/**
 * Trino functions the audit SQL uses that DuckDB lacks, as DuckDB macros with Trino's semantics:
 * `regexp_like` is true when the pattern matches anywhere in the text (as DuckDB's regexp_matches), and
 * `bitwise_and` is the bitwise AND of two integers, and `array_min` the least element of an array (NULL for an
 * empty one; audit/ocsf-table.ts reads OCSF's intermediate_ips with it). All give NULL for a NULL argument, as in Trino.
 */
export const TRINO_FUNCTION_MACROS: readonly string[] = [
  'CREATE OR REPLACE MACRO regexp_like(text, pattern) AS regexp_matches(text, pattern)',
  'CREATE OR REPLACE MACRO bitwise_and(x, y) AS (x & y)',
  'CREATE OR REPLACE MACRO array_min(list) AS list_min(list)',
];

const DT = FIREHOSE_LAYOUT.partitionColumn;

const sqlName = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The union of the files' fields, catalogue fields first in catalogue order, then unknown ones by name. */
export function unionFields(files: readonly LocalLogFile[], fallback: FlowLogFormat = V5_FORMAT): FlowLogField[] {
  if (files.length === 0) return [...fallback.fields];
  const byColumn = new Map(files.flatMap((f) => f.format.fields.map((field) => [field.column, field] as const)));
  const rank = (f: FlowLogField) => (f.version === undefined ? FLOW_LOG_FIELDS.length : FLOW_LOG_FIELDS.indexOf(f));
  return [...byColumn.values()].sort((a, b) => rank(a) - rank(b) || a.column.localeCompare(b.column));
}

/** The catalogue fields an S3 delivery path gives (s3DeliveryPathUnit), by column. */
const PATH_FIELDS = ['account_id', 'region'] as const;

/**
 * The values a file's path gives for fields its format lacks: `account_id` and `region` of an S3 delivery file
 * (AWSLogs/ACCOUNT/vpcflowlogs/REGION/); none for other layouts or fields the file has.
 */
function pathValues(file: LocalLogFile): ReadonlyMap<string, string> {
  const s3Delivery = LAYOUTS.find((l) => l.name === file.layout)?.s3Delivery === true;
  const unit = s3Delivery ? s3DeliveryPathUnit(resolve(file.path).replaceAll('\\', '/')) : undefined;
  if (!unit) return new Map();
  const values = new Map<string, string>([['account_id', unit.account], ['region', unit.region]]);
  for (const f of file.format.fields) values.delete(f.column);
  return values;
}

/** The view's fields: the union of the files' (unionFields) and those their paths give (pathValues), in catalogue order. */
function viewFields(files: readonly LocalLogFile[], fallback: FlowLogFormat = V5_FORMAT): FlowLogField[] {
  const union = unionFields(files, fallback);
  const fromPaths = PATH_FIELDS.filter((column) => !union.some((f) => f.column === column) && files.some((file) => pathValues(file).has(column)));
  if (fromPaths.length === 0) return union;
  const rank = (f: FlowLogField) => (f.version === undefined ? FLOW_LOG_FIELDS.length : FLOW_LOG_FIELDS.indexOf(f));
  const added = FLOW_LOG_FIELDS.filter((f) => (fromPaths as readonly string[]).includes(f.column));
  return [...union, ...added].sort((a, b) => rank(a) - rank(b) || a.column.localeCompare(b.column));
}

/** The `dt` of a file's rows: its hour folder as `YYYY/MM/DD/HH` from the file name, NULL in day folders. */
function dtExpression(file: LocalLogFile): string {
  if (file.granularity === 'day') return 'CAST(NULL AS VARCHAR)';
  const dir = `parse_dirpath(filename, 'forward_slash')`;
  if (file.layout === 's3-hive-hourly') return `regexp_replace(${dir}, '^.*year=(\\d{4})/month=(\\d{2})/day=(\\d{2})/hour=(\\d{2})$', '\\1/\\2/\\3/\\4')`;
  return `right(${dir}, 13)`;
}

/** Files read by one reader call: same reader, compression, header, fields, folder kind and path values. */
function groupKey(file: LocalLogFile): string {
  return JSON.stringify([file.reader, file.gzip, file.skip, file.format.fields.map((f) => f.column), file.columnNames, file.ocsf && [...file.ocsf], dtExpression(file), [...pathValues(file)]]);
}

/** One SELECT over a group of files of the same shape, giving every union column (NULL where the files lack it). */
function groupSelect(files: readonly LocalLogFile[], union: readonly FlowLogField[]): string {
  const first = files[0]!;
  const paths = `[${files.map((f) => sqlString(f.path)).join(', ')}]`;
  const own = new Map(first.format.fields.map((f) => [f.column, f]));
  const fromPath = pathValues(first);
  const columns = union.map((f) => {
    const type = DUCKDB_TYPES[f.type];
    const mine = own.get(f.column);
    const value = fromPath.get(f.column);
    if (!mine) return `CAST(${value === undefined ? 'NULL' : sqlString(value)} AS ${type}) AS ${sqlName(f.column)}`;
    // Security Lake's OCSF files: the field from the OCSF structs (audit/ocsf-table.ts).
    const ocsf = first.ocsf?.get(f.column);
    if (ocsf !== undefined) return `CAST(${ocsf} AS ${type}) AS ${sqlName(f.column)}`;
    // Parquet columns keep the file's own name (account_id, or account-id) and type; text columns are typed on read.
    const source = first.columnNames?.[first.format.fields.indexOf(mine)];
    return source === undefined ? sqlName(f.column) : `CAST(${sqlName(source)} AS ${type}) AS ${sqlName(f.column)}`;
  });
  const reader =
    first.reader === 'parquet'
      ? `read_parquet(${paths}, filename = true)`
      : readFlowLogText(files.map((f) => f.path), first.format.fields, { skip: first.skip, gzip: first.gzip, filename: true });
  return `SELECT ${columns.join(', ')}, ${dtExpression(first)} AS ${sqlName(DT)}, filename AS ${FILE_PATH_COLUMN} FROM ${reader}`;
}

/**
 * The DDL that exposes `files` as `"database"."table"`: one reader per group of files of the same shape,
 * UNION ALL over the union of their columns, plus `dt` and `$path` (the file a row came from, as Athena's hidden column). With no files, an empty table of `fallback`'s columns.
 */
export function tableDdl(table: TableRef, files: readonly LocalLogFile[], fallback: FlowLogFormat = V5_FORMAT): string[] {
  const name = `${sqlName(table.database)}.${sqlName(table.table)}`;
  const union = viewFields(files, fallback);
  const ddl = [`CREATE SCHEMA IF NOT EXISTS ${sqlName(table.database)}`];
  if (files.length === 0) {
    const list = [...union.map((f) => `${sqlName(f.column)} ${DUCKDB_TYPES[f.type]}`), `${sqlName(DT)} VARCHAR`, `${FILE_PATH_COLUMN} VARCHAR`].join(', ');
    return [...ddl, `CREATE TABLE ${name} (${list})`];
  }
  const groups = new Map<string, LocalLogFile[]>();
  for (const file of files) groups.set(groupKey(file), [...(groups.get(groupKey(file)) ?? []), file]);
  const selects = [...groups.values()].map((group) => groupSelect(group, union));
  return [...ddl, `CREATE VIEW ${name} AS ${selects.join('\nUNION ALL\n')}`];
}

/**
 * The TableShape of the local view over `logs`: the union of the files' columns (those some files lack are
 * partial), and window terms that fit the folders read: none for hour folders (discovery already kept only the
 * window's hours, as partition projection does), `start` in the window for day folders, and both when mixed.
 */
export function localViewShape(table: TableRef, logs: LocalLogs, fallback: FlowLogFormat = V5_FORMAT): TableShape {
  const union = viewFields(logs.files, fallback);
  const partial = union.filter((f) => logs.files.some((file) => !file.format.fields.some((own) => own.column === f.column) && !pathValues(file).has(f.column)));
  const daily = logs.files.some((f) => f.granularity === 'day');
  const hourly = logs.files.some((f) => f.granularity === 'hour');
  if (daily && !union.some((f) => f.column === 'start')) {
    throw new InputError(`logs: the files in day folders under '${logs.root}' have no start field, which a day folder needs to keep the window's records.`);
  }
  return {
    table,
    columns: new Map(union.map((f) => [f.column, columnSql(f.column)])),
    partialColumns: new Set(partial.map((f) => f.column)),
    windowTerms: (window) => {
      if (!daily) return [];
      const start = startTerms(columnSql('start'), window);
      if (!hourly) return start;
      return [`(${columnSql(DT)} IS NOT NULL OR ${start.join(' AND ')})`];
    },
    partitioning: daily ? (hourly ? 'hour folders (pruned by path) and day folders (filtered on start)' : 'day folders (filtered on start)') : 'hour folders (pruned by path)',
  };
}

/** A value from a flow-log line for a message: at most 40 characters. */
const shorten = (value: string) => (value.length > 40 ? `${value.slice(0, 39)}…` : value);

/**
 * The gist of a DuckDB read error: its first line without the error class, or what is wrong with the CSV record
 * it names: `line 2059 has 3 fields, not 29`, or `line 3: dstport is "https", not a whole number` (and when the
 * line has two spaces in a row, that they make an empty field that shifts the fields after it).
 */
function readErrorDetail(message: string): string {
  const original = /^Original Line: (.*)$/m.exec(message)?.[1] ?? '';
  // Not a trailing space: a line cut short (a partial download) may end in one.
  const gap = /\S {2,}\S|^ +\S/.test(original) ? '; the line has two spaces in a row (or starts with one), an empty field that shifts the fields after it' : '';
  const width = /CSV Error on Line: (\d+)[\s\S]*?Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (width) return `line ${width[1]} has ${width[3]} fields, not ${width[2]}${gap}`;
  const conversion = /CSV Error on Line: (\d+)[\s\S]*?Error when converting column "([^"]+)"\. Could not convert string "(.*)" to '(\w+)'/.exec(message);
  if (conversion) {
    const [, line, column, value, type] = conversion as unknown as [string, string, string, string, string];
    const what = value === '' ? 'empty' : /^-?\d+$/.test(value) ? `"${shorten(value)}", too large for ${type}` : `"${shorten(value)}", not a whole number`;
    return `line ${line}: ${column} is ${what}${gap}`;
  }
  // Parquet decoders quote the bytes they choked on: keep printable text only.
  const line = message.split('\n').find((l) => l.trim() !== '')!.replace(/^[\w ]*Error: /, '');
  return line.replace(/[^\x20-\x7E]+/g, ' ').trim().slice(0, 300);
}

export interface DuckDbEngineOptions {
  /** The folder to read (any layout of logs/layouts.ts); not needed when `logs` is given. */
  readonly logsDir?: string;
  /** The window's files, already found and told apart (readLocalLogs), e.g. to build the view's TableShape first. */
  readonly logs?: LocalLogs;
  /** The format of text files without a header line; undefined: v2 or v5 by field count. */
  readonly format?: FlowLogFormat;
  /** The name of the logs folder input in messages (default `logs`). */
  readonly input?: string;
  /** Called about once a second during a scan with the share done, 0 to 100. */
  readonly onProgress?: (percent: number) => void;
}

export class DuckDbEngine implements QueryEngine {
  constructor(private readonly options: DuckDbEngineOptions) {}

  private async logs(window: HourWindow): Promise<LocalLogs> {
    if (this.options.logs) return this.options.logs;
    if (this.options.logsDir === undefined) throw new Error('DuckDbEngine needs logsDir or logs');
    return readLocalLogs(this.options.logsDir, window, { logFormat: this.options.format, input: this.options.input });
  }

  /**
   * The audit; when its top list is empty (and only then) one more query counts why (audit/empty-audit.ts); when
   * files of day folders carry no publication time in their names, one more says which hours of the window their
   * records cover (audit/window-coverage.ts).
   */
  async runAudit(parameters: AuditParameters): Promise<AuditResult> {
    const sql = buildAuditSql(parameters);
    const { value, statistics } = await this.run(parameters, async (query, logs) => {
      const raws = (await query(sql, RESULT_COLUMNS)) as RawResultRow[];
      const hours = dayFilesWithoutTime(logs.files)
        ? ((await query(buildHoursWithRecordsSql(parameters), [HOUR_START_COLUMN])) as Record<string, unknown>[]).map((r) => Number(r[HOUR_START_COLUMN]) * 1000)
        : undefined;
      const covered = hours ? { hoursWithRecords: hours.sort((a, b) => a - b) } : {};
      if (raws.length > 0) return { raws, ...covered };
      const [counts] = (await query(buildRecordCountsSql(parameters), RECORD_COUNT_COLUMNS)) as Record<string, unknown>[];
      return { raws, ...covered, recordCounts: readRecordCounts(counts!) };
    });
    const { raws, ...extra } = value;
    return { engine: 'duckdb', sql, ...validatePortRows(raws), statistics, ...extra };
  }

  async runCoverage(parameters: AuditParameters, inventory: readonly InventoryVpc[] = []): Promise<CoverageResult> {
    const scoped = inventoryInScope(parameters, inventory);
    const sql = buildUnitCoverageSql(parameters, scoped);
    const { value, statistics } = await this.run(parameters, (query) => query(sql, UNIT_COVERAGE_COLUMNS));
    return { sql, units: readUnitCoverage(value as Record<string, unknown>[], scoped), statistics };
  }

  async runDrillDown(parameters: AuditParameters, ports: readonly PortRef[]): Promise<DrillDownResult> {
    const sql = buildDrillDownSql(parameters, ports);
    const { value, statistics } = await this.run(parameters, (query) => query(sql, DRILL_DOWN_COLUMNS));
    return { sql, ...summarizeDrillDown(value as RawDrillDownRow[], ports), statistics };
  }

  async runEgressObservation(parameters: AuditParameters): Promise<EgressObservationResult> {
    const sql = buildObservedEgressSql(parameters);
    const { value, statistics } = await this.run(parameters, (query) => query(sql, OBSERVED_EGRESS_COLUMNS));
    return { sql, ...readObservedEgress(value as RawObservedEgressRow[]), statistics };
  }

  /** Exposes the window's files as the table, runs `work` with a query function over it, and returns its value with the run's statistics. */
  private async run<T>(
    parameters: AuditParameters,
    work: (query: (sql: string, columns: readonly string[]) => Promise<unknown[]>, logs: LocalLogs) => Promise<T>,
  ): Promise<{ value: T; statistics: AuditStatistics }> {
    const started = performance.now();
    const logs = await this.logs(parameters.window);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const ddl = tableDdl(parameters.source.table, logs.files, this.options.format);
      for (const statement of [...TRINO_FUNCTION_MACROS, ...ddl]) await connection.run(statement);
      const engineStarted = performance.now();
      const value = await work((sql, columns) => this.query(connection, sql, logs, columns), logs);
      return {
        value,
        statistics: {
          elapsedMs: performance.now() - started,
          engineMs: performance.now() - engineStarted,
          bytesScanned: logs.files.reduce((sum, f) => sum + f.size, 0),
          costUsd: 0,
        },
      };
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  /** Runs `sql`, reporting progress, and turns read errors into one-sentence InputErrors. */
  private async query(connection: DuckDBConnection, sql: string, logs: LocalLogs, columns: readonly string[]): Promise<unknown[]> {
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
      // No progress for the failure path's own reads (readError may read the Parquet files one at a time).
      clearInterval(timer);
      throw await this.readError(connection, error as Error, logs);
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * The InputError for a query that failed reading the window's files: the file DuckDB names (`file = PATH`), or
   * else the Parquet file that fails when each is read alone (DuckDB's Parquet reader names none), or else the
   * folder when the message is a read error. Any other error is returned as it is.
   */
  private async readError(connection: DuckDBConnection, error: Error, logs: LocalLogs): Promise<Error> {
    const input = this.options.input ?? 'logs';
    const message = error.message;
    const named = logs.files.find((f) => f.path === /^\s*file = (.*)$/m.exec(message)?.[1]);
    if (named) return unreadableFileError(named, readErrorDetail(message), input);
    const parquet = await firstUnreadableParquet(connection, logs.files);
    if (parquet) return unreadableFileError(parquet.file, readErrorDetail(parquet.message), input);
    if (/CSV|gzip|decompress|No files found|Could not open|IO Error|Conversion Error/i.test(message)) {
      const formats = [...new Set(logs.files.map((f) => f.format.name))].join('/');
      return new InputError(
        `${input}: the files in '${logs.root}' could not be read as ${formats} flow logs (${readErrorDetail(message)}); check the folder and --log-format.`,
      );
    }
    return error;
  }
}

/**
 * The first of `files`' Parquet files that DuckDB cannot read on its own, every column and value (a page that
 * does not decompress or decode), with DuckDB's message; undefined when each reads. Used only after a failed query.
 */
async function firstUnreadableParquet(connection: DuckDBConnection, files: readonly LocalLogFile[]): Promise<{ file: LocalLogFile; message: string } | undefined> {
  for (const file of files.filter((f) => f.reader === 'parquet')) {
    try {
      await connection.run(`SELECT max(COLUMNS(*)) FROM read_parquet(${sqlString(file.path)})`);
    } catch (error) {
      return { file, message: (error as Error).message };
    }
  }
  return undefined;
}
