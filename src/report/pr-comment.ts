// The sticky pull-request comment: the port diff between the base branch's allowlist and the PR's against
// every port the latest audit observed (per VPC when the audit has several units: the totals, a row per VPC,
// then a section per VPC whose ports the PR changes or leaves unexplained), in ONE comment found by its hidden marker and its author (the token's own
// account: a comment someone else planted with the marker is never edited) and updated in place. Pull
// requests from forks (read-only token, no OIDC token) are recognised and skipped with a clear log line.

import { entryKey, type Allowlist } from '../audit/allowlist.js';
import { diffAllowlists, type AllowlistDiff } from '../audit/known-ports.js';
import type { AuditUnit, UnitPorts } from '../audit/audit-unit.js';
import { portKey, type PortRow } from '../audit/port-row.js';
import { listComments, postComment, updateComment, type GitHubClient, type RepoRef } from '../github.js';
import type { Logger } from '../log.js';
import { code, escapeMarkdown, fitToLimit, formatCount, table, truncationNote, utcMinute } from './markdown.js';
import { columns, extraColumn, markdownPortTable, PULL_REQUEST_COLUMNS } from './port-table.js';
import { belowTopTitle } from './audit-sections.js';
import { showsUnits, unitHeading, unitName } from './unit-sections.js';

/** The hidden first line that identifies our comment on a pull request. */
export function pullRequestMarker(stackOrVpcKey: string): string {
  return `<!-- vpc-port-audit:pr-comment key=${stackOrVpcKey} -->`;
}

interface RepoOfPayload {
  readonly full_name?: string;
}

/** The parts of a `pull_request` event payload the action reads. */
export interface PullRequestPayload {
  readonly pull_request?: {
    readonly number?: number;
    readonly head?: { readonly repo?: RepoOfPayload | null };
    readonly base?: { readonly sha?: string; readonly repo?: RepoOfPayload | null };
  };
}

/**
 * The log line for a pull request whose head lives in another repository (a fork, or a deleted fork), which
 * gets a read-only token and no OIDC token; undefined for the repository's own pull requests.
 */
export function forkPullRequestNotice(payload: PullRequestPayload): string | undefined {
  const pr = payload.pull_request;
  const head = pr?.head?.repo?.full_name;
  if (!pr || (head !== undefined && head === pr.base?.repo?.full_name)) return undefined;
  return (
    `Pull request #${pr.number} comes from a fork (${head ?? 'deleted repository'}): its token is read-only and it gets ` +
    'no OIDC token, so the audit is skipped and no comment is posted. This is expected; nothing failed.'
  );
}

interface PullRequestCommentInput {
  readonly diff: AllowlistDiff;
  /** Every observed port in rank order, and how many of them the top list shows; the others go in their own section. */
  readonly ranked: readonly PortRow[];
  readonly top: number;
  readonly stackOrVpcKey: string;
  readonly allowlistPath: string;
  /** When the top list was observed (the memory's updatedAt), if known. */
  readonly observedAt?: string;
  /** With several units: each one's diff and observed ports in rank order (`diff` and `ranked` are then the whole audit's). */
  readonly units?: readonly UnitDiff[];
}

/** One unit's share of the comment: its diff against its own observed ports. */
export interface UnitDiff {
  readonly unit: AuditUnit;
  readonly diff: AllowlistDiff;
  readonly ranked: readonly PortRow[];
}

const SECTIONS: readonly { key: keyof AllowlistDiff & ('newlyAllowed' | 'noLongerAllowed' | 'stillUnexplained' | 'unchanged'); title: string; mark: string }[] = [
  { key: 'newlyAllowed', title: 'Newly allowed by this PR', mark: '✅' },
  { key: 'noLongerAllowed', title: 'No longer allowed by this PR', mark: '⚠️' },
  { key: 'stillUnexplained', title: 'Still unexplained', mark: '❓' },
  { key: 'unchanged', title: 'Allowed before and after', mark: '✔️' },
];

/** An observed port with its category in the diff (`✅ Newly allowed by this PR`). */
type StatusRow = PortRow & { readonly status: string; readonly unchanged: boolean };
const COMMENT_COLUMNS = [...columns<StatusRow>(...PULL_REQUEST_COLUMNS), extraColumn<StatusRow>('Status', (row) => row.status)];

/**
 * The comment body: a summary line per category, one table of the top list's ports with their category, then
 * the ports ranked below it whose category is not "allowed before and after", with their ranks. With several
 * units: the totals, a row per VPC, then those tables per VPC whose ports the PR touches or leaves unexplained.
 */
export function renderPullRequestComment(input: PullRequestCommentInput): string {
  const { diff, stackOrVpcKey, allowlistPath, observedAt, top, units } = input;
  const unobserved = [
    ...diff.addedNotObserved.map((e) => `- \`${entryKey(e)}\` is added (line ${e.line}) but was not observed in the window.`),
    ...diff.removedNotObserved.map((e) => `- \`${entryKey(e)}\` is removed; it was not observed in the window either.`),
    ...diff.expiredInHead.map((e) => `- \`${entryKey(e)}\` (line ${e.line}) expired after ${e.expires}: it no longer explains its ports.`),
  ];
  const head = [
    pullRequestMarker(stackOrVpcKey),
    `### Outbound ports: effect of ${code(allowlistPath)} in this PR on ${escapeMarkdown(stackOrVpcKey)}`,
    '',
  ];
  const tail = [...(unobserved.length ? ['', unobserved.join('\n')] : []), ''];
  if (showsUnits(units)) {
    const listed = units.filter((u) => SECTIONS.some((s) => s.key !== 'unchanged' && u.diff[s.key].length > 0));
    const render = (shownUnits: number) =>
      [
        ...head,
        `Against the ports the latest audit observed${observedAt ? ` (${utcMinute(observedAt)} UTC)` : ''} in ${units.length} VPCs:`,
        '',
        SECTIONS.map((s) => `- ${s.mark} ${s.title}: **${units.reduce((sum, u) => sum + u.diff[s.key].length, 0)}**`).join('\n'),
        '',
        table(['VPC', ...SECTIONS.map((s) => s.mark)], units.map((u) => [unitName(u.unit), ...SECTIONS.map((s) => formatCount(u.diff[s.key].length))]), [false, true, true, true, true]),
        ...listed.slice(0, shownUnits).flatMap((u) => ['', unitHeading(u.unit, '####'), '', renderDiffTables(u.diff, u.ranked, top, '#####')]),
        ...(shownUnits < listed.length ? ['', truncationNote(shownUnits, listed.length, 'VPC sections')] : []),
        ...tail,
      ].join('\n');
    return fitToLimit(listed.length, render);
  }
  const rowCount = statusRows(diff, input.ranked, top);
  const render = (shown: number) =>
    [
      ...head,
      `Against the ports the latest audit observed${observedAt ? ` (${utcMinute(observedAt)} UTC)` : ''}:`,
      '',
      SECTIONS.map((s) => `- ${s.mark} ${s.title}: **${diff[s.key].length}**`).join('\n'),
      '',
      renderDiffTables(diff, input.ranked, top, '####', shown),
      ...tail,
    ].join('\n');
  return fitToLimit(rowCount.rows.length + rowCount.below.length, render);
}

/** The observed ports with their category: those of the top list, and those below it that are not "allowed before and after". */
function statusRows(diff: AllowlistDiff, ranked: readonly PortRow[], top: number) {
  const rank = new Map(ranked.map((row, index) => [portKey(row), index + 1]));
  const rankOf = (row: PortRow) => rank.get(portKey(row)) ?? Infinity;
  const all: StatusRow[] = SECTIONS.flatMap((section) => diff[section.key].map((row) => ({ ...row, status: `${section.mark} ${section.title}`, unchanged: section.key === 'unchanged' })));
  const rows = all.filter((row) => rankOf(row) <= top);
  const below = all.filter((row) => rankOf(row) > top && !row.unchanged).sort((a, b) => rankOf(a) - rankOf(b));
  return { rows, below, rankOf };
}

/** The table of the top list's observed ports and the section of those below it (`heading` its level), the first `shown` rows. */
function renderDiffTables(diff: AllowlistDiff, ranked: readonly PortRow[], top: number, heading: string, shown = Infinity): string {
  const { rows, below, rankOf } = statusRows(diff, ranked, top);
  const belowColumns = [extraColumn<StatusRow>('#', (row) => String(rankOf(row)), true), ...COMMENT_COLUMNS];
  return [
    rows.length === 0
      ? '_No observed ports yet: the scheduled audit has not recorded any._'
      : markdownPortTable(rows.slice(0, shown), COMMENT_COLUMNS) + (shown < rows.length ? `\n\n${truncationNote(shown, rows.length, 'ports')}` : ''),
    ...(below.length && shown >= rows.length
      ? ['', `${heading} ${belowTopTitle(top)}`, '', 'Ports ranked below the top list that this PR allows, stops allowing or leaves unexplained:', '',
        markdownPortTable(below.slice(0, shown - rows.length), belowColumns) + (shown < rows.length + below.length ? `\n\n${truncationNote(shown - rows.length, below.length, 'ports below the top list')}` : '')]
      : []),
  ].join('\n');
}

interface PullRequestReportInput {
  readonly octokit: GitHubClient;
  readonly repo: RepoRef;
  /** The repository's own pull request (forks are turned away before the audit; see forkPullRequestNotice). */
  readonly pullNumber: number;
  readonly baseAllowlist: Allowlist | undefined;
  readonly headAllowlist: Allowlist | undefined;
  readonly allowlistPath: string;
  /** Every port this run's audit observed, in rank order. */
  readonly rows: readonly PortRow[];
  /** The same per unit (auditUnits(result)); several units get the diff per VPC. Absent: one unit. */
  readonly units?: readonly UnitPorts[];
  /** How many of them the comment's top table shows. */
  readonly top: number;
  readonly observedAt?: string;
  /** What the comment names the audited VPC or stack by, in its heading and hidden marker (redacted where the run redacts). */
  readonly stackOrVpcKey: string;
  /** Keys of markers earlier runs wrote on the same comment (the unredacted key): found too, and rewritten. */
  readonly earlierKeys?: readonly string[];
  /** The login of the token's account (see tokenLogin): only its comments are ours. */
  readonly author: string;
  readonly log: Logger;
}

interface PullRequestReport {
  readonly commentId: number;
  readonly action: 'created' | 'updated' | 'unchanged';
}

/** Creates or updates the sticky comment, found by its hidden marker and author; writes nothing when it is unchanged. */
export async function reportPullRequest(input: PullRequestReportInput): Promise<PullRequestReport> {
  const { octokit, repo, pullNumber, log, stackOrVpcKey, author } = input;
  const diff = diffAllowlists(input.baseAllowlist, input.headAllowlist, input.rows);
  const units = input.units?.map(({ unit, rows }) => ({ unit, diff: diffAllowlists(input.baseAllowlist, input.headAllowlist, rows, unit), ranked: rows }));
  const body = renderPullRequestComment({ diff, ranked: input.rows, top: input.top, stackOrVpcKey, allowlistPath: input.allowlistPath, observedAt: input.observedAt, units });
  const markers = [stackOrVpcKey, ...(input.earlierKeys ?? [])].map(pullRequestMarker);
  const marked = (await listComments(octokit, repo, pullNumber, author)).filter((comment) => markers.some((marker) => comment.body.startsWith(marker)));
  for (const planted of marked.filter((comment) => !comment.ours)) {
    log.warning(`Comment ${planted.id} on #${pullNumber} carries this action's marker but was written by ${planted.login}, not ${author}: left alone.`);
  }
  const previous = marked.find((comment) => comment.ours);
  if (previous && previous.body === body) {
    log.info(`Pull-request comment ${previous.id} is already up to date.`);
    return { commentId: previous.id, action: 'unchanged' };
  }
  if (previous) {
    await updateComment(octokit, repo, previous.id, body);
    log.info(`Updated pull-request comment ${previous.id} on #${pullNumber}.`);
    return { commentId: previous.id, action: 'updated' };
  }
  const created = await postComment(octokit, repo, pullNumber, body, author, log);
  log.info(`Posted pull-request comment ${created.id} on #${pullNumber}.`);
  return { commentId: created.id, action: 'created' };
}
