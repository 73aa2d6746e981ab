// Which runs may write the tracking issue and the memory: only runs of the default branch.

import { expect, test } from '@jest/globals';
import { judgeRun } from '../../src/report/run-trust.js';

const repository = { default_branch: 'main' };

test.each([
  ['schedule', 'refs/heads/main', {}],
  ['workflow_dispatch', 'refs/heads/main', { repository }],
  ['push', 'refs/heads/main', { repository }],
])('%s on %s writes', (eventName, ref, payload) => {
  expect(judgeRun({ eventName, ref, payload })).toEqual({ trusted: true });
});

test.each([
  ['pull_request_target', 'refs/heads/main', { repository }, 'pull_request_target runs may carry changes that are not on the default branch'],
  ['pull_request', 'refs/pull/7/merge', { repository }, 'pull_request runs may carry changes that are not on the default branch'],
  ['workflow_run', 'refs/heads/main', { repository }, 'workflow_run runs may carry changes that are not on the default branch'],
  ['workflow_dispatch', 'refs/heads/feature', { repository }, 'this workflow_dispatch run is on refs/heads/feature, not on the default branch main'],
  ['push', 'refs/tags/v1', { repository }, 'this push run is on refs/tags/v1, not on the default branch main'],
  ['push', 'refs/heads/main-backup', { repository }, 'this push run is on refs/heads/main-backup, not on the default branch main'],
  ['workflow_dispatch', 'refs/heads/main', {}, "the workflow_dispatch event does not name the repository's default branch"],
])('%s on %s only reads', (eventName, ref, payload, reason) => {
  const trust = judgeRun({ eventName, ref, payload });
  expect(trust).toMatchObject({ trusted: false, reason });
});

test('a read-only verdict names the default branch when the event does, to read its allowlist', () => {
  expect(judgeRun({ eventName: 'pull_request_target', ref: 'refs/heads/main', payload: { repository } })).toMatchObject({ defaultBranch: 'main' });
  expect(judgeRun({ eventName: 'workflow_dispatch', ref: 'refs/heads/main', payload: { repository: { default_branch: '' } } })).toEqual({
    trusted: false,
    reason: "the workflow_dispatch event does not name the repository's default branch",
  });
});
