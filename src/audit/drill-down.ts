// The drill-down of ports: for each (port, protocol) asked for, who in the VPC opened its connections (instance,
// interface, subnet, address) and where they went (address, AWS service, traffic path), when, how many and how
// much, in each audit unit (account, region, VPC: issue 21) and over them all. One SQL query for all the ports and
// units (the audit's own records, see recordsCte), grouped by unit, source and destination; it counts what the audit's preset counts (egress-ports: destination ports of the connections the
// VPC opened; seed: source ports of every record from the VPC), so a port's drill-down agrees with its row; its rows are validated here and summed into one PortDrillDown per port. Formats without a field
// show what they have (the field is null).

import { isIP } from 'node:net';
import { CONNECTION_KEY, countedPort, recordsCte, type AuditParameters } from './query.js';
import { describe, MAX_COUNT, portKey, toUnit, UNIT_COLUMNS, unitOrder, wholeNumber } from './port-row.js';
import { unitKey, type AuditUnit } from './audit-unit.js';

/** A port and protocol to drill into. */
export interface PortRef {
  readonly port: number;
  readonly protocol: number;
}

/** The columns the drill-down SQL selects, in order. */
export const DRILL_DOWN_COLUMNS = [
  ...UNIT_COLUMNS, 'port', 'protocol', 'nat_copy', 'instance_id', 'interface_id', 'subnet_id', 'srcaddr', 'dstaddr', 'pkt_dst_aws_service', 'traffic_path',
  'connections', 'flows', 'bytes', 'first_seen', 'last_seen', 'port_total',
] as const;
type DrillDownColumn = (typeof DRILL_DOWN_COLUMNS)[number];
type RawDrillDownValue = string | number | bigint | boolean | null;
/** A drill-down row from an engine, keyed by column (a unit column absent: NULL, as in the audit's rows). */
export type RawDrillDownRow = Record<Exclude<DrillDownColumn, (typeof UNIT_COLUMNS)[number]>, RawDrillDownValue> & Partial<Record<(typeof UNIT_COLUMNS)[number], RawDrillDownValue>>;

/** At most this many (source, destination) groups are read; the busiest first. */
const DRILL_DOWN_ROW_LIMIT = 5000;
/** Sources and destinations shown per port. */
const TOP_PEERS = 3;

export interface DrillDownSource {
  readonly instanceId: string | null;
  readonly interfaceId: string | null;
  readonly subnetId: string | null;
  readonly address: string;
  readonly connections: number;
  readonly bytes: number;
  /** The instance's Name tag, where the action looked it up (aws/source-names.ts). */
  readonly instanceName?: string;
  /** The interface's description, where the action looked it up. */
  readonly interfaceDescription?: string;
}

export interface DrillDownDestination {
  readonly address: string;
  /** pkt-dst-aws-service, e.g. `S3`. */
  readonly awsService: string | null;
  /** traffic-path: 1-8 (see TRAFFIC_PATHS). */
  readonly trafficPath: number | null;
  readonly connections: number;
  readonly bytes: number;
}

/** One audit unit's drill-downs: its own sources and destinations of each port asked for that it has records of. */
export interface UnitDrillDown {
  readonly unit: AuditUnit;
  /** In the order asked; ports without records in the unit are left out. */
  readonly ports: readonly PortDrillDown[];
}

export interface PortDrillDown extends PortRef {
  readonly connections: number;
  readonly flows: number;
  readonly bytes: number;
  /** ISO times of the first record's start and the last record's end, where the format has them. */
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  /** Busiest first (connections, then bytes), at most TOP_PEERS. */
  readonly sources: readonly DrillDownSource[];
  readonly destinations: readonly DrillDownDestination[];
}

/**
 * traffic-path values (AWS VPC User Guide, "Flow log records", "Available fields", traffic-path): where egress
 * traffic went. 1 is "Through another resource in the same VPC, including resources that create a network
 * interface in the VPC": the path, not where the destination is.
 */
export const TRAFFIC_PATHS: Readonly<Record<number, string>> = {
  1: 'via another resource in the VPC',
  2: 'internet gateway or gateway VPC endpoint',
  3: 'virtual private gateway',
  4: 'intra-region VPC peering',
  5: 'inter-region VPC peering',
  6: 'local gateway',
  7: 'gateway VPC endpoint (Nitro)',
  8: 'internet gateway (Nitro)',
};

/**
 * The drill-down SQL for `ports` (validated numbers) over the audit's window and table, counting what the
 * preset counts (its port column, its records), per audit unit (account_id, region, vpc_id); DuckDB runs the same text.
 */
export function buildDrillDownSql(p: AuditParameters, ports: readonly PortRef[]): string {
  if (ports.length === 0) throw new Error('the drill-down needs at least one port');
  const records = recordsCte(p, ['instance_id', 'interface_id', 'subnet_id', 'pkt_dst_aws_service', 'traffic_path', 'start', 'end']);
  const port = countedPort(p.preset);
  const wanted = ports.map((r) => `${port} = ${Math.trunc(r.port)} AND protocol = ${Math.trunc(r.protocol)}`).join(' OR ');
  const unit = UNIT_COLUMNS.join(', ');
  const details = 'instance_id, interface_id, subnet_id, srcaddr, dstaddr, pkt_dst_aws_service, traffic_path';
  // Two grouping sets: by unit, source and destination, and each unit's totals of the port (a connection can show
  // in more than one group, e.g. on both interfaces of an east-west flow, so group sums could exceed the port's count).
  // The row limit keeps every total, then each (unit, port)'s busiest groups before any one's tail (group_rank), so
  // a busy VPC cannot crowd the others' sources out.
  return [
    ...records.slice(0, -1),
    `), groups AS (`,
    `  SELECT ${unit}, ${port} AS port, protocol, nat_copy, ${details},`,
    `    count(DISTINCT ${CONNECTION_KEY}) AS connections, count(*) AS flows, sum(bytes) AS bytes,`,
    `    min(start_time) AS first_seen, max(end_time) AS last_seen, grouping(${details}) > 0 AS port_total`,
    `  FROM records`,
    `  WHERE counted AND (${wanted})`,
    `  GROUP BY GROUPING SETS ((${unit}, ${port}, protocol, nat_copy, ${details}), (${unit}, ${port}, protocol, nat_copy))`,
    `), ranked AS (`,
    `  SELECT *, row_number() OVER (PARTITION BY ${unit}, port, protocol, nat_copy, port_total ORDER BY connections DESC, bytes DESC, srcaddr, dstaddr) AS group_rank`,
    `  FROM groups`,
    `)`,
    `SELECT ${DRILL_DOWN_COLUMNS.join(', ')}`,
    `FROM ranked`,
    `ORDER BY port_total DESC, group_rank, connections DESC, bytes DESC, port, protocol, ${unit}, srcaddr, dstaddr`,
    `LIMIT ${DRILL_DOWN_ROW_LIMIT}`,
  ].join('\n');
}

interface DrillDownRow {
  readonly unit: AuditUnit;
  readonly port: number;
  readonly protocol: number;
  readonly natCopy: boolean;
  /** The port's totals (the second grouping set): no source or destination. */
  readonly portTotal: boolean;
  readonly instanceId: string | null;
  readonly interfaceId: string | null;
  readonly subnetId: string | null;
  readonly srcaddr: string;
  readonly dstaddr: string;
  readonly awsService: string | null;
  readonly trafficPath: number | null;
  readonly connections: number;
  readonly flows: number;
  readonly bytes: number;
  readonly firstSeen: number | null;
  readonly lastSeen: number | null;
}

const ID_PATTERNS = { instance_id: /^i-[0-9a-f]{8,17}$/, interface_id: /^eni-[0-9a-f]{8,17}$/, subnet_id: /^subnet-[0-9a-f]{8,17}$/ } as const;
const AWS_SERVICE = /^[A-Z0-9_]{1,40}$/;
/** Epoch seconds up to the year 9999. */
const MAX_EPOCH = 253_402_300_799;

/** One row checked: ids, addresses and service names by pattern, numbers whole and in range; else the problem. */
function toDrillDownRow(raw: RawDrillDownRow): DrillDownRow | string {
  const unit = toUnit(raw as Partial<Record<(typeof UNIT_COLUMNS)[number], string | number | bigint | null>>);
  if (!unit.ok) return unit.problem;
  const text = (column: Exclude<DrillDownColumn, (typeof UNIT_COLUMNS)[number]>, pattern: RegExp): string | null | undefined => {
    const value = raw[column];
    if (value === null || value === '' || value === '-') return null;
    return typeof value === 'string' && pattern.test(value) ? value : undefined;
  };
  const number = (column: Exclude<DrillDownColumn, (typeof UNIT_COLUMNS)[number]>, max: number, nullable = false): number | null | undefined => {
    const value = raw[column];
    if (value === null && nullable) return null;
    return typeof value === 'boolean' ? undefined : wholeNumber(value, max);
  };
  const values = {
    port: number('port', 65535), protocol: number('protocol', 255),
    instanceId: text('instance_id', ID_PATTERNS.instance_id), interfaceId: text('interface_id', ID_PATTERNS.interface_id),
    subnetId: text('subnet_id', ID_PATTERNS.subnet_id), awsService: text('pkt_dst_aws_service', AWS_SERVICE),
    trafficPath: number('traffic_path', 255, true), connections: number('connections', MAX_COUNT), flows: number('flows', MAX_COUNT),
    bytes: number('bytes', MAX_COUNT), firstSeen: number('first_seen', MAX_EPOCH, true), lastSeen: number('last_seen', MAX_EPOCH, true),
  };
  const columns: Record<keyof typeof values, DrillDownColumn> = {
    port: 'port', protocol: 'protocol', instanceId: 'instance_id', interfaceId: 'interface_id', subnetId: 'subnet_id',
    awsService: 'pkt_dst_aws_service', trafficPath: 'traffic_path', connections: 'connections', flows: 'flows', bytes: 'bytes',
    firstSeen: 'first_seen', lastSeen: 'last_seen',
  };
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) return `${columns[key as keyof typeof values]} ${describe(raw[columns[key as keyof typeof values]] as string)} is not valid`;
  }
  const portTotal = raw.port_total === true || raw.port_total === 'true';
  for (const column of portTotal ? [] : (['srcaddr', 'dstaddr'] as const)) {
    const value = raw[column];
    if (typeof value !== 'string' || isIP(value) === 0) return `${column} ${describe(value as string)} is not an IP address`;
  }
  const natCopy = raw.nat_copy === true || raw.nat_copy === 'true';
  return { ...(values as { [K in keyof typeof values]: Exclude<(typeof values)[K], undefined> }), unit: unit.unit, port: values.port!, protocol: values.protocol!,
    connections: values.connections!, flows: values.flows!, bytes: values.bytes!, natCopy, portTotal, srcaddr: raw.srcaddr as string, dstaddr: raw.dstaddr as string };
}

/** Sums `rows` per key, busiest first (connections, then bytes), at most TOP_PEERS. */
function top<T extends { connections: number; bytes: number }>(rows: readonly DrillDownRow[], key: (row: DrillDownRow) => string, make: (row: DrillDownRow) => T): T[] {
  const sums = new Map<string, T>();
  for (const row of rows) {
    const k = key(row);
    const current = sums.get(k) ?? { ...make(row), connections: 0, bytes: 0 };
    sums.set(k, { ...current, connections: current.connections + row.connections, bytes: current.bytes + row.bytes });
  }
  return [...sums.values()].sort((a, b) => b.connections - a.connections || b.bytes - a.bytes).slice(0, TOP_PEERS);
}

const iso = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString());

/**
 * One port's drill-down from the rows it keeps (`used`: sources and destinations; `totals`: the port-total rows of
 * the same records, one per unit, summed, and their first and last times; without any, those of `used`).
 */
function drillDownOf(ref: PortRef, used: readonly DrillDownRow[], totals: readonly DrillDownRow[]): PortDrillDown {
  const whole = totals.length > 0 ? totals : used;
  const sum = (pick: (r: DrillDownRow) => number) => whole.reduce((total, r) => total + pick(r), 0);
  const times = (pick: (r: DrillDownRow) => number | null) => whole.map(pick).filter((t): t is number => t !== null);
  const starts = times((r) => r.firstSeen);
  const ends = times((r) => r.lastSeen);
  return {
    port: ref.port,
    protocol: ref.protocol,
    connections: sum((r) => r.connections),
    flows: sum((r) => r.flows),
    bytes: sum((r) => r.bytes),
    firstSeen: iso(starts.length ? Math.min(...starts) : null),
    lastSeen: iso(ends.length ? Math.max(...ends) : null),
    sources: top(used, (r) => `${r.instanceId} ${r.interfaceId} ${r.subnetId} ${r.srcaddr}`, (r) => ({
      instanceId: r.instanceId, interfaceId: r.interfaceId, subnetId: r.subnetId, address: r.srcaddr, connections: 0, bytes: 0,
    })),
    destinations: top(used, (r) => `${r.dstaddr} ${r.awsService} ${r.trafficPath}`, (r) => ({
      address: r.dstaddr, awsService: r.awsService, trafficPath: r.trafficPath, connections: 0, bytes: 0,
    })),
  };
}

/**
 * The drill-down of each port asked for, in the order asked (ports without records are left out): organisation-wide
 * (`ports`, every unit's records) and per unit (`units`, in the audit's unit order, each with the ports it has
 * records of), and one warning per row left out. In each unit, a port's numbers come from its instances' records;
 * a NAT gateway's translated copies are used only where the unit has no other records of the port (only the NAT's
 * interface is logged). The totals are the units' own rows (port_total) where the result has them, else the sums
 * of their groups; the organisation's are the sums of its units'.
 */
export function summarizeDrillDown(raws: readonly RawDrillDownRow[], ports: readonly PortRef[]): { ports: PortDrillDown[]; units: UnitDrillDown[]; rejected: string[] } {
  const rows: DrillDownRow[] = [];
  const rejected: string[] = [];
  raws.forEach((raw, index) => {
    const row = toDrillDownRow(raw);
    if (typeof row === 'string') rejected.push(`Drill-down row ${index + 1} was left out: ${row}.`);
    else rows.push(row);
  });
  const units = new Map<string, { unit: AuditUnit; ports: PortDrillDown[] }>();
  const organisation: PortDrillDown[] = [];
  for (const ref of ports) {
    const ofPort = rows.filter((r) => portKey(r) === portKey(ref));
    const sides = new Map<string, DrillDownRow[]>();
    for (const row of ofPort) sides.set(unitKey(row.unit), [...(sides.get(unitKey(row.unit)) ?? []), row]);
    const kept: { used: DrillDownRow[]; totals: DrillDownRow[] }[] = [];
    for (const [key, all] of sides) {
      const own = all.filter((r) => !r.natCopy);
      const side = own.length > 0 ? own : all;
      const used = side.filter((r) => !r.portTotal);
      const totals = side.filter((r) => r.portTotal);
      // A unit whose groups the row limit cut still has its totals (its sources and destinations are then empty).
      if (used.length === 0 && totals.length === 0) continue;
      kept.push({ used, totals });
      const entry = units.get(key) ?? { unit: all[0]!.unit, ports: [] };
      entry.ports.push(drillDownOf(ref, used, totals));
      units.set(key, entry);
    }
    if (kept.length === 0) continue;
    // Totals are summed over units only when every unit has its own (the LIMIT could cut some).
    const allTotals = kept.every((k) => k.totals.length > 0) ? kept.flatMap((k) => k.totals) : [];
    organisation.push(drillDownOf(ref, kept.flatMap((k) => k.used), allTotals));
  }
  const ordered = [...units.values()].sort((a, b) => unitOrder(a.unit).localeCompare(unitOrder(b.unit)));
  return { ports: organisation, units: ordered, rejected };
}
