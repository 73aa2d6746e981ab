// What an Athena query reads from Parquet flow logs: the Glue table AWS documents for S3 delivery's Hive-compatible
// hourly Parquet, the columns a query's SQL names, and the compressed column-chunk bytes of those columns in the
// files (their own metadata, read with DuckDB). Used by bench/athena-bytes.ts.

import { DuckDBInstance } from '@duckdb/node-api';
import type { GlueTableDefinition } from '../src/audit/glue-table.js';
import type { TableShape } from '../src/audit/table-shape.js';
import type { FlowLogFormat } from '../src/flowlog/format.js';
import { datedSegments, s3DeliveryRegionSegments } from '../src/logs/layouts.js';

/**
 * The Glue definition of the Parquet table AWS documents for S3 delivery with Hive-compatible prefixes and hourly
 * partitions (Athena User Guide, "Create tables for flow logs in Apache Parquet format",
 * https://docs.aws.amazon.com/athena/latest/ug/vpc-flow-logs-parquet.html): a column per field of `format`, named
 * and typed as S3 delivery writes them, and as partition keys the `key=` folders of the layout's own path
 * (aws-account-id, aws-service, aws-region, year, month, day, hour), all strings.
 */
export function hiveParquetTable(format: FlowLogFormat): GlueTableDefinition {
  const folders = [...s3DeliveryRegionSegments('hive', '123456789012', 'us-east-1'), ...datedSegments('hive', 'hour', new Date(0))];
  return {
    StorageDescriptor: { Columns: format.fields.map((f) => ({ Name: f.column, Type: f.type })) },
    PartitionKeys: folders.filter((folder) => folder.includes('=')).map((folder) => ({ Name: folder.split('=')[0]!, Type: 'string' })),
  };
}

/**
 * The columns of `shape` that `sql` names: each column's SQL as the shape gives it (`srcaddr`, or `"end"` where the
 * name is a reserved word) found as a whole token outside string literals, so the keyword END of a CASE is not the
 * column "end". Returns the shape's catalogue column names, in its order.
 */
export function columnsNamed(sql: string, shape: TableShape): string[] {
  const code = sql.replace(/'(?:[^']|'')*'/g, "''");
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [...shape.columns].filter(([, expression]) => new RegExp(`(?<![\\w."])${escape(expression)}(?![\\w"])`).test(code)).map(([column]) => column);
}

export interface ParquetBytes {
  /** Compressed column-chunk bytes of the columns asked for, over every row group of every file. */
  readonly columnChunks: number;
  /** Footer bytes of the files (a reader of any column reads each footer). */
  readonly footers: number;
  /** Whole file sizes. */
  readonly files: number;
  /** Per column asked for, its compressed bytes. */
  readonly byColumn: ReadonlyMap<string, number>;
}

/**
 * Sizes from the files' own metadata (DuckDB parquet_metadata: total_compressed_size per column chunk;
 * parquet_file_metadata: footer_size, file_size_bytes). Throws when a column asked for is in none of the files.
 */
export async function parquetBytes(paths: readonly string[], columns: readonly string[]): Promise<ParquetBytes> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const list = `[${paths.map((p) => `'${p.replaceAll("'", "''")}'`).join(', ')}]`;
  try {
    const chunks = await connection.runAndReadAll(`SELECT path_in_schema AS col, sum(total_compressed_size)::BIGINT AS bytes FROM parquet_metadata(${list}) GROUP BY 1`);
    const all = new Map(chunks.getRowObjectsJS().map((r) => [String(r.col), Number(r.bytes)]));
    const missing = columns.filter((c) => !all.has(c));
    if (missing.length > 0) throw new Error(`the Parquet files have no column ${missing.join(', ')}`);
    const files = await connection.runAndReadAll(`SELECT sum(footer_size)::BIGINT AS footers, sum(file_size_bytes)::BIGINT AS bytes FROM parquet_file_metadata(${list})`);
    const totals = files.getRowObjectsJS()[0]!;
    const byColumn = new Map(columns.map((c) => [c, all.get(c)!]));
    return { columnChunks: [...byColumn.values()].reduce((a, b) => a + b, 0), footers: Number(totals.footers), files: Number(totals.bytes), byColumn };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
