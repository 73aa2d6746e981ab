// The sticky pull-request comment against the local GitHub API: created once, then updated in place (found
// by its hidden marker across pages of other comments); nothing written when unchanged; forks recognised.

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import type { Allowlist } from '../../src/audit/allowlist.js';
import { createGitHubClient } from '../../src/github.js';
import { forkPullRequestNotice, pullRequestMarker, reportPullRequest } from '../../src/report/pr-comment.js';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { allowlistOf, KEY, portRow, recordingLogger, type RecordingLogger } from '../support/report-fixtures.js';

const ROWS = [portRow(443, 6, 900), portRow(53, 17, 300), portRow(22, 6, 40), portRow(25, 6, 5)];
const BASE = allowlistOf('  - {port: 443, protocol: tcp, reason: AWS APIs}', '  - {port: 25, protocol: tcp, reason: mail relay}');

let github: FakeGitHub;
beforeEach(async () => {
  github = await startFakeGitHub({ maxPerPage: 2 });
});
afterEach(() => github.stop());

function comment(pullNumber: number, headAllowlist: Allowlist, log: RecordingLogger = recordingLogger()) {
  return reportPullRequest({
    octokit: createGitHubClient({ token: github.token, baseUrl: github.url, log, retryAfterBaseValue: 1 }),
    repo: { owner: github.owner, repo: github.repo },
    pullNumber,
    baseAllowlist: BASE,
    headAllowlist,
    allowlistPath: '.github/outbound-ports.yml',
    rows: ROWS,
    observedAt: '2026-11-02T00:05:00.000Z',
    stackOrVpcKey: KEY,
    log,
  });
}

describe('sticky pull-request comment', () => {
  test('is created once, then updated in place; an unchanged diff writes nothing', async () => {
    const pr = github.addPullRequest('Allow SSH to the bastion');
    for (const body of ['LGTM', 'please add a reason', 'done']) {
      github.comments.set(github.comments.size + 1, { id: github.comments.size + 1, issue_number: pr.number, body });
    }

    const addSsh = allowlistOf(
      '  - {port: 443, protocol: tcp, reason: AWS APIs}',
      '  - {port: 25, protocol: tcp, reason: mail relay}',
      '  - {port: 22, protocol: tcp, reason: bastion}',
    );
    const created = await comment(pr.number, addSsh);
    expect(created).toMatchObject({ action: 'created' });
    const ours = () => github.commentsOn(pr.number).filter((c) => c.body.startsWith(pullRequestMarker(KEY)));
    expect(ours()).toHaveLength(1);
    expect(ours()[0]!.body).toMatch(/\| 22 \| tcp \|.*Newly allowed/);
    expect(ours()[0]!.body).toMatch(/\| 53 \| udp \|.*Still unexplained/);

    const dropMail = allowlistOf('  - {port: 443, protocol: tcp, reason: AWS APIs}', '  - {port: 22, protocol: tcp, reason: bastion}');
    const updated = await comment(pr.number, dropMail);
    expect(updated).toEqual({ commentId: (created as { commentId: number }).commentId, action: 'updated' });
    expect(ours()).toHaveLength(1);
    expect(ours()[0]!.body).toMatch(/\| 25 \| tcp \|.*No longer allowed/);
    expect(github.commentsOn(pr.number)).toHaveLength(4);

    const writes = github.writes().length;
    const again = await comment(pr.number, dropMail);
    expect(again).toMatchObject({ action: 'unchanged' });
    expect(github.writes()).toHaveLength(writes);
  });

  test('a pull request from a fork is recognised, with the log line the action prints before it exits', () => {
    const repo = { full_name: `${github.owner}/${github.repo}` };
    const pr = (head: { full_name: string } | null) => ({ pull_request: { number: 7, head: { repo: head }, base: { repo } } });
    expect(forkPullRequestNotice(pr(repo))).toBeUndefined();
    expect(forkPullRequestNotice({})).toBeUndefined();
    expect(forkPullRequestNotice(pr({ full_name: 'someone/network' }))).toMatch(
      /^Pull request #7 comes from a fork \(someone\/network\): .*read-only.*no OIDC token.*nothing failed\.$/,
    );
    expect(forkPullRequestNotice(pr(null))).toMatch(/a fork \(deleted repository\)/);
  });
});
