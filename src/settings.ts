// Reads and validates every action input into a typed Settings object. All bad input is rejected here,
// before any AWS or GitHub call, and every problem is reported at once, one sentence each.

import { DEFAULT_MAX_PORTS, LOOKBACK_RANGE, parseCidrList, parseIdentifier, parseInteger, parseLookbackHours, parseMaxPorts, parsePreset, parseTop } from './audit/parameters.js';
import type { Cidr } from './audit/cidr.js';
import type { Preset } from './audit/query.js';
import { parseAccountList, parseQueryTimeoutSeconds, parseRegion, parseVpcId, parseWorkgroup } from './aws/names.js';
import { resolveFormat, type FlowLogFormat } from './flowlog/format.js';
import { InputError } from './input-error.js';
import { PIPELINES, type Pipeline } from './pipeline/pipelines.js';
import { REDACT_MODES, type RedactMode } from './report/redaction.js';
import { posix } from 'node:path';

const MODES = ['deploy-and-audit', 'deploy', 'audit', 'redrive'] as const;
type Mode = (typeof MODES)[number];

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

interface DeploySettings {
  /** How the flow log reaches S3 (the template's Pipeline parameter). */
  readonly pipeline: Pipeline;
  readonly aggregationIntervalSeconds: 60 | 600;
  readonly logRetentionDays: number;
  readonly maxScanMegabytes: number;
  /** SNS topic the stack's alarms notify; undefined for none. */
  readonly alarmTopicArn?: string;
}

/** The egress-rules proposal (issue 23): least-privilege egress rules per security group, shown, never applied. */
interface EgressRulesSettings {
  /** The egress-rules input: propose rules from the audited window (needs ec2:DescribeNetworkInterfaces and ec2:DescribeSecurityGroupRules). */
  readonly propose: boolean;
  /** The egress-rules-min-days input: a window shorter than this many whole days makes the proposal "not yet safe to apply". */
  readonly minDays: number;
}

/**
 * egress-rules-min-days: 1 day up to the longest window an audit reads (lookback-hours at most 9600, 400 days), since
 * a longer minimum could never be met.
 */
export const EGRESS_RULES_MIN_DAYS_RANGE = { min: 1, max: LOOKBACK_RANGE.max / 24 } as const;

/** Where the flow logs are queried when the stack's own table is not used. */
interface ExistingTable {
  readonly database?: string;
  readonly table?: string;
  readonly workgroup?: string;
}

export interface Settings {
  readonly mode: Mode;
  readonly region: string;
  readonly stackName: string;
  readonly vpcId?: string;
  /** The blocks that count as inside the VPC; undefined means "look up the VPC's own". */
  readonly vpcCidrs?: readonly Cidr[];
  readonly preset: Preset;
  readonly lookbackHours: number;
  /** How many ports the top list shows first; new ports below it are listed too. */
  readonly top: number;
  /** The audit returns at most this many ports (the busiest); the rest are counted as left out. */
  readonly maxPorts: number;
  readonly allowlistPath: string;
  /** The VPC inventory file (vpc-inventory.ts), relative to the workspace; undefined when not given. */
  readonly vpcsFile?: string;
  /** The read-only role to assume in each other account of the inventory (ec2:DescribeVpcs, ec2:DescribeFlowLogs; egress-rules' look-ups). */
  readonly memberRoleName?: string;
  /** Only these accounts' records are audited (AuditParameters.accounts); undefined: every account. */
  readonly accounts?: readonly string[];
  readonly issueLabel: string;
  readonly githubToken: string;
  readonly queryTimeoutSeconds: number;
  readonly failOnNewPort: boolean;
  /** A window below this fraction (0 < f < 1) of the earlier windows' median volume is a pipeline problem. */
  readonly volumeDropThreshold: number;
  readonly failOnPipelineProblem: boolean;
  readonly format: FlowLogFormat;
  /** Whether reports hide the VPC's inside: auto (on public repositories), always or never (src/report/redaction.ts). */
  readonly redact: RedactMode;
  readonly egressRules: EgressRulesSettings;
  readonly deploy: DeploySettings;
  readonly existing: ExistingTable;
}

/** Every problem found in the inputs, one sentence each. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(readonly problems: readonly string[]) {
    super(`The action's inputs have ${problems.length} problem(s):\n${problems.map((p) => `- ${p}`).join('\n')}`);
  }
}

/** Reads one input by its action.yml name (already trimmed; '' when unset). */
type InputReader = (name: string) => string;

function parseBoolean(text: string, input: string): boolean {
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  throw new InputError(`${input}: '${text}' is not a boolean; use true or false.`);
}

/** `10%` or `10 %` -> 0.1: a percentage strictly between 0 and 100. */
function parseVolumeDropThreshold(text: string): number {
  const match = /^(\d{1,2}(?:\.\d+)?)\s*%$/.exec(text);
  const percent = match ? Number(match[1]) : NaN;
  if (!(percent > 0 && percent < 100)) {
    throw new InputError(`volume-drop-threshold: '${text}' is not a percentage of the median window volume; give one between 0 % and 100 %, such as 10%.`);
  }
  return percent / 100;
}

function parseMode(text: string): Mode {
  const mode = MODES.find((m) => m === text);
  if (!mode) throw new InputError(`mode: '${text}' is not a mode; accepted are ${MODES.join(', ')}.`);
  return mode;
}

function parseRedactMode(text: string): RedactMode {
  const mode = REDACT_MODES.find((m) => m === text);
  if (!mode) throw new InputError(`redact: '${text}' is not accepted; use auto (redact on public repositories), always or never.`);
  return mode;
}

function parsePipeline(text: string): Pipeline {
  const pipeline = PIPELINES.find((p) => p === text);
  if (!pipeline) throw new InputError(`pipeline: '${text}' is not a pipeline; accepted are ${PIPELINES.join(', ')}.`);
  return pipeline;
}

function parseLogRetentionDays(text: string): number {
  const days = Number(text);
  if (!/^\d+$/.test(text) || !LOG_RETENTION_DAYS.includes(days)) {
    throw new InputError(`log-retention-days: '${text}' is not a CloudWatch Logs retention; accepted are ${LOG_RETENTION_DAYS.join(', ')}.`);
  }
  return days;
}

function parseAggregationInterval(text: string): 60 | 600 {
  if (text === '60' || text === '600') return Number(text) as 60 | 600;
  throw new InputError(`aggregation-interval: '${text}' is not a flow-log aggregation interval; accepted are 60 and 600 (seconds).`);
}

/**
 * The pipeline stack's name: a CloudFormation name that is also lowercase and at most 20 characters, because
 * the bucket and the other generated names start with it and the OIDC role's permissions are scoped to them.
 */
function parsePipelineStackName(text: string): string {
  // Every such name is also a CloudFormation stack name (a letter, then letters, digits and hyphens, at most 128).
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(text)) {
    throw new InputError(
      `stack-name: '${text.slice(0, 40)}' is not accepted; give a lowercase letter followed by lowercase letters, digits and hyphens, at most 20 in all, because the stack's resource names start with it and the OIDC role's permissions are scoped to those names.`,
    );
  }
  return text;
}

/**
 * A path inside the repository, normalised (`./a/../b.yml` -> `b.yml`) so it also works with the contents API.
 * `input` and `example` name the input and a path it accepts in the message.
 */
function parseRepositoryPath(text: string, input: string, example: string): string {
  const path = posix.normalize(text.replaceAll('\\', '/'));
  if (path.startsWith('/') || path === '..' || path.startsWith('../')) {
    throw new InputError(`${input}: '${text}' is outside the repository; give a path relative to its root, such as ${example}.`);
  }
  return path;
}

/**
 * An IAM role name (IAM API Reference, CreateRole RoleName: 1 to 64 of letters, digits and `_+=,.@-`,
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html); no path, as the member-role
 * template creates it at the root path.
 */
function parseRoleName(text: string, input: string): string {
  if (!/^[\w+=,.@-]{1,64}$/.test(text)) {
    throw new InputError(`${input}: '${text.slice(0, 70)}' is not an IAM role name; give 1 to 64 letters, digits or _+=,.@- (no path), such as vpc-port-audit-member.`);
  }
  return text;
}

/** An SNS topic ARN, as the stack's AlarmTopicArn parameter accepts it. */
function parseAlarmTopicArn(text: string): string {
  if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/.test(text)) {
    throw new InputError(`alarm-topic-arn: '${text}' is not an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:pager.`);
  }
  return text;
}

function parseIssueLabel(text: string): string {
  if (text.length < 1 || text.length > 50 || /[,\n]/.test(text)) {
    throw new InputError(`issue-label: '${text}' is not a GitHub label; use 1 to 50 characters without commas.`);
  }
  return text;
}

/**
 * Validates all inputs. `env` supplies AWS_REGION / AWS_DEFAULT_REGION when aws-region is empty.
 * Throws SettingsError listing every problem.
 */
export function readSettings(read: InputReader, env: NodeJS.ProcessEnv = process.env): Settings {
  const problems: string[] = [];
  /** Runs one parser; an InputError becomes a listed problem and the value is left undefined. */
  const check = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(error.message);
      return undefined;
    }
  };
  const optional = <T>(name: string, parse: (text: string) => T): T | undefined =>
    read(name) === '' ? undefined : check(() => parse(read(name)));
  const withDefault = <T>(name: string, fallback: string, parse: (text: string) => T): T | undefined =>
    check(() => parse(read(name) || fallback));

  const mode = withDefault('mode', 'deploy-and-audit', parseMode);
  const regionText = read('aws-region') || env.AWS_REGION || env.AWS_DEFAULT_REGION || '';
  const region = regionText === ''
    ? (problems.push('aws-region: no region given and AWS_REGION is not set; give one such as us-east-1.'), undefined)
    : check(() => parseRegion(regionText));
  const stackName = withDefault('stack-name', 'vpc-port-audit', parsePipelineStackName);
  const vpcId = optional('vpc-id', parseVpcId);
  const vpcCidrs = optional('vpc-cidrs', (t) => parseCidrList(t, 'vpc-cidrs'));
  const preset = withDefault('preset', 'egress-ports', parsePreset);
  const lookbackHours = withDefault('lookback-hours', '24', parseLookbackHours);
  const top = withDefault('top', '10', parseTop);
  const maxPorts = withDefault('max-ports', String(DEFAULT_MAX_PORTS), parseMaxPorts);
  const allowlistPath = withDefault('allowlist', '.github/outbound-ports.yml', (t) => parseRepositoryPath(t, 'allowlist', '.github/outbound-ports.yml'));
  const vpcsFile = optional('vpcs-file', (t) => parseRepositoryPath(t, 'vpcs-file', '.github/vpcs.yml'));
  const memberRoleName = optional('member-role-name', (t) => parseRoleName(t, 'member-role-name'));
  const accounts = optional('accounts', (t) => parseAccountList(t, 'accounts'));
  const issueLabel = withDefault('issue-label', 'outbound-ports', parseIssueLabel);
  const githubToken = read('github-token');
  const queryTimeoutSeconds = withDefault('query-timeout-seconds', '600', parseQueryTimeoutSeconds);
  const failOnNewPort = withDefault('fail-on-new-port', 'false', (t) => parseBoolean(t, 'fail-on-new-port'));
  const volumeDropThreshold = withDefault('volume-drop-threshold', '10%', parseVolumeDropThreshold);
  const failOnPipelineProblem = withDefault('fail-on-pipeline-problem', 'false', (t) => parseBoolean(t, 'fail-on-pipeline-problem'));
  const format = withDefault('log-format', 'v5', (t) => resolveFormat(t, 'log-format'));
  const redact = withDefault('redact', 'auto', parseRedactMode);
  const proposeEgressRules = withDefault('egress-rules', 'false', (t) => parseBoolean(t, 'egress-rules'));
  const egressRulesMinDays = withDefault('egress-rules-min-days', '7', (t) =>
    parseInteger(t, 'egress-rules-min-days', EGRESS_RULES_MIN_DAYS_RANGE.min, EGRESS_RULES_MIN_DAYS_RANGE.max),
  );
  const pipeline = withDefault('pipeline', 'cloudwatch-firehose', parsePipeline);
  const aggregationIntervalSeconds = withDefault('aggregation-interval', '600', parseAggregationInterval);
  const logRetentionDays = withDefault('log-retention-days', '3', parseLogRetentionDays);
  const maxScanMegabytes = withDefault('max-scan-mb', '10000', (t) => parseInteger(t, 'max-scan-mb', 10, 10_485_760));
  const alarmTopicArn = optional('alarm-topic-arn', parseAlarmTopicArn);
  const database = optional('database', (t) => parseIdentifier(t, 'database'));
  const table = optional('table', (t) => parseIdentifier(t, 'table'));
  const workgroup = optional('workgroup', (t) => parseWorkgroup(t, 'workgroup'));

  if (mode !== undefined && mode !== 'audit' && mode !== 'redrive' && read('vpc-id') === '') {
    problems.push(`vpc-id: mode ${mode} deploys a flow log and needs the VPC's id (vpc-...).`);
  }
  if ((mode === 'deploy' || mode === 'redrive') && proposeEgressRules) {
    problems.push(`egress-rules: mode ${mode} runs no audit, so there is no traffic to propose egress rules from; use mode deploy-and-audit or audit, or leave egress-rules false.`);
  }
  if (mode !== 'deploy' && mode !== 'redrive' && githubToken === '') {
    problems.push('github-token: the audit reports in issues and pull-request comments and needs a token; the default is github.token.');
  }
  if (problems.length > 0) throw new SettingsError(problems);

  return {
    mode: mode!,
    region: region!,
    stackName: stackName!,
    vpcId,
    vpcCidrs,
    preset: preset!,
    lookbackHours: lookbackHours!,
    top: top!,
    maxPorts: maxPorts!,
    allowlistPath: allowlistPath!,
    vpcsFile,
    memberRoleName,
    accounts,
    issueLabel: issueLabel!,
    githubToken,
    queryTimeoutSeconds: queryTimeoutSeconds!,
    failOnNewPort: failOnNewPort!,
    volumeDropThreshold: volumeDropThreshold!,
    failOnPipelineProblem: failOnPipelineProblem!,
    format: format!,
    redact: redact!,
    egressRules: { propose: proposeEgressRules!, minDays: egressRulesMinDays! },
    deploy: {
      pipeline: pipeline!,
      aggregationIntervalSeconds: aggregationIntervalSeconds!,
      logRetentionDays: logRetentionDays!,
      maxScanMegabytes: maxScanMegabytes!,
      alarmTopicArn,
    },
    existing: { database, table, workgroup },
  };
}
