// The sticky pull-request comment against the local GitHub API: created once, then updated in place (found
// by its hidden marker and its author across pages of other comments); nothing written when unchanged; a
// planted marker never edited; a 5xx after creation leaves one comment; forks recognised.

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import type { Allowlist } from '../../src/audit/allowlist.js';
import type { UnitPorts } from '../../src/audit/audit-unit.js';
import { createGitHubClient, tokenLogin } from '../../src/github.js';
import { forkPullRequestNotice, pullRequestMarker, reportPullRequest } from '../../src/report/pr-comment.js';
import { GITHUB_ACTIONS_BOT, MAINTAINER, startFakeGitHub, STRANGER, type FakeGitHub } from '../support/fake-github.js';
import { allowlistOf, KEY, portRow, recordingLogger, type RecordingLogger } from '../support/report-fixtures.js';

const ROWS = [portRow(443, 6, 900), portRow(53, 17, 300), portRow(22, 6, 40), portRow(25, 6, 5)];
const BASE = allowlistOf('  - {port: 443, protocol: tcp, reason: AWS APIs}', '  - {port: 25, protocol: tcp, reason: mail relay}');

let github: FakeGitHub;
beforeEach(async () => {
  github = await startFakeGitHub({ maxPerPage: 2 });
});
afterEach(() => github.stop());

async function comment(pullNumber: number, headAllowlist: Allowlist, log: RecordingLogger = recordingLogger(), token = github.token, units?: readonly UnitPorts[]) {
  const octokit = createGitHubClient({ token, baseUrl: github.url, log, retryAfterBaseValue: 1 });
  return reportPullRequest({
    octokit,
    repo: { owner: github.owner, repo: github.repo },
    pullNumber,
    baseAllowlist: BASE,
    headAllowlist,
    allowlistPath: '.github/outbound-ports.yml',
    rows: ROWS,
    units,
    top: 10,
    observedAt: '2026-11-02T00:05:00.000Z',
    stackOrVpcKey: KEY,
    author: await tokenLogin(octokit),
    log,
  });
}

describe('sticky pull-request comment', () => {
  test('is created once, then updated in place; an unchanged diff writes nothing', async () => {
    const pr = github.addPullRequest('Allow SSH to the bastion');
    for (const body of ['LGTM', 'please add a reason', 'done']) {
      github.addComment(pr.number, body, STRANGER);
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

  test('with several VPCs the diff is per VPC: the totals, a row per VPC, a section per VPC the PR touches; one VPC looks as before', async () => {
    const pr = github.addPullRequest('Allow SSH to the bastion');
    const a = { account: '111122223333', region: 'eu-west-1', vpcId: 'vpc-0aaaaaaaaaaaaaaaa' };
    const b = { account: '444455556666', region: 'eu-west-1', vpcId: 'vpc-0bbbbbbbbbbbbbbbb' };
    // A sees 443 and 22; B sees 443 only: adding 22 newly allows it in A, and B has nothing the PR touches.
    const units = [{ unit: a, rows: [ROWS[0]!, ROWS[2]!], portsLeftOut: 0 }, { unit: b, rows: [ROWS[0]!], portsLeftOut: 0 }];
    const addSsh = allowlistOf('  - {port: 443, protocol: tcp, reason: AWS APIs}', '  - {port: 25, protocol: tcp, reason: mail relay}', '  - {port: 22, protocol: tcp, reason: bastion}');
    const created = await comment(pr.number, addSsh, recordingLogger(), github.token, units);
    const body = github.comments.get(created.commentId)!.body;
    expect(body).toContain('in 2 VPCs:');
    expect(body).toContain('- ✅ Newly allowed by this PR: **1**\n- ⚠️ No longer allowed by this PR: **0**\n- ❓ Still unexplained: **0**\n- ✔️ Allowed before and after: **2**');
    expect(body).toContain('| vpc-0aaaaaaaaaaaaaaaa \\(111122223333, eu-west-1\\) | 1 | 0 | 0 | 1 |');
    expect(body).toContain('| vpc-0bbbbbbbbbbbbbbbb \\(444455556666, eu-west-1\\) | 0 | 0 | 0 | 1 |');
    const sectionA = body.indexOf('#### vpc-0aaaaaaaaaaaaaaaa \\(111122223333, eu-west-1\\)');
    expect(sectionA).toBeGreaterThan(0);
    expect(body.slice(sectionA)).toMatch(/\| 22 \| tcp \|.*Newly allowed/);
    expect(body).not.toContain('#### vpc-0bbbbbbbbbbbbbbbb');
    // One unit (as auditUnits gives today) is the one-VPC comment, byte for byte.
    const pr2 = github.addPullRequest('Same, one VPC');
    const single = await comment(pr2.number, addSsh, recordingLogger(), github.token, [{ unit: { account: null, region: null, vpcId: null }, rows: ROWS, portsLeftOut: 0 }]);
    const pr3 = github.addPullRequest('Same, no units');
    const plain = await comment(pr3.number, addSsh);
    expect(github.comments.get(single.commentId)!.body).toBe(github.comments.get(plain.commentId)!.body);
  });

  test('a comment someone else planted with our marker is never edited: ours is posted beside it, with a warning', async () => {
    const pr = github.addPullRequest('Open everything');
    const planted = github.addComment(pr.number, `${pullRequestMarker(KEY)}\nAll ports approved by the security team.`, STRANGER);
    const log = recordingLogger();
    const created = await comment(pr.number, BASE, log);
    expect(created.action).toBe('created');
    expect(github.comments.get(planted.id)!.body).toBe(`${pullRequestMarker(KEY)}\nAll ports approved by the security team.`);
    expect(github.writes().filter((c) => c.method === 'PATCH')).toEqual([]);
    expect(github.commentsOn(pr.number).map((c) => c.user.login)).toEqual([STRANGER.login, GITHUB_ACTIONS_BOT.login]);
    expect(log.warnings).toEqual([
      `Comment ${planted.id} on #${pr.number} carries this action's marker but was written by mallory, not github-actions[bot]: left alone.`,
    ]);
    const again = await comment(pr.number, BASE);
    expect(again).toEqual({ commentId: created.commentId, action: 'unchanged' });
  });

  test("with a personal access token the comment is the user's, and the bot's comment is not theirs to edit", async () => {
    const pr = github.addPullRequest('Use a PAT');
    const bots = await comment(pr.number, BASE);
    const users = await comment(pr.number, BASE, recordingLogger(), github.userToken);
    expect(users.action).toBe('created');
    expect(users.commentId).not.toBe(bots.commentId);
    expect(github.comments.get(users.commentId)!.user).toEqual(MAINTAINER);
  });

  test('a 502 after GitHub created the comment leaves one comment, found and reused by the same run', async () => {
    const pr = github.addPullRequest('Flaky GitHub');
    github.inject({ method: 'POST', path: /\/comments$/, status: 502, times: 1, afterEffect: true });
    const log = recordingLogger();
    const created = await comment(pr.number, BASE, log);
    expect(github.commentsOn(pr.number)).toHaveLength(1);
    expect(created).toEqual({ commentId: github.commentsOn(pr.number)[0]!.id, action: 'created' });
    expect(github.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/comments')).map((c) => c.status)).toEqual([502]);
    expect(log.warnings.some((w) => w.startsWith(`Creating a comment on #${pr.number} failed`))).toBe(true);
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
