// The audit's steps every auditing pipeline (trusted, read-only, pull request) shares, in run order:
//   audit    target -> scope -> parameters -> redaction -> the Athena query, its outputs and warnings
//   health   the pipeline-health readings (not on pull requests)
//   finish   the coverage per account/VPC (organisation audits), REJECT-only notices, the job summary, the
//            egress-rules proposal (input egress-rules), the SARIF file, the fail-on-* gates
// Each pipeline (src/run/*-run.ts) puts its own report between audit and finish.

import * as core from '@actions/core';
import { context } from '@actions/github';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Allowlist } from '../audit/allowlist.js';
import type { Cidr } from '../audit/cidr.js';
import type { PortMemory } from '../audit/known-ports.js';
import { portKey, portRowJson, type PortRow } from '../audit/port-row.js';
import type { AuditParameters } from '../audit/query.js';
import { rejectOnlyNotice } from '../audit/reject-only.js';
import { unitKey } from '../audit/audit-unit.js';
import { coverageJson, describeUnitCoverage, type UnitCoverage } from '../audit/unit-coverage.js';
import type { AwsClients } from '../aws/clients.js';
import { AwsAccessError } from '../aws/errors.js';
import { AthenaEngine } from '../engines/athena.js';
import type { AuditResult, DrillDownResult } from '../engines/engine.js';
import type { HourWindow } from '../flowlog/layout.js';
import { readRepository, tokenLogin } from '../github.js';
import { collectPipelineHealth } from '../health/collect.js';
import { withCoverage, type PipelineHealth } from '../health/judge.js';
import type { UnitFindings } from '../report/unit-sections.js';
import { auditUnits } from './audit-units.js';
import { renderCoverage } from '../report/coverage.js';
import { requireInterfaceId } from '../egress/observed-egress.js';
import { publishEgressRules } from './egress-rules-step.js';
import { renderJobSummary } from '../report/job-summary.js';
import { renderPipelineHealth } from '../report/pipeline-health.js';
import { decideRedaction, Redactor, reportKey, visibilityOf, type RedactionDecision, type ReportKey } from '../report/redaction.js';
import { renderSarif, type SarifInput } from '../report/sarif.js';
import { S3MemoryStore } from '../state/s3-memory-store.js';
import { gitHub, timed, vpcsFileText, type ActionRun } from './action-run.js';
import { auditParameters, lookUpScope, resolveTarget, type AuditTarget, type OrganisationScope, type StackInfo } from './audit-target.js';
import type { ScheduledAuditInput } from './scheduled-run.js';

/** What reports and outputs are given of some data: the data itself, or its redacted copy. */
export type Shown = <T>(data: T) => T;

/** The audit of one run, as the report and finish steps need it. */
export interface Audit {
  readonly target: AuditTarget;
  readonly scope: OrganisationScope;
  readonly parameters: AuditParameters;
  readonly engine: AthenaEngine;
  /** The query's result, as reports may show it (redacted where the run redacts). */
  readonly result: AuditResult;
  readonly decision: RedactionDecision;
  readonly shown: Shown;
  /** The memory's key (and the SARIF file's name): the audited VPC, else the stack. */
  readonly memoryKey: string;
  /** What the tracking issue and the pull-request comment name the audit by (reportKey). */
  readonly reportKey: ReportKey;
}

/** What the report step found, for the summary, the outputs and fail-on-new-port. */
export interface ReportOutcome {
  readonly newPorts: readonly PortRow[];
  readonly silent: boolean;
  readonly unexplained: readonly { port: number; protocol: number }[];
  readonly trackingIssue?: { readonly number: number; readonly url?: string };
  readonly pullRequest?: number;
  /** On read-only runs, why nothing was written. */
  readonly readOnly?: string;
  /** The pipeline's health (scheduled and read-only runs). */
  readonly health?: PipelineHealth;
  /** The drill-down of the new ports, on trusted scheduled runs that found any. */
  readonly drillDown?: DrillDownResult;
  /** The allowlist the ports were judged by, for the SARIF file (read-only runs: the default branch's). */
  readonly judgedBy?: Allowlist;
  /** The port memory as this run left it (scheduled and read-only runs), for the job summary's trend. */
  readonly memory?: PortMemory;
  /** What the run concluded per audit unit (scheduled and read-only runs), for the job summary's per-VPC sections. */
  readonly units?: readonly UnitFindings[];
}

const portsJson = (rows: readonly PortRow[]) => JSON.stringify(rows.map(portRowJson));

/**
 * The audit step: target, organisation scope (the vpcs-file from the workspace, or for read-only runs from
 * `vpcsFileRef`), parameters, redaction, then the one Athena query; sets the stack-id, bucket, top-ports,
 * query-execution-id and data-scanned-bytes outputs and warns of rejected rows and ports left out.
 */
export async function audit(
  run: ActionRun,
  clients: AwsClients,
  options: { readonly pullRequest: boolean; readonly deployed?: StackInfo; readonly vpcsFileRef?: Parameters<typeof vpcsFileText>[1] },
): Promise<Audit> {
  const { settings } = run;
  const target = await resolveTarget(settings, clients, options.pullRequest, options.deployed);
  const scope = await lookUpScope(run, clients, target, await vpcsFileText(run, options.vpcsFileRef));
  const parameters = await auditParameters(run, clients, target, scope);
  // Before any query: a format without interface-id cannot tie a connection to a security group.
  if (settings.egressRules.propose) requireInterfaceId(parameters, 'egress-rules');
  const inside = [...parameters.vpcCidrs, ...(scope.inventory ?? []).flatMap((vpc) => vpc.cidrs)];
  const { decision, shown } = await redaction(run, clients, inside, scope.accounts, target.stackId);
  if (target.stackId) core.setOutput('stack-id', shown(target.stackId));
  core.setOutput('bucket', shown(target.bucket));
  const engine = new AthenaEngine(clients.athena, { workgroup: target.workgroup, timeoutSeconds: settings.queryTimeoutSeconds }, core);
  const result = shown(await timed('The audit query', () => engine.runAudit(parameters)));
  for (const warning of result.rejected) core.warning(warning);
  if (result.portsLeftOut > 0) {
    core.warning(`max-ports: the window has ${result.rows.length + result.portsLeftOut} ports; the ${result.portsLeftOut} least busy beyond the first ${result.rows.length} are neither judged nor remembered. Raise max-ports to judge them.`);
  }
  core.setOutput('top-ports', portsJson(result.rows.slice(0, settings.top)));
  core.setOutput('query-execution-id', result.statistics.queryExecutionId ?? '');
  core.setOutput('data-scanned-bytes', String(result.statistics.bytesScanned));
  const memoryKey = target.vpcId ?? settings.stackName;
  return { target, scope, parameters, engine, result, decision, shown, memoryKey, reportKey: reportKey(memoryKey, shown) };
}

/**
 * Whether this run redacts (the redact input; with auto, the repository's visibility from the event payload, else
 * from the API) and how: the Redactor's key and the account ids it labels come from the caller's identity, the
 * stack's ARN and the organisation's accounts, so labels stay the same from run to run and cannot be reversed by a
 * reader.
 */
export async function redaction(run: ActionRun, clients: AwsClients, vpcCidrs: readonly Cidr[], scopeAccounts: readonly string[], stackId: string | undefined): Promise<{ decision: RedactionDecision; shown: Shown }> {
  const { settings } = run;
  let visibility = visibilityOf((context.payload as { repository?: { visibility?: string; private?: boolean } }).repository);
  if (settings.redact === 'auto' && visibility === undefined && settings.githubToken !== '') {
    visibility = visibilityOf(await readRepository(gitHub(run), context.repo));
  }
  const decision = decideRedaction(settings.redact, visibility);
  if (!decision.redact) return { decision, shown: (data) => data };
  const caller = await clients.sts.send(new GetCallerIdentityCommand({})).catch(() => undefined);
  const own = [caller?.Account, /^arn:[\w-]+:cloudformation:[\w-]+:(\d{12}):/.exec(stackId ?? '')?.[1]].filter((id): id is string => Boolean(id));
  const accountIds = [...new Set(own)];
  const redactor = new Redactor({
    vpcCidrs,
    accountIds: [...new Set([...accountIds, ...scopeAccounts])],
    key: `vpc-port-audit\n${accountIds.join(',')}\n${context.repo.owner}/${context.repo.repo}`,
  });
  core.info(decision.why);
  return { decision, shown: (data) => redactor.value(data) };
}

/**
 * The pipeline-health readings over the audited window: the parts the stack's outputs name (the flow log, one
 * GetMetricData for the rest). Without a stack (an existing table) only the window volume is judged.
 */
export async function checkPipelineHealth(run: ActionRun, clients: AwsClients, target: AuditTarget, window: HourWindow): Promise<NonNullable<ScheduledAuditInput['health']>> {
  const dropThreshold = run.settings.volumeDropThreshold;
  if (!target.stackOutputs) {
    return { dropThreshold, readingsSkipped: 'database, table and workgroup name an existing table, so there is no stack whose flow log, forwarder, Firehose and failure queue could be read.' };
  }
  try {
    const readings = await timed('The pipeline-health check', () => collectPipelineHealth(clients, target.stackOutputs!, window));
    return { dropThreshold, readings };
  } catch (error) {
    // A role bootstrapped before the health check lacks its two read permissions: the audit still runs.
    if (!(error instanceof AwsAccessError)) throw error;
    core.warning(`${error.message} Until then the pipeline's parts are not checked.`);
    return { dropThreshold, readingsSkipped: error.message };
  }
}

/** The input of the tracking-issue report (src/run/scheduled-run.ts), for trusted and read-only runs alike. */
export async function scheduledInput(run: ActionRun, clients: AwsClients, audited: Audit, allowlist: Allowlist | undefined, health: ScheduledAuditInput['health']): Promise<ScheduledAuditInput> {
  const { settings } = run;
  const { target, parameters, result, memoryKey, reportKey } = audited;
  const octokit = gitHub(run);
  return {
    octokit,
    repo: context.repo,
    result,
    units: auditUnits(result),
    top: settings.top,
    window: parameters.window,
    allowlist,
    allowlistPath: settings.allowlistPath,
    ...(settings.egressRules.propose ? { egressRulesUrl: `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/runs/${context.runId}` } : {}),
    store: new S3MemoryStore(clients.s3, target.bucket, memoryKey),
    label: settings.issueLabel,
    stackOrVpcKey: memoryKey,
    issueKey: reportKey.shown,
    earlierIssueKeys: reportKey.earlier,
    author: await tokenLogin(octokit),
    log: core,
    now: run.now,
    collectingBaseline: target.logsSince !== undefined && parameters.window.start < target.logsSince,
    health,
  };
}

/**
 * The finish step: the new-ports output, the REJECT-only notices (warnings and job-summary lines), the job
 * summary, the SARIF file, the pipeline's problems, then the fail-on-pipeline-problem and fail-on-new-port gates.
 */
export async function finish(run: ActionRun, audited: Audit, outcome: ReportOutcome): Promise<void> {
  const { settings } = run;
  const { result, parameters, target, decision, shown, memoryKey, reportKey } = audited;
  core.setOutput('new-ports', portsJson(outcome.newPorts));
  // The proposal matches coverage to its own (raw) rows and is redacted as a whole; reports take the redacted copy.
  const rawCoverage = await checkCoverage(audited, settings.egressRules.propose);
  const coverage = shown(rawCoverage);
  core.setOutput('coverage', JSON.stringify(coverage.map(coverageJson)));
  const named = new Set(audited.scope.rejectOnly.map(unitKey));
  const rejectOnly = [
    ...audited.scope.rejectOnly.map((unit) => shown(rejectOnlyNotice(unit))),
    ...coverage.filter((c) => !named.has(unitKey(c.unit))).flatMap((c) => describeUnitCoverage(c) ?? []),
  ];
  for (const notice of rejectOnly) core.warning(notice);
  const { newPorts, silent, trackingIssue, pullRequest } = outcome;
  const tableRead = shown(`${target.database}.${target.table}: ${parameters.source.partitioning}`);
  const summary = { result, top: settings.top, window: parameters.window, newPorts, silent, trackingIssue, pullRequest, tableRead, readOnly: outcome.readOnly, drillDown: outcome.drillDown, memory: outcome.memory, units: outcome.units };
  if (decision.redact) core.summary.addRaw(`> [!NOTE]\n> ${decision.why}\n\n`);
  for (const notice of rejectOnly) core.summary.addRaw(`> [!WARNING]\n> ${notice}\n\n`);
  await core.summary.addRaw(renderJobSummary(summary)).write();
  if (coverage.length > 0) await core.summary.addRaw(`${renderCoverage(coverage, '##')}\n\n`).write();
  if (settings.egressRules.propose) await publishEgressRules(run, audited, rawCoverage, outcome.judgedBy);
  // Results are annotated on pull requests that anyone who can read the repository sees: the scope is redacted as the issue's key is.
  const sarif = { rows: result.rows, units: result.units, allowlist: outcome.judgedBy, allowlistUri: settings.allowlistPath, scope: reportKey.shown, window: parameters.window };
  core.setOutput('sarif-file', await writeSarifFile(sarif, memoryKey));

  const health = outcome.health && coverage.length > 0 ? withCoverage(outcome.health, coverage) : outcome.health;
  const pipelineProblems = health?.problems ?? [];
  for (const problem of pipelineProblems.filter((p) => p.kind !== 'not-auditable')) core.warning(`Pipeline health: ${problem.part}: ${problem.detail}`);
  if (pipelineProblems.length > 0) await core.summary.addRaw(renderPipelineHealth(health!, '##')).write();
  if (settings.failOnPipelineProblem && pipelineProblems.length > 0) {
    core.setFailed(`fail-on-pipeline-problem: the pipeline has ${pipelineProblems.length} problem(s): ${[...new Set(pipelineProblems.map((p) => p.part))].join(', ')}; see the warnings and the job summary.`);
  }
  if (settings.failOnNewPort && outcome.unexplained.length > 0) {
    // A port unexplained in several VPCs is named once (the job summary and the issue say where).
    const ports = [...new Set(outcome.unexplained.map(portKey))];
    core.setFailed(
      `fail-on-new-port: ${ports.length} port(s) are not explained yet: ${ports.join(', ')}; ` +
        `add them to ${settings.allowlistPath} with a reason.`,
    );
  }
}

/**
 * The coverage step of an organisation audit (a VPC inventory, or more than one unit counted) and of every egress-rules
 * proposal (`always`: a REJECT-only flow log must refuse the proposal, not leave it empty): one more Athena query over
 * the audit's table and window (audit/unit-coverage.ts: per account/VPC the records, files, versions, ACCEPT and
 * REJECT), so that a unit whose flow log records REJECT only, or an inventory VPC without records, is named. It reads
 * the window's partitions again (text objects whole: the audit's bytes once more; Parquet only the few columns it
 * names). Otherwise [] for one VPC's audit, whose flow logs ec2:DescribeFlowLogs already judged.
 */
async function checkCoverage(audited: Audit, always: boolean): Promise<readonly UnitCoverage[]> {
  const inventory = audited.scope.inventory ?? [];
  if (!always && inventory.length === 0 && audited.result.units.length <= 1) return [];
  const { units } = await timed('The coverage query', () => audited.engine.runCoverage(audited.parameters, inventory));
  return units;
}

/**
 * Writes the audit as SARIF (report/sarif.ts) beside the job summary, in the runner's temporary folder
 * (RUNNER_TEMP, emptied after each job; the system's outside a runner), named after the audited VPC or stack so
 * that two audits in one job keep both; returns its path for the `sarif-file` output.
 */
async function writeSarifFile(input: SarifInput, key: string): Promise<string> {
  const path = join(process.env.RUNNER_TEMP || tmpdir(), `vpc-port-audit-${key}.sarif`);
  await writeFile(path, renderSarif(input));
  core.info(`Wrote the audit as SARIF to ${path} (output sarif-file).`);
  return path;
}
