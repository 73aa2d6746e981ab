// The audit query: SQL text built from validated parameters only. The same text runs on Athena and, through
// the DuckDB engine, on local files. Two presets:
//  - egress-ports (default): destination ports of connections the VPC opened to addresses outside its CIDRs.
//    A record counts toward its destination port when it leaves the VPC (flow-direction egress where the
//    format has it) and the VPC opened the flow: with tcp-flags, a TCP record that carries SYN without
//    SYN-ACK (the opening interval), or one with neither (a later interval of an established connection:
//    flags are OR-ed per interval, so a long connection logs 0 after its first) whose destination port is
//    the service side by the lower-port rule; UDP and formats without tcp-flags use the lower-port rule too.
//    A NAT gateway's records (its translated copy of a connection an instance opened) are a second view of
//    the same connections: each count is the larger of the two views, never their sum (see natCopyTerm).
//    The ports rank by connections (distinct source address, source port, destination address and port
//    active in the window), then by flows (records): one long connection is one connection however many
//    aggregation intervals it spans, so it cannot outrank many short ones.
//    The query returns every (port, protocol) of the window, busiest first, up to `maxPorts`; each row also
//    carries how many the window has in all (a window count in the same query), so a capped result says how
//    many were left out. The top list is the first rows of it (a report's choice, not the query's).
//    Organisation audits (issue 21): every counted connection belongs to a unit (audit/audit-unit.ts), its
//    account, region and VPC from the record's own fields (or the table's partitions, or the local view's S3
//    path), else from the inventory's VPC whose CIDRs hold the source address, else NULL. Views, counts, the
//    window count and the maxPorts cap are per unit; one VPC's audit is one unit (today's answer). With an
//    inventory, "inside" is per VPC (see insideSql): a connection from one VPC to another VPC of the organisation
//    is egress of the first, as it leaves its own VPC.
//  - seed: the original recipe's question (source ports of traffic from the VPC), with real CIDRs instead
//    of `LIKE '10.0%'`. Kept for comparison: it counts ephemeral ports of outbound connections.

import type { InventoryVpc } from './audit-unit.js';
import { addressInCidrsSql } from './cidr-sql.js';
import type { Cidr } from './cidr.js';
import type { HourWindow } from '../flowlog/layout.js';
import type { TableShape } from './table-shape.js';
import { InputError } from '../input-error.js';

export const PRESETS = ['egress-ports', 'seed'] as const;
export type Preset = (typeof PRESETS)[number];

export interface AuditParameters {
  readonly preset: Preset;
  readonly vpcCidrs: readonly Cidr[];
  readonly window: HourWindow;
  /** At most this many (port, protocol) rows are returned, the busiest (see the header); the rest are only counted. */
  readonly maxPorts: number;
  /** The table read: its name, columns and partitioning. */
  readonly source: TableShape;
  /**
   * Private addresses of the VPC's NAT gateways (validated IP addresses): records they send are the NAT's
   * translated copies (from ec2:DescribeNatGateways in the action, --nat-addresses in the CLI). Optional:
   * where the format has interface-id, flow-direction and pkt-dstaddr the NAT's interfaces are also found
   * in the records themselves.
   */
  readonly natAddresses?: readonly string[];
  /**
   * The VPCs of the organisation with their CIDRs (`--vpcs FILE`, or in the action the vpcs-file input merged with
   * ec2:DescribeVpcs look-ups, aws/vpc-inventory-lookup.ts): "inside" becomes per VPC and records without a vpc-id
   * are attributed by their source address. Optional: without it (or empty) every record is judged against
   * `vpcCidrs`, as for one VPC.
   */
  readonly inventory?: readonly InventoryVpc[];
  /**
   * The accounts audited (12-digit ids, validated; `--accounts`, the action's `accounts` input): records of other
   * accounts are not read. On the account's partition column (Security Lake's `accountid`, the Bootstrap table's
   * `account_partition`) Athena then reads only those accounts' partitions. Optional: every account.
   */
  readonly accounts?: readonly string[];
}

const TCP = 6;
const UDP = 17;
/** tcp-flags bits: SYN 2, SYN-ACK 18 (SYN + ACK 16). */
const SYN = 2;
const SYN_ACK = 18;

/** The shape's SQL for a catalogue column; the builder only asks for columns it checked or that every shape has. */
export function column(shape: TableShape, name: string): string {
  const sql = shape.columns.get(name);
  if (sql === undefined) throw new Error(`table ${shape.table.table} has no ${name} column`);
  return sql;
}

/**
 * A term on a column the table has. When only some rows carry the column (TableShape.partialColumns), rows
 * without it pass when `without` holds (or always, without `without`), as in a table lacking the column.
 */
function termOn(shape: TableShape, name: string, term: string, without?: string): string {
  if (!shape.partialColumns?.has(name)) return term;
  const sql = column(shape, name);
  return `(${sql} IS NOT NULL AND ${term} OR ${sql} IS NULL${without === undefined ? '' : ` AND ${without}`})`;
}

/** The opener rule (see the header) as one boolean SQL expression over the table's columns; true for every record without the fields. */
export function openerExpression(shape: TableShape): string {
  const c = (name: string) => column(shape, name);
  const protocol = c('protocol');
  const servicePortIsLower = `${c('dstport')} <= ${c('srcport')}`;
  const byPorts = `(${protocol} NOT IN (${TCP}, ${UDP}) OR ${servicePortIsLower})`;
  const terms: string[] = [];
  if (shape.columns.has('flow_direction')) terms.push(termOn(shape, 'flow_direction', `${c('flow_direction')} = 'egress'`));
  if (shape.columns.has('tcp_flags')) {
    const flags = `bitwise_and(${c('tcp_flags')}, ${SYN_ACK})`;
    const byFlags =
      `(${protocol} = ${TCP} AND (${flags} = ${SYN} OR ${flags} = 0 AND ${servicePortIsLower})` +
      ` OR ${protocol} = ${UDP} AND ${servicePortIsLower} OR ${protocol} NOT IN (${TCP}, ${UDP}))`;
    terms.push(termOn(shape, 'tcp_flags', byFlags, byPorts));
  } else {
    terms.push(byPorts);
  }
  return terms.join(' AND ');
}

/**
 * True for a record a NAT gateway sent: its source is a given NAT address, or (where the format has the
 * fields) its interface received, in the window, a packet from the VPC whose original destination
 * (`pkt-dstaddr`) lies outside the VPC while the packet was addressed to the interface itself: what a NAT
 * gateway's interface logs for traffic it translates (AWS VPC User Guide, "Flow log record examples",
 * "Traffic through a NAT gateway"). `false` when neither applies.
 */
/** The columns with which the query tells a NAT gateway's records without its addresses (see natCopyTerm). */
export const NAT_DETECTION_COLUMNS = ['interface_id', 'flow_direction', 'pkt_dstaddr'] as const;

function natCopyTerm(shape: TableShape, p: AuditParameters): string {
  const c = (name: string) => column(shape, name);
  const terms: string[] = [];
  if (p.natAddresses && p.natAddresses.length > 0) terms.push(`${c('srcaddr')} IN (${p.natAddresses.map((a) => `'${a}'`).join(', ')})`);
  if (NAT_DETECTION_COLUMNS.every((name) => shape.columns.has(name))) {
    const translated = `${c('flow_direction')} = 'ingress' AND ${insideSql(p, c('dstaddr'))} AND NOT ${insideSql(p, c('pkt_dstaddr'))}`;
    terms.push(`max(CASE WHEN ${translated} THEN 1 ELSE 0 END) OVER (PARTITION BY ${c('interface_id')}) = 1`);
  }
  return terms.length === 0 ? 'false' : `(${terms.join(' OR ')})`;
}

/**
 * The columns the inventory's join adds to each record (see sourceRelation): its inventory VPC, that VPC's account
 * and region, and the number of its CIDR set (inventoryCidrSets); all NULL for a record of no inventory VPC.
 */
const INVENTORY_VPC = 'inventory_vpc';
const INVENTORY_ACCOUNT = 'inventory_account';
const INVENTORY_REGION = 'inventory_region';
const INVENTORY_CIDR_SET = 'inventory_cidr_set';

/** Whether `p` judges records against an inventory of VPCs (a non-empty one). */
const hasInventory = (p: AuditParameters): p is AuditParameters & { inventory: readonly InventoryVpc[] } => (p.inventory?.length ?? 0) > 0;

/** A SQL string literal of validated text (account ids, region codes, VPC ids: no quotes can occur). */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * The distinct CIDR lists of the inventory's VPCs, each once (organisations reuse 10.0.0.0/16 in every account, so
 * 100 VPCs often have two or three), and for each VPC the index of its list: "inside" then tests one list per record.
 */
function inventoryCidrSets(inventory: readonly InventoryVpc[]): { readonly sets: readonly (readonly Cidr[])[]; readonly setOf: ReadonlyMap<string, number> } {
  const byText = new Map<string, number>();
  const sets: (readonly Cidr[])[] = [];
  const setOf = new Map<string, number>();
  for (const vpc of inventory) {
    const text = vpc.cidrs.map((c) => c.text).join(',');
    if (!byText.has(text)) byText.set(text, sets.push(vpc.cidrs) - 1);
    setOf.set(vpc.vpcId, byText.get(text)!);
  }
  return { sets, setOf };
}

/**
 * The inventory VPC a record belongs to, as the join key: the record's own vpc-id where it has one (a VPC outside the
 * inventory then joins nothing), else (where known, the record's account and region, then) the first VPC whose
 * CIDRs hold the source address; NULL when none.
 */
function inventoryKeySql(shape: TableShape, inventory: readonly InventoryVpc[]): string {
  const own = (name: string) => shape.columns.get(name);
  const sameAs = (name: string, value: string) => {
    const sql = own(name);
    return sql === undefined ? [] : [`(${sql} IS NULL OR ${sql} = ${literal(value)})`];
  };
  const whens = inventory.map((v) => {
    const byAddress = [...sameAs('account_id', v.account), ...sameAs('region', v.region), addressInCidrsSql(column(shape, 'srcaddr'), v.cidrs)].join(' AND ');
    return `      WHEN ${byAddress} THEN ${literal(v.vpcId)}`;
  });
  const byAddress = ['CASE', ...whens, '    END'].join('\n');
  const vpc = own('vpc_id');
  return vpc === undefined ? byAddress : `coalesce(${vpc}, ${byAddress})`;
}

/**
 * The relation the records are read from: the table itself, or with an inventory the table joined to the inventory
 * as a VALUES relation (one row per VPC), which adds INVENTORY_VPC, INVENTORY_ACCOUNT, INVENTORY_REGION and
 * INVENTORY_CIDR_SET to each record, so that the terms of recordTerms can judge "inside" per VPC. A join, not an
 * expression per VPC: engines inline a computed column into every use, and per-VPC CASEs nested in each other
 * grew with the square of the inventory (20 VPCs: 22x the audit without one; bench/organisation-audit.ts).
 */
export function sourceRelation(p: AuditParameters): string {
  const table = `"${p.source.table.database}"."${p.source.table.table}"`;
  if (!hasInventory(p)) return table;
  const { setOf } = inventoryCidrSets(p.inventory);
  const rows = p.inventory.map((v) => `(${literal(v.vpcId)}, ${literal(v.account)}, ${literal(v.region)}, ${setOf.get(v.vpcId)})`);
  const columns = [INVENTORY_VPC, INVENTORY_ACCOUNT, INVENTORY_REGION, INVENTORY_CIDR_SET].join(', ');
  return [
    `(SELECT * FROM ${table}`,
    `    LEFT JOIN (VALUES ${rows.join(', ')}) AS inventory (${columns})`,
    `    ON ${INVENTORY_VPC} = ${inventoryKeySql(p.source, p.inventory)}) AS located`,
  ].join('\n');
}

/**
 * SQL true when `address` is inside the record's VPC: without an inventory, inside `vpcCidrs`; with one, inside
 * the CIDRs of the record's inventory VPC or `vpcCidrs` (which apply to every VPC). A connection to another VPC of
 * the organisation is outside the record's own VPC, so it counts as that VPC's egress.
 */
export function insideSql(p: AuditParameters, address: string): string {
  const everywhere = addressInCidrsSql(address, p.vpcCidrs);
  if (!hasInventory(p)) return everywhere;
  const whens = inventoryCidrSets(p.inventory).sets.map((cidrs, i) => `WHEN ${i} THEN ${addressInCidrsSql(address, [...cidrs, ...p.vpcCidrs])}`);
  return `(CASE ${INVENTORY_CIDR_SET} ${whens.join(' ')} ELSE ${everywhere} END)`;
}

/**
 * With an inventory, records of a VPC whose CIDRs nothing tells (no inventory VPC, source outside `vpcCidrs`) are
 * still audited where the format says where the traffic went: `flow-direction` egress leaves the interface, and
 * `traffic-path` other than 1 (through another resource in the same VPC) leaves the VPC; `-` (none of the values
 * applies) is NULL here and not counted, as it cannot say the traffic left (Amazon VPC user guide,
 * "Flow log records" > "Available fields", traffic-path, https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html).
 * Undefined without an inventory or without those fields.
 */
function unknownVpcTerms(p: AuditParameters): { readonly unknown: string; readonly egress: string; readonly leftVpc: string } | undefined {
  const shape = p.source;
  if (!hasInventory(p) || !shape.columns.has('flow_direction') || !shape.columns.has('traffic_path')) return undefined;
  return {
    unknown: `${INVENTORY_VPC} IS NULL${p.vpcCidrs.length === 0 ? '' : ` AND NOT ${addressInCidrsSql(column(shape, 'srcaddr'), p.vpcCidrs)}`}`,
    egress: `${column(shape, 'flow_direction')} = 'egress'`,
    leftVpc: `coalesce(${column(shape, 'traffic_path')} <> 1, false)`,
  };
}

/**
 * The unit columns of a record (account_id, region, vpc_id): the table's column where it has one, else (with an
 * inventory) the inventory VPC's, else NULL.
 */
function unitFields(p: AuditParameters): string[] {
  const shape = p.source;
  const inventory = hasInventory(p);
  const unit = (name: string, fromInventory: string) => {
    const own = shape.columns.get(name);
    const sql = !inventory ? (own ?? 'CAST(NULL AS varchar)') : own === undefined ? fromInventory : `coalesce(${own}, ${fromInventory})`;
    return sql === name ? name : `${sql} AS ${name}`;
  };
  return [unit('account_id', INVENTORY_ACCOUNT), unit('region', INVENTORY_REGION), unit('vpc_id', INVENTORY_VPC)];
}

/**
 * The term keeping only the `accounts` audited (see AuditParameters.accounts): on the table's account column (a
 * partition, where the table has one, so that Athena prunes); a record that names no account is kept when its source
 * address is inside a VPC of those accounts in the inventory. None without `accounts`. On the table's own columns
 * only, so that the coverage query (which reads the table itself, for Athena's `$path`) shares it. Throws when
 * nothing can tell a record's account.
 */
function accountScopeTerms(p: AuditParameters): string[] {
  if (p.accounts === undefined || p.accounts.length === 0) return [];
  const own = p.source.columns.get('account_id');
  if (own === undefined && !hasInventory(p)) {
    throw new InputError(
      `accounts: ${p.source.table.table} tells no record's account (no account-id field, account partition or AWSLogs path); ` +
        'give a VPC inventory (--vpcs, the action\'s vpcs-file) so that records are attributed to accounts by address, or audit every account.',
    );
  }
  const cidrs = new Map((p.inventory ?? []).filter((v) => p.accounts!.includes(v.account)).flatMap((v) => v.cidrs).map((c) => [c.text, c]));
  const byAddress = addressInCidrsSql(column(p.source, 'srcaddr'), [...cidrs.values()]);
  if (own === undefined) return [byAddress];
  const named = `${own} IN (${p.accounts.map(literal).join(', ')})`;
  return [hasInventory(p) ? `(${named} OR ${own} IS NULL AND ${byAddress})` : named];
}

/** The port a preset counts: the destination port for egress-ports, the source port for seed. */
export function countedPort(preset: Preset): 'dstport' | 'srcport' {
  return preset === 'egress-ports' ? 'dstport' : 'srcport';
}

/** One connection: source address and port, destination address and port, as text (count(DISTINCT) takes one value). */
export const CONNECTION_KEY = `concat(srcaddr, ' ', CAST(srcport AS varchar), ' ', dstaddr, ' ', CAST(dstport AS varchar))`;

/** Optional fields the drill-down reads: absent ones become typed NULLs (see recordsCte). */
const OPTIONAL_FIELDS: Readonly<Record<string, { readonly as: string; readonly type: string }>> = {
  instance_id: { as: 'instance_id', type: 'varchar' },
  interface_id: { as: 'interface_id', type: 'varchar' },
  subnet_id: { as: 'subnet_id', type: 'varchar' },
  pkt_dst_aws_service: { as: 'pkt_dst_aws_service', type: 'varchar' },
  traffic_path: { as: 'traffic_path', type: 'integer' },
  start: { as: 'start_time', type: 'bigint' },
  end: { as: 'end_time', type: 'bigint' },
};

/** The WHERE terms of the records the audit reads, step by step (recordsCte ANDs them all). */
export interface RecordTerms {
  /** The shape's terms for the window (none where the folders read are the window's hours). */
  readonly window: readonly string[];
  /**
   * The terms that keep only the audited scope's records: the shape's own (TableShape.vpcTerms: the audited VPC's
   * records of the stack's table) and the audited accounts (AuditParameters.accounts); often none.
   */
  readonly vpc: readonly string[];
  /** The source address is inside the VPC's CIDRs (with an inventory, its own VPC's; see insideSql and unknownVpcTerms). */
  readonly fromVpc: string;
  /** egress-ports: `action` is ACCEPT and (where the table has it) `log_status` is OK; none for seed. */
  readonly accepted: readonly string[];
}

/** The audit's record terms for `p` (see RecordTerms), over sourceRelation(p). */
export function recordTerms(p: AuditParameters): RecordTerms {
  const shape = p.source;
  const c = (name: string) => column(shape, name);
  const accepted: string[] = [];
  if (p.preset === 'egress-ports') {
    accepted.push(`${c('action')} = 'ACCEPT'`);
    if (shape.columns.has('log_status')) accepted.push(termOn(shape, 'log_status', `${c('log_status')} = 'OK'`));
  }
  const inside = insideSql(p, c('srcaddr'));
  const unknown = unknownVpcTerms(p);
  const fromVpc = unknown === undefined ? inside : `(${inside} OR ${unknown.unknown} AND ${unknown.egress})`;
  return { window: shape.windowTerms(p.window), vpc: [...(shape.vpcTerms ?? []), ...accountScopeTerms(p)], fromVpc, accepted };
}

/**
 * The `WITH records AS (...)` the audit and the drill-down share: the window's records from the VPC, each
 * with the catalogue's field names, its unit (`account_id`, `region`, `vpc_id`; see unitFields), `counted` (what
 * the preset counts) and `nat_copy` (a NAT gateway's translated copy). `optional` names fields of OPTIONAL_FIELDS to carry too (NULL where the table lacks them);
 * `extra` adds `expression AS name` columns computed over sourceRelation(p) (its columns, insideSql, openerExpression).
 */
export function recordsCte(p: AuditParameters, optional: readonly (keyof typeof OPTIONAL_FIELDS)[] = [], extra: readonly string[] = []): string[] {
  const shape = p.source;
  const c = (name: string) => column(shape, name);
  const egress = p.preset === 'egress-ports';
  const terms = recordTerms(p);
  const where = [...terms.window, ...terms.vpc, terms.fromVpc, ...terms.accepted];
  // `x AS x` only where the table's column has another name (the recipe's `sourceaddress AS srcaddr`).
  const as = (sql: string, name: string) => (sql === name ? name : `${sql} AS ${name}`);
  const fields = ['srcaddr', 'srcport', 'dstaddr', 'dstport', 'protocol', 'packets', 'bytes'].map((name) => as(c(name), name));
  for (const name of optional) {
    const { as: alias, type } = OPTIONAL_FIELDS[name]!;
    fields.push(shape.columns.has(name) ? as(c(name), alias) : `CAST(NULL AS ${type}) AS ${alias}`);
  }
  const unknown = unknownVpcTerms(p);
  const outside = `NOT ${insideSql(p, c('dstaddr'))}`;
  const leftVpc = unknown === undefined ? outside : `CASE WHEN ${unknown.unknown} THEN ${unknown.leftVpc} ELSE ${outside} END`;
  const counted = egress ? `${leftVpc} AND ${openerExpression(shape)}` : `true`;
  return [
    `WITH records AS (`,
    `  SELECT ${fields.join(', ')},`,
    `    ${unitFields(p).join(', ')},`,
    `    ${counted} AS counted,`,
    ...extra.map((sql) => `    ${sql},`),
    `    ${egress ? natCopyTerm(shape, p) : 'false'} AS nat_copy`,
    `  FROM ${sourceRelation(p)}`,
    `  WHERE ${where.join('\n    AND ')}`,
    `)`,
  ];
}

/** The unit columns every grouped step carries (recordsCte names them so). */
const UNIT = 'account_id, region, vpc_id';

/**
 * The Athena SQL of an audit; DuckDB runs the same text (see engines/duckdb.ts). One row per (unit, port,
 * protocol), the busiest `maxPorts` of each unit, units in order of their columns and each unit's rows in rank
 * order; `ports_in_window` is the unit's count of ports (audit/port-row.ts RESULT_COLUMNS).
 */
export function buildAuditSql(p: AuditParameters): string {
  const port = countedPort(p.preset);
  const records = recordsCte(p);
  return [
    ...records.slice(0, -1),
    `), views AS (`,
    `  SELECT ${UNIT}, ${port} AS port, protocol, nat_copy, count(DISTINCT ${CONNECTION_KEY}) AS connections,`,
    `    count(*) AS flows, sum(packets) AS packets, sum(bytes) AS bytes,`,
    `    count(DISTINCT dstaddr) AS peers, min(dstaddr) AS peer_low, max(dstaddr) AS peer_high`,
    `  FROM records`,
    `  WHERE counted`,
    `  GROUP BY ${UNIT}, ${port}, protocol, nat_copy`,
    `), ports AS (`,
    `  SELECT ${UNIT}, port, protocol, max(connections) AS connections, max(flows) AS flows, max(packets) AS packets, max(bytes) AS bytes,`,
    `    max(peers) AS peers, min(peer_low) AS peer_low, max(peer_high) AS peer_high,`,
    `    count(*) OVER (PARTITION BY ${UNIT}) AS ports_in_window,`,
    `    row_number() OVER (PARTITION BY ${UNIT} ORDER BY max(connections) DESC, max(flows) DESC, port, protocol) AS port_rank`,
    `  FROM views`,
    `  GROUP BY ${UNIT}, port, protocol`,
    `)`,
    `SELECT port, protocol, connections, flows, packets, bytes, peers, peer_low, peer_high, ports_in_window, ${UNIT}`,
    `FROM ports`,
    `WHERE port_rank <= ${p.maxPorts}`,
    `ORDER BY ${UNIT}, port_rank`,
  ].join('\n');
}
