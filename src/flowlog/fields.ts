// The flow-log field catalogue: every field AWS can log (versions 2 to 5), with the column name and SQL
// type this project gives it. The Glue table, the DuckDB view, the parser and the sample generator all
// derive their columns from this one list.

/** SQL type of a column, in the names Glue/Athena use. */
export type ColumnType = 'int' | 'bigint' | 'string';

export interface FlowLogField {
  /** The field's name in an AWS LogFormat string, e.g. `flow-direction`. */
  readonly field: string;
  /** The table column: the field name with `-` turned into `_`, e.g. `flow_direction`. */
  readonly column: string;
  readonly type: ColumnType;
  /** The flow-log version that introduced the field. */
  readonly version: 2 | 3 | 4 | 5;
}

const field = (name: string, type: ColumnType, version: FlowLogField['version']): FlowLogField => ({
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
];

const BY_NAME = new Map(FLOW_LOG_FIELDS.map((f) => [f.field, f]));

/** The field called `name` in a LogFormat string, or undefined. */
export function fieldNamed(name: string): FlowLogField | undefined {
  return BY_NAME.get(name);
}
