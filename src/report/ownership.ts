// Which issues and comments are ours: those the token's own account wrote (and that carry our hidden marker,
// checked by the caller). A marker alone proves nothing: anyone can paste it into a comment or an issue.

import type { GitHubClient } from '../github.js';

/** The author field of an issue or comment in the REST API. */
export interface Authored {
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

/** Whether `login` wrote the issue or comment (logins compare case-insensitively, as GitHub treats them). */
export function writtenBy(item: Authored, login: string): boolean {
  return item.user?.login?.toLowerCase() === login.toLowerCase();
}
