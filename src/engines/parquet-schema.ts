// The column names of Parquet flow-log files, read from their footers by DuckDB (parquet_schema), so each file's
// format is known before the view over the window is built. S3 delivery names Parquet columns after the
// fields with `_` for `-` (`account_id`, ...; the AWS Athena guide's Parquet DDL, "Create tables for flow logs
// in Apache Parquet format"), and types them INT_32, INT_64 or STRING (VPC user guide, "Available fields").

import { DuckDBInstance } from '@duckdb/node-api';
import { InputError } from '../input-error.js';

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The leaf column names of each Parquet file, in file order; an InputError names a file that is not readable Parquet. */
export async function parquetColumnNames(paths: readonly string[], input = 'logs'): Promise<Map<string, string[]>> {
  const columns = new Map<string, string[]>();
  if (paths.length === 0) return columns;
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const path of paths) {
      try {
        const reader = await connection.runAndReadAll(`SELECT name FROM parquet_schema(${sqlString(path)}) WHERE num_children IS NULL`);
        columns.set(path, reader.getRowObjectsJS().map((row) => String(row.name)));
      } catch (error) {
        const detail = (error as Error).message.split('\n')[0]!.replace(/^[\w ]*Error: /, '').slice(0, 200);
        throw new InputError(`${input}: file '${path}' is not a readable Parquet file (${detail}); S3 delivery writes Parquet flow logs as *.parquet files.`);
      }
    }
    return columns;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
