// A local GitHub REST API for tests (node:http on 127.0.0.1, random port): the issue, comment, label and
// contents endpoints the reporter uses, with page-based pagination and `Link` headers, injected failures (403
// secondary rate limit, 5xx, also after the call took effect), held responses to force races, and a record
// of every call. Every issue and comment has an author: the account of the token that wrote it. Tokens are
// an app installation's like GITHUB_TOKEN (GraphQL `viewer` answers, `GET /user` is refused) or a user's.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** An account as the REST API shows it in `user` (login, id, type). */
export interface FakeUser {
  readonly login: string;
  readonly id: number;
  readonly type: 'User' | 'Bot';
}

/** The account behind GITHUB_TOKEN: its REST login (41898282 is its id on github.com). */
export const GITHUB_ACTIONS_BOT: FakeUser = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };
/** A user with a personal access token. */
export const MAINTAINER: FakeUser = { login: 'octo-maintainer', id: 1001, type: 'User' };
/** Someone else, who plants comments and issues carrying the action's markers. */
export const STRANGER: FakeUser = { login: 'mallory', id: 6666, type: 'User' };

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  state_reason: string | null;
  labels: string[];
  /** Who opened it (default: the account of the default token). */
  user: FakeUser;
  /** Present on pull requests, which the issues API lists too. */
  pull_request?: { url: string };
}

export interface FakeComment {
  id: number;
  issue_number: number;
  body: string;
  user: FakeUser;
}

export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly body: Record<string, unknown> | undefined;
  status: number;
}

export interface Fault {
  readonly method: string;
  readonly path: RegExp;
  /** 403 with GitHub's secondary-rate-limit message, 422 (a definite refusal), or a 5xx. */
  readonly status: 403 | 422 | 500 | 502 | 503;
  /** How many matching calls fail before the endpoint works again. */
  times: number;
  /** Fail only after the call took effect (e.g. the issue was created but the answer was a 502). */
  readonly afterEffect?: boolean;
}

interface Reply {
  readonly status: number;
  readonly data: unknown;
  readonly headers?: Record<string, string>;
}

export interface FakeGitHub {
  /** `http://127.0.0.1:PORT`, for GITHUB_API_URL / baseUrl. */
  readonly url: string;
  readonly owner: string;
  readonly repo: string;
  /** An installation token like GITHUB_TOKEN, acting as GITHUB_ACTIONS_BOT. */
  readonly token: string;
  /** A personal access token of MAINTAINER. */
  readonly userToken: string;
  readonly issues: Map<number, FakeIssue>;
  readonly comments: Map<number, FakeComment>;
  readonly labels: Set<string>;
  readonly calls: RecordedCall[];
  /** Files of the contents API by ref (a branch name or a commit SHA), then path. */
  readonly files: Map<string, Map<string, string>>;
  /** Calls that would change something (any method but GET; GraphQL queries read), whatever their outcome. */
  writes(): RecordedCall[];
  /** Makes the next `times` calls matching method and path fail with `status`. */
  inject(fault: Fault): void;
  clearFaults(): void;
  /** Holds the responses of matching calls until `count` of them have arrived, then answers all (forces races). */
  holdUntil(method: string, path: RegExp, count: number): void;
  addIssue(issue: Partial<FakeIssue> & { title: string }): FakeIssue;
  addPullRequest(title: string): FakeIssue;
  /** A comment written outside the action (by `user`, default the default token's account). */
  addComment(issueNumber: number, body: string, user?: FakeUser): FakeComment;
  /** Puts a file at `path` on `ref` for the contents API (its folders list it). */
  setFile(ref: string, path: string, text: string): void;
  openIssues(): FakeIssue[];
  commentsOn(issueNumber: number): FakeComment[];
  stop(): Promise<void>;
}

/** Whether a recorded call would change something: any method but GET, except GraphQL queries (they read). */
export const isWrite = (call: RecordedCall) => call.method !== 'GET' && call.path !== '/graphql';

const SECONDARY_RATE_LIMIT =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';

export interface FakeGitHubOptions {
  /** The most items one page returns, whatever per_page asks (GitHub: 100); small values exercise pagination. */
  readonly maxPerPage?: number;
  /** What GET /repos/{owner}/{repo} says of the repository (default private). */
  readonly visibility?: 'public' | 'private' | 'internal';
}

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const owner = 'octo-org';
  const repo = 'network';
  const token = 'test-token';
  const userToken = 'user-token';
  const accounts = new Map<string, { user: FakeUser; installation: boolean }>([
    [token, { user: GITHUB_ACTIONS_BOT, installation: true }],
    [userToken, { user: MAINTAINER, installation: false }],
  ]);
  const files = new Map<string, Map<string, string>>();
  const maxPerPage = options.maxPerPage ?? 100;
  const issues = new Map<number, FakeIssue>();
  const comments = new Map<number, FakeComment>();
  const labels = new Set<string>();
  const calls: RecordedCall[] = [];
  const faults: Fault[] = [];
  const holds: { method: string; path: RegExp; count: number; waiting: (() => void)[] }[] = [];
  let nextNumber = 1;
  let nextCommentId = 9001;
  let url = '';

  const html = (n: number) => `https://github.example/${owner}/${repo}/issues/${n}`;
  const issueJson = (issue: FakeIssue) => ({
    ...issue,
    id: 100_000 + issue.number,
    html_url: html(issue.number),
    labels: issue.labels.map((name) => ({ name })),
  });
  const commentJson = (c: FakeComment) => ({ id: c.id, body: c.body, user: c.user, html_url: `${html(c.issue_number)}#issuecomment-${c.id}` });

  function addIssue(fields: Partial<FakeIssue> & { title: string }): FakeIssue {
    const issue: FakeIssue = { number: nextNumber++, body: '', state: 'open', state_reason: null, labels: [], user: GITHUB_ACTIONS_BOT, ...fields };
    issues.set(issue.number, issue);
    return issue;
  }

  function addComment(issueNumber: number, body: string, user: FakeUser = GITHUB_ACTIONS_BOT): FakeComment {
    const comment = { id: nextCommentId++, issue_number: issueNumber, body, user };
    comments.set(comment.id, comment);
    return comment;
  }

  function send(res: ServerResponse, status: number, data: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(data));
  }

  /** Answers one page of `items` with GitHub's Link header (first/prev/next/last). */
  function page(path: string, query: Record<string, string>, items: unknown[]): Reply {
    const perPage = Math.min(Number(query.per_page ?? 30), maxPerPage);
    const current = Math.max(1, Number(query.page ?? 1));
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (p: number, rel: string) => {
      const params = new URLSearchParams({ ...query, page: String(p) });
      return `<${url}${path}?${params}>; rel="${rel}"`;
    };
    const links = [
      ...(current < last ? [link(current + 1, 'next'), link(last, 'last')] : []),
      ...(current > 1 ? [link(1, 'first'), link(current - 1, 'prev')] : []),
    ];
    return { status: 200, data: items.slice((current - 1) * perPage, current * perPage), headers: links.length ? { link: links.join(', ') } : {} };
  }

  async function readBody(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  }

  /** Applies one call, made with the token of `account`, to the state and says what to answer. */
  function route(call: RecordedCall, account: { user: FakeUser; installation: boolean }): Reply {
    const base = `/repos/${owner}/${repo}`;
    const { method, path, query, body } = call;
    const reply = (status: number, data: unknown): Reply => ({ status, data });
    if (path === '/user' && method === 'GET') {
      // GitHub refuses GET /user to installation tokens (GITHUB_TOKEN, GitHub App tokens).
      return account.installation ? reply(403, { message: 'Resource not accessible by integration' }) : reply(200, account.user);
    }
    if (path === '/graphql' && method === 'POST') {
      // Only the query the action sends: `viewer { login }`, answered for every kind of token.
      const text = String(body?.query ?? '');
      if (!/^\s*(query\s*)?\{\s*viewer\s*\{\s*login\s*\}\s*\}\s*$/.test(text)) return reply(400, { message: `unsupported query: ${text}` });
      return reply(200, { data: { viewer: { login: account.user.login } } });
    }
    if (path === base && method === 'GET') {
      const visibility = options.visibility ?? 'private';
      return reply(200, { full_name: `${owner}/${repo}`, private: visibility !== 'public', visibility });
    }
    if (!path.startsWith(`${base}/`)) return reply(404, { message: 'Not Found' });
    const rest = path.slice(base.length);
    let m: RegExpExecArray | null;

    if (rest === '/issues' && method === 'GET') {
      const wanted = (query.labels ?? '').split(',').filter(Boolean);
      const state = query.state ?? 'open';
      const listed = [...issues.values()]
        .filter((i) => state === 'all' || i.state === state)
        .filter((i) => wanted.every((label) => i.labels.includes(label)))
        .sort((a, b) => b.number - a.number)
        .map(issueJson);
      return page(path, query, listed);
    }
    if (rest === '/issues' && method === 'POST') {
      const issue = addIssue({ title: String(body?.title), body: String(body?.body ?? ''), labels: (body?.labels as string[]) ?? [], user: account.user });
      return reply(201, issueJson(issue));
    }
    if ((m = /^\/issues\/(\d+)$/.exec(rest)) && method === 'PATCH') {
      const issue = issues.get(Number(m[1]));
      if (!issue) return reply(404, { message: 'Not Found' });
      if (typeof body?.title === 'string') issue.title = body.title;
      if (typeof body?.body === 'string') issue.body = body.body;
      if (body?.state === 'open' || body?.state === 'closed') issue.state = body.state;
      if (typeof body?.state_reason === 'string') issue.state_reason = body.state_reason;
      return reply(200, issueJson(issue));
    }
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const issueNumber = Number(m[1]);
      if (!issues.has(issueNumber)) return reply(404, { message: 'Not Found' });
      if (method === 'GET') {
        return page(path, query, commentsOn(issueNumber).map(commentJson));
      }
      if (method === 'POST') return reply(201, commentJson(addComment(issueNumber, String(body?.body ?? ''), account.user)));
    }
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(rest)) && method === 'PATCH') {
      const comment = comments.get(Number(m[1]));
      if (!comment) return reply(404, { message: 'Not Found' });
      // GitHub lets a maintainer's token edit anyone's comment; the action must never try.
      comment.body = String(body?.body ?? '');
      return reply(200, commentJson(comment));
    }
    if ((m = /^\/contents\/(.+)$/.exec(rest)) && method === 'GET') {
      const onRef = files.get(query.ref ?? 'main') ?? new Map<string, string>();
      const path = decodeURIComponent(m[1]!);
      const text = onRef.get(path);
      // A folder (a path that files lie under) answers with an array of its entries, as GitHub's does.
      const inside = [...onRef.keys()].filter((p) => p.startsWith(`${path}/`));
      if (text === undefined && inside.length > 0) {
        return reply(200, inside.map((p) => ({ type: 'file', name: p.slice(path.length + 1), path: p, size: Buffer.byteLength(onRef.get(p)!) })));
      }
      if (text === undefined) return reply(404, { message: 'Not Found' });
      return reply(200, { type: 'file', encoding: 'base64', size: Buffer.byteLength(text), path: m[1], content: Buffer.from(text).toString('base64') });
    }
    if ((m = /^\/labels\/([^/]+)$/.exec(rest)) && method === 'GET') {
      const name = decodeURIComponent(m[1]!);
      return labels.has(name) ? reply(200, { name }) : reply(404, { message: 'Not Found' });
    }
    if (rest === '/labels' && method === 'POST') {
      const name = String(body?.name);
      if (labels.has(name)) return reply(422, { message: 'Validation Failed', errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }] });
      labels.add(name);
      return reply(201, { name });
    }
    return reply(404, { message: `Not Found: ${method} ${path}` });
  }

  function commentsOn(issueNumber: number): FakeComment[] {
    return [...comments.values()].filter((c) => c.issue_number === issueNumber).sort((a, b) => a.id - b.id);
  }

  const server = createServer((req, res) => {
    void (async () => {
      const parsed = new URL(req.url ?? '/', 'http://localhost');
      const body = await readBody(req);
      const call: RecordedCall = {
        method: req.method ?? 'GET',
        path: parsed.pathname,
        query: Object.fromEntries(parsed.searchParams),
        body,
        status: 0,
      };
      calls.push(call);
      const account = accounts.get((req.headers.authorization ?? '').replace(/^(token|bearer) /i, ''));
      if (!account) {
        call.status = 401;
        return send(res, 401, { message: 'Bad credentials' });
      }
      const hold = holds.find((h) => h.method === call.method && h.path.test(call.path));
      if (hold) {
        await new Promise<void>((resolve) => {
          hold.waiting.push(resolve);
          if (hold.waiting.length >= hold.count) {
            holds.splice(holds.indexOf(hold), 1);
            hold.waiting.forEach((release) => release());
          }
        });
      }
      const fault = faults.find((f) => f.method === call.method && f.path.test(call.path) && f.times > 0);
      if (fault) fault.times -= 1;
      const answer = fault && !fault.afterEffect ? undefined : route(call, account);
      if (fault) {
        call.status = fault.status;
        if (fault.status === 403) return send(res, 403, { message: SECONDARY_RATE_LIMIT }, { 'retry-after': '1' });
        if (fault.status === 422) return send(res, 422, { message: 'Validation Failed' });
        return send(res, fault.status, { message: 'Server Error' });
      }
      call.status = answer!.status;
      send(res, answer!.status, answer!.data, answer!.headers);
    })().catch((error: Error) => send(res, 500, { message: error.message }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  return {
    url,
    owner,
    repo,
    token,
    userToken,
    issues,
    comments,
    labels,
    calls,
    files,
    writes: () => calls.filter(isWrite),
    inject: (fault) => faults.push({ ...fault }),
    clearFaults: () => faults.splice(0),
    holdUntil: (method, path, count) => holds.push({ method, path, count, waiting: [] }),
    addIssue,
    addPullRequest: (title) => addIssue({ title, pull_request: { url: 'pr' } }),
    addComment,
    setFile: (ref, path, text) => {
      if (!files.has(ref)) files.set(ref, new Map());
      files.get(ref)!.set(path, text);
    },
    openIssues: () => [...issues.values()].filter((i) => i.state === 'open' && !i.pull_request),
    commentsOn,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
