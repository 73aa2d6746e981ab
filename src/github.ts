// The one GitHub client: @actions/github's Octokit with the retry plugin (5xx) and the throttling plugin
// (primary and secondary rate limits, each retried a bounded number of times). baseUrl from GITHUB_API_URL.
// A POST that creates something is never retried blindly: GitHub may have created it before the 5xx, so
// createOnce looks for what the first try made before it tries again.

import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from './log.js';

export type GitHubClient = ReturnType<typeof getOctokit>;

export interface GitHubClientOptions {
  readonly token: string;
  /** Defaults to GITHUB_API_URL, then https://api.github.com. */
  readonly baseUrl?: string;
  readonly log: Logger;
  /** How often a rate-limited or failed (5xx) request is retried before the error is thrown. */
  readonly maxRetries?: number;
  /** Milliseconds per second of waiting that GitHub asks for (1000 in production; tests pass 1). */
  readonly retryAfterBaseValue?: number;
}

export const DEFAULT_MAX_RETRIES = 3;
/** A rate limit that asks for a longer wait than this fails the run instead of stalling it. */
export const MAX_RATE_LIMIT_WAIT_SECONDS = 300;

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const { token, log } = options;
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const retryAfterBaseValue = options.retryAfterBaseValue ?? 1000;
  const baseUrl = options.baseUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com';
  const onLimit = (kind: string) => (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    const again = retryCount < maxRetries && retryAfter <= MAX_RATE_LIMIT_WAIT_SECONDS;
    const outcome = again
      ? `retrying in ${retryAfter} s (retry ${retryCount + 1} of ${maxRetries})`
      : retryAfter > MAX_RATE_LIMIT_WAIT_SECONDS
        ? `GitHub asks to wait ${retryAfter} s, longer than ${MAX_RATE_LIMIT_WAIT_SECONDS} s: giving up`
        : `giving up after ${maxRetries} retries`;
    log.warning(`GitHub ${kind} rate limit on ${request.method} ${request.url}: ${outcome}.`);
    return again;
  };
  const octokit = getOctokit(
    token,
    {
      baseUrl,
      retry: { retries: maxRetries, retryAfterBaseValue },
      throttle: { onRateLimit: onLimit('primary'), onSecondaryRateLimit: onLimit('secondary'), retryAfterBaseValue },
      log: { debug: (m: string) => log.debug(m), info: (m: string) => log.debug(m), warn: (m: string) => log.warning(m), error: (m: string) => log.warning(m) },
    },
    retry,
    throttling,
  );
  // plugin-retry reads `request.retries` per request: 0 for POSTs (creates), except GraphQL queries, which read.
  octokit.hook.before('request', (request) => {
    if (request.method === 'POST' && !String(request.url).endsWith('/graphql')) request.request = { ...request.request, retries: 0 };
  });
  return octokit;
}

/** Whether a failed call may still have taken effect: a 5xx, or no answer at all. */
function outcomeUnknown(error: unknown): boolean {
  const status = (error as { status?: number }).status;
  return status === undefined || status >= 500;
}

export interface CreateOnceOptions<T> {
  /** What is being created, for log lines: `the tracking issue`, `a comment on #12`. */
  readonly what: string;
  readonly create: () => Promise<T>;
  /** Finds what an earlier try may have created; undefined when there is nothing. */
  readonly find: () => Promise<T | undefined>;
  readonly log: Logger;
  /** Tries in all (default: 1 + DEFAULT_MAX_RETRIES). */
  readonly attempts?: number;
  /** Milliseconds to wait after the n-th failure, before looking (default: n² s, as plugin-retry waits). */
  readonly waitMs?: (failures: number) => number;
}

/**
 * Creates something at most once. After a failure whose outcome is unknown (5xx, no answer), waits, then
 * looks for what that try may have created and returns it if found; only then tries again. Errors with a
 * definite outcome (4xx) are thrown at once, as is the last error.
 */
export async function createOnce<T>(options: CreateOnceOptions<T>): Promise<T> {
  const { what, create, find, log } = options;
  const attempts = options.attempts ?? 1 + DEFAULT_MAX_RETRIES;
  const waitMs = options.waitMs ?? ((failures: number) => failures * failures * 1000);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await create();
    } catch (error) {
      if (!outcomeUnknown(error) || attempt >= attempts) throw error;
      log.warning(`Creating ${what} failed (${(error as Error).message}); GitHub may have created it anyway: looking before trying again.`);
      await sleep(waitMs(attempt));
      const found = await find();
      if (found !== undefined) {
        log.info(`Found ${what} that the failed try created; not creating it again.`);
        return found;
      }
    }
  }
}
