// The decide step of a scheduled run (src/run/scheduled-run.ts): from what the run read (every port of every
// audit unit of the window, whatever its rank; the allowlist, the stored port memory and our open tracking
// issues), what is new in each unit (a port known in VPC A is still new in VPC B; a new VPC's first window is
// its baseline),
// what the memory becomes and what the tracking issue needs. No I/O: it only logs how far it trusts the stored memory. The tracking issue is
// the one the memory names (any workflow of the repository can write an issue with our label and marker as the
// same bot): others are named in a warning and left alone, and a run without a usable memory starts a baseline
// from its own ports, never from an issue. Ports the adopted issue lists stay unacknowledged even if the
// memory forgot them; the pipeline's health is judged here (the memory holds the earlier windows' volumes), and
// its problems keep or open the issue.
// Before any step, decideRunKind decides which kind of action run this is (src/main.ts runs its pipeline).

import type { Allowlist } from '../audit/allowlist.js';
import { unitKey, type AuditUnit, type UnitPorts } from '../audit/audit-unit.js';
import {
  adoptUnattributed,
  assessUnits,
  markReported,
  newPortTokens,
  recordWindowVolume,
  rememberedCount,
  unacknowledgedByUnit,
  unitPortToken,
  updateMemory,
  UNATTRIBUTED,
  type MemoryState,
  type PortMemory,
  type UnitAssessment,
  type UnitUnacknowledged,
} from '../audit/known-ports.js';
import { sumOverUnits, type PortRow } from '../audit/port-row.js';
import type { HourWindow } from '../flowlog/layout.js';
import { judgePipelineHealth, windowVolume, type HealthJudgeInput, type PipelineHealth } from '../health/judge.js';
import type { Logger } from '../log.js';
import type { IssueDecision, IssuePlan } from '../report/publish-issue.js';
import type { UnitFindings } from '../report/unit-sections.js';
import { problemKinds, problemKindsIn } from '../report/pipeline-health.js';
import { unacknowledgedKeysIn, type TrackingIssue } from '../report/tracking-issue.js';
import type { MemoryLoad } from '../state/memory-store.js';
import { forkPullRequestNotice, type PullRequestPayload } from '../report/pr-comment.js';
import type { RunTrust } from '../report/run-trust.js';
import type { Settings } from '../settings.js';

/** The pipeline-health readings and threshold; the window's volume and the memory's earlier volumes are added here. */
export type HealthInput = Omit<HealthJudgeInput, 'volume' | 'history'>;

interface DecideInput {
  /** Every port of the window the audit returned, per unit, in rank order: each is judged, and remembered, in its unit. */
  readonly units: readonly UnitPorts[];
  readonly window: HourWindow;
  readonly allowlist: Allowlist | undefined;
  /** The stored memory as loaded, and where it lives (for log lines). */
  readonly loaded: MemoryLoad;
  readonly location: string;
  /** Our open tracking issues (label, marker, author), lowest number first; only the one the memory names is adopted. */
  readonly tracking: readonly TrackingIssue[];
  readonly stackOrVpcKey: string;
  readonly now: Date;
  /**
   * True while the window reaches back before the flow logs began (a young stack): without an allowlist the
   * run then only adds what it sees to the baseline, silently, so a partial first window alerts nothing later.
   */
  readonly collectingBaseline?: boolean;
  /** Absent: health is not judged and no volume is recorded. */
  readonly health?: HealthInput;
  readonly log: Logger;
}

/** What a scheduled run concluded, before anything is written. */
export interface ScheduledDecision extends IssueDecision {
  /** True when this run only records a baseline (first run without an allowlist, or a rebuilt memory). */
  readonly silent: boolean;
  /** The memory to save; undefined when there is nothing to save yet (a first run that saw no traffic). */
  readonly memory?: PortMemory;
}

/** Decides what is new, what the memory becomes and what the tracking issue needs. */
export function decide(input: DecideInput): ScheduledDecision {
  const { units, allowlist, stackOrVpcKey, now, log } = input;
  const rows = units.flatMap((u) => u.rows);
  const { open, unnamed } = adoptTrackingIssue(input.loaded, input.tracking, input.location, log);
  const { state, bareUnit } = memoryState(input.loaded, units, input.location, log);
  const volume = input.collectingBaseline ? undefined : windowVolume(rows, input.window);
  const history = state.kind === 'loaded' ? (state.memory.volumes ?? []) : [];
  const health = input.health && judgePipelineHealth({ ...input.health, volume, history });
  if (state.kind === 'first-run' && rows.length === 0) {
    // A baseline of nothing would make every port of the first real traffic "new": wait for data instead.
    log.info('The window has no outbound flows yet (a new stack needs about an hour): the baseline waits for the first run that sees traffic.');
    return { open, unnamed, plan: planIssue(open, [], [], health), newPorts: [], silent: true, unexplained: [], units: [], health };
  }
  const baselineOnly = input.collectingBaseline && !allowlist;
  if (baselineOnly) log.info('The window starts before the flow logs do: adding what this run sees to the baseline, silently.');
  const assessed = baselineOnly ? units.map(({ unit }) => ({ unit, newPorts: [], silent: true, firstWindow: false })) : assessUnits(units, allowlist, state);
  for (const a of assessed.filter((a) => a.firstWindow && a.silent)) log.info(`First window of ${unitKey(a.unit)}: its ports are its baseline, none is reported.`);
  const silent = baselineOnly || state.kind === 'rebuild' || (state.kind === 'first-run' && !allowlist);
  const updated = updateMemory(state.kind === 'loaded' ? state.memory : undefined, stackOrVpcKey, units, newPortTokens(assessed), now, input.window);
  const reported = open ? markReported(updated, unacknowledgedKeysIn(open.body), now, bareUnit) : updated;
  const memory = health && volume ? recordWindowVolume(reported, volume) : reported;
  const unacknowledged = unacknowledgedByUnit(memory, allowlist);
  const findings = unitFindings(units, assessed, unacknowledged);
  const newPorts = distinctNewPorts(findings);
  const unexplained = findings.flatMap((f) => f.unexplained);
  return { open, unnamed, plan: planIssue(open, findings, unacknowledged, health), newPorts, silent, memory, unexplained, units: findings, health };
}

/**
 * What each unit shows: the units of the window in the audit's order, then units only the memory holds that still
 * have unacknowledged ports (a VPC quiet this window keeps its listed ports).
 */
function unitFindings(units: readonly UnitPorts[], assessed: readonly UnitAssessment[], unacknowledged: readonly UnitUnacknowledged[]): UnitFindings[] {
  const listed = new Map(unacknowledged.map((u) => [unitKey(u.unit), u.ports]));
  const seen = units.map(({ unit, rows, portsLeftOut }, i) => ({
    unit,
    rows,
    portsLeftOut,
    newPorts: assessed[i]!.newPorts,
    firstWindow: assessed[i]!.firstWindow,
    unexplained: listed.get(unitKey(unit)) ?? [],
  }));
  const seenKeys = new Set(units.map(({ unit }) => unitKey(unit)));
  const quiet = unacknowledged
    .filter((u) => !seenKeys.has(unitKey(u.unit)))
    .map(({ unit, ports }) => ({ unit, rows: [], portsLeftOut: 0, newPorts: [], firstWindow: false, unexplained: ports }));
  return [...seen, ...quiet];
}

/**
 * The run's new ports, one per (port, protocol) (the action's `new-ports` output, the drill-down's ports): with
 * several units, a port new in two VPCs is one row, its counts summed over the VPCs where it is new
 * (sumOverUnits), in rank order; one unit's as the audit ranked them. Which VPCs is the findings' detail.
 */
function distinctNewPorts(findings: readonly UnitFindings[]): readonly PortRow[] {
  if (findings.length <= 1) return findings[0]?.newPorts ?? [];
  return sumOverUnits(findings.map((f) => ({ unit: f.unit, rows: f.newPorts, portsLeftOut: 0 })));
}

/** The hidden line's tokens of every unit's unacknowledged ports. */
const tokensOf = (unacknowledged: readonly UnitUnacknowledged[]) => unacknowledged.flatMap(({ unit, ports }) => ports.map((p) => unitPortToken(unit, p)));

/**
 * What the tracking issue needs: new ports (in any unit) update it with a comment (or open it); a changed list of
 * unacknowledged ports or of pipeline problems updates it; nothing left to list (no port, no problem) closes it.
 * Without a health verdict (no health input), the problems the issue shows count as unchanged.
 */
function planIssue(open: TrackingIssue | undefined, findings: readonly UnitFindings[], unacknowledged: readonly UnitUnacknowledged[], health: PipelineHealth | undefined): IssuePlan {
  const anyNew = findings.some((f) => f.newPorts.length > 0);
  const kinds = health ? problemKinds(health) : open ? problemKindsIn(open.body) : [];
  const healthComment = open !== undefined && kinds.some((kind) => !problemKindsIn(open.body).includes(kind));
  if (open && anyNew) return { action: 'updated', comment: true, healthComment };
  if (open && unacknowledged.length === 0 && kinds.length === 0) return { action: 'closed' };
  const changed = (issue: TrackingIssue) =>
    !sameKeys(unacknowledgedKeysIn(issue.body), tokensOf(unacknowledged)) || !sameKeys(problemKindsIn(issue.body), kinds);
  if (open && changed(open)) return { action: 'updated', healthComment };
  if (!open && (anyNew || kinds.length > 0)) return { action: 'opened' };
  return { action: 'none' };
}

/**
 * The tracking issue to work on: the open one of ours whose number the loaded memory names. Every other open
 * issue with our label and marker is named in a warning and left alone (`unnamed`): never adopted, updated,
 * closed or read for known ports.
 */
function adoptTrackingIssue(loaded: MemoryLoad, tracking: readonly TrackingIssue[], location: string, log: Logger) {
  const named = loaded.status === 'ok' ? loaded.memory.trackingIssue : undefined;
  const open = tracking.find((issue) => issue.number === named);
  const unnamed = tracking.filter((issue) => issue !== open);
  const names = named === undefined ? 'no tracking issue' : `#${named}`;
  for (const issue of unnamed) {
    log.warning(
      `Issue #${issue.number} carries this action's label and tracking marker, but the port memory at ${location} names ${names}: ` +
        'left alone (never adopted, updated or closed); close it if no run of this action opened it.',
    );
  }
  return { open, unnamed: unnamed.map((issue) => issue.number) };
}

/**
 * Decides how far to trust the stored memory, naming every problem in a warning. A memory that holds no ports
 * (saved only to name an issue opened before any traffic was seen) is no baseline yet: the run is a first run. A
 * loaded memory is taken over by the run's units (adoptUnattributed); `bareUnit` is what a bare port of the
 * issue's hidden line stands for.
 */
function memoryState(loaded: MemoryLoad, units: readonly UnitPorts[], location: string, log: Logger): { state: MemoryState; bareUnit: AuditUnit } {
  const bareUnit = UNATTRIBUTED;
  if (loaded.status === 'ok') {
    loaded.warnings.forEach((warning) => log.warning(warning));
    if (rememberedCount(loaded.memory) > 0) {
      const adopted = adoptUnattributed(loaded.memory, units.map((u) => u.unit));
      return { state: { kind: 'loaded', memory: adopted.memory }, bareUnit: adopted.bareUnit };
    }
    log.info(`The port memory at ${location} holds no ports yet: this run records the baseline.`);
    return { state: { kind: 'first-run' }, bareUnit };
  }
  if (loaded.status === 'corrupt') {
    log.warning(`${loaded.problem}. Rebuilding it from this run's ports alone; no ports are reported this run.`);
    return { state: { kind: 'rebuild', reason: loaded.problem }, bareUnit };
  }
  log.info(`No port memory at ${location}: this run starts the baseline from its own ports.`);
  return { state: { kind: 'first-run' }, bareUnit };
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join(' ') === [...b].sort().join(' ');
}

/** The kinds of action run (src/main.ts runs one pipeline per kind, each a module under src/run/). */
export type RunKind =
  /** A pull request from a fork: no OIDC token, a read-only token; a notice and nothing else. */
  | { readonly kind: 'fork-notice'; readonly notice: string }
  /** A run with nothing to do for its mode (deploy on a pull request or on a read-only run): a notice only. */
  | { readonly kind: 'nothing'; readonly notice: string }
  /** mode redrive (src/run/redrive-run.ts; runs that may not write only say so). */
  | { readonly kind: 'redrive'; readonly trust: RunTrust }
  /** mode deploy on a run that may write (src/run/deploy-run.ts). */
  | { readonly kind: 'deploy' }
  /** pull_request: audit, then the sticky comment (src/run/pull-request-run.ts). */
  | { readonly kind: 'pull-request'; readonly pullNumber: number; readonly baseSha?: string }
  /** Any other run that may not write: audit and decide as the default branch would, write nothing (src/run/read-only-run.ts). */
  | { readonly kind: 'read-only'; readonly notice: string; readonly defaultBranch?: string }
  /** A run of the default branch: (deploy,) audit, then the tracking issue and the memory (src/run/trusted-run.ts). */
  | { readonly kind: 'trusted' };

/** What decideRunKind needs of the run: its mode, event, trust and (pull_request) payload. */
export interface RunKindInput {
  readonly mode: Settings['mode'];
  readonly eventName: string;
  readonly trust: RunTrust;
  readonly payload: PullRequestPayload;
}

/**
 * The kind of this run, decided before any step: a fork's pull request ends with its notice (reading no file of
 * the workspace, so a fork's broken allowlist cannot fail it); mode redrive is its own pipeline; pull requests
 * never deploy; a run off the default branch only reads.
 */
export function decideRunKind({ mode, eventName, trust, payload }: RunKindInput): RunKind {
  const pullNumber = eventName === 'pull_request' ? payload.pull_request?.number : undefined;
  const forkNotice = eventName === 'pull_request' ? forkPullRequestNotice(payload) : undefined;
  if (forkNotice) return { kind: 'fork-notice', notice: forkNotice };
  if (mode === 'redrive') return { kind: 'redrive', trust };
  if (mode === 'deploy' && eventName === 'pull_request') {
    return { kind: 'nothing', notice: 'mode deploy does nothing on pull_request: pull requests never deploy. Nothing failed.' };
  }
  if (pullNumber !== undefined) return { kind: 'pull-request', pullNumber, baseSha: payload.pull_request?.base?.sha };
  if (!trust.trusted) {
    const notice =
      `Read-only run: ${trust.reason}, so this run neither deploys nor changes the tracking issue or the port memory; ` +
      'ports are judged against the memory and the default branch\'s allowlist. Runs of the default branch write.';
    return mode === 'deploy' ? { kind: 'nothing', notice } : { kind: 'read-only', notice, defaultBranch: trust.defaultBranch };
  }
  return mode === 'deploy' ? { kind: 'deploy' } : { kind: 'trusted' };
}
