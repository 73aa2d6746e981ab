// The tracking issue of an organisation audit (issue 21) against the local GitHub API reached by the real
// Octokit: ports are judged per unit (account, region, VPC) with one memory and ONE issue; a VPC's first window
// is its baseline; a port known in VPC A is new in VPC B; the issue names each port with its VPC, the
// organisation-wide summary first, then a section per VPC with new or unacknowledged ports.

import { describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditUnit, UnitPorts } from '../../src/audit/audit-unit.js';
import { portsOf } from '../../src/audit/known-ports.js';
import type { PortRow } from '../../src/audit/port-row.js';
import type { PortDrillDown } from '../../src/audit/drill-down.js';
import { trackingMarker, unacknowledgedKeysIn } from '../../src/report/tracking-issue.js';
import { KEY, LABEL, portRow, recordingLogger, useScheduledBed } from '../support/report-fixtures.js';

const A: AuditUnit = { account: '111122223333', region: 'eu-west-1', vpcId: 'vpc-0aaaaaaaaaaaaaaaa' };
const B: AuditUnit = { account: '444455556666', region: 'eu-west-1', vpcId: 'vpc-0bbbbbbbbbbbbbbbb' };
const C: AuditUnit = { account: '777788889999', region: 'us-east-1', vpcId: 'vpc-0cccccccccccccccc' };
const HTTPS = portRow(443, 6, 900, ['52.94.0.10']);
const DNS = portRow(53, 17, 300);
const SSH = portRow(22, 6, 40, ['198.51.100.7']);

const bed = useScheduledBed();

/** One scheduled run over these units; the organisation-wide top list is their rows (each port once, busiest first). */
function runUnits(...units: [AuditUnit, PortRow[]][]) {
  const unitPorts: UnitPorts[] = units.map(([unit, rows]) => ({ unit, rows, portsLeftOut: 0 }));
  const all = new Map(unitPorts.flatMap((u) => u.rows).map((row) => [`${row.port}/${row.protocol}`, row]));
  const log = recordingLogger();
  return { log, report: bed.run([...all.values()].sort((a, b) => b.flows - a.flows), undefined, log, false, undefined, undefined, unitPorts) };
}

describe('one tracking issue for several VPCs', () => {
  test("a new VPC's first window is a baseline; a port known in VPC A is still new in VPC B; the issue names ports by VPC", async () => {
    const first = runUnits([A, [HTTPS]]);
    expect(await first.report).toMatchObject({ silent: true, newPorts: [], issueAction: 'none' });

    // B appears with 443 (known in A) and 53: its first window, a baseline, nothing reported, nothing written.
    const second = runUnits([A, [HTTPS]], [B, [HTTPS, DNS]]);
    const baseline = await second.report;
    expect(baseline).toMatchObject({ silent: false, newPorts: [], issueAction: 'none' });
    expect(bed.github.writes()).toEqual([]);
    expect([...portsOf(baseline.memory, B).keys()]).toEqual(['443/tcp', '53/udp']);
    expect(second.log.lines).toContain('First window of 444455556666/eu-west-1/vpc-0bbbbbbbbbbbbbbbb: its ports are its baseline, none is reported.');

    // A truly new port in B opens the one issue, naming B; A has no section (nothing new or unacknowledged there).
    const third = await runUnits([A, [HTTPS]], [B, [HTTPS, DNS, SSH]]).report;
    expect(third.issueAction).toBe('opened');
    expect(third.newPorts).toEqual([SSH]);
    const issue = bed.github.issues.get(third.issueNumber!)!;
    expect(issue.labels).toEqual([LABEL]);
    expect(issue.body).toContain(trackingMarker(KEY));
    expect(unacknowledgedKeysIn(issue.body)).toEqual(['444455556666/eu-west-1/vpc-0bbbbbbbbbbbbbbbb:22/tcp']);
    expect(issue.body).toContain('saw outbound traffic to 1 port in 1 of its 2 VPCs that no one has explained yet.');
    // The organisation-wide summary comes first, a row per VPC and the totals; then B's section.
    const summaryAt = issue.body.indexOf('### Every VPC');
    const sectionB = issue.body.indexOf('### vpc-0bbbbbbbbbbbbbbbb \\(444455556666, eu-west-1\\)');
    expect(summaryAt).toBeGreaterThan(0);
    expect(sectionB).toBeGreaterThan(summaryAt);
    expect(issue.body).toContain('| vpc-0aaaaaaaaaaaaaaaa \\(111122223333, eu-west-1\\) | 1 | 0 | 0 |');
    expect(issue.body).toContain('| vpc-0bbbbbbbbbbbbbbbb \\(444455556666, eu-west-1\\) | 3 | 1 | 1 |');
    expect(issue.body).toContain('| **Every VPC** |  | 1 | 1 |');
    expect(issue.body).not.toContain('### vpc-0aaaaaaaaaaaaaaaa');
    expect(issue.body.slice(sectionB)).toMatch(/\*\*New this run\*\* \(1\), ranked among the VPC's 3 ports:\n\n\| # \| Port[^\n]*\n[^\n]*\n\| 3 \| 22 \| tcp \|/);
    expect(issue.body.slice(sectionB)).toMatch(/\*\*Unacknowledged\*\* \(1\):\n\n\| Port[^\n]*\n[^\n]*\n\| 22 \| tcp \|/);
    expect(issue.body.indexOf('### Current top list, every VPC')).toBeGreaterThan(sectionB);

    // 22/tcp, known (and reported) in B, is new in A; C's first window is a baseline, shown as such in the summary.
    const fourth = await runUnits([A, [HTTPS, SSH]], [B, [HTTPS, DNS, SSH]], [C, [HTTPS, DNS]]).report;
    expect(fourth.issueAction).toBe('updated');
    expect(fourth.issueNumber).toBe(issue.number);
    expect(fourth.newPorts).toEqual([SSH]);
    expect(unacknowledgedKeysIn(issue.body).sort()).toEqual(['111122223333/eu-west-1/vpc-0aaaaaaaaaaaaaaaa:22/tcp', '444455556666/eu-west-1/vpc-0bbbbbbbbbbbbbbbb:22/tcp']);
    expect(issue.body).toContain('### vpc-0aaaaaaaaaaaaaaaa \\(111122223333, eu-west-1\\)');
    expect(issue.body).toContain('| vpc-0cccccccccccccccc \\(777788889999, us-east-1\\) | 2 | — (first window of this VPC: its ports are its baseline) | 0 |');
    expect(issue.body).not.toContain('### vpc-0cccccccccccccccc');
    const comments = bed.github.commentsOn(issue.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('**1 new outbound port**');
    expect(comments[0]!.body).toContain('- `22/tcp` in vpc-0aaaaaaaaaaaaaaaa \\(111122223333, eu-west-1\\): 40 flows');

    // The same window again writes nothing: the issue's hidden line matches the memory, unit by unit.
    const writes = bed.github.writes().length;
    expect((await runUnits([A, [HTTPS, SSH]], [B, [HTTPS, DNS, SSH]], [C, [HTTPS, DNS]]).report).issueAction).toBe('none');
    expect(bed.github.writes()).toHaveLength(writes);

    // The memory is one object, one entry per VPC.
    const stored = JSON.parse(await readFile(join(bed.dir, 'known-ports.json'), 'utf8'));
    expect(Object.keys(stored.units).sort()).toEqual([
      '111122223333/eu-west-1/vpc-0aaaaaaaaaaaaaaaa',
      '444455556666/eu-west-1/vpc-0bbbbbbbbbbbbbbbb',
      '777788889999/us-east-1/vpc-0cccccccccccccccc',
    ]);
  });

  test('a port new in two VPCs is one new port (the new-ports output, the drill-down), its counts summed; the comment names both VPCs', async () => {
    await runUnits([A, [HTTPS]], [B, [HTTPS]]).report;
    const sshInB = portRow(22, 6, 7, ['198.51.100.9']);
    const asked: string[][] = [];
    const drillDown = async (ports: readonly PortRow[]) => {
      asked.push(ports.map((p) => `${p.port}/${p.protocol}`));
      return { sql: 'SELECT 1', ports: [], units: [], rejected: [], statistics: { elapsedMs: 1, bytesScanned: 0, costUsd: 0 } };
    };
    const units: UnitPorts[] = [{ unit: A, rows: [HTTPS, SSH], portsLeftOut: 0 }, { unit: B, rows: [HTTPS, sshInB], portsLeftOut: 0 }];
    const report = await bed.run([HTTPS, SSH], undefined, recordingLogger(), false, undefined, drillDown, units);
    expect(report.newPorts.map((p) => [p.port, p.protocol, p.flows, p.connections, p.peers])).toEqual([[22, 6, 47, 47, 2]]);
    expect(asked).toEqual([['22/6']]);
    // Where it is new stays per VPC: the findings and the issue's hidden line.
    expect(report.units.map((u) => u.newPorts.map((p) => p.flows))).toEqual([[40], [7]]);
    expect(unacknowledgedKeysIn(bed.github.issues.get(report.issueNumber!)!.body).sort()).toEqual([
      '111122223333/eu-west-1/vpc-0aaaaaaaaaaaaaaaa:22/tcp',
      '444455556666/eu-west-1/vpc-0bbbbbbbbbbbbbbbb:22/tcp',
    ]);
  });

  test("each VPC's section shows who in that VPC opened its new ports (the drill-down per unit), not another VPC's", async () => {
    await runUnits([A, [HTTPS]], [B, [HTTPS, SSH]]).report;
    // 22/tcp is known in B and new in A; the drill-down query returns both VPCs' sources of it.
    const drill = (address: string, instance: string): PortDrillDown => ({
      port: 22, protocol: 6, connections: 40, flows: 40, bytes: 60_000, firstSeen: null, lastSeen: null,
      sources: [{ instanceId: instance, interfaceId: null, subnetId: null, address, connections: 40, bytes: 60_000 }],
      destinations: [{ address: '198.51.100.7', awsService: null, trafficPath: 8, connections: 40, bytes: 60_000 }],
    });
    const inA = drill('10.0.1.5', 'i-0aaaaaaaaaaaaaaaa');
    const inB = drill('10.9.1.5', 'i-0bbbbbbbbbbbbbbbb');
    const drillDown = async () => ({ sql: 'SELECT 1', ports: [inA], units: [{ unit: A, ports: [inA] }, { unit: B, ports: [inB] }], rejected: [], statistics: { elapsedMs: 1, bytesScanned: 0, costUsd: 0 } });
    const units: UnitPorts[] = [{ unit: A, rows: [HTTPS, SSH], portsLeftOut: 0 }, { unit: B, rows: [HTTPS, SSH], portsLeftOut: 0 }];
    const report = await bed.run([HTTPS, SSH], undefined, recordingLogger(), false, undefined, drillDown, units);
    expect(report.issueAction).toBe('opened');
    const body = bed.github.issues.get(report.issueNumber!)!.body;
    const sectionA = body.slice(body.indexOf('### vpc-0aaaaaaaaaaaaaaaa'));
    expect(sectionA).toMatch(/^### vpc-0aaaaaaaaaaaaaaaa[^\n]*\n\n\*\*New this run\*\*[^]*?\*\*`22\/tcp`\*\* \(ssh\)[^]*?\| from \| i-0aaaaaaaaaaaaaaaa · 10\.0\.1\.5 \|/);
    // B's 22/tcp is not new there: its sources are in no section, and there is no organisation-wide list of them.
    expect(body).not.toContain('i-0bbbbbbbbbbbbbbbb');
    expect(body).not.toContain('### Who opened the new ports');
  });

  test('a VPC quiet this window keeps its unacknowledged ports in the issue', async () => {
    await runUnits([A, [HTTPS]], [B, [HTTPS]]).report;
    const opened = await runUnits([A, [HTTPS]], [B, [HTTPS, SSH]]).report;
    expect(opened.issueAction).toBe('opened');
    const quiet = await runUnits([A, [HTTPS]]).report;
    expect(quiet.issueAction).toBe('none');
    expect(quiet.unexplained.map((p) => p.port)).toEqual([22]);
    expect(bed.github.issues.get(opened.issueNumber!)!.body).toContain('### vpc-0bbbbbbbbbbbbbbbb \\(444455556666, eu-west-1\\)');
  });
});
