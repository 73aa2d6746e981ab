// CIDR blocks: parsed and validated (IPv4 and IPv6), printed back in canonical form, tested against an
// address in code. Only a parsed CIDR ever reaches SQL text (see cidr-sql.ts).

import { InputError } from '../input-error.js';

export interface Cidr {
  readonly family: 4 | 6;
  /** The network address as an unsigned integer (32 or 128 bits). */
  readonly network: bigint;
  readonly prefix: number;
  /** Canonical text: dotted quad, or RFC 5952 IPv6 (lowercase, shortest form). */
  readonly text: string;
}

const WIDTH = { 4: 32, 6: 128 } as const;

/** Parses an IPv4 address (`10.0.1.2`) to an integer, or undefined. */
export function parseIPv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

/** Parses an IPv6 address (`2600:1f18::1`, any RFC 4291 text form without an embedded IPv4) to an integer. */
export function parseIPv6(text: string): bigint | undefined {
  const halves = text.toLowerCase().split('::');
  if (halves.length > 2) return undefined;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  const [head, tail = []] = groups as [string[], string[]?];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** The 8 groups of a 128-bit address, most significant first. */
export function ipv6Groups(value: bigint): number[] {
  return Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
}

/** RFC 5952 text of an IPv6 address: lowercase, no leading zeros, the longest run (>= 2) of zero groups as `::`. */
export function formatIPv6(value: bigint): string {
  const groups = ipv6Groups(value);
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (best.at < 0) return hex(groups);
  return `${hex(groups.slice(0, best.at))}::${hex(groups.slice(best.at + best.length))}`;
}

export function formatIPv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** Parses `a.b.c.d/n` or `x:y::/n` (n from 0); the address must be the network address of the block. */
export function parseCidr(text: string, input = 'CIDR'): Cidr {
  const accepted = 'accepted are IPv4 or IPv6 network blocks such as 10.0.0.0/16 or 2600:1f18:47b:a900::/56';
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(text.trim());
  const family = m?.[1]!.includes(':') ? 6 : 4;
  const address = m ? (family === 4 ? parseIPv4(m[1]!) : parseIPv6(m[1]!)) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (address === undefined || !(prefix >= 0 && prefix <= WIDTH[family])) {
    throw new InputError(`${input}: '${text}' is not a CIDR block; ${accepted}.`);
  }
  const hostBits = BigInt(WIDTH[family] - prefix);
  const network = (address >> hostBits) << hostBits;
  const print = family === 4 ? formatIPv4 : formatIPv6;
  if (network !== address) {
    throw new InputError(
      `${input}: '${text}' has host bits set; the block it lies in is ${print(network)}/${prefix}.`,
    );
  }
  return { family, network, prefix, text: `${print(network)}/${prefix}` };
}

/** Whether `address` (IPv4 or IPv6 text) lies inside `cidr`. */
export function cidrContains(cidr: Cidr, address: string): boolean {
  const value = cidr.family === 4 ? parseIPv4(address) : parseIPv6(address);
  if (value === undefined) return false;
  const hostBits = BigInt(WIDTH[cidr.family] - cidr.prefix);
  return value >> hostBits === cidr.network >> hostBits;
}
