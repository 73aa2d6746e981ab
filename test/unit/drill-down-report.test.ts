// The drill-down in the tracking issue, its comment and the job summary: a compact table per new port naming who
// opened it and where it went, every value escaped; the drill-down query's cost beside the audit's.
import { describe, expect, test } from '@jest/globals';
import type { PortDrillDown } from '../../src/audit/drill-down.js';
import { renderDrillDownMarkdown, renderDrillDownText } from '../../src/report/drill-down.js';
import { renderJobSummary } from '../../src/report/job-summary.js';
import { renderIssueBody, renderNewPortsComment } from '../../src/report/tracking-issue.js';
import { auditResult, portRow } from '../support/report-fixtures.js';
import { windowEndingAt } from '../../src/flowlog/layout.js';

const WINDOW = windowEndingAt(new Date('2026-11-02T00:00:00Z'), 24);
const BEACON = portRow(8333, 6, 48, ['52.62.3.1']);
const DRILL: PortDrillDown = {
  port: 8333, protocol: 6, connections: 48, flows: 48, bytes: 627_712,
  firstSeen: '2026-11-01T00:29:00.000Z', lastSeen: '2026-11-01T23:48:00.000Z',
  sources: [{ instanceId: 'i-88d97336218d73e44', interfaceId: 'eni-d2355117f9532e594', subnetId: 'subnet-954ca1d4e560db56b', address: '172.31.17.38', connections: 48, bytes: 627_712 }],
  destinations: [{ address: '52.62.3.1', awsService: null, trafficPath: 8, connections: 48, bytes: 627_712 }],
};

describe('drill-down in the report', () => {
  test('one port: totals, first and last seen, then who opened it and where it went, escaped', () => {
    expect(renderDrillDownMarkdown(DRILL)).toBe([
      '**`8333/tcp`**: 48 connections, 48 flows, 613 KiB, seen 2026-11-01 00:29 to 2026-11-01 23:48 UTC',
      '',
      '|  | Source or destination | Connections | Bytes |',
      '| --- | --- | ---: | ---: |',
      '| from | i-88d97336218d73e44 · eni-d2355117f9532e594 · subnet-954ca1d4e560db56b · 172.31.17.38 | 48 | 613 KiB |',
      '| to | 52.62.3.1 · internet gateway \\(Nitro\\) | 48 | 613 KiB |',
    ].join('\n'));
    // A format without the fields shows what it has.
    const bare = { ...DRILL, firstSeen: null, lastSeen: null, sources: [{ ...DRILL.sources[0]!, instanceId: null, subnetId: null }], destinations: [{ ...DRILL.destinations[0]!, trafficPath: null }] };
    expect(renderDrillDownMarkdown(bare)).toContain('| from | eni-d2355117f9532e594 · 172.31.17.38 |');
    expect(renderDrillDownMarkdown(bare)).toMatch(/^\*\*`8333\/tcp`\*\*: 48 connections, 48 flows, 613 KiB\n/);
  });

  test('traffic-path 1 is the path (another resource in the VPC), not where the destination is', () => {
    const viaVpc = { ...DRILL, destinations: [{ ...DRILL.destinations[0]!, address: '10.0.2.9', trafficPath: 1 }] };
    expect(renderDrillDownMarkdown(viaVpc)).toContain('| to | 10.0.2.9 · via another resource in the VPC | 48 | 613 KiB |');
  });

  test('one connection or flow reads in the singular, in the markdown and the terminal text', () => {
    const single = { ...DRILL, connections: 1, flows: 1, sources: [{ ...DRILL.sources[0]!, connections: 1 }], destinations: [{ ...DRILL.destinations[0]!, connections: 2 }] };
    expect(renderDrillDownMarkdown(single)).toMatch(/^\*\*`8333\/tcp`\*\*: 1 connection, 1 flow, 613 KiB,/);
    const text = renderDrillDownText(single).split('\n');
    expect(text[0]).toMatch(/: 1 connection, 1 flow, 613 KiB,/);
    expect(text[1]).toMatch(/^ {2}from i-88d97336218d73e44 .* {2}1 connection, 613 KiB$/);
    expect(text[2]).toMatch(/^ {2}to {3}52\.62\.3\.1 .* {2}2 connections, 613 KiB$/);
  });

  test('a registered port is named by its IANA service name', () => {
    expect(renderDrillDownMarkdown({ ...DRILL, port: 5432 })).toMatch(/^\*\*`5432\/tcp`\*\* \(postgresql\): 48 connections/);
  });

  test('the tracking issue and its comment carry the drill-down of the new ports; without one, no section', () => {
    const input = { top: 10, stackOrVpcKey: 'vpc-0abc1234', unacknowledged: [], rows: [BEACON], newKeys: new Set(['8333/tcp']), window: WINDOW, allowlistPath: '.github/outbound-ports.yml' };
    const body = renderIssueBody({ ...input, drillDown: [DRILL] });
    expect(body).toContain(`### Who opened the new ports\n\n${renderDrillDownMarkdown(DRILL)}\n\n### Current top list`);
    expect(renderIssueBody(input)).not.toContain('Who opened');
    expect(renderNewPortsComment([BEACON], WINDOW, [DRILL])).toContain(renderDrillDownMarkdown(DRILL));
    expect(renderNewPortsComment([BEACON], WINDOW)).not.toContain('| from |');
  });

  test('the job summary shows the drill-down query\'s cost only when it ran', () => {
    const statistics = { elapsedMs: 900, bytesScanned: 3 * 2 ** 20, costUsd: 0.0000477, queryExecutionId: 'q-drill' };
    const base = { top: 10, result: auditResult([BEACON]), window: WINDOW, newPorts: [BEACON], silent: false };
    const text = renderJobSummary({ ...base, drillDown: { sql: 'SELECT 1', ports: [DRILL], units: [], rejected: [], statistics } });
    expect(text).toMatch(/- Cost: Athena scanned [^\n]+\n- Drill-down of the new ports: Athena scanned 3\.00 MiB \(3,145,728 bytes\), billed [^\n]+ \(query `q-drill`\)\./);
    expect(renderJobSummary(base)).not.toContain('Drill-down');
  });
});
