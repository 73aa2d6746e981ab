// The one GitHub helper: every call the action makes to GitHub goes through here. The client is
// @actions/github's Octokit with the retry plugin (5xx) and the throttling plugin (primary and secondary rate
// limits, each retried a bounded number of times), baseUrl from GITHUB_API_URL; lists use Octokit's paginate.
// On it: who the token is (tokenLogin) and which issues and comments are ours (writtenBy); issues (list open
// ones by label, create, update, close with a comment), comments (list, post once, update), labels (ensure),
// and repository files (read one at a ref). A POST that creates something is never retried blindly: GitHub may
// have created it before the 5xx, so createOnce looks for what the first try made before it tries again.

import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { setTimeout as sleep } from 'node:timers/promises';
import { InputError } from './input-error.js';
import type { Logger } from './log.js';

export type GitHubClient = ReturnType<typeof getOctokit>;

interface GitHubClientOptions {
  readonly token: string;
  /** Defaults to GITHUB_API_URL, then https://api.github.com. */
  readonly baseUrl?: string;
  readonly log: Logger;
  /** How often a rate-limited or failed (5xx) request is retried before the error is thrown. */
  readonly maxRetries?: number;
  /** Milliseconds per second of waiting that GitHub asks for (1000 in production; tests pass 1). */
  readonly retryAfterBaseValue?: number;
}

const DEFAULT_MAX_RETRIES = 3;
/** A rate limit that asks for a longer wait than this fails the run instead of stalling it. */
const MAX_RATE_LIMIT_WAIT_SECONDS = 300;

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

interface CreateOnceOptions<T> {
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

/** The repository the action works on (`context.repo`). */
export interface RepoRef {
  readonly owner: string;
  readonly repo: string;
}

/** The author field of an issue or comment in the REST API. */
interface Authored {
  readonly user?: { readonly login?: string } | null;
}

/**
 * The login of the account the token acts as, spelled as REST shows authors (`user.login`): for GITHUB_TOKEN
 * and other GitHub App installation tokens `github-actions[bot]` / `APP-SLUG[bot]`, for a personal access
 * token the user's login. GraphQL `viewer { login }` answers for both kinds of token and returns the REST
 * spelling, `[bot]` included (fullsend-ai/fullsend#1953 shows `APP-SLUG[bot]` for an installation token;
 * marocchino/sticky-pull-request-comment strips the suffix to compare with GraphQL authors); `GET /user`
 * answers only user tokens ("Resource not accessible by integration" for installation
 * tokens: actions/create-github-app-token#258, pingdotgg/t3code#11273), so it is the fallback, for servers
 * without GraphQL.
 *
 * @throws Error naming both failures when neither call tells who the token is.
 */
export async function tokenLogin(octokit: GitHubClient): Promise<string> {
  let graphqlError: unknown;
  try {
    const { viewer } = await octokit.graphql<{ viewer: { login: string } }>('query { viewer { login } }');
    if (viewer?.login) return viewer.login;
  } catch (error) {
    graphqlError = error;
  }
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return data.login;
  } catch (error) {
    throw new Error(
      'github-token: cannot tell which account the token belongs to, so the action cannot tell its own issues and comments from ' +
        `others' (GraphQL viewer: ${(graphqlError as Error | undefined)?.message ?? 'no login'}; GET /user: ${(error as Error).message}).`,
    );
  }
}

/**
 * Whether `login` wrote the issue or comment (logins compare case-insensitively, as GitHub treats them). A
 * hidden marker alone proves nothing: anyone can paste it into a comment or an issue.
 */
export function writtenBy(item: Authored, login: string): boolean {
  return item.user?.login?.toLowerCase() === login.toLowerCase();
}

const statusOf = (error: unknown) => (error as { status?: number }).status;

/** An issue or comment as the action reads it: who wrote it, and whether that is the token's account (`ours`). */
interface ReadItem {
  readonly body: string;
  readonly login: string;
  readonly ours: boolean;
}

interface OpenIssue extends ReadItem {
  readonly number: number;
  readonly title: string;
  readonly url: string;
}

/** Every open issue (not pull request) with `label`, lowest number first. */
export async function listOpenIssues(octokit: GitHubClient, repo: RepoRef, label: string, author: string): Promise<OpenIssue[]> {
  const issues = await octokit.paginate(octokit.rest.issues.listForRepo, { ...repo, labels: label, state: 'open', per_page: 100 });
  return issues
    .filter((issue) => !issue.pull_request)
    .map((issue) => ({ number: issue.number, title: issue.title, body: issue.body ?? '', url: issue.html_url, login: issue.user?.login ?? 'unknown', ours: writtenBy(issue, author) }))
    .sort((a, b) => a.number - b.number);
}

/** Creates an issue (one POST; callers that must not duplicate it wrap this in createOnce). */
export async function createIssue(octokit: GitHubClient, repo: RepoRef, issue: { title: string; body: string; labels: string[] }): Promise<{ number: number; url: string }> {
  const { data } = await octokit.rest.issues.create({ ...repo, ...issue });
  return { number: data.number, url: data.html_url };
}

/** Replaces an issue's body, and its title when one is given. */
export async function updateIssue(octokit: GitHubClient, repo: RepoRef, issueNumber: number, fields: { body: string; title?: string }): Promise<void> {
  await octokit.rest.issues.update({ ...repo, issue_number: issueNumber, ...fields });
}

/** Closes an issue with a comment saying why (the comment posted once, see postComment). */
export async function closeIssue(
  octokit: GitHubClient,
  repo: RepoRef,
  issueNumber: number,
  comment: string,
  reason: 'completed' | 'not_planned',
  author: string,
  log: Logger,
): Promise<void> {
  await postComment(octokit, repo, issueNumber, comment, author, log);
  await octokit.rest.issues.update({ ...repo, issue_number: issueNumber, state: 'closed', state_reason: reason });
}

interface OwnComment {
  readonly id: number;
  readonly body: string;
}

/** Every comment on the issue or pull request, with whether `author` (the token's login) wrote it. */
export async function listComments(octokit: GitHubClient, repo: RepoRef, issueNumber: number, author: string): Promise<(ReadItem & { id: number })[]> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...repo, issue_number: issueNumber, per_page: 100 });
  return comments.map((comment) => ({ id: comment.id, body: comment.body ?? '', login: comment.user?.login ?? 'unknown', ours: writtenBy(comment, author) }));
}

/** Posts `body` on the issue or pull request once, even when GitHub answers a 5xx after creating it. */
export async function postComment(octokit: GitHubClient, repo: RepoRef, issueNumber: number, body: string, author: string, log: Logger): Promise<OwnComment> {
  return createOnce({
    what: `a comment on #${issueNumber}`,
    create: async () => {
      const { data } = await octokit.rest.issues.createComment({ ...repo, issue_number: issueNumber, body });
      return { id: data.id, body };
    },
    find: async () => (await listComments(octokit, repo, issueNumber, author)).findLast((c) => c.ours && c.body === body),
    log,
  });
}

/** Replaces a comment's body. */
export async function updateComment(octokit: GitHubClient, repo: RepoRef, commentId: number, body: string): Promise<void> {
  await octokit.rest.issues.updateComment({ ...repo, comment_id: commentId, body });
}

/** Creates the label when the repository lacks it (a concurrent creation, or a failed try's, counts as success). */
export async function ensureLabel(octokit: GitHubClient, repo: RepoRef, label: string, log: Logger): Promise<void> {
  const exists = async () => {
    try {
      await octokit.rest.issues.getLabel({ ...repo, name: label });
      return true;
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      return undefined;
    }
  };
  if (await exists()) return;
  await createOnce({
    what: `the label '${label}'`,
    create: async () => {
      try {
        await octokit.rest.issues.createLabel({ ...repo, name: label, color: 'd93f0b', description: 'Outbound ports seen by vpc-port-audit' });
        log.info(`Created the label '${label}'.`);
      } catch (error) {
        if (statusOf(error) !== 422) throw error;
      }
      return true;
    },
    find: exists,
    log,
  });
}

/**
 * The text of the file at `path` on commit or branch `ref` (contents API), or undefined when it does not exist there.
 *
 * @throws InputError when `path` is a folder, a symlink or a submodule there (a path the user gave).
 */
export async function readFileAtRef(octokit: GitHubClient, repo: RepoRef, path: string, ref: string): Promise<string | undefined> {
  let content: unknown;
  try {
    ({ data: content } = await octokit.rest.repos.getContent({ ...repo, path, ref }));
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
  // The contents API answers a folder with the array of its entries; a symlink or submodule has its own type.
  const file = content as { type?: string; encoding?: string; content?: string };
  if (Array.isArray(content) || file.type !== 'file' || typeof file.content !== 'string') {
    const kind = Array.isArray(content) ? 'a folder' : `a ${file.type ?? 'non-file entry'}`;
    throw new InputError(`${path} on ${ref.slice(0, 12)} is ${kind}, not a file; the path must name a file.`);
  }
  return file.encoding === 'base64' ? Buffer.from(file.content, 'base64').toString('utf8') : file.content;
}

/**
 * The repository's `visibility` and `private` from GET /repos/{owner}/{repo}; undefined when the token may not
 * read it or GitHub does not answer (the caller then treats the repository as public).
 */
export async function readRepository(octokit: GitHubClient, repo: RepoRef): Promise<{ visibility?: string; private?: boolean } | undefined> {
  try {
    const { data } = await octokit.rest.repos.get({ owner: repo.owner, repo: repo.repo });
    return { visibility: data.visibility, private: data.private };
  } catch {
    return undefined;
  }
}
