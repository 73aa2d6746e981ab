// One scheduled audit's reporting: load the port memory, decide what is new, bring the tracking issue in
// line (open, update + comment, close, or nothing at all), then save the memory. The memory is saved last,
// so a failed GitHub call leaves the port new for the next run instead of losing it; ports the open issue
// lists stay unacknowledged even if the memory forgot them.

import type { Allowlist } from '../audit/allowlist.js';
import { assessPorts, type RememberedPort, markReported, unacknowledgedPorts, updateMemory, type MemoryState, type PortMemory } from '../audit/known-ports.js';
import { portKey, type PortRow } from '../audit/port-row.js';
import type { AuditResult } from '../engines/engine.js';
import type { HourWindow } from '../flowlog/layout.js';
import type { GitHubClient } from '../github.js';
import type { Logger } from '../log.js';
import type { MemoryStore } from '../state/memory-store.js';
import { code } from './markdown.js';
import {
  closeDuplicates,
  closeIssue,
  ensureLabel,
  findOpenTrackingIssues,
  issueTitle,
  renderIssueBody,
  renderNewPortsComment,
  unacknowledgedKeysIn,
  type RepoRef,
  type TrackingIssue,
} from './tracking-issue.js';

export interface ScheduledAuditInput {
  readonly octokit: GitHubClient;
  readonly repo: RepoRef;
  readonly result: AuditResult;
  readonly window: HourWindow;
  readonly allowlist: Allowlist | undefined;
  /** Shown in the issue as the file to edit (the allowlist input, whether or not the file exists yet). */
  readonly allowlistPath: string;
  readonly store: MemoryStore;
  readonly label: string;
  readonly stackOrVpcKey: string;
  readonly log: Logger;
  readonly now?: Date;
  /**
   * True while the window reaches back before the flow logs began (a young stack): without an allowlist the
   * run then only adds what it sees to the baseline, silently, so a partial first window alerts nothing later.
   */
  readonly collectingBaseline?: boolean;
}

export type IssueAction = 'none' | 'opened' | 'updated' | 'closed';

export interface ScheduledAuditReport {
  readonly issueNumber?: number;
  readonly issueUrl?: string;
  readonly issueAction: IssueAction;
  readonly newPorts: readonly PortRow[];
  /** True when this run only recorded a baseline (first run without an allowlist, or a rebuilt memory). */
  readonly silent: boolean;
  readonly memory: PortMemory;
  /** Ports reported and still not in the allowlist: what the tracking issue lists. */
  readonly unexplained: readonly RememberedPort[];
}

export async function reportScheduledAudit(input: ScheduledAuditInput): Promise<ScheduledAuditReport> {
  const { octokit, repo, result, allowlist, store, label, stackOrVpcKey, log } = input;
  const now = input.now ?? new Date();
  const { allowlistPath } = input;

  const loaded = await store.load();
  let open = await closeDuplicates(octokit, repo, await findOpenTrackingIssues(octokit, repo, label, stackOrVpcKey), log);
  const state = memoryState(loaded, open, store.location, log);
  if (state.kind === 'first-run' && result.rows.length === 0) {
    // A baseline of nothing would make every port of the first real traffic "new": wait for data instead.
    log.info('The window has no outbound flows yet (a new stack needs about an hour): the baseline waits for the first run that sees traffic.');
    return { issueAction: 'none', newPorts: [], silent: true, memory: updateMemory(undefined, stackOrVpcKey, [], new Set(), now), unexplained: [] };
  }
  if (input.collectingBaseline && !allowlist) log.info('The window starts before the flow logs do: adding what this run sees to the baseline, silently.');
  const { newPorts, silent } = input.collectingBaseline && !allowlist ? { newPorts: [], silent: true } : assessPorts(result.rows, allowlist, state);
  const newKeys = new Set(newPorts.map(portKey));
  const updated = updateMemory(state.kind === 'loaded' ? state.memory : undefined, stackOrVpcKey, result.rows, newKeys, now);
  const memory = open ? markReported(updated, unacknowledgedKeysIn(open.body), now) : updated;
  const unacknowledged = unacknowledgedPorts(memory, allowlist);
  const body = () => renderIssueBody({ stackOrVpcKey, unacknowledged, rows: result.rows, newKeys, window: input.window, allowlistPath });
  const comment = () => renderNewPortsComment(newPorts, input.window);

  let issueAction: IssueAction = 'none';
  if (open && newPorts.length > 0) {
    await octokit.rest.issues.update({ ...repo, issue_number: open.number, body: body() });
    await octokit.rest.issues.createComment({ ...repo, issue_number: open.number, body: comment() });
    issueAction = 'updated';
  } else if (open && unacknowledged.length === 0) {
    await closeIssue(octokit, repo, open.number, `Every port this issue listed is now explained in ${code(allowlistPath)}: closing.`, 'completed');
    issueAction = 'closed';
  } else if (open && !sameKeys(unacknowledgedKeysIn(open.body), unacknowledged.map(portKey))) {
    await octokit.rest.issues.update({ ...repo, issue_number: open.number, body: body() });
    issueAction = 'updated';
  } else if (!open && newPorts.length > 0) {
    open = await openTrackingIssue(input, body(), newPorts);
    issueAction = 'opened';
  }
  if (issueAction === 'none') log.info(`Tracking issue: nothing to change${open ? ` (#${open.number} stays as it is)` : ''}.`);
  else log.info(`Tracking issue #${open!.number}: ${issueAction}.`);

  await store.save(memory);
  log.info(`Saved the memory of ${memory.ports.size} known ports to ${store.location}.`);
  return { issueNumber: open?.number, issueUrl: open?.url, issueAction, newPorts, silent, memory, unexplained: unacknowledged };
}

/** Decides how far to trust the stored memory, naming every problem in a warning. */
function memoryState(loaded: Awaited<ReturnType<MemoryStore['load']>>, open: TrackingIssue | undefined, location: string, log: Logger): MemoryState {
  if (loaded.status === 'ok') {
    loaded.warnings.forEach((warning) => log.warning(warning));
    return { kind: 'loaded', memory: loaded.memory };
  }
  if (loaded.status === 'corrupt') {
    log.warning(`${loaded.problem}. Rebuilding it from this run's top list${open ? ` and tracking issue #${open.number}` : ''}; no ports are reported this run.`);
    return { kind: 'rebuild', reason: loaded.problem };
  }
  if (open) {
    log.warning(`No port memory at ${location}, but tracking issue #${open.number} exists: the memory was lost. Rebuilding it from this run's top list and the issue; no ports are reported this run.`);
    return { kind: 'rebuild', reason: 'missing' };
  }
  log.info(`No port memory at ${location}: this is the first run.`);
  return { kind: 'first-run' };
}

/**
 * Opens the tracking issue, then converges when runs race: after creating, list again; the lowest-numbered
 * open tracking issue wins. A run whose issue lost closes it as a duplicate and, if the winner does not list
 * some of its new ports, names them in a comment there (comments append; concurrent body edits would overwrite
 * each other). Every racing run applies the same rule, so one issue stays open; the next run, which treats
 * the ports an open issue lists as unacknowledged, brings the winner's body up to date.
 */
async function openTrackingIssue(input: ScheduledAuditInput, body: string, newPorts: readonly PortRow[]): Promise<TrackingIssue> {
  const { octokit, repo, label, stackOrVpcKey, log } = input;
  await ensureLabel(octokit, repo, label, log);
  const created = await octokit.rest.issues.create({ ...repo, title: issueTitle(stackOrVpcKey), body, labels: [label] });
  const mine: TrackingIssue = { number: created.data.number, body, url: created.data.html_url };
  const open = await findOpenTrackingIssues(octokit, repo, label, stackOrVpcKey);
  const winner = open.find((issue) => issue.number < mine.number);
  if (!winner) return mine;
  log.warning(`Another run opened tracking issue #${winner.number} at the same time; closing #${mine.number} as its duplicate.`);
  await closeIssue(octokit, repo, mine.number, `Closing as a duplicate of #${winner.number}, which tracks the same VPC (two audit runs raced).`, 'not_planned');
  const listed = new Set(unacknowledgedKeysIn(winner.body));
  const missing = newPorts.filter((port) => !listed.has(portKey(port)));
  if (missing.length > 0) {
    await octokit.rest.issues.createComment({ ...repo, issue_number: winner.number, body: renderNewPortsComment(missing, input.window) });
  }
  return winner;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join(' ') === [...b].sort().join(' ');
}
