// Who the token is, against the local GitHub API: an installation token (GITHUB_TOKEN) is named by GraphQL
// `viewer` (GET /user refuses it), a personal access token by either; when both fail the error names both.

import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createGitHubClient, tokenLogin, writtenBy } from '../../src/github.js';
import { GITHUB_ACTIONS_BOT, MAINTAINER, startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { recordingLogger } from '../support/report-fixtures.js';

let github: FakeGitHub;
beforeAll(async () => {
  github = await startFakeGitHub();
});
afterAll(() => github.stop());

const client = (token: string) => createGitHubClient({ token, baseUrl: github.url, log: recordingLogger(), retryAfterBaseValue: 1, maxRetries: 1 });

test('GITHUB_TOKEN is github-actions[bot], by GraphQL viewer alone', async () => {
  const before = github.calls.length;
  expect(await tokenLogin(client(github.token))).toBe(GITHUB_ACTIONS_BOT.login);
  expect(github.calls.slice(before).map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual(['POST /graphql 200']);
});

test('a personal access token is its user; GET /user answers when GraphQL does not', async () => {
  expect(await tokenLogin(client(github.userToken))).toBe(MAINTAINER.login);
  github.inject({ method: 'POST', path: /^\/graphql$/, status: 502, times: 2 });
  const before = github.calls.length;
  expect(await tokenLogin(client(github.userToken))).toBe(MAINTAINER.login);
  expect(github.calls.slice(before).map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual(['POST /graphql 502', 'POST /graphql 502', 'GET /user 200']);
});

test('an installation token that GraphQL cannot name is an error naming both failures', async () => {
  github.inject({ method: 'POST', path: /^\/graphql$/, status: 502, times: 2 });
  await expect(tokenLogin(client(github.token))).rejects.toThrow(
    /^github-token: cannot tell which account the token belongs to, .*\(GraphQL viewer: .*; GET \/user: Resource not accessible by integration.*\)\.$/,
  );
});

test('authors compare by login, case-insensitively; a missing author is nobody', () => {
  expect(writtenBy({ user: { login: 'GitHub-Actions[bot]' } }, 'github-actions[bot]')).toBe(true);
  expect(writtenBy({ user: { login: 'github-actions' } }, 'github-actions[bot]')).toBe(false);
  expect(writtenBy({ user: null }, 'github-actions[bot]')).toBe(false);
});
