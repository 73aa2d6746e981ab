// Comments the action writes on issues and pull requests: the ones our own account wrote, and posting a
// comment at most once (after a 5xx, the comment the failed try may have made is found, not duplicated).

import { createOnce, type GitHubClient } from '../github.js';
import type { Logger } from '../log.js';
import { writtenBy } from './ownership.js';
import type { RepoRef } from './tracking-issue.js';

export interface OwnComment {
  readonly id: number;
  readonly body: string;
}

/** Every comment on the issue or pull request, with whether `author` (the token's login) wrote it. */
export async function listComments(octokit: GitHubClient, repo: RepoRef, issueNumber: number, author: string) {
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
