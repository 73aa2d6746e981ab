// The s3-parquet pipeline's Glue table, as data: the columns of AWS's Parquet flow-log files (every catalogue
// field, v2 to v8, under the `_` names and the INT_32 / INT_64 / STRING types S3 delivery writes, see
// flowlog/fields.ts) and the Hive hourly partitions of logs/layouts.ts. The build writes this definition into
// the template's ParquetTable (scripts/build-template.ts), and the audit reads the stack's table through
// glueTableShape of the same definition: the seam every Glue table goes through.

import { V8_FORMAT } from '../flowlog/format.js';
import { S3_HIVE_HOURLY_PROJECTION } from '../logs/layouts.js';
import { glueTableShape, type GlueTableDefinition } from './glue-table.js';
import type { TableRef, TableShape } from './table-shape.js';

/** The table's name in the stack's Glue database. */
export const PARQUET_TABLE_NAME = 'flow_logs_parquet';

/** The columns, partition keys and projection parameters of the table (the location template is the stack's). */
export const PARQUET_TABLE: Required<Pick<GlueTableDefinition, 'StorageDescriptor' | 'PartitionKeys' | 'Parameters'>> = {
  StorageDescriptor: { Columns: V8_FORMAT.fields.map((f) => ({ Name: f.column, Type: f.type })) },
  PartitionKeys: S3_HIVE_HOURLY_PROJECTION.partitionKeys,
  Parameters: S3_HIVE_HOURLY_PROJECTION.glueParameters,
};

/** The stack's Parquet table, read as `table`: hourly partitions year/month/day/hour, no cut on start. */
export function parquetStackTableShape(table: TableRef): TableShape {
  return glueTableShape(table, { Name: table.table, DatabaseName: table.database, TableType: 'EXTERNAL_TABLE', ...PARQUET_TABLE });
}
