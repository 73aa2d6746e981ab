// The column names of Parquet flow-log files, read from their footers by DuckDB (parquet_schema), so each file's
// format is known before the view over the window is built. S3 delivery names Parquet columns after the
// fields with `_` for `-` (`account_id`, ...; the AWS Athena guide's Parquet DDL, "Create tables for flow logs
// in Apache Parquet format"), and types them INT_32, INT_64 or STRING (VPC user guide, "Available fields").

import { DuckDBInstance } from '@duckdb/node-api';
import { sqlString } from '../flowlog/duckdb-text.js';
import { InputError } from '../input-error.js';

/**
 * The leaf columns of each Parquet file, in file order, as dotted paths from the top (`srcaddr` in a flow-log file;
 * `src_endpoint.ip`, `src_endpoint.intermediate_ips.list.element` in Security Lake's OCSF files, whose columns are
 * structs); an InputError names a file that is not readable Parquet.
 */
export async function parquetColumnNames(paths: readonly string[], input = 'logs'): Promise<Map<string, string[]>> {
  const columns = new Map<string, string[]>();
  if (paths.length === 0) return columns;
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    try {
      const list = `[${paths.map(sqlString).join(', ')}]`;
      const reader = await connection.runAndReadAll(`SELECT file_name, name, num_children FROM parquet_schema(${list})`);
      // The schema is a tree in depth-first order: each file's root first, then each group before its children.
      const open = new Map<string, { name: string; left: number }[]>();
      for (const row of reader.getRowObjectsJS()) {
        const file = String(row.file_name);
        const children = row.num_children === null ? 0 : Number(row.num_children);
        const stack = open.get(file);
        if (stack === undefined) {
          open.set(file, [{ name: '', left: children }]);
          continue;
        }
        while (stack.length > 0 && stack.at(-1)!.left === 0) stack.pop();
        if (stack.length > 0) stack.at(-1)!.left--;
        const path = [...stack.slice(1).map((s) => s.name), String(row.name)].join('.');
        if (children > 0) stack.push({ name: String(row.name), left: children });
        else columns.set(file, [...(columns.get(file) ?? []), path]);
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
