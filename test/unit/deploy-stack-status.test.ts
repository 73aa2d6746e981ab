// Which stack statuses the deployer creates, recreates, updates or refuses, and what it tells a person.

import { expect, test } from '@jest/globals';
import { isSettled, planFor } from '../../src/deploy/stack-status.js';

test.each([
  [undefined, 'create'],
  ['DELETE_COMPLETE', 'create'],
  ['ROLLBACK_COMPLETE', 'recreate'],
  ['CREATE_COMPLETE', 'update'],
  ['UPDATE_COMPLETE', 'update'],
  ['UPDATE_ROLLBACK_COMPLETE', 'update'],
  ['IMPORT_COMPLETE', 'update'],
  ['CREATE_IN_PROGRESS', 'refuse'],
  ['UPDATE_IN_PROGRESS', 'refuse'],
  ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'refuse'],
  ['REVIEW_IN_PROGRESS', 'refuse'],
  ['DELETE_IN_PROGRESS', 'refuse'],
  ['UPDATE_ROLLBACK_FAILED', 'refuse'],
  ['ROLLBACK_FAILED', 'refuse'],
  ['DELETE_FAILED', 'refuse'],
  ['CREATE_FAILED', 'refuse'],
])('%s -> %s', (status, kind) => {
  expect(planFor('audit', status).kind).toBe(kind);
});

test('refusals say what to do and that nothing was changed', () => {
  const reason = (status: string) => {
    const plan = planFor('audit', status);
    return plan.kind === 'refuse' ? plan.reason : '';
  };
  expect(reason('UPDATE_ROLLBACK_FAILED')).toBe(
    "Stack audit is UPDATE_ROLLBACK_FAILED: fix the resource named in its events, run 'aws cloudformation continue-update-rollback --stack-name audit', then run again; nothing was changed.",
  );
  expect(reason('UPDATE_IN_PROGRESS')).toMatch(/^Stack audit is UPDATE_IN_PROGRESS: another deployment .* nothing was changed\.$/);
  expect(reason('DELETE_FAILED')).toMatch(/^Stack audit is DELETE_FAILED, which needs a person: .* nothing was changed\.$/);
});

test('only *_IN_PROGRESS statuses are unsettled', () => {
  expect(isSettled('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS')).toBe(false);
  expect(isSettled('ROLLBACK_COMPLETE')).toBe(true);
  expect(isSettled('UPDATE_ROLLBACK_FAILED')).toBe(true);
});
