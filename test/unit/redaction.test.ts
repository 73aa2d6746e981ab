// The redaction of reports on public repositories (src/report/redaction.ts): when a run redacts, and what the
// data and the rendered issue body keep (ports, counts, outside peers) and lose (the VPC's inside, the account).

import { describe, expect, test } from '@jest/globals';
import { parseCidrList } from '../../src/audit/parameters.js';
import type { PortDrillDown } from '../../src/audit/drill-down.js';
import { parseMemory, serializeMemory, unacknowledgedByUnit, unacknowledgedPorts, unitPortToken, updateMemory } from '../../src/audit/known-ports.js';
import { decideRedaction, Redactor, visibilityOf } from '../../src/report/redaction.js';
import { renderIssueBody } from '../../src/report/tracking-issue.js';
import { oneUnit, portRow, WINDOW } from '../support/report-fixtures.js';

const ACCOUNT = '123456789012';
const redactor = new Redactor({ vpcCidrs: parseCidrList('10.20.0.0/16,2600:1f18:47b:a900::/56'), accountIds: [ACCOUNT], key: 'test-key' });

describe('when a run redacts', () => {
  test.each<[{ visibility?: string; private?: boolean } | undefined, string | undefined]>([
    [{ visibility: 'public' }, 'public'],
    [{ visibility: 'internal', private: true }, 'internal'],
    [{ private: false }, 'public'],
    [{ private: true }, 'private'],
    [{}, undefined],
    [undefined, undefined],
  ])('visibilityOf(%j) = %s', (repository, visibility) => {
    expect(visibilityOf(repository)).toBe(visibility);
  });

  test('auto redacts on public repositories and when the visibility is unknown; always and never are what they say', () => {
    expect(decideRedaction('auto', 'public')).toMatchObject({ redact: true, why: expect.stringMatching(/^Redacted \(redact: auto\): this repository is public/) });
    expect(decideRedaction('auto', undefined)).toMatchObject({ redact: true, why: expect.stringMatching(/visibility could not be read, so it is treated as public/) });
    expect(decideRedaction('auto', 'private').redact).toBe(false);
    expect(decideRedaction('auto', 'internal').redact).toBe(false);
    expect(decideRedaction('always', 'private')).toMatchObject({ redact: true, why: expect.stringMatching(/^Redacted \(redact: always\)/) });
    expect(decideRedaction('never', 'public').redact).toBe(false);
  });
});

describe('what redaction keeps and hides', () => {
  test('inside addresses, EC2 ids and account ids become stable labels; outside addresses, ports and times stay', () => {
    const text = 'web 10.20.1.5 -> 52.94.0.10:443 at 2026-11-01 00:29, i-0123456789abcdef0 on eni-0a1b2c3d in subnet-0123abcd; 2600:1f18:47b:a901::5 and 2001:db8::1; arn:aws:cloudformation:us-east-1:123456789012:stack/x/y; bucket flow-logs-123456789012; arn:aws:iam::210987654321:role/r';
    const redacted = redactor.text(text);
    for (const hidden of ['10.20.1.5', 'i-0123456789abcdef0', 'eni-0a1b2c3d', 'subnet-0123abcd', '2600:1f18:47b:a901::5', ACCOUNT, '210987654321']) {
      expect(redacted).not.toContain(hidden);
    }
    for (const kept of ['52.94.0.10:443', '2026-11-01 00:29', '2001:db8::1', 'arn:aws:cloudformation:us-east-1:']) expect(redacted).toContain(kept);
    expect(redacted).toContain(redactor.label('address', '10.20.1.5'));
    expect(redacted).toContain(redactor.label('instance', 'i-0123456789abcdef0'));
    expect(redacted).toMatch(/^web address-[0-9a-f]{6} -> 52\.94\.0\.10:443/);
    // Stable: the same value, the same label; another key, another label.
    expect(redactor.text('10.20.1.5')).toBe(redactor.text('10.20.1.5'));
    expect(new Redactor({ vpcCidrs: parseCidrList('10.20.0.0/16'), accountIds: [], key: 'other' }).text('10.20.1.5')).not.toBe(redactor.text('10.20.1.5'));
  });

  test('a drill-down is copied with its free-text names labelled whole and its numbers kept', () => {
    const drillDown: PortDrillDown[] = [{
      port: 25, protocol: 6, connections: 48, flows: 50, bytes: 627712, firstSeen: '2026-11-01T00:29:00.000Z', lastSeen: '2026-11-01T23:10:00.000Z',
      sources: [{ instanceId: 'i-0123456789abcdef0', interfaceId: 'eni-0123456789abcdef0', subnetId: 'subnet-0123456789abcdef0', address: '10.20.3.4', connections: 48, bytes: 627712, instanceName: 'payroll db', interfaceDescription: 'Primary network interface' }],
      destinations: [{ address: '198.51.100.7', awsService: null, trafficPath: 8, connections: 48, bytes: 627712 }],
    }];
    const [port] = redactor.value(drillDown);
    expect(port).toMatchObject({ port: 25, protocol: 6, connections: 48, flows: 50, bytes: 627712, firstSeen: '2026-11-01T00:29:00.000Z' });
    expect(port!.destinations).toEqual(drillDown[0]!.destinations);
    expect(port!.sources[0]).toEqual({
      instanceId: redactor.label('instance', 'i-0123456789abcdef0'),
      interfaceId: redactor.label('interface', 'eni-0123456789abcdef0'),
      subnetId: redactor.label('subnet', 'subnet-0123456789abcdef0'),
      address: redactor.label('address', '10.20.3.4'),
      connections: 48,
      bytes: 627712,
      instanceName: redactor.label('name', 'payroll db'),
      interfaceDescription: redactor.label('description', 'Primary network interface'),
    });
    expect(drillDown[0]!.sources[0]!.address).toBe('10.20.3.4'); // the original is not changed
  });

  test('an issue body rendered from redacted data holds no inside address, id, name or account id', () => {
    const rows = redactor.value([portRow(25, 6, 48, ['198.51.100.7', '10.20.9.9'])]);
    const drillDown = redactor.value<PortDrillDown[]>([{
      port: 25, protocol: 6, connections: 48, flows: 48, bytes: 1000, firstSeen: null, lastSeen: null,
      sources: [{ instanceId: 'i-0123456789abcdef0', interfaceId: 'eni-0123456789abcdef0', subnetId: null, address: '10.20.3.4', connections: 48, bytes: 1000, instanceName: 'payroll db' }],
      destinations: [{ address: '198.51.100.7', awsService: null, trafficPath: 8, connections: 48, bytes: 1000 }],
    }]);
    const memory = updateMemory(undefined, 'vpc-0abc1234', oneUnit(rows), new Set(['25/tcp']), new Date('2026-11-02T00:00:00Z'));
    const body = renderIssueBody({ stackOrVpcKey: 'vpc-0abc1234', unacknowledged: unacknowledgedPorts(memory, undefined), rows, top: 10, newKeys: new Set(['25/tcp']), window: WINDOW, allowlistPath: 'ports.yml', drillDown });
    for (const hidden of ['10.20.', 'i-0123456789abcdef0', 'eni-0123456789abcdef0', 'payroll', ACCOUNT]) expect(body).not.toContain(hidden);
    for (const kept of ['| 25 |', '198.51.100.7', redactor.label('address', '10.20.3.4'), redactor.label('name', 'payroll db')]) expect(body).toContain(kept);
  });
});

describe('redaction of audit units (issue 21)', () => {
  const A = { account: '111122223333', region: 'eu-west-1', vpcId: 'vpc-0aaaaaaaaaaaaaaaa' };
  const B = { account: '444455556666', region: 'eu-west-1', vpcId: 'vpc-0bbbbbbbbbbbbbbbb' };

  test("every unit's account and VPC id become labels (accounts the run was not told of too); regions, ports and numbers stay", () => {
    const units = redactor.value([{ unit: A, rows: [portRow(443, 6, 9)], portsLeftOut: 0 }, { unit: { ...B, vpcId: 'vpc-0bbbbbbb' }, rows: [], portsLeftOut: 2 }]);
    expect(units[0]!.unit).toEqual({ account: redactor.label('account', A.account), region: 'eu-west-1', vpcId: redactor.label('vpc', A.vpcId) });
    expect(units[1]!.unit).toEqual({ account: redactor.label('account', B.account), region: 'eu-west-1', vpcId: redactor.label('vpc', 'vpc-0bbbbbbb') });
    expect(units[0]!.rows).toEqual([portRow(443, 6, 9)]);
    expect(units[1]!.portsLeftOut).toBe(2);
    expect(redactor.value(units)).toEqual(units); // labels are never redacted again
    expect(redactor.text(`flow log of ${B.vpcId} in ${A.account}`)).toBe(`flow log of ${redactor.label('vpc', B.vpcId)} in ${A.account}`); // text: only the accounts it was told of
    expect(decideRedaction('always', 'public').why).toContain('subnet and VPC ids');
  });

  test('an organisation issue body from redacted units holds no account or VPC id, and its memory keys are the labels', () => {
    const units = redactor.value([
      { unit: A, rows: [portRow(443, 6, 900)], portsLeftOut: 0 },
      { unit: B, rows: [portRow(443, 6, 90), portRow(22, 6, 4)], portsLeftOut: 0 },
    ]);
    const b = units[1]!.unit;
    const memory = updateMemory(undefined, 'org', units, new Set([unitPortToken(b, { port: 22, protocol: 6 })]), new Date('2026-11-02T00:00:00Z'));
    expect(parseMemory(serializeMemory(memory), 'org')).toEqual({ ok: true, memory, warnings: [] });
    const listed = unacknowledgedByUnit(memory, undefined);
    expect(listed.map((u) => u.unit)).toEqual([b]);
    const byB = listed[0]!;
    const findings = units.map((u) => ({ ...u, newPorts: u.unit === b ? [u.rows[1]!] : [], firstWindow: false, unexplained: u.unit === b ? byB.ports : [] }));
    const body = renderIssueBody({ stackOrVpcKey: 'org', unacknowledged: byB.ports, rows: units[0]!.rows, top: 10, newKeys: new Set(['22/tcp']), window: WINDOW, allowlistPath: 'ports.yml', memory, units: findings });
    expect(body).toContain('### Every VPC');
    for (const hidden of [A.account, B.account, A.vpcId, B.vpcId]) expect(body).not.toContain(hidden);
    expect(body).toContain(`${redactor.label('vpc', B.vpcId)} \\(${redactor.label('account', B.account)}, eu-west-1\\)`);
    expect(body).toContain(`<!-- vpc-port-audit:unacknowledged ${redactor.label('account', B.account)}/eu-west-1/${redactor.label('vpc', B.vpcId)}:22/tcp -->`);
  });
});
