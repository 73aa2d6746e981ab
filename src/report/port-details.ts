// One observed port as the machine-readable outputs give it (`--format json`, `--format csv`, SARIF): its
// counts, the names of its protocol and IANA service, and what the allowlist says of it.

import type { AuditUnit, UnitPorts } from '../audit/audit-unit.js';
import { allowlistMatch, entryKey, type Allowlist, type AllowlistMatch } from '../audit/allowlist.js';
import { portKey, protocolName, type PortRow } from '../audit/port-row.js';
import { serviceName } from '../audit/service-names.js';

/** What the allowlist says of a port: `allowed`, `expired` (its entry's day has passed) or `unlisted`, and that entry. */
export interface AllowlistVerdict {
  readonly status: AllowlistMatch['status'];
  /** The entry as `443/tcp` or `8000-8100/tcp`; null when unlisted. */
  readonly entry: string | null;
  readonly reason: string | null;
  readonly owner: string | null;
  /** `YYYY-MM-DD`, the entry's last day. */
  readonly expires: string | null;
  /** 1-based line of the entry in the allowlist file. */
  readonly line: number | null;
}

export interface PortDetails {
  readonly port: number;
  /** IANA protocol number. */
  readonly protocol: number;
  /** `tcp`, `udp`, `icmp`, `icmpv6`, or the number as text. */
  readonly protocolName: string;
  /** IANA's service name of the port and protocol (`https`), null when none is registered. */
  readonly service: string | null;
  readonly connections: number;
  readonly flows: number;
  readonly packets: number;
  readonly bytes: number;
  readonly peers: number;
  /** Null when no allowlist was given. */
  readonly allowlist: AllowlistVerdict | null;
}

/** The allowlist's verdict on a port, flattened for JSON and CSV. */
export function allowlistVerdict(allowlist: Allowlist, row: { port: number; protocol: number }, unit?: AuditUnit): AllowlistVerdict {
  const match = allowlistMatch(allowlist, row, unit);
  if (match.status === 'unlisted') return { status: 'unlisted', entry: null, reason: null, owner: null, expires: null, line: null };
  const { entry } = match;
  return { status: match.status, entry: entryKey(entry), reason: entry.reason, owner: entry.owner ?? null, expires: entry.expires ?? null, line: entry.line };
}

/** Which verdict of a port over several units a report shows: the one that needs action first. */
const URGENCY: Readonly<Record<AllowlistMatch['status'], number>> = { unlisted: 0, expired: 1, allowed: 2 };

/**
 * The allowlist's verdict on a port over the units whose ports include it (an account's VPCs, an organisation's):
 * `unlisted` where no entry explains it in one of them, else `expired` where its entry expired in one, else
 * `allowed` (the first unit's entry). So a port explained in one VPC and not in another is judged unexplained.
 * Without any unit holding the port, the verdict of the unit of nulls (where only unscoped entries hold).
 */
export function verdictOverUnits(allowlist: Allowlist, row: { port: number; protocol: number }, units: readonly Pick<UnitPorts, 'unit' | 'rows'>[]): AllowlistVerdict {
  const holding = units.filter((u) => u.rows.some((r) => portKey(r) === portKey(row)));
  const verdicts = holding.length === 0 ? [allowlistVerdict(allowlist, row)] : holding.map((u) => allowlistVerdict(allowlist, row, u.unit));
  return verdicts.reduce((first, v) => (URGENCY[v.status] < URGENCY[first.status] ? v : first));
}

/**
 * The port's details; `allowlist` undefined gives `allowlist: null`. The verdict is the one in `judgedIn`: a unit
 * (an entry scoped with accounts:/vpcs: holds only where it names; without one, only unscoped entries hold), or
 * the units a row sums (verdictOverUnits).
 */
export function portDetails(row: PortRow, allowlist: Allowlist | undefined, judgedIn?: AuditUnit | readonly Pick<UnitPorts, 'unit' | 'rows'>[]): PortDetails {
  const { port, protocol, connections, flows, packets, bytes, peers } = row;
  return {
    port,
    protocol,
    protocolName: protocolName(protocol),
    service: serviceName(row) ?? null,
    connections,
    flows,
    packets,
    bytes,
    peers,
    allowlist: !allowlist ? null : Array.isArray(judgedIn) ? verdictOverUnits(allowlist, row, judgedIn) : allowlistVerdict(allowlist, row, judgedIn as AuditUnit | undefined),
  };
}
