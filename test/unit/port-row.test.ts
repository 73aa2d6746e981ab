// Validation of engine rows: what a poisoned Athena or DuckDB row looks like, and that each bad row is left
// out with exactly one warning while the good rows pass unchanged.

import { describe, expect, test } from '@jest/globals';
import { portKey, protocolName, protocolNumber, splitAtTop, toPortRow, validatePortRows, type PortRow, type RawResultRow } from '../../src/audit/port-row.js';

const GOOD: RawResultRow = { port: '443', protocol: '6', connections: '5', flows: '12', packets: '40', bytes: 9_000n, peers: 2, peer_low: '52.94.0.10', peer_high: '2600:1f18::1', ports_in_window: 4 };

describe('toPortRow', () => {
  test('a good row in any of the engines’ types (text, number, bigint) becomes numbers', () => {
    expect(toPortRow(GOOD)).toEqual({
      ok: true,
      row: { port: 443, protocol: 6, connections: 5, flows: 12, packets: 40, bytes: 9000, peers: 2, samplePeers: ['52.94.0.10', '2600:1f18::1'] },
    });
  });

  test('missing sample peers are fine; the same peer twice is shown once', () => {
    expect(toPortRow({ ...GOOD, peer_low: null, peer_high: '' })).toMatchObject({ ok: true, row: { samplePeers: [] } });
    expect(toPortRow({ ...GOOD, peer_low: '10.0.0.1', peer_high: '10.0.0.1' })).toMatchObject({ ok: true, row: { samplePeers: ['10.0.0.1'] } });
  });

  test('port 0 and 65535 and protocol 0 and 255 are in range', () => {
    expect(toPortRow({ ...GOOD, port: '0', protocol: '255' }).ok).toBe(true);
    expect(toPortRow({ ...GOOD, port: 65535, protocol: 0 }).ok).toBe(true);
  });

  test.each([
    ['port NULL is not a whole number from 0 to 65535', { port: null }],
    ['port "70000" is not a whole number from 0 to 65535', { port: '70000' }],
    ['port "https" is not a whole number from 0 to 65535', { port: 'https' }],
    ['port "-1" is not a whole number from 0 to 65535', { port: '-1' }],
    ['port 443.5 is not a whole number from 0 to 65535', { port: 443.5 }],
    ['protocol "256" is not a whole number from 0 to 255', { protocol: '256' }],
    ['flows "-3" is not a whole number from 0 to 9007199254740991', { flows: '-3' }],
    ['bytes "1152921504606846976" is not a whole number from 0 to 9007199254740991', { bytes: 2n ** 60n }],
    ['peers "" is not a whole number from 0 to 9007199254740991', { peers: '' }],
    ['peer_low "`@octocat` [x](https://evil.example)" is not an IP address', { peer_low: '`@octocat` [x](https://evil.example)' }],
    ['peer_high "10.0.0.256" is not an IP address', { peer_high: '10.0.0.256' }],
    [`peer_high "${'x'.repeat(39)}... is not an IP address`, { peer_high: 'x'.repeat(500) }],
  ])('rejected: %s', (problem, change) => {
    expect(toPortRow({ ...GOOD, ...change } as RawResultRow)).toEqual({ ok: false, problem });
  });
});

test('validatePortRows keeps the good rows in order and gives one warning per bad row, naming its position', () => {
  const raws: RawResultRow[] = [GOOD, { ...GOOD, port: null }, { ...GOOD, port: '22' }, { ...GOOD, protocol: 'tcp' }];
  const { rows, rejected, portsLeftOut } = validatePortRows(raws);
  expect(rows.map(portKey)).toEqual(['443/tcp', '22/tcp']);
  // Every row the query returned counts as returned, valid or not: the window had no more ports than those four.
  expect(portsLeftOut).toBe(0);
  expect(rejected).toEqual([
    'Result row 2 was left out of the report and the memory: port NULL is not a whole number from 0 to 65535.',
    'Result row 4 was left out of the report and the memory: protocol "tcp" is not a whole number from 0 to 255.',
  ]);
});

test('validatePortRows says how many ports of the window the query cap left out (its window count less the rows)', () => {
  expect(validatePortRows([GOOD, { ...GOOD, port: '22', ports_in_window: '2500' }].map((r) => ({ ...r, ports_in_window: 2500 }))).portsLeftOut).toBe(2498);
  expect(validatePortRows([]).portsLeftOut).toBe(0);
});

test('splitAtTop: the first `top` rows, then the new rows below them with their ranks in the window', () => {
  const rows = [443, 53, 80, 8333, 25].map((port): PortRow => ({ port, protocol: 6, connections: 1, flows: 1, packets: 1, bytes: 1, peers: 1, samplePeers: [] }));
  const isNew = (r: PortRow) => r.port === 8333 || r.port === 25 || r.port === 80;
  const { top, newBelow } = splitAtTop(rows, 3, isNew);
  expect(top.map((r) => r.port)).toEqual([443, 53, 80]);
  expect(newBelow.map(({ rank, row }) => [rank, row.port])).toEqual([[4, 8333], [5, 25]]);
  expect(splitAtTop(rows, 10, isNew).newBelow).toEqual([]);
});

test('protocol names are looked up as names, never as object properties', () => {
  expect(protocolNumber('TCP')).toBe(6);
  expect(protocolNumber('255')).toBe(255);
  for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) expect(protocolNumber(key)).toBeUndefined();
  expect(protocolName(58)).toBe('icmpv6');
  expect(protocolName(47)).toBe('47');
});

describe('units (issue 21)', () => {
  const A = { account_id: '111122223333', region: 'eu-west-1', vpc_id: 'vpc-0a1b2c3d4e5f67890' };
  const B = { account_id: '444455556666', region: 'eu-west-1', vpc_id: 'vpc-11112222' };

  test('rows are grouped per unit in rank order; the organisation-wide rows are their sums per port, re-ranked', () => {
    const raws: RawResultRow[] = [
      { ...GOOD, ...A, ports_in_window: 2 },
      { ...GOOD, ...A, port: '22', connections: 1, flows: 1, packets: 2, bytes: 100, peers: 1, peer_low: '198.51.100.7', peer_high: '198.51.100.7', ports_in_window: 2 },
      { ...GOOD, ...B, port: '22', connections: 9, flows: 9, packets: 9, bytes: 900, peers: 3, peer_low: '192.0.2.1', peer_high: '203.0.113.9', ports_in_window: 3 },
    ];
    const { rows, units, rejected, portsLeftOut } = validatePortRows(raws);
    expect(rejected).toEqual([]);
    expect(units.map((u) => [u.unit, u.rows.map(portKey), u.portsLeftOut])).toEqual([
      [{ account: '111122223333', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f67890' }, ['443/tcp', '22/tcp'], 0],
      [{ account: '444455556666', region: 'eu-west-1', vpcId: 'vpc-11112222' }, ['22/tcp'], 2],
    ]);
    // 22/tcp: 1 + 9 connections outranks 443/tcp's 5; the B unit's cap left out 2 of its 3 ports.
    expect(rows).toEqual([
      { port: 22, protocol: 6, connections: 10, flows: 10, packets: 11, bytes: 1000, peers: 4, samplePeers: ['192.0.2.1', '203.0.113.9'] },
      { port: 443, protocol: 6, connections: 5, flows: 12, packets: 40, bytes: 9000, peers: 2, samplePeers: ['52.94.0.10', '2600:1f18::1'] },
    ]);
    expect(portsLeftOut).toBe(2);
  });

  test('unknown parts (NULL, "-") make a unit with nulls, listed after the known ones', () => {
    const { units } = validatePortRows([{ ...GOOD, account_id: null, region: '-', vpc_id: null }, { ...GOOD, ...A }]);
    expect(units.map((u) => u.unit)).toEqual([
      { account: '111122223333', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f67890' },
      { account: null, region: null, vpcId: null },
    ]);
  });

  test.each([
    ['account_id "12345" is not a 12-digit AWS account id', { account_id: '12345' }],
    ['region "eu-west-1a" is not an AWS Region code', { region: 'eu-west-1a' }],
    ['vpc_id "vpc-\'; DROP" is not a VPC id (vpc- and up to 32 lowercase letters and digits)', { vpc_id: "vpc-'; DROP" }],
  ])('rejected with one warning: %s', (problem, change) => {
    const { rows, rejected } = validatePortRows([{ ...GOOD, ...A, ...change }]);
    expect(rows).toEqual([]);
    expect(rejected).toEqual([`Result row 1 was left out of the report and the memory: ${problem}.`]);
  });
});
