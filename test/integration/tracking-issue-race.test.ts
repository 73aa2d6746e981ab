// Concurrent scheduled runs against the local GitHub API: the issue listing is held until every run has
// listed (so each believes there is no issue and creates one); the lowest-number rule leaves exactly one open.
// A losing run names its new ports on the winner in a comment, with their drill-down (who opened them); a run
// adopts only the issue its memory names, never an older one it did not open.

import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import type { PortDrillDown } from '../../src/audit/drill-down.js';
import type { PortRow } from '../../src/audit/port-row.js';
import { trackingMarker, unacknowledgedKeysIn } from '../../src/report/tracking-issue.js';
import { KEY, portRow, scheduledRunner, useScheduledBed } from '../support/report-fixtures.js';

const HTTPS = portRow(443, 6, 900);
const SSH = portRow(22, 6, 40);
const SMTP = portRow(25, 6, 7);

const bed = useScheduledBed();

/** Each racing run has its own client and store object (as separate runners would), over one stored memory. */
async function race(count: number, rowsOf: (i: number) => readonly PortRow[], drillDown?: Parameters<ReturnType<typeof scheduledRunner>>[5]) {
  const runners = Array.from({ length: count }, () => scheduledRunner(bed.github, join(bed.dir, 'known-ports.json')));
  await Promise.all(runners.map((run) => run([HTTPS])));
  bed.github.holdUntil('GET', /\/issues$/, count);
  return Promise.all(runners.map((run, i) => run(rowsOf(i), undefined, undefined, false, undefined, drillDown)));
}

/** The drill-down step's answer for new ports: each one opened by an instance whose id ends in its port number. */
const sourceOf = (port: number) => `i-${String(port).padStart(17, '0')}`;
async function drillDownOf(newPorts: readonly PortRow[]) {
  const ports: PortDrillDown[] = newPorts.map((p) => ({
    port: p.port,
    protocol: p.protocol,
    connections: p.connections,
    flows: p.flows,
    bytes: p.bytes,
    firstSeen: null,
    lastSeen: null,
    sources: [{ instanceId: sourceOf(p.port), interfaceId: null, subnetId: null, address: '10.0.1.5', connections: p.connections, bytes: p.bytes }],
    destinations: [],
  }));
  return { sql: 'SELECT 1', rejected: [], units: [], statistics: { elapsedMs: 1, bytesScanned: 0, costUsd: 0, queryExecutionId: 'q-2' }, ports };
}

const ours = () => bed.github.openIssues().filter((issue) => issue.body.includes(trackingMarker(KEY)));

describe('racing runs', () => {
  test('two concurrent runs that both create an issue leave exactly one open, the lowest-numbered', async () => {
    const results = await race(2, () => [HTTPS, SSH]);
    expect(results.every((r) => r.issueAction === 'opened')).toBe(true);
    const created = bed.github.writes().filter((c) => c.method === 'POST' && c.path.endsWith('/issues'));
    expect(created).toHaveLength(2);
    const open = ours();
    expect(open).toHaveLength(1);
    const numbers = [...bed.github.issues.values()].map((i) => i.number);
    expect(open[0]!.number).toBe(Math.min(...numbers));
    expect(new Set(results.map((r) => r.issueNumber))).toEqual(new Set([open[0]!.number]));
    const loser = [...bed.github.issues.values()].find((i) => i.number !== open[0]!.number)!;
    expect(loser.state).toBe('closed');
    expect(bed.github.commentsOn(loser.number).at(-1)!.body).toContain(`duplicate of #${open[0]!.number}`);
    // Both runs saw the same port, so the winner gets no extra comment.
    expect(bed.github.commentsOn(open[0]!.number)).toHaveLength(0);
  });

  test('three concurrent runs with different new ports converge on one issue that lists them all', async () => {
    const extra = [SSH, SMTP, portRow(3389, 6, 3)];
    const results = await race(3, (i) => [HTTPS, extra[i]!]);
    const open = ours();
    expect(open).toHaveLength(1);
    expect(new Set(results.map((r) => r.issueNumber))).toEqual(new Set([open[0]!.number]));
    const listed = new Set(unacknowledgedKeysIn(open[0]!.body));
    const comments = bed.github.commentsOn(open[0]!.number).map((c) => c.body).join('\n');
    for (const port of extra) {
      const key = `${port.port}/tcp`;
      expect(listed.has(key) || comments.includes(`\`${key}\``)).toBe(true);
    }
    // The next run (the memory is whichever run saved last) brings the surviving issue's body up to date.
    const next = await scheduledRunner(bed.github, join(bed.dir, 'known-ports.json'))([HTTPS, ...extra]);
    expect(next.issueNumber).toBe(open[0]!.number);
    expect(unacknowledgedKeysIn(bed.github.issues.get(open[0]!.number)!.body).sort()).toEqual(['22/tcp', '25/tcp', '3389/tcp']);
    expect(ours()).toHaveLength(1);
  });

  test("the losing run's comment on the winner shows who opened its new port", async () => {
    const extra = [SSH, SMTP];
    await race(2, (i) => [HTTPS, extra[i]!], drillDownOf);
    const [open] = ours();
    const listed = new Set(unacknowledgedKeysIn(open!.body));
    const [missing] = extra.filter((p) => !listed.has(`${p.port}/tcp`));
    const comments = bed.github.commentsOn(open!.number).map((c) => c.body);
    expect(comments).toHaveLength(1);
    expect(comments[0]).toContain(`\`${missing!.port}/tcp\``);
    expect(comments[0]).toContain(sourceOf(missing!.port));
    // Only the missing port's drill-down: the one the winner lists is in its body already.
    const [shown] = extra.filter((p) => p !== missing);
    expect(comments[0]).not.toContain(sourceOf(shown!.port));
  });

  test('a run keeps the issue its memory names; other open issues with the marker are left alone, even lower-numbered ones', async () => {
    const run = scheduledRunner(bed.github, join(bed.dir, 'known.json'));
    await run([HTTPS]);
    const first = bed.github.addIssue({ title: 'a', labels: ['vpc-port-audit'], body: `${trackingMarker(KEY)}\n<!-- vpc-port-audit:unacknowledged 22/tcp -->` });
    const second = bed.github.addIssue({ title: 'b', labels: ['vpc-port-audit'], body: `${trackingMarker(KEY)}\n<!-- vpc-port-audit:unacknowledged 22/tcp -->` });
    // Neither is named by the memory: the new port opens our own issue, which does not lose to the older ones.
    const opened = await run([HTTPS, SSH]);
    expect(opened.issueAction).toBe('opened');
    expect(opened.issueNumber).toBeGreaterThan(second.number);
    expect([first.state, second.state]).toEqual(['open', 'open']);
    const third = bed.github.addIssue({ title: 'c', labels: ['vpc-port-audit'], body: `${trackingMarker(KEY)}\n<!-- vpc-port-audit:unacknowledged 53/udp -->` });
    const later = await run([HTTPS, SSH, portRow(3306, 6, 5)]);
    expect(later).toMatchObject({ issueAction: 'updated', issueNumber: opened.issueNumber });
    expect([first, second, third].map((issue) => [issue.state, bed.github.commentsOn(issue.number).length])).toEqual([['open', 0], ['open', 0], ['open', 0]]);
  });
});
