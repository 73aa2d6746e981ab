// CIDR parsing and printing: IPv4/IPv6 edge cases, RFC 5952 compression, host-bit and shape errors.
import { describe, expect, test } from '@jest/globals';
import { cidrContains, formatIPv6, parseCidr, parseIPv4, parseIPv6 } from '../../src/audit/cidr.js';
import { InputError } from '../../src/input-error.js';

describe('parseCidr', () => {
  test.each([
    ['10.0.0.0/16', '10.0.0.0/16', 4],
    [' 172.31.0.0/16 ', '172.31.0.0/16', 4],
    ['0.0.0.0/1', '0.0.0.0/1', 4],
    ['192.168.1.7/32', '192.168.1.7/32', 4],
    ['2600:1F18:047B:A900::/56', '2600:1f18:47b:a900::/56', 6],
    ['2600:1f18:47b:a900:0:0:0:0/56', '2600:1f18:47b:a900::/56', 6],
    ['2001:db8:0:0:1:0:0:0/80', '2001:db8:0:0:1::/80', 6],
    ['2001:db8::1:0:0:0/80', '2001:db8:0:0:1::/80', 6],
    ['::/1', '::/1', 6],
    ['fe80::1/128', 'fe80::1/128', 6],
  ])('%s is %s', (text, canonical, family) => {
    const cidr = parseCidr(text);
    expect(cidr.text).toBe(canonical);
    expect(cidr.family).toBe(family);
  });

  test.each([
    ['10.0.0.1/16', '10.0.0.0/16'],
    ['172.31.5.0/16', '172.31.0.0/16'],
    ['10.0.0.0/0', '0.0.0.0/0'],
    ['2600:1f18:47b:a901::/56', '2600:1f18:47b:a900::/56'],
  ])('%s has host bits set and names the block %s', (text, block) => {
    expect(() => parseCidr(text, '--vpc-cidr')).toThrow(new InputError(`--vpc-cidr: '${text}' has host bits set; the block it lies in is ${block}.`));
  });

  test.each([
    '10.0.0.0', '10.0.0.0/33', '10.0.0/8', '10.0.0.256/32', '010.0.0.0/8', '10.0.0.0/-1', '10.0.0.0/16/1',
    '::/129', '2600:::/56', '1:2:3:4:5:6:7:8:9/64', '2600:1f18::a900::/56', 'g::/16', '::ffff:10.0.0.0/104',
    "10.0.0.0/16' OR 1=1 --", '', 'abc',
  ])('%j is rejected with one sentence naming the input', (text) => {
    expect(() => parseCidr(text, '--vpc-cidr')).toThrow(InputError);
    expect(() => parseCidr(text, '--vpc-cidr')).toThrow(/^--vpc-cidr: .*\.$/);
  });
});

describe('IPv6 text', () => {
  test.each([
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['2001:DB8::ABCD', '2001:db8::abcd'],
  ])('%s prints as %s (RFC 5952)', (text, printed) => {
    expect(formatIPv6(parseIPv6(text)!)).toBe(printed);
  });

  test.each(['', ':', ':::', '1::2::3', '12345::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8::'])('%j is not an address', (text) => {
    expect(parseIPv6(text)).toBeUndefined();
  });

  test('IPv4 parsing rejects leading zeros and out-of-range octets', () => {
    expect(parseIPv4('10.0.0.1')).toBe(0x0a000001n);
    for (const bad of ['10.0.0.01', '256.0.0.0', '1.2.3', '1.2.3.4.5', ' 1.2.3.4']) expect(parseIPv4(bad)).toBeUndefined();
  });
});

describe('cidrContains', () => {
  test('checks the network bits only, per family', () => {
    const v4 = parseCidr('172.16.0.0/12');
    expect(cidrContains(v4, '172.16.0.0')).toBe(true);
    expect(cidrContains(v4, '172.31.255.255')).toBe(true);
    expect(cidrContains(v4, '172.32.0.0')).toBe(false);
    expect(cidrContains(v4, '172.15.255.255')).toBe(false);
    expect(cidrContains(v4, '2600:1f18::1')).toBe(false);
    const v6 = parseCidr('2600:1f18:47b:a900::/56');
    expect(cidrContains(v6, '2600:1f18:47b:a9ff:ffff:ffff:ffff:ffff')).toBe(true);
    expect(cidrContains(v6, '2600:1f18:47b:aa00::')).toBe(false);
    expect(cidrContains(v6, '172.16.0.1')).toBe(false);
  });
});
