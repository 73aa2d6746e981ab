// One action run: settings -> (deploy) -> audit -> report -> outputs. Runs of the default branch (schedule;
// workflow_dispatch and push there) deploy the input `pipeline` (cloudwatch-firehose or s3-parquet: one template)
// and run the tracking-issue report as named steps (src/run/scheduled-run.ts: load memory -> decide -> drill down
// -> publish -> save); pull_request runs the sticky
// comment; every other run (pull_request_target, other branches) is a read-only audit judged against the
// memory and the default branch's allowlist, with a notice saying why nothing was written. mode `deploy`
// stops after the stack; mode `redrive` only replays the stack's failed batches (src/pipeline/redrive.ts), on
// the default branch. Scheduled and read-only runs also check the pipeline's health (health/): problems warn,
// show in the job summary and (trusted runs) in the tracking issue. On public repositories (input `redact`) the
// audit's, drill-down's and health check's data are redacted (src/report/redaction.ts) before any report or
// output sees them. Every user-caused problem ends the run with one clear message and a failed step.

import * as core from '@actions/core';
import { context } from '@actions/github';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAllowlist, parseAllowlist, type Allowlist } from './audit/allowlist.js';
import type { PortMemory } from './audit/known-ports.js';
import type { AuditParameters } from './audit/query.js';
import { onVpc, stackTableShape, type TableRef, type TableShape } from './audit/table-shape.js';
import { parquetStackTableShape } from './audit/parquet-stack-table.js';
import { portKey, portRowJson, type PortRow } from './audit/port-row.js';
import { createAwsClients, createRedriveClients, type AwsClients } from './aws/clients.js';
import { AwsAccessError } from './aws/errors.js';
import { lookUpSourceNames, withSourceNames } from './aws/source-names.js';
import { parseVpcId } from './aws/names.js';
import { describeStack, lookUpNatAddresses, lookUpTableShape, lookUpVpcCidrs, workgroupResultsBucket } from './aws/lookups.js';
import { deployStack } from './deploy/deployer.js';
import { AthenaEngine } from './engines/athena.js';
import type { AuditResult, DrillDownResult, QueryEngine } from './engines/engine.js';
import { floorToHour, HOUR_MS, windowEndingAt, type HourWindow } from './flowlog/layout.js';
import { collectPipelineHealth } from './health/collect.js';
import type { PipelineHealth } from './health/judge.js';
import { createGitHubClient, readFileAtRef, readRepository, tokenLogin, type GitHubClient } from './github.js';
import type { FlowLogFormat } from './flowlog/format.js';
import { InputError } from './input-error.js';
import { stackPipeline } from './pipeline/pipelines.js';
import { renderJobSummary } from './report/job-summary.js';
import type { UnitFindings } from './report/unit-sections.js';
import { renderSarif, type SarifInput } from './report/sarif.js';
import { forkPullRequestNotice, reportPullRequest, type PullRequestPayload } from './report/pr-comment.js';
import { judgeRun, type RunContext, type RunTrust } from './report/run-trust.js';
import { renderPipelineHealth } from './report/pipeline-health.js';
import { decideRedaction, Redactor, visibilityOf, type RedactionDecision } from './report/redaction.js';
import type { Cidr } from './audit/cidr.js';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { auditUnits } from './run/audit-units.js';
import { runScheduledAudit, type ScheduledAuditInput } from './run/scheduled-run.js';
import { readSettings, SettingsError, type Settings } from './settings.js';
import { S3MemoryStore } from './state/s3-memory-store.js';

/** The built pipeline template, shipped next to the bundle in dist/. */
const TEMPLATE_PATH = join(dirname(fileURLToPath(import.meta.url)), 'pipeline.yaml');

/** The one event that gets the sticky comment (action.yml skips the OIDC step for its forks alike). */
const PULL_REQUEST = 'pull_request';
/** The outputs the audit needs from the pipeline stack. */
const REQUIRED_OUTPUTS = ['DatabaseName', 'TableName', 'WorkGroupName'];
/** Pull-request runs query in the stack's own pull-request workgroup (the audit role may use no other). */
const PULL_REQUEST_WORKGROUP_OUTPUT = 'PullRequestWorkGroupName';
/** How long after a stack's creation its first flow logs can be in S3 (aggregation, then Firehose buffering). */
const FIRST_DELIVERY_MS = HOUR_MS;

/** The stack as the audit needs it: from this run's deployment or from DescribeStacks. */
interface StackInfo {
  readonly stackId: string;
  readonly outputs: Record<string, string>;
  readonly parameters?: Record<string, string>;
  readonly createdAt?: Date;
}

/** Where the audit reads and where its memory lives, from the stack or from the inputs. */
interface AuditTarget {
  readonly database: string;
  readonly table: string;
  /** True when the database or table input names it (its shape then comes from Glue), false for the stack's. */
  readonly existingTable: boolean;
  readonly workgroup: string;
  readonly bucket: string;
  readonly vpcId?: string;
  readonly stackId?: string;
  /** When flow logs can first be in S3 (a stack this action deployed); unknown for existing tables. */
  readonly logsSince?: Date;
  /** The outputs of the stack read for this audit (they name the parts the health check reads); none for existing tables. */
  readonly stackOutputs?: Readonly<Record<string, string>>;
}

/** What the report step found, for the summary, the outputs and fail-on-new-port. */
interface ReportOutcome {
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
  /** On read-only runs, the default branch's allowlist the ports were judged by (the SARIF file's too). */
  readonly judgedBy?: Allowlist;
  /** The port memory as this run left it (scheduled and read-only runs), for the job summary's trend. */
  readonly memory?: PortMemory;
  /** What the run concluded per audit unit (scheduled and read-only runs), for the job summary's per-VPC sections. */
  readonly units?: readonly UnitFindings[];
}

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    core.info(`${what} took ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  }
}

async function deploy(settings: Settings, clients: AwsClients): Promise<StackInfo> {
  const templateBody = await readFile(TEMPLATE_PATH, 'utf8');
  return timed('Deploying the stack', () =>
    deployStack(
      clients,
      {
        stackName: settings.stackName,
        templateBody,
        repository: `${context.repo.owner}/${context.repo.repo}`,
        parameters: {
          VpcId: settings.vpcId!,
          Pipeline: settings.deploy.pipeline,
          AggregationInterval: String(settings.deploy.aggregationIntervalSeconds),
          LogRetentionDays: String(settings.deploy.logRetentionDays),
          MaxScanMegabytes: String(settings.deploy.maxScanMegabytes),
          AlarmTopicArn: settings.deploy.alarmTopicArn ?? '',
        },
      },
      core,
    ),
  );
}

/** The stack's VpcId parameter, validated (it reaches the audit SQL through onVpc); undefined when there is none. */
function stackVpcId(stack: StackInfo | undefined): string | undefined {
  const vpcId = stack?.parameters?.VpcId;
  return vpcId ? parseVpcId(vpcId, 'the stack parameter VpcId') : undefined;
}

/**
 * The table, workgroup and memory bucket of the audit: inputs win, the stack fills the rest (a pull request's
 * workgroup is the stack's pull-request one; the bucket is the workgroup's result location).
 */
async function resolveTarget(settings: Settings, clients: AwsClients, pullRequest: boolean, deployed?: StackInfo): Promise<AuditTarget> {
  const { existing } = settings;
  const needsStack = !(existing.database && existing.table && existing.workgroup);
  const stack: StackInfo | undefined = deployed ?? (needsStack ? await describeStack(clients.cloudformation, settings.stackName) : undefined);
  if (needsStack && !stack) {
    throw new InputError(
      `stack-name: stack ${settings.stackName} does not exist in ${settings.region}; deploy it (mode deploy-and-audit) ` +
        'or give database, table and workgroup of existing flow logs.',
    );
  }
  const outputs = stack?.outputs ?? {};
  const wanted = pullRequest && !existing.workgroup ? [...REQUIRED_OUTPUTS, PULL_REQUEST_WORKGROUP_OUTPUT] : REQUIRED_OUTPUTS;
  const missing = needsStack ? wanted.filter((name) => !outputs[name]) : [];
  if (missing.length > 0) {
    throw new InputError(
      `stack-name: stack ${settings.stackName} has no ${missing.join(', ')} output (is it being created, or rolled back?); ` +
        'run with mode deploy-and-audit to bring it up to date.',
    );
  }
  const workgroup = existing.workgroup ?? (pullRequest ? outputs[PULL_REQUEST_WORKGROUP_OUTPUT]! : outputs.WorkGroupName!);
  // A stack from before issue 20 names its bucket; the bootstrap's bucket is the workgroup's result location.
  const bucket = outputs.BucketName ?? (await workgroupResultsBucket(clients.athena, workgroup));
  if (!bucket) {
    throw new InputError(`workgroup: ${workgroup} has no query-result location, so there is no bucket to keep the port memory in; give a workgroup that has one.`);
  }
  return {
    database: existing.database ?? outputs.DatabaseName!,
    table: existing.table ?? outputs.TableName!,
    existingTable: Boolean(existing.database ?? existing.table),
    workgroup,
    bucket,
    vpcId: settings.vpcId ?? stackVpcId(stack),
    stackId: stack?.stackId,
    logsSince: stack?.createdAt ? new Date(stack.createdAt.getTime() + FIRST_DELIVERY_MS) : undefined,
    stackOutputs: stack?.outputs,
  };
}

async function auditParameters(settings: Settings, clients: AwsClients, target: AuditTarget, now: Date): Promise<AuditParameters> {
  let vpcCidrs = settings.vpcCidrs;
  if (!vpcCidrs) {
    if (!target.vpcId) throw new InputError('vpc-cidrs: give the CIDR blocks of the VPC, or vpc-id to look them up.');
    vpcCidrs = await lookUpVpcCidrs(clients.ec2, target.vpcId, core);
    core.info(`VPC ${target.vpcId} has ${vpcCidrs.map((c) => c.text).join(', ')}.`);
  }
  const table = { database: target.database, table: target.table };
  const source = target.existingTable ? await lookUpTableShape(clients.glue, table) : stackTable(target, table, settings.format);
  core.info(`Auditing ${table.database}.${table.table}: ${source.partitioning}.`);
  const natAddresses = target.vpcId ? await lookUpNatAddresses(clients.ec2, target.vpcId, core) : [];
  if (natAddresses.length > 0) core.info(`NAT gateways of ${target.vpcId}: ${natAddresses.join(', ')} (their records are translated copies, counted once).`);
  return {
    preset: settings.preset,
    vpcCidrs,
    window: windowEndingAt(floorToHour(now), settings.lookbackHours),
    maxPorts: settings.maxPorts,
    source,
    natAddresses,
  };
}

/**
 * The stack's own table, as its pipeline (the stack's Pipeline output) writes it, kept to the stack's VPC where the
 * format has vpc-id (onVpc): the stack's bucket admits every flow log of the account.
 */
function stackTable(target: AuditTarget, table: TableRef, format: FlowLogFormat): TableShape {
  const shape = stackPipeline(target.stackOutputs ?? {}) === 's3-parquet' ? parquetStackTableShape(table) : stackTableShape(table, format);
  return onVpc(shape, target.vpcId);
}

/** Warns of an allowlist that explains nothing and of each expired entry (see Allowlist.warnings); returns it. */
function warnOfAllowlist<T extends Allowlist | undefined>(allowlist: T): T {
  for (const warning of allowlist?.warnings ?? []) core.warning(warning);
  return allowlist;
}

/**
 * The allowlist on another ref (a pull request's base, the default branch); a broken one is reported but
 * does not fail the run. `without` ends the warning: what the run does instead.
 */
async function allowlistAtRef(octokit: GitHubClient, path: string, ref: string | undefined, without: string): Promise<Allowlist | undefined> {
  if (!ref) return undefined;
  try {
    const text = await readFileAtRef(octokit, context.repo, path, ref);
    return text === undefined ? undefined : warnOfAllowlist(parseAllowlist(text, `${path}@${ref.slice(0, 12)}`));
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    core.warning(`${error.message} ${without}`);
    return undefined;
  }
}

async function reportOnPullRequest(settings: Settings, pullNumber: number, baseSha: string | undefined, headAllowlist: Allowlist | undefined, result: AuditResult, memoryKey: string, now: Date): Promise<ReportOutcome> {
  const octokit = createGitHubClient({ token: settings.githubToken, log: core });
  const report = await reportPullRequest({
    octokit,
    repo: context.repo,
    pullNumber,
    baseAllowlist: await allowlistAtRef(octokit, settings.allowlistPath, baseSha, 'The comment compares against no base allowlist.'),
    headAllowlist,
    allowlistPath: settings.allowlistPath,
    rows: result.rows,
    units: auditUnits(result),
    top: settings.top,
    observedAt: now.toISOString(),
    stackOrVpcKey: memoryKey,
    author: await tokenLogin(octokit),
    log: core,
  });
  core.setOutput('comment-id', String(report.commentId));
  return { newPorts: [], silent: false, unexplained: [], pullRequest: pullNumber };
}

/**
 * The pipeline-health readings over the audited window: the parts the stack's outputs name (the flow log, one
 * GetMetricData for the rest). Without a stack (an existing table) only the window volume is judged.
 */
async function checkPipelineHealth(settings: Settings, clients: AwsClients, target: AuditTarget, window: HourWindow): Promise<NonNullable<ScheduledAuditInput['health']>> {
  const dropThreshold = settings.volumeDropThreshold;
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

/** Warns of each pipeline problem; the job summary and the gate follow in run(). */
function warnOfPipelineProblems(health: PipelineHealth | undefined): void {
  for (const problem of health?.problems ?? []) core.warning(`Pipeline health: ${problem.part}: ${problem.detail}`);
}

/** The input of the tracking-issue report, for trusted and read-only runs alike. */
async function scheduledInput(
  settings: Settings,
  clients: AwsClients,
  target: AuditTarget,
  parameters: AuditParameters,
  allowlist: Allowlist | undefined,
  result: AuditResult,
  memoryKey: string,
  now: Date,
  health: ScheduledAuditInput['health'],
) {
  const octokit = createGitHubClient({ token: settings.githubToken, log: core });
  return {
    octokit,
    repo: context.repo,
    result,
    units: auditUnits(result),
    top: settings.top,
    window: parameters.window,
    allowlist,
    allowlistPath: settings.allowlistPath,
    store: new S3MemoryStore(clients.s3, target.bucket, memoryKey),
    label: settings.issueLabel,
    stackOrVpcKey: memoryKey,
    author: await tokenLogin(octokit),
    log: core,
    now,
    collectingBaseline: target.logsSince !== undefined && parameters.window.start < target.logsSince,
    health,
  };
}

/**
 * A read-only run: loads and decides as a default-branch run would (memory + the default branch's allowlist,
 * never this run's workspace), writes nothing, and returns the decision for the job summary and the gate.
 */
async function reportReadOnly(
  settings: Settings,
  input: Awaited<ReturnType<typeof scheduledInput>>,
  defaultBranch: string | undefined,
  readOnly: string,
): Promise<ReportOutcome> {
  const allowlist = await allowlistAtRef(input.octokit, settings.allowlistPath, defaultBranch, 'Ports are judged against the memory alone.');
  if (!defaultBranch) core.info('The event names no default branch, so its allowlist cannot be read: ports are judged against the memory alone.');
  const { newPorts, silent, unexplained, issueNumber, issueUrl, health, memory, units } = await runScheduledAudit({ ...input, allowlist, readOnly: true });
  return { newPorts, silent, unexplained, trackingIssue: issueNumber === undefined ? undefined : { number: issueNumber, url: issueUrl }, readOnly, health, memory, units, judgedBy: allowlist };
}

/** A trusted scheduled run: load memory -> decide -> drill down -> publish -> save (src/run/scheduled-run.ts). */
async function reportOnSchedule(input: Awaited<ReturnType<typeof scheduledInput>>, clients: AwsClients, engine: QueryEngine, parameters: AuditParameters, shown: Shown): Promise<ReportOutcome> {
  const report = await runScheduledAudit({ ...input, drillDown: async (newPorts) => shown(await drillDownNewPorts(clients, engine, parameters, newPorts)) });
  const trackingIssue = report.issueNumber === undefined ? undefined : { number: report.issueNumber, url: report.issueUrl };
  if (trackingIssue) core.setOutput('issue-number', String(trackingIssue.number));
  return { newPorts: report.newPorts, silent: report.silent, unexplained: report.unexplained, trackingIssue, health: report.health, drillDown: report.drillDown, memory: report.memory, units: report.units };
}

/** The drill-down step: one more Athena query for the new ports, then their sources' names (where the role may). */
async function drillDownNewPorts(clients: AwsClients, engine: QueryEngine, parameters: AuditParameters, newPorts: readonly PortRow[]): Promise<DrillDownResult> {
  const drillDown = await timed('The drill-down query', () => engine.runDrillDown(parameters, newPorts));
  for (const warning of drillDown.rejected) core.warning(warning);
  return { ...drillDown, ports: withSourceNames(drillDown.ports, await lookUpSourceNames(clients.ec2, drillDown.ports, core)) };
}

const portsJson = (rows: readonly PortRow[]) => JSON.stringify(rows.map(portRowJson));

/** What reports and outputs are given of some data: the data itself, or its redacted copy. */
type Shown = <T>(data: T) => T;

/**
 * Whether this run redacts (the redact input; with auto, the repository's visibility from the event payload, else
 * from the API) and how: the Redactor's key and the account ids it labels come from the caller's identity and the
 * stack's ARN, so labels stay the same from run to run and cannot be reversed by a reader.
 */
async function redaction(settings: Settings, clients: AwsClients, vpcCidrs: readonly Cidr[], stackId: string | undefined): Promise<{ decision: RedactionDecision; shown: Shown }> {
  let visibility = visibilityOf((context.payload as { repository?: { visibility?: string; private?: boolean } }).repository);
  if (settings.redact === 'auto' && visibility === undefined && settings.githubToken !== '') {
    visibility = visibilityOf(await readRepository(createGitHubClient({ token: settings.githubToken, log: core }), context.repo));
  }
  const decision = decideRedaction(settings.redact, visibility);
  if (!decision.redact) return { decision, shown: (data) => data };
  const caller = await clients.sts.send(new GetCallerIdentityCommand({})).catch(() => undefined);
  const accountIds = [...new Set([caller?.Account, /^arn:[\w-]+:cloudformation:[\w-]+:(\d{12}):/.exec(stackId ?? '')?.[1]].filter((id): id is string => Boolean(id)))];
  const redactor = new Redactor({ vpcCidrs, accountIds, key: `vpc-port-audit\n${accountIds.join(',')}\n${context.repo.owner}/${context.repo.repo}` });
  core.info(decision.why);
  return { decision, shown: (data) => redactor.value(data) };
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

/** mode redrive: the stack's failed forwarder batches into its delivery stream. Only runs that may write do it. */
async function redriveMode(settings: Settings, trust: RunTrust): Promise<void> {
  if (!trust.trusted) {
    core.notice(`mode redrive does nothing here: ${trust.reason}, and redrive writes to the pipeline (runs of the default branch do). Nothing failed.`);
    return;
  }
  // Loaded here only: the SQS and Firehose SDK modules stay off every other run's cold start.
  const { describeRedrive, redriveStack } = await import('./pipeline/redrive.js');
  const clients = { ...createAwsClients({ region: settings.region }), ...(await createRedriveClients({ region: settings.region })) };
  const result = await redriveStack(clients, settings.stackName, 'stack-name', { log: (line) => core.warning(line) });
  if ('nothingToRedrive' in result) return core.notice(result.nothingToRedrive);
  core.info(describeRedrive(result, result.queueUrl));
  core.setOutput('redriven-messages', String(result.redriven));
  core.setOutput('redriven-lines', String(result.lines));
  core.setOutput('failure-queue-kept', String(result.failed + result.unreadable));
  if (result.failed > 0) {
    core.setFailed(`redrive: ${result.failed} failed batch(es) could still not be delivered to Firehose; they stay in the queue for the next run.`);
  }
}

/** Runs the action once; the step fails (exit code 1) on any error, with its message. */
export async function run(now: Date = new Date()): Promise<void> {
  try {
    const settings = readSettings((name) => core.getInput(name));
    const event = context.eventName;
    const payload = context.payload as PullRequestPayload & RunContext['payload'];
    const trust = judgeRun({ eventName: event, ref: context.ref, payload });
    const pullNumber = event === PULL_REQUEST ? payload.pull_request?.number : undefined;
    // Runs that end here read no file of the workspace: a fork's broken allowlist must not fail its notice.
    const forkNotice = event === PULL_REQUEST ? forkPullRequestNotice(payload) : undefined;
    if (forkNotice) {
      core.notice(forkNotice);
      return;
    }
    if (settings.mode === 'redrive') return await redriveMode(settings, trust);
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    // A read-only run never reads its own workspace's allowlist: it may be anyone's. A pull request's is
    // what its comment is about (as the head side of the diff).
    const allowlist = trust.trusted || pullNumber !== undefined ? warnOfAllowlist(await loadAllowlist(resolve(workspace, settings.allowlistPath), now)) : undefined;
    if (settings.mode === 'deploy' && event === PULL_REQUEST) {
      core.notice('mode deploy does nothing on pull_request: pull requests never deploy. Nothing failed.');
      return;
    }
    const readOnly =
      trust.trusted || pullNumber !== undefined
        ? undefined
        : `Read-only run: ${trust.reason}, so this run neither deploys nor changes the tracking issue or the port memory; ` +
          'ports are judged against the memory and the default branch\'s allowlist. Runs of the default branch write.';
    if (readOnly) core.notice(readOnly);
    if (readOnly && settings.mode === 'deploy') return;
    if ((trust.trusted || pullNumber !== undefined) && !allowlist && settings.mode !== 'deploy') {
      core.notice(`No allowlist at ${settings.allowlistPath} (did actions/checkout run before this step?): ports are judged only against earlier runs.`);
    }

    const clients = createAwsClients({ region: settings.region });
    let deployed: StackInfo | undefined;
    if (settings.mode !== 'audit' && !trust.trusted) core.info('Only runs of the default branch deploy: auditing the stack as it is.');
    else if (settings.mode !== 'audit') deployed = await deploy(settings, clients);
    if (settings.mode === 'deploy') {
      const { shown } = await redaction(settings, clients, settings.vpcCidrs ?? [], deployed!.stackId);
      core.setOutput('stack-id', shown(deployed!.stackId));
      const bucket = await workgroupResultsBucket(clients.athena, deployed!.outputs.WorkGroupName!);
      if (bucket) core.setOutput('bucket', shown(bucket));
      return;
    }

    const target = await resolveTarget(settings, clients, pullNumber !== undefined, deployed);
    const parameters = await auditParameters(settings, clients, target, now);
    const { decision, shown } = await redaction(settings, clients, parameters.vpcCidrs, target.stackId);
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
    const health = pullNumber === undefined ? shown(await checkPipelineHealth(settings, clients, target, parameters.window)) : undefined;
    const report = () => scheduledInput(settings, clients, target, parameters, allowlist, result, memoryKey, now, health);
    let outcome: ReportOutcome;
    if (pullNumber !== undefined) outcome = await reportOnPullRequest(settings, pullNumber, payload.pull_request?.base?.sha, allowlist, result, memoryKey, now);
    else if (readOnly) outcome = await reportReadOnly(settings, await report(), trust.trusted ? undefined : trust.defaultBranch, readOnly);
    else outcome = await reportOnSchedule(await report(), clients, engine, parameters, shown);
    core.setOutput('new-ports', portsJson(outcome.newPorts));
    const { newPorts, silent, trackingIssue, pullRequest } = outcome;
    const tableRead = shown(`${target.database}.${target.table}: ${parameters.source.partitioning}`);
    const summary = { result, top: settings.top, window: parameters.window, newPorts, silent, trackingIssue, pullRequest, tableRead, readOnly: outcome.readOnly, drillDown: outcome.drillDown, memory: outcome.memory, units: outcome.units };
    if (decision.redact) core.summary.addRaw(`> [!NOTE]\n> ${decision.why}\n\n`);
    await core.summary.addRaw(renderJobSummary(summary)).write();
    const sarif = { rows: result.rows, allowlist: outcome.readOnly ? outcome.judgedBy : allowlist, allowlistUri: settings.allowlistPath, scope: memoryKey, window: parameters.window };
    core.setOutput('sarif-file', await writeSarifFile(sarif, memoryKey));

    const pipelineProblems = outcome.health?.problems ?? [];
    warnOfPipelineProblems(outcome.health);
    if (pipelineProblems.length > 0) await core.summary.addRaw(renderPipelineHealth(outcome.health!, '##')).write();
    if (settings.failOnPipelineProblem && pipelineProblems.length > 0) {
      core.setFailed(`fail-on-pipeline-problem: the pipeline has ${pipelineProblems.length} problem(s): ${pipelineProblems.map((p) => p.part).join(', ')}; see the warnings and the job summary.`);
    }

    if (settings.failOnNewPort && outcome.unexplained.length > 0) {
      core.setFailed(
        `fail-on-new-port: ${outcome.unexplained.length} port(s) are not explained yet: ${outcome.unexplained.map(portKey).join(', ')}; ` +
          `add them to ${settings.allowlistPath} with a reason.`,
      );
    }
  } catch (error) {
    if (error instanceof SettingsError) {
      for (const problem of error.problems) core.error(problem);
    } else if (!(error instanceof InputError)) {
      core.debug(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
