// The table an audit reads, as the query builder sees it: its Glue name, the SQL expression that holds each
// flow-log field it has, and how a window of hours becomes WHERE terms (partition terms first, so an engine
// reads only the window's data). Every table the audit can read (this stack's, AWS's documented DDLs, the
// original recipe's, the local DuckDB view) is one TableShape; the query builder knows nothing else of it.
// onVpc keeps a shape to one VPC's records (the stack's own table, whose bucket admits every flow log).

import type { FlowLogFormat } from '../flowlog/format.js';
import { hourPath, HOUR_MS, type HourWindow } from '../flowlog/layout.js';
import { FIREHOSE_LAYOUT } from '../logs/layouts.js';

/** A Glue database and table (validated identifiers). */
export interface TableRef {
  readonly database: string;
  readonly table: string;
}

export interface TableShape {
  readonly table: TableRef;
  /**
   * The SQL expression of each flow-log field the table has, keyed by the catalogue's column name
   * (`srcaddr`, `tcp_flags`, ... see flowlog/fields.ts), e.g. `srcaddr` or `sourceaddress`. Fields the table
   * lacks are absent.
   */
  readonly columns: ReadonlyMap<string, string>;
  /**
   * Columns of `columns` that only some rows carry: a view over files of several formats holds NULL where a
   * file's format lacks the field, and the audit then treats that row as a table without the column would.
   */
  readonly partialColumns?: ReadonlySet<string>;
  /** The WHERE terms that keep the records of [window.start, window.end), partition terms first. */
  windowTerms(window: HourWindow): string[];
  /**
   * WHERE terms that keep only the audited VPC's records, whatever the window (`vpc_id = 'vpc-...'`; see onVpc),
   * or only VPC flow-log records where a table also holds Transit Gateway ones (audit/glue-table.ts).
   */
  readonly vpcTerms?: readonly string[];
  /**
   * How the table is partitioned, in words for summaries: `partition dt (YYYY/MM/DD/HH)`, or a sentence
   * saying the table is not partitioned by time (every audit then reads all of it).
   */
  readonly partitioning: string;
}

/** The catalogue columns every audit reads (both presets), whatever the table calls them. */
export const REQUIRED_COLUMNS = ['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'action'] as const;

/** Trino's reserved words that a flow-log column can collide with (`end`, `date`): those are quoted. */
const RESERVED = new Set(['end', 'date', 'table', 'order', 'group', 'from', 'select', 'where', 'values']);

/** A column name as SQL: bare when it is a plain lowercase identifier, double-quoted otherwise. */
export function columnSql(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** The `dt BETWEEN 'first hour' AND 'last hour'` term over a `YYYY/MM/DD/HH` partition column. */
function hourPathTerm(column: string, window: HourWindow): string {
  const first = hourPath(window.start);
  const last = hourPath(new Date(window.end.getTime() - HOUR_MS));
  return `${columnSql(column)} BETWEEN '${first}' AND '${last}'`;
}

/** A VPC id as EC2 writes it (aws/names.ts parseVpcId validates inputs): the only text onVpc puts into SQL. */
const VPC_ID = /^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/**
 * `shape` kept to the records of the VPC `vpcId` (`vpc_id = 'vpc-...'`) where the table has the vpc-id field
 * (v3 formats and later, the Parquet table); `shape` itself where it has not, or without an id. For the stack's own
 * table: the stack's bucket policy admits every flow log of the account, so another flow log delivered into the
 * bucket must not count as this VPC's traffic. Throws on an id that is not a VPC id (callers validate it first).
 */
export function onVpc(shape: TableShape, vpcId: string | undefined): TableShape {
  const column = shape.columns.get('vpc_id');
  if (vpcId === undefined || column === undefined) return shape;
  if (!VPC_ID.test(vpcId)) throw new Error(`onVpc: '${vpcId}' is not a VPC id`);
  return { ...shape, vpcTerms: [...(shape.vpcTerms ?? []), `${column} = '${vpcId}'`] };
}

/**
 * This stack's own table (and the local view over the Firehose layout): the format's fields under their
 * catalogue names, partitioned by `dt`, the `YYYY/MM/DD/HH` path of the hour Firehose wrote the object.
 */
export function stackTableShape(table: TableRef, format: FlowLogFormat): TableShape {
  return {
    table,
    columns: new Map(format.fields.map((f) => [f.column, columnSql(f.column)])),
    windowTerms: (window) => [hourPathTerm(FIREHOSE_LAYOUT.partitionColumn, window)],
    partitioning: `partition ${FIREHOSE_LAYOUT.partitionColumn} (YYYY/MM/DD/HH)`,
  };
}
