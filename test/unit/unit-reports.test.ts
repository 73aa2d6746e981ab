// The job summary of an audit of several units (issue 21): the organisation-wide summary, a section per VPC with
// new ports or a first window, new ports named by VPC; one unit (job summary, tracking issue) renders exactly as a
// one-VPC audit.

import { describe, expect, test } from '@jest/globals';
import type { AuditUnit } from '../../src/audit/audit-unit.js';
import { UNATTRIBUTED, unacknowledgedPorts, unitPortToken, updateMemory } from '../../src/audit/known-ports.js';
import { renderJobSummary } from '../../src/report/job-summary.js';
import { GITHUB_BODY_LIMIT } from '../../src/report/markdown.js';
import { renderIssueBody, unacknowledgedKeysIn } from '../../src/report/tracking-issue.js';
import type { UnitFindings } from '../../src/report/unit-sections.js';
import { auditResult, portRow, WINDOW } from '../support/report-fixtures.js';

const A: AuditUnit = { account: '111122223333', region: 'eu-west-1', vpcId: 'vpc-0aaaaaaaaaaaaaaaa' };
const B: AuditUnit = { account: '444455556666', region: 'eu-west-1', vpcId: 'vpc-0bbbbbbbbbbbbbbbb' };
const HTTPS = portRow(443, 6, 900);
const SSH = portRow(22, 6, 40);
const DNS = portRow(53, 17, 300);

const finding = (unit: AuditUnit, rows: UnitFindings['rows'], newPorts: UnitFindings['newPorts'], firstWindow = false): UnitFindings =>
  ({ unit, rows, portsLeftOut: 0, newPorts, firstWindow, unexplained: [] });

describe('job summary per VPC', () => {
  test('the organisation summary, a section per VPC with new ports or a first window, and the new ports named by VPC', () => {
    const units = [finding(A, [HTTPS, SSH], [SSH]), finding(B, [HTTPS, DNS], [], true)];
    const memory = updateMemory(undefined, 'org', units, new Set(), WINDOW.end, WINDOW);
    const text = renderJobSummary({ result: auditResult([HTTPS, DNS, SSH]), top: 10, window: WINDOW, newPorts: [SSH], silent: false, trackingIssue: { number: 7 }, memory, units });
    expect(text).toContain('**1 new port:** `22/tcp` in vpc-0aaaaaaaaaaaaaaaa \\(111122223333, eu-west-1\\) (tracked in #7).');
    expect(text).toContain('| vpc-0bbbbbbbbbbbbbbbb \\(444455556666, eu-west-1\\) | 2 | — (first window of this VPC: its ports are its baseline) | 0 |');
    const sectionA = text.indexOf('### vpc-0aaaaaaaaaaaaaaaa \\(111122223333, eu-west-1\\)');
    const sectionB = text.indexOf('### vpc-0bbbbbbbbbbbbbbbb \\(444455556666, eu-west-1\\)');
    expect(sectionA).toBeGreaterThan(text.indexOf('### Every VPC'));
    expect(text.slice(sectionA, sectionB)).toMatch(/\| # \| Port[^\n]*\n[^\n]*\n\| 2 \| 22 \| tcp \|/);
    expect(text.slice(sectionB)).toMatch(/^### [^\n]*\n\n_first window of this VPC: its ports are its baseline \(2 ports\)\._/);
    expect(text.indexOf('### Top list, every VPC')).toBeGreaterThan(sectionB);
    expect(text).toContain('Lines, in order: `22/tcp` in vpc-0aaaaaaaaaaaaaaaa \\(111122223333, eu-west-1\\).');
  });

  test("a VPC's section shows who in that VPC opened its new ports, from the drill-down's per-VPC part", () => {
    const drill = (address: string) => ({
      port: 22, protocol: 6, connections: 40, flows: 40, bytes: 60_000, firstSeen: null, lastSeen: null,
      sources: [{ instanceId: null, interfaceId: null, subnetId: null, address, connections: 40, bytes: 60_000 }], destinations: [],
    });
    const units = [finding(A, [HTTPS, SSH], [SSH]), finding(B, [HTTPS, SSH], [])];
    const drillDown = { sql: 'SELECT 1', ports: [drill('10.0.1.5')], units: [{ unit: A, ports: [drill('10.0.1.5')] }, { unit: B, ports: [drill('10.9.9.9')] }], rejected: [], statistics: auditResult([]).statistics };
    const text = renderJobSummary({ result: auditResult([HTTPS, SSH]), top: 10, window: WINDOW, newPorts: [SSH], silent: false, units, drillDown });
    const sectionA = text.slice(text.indexOf('### vpc-0aaaaaaaaaaaaaaaa'), text.indexOf('### Top list, every VPC'));
    expect(sectionA).toMatch(/\*\*`22\/tcp`\*\* \(ssh\): 40 connections[^]*\| from \| 10\.0\.1\.5 \| 40 \|/);
    // 22/tcp is not new in B: B has no section, and its sources are not shown.
    expect(text).not.toContain('### vpc-0bbbbbbbbbbbbbbbb');
    expect(text).not.toContain('10.9.9.9');
  });

  test('one unit, attributed or not, is the one-VPC summary (its trend read from its own unit of the memory)', () => {
    const base = { result: auditResult([HTTPS, SSH]), top: 10, window: WINDOW, newPorts: [SSH], silent: false };
    const memoryOf = (unit: AuditUnit) => updateMemory(undefined, 'vpc-0aaaaaaaaaaaaaaaa', [finding(unit, [HTTPS, SSH], [])], new Set(), WINDOW.end, WINDOW);
    const plain = renderJobSummary({ ...base, memory: memoryOf(UNATTRIBUTED) });
    expect(plain).toContain('Lines, in order: `22/tcp`.');
    expect(plain).not.toContain('Every VPC');
    expect(renderJobSummary({ ...base, memory: memoryOf(UNATTRIBUTED), units: [finding(UNATTRIBUTED, [HTTPS, SSH], [SSH])] })).toBe(plain);
    expect(renderJobSummary({ ...base, memory: memoryOf(A), units: [finding(A, [HTTPS, SSH], [SSH])] })).toBe(plain);
  });
});

describe('tracking issue of one unit', () => {
  test('an attributed unit alone shows the one-VPC body; only its hidden line names the unit', () => {
    const bodyOf = (unit: AuditUnit) => {
      const memory = updateMemory(undefined, 'vpc-0aaaaaaaaaaaaaaaa', [finding(unit, [HTTPS, SSH], [])], new Set([unitPortToken(unit, SSH)]), WINDOW.end, WINDOW);
      const unacknowledged = unacknowledgedPorts(memory, undefined);
      const units = [{ ...finding(unit, [HTTPS, SSH], [SSH]), unexplained: unacknowledged }];
      return renderIssueBody({ stackOrVpcKey: 'vpc-0aaaaaaaaaaaaaaaa', unacknowledged, rows: [HTTPS, SSH], top: 10, newKeys: new Set(['22/tcp']), window: WINDOW, allowlistPath: 'ports.yml', memory, units });
    };
    const [plain, attributed] = [bodyOf(UNATTRIBUTED), bodyOf(A)];
    expect(unacknowledgedKeysIn(plain)).toEqual(['22/tcp']);
    expect(unacknowledgedKeysIn(attributed)).toEqual(['111122223333/eu-west-1/vpc-0aaaaaaaaaaaaaaaa:22/tcp']);
    const visible = (body: string) => body.split('\n').filter((line) => !line.startsWith('<!-- vpc-port-audit:unacknowledged'));
    expect(visible(attributed)).toEqual(visible(plain));
    expect(plain).toContain('Lines, in order: `22/tcp`.');
    expect(plain).not.toContain('Every VPC');
  });
});

describe('an organisation of 100 VPCs', () => {
  test("the tracking issue of 4,000 unacknowledged ports fits GitHub's limit: every VPC in the summary, the VPC sections cut from the tail with a note", () => {
    const units = Array.from({ length: 100 }, (_, i) => {
      const unit = { account: String(100000000000 + i), region: 'eu-west-1', vpcId: `vpc-0${i.toString(16).padStart(16, '0')}` };
      const rows = Array.from({ length: 40 }, (_, p) => portRow(1000 + p, 6, 500 - p, ['203.0.113.10', '198.51.100.7']));
      return { unit, rows, portsLeftOut: 0 };
    });
    const memory = updateMemory(undefined, 'org', units, new Set(units.flatMap((u) => u.rows.map((r) => unitPortToken(u.unit, r)))), WINDOW.end, WINDOW);
    const findings = units.map((u) => ({ ...u, newPorts: u.rows, firstWindow: false, unexplained: unacknowledgedPorts({ ...memory, units: new Map([...memory.units].filter(([, m]) => m.unit === u.unit)) }, undefined) }));
    const body = renderIssueBody({ stackOrVpcKey: 'org', unacknowledged: findings.flatMap((f) => f.unexplained), rows: units[0]!.rows, top: 10, newKeys: new Set(), window: WINDOW, allowlistPath: 'ports.yml', memory, units: findings });
    expect(body.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    expect(body.match(/^\| vpc-0/gm)).toHaveLength(100);
    expect(body).toMatch(/> Showing the first \d+ of 100 VPC sections/);
    // The hidden line writes each VPC's ports as one group; read back, every port of every VPC is there.
    expect(body).toContain(' 100000000000/eu-west-1/vpc-00000000000000000:1000/tcp,1001/tcp,1002/tcp,');
    expect(unacknowledgedKeysIn(body)).toHaveLength(4000);
    expect(unacknowledgedKeysIn(body)).toContain('100000000099/eu-west-1/vpc-00000000000000063:1039/tcp');
  });
});
