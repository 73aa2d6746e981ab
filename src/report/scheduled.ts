// One scheduled audit's reporting, in two steps: decide (load the port memory, find our tracking issues,
// decide what is new and what the issue needs: reads only) and publish (bring the tracking issue in line:
// open, update + comment, close, or nothing; then save the memory). Read-only runs only decide. The memory
// is saved last, so a failed GitHub call leaves the port new for the next run instead of losing it; ports
// the open issue lists stay unacknowledged even if the memory forgot them. Scheduled runs also judge the
// pipeline's health here (the memory holds the earlier windows' volumes): problems keep or open the issue.

import type { Allowlist } from '../audit/allowlist.js';
import {
  assessPorts,
  markReported,
  recordWindowVolume,
  unacknowledgedPorts,
  updateMemory,
  type MemoryState,
  type PortMemory,
  type RememberedPort,
} from '../audit/known-ports.js';
import { portKey, type PortRow } from '../audit/port-row.js';
import type { AuditResult } from '../engines/engine.js';
import type { PortDrillDown } from '../audit/drill-down.js';
import type { HourWindow } from '../flowlog/layout.js';
import { createOnce, type GitHubClient } from '../github.js';
import type { Logger } from '../log.js';
import type { MemoryStore } from '../state/memory-store.js';
import { judgePipelineHealth, windowVolume, type HealthJudgeInput, type PipelineHealth } from '../health/judge.js';
import { problemKinds, problemKindsIn, renderPipelineProblemsComment } from './pipeline-health.js';
import { code } from './markdown.js';
import { postComment } from './comments.js';
import {
  closeDuplicates,
  closeIssue,
  duplicateNote,
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
  /** The login of the token's account (see tokenLogin): only issues and comments it wrote are ours. */
  readonly author: string;
  readonly log: Logger;
  readonly now?: Date;
  /**
   * True while the window reaches back before the flow logs began (a young stack): without an allowlist the
   * run then only adds what it sees to the baseline, silently, so a partial first window alerts nothing later.
   */
  readonly collectingBaseline?: boolean;
  /**
   * The pipeline-health readings and threshold; the window's volume and the memory's earlier volumes are added
   * here. Absent: health is not judged and no volume is recorded.
   */
  readonly health?: Omit<HealthJudgeInput, 'volume' | 'history'>;
  /** Who opened the decision's new ports (the drill-down query, run between deciding and publishing). */
  readonly drillDown?: readonly PortDrillDown[];
}

export type IssueAction = 'none' | 'opened' | 'updated' | 'closed';

/**
 * What publishing does to the tracking issue: its action, and whether an update also comments the new ports
 * (`comment`) or the pipeline problems the issue did not show yet (`healthComment`), so watchers are notified.
 */
type IssuePlan = { readonly action: IssueAction; readonly comment?: boolean; readonly healthComment?: boolean };

/** What a scheduled run concluded, before anything is written: decideScheduledAudit reads, never writes. */
export interface ScheduledDecision {
  /** The tracking issue this run works on (the lowest-numbered of ours), if one is open. */
  readonly open?: TrackingIssue;
  /** Further open tracking issues of ours (runs raced): publishing closes them. */
  readonly duplicates: readonly TrackingIssue[];
  readonly plan: IssuePlan;
  readonly newPorts: readonly PortRow[];
  /** True when this run only records a baseline (first run without an allowlist, or a rebuilt memory). */
  readonly silent: boolean;
  /** The memory to save; undefined when there is nothing to save yet (a first run that saw no traffic). */
  readonly memory?: PortMemory;
  /** Ports reported and still not in the allowlist: what the tracking issue lists. */
  readonly unexplained: readonly RememberedPort[];
  /** The pipeline's health, when the input asked for it. */
  readonly health?: PipelineHealth;
}

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
  readonly health?: PipelineHealth;
}

/** Decides, then publishes: the whole report of a trusted (default-branch) run. */
export async function reportScheduledAudit(input: ScheduledAuditInput): Promise<ScheduledAuditReport> {
  return publishScheduledAudit(input, await decideScheduledAudit(input));
}

/**
 * Loads the memory, finds our open tracking issues and decides what is new and what the issue needs. Reads
 * only (S3 GetObject, GitHub GETs): a read-only run stops here and shows the decision in its job summary.
 */
export async function decideScheduledAudit(input: ScheduledAuditInput): Promise<ScheduledDecision> {
  const { octokit, repo, result, allowlist, store, label, stackOrVpcKey, author, log } = input;
  const now = input.now ?? new Date();

  const loaded = await store.load();
  const [open, ...duplicates] = await findOpenTrackingIssues(octokit, repo, label, stackOrVpcKey, author, log);
  const state = memoryState(loaded, open, store.location, log);
  const volume = input.collectingBaseline ? undefined : windowVolume(result.rows, input.window);
  const history = state.kind === 'loaded' ? (state.memory.volumes ?? []) : [];
  const health = input.health && judgePipelineHealth({ ...input.health, volume, history });
  if (state.kind === 'first-run' && result.rows.length === 0) {
    // A baseline of nothing would make every port of the first real traffic "new": wait for data instead.
    log.info('The window has no outbound flows yet (a new stack needs about an hour): the baseline waits for the first run that sees traffic.');
    return { open, duplicates, plan: planIssue(open, [], [], health), newPorts: [], silent: true, unexplained: [], health };
  }
  if (input.collectingBaseline && !allowlist) log.info('The window starts before the flow logs do: adding what this run sees to the baseline, silently.');
  const { newPorts, silent } = input.collectingBaseline && !allowlist ? { newPorts: [], silent: true } : assessPorts(result.rows, allowlist, state);
  const newKeys = new Set(newPorts.map(portKey));
  const updated = updateMemory(state.kind === 'loaded' ? state.memory : undefined, stackOrVpcKey, result.rows, newKeys, now);
  const reported = open ? markReported(updated, unacknowledgedKeysIn(open.body), now) : updated;
  const memory = health && volume ? recordWindowVolume(reported, volume) : reported;
  const unexplained = unacknowledgedPorts(memory, allowlist);
  return { open, duplicates, plan: planIssue(open, newPorts, unexplained, health), newPorts, silent, memory, unexplained, health };
}

/**
 * What the tracking issue needs: new ports update it with a comment (or open it); a changed list of
 * unacknowledged ports or of pipeline problems updates it; nothing left to list (no port, no problem) closes it.
 * Without a health verdict (no health input), the problems the issue shows count as unchanged.
 */
function planIssue(open: TrackingIssue | undefined, newPorts: readonly PortRow[], unexplained: readonly RememberedPort[], health: PipelineHealth | undefined): IssuePlan {
  const kinds = health ? problemKinds(health) : open ? problemKindsIn(open.body) : [];
  const healthComment = open !== undefined && kinds.some((kind) => !problemKindsIn(open.body).includes(kind));
  if (open && newPorts.length > 0) return { action: 'updated', comment: true, healthComment };
  if (open && unexplained.length === 0 && kinds.length === 0) return { action: 'closed' };
  const changed = (issue: TrackingIssue) =>
    !sameKeys(unacknowledgedKeysIn(issue.body), unexplained.map(portKey)) || !sameKeys(problemKindsIn(issue.body), kinds);
  if (open && changed(open)) return { action: 'updated', healthComment };
  if (!open && (newPorts.length > 0 || kinds.length > 0)) return { action: 'opened' };
  return { action: 'none' };
}

/** Carries out a decision: closes duplicates, opens/updates/closes the tracking issue, then saves the memory. */
export async function publishScheduledAudit(input: ScheduledAuditInput, decision: ScheduledDecision): Promise<ScheduledAuditReport> {
  const { octokit, repo, result, store, stackOrVpcKey, author, log, allowlistPath } = input;
  const { duplicates, plan, newPorts, silent, unexplained, health } = decision;
  let open = decision.open;
  await closeDuplicates(octokit, repo, open, duplicates, author, log);
  const newKeys = new Set(newPorts.map(portKey));
  const drillDown = input.drillDown;
  const body = () => renderIssueBody({ stackOrVpcKey, unacknowledged: unexplained, rows: result.rows, newKeys, window: input.window, allowlistPath, health, drillDown });

  if (plan.action === 'updated') {
    await octokit.rest.issues.update({ ...repo, issue_number: open!.number, body: body() });
    if (plan.comment) await postComment(octokit, repo, open!.number, renderNewPortsComment(newPorts, input.window, drillDown), author, log);
    if (plan.healthComment) await postComment(octokit, repo, open!.number, renderPipelineProblemsComment(health!, input.window), author, log);
  } else if (plan.action === 'closed') {
    const healthy = problemKindsIn(open!.body).length > 0 ? ' and the pipeline is healthy again' : '';
    await closeIssue(octokit, repo, open!.number, `Every port this issue listed is now explained in ${code(allowlistPath)}${healthy}: closing.`, 'completed', author, log);
  } else if (plan.action === 'opened') {
    open = await openTrackingIssue(input, body(), newPorts);
  }
  if (plan.action === 'none') log.info(`Tracking issue: nothing to change${open ? ` (#${open.number} stays as it is)` : ''}.`);
  else log.info(`Tracking issue #${open!.number}: ${plan.action}.`);

  const memory = decision.memory ?? updateMemory(undefined, stackOrVpcKey, [], new Set(), input.now ?? new Date());
  if (decision.memory) {
    await store.save(memory);
    log.info(`Saved the memory of ${memory.ports.size} known ports to ${store.location}.`);
  }
  return { issueNumber: open?.number, issueUrl: open?.url, issueAction: plan.action, newPorts, silent, memory, unexplained, health };
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
  const { octokit, repo, label, stackOrVpcKey, author, log } = input;
  const ours = () => findOpenTrackingIssues(octokit, repo, label, stackOrVpcKey, author, log);
  await ensureLabel(octokit, repo, label, log);
  const mine = await createOnce<TrackingIssue>({
    what: 'the tracking issue',
    create: async () => {
      const { data } = await octokit.rest.issues.create({ ...repo, title: issueTitle(stackOrVpcKey), body, labels: [label] });
      return { number: data.number, body, url: data.html_url };
    },
    // None of ours was open before this run opened one: an open one now is the failed try's (or a racing run's).
    find: async () => (await ours()).at(-1),
    log,
  });
  const winner = (await ours()).find((issue) => issue.number < mine.number);
  if (!winner) return mine;
  log.warning(`Another run opened tracking issue #${winner.number} at the same time; closing #${mine.number} as its duplicate.`);
  await closeIssue(octokit, repo, mine.number, duplicateNote(winner), 'not_planned', author, log);
  const listed = new Set(unacknowledgedKeysIn(winner.body));
  const missing = newPorts.filter((port) => !listed.has(portKey(port)));
  if (missing.length > 0) await postComment(octokit, repo, winner.number, renderNewPortsComment(missing, input.window), author, log);
  return winner;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join(' ') === [...b].sort().join(' ');
}
