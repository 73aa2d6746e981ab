// The shared shape of an audit's result: one row per (port, protocol), in rank order. Both engines
// (Athena and DuckDB) return these rows, so everything after the engine is shared. Engine rows are validated
// here: a row with a bad value is left out with one warning, so it is never stored or reported.

import { REGION_CODE } from '../aws/names.js';
import { isIP } from 'node:net';
import { unitKey, type AuditUnit, type UnitPorts } from './audit-unit.js';

export interface PortRow {
  readonly port: number;
  /** IANA protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6). */
  readonly protocol: number;
  /**
   * Connections active in the window: distinct (source address, source port, destination address,
   * destination port). The rank: a long connection is one connection in every window it is active.
   */
  readonly connections: number;
  /** Flow-log records counted (one per interface, aggregation interval and direction of a connection). */
  readonly flows: number;
  readonly packets: number;
  readonly bytes: number;
  /** Distinct peer addresses (destinations for egress-ports). */
  readonly peers: number;
  /** Up to two example peers (the lowest and highest address seen). */
  readonly samplePeers: readonly string[];
}

/** The unit columns of a result row (audit/audit-unit.ts), NULL where nothing tells. */
export const UNIT_COLUMNS = ['account_id', 'region', 'vpc_id'] as const;
type UnitColumn = (typeof UNIT_COLUMNS)[number];

/**
 * The columns the audit SQL selects, in order; each engine maps them onto PortRow and its unit. `ports_in_window`
 * is the same on every row of a unit: how many (port, protocol) the unit has in the window, returned or not (see
 * ValidatedRows.portsLeftOut).
 */
export const RESULT_COLUMNS = ['port', 'protocol', 'connections', 'flows', 'packets', 'bytes', 'peers', 'peer_low', 'peer_high', 'ports_in_window', ...UNIT_COLUMNS] as const;
type ResultColumn = Exclude<(typeof RESULT_COLUMNS)[number], UnitColumn>;

type RawValue = string | number | bigint | null;
/** A result row from an engine, keyed by column, with each value as text, number, bigint or null (a unit column absent: NULL). */
export type RawResultRow = Record<ResultColumn, RawValue> & Partial<Record<UnitColumn, RawValue>>;

/** The JSON form of a row in outputs and `--format json`: the counts, without the sample peers. */
export function portRowJson({ port, protocol, connections, flows, packets, bytes, peers }: PortRow) {
  return { port, protocol, connections, flows, packets, bytes, peers };
}

/** A row that passed validation, or the one sentence that says why it was rejected. */
type PortRowCheck = { readonly ok: true; readonly row: PortRow } | { readonly ok: false; readonly problem: string };

/** The rows of a result that passed validation, and one warning sentence per row that did not. */
interface ValidatedRows {
  /** The organisation-wide list: the units' rows summed per (port, protocol) (see sumOverUnits), in rank order. */
  readonly rows: PortRow[];
  /** Each unit's rows in rank order, units ordered by account, region and VPC id (unknown parts last). */
  readonly units: UnitPorts[];
  readonly rejected: string[];
  /**
   * Ports beyond the query's cap (max-ports, per unit): counted by the query, not returned, summed over units (a
   * port left out in two units counts twice). 0 when none.
   */
  readonly portsLeftOut: number;
}

/** The most a count can be and stay exact in a JavaScript number (2^53 - 1). */
export const MAX_COUNT = Number.MAX_SAFE_INTEGER;
/** The largest value of each numeric column. */
const NUMBER_RANGES = { port: 65535, protocol: 255, connections: MAX_COUNT, flows: MAX_COUNT, packets: MAX_COUNT, bytes: MAX_COUNT, peers: MAX_COUNT } as const;
type NumberColumn = keyof typeof NUMBER_RANGES;

/** A whole number from 0 to `max` (an engine's integer as number, bigint or decimal text), else undefined. */
export function wholeNumber(value: string | number | bigint | null, max: number): number | undefined {
  if (value === null) return undefined;
  const text = typeof value === 'string' ? value.trim() : String(value);
  if (!/^\d{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

/**
 * Validates one engine row: port a whole number 0-65535, protocol 0-255 (IANA), counts whole and
 * non-negative, sample peers IPv4 or IPv6 addresses (node:net `isIP`). NULL is never read as 0.
 */
export function toPortRow(raw: RawResultRow): PortRowCheck {
  const numbers = {} as Record<NumberColumn, number>;
  for (const column of Object.keys(NUMBER_RANGES) as NumberColumn[]) {
    const n = wholeNumber(raw[column], NUMBER_RANGES[column]);
    if (n === undefined) return { ok: false, problem: `${column} ${describe(raw[column])} is not a whole number from 0 to ${NUMBER_RANGES[column]}` };
    numbers[column] = n;
  }
  const peers: string[] = [];
  for (const column of ['peer_low', 'peer_high'] as const) {
    const value = raw[column];
    if (value === null || value === '') continue;
    if (typeof value !== 'string' || isIP(value) === 0) return { ok: false, problem: `${column} ${describe(value)} is not an IP address` };
    peers.push(value);
  }
  return { ok: true, row: { ...numbers, samplePeers: [...new Set(peers)] } };
}

/** The value as a log shows it: JSON, cut to 40 characters (a poisoned row must not flood the log). */
export function describe(value: string | number | bigint | null): string {
  const text = value === null ? 'NULL' : JSON.stringify(typeof value === 'bigint' ? value.toString() : value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

/**
 * What each unit column may hold (NULL, `-` or empty: unknown), and how a message names it. The VPC id is held to
 * `vpc-` and lowercase letters and digits, not EC2's hex digits: a row is kept out only when its text is unsafe
 * to report, and hand-made logs (documentation examples, test fixtures) name VPCs freely.
 */
const UNIT_SHAPES: Record<UnitColumn, { readonly pattern: RegExp; readonly what: string }> = {
  account_id: { pattern: /^\d{12}$/, what: 'a 12-digit AWS account id' },
  region: { pattern: new RegExp(`^${REGION_CODE}$`), what: 'an AWS Region code' },
  vpc_id: { pattern: /^vpc-[0-9a-z]{1,32}$/, what: 'a VPC id (vpc- and up to 32 lowercase letters and digits)' },
};

/** The unit of an engine row (the audit's, the drill-down's), or the sentence saying which of its columns is not what it must be. */
export function toUnit(raw: Partial<Record<UnitColumn, RawValue>>): { readonly ok: true; readonly unit: AuditUnit } | { readonly ok: false; readonly problem: string } {
  const parts = {} as Record<UnitColumn, string | null>;
  for (const name of UNIT_COLUMNS) {
    const value = raw[name] ?? null;
    if (value === null || value === '' || value === '-') {
      parts[name] = null;
      continue;
    }
    if (typeof value !== 'string' || !UNIT_SHAPES[name].pattern.test(value)) return { ok: false, problem: `${name} ${describe(value)} is not ${UNIT_SHAPES[name].what}` };
    parts[name] = value;
  }
  return { ok: true, unit: { account: parts.account_id, region: parts.region, vpcId: parts.vpc_id } };
}

/** Rank order: connections, then flows (both descending), then port and protocol. */
const byRank = (a: PortRow, b: PortRow) => b.connections - a.connections || b.flows - a.flows || a.port - b.port || a.protocol - b.protocol;

/**
 * The organisation-wide rows: per (port, protocol) the sum over units of connections, flows, packets, bytes and
 * peers (peers are counted per unit: a destination reached from two VPCs counts once for each, as its
 * connections do), with the lowest and highest sample peer of any unit; in rank order.
 */
export function sumOverUnits(units: readonly UnitPorts[]): PortRow[] {
  const sums = new Map<string, PortRow>();
  for (const row of units.flatMap((u) => u.rows)) {
    const key = portKey(row);
    const sum = sums.get(key);
    if (!sum) {
      sums.set(key, row);
      continue;
    }
    const peers = [...sum.samplePeers, ...row.samplePeers].sort();
    sums.set(key, {
      ...sum,
      connections: sum.connections + row.connections,
      flows: sum.flows + row.flows,
      packets: sum.packets + row.packets,
      bytes: sum.bytes + row.bytes,
      peers: sum.peers + row.peers,
      samplePeers: [...new Set([peers[0]!, peers.at(-1)!])],
    });
  }
  return [...sums.values()].sort(byRank);
}

/** Unknown unit parts sort after known ones. */
export const unitOrder = (u: AuditUnit) => [u.account, u.region, u.vpcId].map((part) => part ?? '\uffff').join('/');

/**
 * Validates every row of a result (its counts, sample peers and unit); a warning names the row by its 1-based
 * position in the engine's result. Rows are grouped into their units; `rows` is their sum (sumOverUnits).
 */
export function validatePortRows(raws: readonly RawResultRow[]): ValidatedRows {
  const units = new Map<string, { unit: AuditUnit; rows: PortRow[]; returned: number; inWindow: number }>();
  const rejected: string[] = [];
  raws.forEach((raw, index) => {
    const unit = toUnit(raw);
    // A row returned counts as returned, valid or not: it is left out of the report, not beyond the cap.
    const entry = unit.ok ? (units.get(unitKey(unit.unit)) ?? { unit: unit.unit, rows: [], returned: 0, inWindow: wholeNumber(raw.ports_in_window, MAX_COUNT) ?? 0 }) : undefined;
    if (entry && unit.ok) {
      entry.returned += 1;
      units.set(unitKey(unit.unit), entry);
    }
    const check = unit.ok ? toPortRow(raw) : unit;
    if (check.ok) entry!.rows.push(check.row);
    else rejected.push(`Result row ${index + 1} was left out of the report and the memory: ${check.problem}.`);
  });
  const unitPorts = [...units.values()]
    .filter((u) => u.rows.length > 0)
    .sort((a, b) => unitOrder(a.unit).localeCompare(unitOrder(b.unit)))
    .map(({ unit, rows, returned, inWindow }) => ({ unit, rows, portsLeftOut: Math.max(0, inWindow - returned) }));
  // One unit: its rows as the query ranked them (today's answer); several: their sum.
  const rows = unitPorts.length === 1 ? unitPorts[0]!.rows : sumOverUnits(unitPorts);
  const portsLeftOut = unitPorts.reduce((sum, u) => sum + u.portsLeftOut, 0);
  return { rows, units: unitPorts, rejected, portsLeftOut };
}

const PROTOCOL_NAMES = new Map<number, string>([[6, 'tcp'], [17, 'udp'], [1, 'icmp'], [58, 'icmpv6']]);
const PROTOCOL_NUMBERS = new Map<string, number>([...PROTOCOL_NAMES].map(([n, name]) => [name, n]));

/** What a protocol may be, for messages: `accepted are ${ACCEPTED_PROTOCOLS}`. */
export const ACCEPTED_PROTOCOLS = `${[...PROTOCOL_NUMBERS.keys()].join(', ')} or a number from 0 to 255`;

/** `tcp`, `udp`, `icmp`, `icmpv6`, or the number as text. */
export function protocolName(protocol: number): string {
  return PROTOCOL_NAMES.get(protocol) ?? String(protocol);
}

/** The IANA number of `tcp`/`udp`/`icmp`/`icmpv6` or of a number 0-255 given as text, else undefined. */
export function protocolNumber(text: string): number | undefined {
  const lower = text.trim().toLowerCase();
  const named = PROTOCOL_NUMBERS.get(lower);
  if (named !== undefined) return named;
  return /^\d{1,3}$/.test(lower) && Number(lower) <= 255 ? Number(lower) : undefined;
}

/** A row with its 1-based rank among every port of the window. */
export interface RankedRow {
  readonly rank: number;
  readonly row: PortRow;
}

/** The two lists every report shows: the top list (the first `top` rows), then the new ports ranked below it. */
export interface TopAndBelow {
  readonly top: readonly PortRow[];
  /** Rows after the top list that `isNew` picks, in rank order, each with its rank. */
  readonly newBelow: readonly RankedRow[];
}

/** Splits ranked rows (every port of the window) into the top list and the new ports below it. */
export function splitAtTop(rows: readonly PortRow[], top: number, isNew: (row: PortRow) => boolean): TopAndBelow {
  const newBelow = rows.flatMap((row, index) => (index >= top && isNew(row) ? [{ rank: index + 1, row }] : []));
  return { top: rows.slice(0, top), newBelow };
}

/** The key that identifies a port across runs: `443/tcp`. */
export function portKey(row: { port: number; protocol: number }): string {
  return `${row.port}/${protocolName(row.protocol)}`;
}
