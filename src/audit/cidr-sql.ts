// "Is this address column inside these CIDR blocks?" as SQL text that Athena (Trino) and DuckDB both run.
// Flow logs store addresses as text, so the test works on the text: a literal prefix for the whole octets
// (IPv4) or groups (IPv6), then a numeric or pattern test of the one partial octet/group. This is much
// cheaper than turning every address into an integer, and it needs no `ipaddress`/`inet` type.

import { ipv6Groups, formatIPv4, type Cidr } from './cidr.js';
import { InputError } from '../input-error.js';

/** A SQL string literal. Callers pass only text they built from parsed numbers. */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

function ipv4Predicate(column: string, cidr: Cidr): string {
  checkTextMatchable(cidr);
  const octets = formatIPv4(cidr.network).split('.').map(Number);
  const whole = Math.floor(cidr.prefix / 8);
  const partialBits = cidr.prefix % 8;
  if (whole === 4) return `${column} = ${literal(octets.join('.'))}`;
  const tests = [`starts_with(${column}, ${literal(`${octets.slice(0, whole).join('.')}.`)})`];
  if (partialBits > 0) {
    const low = octets[whole]!;
    const high = low + 2 ** (8 - partialBits) - 1;
    tests.push(`try_cast(split_part(${column}, '.', ${whole + 1}) AS integer) BETWEEN ${low} AND ${high}`);
  }
  return tests.join(' AND ');
}

/**
 * Rejects blocks the text test cannot match: IPv4 wider than /8; IPv6 ::/0 and prefixes that are not a whole number of
 * hex digits, or with a zero group next to another zero, or a zero last whole group that the address's next group may
 * join (flow logs print addresses as RFC 5952 does, where "::" takes the longest run of two or more zero groups and a
 * lone zero group stays "0"). A zero last whole group is fine when the prefix's next hex digits are not all zero:
 * every address of `2600:1f18:0:a900::/56` then prints `2600:1f18:0:a9..`.
 */
export function checkTextMatchable(cidr: Cidr, input = 'CIDR'): void {
  if (cidr.family === 4) {
    // Below /8 the test has no literal prefix, and an IPv6 address would make it NULL instead of false.
    if (cidr.prefix < 8) throw new InputError(`${input}: '${cidr.text}' is wider than /8; VPC blocks are /16 to /28.`);
    return;
  }
  // The test of ::/0 would have no literal prefix at all and match IPv4 addresses too.
  if (cidr.prefix === 0) throw new InputError(`${input}: '${cidr.text}' is every IPv6 address; VPC blocks are /44 to /64 in steps of 4.`);
  if (cidr.prefix % 4 !== 0) {
    throw new InputError(
      `${input}: '${cidr.text}' has an IPv6 prefix that is not a multiple of 4 bits; VPC blocks are /44 to /64 in steps of 4.`,
    );
  }
  const groups = ipv6Groups(cidr.network);
  const whole = Math.floor(cidr.prefix / 16);
  const head = groups.slice(0, whole);
  const nibbles = (cidr.prefix % 16) / 4;
  const nextGroupNonZero = nibbles > 0 && groups[whole]! >> (4 * (4 - nibbles)) !== 0;
  const mayJoinNext = (i: number) => i === head.length - 1 && !nextGroupNonZero;
  if (head.some((g, i) => g === 0 && (mayJoinNext(i) || head[i + 1] === 0 || head[i - 1] === 0))) {
    throw new InputError(
      `${input}: '${cidr.text}' ends in or repeats a zero group, which flow logs print compressed; ` +
        'give IPv6 blocks whose prefix groups are non-zero.',
    );
  }
}

function ipv6Predicate(column: string, cidr: Cidr): string {
  checkTextMatchable(cidr);
  const groups = ipv6Groups(cidr.network);
  const whole = Math.floor(cidr.prefix / 16);
  const nibbles = (cidr.prefix % 16) / 4;
  const head = groups.slice(0, whole);
  const prefixText = head.map((g) => `${g.toString(16)}:`).join('');
  if (whole === 8) return `${column} = ${literal(prefixText.slice(0, -1))}`;
  if (nibbles === 0) return `starts_with(${column}, ${literal(prefixText)})`;
  const top = groups[whole]! >> (4 * (4 - nibbles));
  const rest = 4 - nibbles;
  // The partial group is printed without leading zeros, or swallowed by "::" when it is zero.
  const group = top === 0 ? `(?:[0-9a-f]{1,${rest}}(?::|$)|:)` : `${top.toString(16)}[0-9a-f]{${rest}}(?::|$)`;
  return `regexp_like(${column}, ${literal(`^${prefixText}${group}`)})`;
}

/** SQL that is true when `column` holds an address inside any of `cidrs` (`false` for none). */
export function addressInCidrsSql(column: string, cidrs: readonly Cidr[]): string {
  if (cidrs.length === 0) return 'false';
  const tests = cidrs.map((c) => (c.family === 4 ? ipv4Predicate(column, c) : ipv6Predicate(column, c)));
  return tests.length === 1 ? `(${tests[0]})` : `(${tests.map((t) => `(${t})`).join(' OR ')})`;
}
