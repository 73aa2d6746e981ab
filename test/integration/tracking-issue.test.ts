// The tracking issue's life against a local GitHub API reached by the real Octokit: baseline, open,
// nothing, update + comment, close; a first run with an allowlist; a corrupted or lost memory; an issue
// someone else planted with our marker, or one any workflow of the repository planted as the same bot (only the
// issue the memory names is ours); a poisoned body of our own issue.

import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { trackingMarker, unacknowledgedKeysIn } from '../../src/report/tracking-issue.js';
import { STRANGER } from '../support/fake-github.js';
import { portsOf } from '../../src/audit/known-ports.js';
import { allowlistOf, KEY, LABEL, portRow, recordingLogger, useScheduledBed } from '../support/report-fixtures.js';

const HTTPS = portRow(443, 6, 900, ['52.94.0.10', '54.239.0.20']);
const DNS = portRow(53, 17, 300);
const SSH = portRow(22, 6, 40, ['198.51.100.7']);
const MYSQL = portRow(3306, 6, 12, ['198.51.100.9']);

const bed = useScheduledBed({ maxPerPage: 2 });

describe('tracking issue lifecycle', () => {
  test('baseline -> new port opens -> same ports write nothing -> another port updates + comments -> allowlisted closes', async () => {
    // Noise that must not be mistaken for ours: same label without our marker (another VPC), same title no label.
    bed.github.labels.add('unrelated');
    for (let i = 0; i < 3; i += 1) bed.github.addIssue({ title: 'Other VPC', labels: [LABEL], body: trackingMarker('vpc-other') });
    bed.github.addIssue({ title: `Unexplained outbound ports in ${KEY}`, body: 'hand-written' });

    const first = await bed.run([HTTPS, DNS]);
    expect(first.silent).toBe(true);
    expect(first.newPorts).toEqual([]);
    expect(first.issueNumber).toBeUndefined();
    expect(bed.github.writes()).toEqual([]);
    expect([...portsOf(first.memory).keys()].sort()).toEqual(['443/tcp', '53/udp']);

    const second = await bed.run([HTTPS, DNS, SSH]);
    expect(second.newPorts.map((p) => p.port)).toEqual([22]);
    expect(second.issueAction).toBe('opened');
    const issue = bed.github.issues.get(second.issueNumber!)!;
    expect(issue.labels).toEqual([LABEL]);
    expect(bed.github.labels.has(LABEL)).toBe(true);
    expect(issue.body).toContain(trackingMarker(KEY));
    expect(issue.body).toMatch(/\| 22 \| tcp \|/);
    expect(issue.body).toContain('198.51.100.7');
    expect(bed.github.openIssues().filter((i) => i.body.includes(trackingMarker(KEY)))).toHaveLength(1);
    // The listing went through more than one page (Link headers followed).
    expect(bed.github.calls.filter((c) => c.method === 'GET' && c.path.endsWith('/issues') && c.query.page === '2').length).toBeGreaterThan(0);

    const writesBefore = bed.github.writes().length;
    const third = await bed.run([HTTPS, DNS, SSH]);
    expect(third.issueAction).toBe('none');
    expect(third.newPorts).toEqual([]);
    expect(bed.github.writes()).toHaveLength(writesBefore);

    const fourth = await bed.run([HTTPS, DNS, SSH, MYSQL]);
    expect(fourth.issueAction).toBe('updated');
    expect(fourth.issueNumber).toBe(second.issueNumber);
    const comments = bed.github.commentsOn(issue.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('`3306/tcp`');
    expect(comments[0]!.body).not.toContain('22/tcp');
    expect(unacknowledgedKeysIn(issue.body)).toEqual(['22/tcp', '3306/tcp']);

    const partly = await bed.run([HTTPS, DNS, SSH, MYSQL], allowlistOf('  - {port: 22, protocol: tcp, reason: bastion}'));
    expect(partly.issueAction).toBe('updated');
    expect(unacknowledgedKeysIn(issue.body)).toEqual(['3306/tcp']);
    expect(bed.github.commentsOn(issue.number)).toHaveLength(1);

    const done = await bed.run(
      [HTTPS, DNS, SSH, MYSQL],
      allowlistOf('  - {port: 22, protocol: tcp, reason: bastion}', '  - {port: 3306, protocol: tcp, reason: reporting database}'),
    );
    expect(done.issueAction).toBe('closed');
    expect(issue.state).toBe('closed');
    expect(issue.state_reason).toBe('completed');
    expect(bed.github.commentsOn(issue.number).at(-1)!.body).toContain('now explained');
    // The hand-written issue with the same title was never touched.
    expect(bed.github.writes().some((c) => c.path.endsWith(`/issues/4`))).toBe(false);
  });

  test('a first run that sees no traffic yet records no baseline: the first run with traffic is the baseline', async () => {
    const empty = await bed.run([]);
    expect(empty).toMatchObject({ silent: true, newPorts: [], issueAction: 'none' });
    await expect(readFile(join(bed.dir, 'known-ports.json'), 'utf8')).rejects.toThrow(/ENOENT/);
    const firstWithTraffic = await bed.run([HTTPS, DNS]);
    expect(firstWithTraffic).toMatchObject({ silent: true, newPorts: [] });
    expect(bed.github.writes()).toEqual([]);
    expect(Object.keys(JSON.parse(await readFile(join(bed.dir, 'known-ports.json'), 'utf8')).units['-/-/-'].ports).sort()).toEqual(['443/tcp', '53/udp']);
  });

  test('while the window starts before the flow logs (a young stack), runs only add to the baseline', async () => {
    const partial = await bed.run([HTTPS], undefined, recordingLogger(), true);
    const morePartial = await bed.run([HTTPS, DNS], undefined, recordingLogger(), true);
    expect([partial, morePartial].map((r) => [r.silent, r.newPorts.length])).toEqual([[true, 0], [true, 0]]);
    expect(bed.github.writes()).toEqual([]);
    const full = await bed.run([HTTPS, DNS, SSH]);
    expect(full.newPorts.map((p) => p.port)).toEqual([22]);
    expect(full.issueAction).toBe('opened');
    expect(full.unexplained.map((p) => p.port)).toEqual([22]);
  });

  test('a first run with an allowlist reports the ports outside it', async () => {
    const result = await bed.run([HTTPS, DNS, SSH], allowlistOf('  - {port: 443, protocol: tcp, reason: AWS APIs}'));
    expect(result.silent).toBe(false);
    expect(result.newPorts.map((p) => `${p.port}/${p.protocol}`)).toEqual(['53/17', '22/6']);
    expect(result.issueAction).toBe('opened');
    expect(bed.github.openIssues()).toHaveLength(1);
  });

  test('a corrupted memory is rebuilt from the ports of this run alone, with a warning; nothing is re-alerted and the issue it named is left alone', async () => {
    await bed.run([HTTPS]);
    const opened = await bed.run([HTTPS, SSH]);
    const writes = bed.github.writes().length;
    await writeFile(join(bed.dir, 'known-ports.json'), '{"version": 1, "key": "vpc-0abc1234", "ports": ', 'utf8');
    const log = recordingLogger();
    const rebuilt = await bed.run([HTTPS, SSH, DNS], undefined, log);
    expect(rebuilt.silent).toBe(true);
    expect(rebuilt.newPorts).toEqual([]);
    expect(log.warnings.join('\n')).toMatch(/not valid JSON.*Rebuilding it from this run's ports alone/s);
    expect(log.warnings.join('\n')).toContain(`Issue #${opened.issueNumber} carries this action's label and tracking marker, but the port memory`);
    expect(bed.github.writes()).toHaveLength(writes);
    // Nothing was read from the issue: the rebuilt memory is the top list, none of it reported.
    expect([...portsOf(rebuilt.memory).values()].filter((p) => p.reported)).toEqual([]);
    const after = await bed.run([HTTPS, SSH, DNS, MYSQL]);
    expect(after.newPorts.map((p) => p.port)).toEqual([3306]);
    expect(after.issueNumber).not.toBe(opened.issueNumber);
    expect(bed.github.issues.get(opened.issueNumber!)!.state).toBe('open');
  });

  test('a lost memory starts a new baseline: the open tracking issue is neither read nor adopted', async () => {
    await bed.run([HTTPS]);
    const opened = await bed.run([HTTPS, SSH], allowlistOf('  - {port: 443, protocol: tcp, reason: AWS}'));
    await rm(join(bed.dir, 'known-ports.json'));
    const log = recordingLogger();
    const writes = bed.github.writes().length;
    const result = await bed.run([HTTPS, SSH, DNS], undefined, log);
    expect(result).toMatchObject({ silent: true, newPorts: [], issueAction: 'none' });
    expect(result.issueNumber).toBeUndefined();
    expect(log.lines.join('\n')).toMatch(/No port memory at .*: this run starts the baseline from its own ports/);
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]).toMatch(new RegExp(`^Issue #${opened.issueNumber} carries this action's label and tracking marker, but the port memory at .* names no tracking issue: left alone`));
    expect(bed.github.writes()).toHaveLength(writes);
  });

  test('an issue another workflow planted as the same bot, with our label and marker, is never adopted when the memory is missing (issue 20)', async () => {
    // Any workflow of the repository writes issues as github-actions[bot]: this one lists 3306/tcp as if known.
    const body = `${trackingMarker(KEY)}\n<!-- vpc-port-audit:unacknowledged 3306/tcp -->\n| 3306 | tcp |`;
    const planted = bed.github.addIssue({ title: `Unexplained outbound ports in ${KEY}`, labels: [LABEL], body });
    const log = recordingLogger();
    const baseline = await bed.run([HTTPS, SSH], undefined, log);
    expect(baseline).toMatchObject({ silent: true, newPorts: [], issueAction: 'none' });
    expect(baseline.issueNumber).toBeUndefined();
    expect(portsOf(baseline.memory).has('3306/tcp')).toBe(false);
    expect(log.warnings.join('\n')).toMatch(new RegExp(`Issue #${planted.number} carries this action's label and tracking marker, but the port memory at .* names no tracking issue: left alone`));
    // The port the planted issue listed is reported when it appears, in an issue of our own; the planted one is untouched.
    const next = await bed.run([HTTPS, SSH, MYSQL]);
    expect(next.newPorts.map((p) => p.port)).toEqual([3306]);
    expect(next.issueAction).toBe('opened');
    expect(next.issueNumber).not.toBe(planted.number);
    expect(bed.github.issues.get(planted.number)).toMatchObject({ state: 'open', body });
    expect(bed.github.commentsOn(planted.number)).toEqual([]);
    expect(bed.github.writes().some((c) => c.path.endsWith(`/issues/${planted.number}`) || c.path.includes(`/issues/${planted.number}/`))).toBe(false);
    // The memory names the issue this run opened; a run that closes it names none.
    const stored = () => JSON.parse(readFileSync(join(bed.dir, 'known-ports.json'), 'utf8')) as { trackingIssue?: number };
    expect(stored().trackingIssue).toBe(next.issueNumber);
    const closed = await bed.run([HTTPS, SSH, MYSQL], allowlistOf('  - {port: 3306, protocol: tcp, reason: reporting database}'));
    expect(closed.issueAction).toBe('closed');
    expect(stored().trackingIssue).toBeUndefined();
    expect(bed.github.issues.get(planted.number)!.state).toBe('open');
  });

  test('an issue someone else opened with our marker and label is never adopted, edited or closed', async () => {
    await bed.run([HTTPS]);
    const planted = bed.github.addIssue({ title: 'Ports', labels: [LABEL], body: `${trackingMarker(KEY)}\n<!-- vpc-port-audit:unacknowledged -->`, user: STRANGER });
    const log = recordingLogger();
    const result = await bed.run([HTTPS, SSH], undefined, log);
    expect(result.issueAction).toBe('opened');
    expect(result.issueNumber).not.toBe(planted.number);
    expect(bed.github.issues.get(planted.number)).toMatchObject({ state: 'open', body: `${trackingMarker(KEY)}\n<!-- vpc-port-audit:unacknowledged -->` });
    expect(bed.github.commentsOn(planted.number)).toEqual([]);
    expect(log.warnings).toContain(`Issue #${planted.number} carries this action's tracking marker but was opened by mallory, not github-actions[bot]: left alone.`);
  });

  test('a poisoned body of our tracking issue (keys like constructor, __proto__, port 70000, markup) crashes nothing', async () => {
    await bed.run([HTTPS]);
    const opened = await bed.run([HTTPS, SSH]);
    const issue = bed.github.issues.get(opened.issueNumber!)!;
    issue.body = issue.body.replace(
      /<!-- vpc-port-audit:unacknowledged [^>]*-->/,
      '<!-- vpc-port-audit:unacknowledged 22/tcp constructor __proto__ toString 70000/tcp 22/sctp `@x` -->',
    );
    const log = recordingLogger();
    const result = await bed.run([HTTPS, SSH], undefined, log);
    expect(result.unexplained.map((p) => `${p.port}/${p.protocol}`)).toEqual(['22/6']);
    expect([...portsOf(result.memory).keys()].sort()).toEqual(['22/tcp', '443/tcp']);
    expect(unacknowledgedKeysIn(bed.github.issues.get(opened.issueNumber!)!.body)).toEqual(['22/tcp']);
  });
});
