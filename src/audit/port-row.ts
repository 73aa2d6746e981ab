// The shared shape of an audit's result: one row per (port, protocol), in rank order. Both engines
// (Athena and DuckDB) return these rows, so everything after the engine is shared.

export interface PortRow {
  readonly port: number;
  /** IANA protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6). */
  readonly protocol: number;
  readonly flows: number;
  readonly packets: number;
  readonly bytes: number;
  /** Distinct peer addresses (destinations for egress-ports). */
  readonly peers: number;
  /** Up to two example peers (the lowest and highest address seen). */
  readonly samplePeers: readonly string[];
}

/** The columns the audit SQL selects, in order; each engine maps them onto PortRow. */
export const RESULT_COLUMNS = ['port', 'protocol', 'flows', 'packets', 'bytes', 'peers', 'peer_low', 'peer_high'] as const;
export type ResultColumn = (typeof RESULT_COLUMNS)[number];

/** A result row from an engine, keyed by column, with each value as text, number, bigint or null. */
export type RawResultRow = Record<ResultColumn, string | number | bigint | null>;

/** The JSON form of a row in outputs and `--format json`: the counts, without the sample peers. */
export function portRowJson({ port, protocol, flows, packets, bytes, peers }: PortRow) {
  return { port, protocol, flows, packets, bytes, peers };
}

/** Converts one engine row to a PortRow. */
export function toPortRow(raw: RawResultRow): PortRow {
  const num = (v: string | number | bigint | null) => (v === null || v === '' ? 0 : Number(v));
  const peers = [raw.peer_low, raw.peer_high].filter((p): p is string => typeof p === 'string' && p !== '');
  return {
    port: num(raw.port),
    protocol: num(raw.protocol),
    flows: num(raw.flows),
    packets: num(raw.packets),
    bytes: num(raw.bytes),
    peers: num(raw.peers),
    samplePeers: [...new Set(peers)],
  };
}

const PROTOCOL_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6' };
const PROTOCOL_NUMBERS: Record<string, number> = Object.fromEntries(
  Object.entries(PROTOCOL_NAMES).map(([n, name]) => [name, Number(n)]),
);

/** `tcp`, `udp`, `icmp`, `icmpv6`, or the number as text. */
export function protocolName(protocol: number): string {
  return PROTOCOL_NAMES[protocol] ?? String(protocol);
}

/** The IANA number of `tcp`/`udp`/`icmp`/`icmpv6` or of a number 0-255 given as text, else undefined. */
export function protocolNumber(text: string): number | undefined {
  const lower = text.trim().toLowerCase();
  if (lower in PROTOCOL_NUMBERS) return PROTOCOL_NUMBERS[lower];
  return /^\d{1,3}$/.test(lower) && Number(lower) <= 255 ? Number(lower) : undefined;
}

/** The key that identifies a port across runs: `443/tcp`. */
export function portKey(row: { port: number; protocol: number }): string {
  return `${row.port}/${protocolName(row.protocol)}`;
}
