// The allowlist as it is on another commit (the pull request's base), read through the GitHub contents
// API, so a pull-request run can diff the base branch's allowlist against the one it changes.

import { parseAllowlist, type Allowlist } from '../audit/allowlist.js';
import type { GitHubClient } from '../github.js';
import type { RepoRef } from './tracking-issue.js';

/** The allowlist at `path` on commit `ref`, or undefined when the file does not exist there. */
export async function readAllowlistAtRef(octokit: GitHubClient, repo: RepoRef, path: string, ref: string): Promise<Allowlist | undefined> {
  let content: unknown;
  try {
    ({ data: content } = await octokit.rest.repos.getContent({ ...repo, path, ref }));
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
  const file = content as { type?: string; encoding?: string; content?: string };
  if (file.type !== 'file' || typeof file.content !== 'string') {
    throw new Error(`${path} on ${ref.slice(0, 12)} is not a file.`);
  }
  const text = file.encoding === 'base64' ? Buffer.from(file.content, 'base64').toString('utf8') : file.content;
  return parseAllowlist(text, `${path}@${ref.slice(0, 12)}`);
}
