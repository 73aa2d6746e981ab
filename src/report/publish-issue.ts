// Publishing a scheduled run's decision on GitHub: finds our open tracking issues (label, hidden marker and
// author; never the title), then brings the tracking issue the memory names in line with the decision: open it,
// update it (with a comment for new ports or new pipeline problems, so watchers are notified), close it, or leave
// it. Runs that race to open one converge (lowest number wins, later ones close themselves), never on an issue
// that was open before the run and that the memory does not name. Every GitHub call goes through the GitHub
// helper (src/github.ts).

import { portKey, type PortRow } from '../audit/port-row.js';
import type { PortDrillDown, UnitDrillDown } from '../audit/drill-down.js';
import { unitPortToken, type PortMemory, type RememberedPort } from '../audit/known-ports.js';
import type { HourWindow } from '../flowlog/layout.js';
import type { PipelineHealth } from '../health/judge.js';
import { closeIssue, createIssue, createOnce, ensureLabel, listOpenIssues, postComment, updateIssue, type GitHubClient, type RepoRef } from '../github.js';
import type { Logger } from '../log.js';
import { code } from './markdown.js';
import type { UnitFindings } from './unit-sections.js';
import { problemKindsIn, renderPipelineProblemsComment } from './pipeline-health.js';
import { duplicateNote, issueTitle, renderIssueBody, renderNewPortsComment, trackingMarker, unacknowledgedKeysIn, type TrackingIssue } from './tracking-issue.js';

export type IssueAction = 'none' | 'opened' | 'updated' | 'closed';

/**
 * What publishing does to the tracking issue: its action, and whether an update also comments the new ports
 * (`comment`) or the pipeline problems the issue did not show yet (`healthComment`), so watchers are notified.
 */
export type IssuePlan = { readonly action: IssueAction; readonly comment?: boolean; readonly healthComment?: boolean };

/** Where the tracking issue lives and who we are there. */
export interface IssueTarget {
  readonly octokit: GitHubClient;
  readonly repo: RepoRef;
  readonly label: string;
  /**
   * What the issue's title, text and hidden marker name the audited VPC or stack by: the memory key, redacted where
   * the run redacts (its VPC and account ids as the redaction's labels), so a public repository's issue names none.
   */
  readonly issueKey: string;
  /**
   * Keys whose markers earlier runs wrote on the same issue (the unredacted memory key, before titles and markers
   * were redacted): an issue marked with one is found too, and its next update writes the marker of `issueKey`.
   */
  readonly earlierIssueKeys?: readonly string[];
  /** The login of the token's account (see tokenLogin): only issues and comments it wrote are ours. */
  readonly author: string;
  readonly log: Logger;
}

/** What a run decided about the tracking issue (src/run/decide.ts extends it with the memory). */
export interface IssueDecision {
  /** The tracking issue the run works on (the one the port memory names), if it is open. */
  readonly open?: TrackingIssue;
  /** Numbers of the other open issues with our label and marker: never adopted, updated or closed. */
  readonly unnamed: readonly number[];
  readonly plan: IssuePlan;
  /** The new ports, one per (port, protocol), in rank order (a port new in several units once: see `units` for where). */
  readonly newPorts: readonly PortRow[];
  /** Every unit's ports reported and still not in the allowlist, unit after unit: what the issue lists. */
  readonly unexplained: readonly RememberedPort[];
  /** The same, unit by unit: the window's units in the audit's order, then units whose listed ports the window did not see. */
  readonly units: readonly UnitFindings[];
  /** The pipeline's health, when the run judged it. */
  readonly health?: PipelineHealth;
}

/** What the tracking issue shows: the decision, the window's ports and the drill-down of the new ports. */
interface IssueContent extends IssueDecision {
  /** Every port of the window, in rank order. */
  readonly rows: readonly PortRow[];
  /** How many of them the top list shows; new ports below it get their own section. */
  readonly top: number;
  readonly window: HourWindow;
  /** Shown in the issue as the file to edit (the allowlist input, whether or not the file exists yet). */
  readonly allowlistPath: string;
  /** The run whose job summary proposes egress rules (IssueBodyInput.egressRulesUrl). */
  readonly egressRulesUrl?: string;
  /** Who opened the new ports (the drill-down step), with their sources' names. */
  readonly drillDown?: readonly PortDrillDown[];
  /** The same per unit (see IssueBodyInput.unitDrillDowns). */
  readonly unitDrillDowns?: readonly UnitDrillDown[];
  /** The memory after this run, for the trend chart. */
  readonly memory?: PortMemory;
}

/**
 * Our open tracking issues for this key, lowest number first: open, with the label and the marker (of `issueKey`
 * or of one of `earlierIssueKeys`), and opened by `author` (the token's account). Marked issues someone else opened are named in a warning and left alone.
 */
export async function findOpenTrackingIssues(target: IssueTarget): Promise<TrackingIssue[]> {
  const { octokit, repo, label, issueKey, author, log } = target;
  const markers = [issueKey, ...(target.earlierIssueKeys ?? [])].map(trackingMarker);
  const marked = (await listOpenIssues(octokit, repo, label, author)).filter((issue) => markers.some((marker) => issue.body.includes(marker)));
  for (const planted of marked.filter((issue) => !issue.ours)) {
    log.warning(`Issue #${planted.number} carries this action's tracking marker but was opened by ${planted.login}, not ${author}: left alone.`);
  }
  return marked.filter((issue) => issue.ours).map(({ number, title, body, url }) => ({ number, title, body, url }));
}

/** Opens, updates, closes or leaves the tracking issue; returns it (if any). */
export async function publishTrackingIssue(target: IssueTarget, content: IssueContent): Promise<TrackingIssue | undefined> {
  const { octokit, repo, author, log } = target;
  const { plan, newPorts, unexplained, health, rows, top, window, allowlistPath, drillDown, unitDrillDowns, memory, units, egressRulesUrl } = content;
  let open = content.open;
  const newKeys = new Set(newPorts.map(portKey));
  const title = issueTitle(target.issueKey, unexplained.length);
  const body = () => renderIssueBody({ stackOrVpcKey: target.issueKey, unacknowledged: unexplained, rows, top, newKeys, window, allowlistPath, health, drillDown, unitDrillDowns, memory, units, egressRulesUrl });

  if (plan.action === 'updated') {
    // The title follows what the issue is open for (ports, or only the pipeline); unchanged, it is not sent.
    await updateIssue(octokit, repo, open!.number, { body: body(), ...(open!.title === title ? {} : { title }) });
    if (plan.comment) await postComment(octokit, repo, open!.number, renderNewPortsComment(newPorts, window, drillDown, units), author, log);
    if (plan.healthComment) await postComment(octokit, repo, open!.number, renderPipelineProblemsComment(health!, window), author, log);
  } else if (plan.action === 'closed') {
    await closeIssue(octokit, repo, open!.number, closingNote(open!.body, allowlistPath), 'completed', author, log);
  } else if (plan.action === 'opened') {
    open = await openTrackingIssue(target, title, body(), units, window, drillDown ?? [], new Set(content.unnamed));
  }
  if (plan.action === 'none') log.info(`Tracking issue: nothing to change${open ? ` (#${open.number} stays as it is)` : ''}.`);
  else log.info(`Tracking issue #${open!.number}: ${plan.action}.`);
  return open;
}

/**
 * The comment that closes a tracking issue, by what its body listed: ports (now explained in the allowlist),
 * pipeline problems (now gone), or both. A body with neither marker (an issue written before pipeline health
 * was tracked) listed ports.
 */
function closingNote(body: string, allowlistPath: string): string {
  const ports = `Every port this issue listed is now explained in ${code(allowlistPath)}`;
  const listedPorts = unacknowledgedKeysIn(body).length > 0;
  if (problemKindsIn(body).length === 0) return `${ports}: closing.`;
  return listedPorts ? `${ports} and the pipeline is healthy again: closing.` : 'The pipeline is healthy again: closing.';
}

/**
 * Opens the tracking issue, then converges when runs race: after creating, list again; the lowest-numbered
 * open tracking issue wins. A run whose issue lost closes it as a duplicate and, if the winner does not list
 * some of its new ports, names them in a comment there with their drill-down, who opened them (comments
 * append; concurrent body edits would overwrite each other). Every racing run applies the same rule, so one
 * issue stays open; the next run, which treats the ports an open issue lists as unacknowledged, brings the
 * winner's body up to date. Issues in `unnamed` (open before this run, and not named by the memory) never win.
 */
async function openTrackingIssue(
  target: IssueTarget,
  title: string,
  body: string,
  units: readonly UnitFindings[],
  window: HourWindow,
  drillDown: readonly PortDrillDown[],
  unnamed: ReadonlySet<number>,
): Promise<TrackingIssue> {
  const { octokit, repo, label, author, log } = target;
  const ours = async () => (await findOpenTrackingIssues(target)).filter((issue) => !unnamed.has(issue.number));
  await ensureLabel(octokit, repo, label, log);
  const mine = await createOnce<TrackingIssue>({
    what: 'the tracking issue',
    create: async () => ({ ...(await createIssue(octokit, repo, { title, body, labels: [label] })), title, body }),
    // None of ours was open before this run opened one: an open one now is the failed try's (or a racing run's).
    find: async () => (await ours()).at(-1),
    log,
  });
  const winner = (await ours()).find((issue) => issue.number < mine.number);
  if (!winner) return mine;
  log.warning(`Another run opened tracking issue #${winner.number} at the same time; closing #${mine.number} as its duplicate.`);
  await closeIssue(octokit, repo, mine.number, duplicateNote(winner), 'not_planned', author, log);
  const listed = new Set(unacknowledgedKeysIn(winner.body));
  const missingUnits = units.map((u) => ({ ...u, newPorts: u.newPorts.filter((port) => !listed.has(unitPortToken(u.unit, port))) }));
  const missing = missingUnits.flatMap((u) => u.newPorts);
  // The drill-down is not per unit: a port's goes along while it is missing in any unit.
  const missingDrillDown = drillDown.filter((port) => missing.some((m) => portKey(m) === portKey(port)));
  if (missing.length > 0) await postComment(octokit, repo, winner.number, renderNewPortsComment(missing, window, missingDrillDown, missingUnits), author, log);
  return winner;
}
