// The flow-log field catalogue: every field AWS documents for VPC flow logs (versions 2 to 8), with the column
// name and SQL type this project gives it. The Glue table, the DuckDB view, the parser and the sample
// generator all derive their columns from this one list.
//
// Source: Amazon VPC user guide, "Flow log records" > "Available fields" (name, version, and the Parquet data
// type of each field: INT_32 / INT_64 / STRING), https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html;
// version 7 (the ten ecs-* fields): AWS Networking blog "Introducing VPC Flow Logs for Elastic Container Services";
// version 8: reject-reason (e.g. BPA, VPC Block Public Access). Version 6 added Transit Gateway flow-log fields,
// which VPC flow logs do not have.

/** SQL type of a column, in the names Glue/Athena use. */
export type ColumnType = 'int' | 'bigint' | 'string';

export interface FlowLogField {
  /** The field's name in an AWS LogFormat string, e.g. `flow-direction`. */
  readonly field: string;
  /** The table column: the field name with `-` turned into `_`, e.g. `flow_direction`. */
  readonly column: string;
  readonly type: ColumnType;
  /** The flow-log version that introduced the field; undefined for a field the catalogue lacks (kept as text). */
  readonly version?: number;
}

const field = (name: string, type: ColumnType, version: number): FlowLogField => ({
  field: name,
  column: name.replaceAll('-', '_'),
  type,
  version,
});

/** Every known field, in the order of AWS's documentation (v2 default order first). */
export const FLOW_LOG_FIELDS: readonly FlowLogField[] = [
  field('version', 'int', 2),
  field('account-id', 'string', 2),
  field('interface-id', 'string', 2),
  field('srcaddr', 'string', 2),
  field('dstaddr', 'string', 2),
  field('srcport', 'int', 2),
  field('dstport', 'int', 2),
  field('protocol', 'int', 2),
  // packets, bytes and the epoch-second timestamps exceed 2^31: BIGINT, never INT.
  field('packets', 'bigint', 2),
  field('bytes', 'bigint', 2),
  field('start', 'bigint', 2),
  field('end', 'bigint', 2),
  field('action', 'string', 2),
  field('log-status', 'string', 2),
  field('vpc-id', 'string', 3),
  field('subnet-id', 'string', 3),
  field('instance-id', 'string', 3),
  field('tcp-flags', 'int', 3),
  field('type', 'string', 3),
  field('pkt-srcaddr', 'string', 3),
  field('pkt-dstaddr', 'string', 3),
  field('region', 'string', 4),
  field('az-id', 'string', 4),
  field('sublocation-type', 'string', 4),
  field('sublocation-id', 'string', 4),
  field('pkt-src-aws-service', 'string', 5),
  field('pkt-dst-aws-service', 'string', 5),
  field('flow-direction', 'string', 5),
  field('traffic-path', 'int', 5),
  field('ecs-cluster-arn', 'string', 7),
  field('ecs-cluster-name', 'string', 7),
  field('ecs-container-instance-arn', 'string', 7),
  field('ecs-container-instance-id', 'string', 7),
  field('ecs-container-id', 'string', 7),
  field('ecs-second-container-id', 'string', 7),
  field('ecs-service-name', 'string', 7),
  field('ecs-task-definition-arn', 'string', 7),
  field('ecs-task-arn', 'string', 7),
  field('ecs-task-id', 'string', 7),
  field('reject-reason', 'string', 8),
];

const BY_NAME = new Map(FLOW_LOG_FIELDS.map((f) => [f.field, f]));

/** The field called `name` in a LogFormat string or a header line, or undefined. */
export function fieldNamed(name: string): FlowLogField | undefined {
  return BY_NAME.get(name);
}

/**
 * The field a header line or a Parquet file names: the catalogue's when it knows the name (`account-id` or its
 * column `account_id`), else a text column named after it (`-` and other signs turned into `_`), so a file
 * with a field newer than the catalogue is still read.
 */
export function fieldOrText(name: string): FlowLogField {
  const known = BY_NAME.get(name) ?? BY_NAME.get(name.replaceAll('_', '-'));
  if (known) return known;
  return { field: name, column: name.toLowerCase().replace(/[^a-z0-9_]/g, '_'), type: 'string' };
}
