// The GitHub client against the local GitHub API: a secondary rate limit (403) and a 5xx on a read are
// retried; an endless limit fails after a bounded number of tries; a create is never retried blindly (a 5xx
// after GitHub created the issue or comment leaves one, not two); GITHUB_API_URL is used.

import { describe, expect, test } from '@jest/globals';
import { createGitHubClient } from '../../src/github.js';
import { portRow, recordingLogger, useScheduledBed } from '../support/report-fixtures.js';

const HTTPS = portRow(443, 6, 900);
const SSH = portRow(22, 6, 40);

const bed = useScheduledBed({ maxPerPage: 2 });

describe('GitHub retries', () => {
  test('a secondary rate limit and a 502 are retried; the result is the same', async () => {
    await bed.run([HTTPS]);
    bed.github.inject({ method: 'POST', path: /\/issues$/, status: 403, times: 2 });
    bed.github.inject({ method: 'GET', path: /\/labels\//, status: 502, times: 1 });
    const log = recordingLogger();
    const result = await bed.run([HTTPS, SSH], undefined, log);
    expect(result.issueAction).toBe('opened');
    expect(bed.github.openIssues()).toHaveLength(1);
    expect(bed.github.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/issues')).map((c) => c.status)).toEqual([403, 403, 201]);
    expect(bed.github.calls.filter((c) => c.path.includes('/labels/')).map((c) => c.status)).toEqual([502, 404]);
    expect(log.warnings.filter((w) => w.includes('secondary rate limit'))).toHaveLength(2);
  });

  test('a rate limit that does not end fails the run after a bounded number of retries, and the port stays new', async () => {
    await bed.run([HTTPS]);
    bed.github.inject({ method: 'POST', path: /\/issues$/, status: 403, times: 100 });
    await expect(bed.run([HTTPS, SSH])).rejects.toThrow(/secondary rate limit/);
    expect(bed.github.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/issues'))).toHaveLength(4);
    // The memory was not saved, so the next run still sees 22/tcp as new.
    bed.github.clearFaults();
    const retry = await bed.run([HTTPS, SSH]);
    expect(retry.newPorts.map((p) => p.port)).toEqual([22]);
  });


  test('a 502 after the issue was really created is not retried blindly: the run finds that issue and opens no second one', async () => {
    await bed.run([HTTPS]);
    bed.github.inject({ method: 'POST', path: /\/issues$/, status: 502, times: 1, afterEffect: true });
    const log = recordingLogger();
    const result = await bed.run([HTTPS, SSH], undefined, log);
    const created = bed.github.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/issues')).map((c) => c.status);
    expect(created).toEqual([502]);
    expect(bed.github.issues.size).toBe(1);
    expect(result).toMatchObject({ issueAction: 'opened', issueNumber: [...bed.github.issues.keys()][0] });
    expect(log.lines).toContain('Found the tracking issue that the failed try created; not creating it again.');
  });

  test('a 502 after a comment was really created leaves one comment', async () => {
    await bed.run([HTTPS]);
    await bed.run([HTTPS, SSH]);
    bed.github.inject({ method: 'POST', path: /\/comments$/, status: 502, times: 1, afterEffect: true });
    const result = await bed.run([HTTPS, SSH, portRow(5432, 6, 7)]);
    expect(result.issueAction).toBe('updated');
    const comments = bed.github.commentsOn(result.issueNumber!);
    expect(comments.filter((c) => c.body.includes('5432/tcp'))).toHaveLength(1);
    expect(bed.github.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/comments')).map((c) => c.status)).toEqual([502]);
  });

  test('a 502 before anything was created: the run looks, finds nothing, and creates it on the next try', async () => {
    await bed.run([HTTPS]);
    bed.github.inject({ method: 'POST', path: /\/issues$/, status: 502, times: 1 });
    const result = await bed.run([HTTPS, SSH]);
    expect(bed.github.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/issues')).map((c) => c.status)).toEqual([502, 201]);
    expect(bed.github.openIssues().map((i) => i.number)).toEqual([result.issueNumber]);
  });

  test('a 502 after the label was really created: the label is found, not created twice, and the issue opens', async () => {
    await bed.run([HTTPS]);
    bed.github.inject({ method: 'POST', path: /\/labels$/, status: 502, times: 1, afterEffect: true });
    const result = await bed.run([HTTPS, SSH]);
    expect(result.issueAction).toBe('opened');
    expect(bed.github.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/labels')).map((c) => c.status)).toEqual([502]);
    expect([...bed.github.labels]).toEqual(['vpc-port-audit']);
  });

  test('a 422 on a create is a definite answer: thrown at once, never retried', async () => {
    await bed.run([HTTPS]);
    bed.github.inject({ method: 'POST', path: /\/issues$/, status: 422, times: 1 });
    await expect(bed.run([HTTPS, SSH])).rejects.toThrow();
    expect(bed.github.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/issues'))).toHaveLength(1);
  });

  test('the client finds the API through GITHUB_API_URL when no baseUrl is given', async () => {
    const saved = process.env.GITHUB_API_URL;
    process.env.GITHUB_API_URL = bed.github.url;
    try {
      const octokit = createGitHubClient({ token: bed.github.token, log: recordingLogger() });
      const issues = await octokit.paginate(octokit.rest.issues.listForRepo, { owner: bed.github.owner, repo: bed.github.repo });
      expect(issues).toEqual([]);
      expect(bed.github.calls.map((c) => c.path)).toEqual([`/repos/${bed.github.owner}/${bed.github.repo}/issues`]);
    } finally {
      if (saved === undefined) delete process.env.GITHUB_API_URL;
      else process.env.GITHUB_API_URL = saved;
    }
  });
});
