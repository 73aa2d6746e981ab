// The sample generator's Parquet files, written by DuckDB the way S3 delivery writes Parquet flow logs.

import { stat } from 'node:fs/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { readFlowLogText, sqlString } from './duckdb-text.js';
import type { FlowLogFormat } from './format.js';

/**
 * Writes the headerless text records of `textPath` (in `format`) as a Parquet file the way S3 delivery does:
 * a column per field named with `_` (`account_id`), typed INT_32 / INT_64 / STRING, gzip-compressed (VPC user
 * guide, "Flow log files": "Each file is compressed into a single Gzip file"). Returns the file's size in bytes.
 */
export async function writeParquet(textPath: string, format: FlowLogFormat, parquetPath: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const records = readFlowLogText([textPath], format.fields, { skip: 0, gzip: false, filename: false });
    await connection.run(`COPY (SELECT * FROM ${records}) TO ${sqlString(parquetPath)} (FORMAT parquet, COMPRESSION gzip)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return (await stat(parquetPath)).size;
}
