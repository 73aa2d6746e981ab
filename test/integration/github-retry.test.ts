// The GitHub client's retries as the tracking issue sees them, against the local GitHub API: a secondary
// rate limit (403) and a 5xx are retried; an endless limit fails after a bounded number of tries.

import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { portRow, recordingLogger, scheduledRunner } from '../support/report-fixtures.js';

const HTTPS = portRow(443, 6, 900);
const SSH = portRow(22, 6, 40);

let github: FakeGitHub;
let dir: string;
let run: ReturnType<typeof scheduledRunner>;

beforeEach(async () => {
  github = await startFakeGitHub({ maxPerPage: 2 });
  dir = await mkdtemp(join(tmpdir(), 'port-memory-'));
  run = scheduledRunner(github, join(dir, 'known-ports.json'));
});
afterEach(async () => {
  await github.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('GitHub retries', () => {
  test('a secondary rate limit and a 502 are retried; the result is the same', async () => {
    await run([HTTPS]);
    github.inject({ method: 'POST', path: /\/issues$/, status: 403, times: 2 });
    github.inject({ method: 'GET', path: /\/labels\//, status: 502, times: 1 });
    const log = recordingLogger();
    const result = await run([HTTPS, SSH], undefined, log);
    expect(result.issueAction).toBe('opened');
    expect(github.openIssues()).toHaveLength(1);
    expect(github.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/issues')).map((c) => c.status)).toEqual([403, 403, 201]);
    expect(github.calls.filter((c) => c.path.includes('/labels/')).map((c) => c.status)).toEqual([502, 404]);
    expect(log.warnings.filter((w) => w.includes('secondary rate limit'))).toHaveLength(2);
  });

  test('a rate limit that does not end fails the run after a bounded number of retries, and the port stays new', async () => {
    await run([HTTPS]);
    github.inject({ method: 'POST', path: /\/issues$/, status: 403, times: 100 });
    await expect(run([HTTPS, SSH])).rejects.toThrow(/secondary rate limit/);
    expect(github.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/issues'))).toHaveLength(4);
    // The memory was not saved, so the next run still sees 22/tcp as new.
    github.clearFaults();
    const retry = await run([HTTPS, SSH]);
    expect(retry.newPorts.map((p) => p.port)).toEqual([22]);
  });

});
