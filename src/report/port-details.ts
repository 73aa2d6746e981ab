// One observed port as the machine-readable outputs give it (`--format json`, `--format csv`, SARIF): its
// counts, the names of its protocol and IANA service, and what the allowlist says of it.

import type { AuditUnit } from '../audit/audit-unit.js';
import { allowlistMatch, entryKey, type Allowlist, type AllowlistMatch } from '../audit/allowlist.js';
import { protocolName, type PortRow } from '../audit/port-row.js';
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

/**
 * The port's details; `allowlist` undefined gives `allowlist: null`. The verdict is the one in `unit` (an entry
 * scoped with accounts:/vpcs: holds only where it names; without `unit`, only unscoped entries hold).
 */
export function portDetails(row: PortRow, allowlist: Allowlist | undefined, unit?: AuditUnit): PortDetails {
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
    allowlist: allowlist ? allowlistVerdict(allowlist, row, unit) : null,
  };
}
