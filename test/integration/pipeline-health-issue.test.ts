// Pipeline problems in the tracking issue, against the local GitHub API reached by the real Octokit: a problem
// opens the issue even with every port explained, the same problems write nothing, a new problem updates the
// section and comments once, and a healthy pipeline with nothing else to list closes it.

import { describe, expect, test } from '@jest/globals';
import type { PipelineReadings } from '../../src/health/collect.js';
import { problemKindsIn } from '../../src/report/pipeline-health.js';
import { unacknowledgedKeysIn } from '../../src/report/tracking-issue.js';
import { allowlistOf, portRow, useScheduledBed } from '../support/report-fixtures.js';

const HTTPS = portRow(443, 6, 900);
const ALLOWED = allowlistOf('  - {port: 443, protocol: tcp, reason: the API}');
const healthOf = (readings: Partial<PipelineReadings>) => ({ dropThreshold: 0.1, readings: { skipped: [], ...readings } });
const ACTIVE = { flowLog: { found: true as const, flowLogId: 'fl-0123456789abcdef0', status: 'ACTIVE', deliveryStatus: 'SUCCESS' } };
const DELETED = { flowLog: { found: false as const, flowLogId: 'fl-0123456789abcdef0' } };
const WAITING = { failureQueueDepth: { resource: 'vpc-port-audit-FailureQueue', value: 3 } };

const bed = useScheduledBed();

describe('pipeline health in the tracking issue', () => {
  test('opens for a problem, writes nothing while it lasts, comments a new one, closes when healthy', async () => {
    const healthy = await bed.run([HTTPS], ALLOWED, undefined, false, healthOf(ACTIVE));
    expect(healthy.health?.problems).toEqual([]);
    expect(healthy.issueNumber).toBeUndefined();
    expect(bed.github.writes()).toEqual([]);

    const broken = await bed.run([HTTPS], ALLOWED, undefined, false, healthOf(DELETED));
    expect(broken.issueAction).toBe('opened');
    const issue = bed.github.issues.get(broken.issueNumber!)!;
    expect(issue.body).toContain('### Pipeline health');
    expect(issue.body).toContain('The flow log no longer exists');
    expect(problemKindsIn(issue.body)).toEqual(['flow-log-missing']);

    const writes = bed.github.writes().length;
    const same = await bed.run([HTTPS], ALLOWED, undefined, false, healthOf(DELETED));
    expect(same.issueAction).toBe('none');
    expect(bed.github.writes()).toHaveLength(writes);

    const worse = await bed.run([HTTPS], ALLOWED, undefined, false, healthOf({ ...DELETED, ...WAITING }));
    expect(worse.issueAction).toBe('updated');
    expect(problemKindsIn(bed.github.issues.get(issue.number)!.body)).toEqual(['failure-queue', 'flow-log-missing']);
    const comments = bed.github.commentsOn(issue.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toMatch(/^\*\*Pipeline health: 2 problems\*\* in /);
    expect(comments[0]!.body).toContain('3 failed batches wait in it');

    const fixed = await bed.run([HTTPS], ALLOWED, undefined, false, healthOf(ACTIVE));
    expect(fixed.issueAction).toBe('closed');
    expect(bed.github.issues.get(issue.number)!.state).toBe('closed');
    // It listed no ports: the closing comment says nothing of the allowlist.
    expect(bed.github.commentsOn(issue.number).at(-1)!.body).toBe('The pipeline is healthy again: closing.');
  });

  test('an issue that listed ports and problems closes saying both are resolved', async () => {
    await bed.run([HTTPS], ALLOWED, undefined, false, healthOf(ACTIVE)); // silent baseline
    const ssh = portRow(22, 6, 40);
    const both = await bed.run([HTTPS, ssh], ALLOWED, undefined, false, healthOf(DELETED));
    expect(both.issueAction).toBe('opened');
    const explained = allowlistOf('  - {port: 443, protocol: tcp, reason: the API}', '  - {port: 22, protocol: tcp, reason: the bastion}');
    const resolved = await bed.run([HTTPS, ssh], explained, undefined, false, healthOf(ACTIVE));
    expect(resolved.issueAction).toBe('closed');
    expect(bed.github.commentsOn(both.issueNumber!).at(-1)!.body).toBe(
      'Every port this issue listed is now explained in `.github/outbound-ports.yml` and the pipeline is healthy again: closing.',
    );
  });

  test('ports and problems share the one issue; the section goes when the pipeline is healthy, the ports stay', async () => {
    await bed.run([HTTPS], undefined, undefined, false, healthOf(ACTIVE)); // silent baseline
    const ssh = portRow(22, 6, 40);
    const both = await bed.run([HTTPS, ssh], undefined, undefined, false, healthOf(DELETED));
    expect(both.issueAction).toBe('opened');
    const body = () => bed.github.issues.get(both.issueNumber!)!.body;
    expect(unacknowledgedKeysIn(body())).toEqual(['22/tcp']);
    expect(body()).toContain('### Pipeline health');
    expect(bed.github.issues.get(both.issueNumber!)!.title).toBe('Unexplained outbound ports in vpc-0abc1234');

    const healed = await bed.run([HTTPS, ssh], undefined, undefined, false, healthOf(ACTIVE));
    expect(healed.issueAction).toBe('updated');
    expect(bed.github.openIssues()).toHaveLength(1);
    expect(body()).not.toContain('Pipeline health');
    expect(unacknowledgedKeysIn(body())).toEqual(['22/tcp']);
  });

  test('an issue open only for the pipeline is titled for it; the title follows when ports come and go', async () => {
    await bed.run([HTTPS], ALLOWED, undefined, false, healthOf(ACTIVE));
    const broken = await bed.run([HTTPS], ALLOWED, undefined, false, healthOf(DELETED));
    expect(broken.issueAction).toBe('opened');
    const issue = () => bed.github.issues.get(broken.issueNumber!)!;
    expect(issue().title).toBe('Flow-log pipeline problems in vpc-0abc1234');

    const ssh = portRow(22, 6, 40);
    const withPort = await bed.run([HTTPS, ssh], ALLOWED, undefined, false, healthOf(DELETED));
    expect(withPort.issueAction).toBe('updated');
    expect(issue().title).toBe('Unexplained outbound ports in vpc-0abc1234');

    const explained = allowlistOf('  - {port: 443, protocol: tcp, reason: the API}', '  - {port: 22, protocol: tcp, reason: the bastion}');
    const portGone = await bed.run([HTTPS, ssh], explained, undefined, false, healthOf(DELETED));
    expect(portGone.issueAction).toBe('updated');
    expect(issue().title).toBe('Flow-log pipeline problems in vpc-0abc1234');
    // An update that keeps the title does not send it.
    const writes = bed.github.writes().length;
    await bed.run([HTTPS, ssh], explained, undefined, false, healthOf({ ...DELETED, ...WAITING }));
    const patch = bed.github.writes().slice(writes).find((c) => c.method === 'PATCH')!;
    expect(patch.body).not.toHaveProperty('title');
  });
});
