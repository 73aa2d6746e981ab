// The machine-readable outputs of an audit: each port's details (protocol and IANA service names, the allowlist's
// verdict with reason, owner and expiry), CSV with RFC 4180 quoting, and SARIF 2.1.0 for code scanning, valid
// against the SARIF 2.1.0 JSON schema, with one rule per port, levels by allowlist state and fingerprints that
// stay the same across runs.
import { describe, expect, test } from '@jest/globals';
import { parseAllowlist } from '../../src/audit/allowlist.js';
import { portDetails } from '../../src/report/port-details.js';
import { CSV_COLUMNS, renderPortCsv, renderUnitPortCsv, UNIT_CSV_COLUMNS } from '../../src/report/port-csv.js';
import { buildSarif, renderSarif, ruleId, type SarifInput } from '../../src/report/sarif.js';
import { portRow, WINDOW } from '../support/report-fixtures.js';
import { sarifSchemaErrors } from '../support/sarif-schema.js';

const TODAY = new Date('2026-11-02T06:00:00Z');
const ALLOWLIST = parseAllowlist(
  [
    'ports:',
    '  - port: 443',
    '    protocol: tcp',
    '    reason: HTTPS, "mostly" AWS APIs',
    '    owner: platform-team',
    '  - port: 8000-8100',
    '    protocol: tcp',
    '    reason: build agents',
    '  - port: 25',
    '    protocol: tcp',
    '    reason: mail relay, until the move to SES',
    '    owner: mail-team',
    '    expires: 2026-10-31',
    '',
  ].join('\n'),
  '.github/outbound-ports.yml',
  TODAY,
);
const HTTPS = portRow(443, 6, 900);
const AGENT = portRow(8080, 6, 40);
const SMTP = portRow(25, 6, 12);
const BEACON = portRow(8333, 6, 3);
const PING = portRow(0, 1, 5);
const ROWS = [HTTPS, AGENT, SMTP, BEACON, PING];

describe('portDetails', () => {
  test('names the protocol and IANA service and gives the allowlist verdict with the entry that decides it', () => {
    expect(portDetails(HTTPS, ALLOWLIST)).toEqual({
      port: 443, protocol: 6, protocolName: 'tcp', service: 'https',
      connections: HTTPS.connections, flows: 900, packets: HTTPS.packets, bytes: HTTPS.bytes, peers: HTTPS.peers,
      allowlist: { status: 'allowed', entry: '443/tcp', reason: 'HTTPS, "mostly" AWS APIs', owner: 'platform-team', expires: null, line: 2 },
    });
    expect(portDetails(AGENT, ALLOWLIST).allowlist).toMatchObject({ status: 'allowed', entry: '8000-8100/tcp', line: 6 });
    expect(portDetails(SMTP, ALLOWLIST).allowlist).toEqual({ status: 'expired', entry: '25/tcp', reason: 'mail relay, until the move to SES', owner: 'mail-team', expires: '2026-10-31', line: 9 });
    // 8333 (Bitcoin) is not in IANA's registry.
    expect(portDetails(BEACON, ALLOWLIST)).toMatchObject({ service: null, allowlist: { status: 'unlisted', entry: null, reason: null } });
    expect(portDetails(PING, undefined)).toMatchObject({ protocolName: 'icmp', service: null, allowlist: null });
  });
});

describe('renderPortCsv', () => {
  test('a header line, then one line per port in rank order; text with commas or quotes is quoted', () => {
    const lines = renderPortCsv(ROWS, ALLOWLIST).split('\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines[1]).toBe(`1,443,6,tcp,https,${HTTPS.connections},900,${HTTPS.packets},${HTTPS.bytes},${HTTPS.peers},allowed,443/tcp,"HTTPS, ""mostly"" AWS APIs",platform-team,`);
    expect(lines[3]).toMatch(/^3,25,6,tcp,smtp,.*,expired,25\/tcp,"mail relay, until the move to SES",mail-team,2026-10-31$/);
    expect(lines[4]).toMatch(/^4,8333,6,tcp,,.*,unlisted,,,,$/);
    expect(lines.slice(5)).toEqual([`5,0,1,icmp,,${PING.connections},5,${PING.packets},${PING.bytes},${PING.peers},unlisted,,,,`, '']);
  });

  test('without an allowlist the allowlist columns are empty', () => {
    expect(renderPortCsv([SMTP], undefined).split('\n')[1]).toMatch(/^1,25,6,tcp,smtp,(\d+,){4}\d+,,,,,$/);
  });
});

describe('SARIF', () => {
  const input: SarifInput = { rows: ROWS, allowlist: ALLOWLIST, allowlistUri: '.github/outbound-ports.yml', scope: 'vpc-0abc1234', window: WINDOW };

  test('is valid against the SARIF 2.1.0 JSON schema, with or without an allowlist, and with no ports', () => {
    expect(sarifSchemaErrors(JSON.parse(renderSarif(input)))).toEqual([]);
    expect(sarifSchemaErrors(buildSarif({ ...input, allowlist: undefined }))).toEqual([]);
    expect(sarifSchemaErrors(buildSarif({ ...input, rows: [] }))).toEqual([]);
  });

  test('the schema check is real: a wrong level and a missing message are named', () => {
    const log = buildSarif(input) as unknown as { runs: { results: Record<string, unknown>[] }[] };
    log.runs[0]!.results[0]!.level = 'fatal';
    delete log.runs[0]!.results[1]!.message;
    const errors = sarifSchemaErrors(log);
    expect(errors).toContain('/runs/0/results/0/level must be equal to one of the allowed values');
    expect(errors).toContain("/runs/0/results/1 must have required property 'message'");
  });

  test('one rule per port; results only for ports the allowlist does not explain, error when unlisted, warning when expired, on the allowlist file', () => {
    const run = buildSarif(input).runs[0]!;
    expect(run.tool.driver.rules!.map((r) => r.id)).toEqual(['outbound-port/443/tcp', 'outbound-port/8080/tcp', 'outbound-port/25/tcp', 'outbound-port/8333/tcp', 'outbound-port/0/icmp']);
    expect(run.tool.driver.rules![2]!.shortDescription!.text).toBe('Outbound connections to 25/tcp (smtp)');
    expect(run.tool.driver.rules![3]!.shortDescription!.text).toBe('Outbound connections to 8333/tcp');
    expect(run.results!.map((r) => [r.ruleId, r.ruleIndex, r.level, r.locations![0]!.physicalLocation!.region!.startLine])).toEqual([
      ['outbound-port/25/tcp', 2, 'warning', 9],
      ['outbound-port/8333/tcp', 3, 'error', 1],
      ['outbound-port/0/icmp', 4, 'error', 1],
    ]);
    expect(run.results!.every((r) => r.locations![0]!.physicalLocation!.artifactLocation!.uri === '.github/outbound-ports.yml')).toBe(true);
    expect(run.results![0]!.message.text).toBe(
      // portRow(25, 6, 12): 12 connections, 1 peer, 12 * 1,500 bytes.
      'vpc-0abc1234 connected out to 25/tcp (12 connections to 1 peer, 17.6 KiB) ' +
        'from 2026-11-01T00Z to 2026-11-02T00Z: its entry on line 9 of .github/outbound-ports.yml expired after 2026-10-31 (owner: mail-team).',
    );
    expect(run.results![1]!.message.text).toMatch(/: no entry of \.github\/outbound-ports\.yml explains it\.$/);
    // Without an allowlist every port is unlisted.
    expect(buildSarif({ ...input, allowlist: undefined }).runs[0]!.results!.map((r) => r.level)).toEqual(['error', 'error', 'error', 'error', 'error']);
  });

  test('fingerprints stay the same across runs (other counts, window, rank, allowlist edits) and differ by port and by audited network', () => {
    const fingerprints = (i: SarifInput) => new Map(buildSarif(i).runs[0]!.results!.map((r) => [r.ruleId, r.partialFingerprints!.primaryLocationLineHash]));
    const first = fingerprints(input);
    const later = fingerprints({
      ...input,
      rows: [portRow(8333, 6, 700), portRow(25, 6, 1)],
      window: { start: new Date('2026-11-05T00:00:00Z'), end: new Date('2026-11-06T00:00:00Z') },
      allowlist: parseAllowlist('# moved\nports:\n  - port: 25\n    protocol: tcp\n    reason: relay\n    expires: 2026-01-01\n', '.github/outbound-ports.yml', TODAY),
    });
    expect(later.get(ruleId(BEACON))).toBe(first.get(ruleId(BEACON)));
    expect(later.get(ruleId(SMTP))).toBe(first.get(ruleId(SMTP)));
    expect(new Set(first.values()).size).toBe(first.size);
    expect(fingerprints({ ...input, scope: 'vpc-0other' }).get(ruleId(BEACON))).not.toBe(first.get(ruleId(BEACON)));
  });
});

describe('an organisation audit: each port judged in each VPC (allowlist accounts:/vpcs:)', () => {
  const A = { account: '111122223333', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f67890' };
  const B = { account: '444455556666', region: 'eu-west-1', vpcId: 'vpc-0b2c3d4e5f6789012' };
  // 5432 is explained only in VPC A; 443 everywhere.
  const SCOPED = parseAllowlist(
    [
      'ports:',
      '  - { port: 443, protocol: tcp, reason: HTTPS }',
      '  - port: 5432',
      '    protocol: tcp',
      '    reason: the payments database',
      `    vpcs: [${A.vpcId}]`,
      '',
    ].join('\n'),
    '.github/outbound-ports.yml',
    TODAY,
  );
  const PG_A = portRow(5432, 6, 30);
  const PG_B = portRow(5432, 6, 7);
  const units = [
    { unit: A, rows: [HTTPS, PG_A] },
    { unit: B, rows: [PG_B, HTTPS] },
  ];
  const summed = [HTTPS, portRow(5432, 6, 37)];

  test('SARIF: a result only in the VPC that does not explain the port, naming the VPC in the message, a logical location and properties', () => {
    const log = buildSarif({ rows: summed, units, allowlist: SCOPED, allowlistUri: '.github/outbound-ports.yml', scope: 'the 2 VPCs of vpcs.yml', window: WINDOW });
    expect(sarifSchemaErrors(log)).toEqual([]);
    const results = log.runs[0]!.results!;
    expect(results.map((r) => [r.ruleId, r.ruleIndex, r.level, r.properties!.vpcId])).toEqual([['outbound-port/5432/tcp', 1, 'error', B.vpcId]]);
    expect(results[0]!.message.text).toBe(
      `${B.vpcId} (${B.account}, eu-west-1) in the 2 VPCs of vpcs.yml connected out to 5432/tcp (7 connections to 1 peer, 10.3 KiB) ` +
        'from 2026-11-01T00Z to 2026-11-02T00Z: no entry of .github/outbound-ports.yml explains it there.',
    );
    expect(results[0]!.locations![0]!.logicalLocations).toEqual([{ name: `${B.vpcId} (${B.account}, eu-west-1)`, fullyQualifiedName: `${B.account}/eu-west-1/${B.vpcId}` }]);
    expect(results[0]!.properties).toMatchObject({ account: B.account, region: 'eu-west-1', vpcId: B.vpcId, connections: 7 });
    // The same port unexplained in both VPCs: two results, two fingerprints (one alert per VPC).
    const both = buildSarif({ rows: summed, units, allowlist: undefined, allowlistUri: 'a.yml', scope: 's', window: WINDOW }).runs[0]!.results!;
    const pg = both.filter((r) => r.ruleId === 'outbound-port/5432/tcp');
    expect(pg.map((r) => r.properties!.vpcId)).toEqual([A.vpcId, B.vpcId]);
    expect(new Set(pg.map((r) => r.partialFingerprints!.primaryLocationLineHash)).size).toBe(2);
  });

  test('SARIF of one unit keeps the fingerprints and messages of a single-VPC audit, and its scoped entries hold there', () => {
    const one = { rows: [HTTPS, PG_A], units: [{ unit: A, rows: [HTTPS, PG_A] }], allowlist: undefined, allowlistUri: 'a.yml', scope: 'vpc-0abc1234', window: WINDOW };
    const unitless = { ...one, units: undefined };
    const hashes = (i: SarifInput) => buildSarif(i).runs[0]!.results!.map((r) => [r.partialFingerprints!.primaryLocationLineHash, r.message.text, r.locations![0]!.logicalLocations]);
    expect(hashes(one)).toEqual(hashes(unitless));
    // In VPC A the scoped entry explains 5432: no result; the unit of nulls is no VPC the entry names.
    expect(buildSarif({ ...one, allowlist: SCOPED }).runs[0]!.results!).toEqual([]);
    expect(buildSarif({ ...unitless, allowlist: SCOPED }).runs[0]!.results!.map((r) => r.ruleId)).toEqual(['outbound-port/5432/tcp']);
  });

  test('CSV: each VPC line carries the verdict in that VPC; an organisation-wide line is unlisted when one VPC does not explain the port', () => {
    const lines = renderUnitPortCsv(units.map((u) => ({ ...u, units: [u] })), SCOPED).trim().split('\n');
    expect(lines[0]).toBe(UNIT_CSV_COLUMNS.join(','));
    expect(lines.slice(1).map((l) => l.split(',')).map((c) => [c[2], c[4], c[13], c[14]])).toEqual([
      [A.vpcId, '443', 'allowed', '443/tcp'],
      [A.vpcId, '5432', 'allowed', '5432/tcp'],
      [B.vpcId, '5432', 'unlisted', ''],
      [B.vpcId, '443', 'allowed', '443/tcp'],
    ]);
    // An account section (or --group-by none) sums its VPCs: judged over those whose ports include the row.
    const account = renderUnitPortCsv([{ unit: { account: null, region: null, vpcId: null }, rows: summed, units }], SCOPED).trim().split('\n');
    expect(account.slice(1).map((l) => l.split(',')[13])).toEqual(['allowed', 'unlisted']);
    expect(renderPortCsv(summed, SCOPED, [units[0]!]).trim().split('\n').slice(1).map((l) => l.split(',')[10])).toEqual(['allowed', 'allowed']);
    expect(renderPortCsv(summed, SCOPED, units).trim().split('\n').slice(1).map((l) => l.split(',')[10])).toEqual(['allowed', 'unlisted']);
  });
});
