// Amazon Security Lake's VPC flow table (source version 2, OCSF 1.1.0 Network Activity, class 4001:
// `amazon_security_lake_glue_db_<region>.amazon_security_lake_table_<region>_vpc_flow_2_0`) as the TableShape
// the audit query reads: each flow-log field the query uses becomes an expression over the OCSF structs, so the
// query (and its NAT-copy rule) runs unchanged. The same expressions read Security Lake's Parquet files locally
// (engines/duckdb.ts).
//
// The mapping, from Security Lake's reference for VPC flow logs (https://docs.aws.amazon.com/security-lake/latest/userguide/vpc-flow-logs.html
// links it: github.com/ocsf/examples mappings/markdown/AWS/v1.1.0/VPC Flowlogs/README.md):
//  - srcport/dstport -> src_endpoint.port/dst_endpoint.port; protocol -> connection_info.protocol_num;
//    packets/bytes -> traffic.packets/.bytes; tcp_flags -> connection_info.tcp_flags; log_status -> status_code;
//    start -> time (epoch milliseconds, OCSF timestamp_t); account_id -> cloud.account.uid; region -> cloud.region;
//  - action -> action_id (OCSF 1.1.0 security_control profile: 1 Allowed, 2 Denied);
//  - flow_direction -> connection_info.direction_id (OCSF: 1 Inbound, 2 Outbound);
//  - addresses: when pkt_srcaddr equals srcaddr, src_endpoint.ip is srcaddr; otherwise src_endpoint.ip is
//    pkt_srcaddr and src_endpoint.intermediate_ips holds srcaddr (the same for dst). So the record's own
//    srcaddr is the intermediate address where there is one, else ip; pkt_srcaddr is ip. A NAT gateway's
//    interface logs the packet an instance sent it as dstaddr = the NAT's address, pkt_dstaddr = the internet
//    host: here dst_endpoint.intermediate_ips = [NAT address], dst_endpoint.ip = the host, and the query's
//    dstaddr/pkt_dstaddr (hence natCopyTerm in query.ts) see what they see in the flow log itself;
//  - interface_id, vpc_id, instance_id, subnet_id -> dst_endpoint.*_uid when flow_direction is ingress,
//    src_endpoint.*_uid when egress: the one of the two that is set.
// Column and partition names of the table: OCSF 1.1.0 Network Activity, https://schema.ocsf.io/1.1.0/classes/network_activity
// (network_endpoint: ip, port, intermediate_ips, interface_uid, vpc_uid, instance_uid, subnet_uid; network_connection_info:
// protocol_num, tcp_flags, direction_id; network_traffic: bytes, packets; cloud: account.uid, region); partitions
// region, accountid, eventday (YYYYMMDD) as AWS's Security Lake queries use them (partition-roles.ts).

import { InputError } from '../input-error.js';
import type { GlueColumn, GlueTableDefinition } from './glue-table.js';
import { describePartitioning, partitionRoles, windowTerms } from './partition-roles.js';
import { columnSql, type TableRef, type TableShape } from './table-shape.js';

/** How a catalogue column is read from OCSF attributes. */
interface OcsfColumn {
  /** Struct paths the expression reads, all of which the table must have (`src_endpoint.ip`). */
  readonly paths: readonly string[];
  readonly sql: string;
}

/** The address of a side: the intermediate (the flow log's own srcaddr/dstaddr) where there is one, else ip. */
const address = (side: 'src_endpoint' | 'dst_endpoint'): OcsfColumn => ({
  paths: [`${side}.ip`, `${side}.intermediate_ips`],
  // array_min: the one address Security Lake puts there (NULL for NULL or an empty list, in Trino and DuckDB).
  sql: `coalesce(array_min(${side}.intermediate_ips), ${side}.ip)`,
});
/** An attribute of the interface's side: dst_endpoint for ingress records, src_endpoint for egress (the one set). */
const interfaceSide = (attribute: string): OcsfColumn => ({
  paths: [`src_endpoint.${attribute}`, `dst_endpoint.${attribute}`],
  sql: `coalesce(src_endpoint.${attribute}, dst_endpoint.${attribute})`,
});
const path = (attribute: string, sql = attribute): OcsfColumn => ({ paths: [attribute], sql });

/** Every catalogue column the OCSF table gives, by catalogue name (flowlog/fields.ts). */
export const OCSF_COLUMNS: Readonly<Record<string, OcsfColumn>> = {
  srcaddr: address('src_endpoint'),
  dstaddr: address('dst_endpoint'),
  pkt_srcaddr: path('src_endpoint.ip'),
  pkt_dstaddr: path('dst_endpoint.ip'),
  srcport: path('src_endpoint.port'),
  dstport: path('dst_endpoint.port'),
  protocol: path('connection_info.protocol_num'),
  packets: path('traffic.packets'),
  bytes: path('traffic.bytes'),
  action: path('action_id', `CASE action_id WHEN 1 THEN 'ACCEPT' WHEN 2 THEN 'REJECT' END`),
  log_status: path('status_code'),
  tcp_flags: path('connection_info.tcp_flags'),
  // Unknown (0), lateral (3) or other (99) directions are NULL: such a record is read as a format without the field.
  flow_direction: path('connection_info.direction_id', `CASE connection_info.direction_id WHEN 1 THEN 'ingress' WHEN 2 THEN 'egress' END`),
  interface_id: interfaceSide('interface_uid'),
  vpc_id: interfaceSide('vpc_uid'),
  instance_id: interfaceSide('instance_uid'),
  subnet_id: interfaceSide('subnet_uid'),
  pkt_dst_aws_service: path('dst_endpoint.svc_name'),
  account_id: path('cloud.account.uid'),
  region: path('cloud.region'),
  // `time` is epoch milliseconds; floor keeps the same whole second on Trino (integer division) and DuckDB.
  start: path('time', 'CAST(floor("time" / 1000) AS bigint)'),
};

/** The catalogue columns an audit of the OCSF table needs. */
const NEEDED = ['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'action', 'start'] as const;

/** The field names of a Glue/Hive struct type, with their types: `struct<ip:string,port:int>` -> ip string, port int. */
function structFields(type: string): Map<string, string> {
  const fields = new Map<string, string>();
  const inner = /^struct<(.*)>$/is.exec(type.trim())?.[1];
  if (inner === undefined) return fields;
  let depth = 0;
  let start = 0;
  const add = (part: string) => {
    const colon = part.indexOf(':');
    if (colon > 0) fields.set(part.slice(0, colon).trim().toLowerCase(), part.slice(colon + 1).trim());
  };
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (ch === '<') depth++;
    else if (ch === '>') depth--;
    else if (ch === ',' && depth === 0) {
      add(inner.slice(start, i));
      start = i + 1;
    }
  }
  add(inner.slice(start));
  return fields;
}

/** Whether the table has the attribute at `dotted` (`cloud.account.uid`), reading struct types level by level. */
function hasPath(columns: readonly GlueColumn[], dotted: string): boolean {
  const [top, ...rest] = dotted.split('.');
  let type = columns.find((c) => (c.Name ?? '').toLowerCase() === top)?.Type;
  for (const name of rest) {
    if (type === undefined) return false;
    type = structFields(type).get(name);
  }
  return type !== undefined;
}

/** Whether a Glue definition is an OCSF table (Security Lake's): it has the endpoint structs or OCSF's class_uid. */
export function isOcsfTable(definition: GlueTableDefinition): boolean {
  const columns = definition.StorageDescriptor?.Columns ?? [];
  return columns.some((c) => ['src_endpoint', 'dst_endpoint', 'class_uid'].includes((c.Name ?? '').toLowerCase()));
}

/**
 * The catalogue columns whose OCSF attributes `has` holds, as SQL: each where every path it reads is there; an
 * address without `intermediate_ips` is its `ip` alone.
 */
export function ocsfColumns(has: (dotted: string) => boolean): Map<string, string> {
  const columns = new Map<string, string>();
  for (const [name, column] of Object.entries(OCSF_COLUMNS)) {
    if (column.paths.every(has)) columns.set(name, column.sql);
    else if ((name === 'srcaddr' || name === 'dstaddr') && has(column.paths[0]!)) columns.set(name, column.paths[0]!);
  }
  return columns;
}

/** The OCSF attributes of the audit's needed columns that `columns` (ocsfColumns) lacks, e.g. `dst_endpoint.port`. */
export function missingOcsfAttributes(columns: ReadonlyMap<string, string>): string[] {
  return NEEDED.filter((name) => !columns.has(name)).map((name) => OCSF_COLUMNS[name]!.paths[0]!);
}

/** What the audit reads of an OCSF table or file, for messages. */
export const OCSF_NEEDS =
  "a port audit reads src_endpoint.ip/.port, dst_endpoint.ip/.port, connection_info.protocol_num, traffic.packets/.bytes, action_id and time, as Security Lake's VPC flow table (OCSF 1.1.0, source version 2) has them";

/** Whether a Parquet file's leaf paths (engines/parquet-schema.ts) are an OCSF event's: the endpoint structs or class_uid. */
export function isOcsfSchema(paths: readonly string[]): boolean {
  return paths.some((p) => p === 'class_uid' || p.startsWith('src_endpoint.') || p.startsWith('dst_endpoint.'));
}

/**
 * The TableShape of an OCSF table read as `ref`: the catalogue columns of OCSF_COLUMNS, the account and region
 * from its partitions where it has them, the window on its day partition and `time`. Throws an InputError
 * (one sentence naming the table, the missing attributes and what the audit reads) when a needed attribute is
 * missing, or its partitions are not a scheme partition-roles.ts reads.
 */
export function ocsfTableShape(ref: TableRef, definition: GlueTableDefinition): TableShape {
  const described = `table ${ref.database}.${ref.table}`;
  const glueColumns = definition.StorageDescriptor?.Columns ?? [];
  const parameters = definition.Parameters ?? {};
  const columns = ocsfColumns((dotted) => hasPath(glueColumns, dotted));
  const missing = missingOcsfAttributes(columns);
  if (missing.length > 0) throw new InputError(`${described} is an OCSF table without ${missing.join(', ')}; ${OCSF_NEEDS}.`);
  const roles = partitionRoles(described, definition.PartitionKeys ?? [], parameters);
  if (roles.account) columns.set('account_id', columnSql(roles.account));
  if (roles.region) columns.set('region', columnSql(roles.region));
  return {
    table: ref,
    columns,
    // Where only some records carry a direction (see OCSF_COLUMNS), the others are read as a format without it.
    partialColumns: new Set(['flow_direction']),
    windowTerms: (window) => windowTerms(roles.time, '"time" / 1000', window),
    partitioning: describePartitioning(roles, parameters),
  };
}
