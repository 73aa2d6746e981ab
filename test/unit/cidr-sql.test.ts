// The SQL CIDR test (cidr-sql.ts) executed in DuckDB agrees with cidrContains on many random addresses:
// inside, on and just past the block edges, and anywhere, IPv4 and IPv6 (printed as flow logs print them).
import { describe, expect, test } from '@jest/globals';
import { addressInCidrsSql, checkTextMatchable } from '../../src/audit/cidr-sql.js';
import { cidrContains, formatIPv4, formatIPv6, parseCidr, type Cidr } from '../../src/audit/cidr.js';
import { createRng, type Rng } from '../../src/flowlog/prng.js';
import { InputError } from '../../src/input-error.js';
import { useDuckDb } from '../support/duckdb.js';

const connection = useDuckDb();

const random = (rng: Rng, bits: number) => {
  let value = 0n;
  for (let i = 0; i < bits; i += 16) value = (value << 16n) | BigInt(rng.int(0, 0xffff));
  return value & ((1n << BigInt(bits)) - 1n);
};

/** Random text-matchable blocks of every prefix length (IPv6 in 4-bit steps). */
function randomCidrs(rng: Rng): Cidr[] {
  const cidrs: Cidr[] = [];
  for (let prefix = 8; prefix <= 32; prefix++) {
    const network = (random(rng, 32) >> BigInt(32 - prefix)) << BigInt(32 - prefix);
    cidrs.push(parseCidr(`${formatIPv4(network)}/${prefix}`));
  }
  for (let prefix = 8; prefix <= 128; prefix += 4) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const network = (random(rng, 128) >> BigInt(128 - prefix)) << BigInt(128 - prefix);
      const cidr = parseCidr(`${formatIPv6(network)}/${prefix}`);
      try {
        checkTextMatchable(cidr);
        cidrs.push(cidr);
        break;
      } catch {
        // a block text cannot match (zero groups in its prefix): draw another
      }
    }
  }
  // Blocks whose partial group or octet starts with zero bits, VPC-like IPv6 /56s, and a lone zero group whose next
  // group the prefix keeps non-zero (so flow logs print it as "0", never inside "::").
  for (const text of ['10.0.0.0/9', '100.64.0.0/10', '2600:1f18:47b:a900::/56', '2600:1f18:47b:900::/56', '2a05:d018:a0::/44', '2600:1f18:0:a900::/56']) {
    cidrs.push(parseCidr(text));
  }
  return cidrs;
}

function addressesAround(rng: Rng, cidr: Cidr): string[] {
  const width = cidr.family === 4 ? 32 : 128;
  const size = 1n << BigInt(width - cidr.prefix);
  const max = (1n << BigInt(width)) - 1n;
  const values = [cidr.network, cidr.network + size - 1n, cidr.network - 1n, cidr.network + size, random(rng, width)];
  for (let i = 0; i < 6; i++) values.push(cidr.network + (random(rng, width) % size));
  // Same prefix text but flipped bits just after the prefix: the cases a text test gets wrong most easily.
  for (let bit = 1; bit <= 4 && cidr.prefix - bit >= 0; bit++) values.push(cidr.network ^ (1n << BigInt(width - cidr.prefix + bit - 1)));
  const print = cidr.family === 4 ? formatIPv4 : formatIPv6;
  return values.filter((v) => v >= 0n && v <= max).map(print);
}

describe('addressInCidrsSql in DuckDB', () => {
  test('IPv4 blocks wider than /8 are refused (their test would be NULL for IPv6 addresses)', () => {
    expect(() => addressInCidrsSql('addr', [parseCidr('0.0.0.0/1')])).toThrow(/'0\.0\.0\.0\/1' is wider than \/8/);
    expect(() => checkTextMatchable(parseCidr('10.0.0.0/8'))).not.toThrow();
  });

  test('IPv6 zero groups: a lone zero group is matched, one that "::" may swallow is refused with one sentence', () => {
    // Accepted: the zero group's neighbours are non-zero in every address of the block.
    for (const text of ['2600:1f18:0:a900::/56', '2600:1f18:0:900::/56', '2600:0:47b:a900::/56']) expect(() => checkTextMatchable(parseCidr(text))).not.toThrow();
    // Refused: the next group may be zero too (/48 ends on a group; the /56 keeps only the zero top byte of it), or two zeros in a row.
    for (const text of ['2600:1f18:0::/48', '2600:1f18::/56', '2600:0:0:a900::/56']) {
      expect(() => checkTextMatchable(parseCidr(text), '--vpc-cidr')).toThrow(/^--vpc-cidr: '.*' ends in or repeats a zero group, which flow logs print compressed/);
    }
  });

  test('/0 is a CIDR block but every address: IPv4 is wider than /8, IPv6 is named as every address (its test would match IPv4 too)', () => {
    expect(() => checkTextMatchable(parseCidr('0.0.0.0/0'), '--vpc-cidr')).toThrow(new InputError("--vpc-cidr: '0.0.0.0/0' is wider than /8; VPC blocks are /16 to /28."));
    expect(() => checkTextMatchable(parseCidr('::/0'), '--vpc-cidr')).toThrow(new InputError("--vpc-cidr: '::/0' is every IPv6 address; VPC blocks are /44 to /64 in steps of 4."));
  });

  test('agrees with cidrContains for every block and address (true or false, never NULL)', async () => {
    const rng = createRng(2026);
    const cidrs = randomCidrs(rng);
    const v4 = cidrs.filter((c) => c.family === 4);
    const v6 = cidrs.filter((c) => c.family === 6);
    const addresses = [...new Set(cidrs.flatMap((c) => addressesAround(rng, c)))];
    expect(addresses.length).toBeGreaterThan(500);
    await connection().run(`CREATE OR REPLACE TABLE a AS SELECT unnest([${addresses.map((x) => `'${x}'`).join(',')}]) AS addr`);
    let checked = 0;
    for (const cidr of cidrs) {
      const other = rng.pick(cidr.family === 4 ? v6 : v4);
      for (const set of [[cidr], [cidr, other]]) {
        const rows = (await connection().runAndReadAll(`SELECT addr, ${addressInCidrsSql('addr', set)} FROM a`)).getRowsJS();
        const wrong = rows
          .filter(([addr, inside]) => inside !== set.some((c) => cidrContains(c, addr as string)))
          .map(([addr]) => `${addr} in ${set.map((c) => c.text).join('+')}`);
        expect(wrong).toEqual([]);
        checked += rows.length;
      }
    }
    expect(checked).toBeGreaterThan(50_000);
  });
});
