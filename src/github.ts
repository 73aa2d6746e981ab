// The one GitHub client: @actions/github's Octokit with the retry plugin (5xx) and the throttling plugin
// (primary and secondary rate limits, each retried a bounded number of times). baseUrl from GITHUB_API_URL.

import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
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
  return getOctokit(
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
}
