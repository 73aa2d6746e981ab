// A scheduled run's report, as one visible sequence of named steps:
//   1. load     the port memory (S3) and our open tracking issues (GitHub reads)
//   2. decide   what is new, what the memory becomes, what the issue needs (src/run/decide.ts; no I/O)
//   3. drill    into the new ports: one more query, only when there are any, with their sources' names
//   4. publish  the tracking issue (src/report/publish-issue.ts)
//   5. save     the memory, naming the tracking issue that stays open (the only one a later run adopts), last:
//               a failed GitHub call leaves the port new for the next run instead of losing it
// Read-only runs stop after step 2 and show the decision in their job summary.

import type { Allowlist } from '../audit/allowlist.js';
import type { UnitPorts } from '../audit/audit-unit.js';
import { rememberedCount, updateMemory, type PortMemory, type RememberedPort } from '../audit/known-ports.js';
import type { PortRow } from '../audit/port-row.js';
import type { AuditResult, DrillDownResult } from '../engines/engine.js';
import type { HourWindow } from '../flowlog/layout.js';
import type { GitHubClient, RepoRef } from '../github.js';
import type { PipelineHealth } from '../health/judge.js';
import type { Logger } from '../log.js';
import { findOpenTrackingIssues, publishTrackingIssue, type IssueAction, type IssueTarget } from '../report/publish-issue.js';
import type { TrackingIssue } from '../report/tracking-issue.js';
import type { UnitFindings } from '../report/unit-sections.js';
import type { MemoryLoad, MemoryStore } from '../state/memory-store.js';
import { decide, type HealthInput, type ScheduledDecision } from './decide.js';

export interface ScheduledAuditInput {
  readonly octokit: GitHubClient;
  readonly repo: RepoRef;
  /** The audit: every port of the window, in rank order (its top list is the issue's, over every unit). */
  readonly result: AuditResult;
  /** The audit's ports per unit (account, region, VPC: auditUnits(result)), each judged and remembered in its unit wherever it ranks. */
  readonly units: readonly UnitPorts[];
  /** How many ports the tracking issue's top list shows; new ports below it get their own section. */
  readonly top: number;
  readonly window: HourWindow;
  readonly allowlist: Allowlist | undefined;
  /** Shown in the issue as the file to edit (the allowlist input, whether or not the file exists yet). */
  readonly allowlistPath: string;
  /** The run whose job summary will hold the egress-rules proposal (input egress-rules): the tracking issue links to it. */
  readonly egressRulesUrl?: string;
  readonly store: MemoryStore;
  readonly label: string;
  /** The memory's key (the audited VPC, else the stack): never shown; the issue names IssueTarget's issueKey. */
  readonly stackOrVpcKey: string;
  /** See IssueTarget. */
  readonly issueKey: string;
  readonly earlierIssueKeys?: readonly string[];
  /** The login of the token's account (see tokenLogin): only issues and comments it wrote are ours. */
  readonly author: string;
  readonly log: Logger;
  readonly now?: Date;
  /** See DecideInput.collectingBaseline. */
  readonly collectingBaseline?: boolean;
  /** The pipeline-health readings and threshold. Absent: health is not judged and no volume is recorded. */
  readonly health?: HealthInput;
  /** The drill-down step: who opened the new ports (the engine's query, the sources named). Absent: no drill-down. */
  readonly drillDown?: (newPorts: readonly PortRow[]) => Promise<DrillDownResult>;
  /** True for a read-only run: load and decide, write nothing. */
  readonly readOnly?: boolean;
}

interface ScheduledAuditReport {
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
  /** The drill-down of the new ports, when step 3 ran. */
  readonly drillDown?: DrillDownResult;
  /** What the run concluded per audit unit (see ScheduledDecision). */
  readonly units: readonly UnitFindings[];
}

/** Runs the steps; read-only runs stop after deciding. */
export async function runScheduledAudit(input: ScheduledAuditInput): Promise<ScheduledAuditReport> {
  const now = input.now ?? new Date();
  const github: IssueTarget = input;

  const { loaded, tracking } = await load(input.store, github);
  const decision = decide({ ...input, loaded, location: input.store.location, tracking, now });
  if (input.readOnly) return reportOf(decision, decision.open, 'none', emptyOr(decision.memory, input.stackOrVpcKey, now));

  const drillDown = decision.newPorts.length > 0 ? await input.drillDown?.(decision.newPorts) : undefined;
  const issue = await publishTrackingIssue(github, { ...decision, rows: input.result.rows, top: input.top, window: input.window, memory: decision.memory, allowlistPath: input.allowlistPath, egressRulesUrl: input.egressRulesUrl, drillDown: drillDown?.ports, unitDrillDowns: drillDown?.units });
  const memory = await save(input.store, namingIssue(decision.memory, decision.plan.action === 'closed' ? undefined : issue, input.stackOrVpcKey, now), input.log);
  return { ...reportOf(decision, issue, decision.plan.action, emptyOr(memory, input.stackOrVpcKey, now)), drillDown };
}

/** Step 1: the stored memory and our open tracking issues (reads only). */
async function load(store: MemoryStore, github: IssueTarget): Promise<{ loaded: MemoryLoad; tracking: TrackingIssue[] }> {
  const loaded = await store.load();
  return { loaded, tracking: await findOpenTrackingIssues(github) };
}

/**
 * The memory to save, naming the issue that stays open (or none). A run that opened an issue before any traffic
 * was seen (pipeline problems) has no baseline to save: it saves a memory with no ports, only to name the issue.
 */
function namingIssue(memory: PortMemory | undefined, issue: TrackingIssue | undefined, key: string, now: Date): PortMemory | undefined {
  // updateMemory does not carry the previous memory's trackingIssue: a run names only the issue it leaves open.
  const base = memory ?? (issue ? emptyOr(undefined, key, now) : undefined);
  return base && issue ? { ...base, trackingIssue: issue.number } : base;
}

/** Step 5: saves the decided memory; nothing when there is nothing to save yet (a first run that saw no traffic). */
async function save(store: MemoryStore, memory: PortMemory | undefined, log: Logger): Promise<PortMemory | undefined> {
  if (!memory) return undefined;
  await store.save(memory);
  log.info(`Saved the memory of ${rememberedCount(memory)} known ports (${memory.units.size} unit${memory.units.size === 1 ? '' : 's'}) to ${store.location}.`);
  return memory;
}

/** The memory as decided, or an empty one when there is none yet. */
const emptyOr = (memory: PortMemory | undefined, key: string, now: Date) => memory ?? updateMemory(undefined, key, [], new Set(), now);

function reportOf(decision: ScheduledDecision, issue: TrackingIssue | undefined, issueAction: IssueAction, memory: PortMemory): ScheduledAuditReport {
  const { newPorts, silent, unexplained, health, units } = decision;
  return { issueNumber: issue?.number, issueUrl: issue?.url, issueAction, newPorts, silent, memory, unexplained, health, units };
}
