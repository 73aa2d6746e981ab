// The sticky pull-request comment against the local GitHub API: created once, then updated in place (found
// by its hidden marker across pages of other comments); nothing written when unchanged; forks skipped.

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import type { Allowlist } from '../../src/audit/allowlist.js';
import { createGitHubClient } from '../../src/github.js';
import { pullRequestMarker, reportPullRequest, type PullRequestPayload } from '../../src/report/pr-comment.js';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { allowlistOf, KEY, portRow, recordingLogger, type RecordingLogger } from '../support/report-fixtures.js';

const ROWS = [portRow(443, 6, 900), portRow(53, 17, 300), portRow(22, 6, 40), portRow(25, 6, 5)];
const BASE = allowlistOf('  - {port: 443, protocol: tcp, reason: AWS APIs}', '  - {port: 25, protocol: tcp, reason: mail relay}');

let github: FakeGitHub;
beforeEach(async () => {
  github = await startFakeGitHub({ maxPerPage: 2 });
});
afterEach(() => github.stop());

function payload(prNumber: number, headRepo = `${github.owner}/${github.repo}`): PullRequestPayload {
  return {
    pull_request: {
      number: prNumber,
      head: { repo: { full_name: headRepo } },
      base: { repo: { full_name: `${github.owner}/${github.repo}` } },
    },
  };
}

function comment(prPayload: PullRequestPayload, headAllowlist: Allowlist, log: RecordingLogger = recordingLogger()) {
  return reportPullRequest({
    octokit: createGitHubClient({ token: github.token, baseUrl: github.url, log, retryAfterBaseValue: 1 }),
    repo: { owner: github.owner, repo: github.repo },
    payload: prPayload,
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
    const created = await comment(payload(pr.number), addSsh);
    expect(created).toMatchObject({ action: 'created' });
    const ours = () => github.commentsOn(pr.number).filter((c) => c.body.startsWith(pullRequestMarker(KEY)));
    expect(ours()).toHaveLength(1);
    expect(ours()[0]!.body).toMatch(/\| 22 \| tcp \|.*Newly allowed/);
    expect(ours()[0]!.body).toMatch(/\| 53 \| udp \|.*Still unexplained/);

    const dropMail = allowlistOf('  - {port: 443, protocol: tcp, reason: AWS APIs}', '  - {port: 22, protocol: tcp, reason: bastion}');
    const updated = await comment(payload(pr.number), dropMail);
    expect(updated).toEqual({ commentId: (created as { commentId: number }).commentId, action: 'updated' });
    expect(ours()).toHaveLength(1);
    expect(ours()[0]!.body).toMatch(/\| 25 \| tcp \|.*No longer allowed/);
    expect(github.commentsOn(pr.number)).toHaveLength(4);

    const writes = github.writes().length;
    const again = await comment(payload(pr.number), dropMail);
    expect(again).toMatchObject({ action: 'unchanged' });
    expect(github.writes()).toHaveLength(writes);
  });

  test('a pull request from a fork exits cleanly with a log line and makes no call at all', async () => {
    const pr = github.addPullRequest('From a fork');
    const log = recordingLogger();
    const result = await comment(payload(pr.number, 'someone/network'), BASE, log);
    expect(result).toEqual({ skipped: 'fork' });
    expect(github.calls).toEqual([]);
    expect(log.lines.join('\n')).toMatch(/#\d+ comes from a fork \(someone\/network\).*read-only.*no OIDC token/);
    expect(log.warnings).toEqual([]);
  });
});
