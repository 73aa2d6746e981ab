// The column names of Parquet flow-log files, read from their footers by DuckDB (parquet_schema), so each file's
// format is known before the view over the window is built. S3 delivery names Parquet columns after the
// fields with `_` for `-` (`account_id`, ...; the AWS Athena guide's Parquet DDL, "Create tables for flow logs
// in Apache Parquet format"), and types them INT_32, INT_64 or STRING (VPC user guide, "Available fields").

import { DuckDBInstance } from '@duckdb/node-api';
import { sqlString } from '../flowlog/duckdb-text.js';
import { InputError } from '../input-error.js';

/** The leaf column names of each Parquet file, in file order; an InputError names a file that is not readable Parquet. */
export async function parquetColumnNames(paths: readonly string[], input = 'logs'): Promise<Map<string, string[]>> {
  const columns = new Map<string, string[]>();
  if (paths.length === 0) return columns;
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    try {
      const list = `[${paths.map(sqlString).join(', ')}]`;
      const reader = await connection.runAndReadAll(`SELECT file_name, name FROM parquet_schema(${list}) WHERE num_children IS NULL`);
      for (const row of reader.getRowObjectsJS()) {
        const file = String(row.file_name);
        columns.set(file, [...(columns.get(file) ?? []), String(row.name)]);
      }
    } catch (error) {
      // Name the file that fails: read them one by one.
      for (const path of paths) {
        await connection.run(`SELECT name FROM parquet_schema(${sqlString(path)})`).catch((fileError: unknown) => {
          const detail = (fileError as Error).message.split('\n')[0]!.replace(/^[\w ]*Error: /, '').slice(0, 200);
          throw new InputError(`${input}: file '${path}' is not a readable Parquet file (${detail}); S3 delivery writes Parquet flow logs as *.parquet files.`);
        });
      }
      throw error;
    }
    return columns;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
