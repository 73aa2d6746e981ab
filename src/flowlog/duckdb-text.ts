// How DuckDB reads flow-log text: the DuckDB type of each catalogue column type and the read_csv call for
// space-separated records with `-` for a field that does not apply (VPC user guide, "Flow log records"). The
// local engine (engines/duckdb.ts) and the sample generator's Parquet writer (sample-parquet.ts) share it.

import type { ColumnType, FlowLogField } from './fields.js';

/** The DuckDB type of each catalogue column type. */
export const DUCKDB_TYPES: Readonly<Record<ColumnType, string>> = { int: 'INTEGER', bigint: 'BIGINT', string: 'VARCHAR' };

/** A SQL string literal (quotes doubled). */
export const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

export interface TextReadOptions {
  /** Lines before the first record (a header line). */
  readonly skip: number;
  readonly gzip: boolean;
  /** Adds DuckDB's `filename` column (the file each row came from). */
  readonly filename: boolean;
}

/**
 * `read_csv(...)` over flow-log text files: one record per line, `fields` in order, separated by single spaces,
 * `-` read as NULL, no quoting, every column typed by the catalogue (no sniffing).
 */
export function readFlowLogText(paths: readonly string[], fields: readonly FlowLogField[], options: TextReadOptions): string {
  return [
    `read_csv([${paths.map(sqlString).join(', ')}]`,
    `columns = {${fields.map((f) => `${sqlString(f.column)}: ${sqlString(DUCKDB_TYPES[f.type])}`).join(', ')}}`,
    `delim = ' '`,
    `quote = ''`,
    `escape = ''`,
    `header = false`,
    `skip = ${options.skip}`,
    `nullstr = '-'`,
    `auto_detect = false`,
    `compression = '${options.gzip ? 'gzip' : 'none'}'`,
    ...(options.filename ? ['filename = true'] : []),
    `parallel = true)`,
  ].join(', ');
}
