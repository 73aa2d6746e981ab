// The tracking issue's title and hidden marker on a redacting run, against the local GitHub API reached by the real
// Octokit: they name the audited VPC by its redaction label (no VPC id, no account id), stay the same from run to
// run (the issue is found again), and an issue written before titles and markers were redacted (its marker names
// the raw memory key) is found, kept and rewritten, never duplicated. The pull-request comment likewise.

import { describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import type { PortRow } from '../../src/audit/port-row.js';
import { parseCidr } from '../../src/audit/cidr.js';
import { createGitHubClient, tokenLogin } from '../../src/github.js';
import { pullRequestMarker, reportPullRequest } from '../../src/report/pr-comment.js';
import { Redactor, reportKey, type ReportKey } from '../../src/report/redaction.js';
import { trackingMarker } from '../../src/report/tracking-issue.js';
import { runScheduledAudit } from '../../src/run/scheduled-run.js';
import { FileMemoryStore } from '../support/file-memory-store.js';
import { allowlistOf, auditResult, KEY, LABEL, oneUnit, portRow, recordingLogger, useScheduledBed, WINDOW } from '../support/report-fixtures.js';

const ACCOUNT = '111122223333';
const HTTPS = portRow(443, 6, 900, ['52.94.0.10']);
const SSH = portRow(22, 6, 40, ['198.51.100.7']);
const SMTP = portRow(25, 6, 7, ['198.51.100.8']);

/** A redacting run's Redactor, as audit-steps.ts builds one: the same key on every run gives the same labels. */
const redactor = () => new Redactor({ vpcCidrs: [parseCidr('10.0.0.0/16')], accountIds: [ACCOUNT], key: `vpc-port-audit\n${ACCOUNT}\nowner/repo` });
const redacted = (memoryKey: string): ReportKey => reportKey(memoryKey, (key) => redactor().value(key));
const unredacted = (memoryKey: string): ReportKey => reportKey(memoryKey, (key) => key);

const bed = useScheduledBed();

/** One scheduled run whose memory key is `memoryKey` and whose issue is named by `keys`. */
async function run(rows: readonly PortRow[], keys: ReportKey, memoryKey = KEY) {
  const log = recordingLogger();
  const octokit = createGitHubClient({ token: bed.github.token, baseUrl: bed.github.url, log, retryAfterBaseValue: 1 });
  return runScheduledAudit({
    octokit,
    repo: { owner: bed.github.owner, repo: bed.github.repo },
    result: auditResult(rows),
    units: oneUnit(rows),
    top: 10,
    window: WINDOW,
    allowlist: allowlistOf('  - {port: 443, protocol: tcp, reason: HTTPS}'),
    allowlistPath: '.github/outbound-ports.yml',
    store: new FileMemoryStore(join(bed.dir, 'known-ports.json'), memoryKey),
    label: LABEL,
    stackOrVpcKey: memoryKey,
    issueKey: keys.shown,
    earlierIssueKeys: keys.earlier,
    author: await tokenLogin(octokit),
    log,
  });
}

/** Everything a reader of the issue sees: its title, its body (hidden lines included) and its comments. */
const everything = (number: number) => [bed.github.issues.get(number)!.title, bed.github.issues.get(number)!.body, ...bed.github.commentsOn(number).map((c) => c.body)].join('\n');

describe('the tracking issue of a redacting run', () => {
  test('its title and marker name the VPC by a label that stays the same across runs; no VPC or account id anywhere', async () => {
    const keys = redacted(KEY);
    expect(keys.shown).toMatch(/^vpc-[0-9a-f]{6}$/);
    expect(keys.shown).not.toBe(KEY);
    expect(keys.earlier).toEqual([KEY]);
    await run([HTTPS], keys);
    const opened = await run([HTTPS, SSH], keys);
    expect(opened.issueAction).toBe('opened');
    const issue = bed.github.issues.get(opened.issueNumber!)!;
    expect(issue.title).toBe(`Unexplained outbound ports in ${keys.shown}`);
    expect(issue.body.startsWith(trackingMarker(keys.shown))).toBe(true);
    expect(everything(issue.number)).not.toContain('0abc1234');

    // The next run (a new Redactor, the same key) finds the issue by its marker and updates it: still one issue.
    const next = await run([HTTPS, SSH, SMTP], redacted(KEY));
    expect([next.issueAction, next.issueNumber]).toEqual(['updated', issue.number]);
    expect(bed.github.openIssues()).toHaveLength(1);
    expect(everything(issue.number)).not.toContain('0abc1234');
  });

  test('an issue written before titles and markers were redacted is found, updated in place and rewritten without the VPC id', async () => {
    await run([HTTPS], unredacted(KEY));
    const before = await run([HTTPS, SSH], unredacted(KEY));
    const issue = bed.github.issues.get(before.issueNumber!)!;
    expect(issue.title).toBe(`Unexplained outbound ports in ${KEY}`);
    expect(issue.body).toContain(trackingMarker(KEY));

    const keys = redacted(KEY);
    const after = await run([HTTPS, SSH, SMTP], keys);
    expect([after.issueAction, after.issueNumber]).toEqual(['updated', issue.number]);
    expect(bed.github.openIssues()).toHaveLength(1);
    expect(issue.title).toBe(`Unexplained outbound ports in ${keys.shown}`);
    expect(issue.body).toContain(trackingMarker(keys.shown));
    expect(issue.body).not.toContain(trackingMarker(KEY));
    // The new comment (for 25/tcp) names no VPC id either; the earlier body's id is gone from the rewritten body.
    expect(issue.body).not.toContain('0abc1234');
    expect(bed.github.commentsOn(issue.number).at(-1)!.body).not.toContain('0abc1234');

    // Found again by its new marker: the same window changes nothing.
    const writes = bed.github.writes().length;
    expect((await run([HTTPS, SSH, SMTP], redacted(KEY))).issueAction).toBe('none');
    expect(bed.github.writes()).toHaveLength(writes);
  });

  test('a stack name holding an account id: the title shows the account as its label', async () => {
    const memoryKey = `audit-${ACCOUNT}`;
    const keys = redacted(memoryKey);
    expect(keys.shown).toMatch(/^audit-account-[0-9a-f]{6}$/);
    await run([HTTPS], keys, memoryKey);
    const opened = await run([HTTPS, SSH], keys, memoryKey);
    expect(everything(opened.issueNumber!)).not.toContain(ACCOUNT);
    expect(bed.github.issues.get(opened.issueNumber!)!.title).toBe(`Unexplained outbound ports in ${keys.shown}`);
  });

  test('without redaction the key is shown as it is and nothing earlier is looked for', () => {
    expect(unredacted(KEY)).toEqual({ shown: KEY, earlier: [] });
  });
});

describe('the pull-request comment of a redacting run', () => {
  test('a comment marked with the raw key is updated in place, its heading and marker then naming the label', async () => {
    const pr = bed.github.addPullRequest('Allow SSH');
    const log = recordingLogger();
    const octokit = createGitHubClient({ token: bed.github.token, baseUrl: bed.github.url, log, retryAfterBaseValue: 1 });
    const comment = async (keys: ReportKey) =>
      reportPullRequest({
        octokit,
        repo: { owner: bed.github.owner, repo: bed.github.repo },
        pullNumber: pr.number,
        baseAllowlist: allowlistOf('  - {port: 443, protocol: tcp, reason: HTTPS}'),
        headAllowlist: allowlistOf('  - {port: 443, protocol: tcp, reason: HTTPS}', '  - {port: 22, protocol: tcp, reason: bastion}'),
        allowlistPath: '.github/outbound-ports.yml',
        rows: [HTTPS, SSH],
        top: 10,
        stackOrVpcKey: keys.shown,
        earlierKeys: keys.earlier,
        author: await tokenLogin(octokit),
        log,
      });
    const created = await comment(unredacted(KEY));
    expect(bed.github.commentsOn(pr.number)[0]!.body.startsWith(pullRequestMarker(KEY))).toBe(true);
    const keys = redacted(KEY);
    const updated = await comment(keys);
    expect(updated).toEqual({ commentId: created.commentId, action: 'updated' });
    const comments = bed.github.commentsOn(pr.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body.startsWith(pullRequestMarker(keys.shown))).toBe(true);
    expect(comments[0]!.body).not.toContain('0abc1234');
    expect((await comment(keys)).action).toBe('unchanged');
  });
});
