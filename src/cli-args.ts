// Command-line arguments of `vpc-port-audit`: ONE table of the commands and their flags (what each flag takes,
// what it means, an example), from which util.parseArgs gets its options and the help text is written; then the
// validation of every value into a typed command. Anything wrong becomes an InputError naming the flag and what
// it accepts. A new flag or command is an entry in FLAGS / COMMANDS plus the line that reads its value.

import { parseArgs } from 'node:util';
import { closest, distance } from 'fastest-levenshtein';
import type { Cidr } from './audit/cidr.js';
import type { InventoryVpc } from './audit/audit-unit.js';
import { DEFAULT_MAX_PORTS, LOOKBACK_RANGE, parseCidrList, parseInteger, parseLookbackHours, parseMaxPorts, parseNatAddresses, parsePreset, parseTop } from './audit/parameters.js';
import { PRESETS, type Preset } from './audit/query.js';
import type { PortRef } from './audit/drill-down.js';
import { ACCEPTED_PROTOCOLS, protocolNumber } from './audit/port-row.js';
import { NAMED_FORMATS, resolveFormat, type FlowLogFormat } from './flowlog/format.js';
import { floorToHour, HOUR_MS, parseIsoHourOrDate, windowEndingAt, type HourWindow } from './flowlog/layout.js';
import { parseAccountList, parseRegion, parseStackName } from './aws/names.js';
import { InputError } from './input-error.js';
import { LAYOUTS, type LayoutName } from './logs/layouts.js';
import { isS3Url, parseS3Url, type S3Location } from './logs/s3-url.js';
import { SAMPLE_FILE_FORMATS, type SampleFileFormat } from './flowlog/sample.js';
import { PIPELINES, type Pipeline } from './pipeline/pipelines.js';
import { DEFAULT_MIN_DAYS } from './egress/proposal.js';

export const OUTPUT_FORMATS = ['table', 'json', 'markdown', 'csv', 'sarif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** How the audit's report is split: a section per VPC, per account, or one list (`--group-by`). */
export const GROUP_BYS = ['vpc', 'account', 'none'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];
/** The formats of `why` (one port's drill-down has no rows for CSV and no allowlist verdict for SARIF). */
const WHY_FORMATS = ['table', 'json', 'markdown'] as const satisfies readonly OutputFormat[];

/** What `egress-rules` prints (`--format`): a report, the JSON document, or code to paste. */
export const EGRESS_FORMATS = ['table', 'json', 'cloudformation', 'terraform'] as const;
export type EgressFormat = (typeof EGRESS_FORMATS)[number];

/** The VPC of a generated sample unless --vpc-cidr says otherwise: an IPv4 block and an IPv6 block. */
export const DEFAULT_SAMPLE_CIDRS = '10.0.0.0/16,2600:1f18:47b:a900::/56';

/** The process's exit codes (documented in the help and the README). */
export const EXIT = { ok: 0, unexpected: 1, badInput: 2, policy: 3 } as const;

export interface SampleCommand {
  readonly command: 'sample';
  readonly out: string;
  readonly days: number;
  readonly recordsPerHour: number;
  readonly seed: number;
  readonly vpcCidrs: Cidr[];
  readonly end: Date;
  readonly format: FlowLogFormat;
  readonly filesPerHour: number;
  readonly layout: LayoutName;
  readonly fileFormat: SampleFileFormat;
}

export interface AuditCommand {
  readonly command: 'audit' | 'sql' | 'why';
  /** why only: the port to drill into. */
  readonly why?: PortRef;
  /** --logs, a folder or an `s3://` URL: required for audit and why; for sql only used to detect the log format. */
  readonly logs?: string;
  /** Set when --logs is an `s3://` URL: the objects are listed and fetched into the cache. */
  readonly s3Logs?: S3Location;
  /** --cache-dir: where objects fetched from S3 are kept (undefined: the user's cache folder). */
  readonly cacheDir?: string;
  /** --vpc-cidr: inside every VPC; empty when only --vpcs says what is inside. */
  readonly vpcCidrs: Cidr[];
  /** --vpcs: the path of the VPC inventory file (audit/vpc-inventory.ts). */
  readonly vpcs?: string;
  /** The inventory read from --vpcs (cli.ts fills it in before the command runs; parsing reads no files). */
  readonly inventory?: readonly InventoryVpc[];
  /** --accounts: only these accounts' records are audited (AuditParameters.accounts); undefined: every account. */
  readonly accounts?: readonly string[];
  /** --group-by: undefined is the default, by VPC when the result holds more than one unit, else one list. */
  readonly groupBy?: GroupBy;
  /** From --end and one of --lookback-hours, --since or --start (default 24 hours). */
  readonly window: HourWindow;
  readonly top: number;
  /** --max-ports: the audit returns at most this many ports (the busiest); the rest are counted as left out. */
  readonly maxPorts: number;
  readonly preset: Preset;
  /** Undefined: detect from the files (a header line, a Parquet schema, or a record's field count: v2, v5 or v8). */
  readonly format?: FlowLogFormat;
  readonly allowlist?: string;
  /** --nat-addresses: the NAT gateways' private addresses, whose records are translated copies. */
  readonly natAddresses: string[];
  readonly output: OutputFormat;
  /** audit only: exit 3 when a port counted is outside --allowlist. */
  readonly failOnUnexplained: boolean;
  /** audit only: exit 2 (nothing printed) when the files cover less than the whole window. */
  readonly requireFullWindow: boolean;
  /** sql only: a file with the JSON that `aws glue get-table` prints; the SQL is then for that table. */
  readonly glueTable?: string;
  /** sql only: when --glue-table is a Lake Formation resource link, the `aws glue get-table` JSON of its target. */
  readonly glueTargetTable?: string;
  /** sql only: the pipeline whose table the SQL reads (--pipeline, default cloudwatch-firehose). */
  readonly pipeline?: Pipeline;
}

/** Help: the overview (no topic) or one command's; exit code 2 when no command was given at all. */
export interface HelpCommand {
  readonly command: 'help';
  readonly topic?: CommandName;
  readonly exitCode: 0 | 2;
}

export interface VersionCommand {
  readonly command: 'version';
}

/** `redrive`: the stack's failed forwarder batches into its delivery stream (src/pipeline/redrive.ts). */
export interface RedriveCommand {
  readonly command: 'redrive';
  readonly stack: string;
  /** Unset: the SDK's AWS_REGION. */
  readonly region?: string;
}

/** `allowlist init`: an audit of every observed port (egress-ports), drafted into a new allowlist file at `out`. */
export interface AllowlistInitCommand {
  readonly command: 'allowlist-init';
  readonly audit: AuditCommand;
  readonly out: string;
}

/** `egress-rules`: the audit's flags (window, VPCs, logs, allowlist) plus the EC2 facts files, --min-days and its --format. */
export interface EgressRulesCommand {
  readonly command: 'egress-rules';
  /** The audit's flags as `audit` parses them (its --format is this command's own, `format`). */
  readonly audit: AuditCommand;
  /** --interfaces: the JSON file of `aws ec2 describe-network-interfaces`. */
  readonly interfaces: string;
  /** --security-groups: the JSON file of `aws ec2 describe-security-group-rules`. */
  readonly securityGroups: string;
  /** --min-days: a shorter window is not yet safe to apply (default 7). */
  readonly minDays: number;
  readonly format: EgressFormat;
}

/** Where `allowlist init` writes unless --out says otherwise: where the action reads its allowlist. */
export const DEFAULT_ALLOWLIST_PATH = '.github/outbound-ports.yml';

export type Command = SampleCommand | AuditCommand | EgressRulesCommand | RedriveCommand | AllowlistInitCommand | HelpCommand | VersionCommand;

/** One flag: its value's placeholder (none: a switch), what it does, and an example. */
export interface FlagSpec {
  readonly value?: string;
  readonly help: string;
  readonly example?: string;
  readonly required?: boolean;
}

const NAMED_FORMAT_NAMES = NAMED_FORMATS.map((f) => f.name).join('|');
const TIME = 'HOUR|DATE';

/** Every flag, by name; a command may override the help of one (see COMMANDS). */
export const FLAGS = {
  logs: {
    value: 'DIR|s3://BUCKET/PREFIX/',
    help:
      'The flow logs: any folder of a copy of a flow-log bucket (the bucket, AWSLogs/, an account, a region, a day) in the ' +
      'Firehose layout PREFIX/YYYY/MM/DD/HH/ or S3 delivery\'s (AWSLogs/ACCOUNT/vpcflowlogs/REGION/YYYY/MM/DD/[HH/], or ' +
      'Hive-compatible), gzip or plain text (with or without the header line) or Parquet; or such a folder in S3, whose ' +
      'window objects are fetched into --cache-dir first. Only the window\'s dated folders are opened.',
    example: '--logs ./flow-logs',
    required: true,
  },
  'vpc-cidr': {
    value: 'CIDR[,CIDR...]',
    help:
      "The VPC's own CIDR blocks, IPv4 and IPv6, separated by commas: traffic from them to addresses outside them is what the audit counts. " +
      'Required unless --vpcs is given; with --vpcs, these blocks are inside every VPC.',
    example: '--vpc-cidr 10.0.0.0/16,2600:1f18:47b:a900::/56',
  },
  vpcs: {
    value: 'FILE',
    help:
      'A VPC inventory for an organisation\'s flow logs: a YAML list of {account, region, vpc-id, cidrs}. "Inside" is then per VPC ' +
      '(VPCs of different accounts may share a CIDR), records without a vpc-id field are attributed by account, region and source ' +
      'address, and a connection from one VPC to another counts as egress of the first. A VPC it does not list is still audited where ' +
      'its format has flow-direction and traffic-path.',
    example: '--vpcs vpcs.yml',
  },
  accounts: {
    value: 'ID[,ID...]',
    help:
      'Audit only these accounts (12-digit ids): records of other accounts are left out of every count (the files of the window ' +
      'are still read; on Athena, a table whose account is a partition, such as Security Lake\'s or the Security Analytics Bootstrap ' +
      'table, reads only these accounts\' partitions). Records that name no account are kept when their source is inside a VPC of ' +
      'these accounts in --vpcs.',
    example: '--accounts 111122223333,444455556666',
  },
  'group-by': {
    value: GROUP_BYS.join('|'),
    help: 'How the report is split: a section per VPC, per account, or one organisation-wide list. Default: vpc when the window holds more than one account or VPC, else one list.',
    example: '--group-by account',
  },
  end: {
    value: TIME,
    help: 'The end of the window (exclusive), a whole UTC hour such as 2026-11-02T00 or a date such as 2026-11-02 (that day\'s 00:00 UTC). Default: the start of the current UTC hour.',
    example: '--end 2026-11-02',
  },
  'lookback-hours': {
    value: 'N',
    help: `The window's length in hours, ending at --end (${LOOKBACK_RANGE.min} to ${LOOKBACK_RANGE.max}; default 24). Give one of --lookback-hours, --since, --start.`,
    example: '--lookback-hours 48',
  },
  since: {
    value: 'DURATION',
    help: 'The window\'s length as hours or days ending at --end, such as 36h or 7d (at most 400 days).',
    example: '--since 7d',
  },
  start: {
    value: TIME,
    help: 'The start of the window (inclusive), a whole UTC hour or a date, before --end.',
    example: '--start 2026-11-01',
  },
  top: {
    value: 'N',
    help: 'How many ports the list shows, busiest first: ranked by connections (distinct source address, source port, destination address and port), then by flows (records). 1 to 1000; default 10.',
    example: '--top 25',
  },
  'max-ports': {
    value: 'N',
    help: `At most this many ports are returned and judged, the busiest; a window with more distinct ports says how many were left out. Ports outside --allowlist below the --top list are still listed, as new. Default ${DEFAULT_MAX_PORTS}.`,
    example: '--max-ports 5000',
  },
  preset: {
    value: PRESETS.join('|'),
    help:
      'What is counted. egress-ports (default): the destination ports of connections the VPC opened to addresses outside its ' +
      "CIDRs, the answer to \"which ports does this VPC connect out to\". seed: the original recipe's query, the source ports of " +
      "traffic from the VPC (mostly ephemeral ports of outbound connections), kept to compare the two.",
    example: '--preset seed',
  },
  'log-format': {
    value: `${NAMED_FORMAT_NAMES}|"<LogFormat>"`,
    help:
      "The format of text files without a header line: v2 (14 fields), v5 (29), v8 (40) or the flow log's LogFormat string of " +
      '${field} tokens. Default: each file\'s header line, Parquet schema or field count says its format.',
    example: '--log-format \'${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${action}\'',
  },
  allowlist: {
    value: 'FILE',
    help: 'A YAML file with a ports: list of the ports you expect (port, protocol, reason); every other port is marked NEW and drilled into (who opened it, where it went).',
    example: '--allowlist .github/outbound-ports.yml',
  },
  format: {
    value: OUTPUT_FORMATS.join('|'),
    help: 'What stdout gets: a table (default), JSON for scripts, markdown, CSV (one row a port), or SARIF 2.1.0 for GitHub code scanning (needs --allowlist; why: table, json or markdown only).',
    example: '--format json',
  },
  'nat-addresses': {
    value: 'IP[,IP...]',
    help:
      "The NAT gateways' private IPv4 addresses, so that their translated copies of connections count once. Logs with " +
      'interface-id, flow-direction and pkt-dstaddr (v5) tell those copies without it.',
    example: '--nat-addresses 10.0.0.220,10.0.1.17',
  },
  'cache-dir': {
    value: 'DIR',
    help: 'Where objects of --logs s3://... are kept (default $XDG_CACHE_HOME/vpc-port-audit or ~/.cache/vpc-port-audit); an unchanged object is not fetched again.',
    example: '--cache-dir /tmp/flow-log-cache',
  },
  'fail-on-unexplained': {
    help: 'Exit with code 3 when any port counted is outside --allowlist (the report is printed as usual): a pipeline step that fails on a new port.',
    example: '--fail-on-unexplained',
  },
  'require-full-window': {
    help: 'Exit with code 2, printing no report, when the files cover less than the whole window (missing hours), instead of a warning.',
    example: '--require-full-window',
  },
  'glue-table': {
    value: 'FILE',
    help: 'The SQL for your own Athena table: FILE holds what `aws glue get-table --database-name DB --name TABLE` prints.',
    example: '--glue-table table.json',
  },
  'glue-target-table': {
    value: 'FILE',
    help: "When --glue-table is a Lake Formation resource link (its TargetTable, no columns): FILE holds `aws glue get-table --catalog-id ID --database-name DB --name TABLE` of the target; the SQL still names the link.",
    example: '--glue-target-table target.json',
  },
  pipeline: {
    value: PIPELINES.join('|'),
    help: "The SQL for the table of the stack's pipeline (default cloudwatch-firehose); s3-parquet's table has every field, so no --logs or --log-format.",
    example: '--pipeline s3-parquet',
  },
  interfaces: {
    value: 'FILE',
    help: 'The network interfaces and their security groups: FILE holds what `aws ec2 describe-network-interfaces` prints ({"NetworkInterfaces": [...]}), for the VPCs audited.',
    example: '--interfaces interfaces.json',
    required: true,
  },
  'security-groups': {
    value: 'FILE',
    help: "The security groups' current rules: FILE holds what `aws ec2 describe-security-group-rules` prints ({\"SecurityGroupRules\": [...]}); each egress rule is marked used, never used or not known in the window.",
    example: '--security-groups rules.json',
    required: true,
  },
  'min-days': {
    value: 'N',
    help: `A window shorter than N days is marked not yet safe to apply (weekly jobs may not have run in it); 1 to 400, default ${DEFAULT_MIN_DAYS}.`,
    example: '--min-days 14',
  },
  out: {
    value: 'NEW-OR-EMPTY-DIR',
    help: 'The folder to write the sample into, with its ground-truth.json; it must not exist or be empty.',
    example: '--out ./sample-logs',
    required: true,
  },
  days: { value: 'N', help: 'Days of flow logs, ending at --end (1 to 400; default 1).', example: '--days 3' },
  'records-per-hour': { value: 'N', help: 'Records per hour (default 1000).', example: '--records-per-hour 200' },
  seed: { value: 'N', help: 'The random seed: the same seed writes the same records (default 1).', example: '--seed 2026' },
  'files-per-hour': { value: 'N', help: 'Files per hour folder (1 to 60; default 1).', example: '--files-per-hour 4' },
  layout: { value: LAYOUTS.map((l) => l.name).join('|'), help: 'The folder layout to write (default firehose).', example: '--layout s3-hive' },
  'file-format': { value: SAMPLE_FILE_FORMATS.join('|'), help: 'Text (gzip) or Parquet files (default text).', example: '--file-format parquet' },
  stack: { value: 'NAME', help: 'The name of the pipeline stack whose failure queue to redrive.', example: '--stack vpc-port-audit', required: true },
  region: { value: 'REGION', help: "The stack's region (default AWS_REGION).", example: '--region eu-west-1' },
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

/** One command: what it does, its positional argument, its flags (with help overrides) and examples. */
export interface CommandSpec {
  readonly summary: string;
  readonly positional?: { readonly name: string; readonly help: string };
  readonly flags: readonly (FlagName | readonly [FlagName, Partial<FlagSpec>])[];
  readonly notes?: readonly string[];
  readonly examples: readonly string[];
}

const WINDOW_FLAGS = ['end', 'lookback-hours', 'since', 'start'] as const;

const SAMPLE_CIDRS = '172.31.0.0/16,2600:1f18:47b:a900::/56';

export const COMMANDS = {
  audit: {
    summary: 'The ports the VPC connected out to in a window of flow logs, busiest first (DuckDB on local files or s3://).',
    flags: ['logs', 'vpc-cidr', 'vpcs', 'accounts', 'group-by', ...WINDOW_FLAGS, 'top', 'max-ports', 'preset', 'allowlist', 'fail-on-unexplained', 'require-full-window', 'format', 'log-format', 'nat-addresses', 'cache-dir'],
    notes: [
      'Columns: connections, flows (records), packets, bytes, and peers: the distinct outside addresses the port was used with.',
      'A window the files cover only in part says so in the title ("18 of 24 hours") and on stderr.',
    ],
    examples: [
      `vpc-port-audit audit --logs sample/flow-logs --vpc-cidr ${SAMPLE_CIDRS} --end 2026-11-02 --allowlist sample/outbound-ports.yml`,
      'vpc-port-audit audit --logs s3://my-flow-logs/AWSLogs/ --vpc-cidr 10.0.0.0/16 --since 7d --format json',
      'vpc-port-audit audit --logs ./flow-logs --vpc-cidr 10.0.0.0/16 --allowlist ports.yml --fail-on-unexplained --require-full-window',
      'vpc-port-audit audit --logs ./central-bucket/vpc-flow-logs/AWSLogs/ --vpcs vpcs.yml --since 1d --group-by account',
    ],
  },
  why: {
    summary: 'Who in the VPC opened connections to one port, and where they went (the drill-down of a NEW port).',
    positional: { name: 'PORT[/PROTOCOL]', help: 'The port, and tcp (default), udp, icmp, icmpv6 or a protocol number: 5432, 53/udp.' },
    flags: ['logs', 'vpc-cidr', 'vpcs', 'accounts', ...WINDOW_FLAGS, ['preset', { help: 'egress-ports (default): PORT is a destination port the VPC connected out to; seed: a source port of traffic from the VPC, as the seed preset counts it.' }], 'format', 'log-format', 'nat-addresses', 'cache-dir'],
    examples: [`vpc-port-audit why 8333 --logs sample/flow-logs --vpc-cidr ${SAMPLE_CIDRS} --end 2026-11-02`, 'vpc-port-audit why 53/udp --logs ./flow-logs --vpc-cidr 10.0.0.0/16 --since 36h'],
  },
  sql: {
    summary: "The Athena SQL of the same audit, for this stack's table or your own (prints SQL, runs nothing).",
    flags: [
      'vpc-cidr', 'vpcs', 'accounts',
      ['logs', { required: false, help: 'Optional: a folder (or s3://) of flow logs whose files say the format of the table\'s columns.' }],
      ...WINDOW_FLAGS, 'top', 'max-ports', 'preset', 'log-format', 'nat-addresses', 'pipeline', 'glue-table', 'glue-target-table', 'cache-dir',
    ],
    examples: ['vpc-port-audit sql --vpc-cidr 10.0.0.0/16 --end 2026-11-02 --pipeline s3-parquet', 'vpc-port-audit sql --vpc-cidr 10.0.0.0/16 --glue-table table.json'],
  },
  sample: {
    summary: 'Generate flow logs of a made-up VPC, with the ground truth of every count, into a new or empty folder.',
    flags: [
      'out', 'days', 'records-per-hour', 'seed',
      ['vpc-cidr', { required: false, help: `The sample VPC's CIDR blocks (default ${DEFAULT_SAMPLE_CIDRS}); one must be IPv4.` }],
      ['end', { help: 'The end of the sample (exclusive), a whole UTC hour or a date; default the start of the current UTC hour.' }],
      ['log-format', { value: NAMED_FORMAT_NAMES, help: 'The format written (default v5).' }],
      'files-per-hour', 'layout', 'file-format',
    ],
    examples: ['vpc-port-audit sample --out ./sample-logs --days 3 --records-per-hour 200 --end 2026-11-02'],
  },
  'egress-rules': {
    summary: "Propose least-privilege egress rules per security group from what the window's flow logs show each interface opened (a proposal to review; never applied).",
    flags: [
      'logs', 'vpc-cidr', 'vpcs', 'accounts', 'interfaces', 'security-groups', ...WINDOW_FLAGS, 'min-days', 'allowlist',
      ['format', { value: EGRESS_FORMATS.join('|'), help: 'What stdout gets: a report per security group (table, default), the JSON document (docs/egress-rules.schema.json), or AWS::EC2::SecurityGroupEgress resources (cloudformation) or aws_vpc_security_group_egress_rule resources (terraform) to paste.' }],
      'log-format', 'nat-addresses', 'cache-dir',
    ],
    notes: [
      'Destinations: the VPC\'s and the inventory\'s CIDR blocks, the AWS-managed prefix lists of S3 and DynamoDB (pkt-dst-aws-service), else 0.0.0.0/0 or ::/0. The flow logs need the interface-id field.',
      'Ports the --allowlist does not explain are proposed and marked NOT IN ALLOWLIST. Traffic flow logs never record (the Amazon DNS server, 169.254.169.254, Time Sync, DHCP, ...) is named in the notes.',
    ],
    examples: [
      'vpc-port-audit egress-rules --logs ./flow-logs --vpc-cidr 10.0.0.0/16 --since 14d --interfaces interfaces.json --security-groups rules.json',
      'vpc-port-audit egress-rules --logs ./flow-logs --vpcs vpcs.yml --since 7d --interfaces interfaces.json --security-groups rules.json --format terraform',
    ],
  },
  allowlist: {
    summary: 'Draft a starting allowlist from an audit: every observed port, each reason a draft marked REVIEW (never overwrites a file).',
    positional: { name: 'init', help: 'The one allowlist command: write the draft.' },
    flags: [
      'logs', 'vpc-cidr', 'vpcs', 'accounts', ...WINDOW_FLAGS, 'log-format', 'nat-addresses', 'cache-dir',
      ['out', { value: 'FILE', required: false, help: `The new allowlist file (default ${DEFAULT_ALLOWLIST_PATH}, where the action reads it); an existing file is refused.`, example: '--out ports.yml' }],
    ],
    examples: [`vpc-port-audit allowlist init --logs sample/flow-logs --vpc-cidr ${SAMPLE_CIDRS} --end 2026-11-02 --out ports.yml`],
  },
  redrive: {
    summary: "Send the forwarder's failed batches that the stack's failure queue holds into its Firehose stream (AWS credentials from the environment).",
    flags: ['stack', 'region'],
    examples: ['vpc-port-audit redrive --stack vpc-port-audit --region eu-west-1'],
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

const EXIT_CODES_TEXT =
  `Exit codes: ${EXIT.ok} done; ${EXIT.badInput} bad input (one sentence on stderr, nothing done); ${EXIT.policy} policy: ` +
  `audit --fail-on-unexplained found ports outside --allowlist; ${EXIT.unexpected} an unexpected failure.`;

/** The flags of a command with their specs (overrides applied), in help order. */
function flagsOf(name: CommandName): [FlagName, FlagSpec][] {
  return (COMMANDS[name] as CommandSpec).flags.map((entry) =>
    typeof entry === 'string' ? [entry, FLAGS[entry]] : [entry[0], { ...FLAGS[entry[0]], ...entry[1] }],
  );
}

/** `text` wrapped to lines of at most `width` characters, each starting with `indent`. */
function wrap(text: string, indent: string, width = 110): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, indent + line].join('\n');
}

const synopsis = (name: CommandName) => {
  const spec = COMMANDS[name] as CommandSpec;
  const required = flagsOf(name).filter(([, f]) => f.required).map(([flag, f]) => `--${flag} ${f.value}`);
  return ['vpc-port-audit', name, ...(spec.positional ? [spec.positional.name] : []), ...required, '[flags]'].join(' ');
};

/** The overview: the commands, how to get a command's help, the exit codes. */
export function usage(): string {
  const width = Math.max(...COMMAND_NAMES.map((n) => n.length));
  return [
    "vpc-port-audit: which ports your AWS VPCs connect out to, from VPC Flow Logs.",
    '',
    'Usage: vpc-port-audit COMMAND [flags]',
    '',
    'Commands:',
    ...COMMAND_NAMES.map((n) => `  ${n.padEnd(width)}  ${wrap(COMMANDS[n].summary, ' '.repeat(width + 4)).trimStart()}`),
    '',
    wrap('Help on a command: vpc-port-audit help COMMAND, or vpc-port-audit COMMAND --help (-h). The version: vpc-port-audit --version.', ''),
    wrap(EXIT_CODES_TEXT, ''),
    '',
    'Example:',
    `  ${COMMANDS.audit.examples[0]}`,
  ].join('\n');
}

/** One command's help: its synopsis, every flag with what it does and an example, examples, exit codes. */
export function commandHelp(name: CommandName): string {
  const spec = COMMANDS[name] as CommandSpec;
  const flags = flagsOf(name).map(([flag, f]) =>
    [
      `  --${flag}${f.value ? ` ${f.value}` : ''}${f.required ? '  (required)' : ''}`,
      wrap(f.help, '      '),
      ...(f.example ? [`      Example: ${f.example}`] : []),
    ].join('\n'),
  );
  return [
    `Usage: ${synopsis(name)}`,
    '',
    wrap(spec.summary, ''),
    ...(spec.positional ? ['', 'Argument:', `  ${spec.positional.name}`, wrap(spec.positional.help, '      ')] : []),
    '',
    'Flags:',
    ...flags,
    '  -h, --help',
    '      This help.',
    ...(spec.notes ? ['', ...spec.notes.map((n) => wrap(n, ''))] : []),
    '',
    'Examples:',
    ...spec.examples.map((e) => `  ${e}`),
    '',
    wrap(EXIT_CODES_TEXT, ''),
  ].join('\n');
}

/** The parsed flags of a command: a string per flag given (switches: 'true'), and the positional arguments. */
interface ParsedArgs {
  readonly flags: Map<string, string>;
  readonly positionals: string[];
}

const commandsWith = (flag: string) => COMMAND_NAMES.filter((n) => flagsOf(n).some(([f]) => f === flag));

/**
 * Parses one command's arguments with util.parseArgs. Refused, each in one sentence: a flag the command does not
 * have (naming the commands that do), a flag given twice, a flag without its value, a value given to a switch,
 * and more positional arguments than the command takes.
 */
function readArgs(name: CommandName, args: readonly string[]): ParsedArgs {
  const own = flagsOf(name);
  const options = Object.fromEntries(own.map(([flag, f]) => [flag, { type: f.value ? ('string' as const) : ('boolean' as const) }]));
  const accepted = `see vpc-port-audit ${name} --help`;
  // First pass, lenient: which flags were given, in order, so that a flag unknown here is named as the user wrote it.
  const { tokens } = parseArgs({ args: [...args], options, allowPositionals: true, strict: false, tokens: true });
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    if (!(token.name in options)) {
      const others = commandsWith(token.name);
      const where = others.length > 0 ? ` (it is a flag of ${others.join(', ')})` : '';
      const flags = own.map(([f]) => `--${f}`);
      const hint = where === '' ? suggestion(`--${token.name}`, flags) : '';
      throw new InputError(`'${token.rawName.slice(0, 40)}' is not a flag of '${name}'${where};${hint} ${name}'s flags are ${flags.join(', ')}.`);
    }
    if (seen.has(token.name)) throw new InputError(`--${token.name} is given twice; give it once.`);
    seen.add(token.name);
  }
  const positionals = tokens.filter((t) => t.kind === 'positional').map((t) => t.value);
  const allowed = (COMMANDS[name] as CommandSpec).positional ? 1 : 0;
  if (positionals.length > allowed) {
    const extra = positionals[allowed]!;
    const shown = extra.length > 40 ? `${extra.slice(0, 40)}...` : extra;
    throw new InputError(`'${shown}' is not a flag of '${name}'${allowed ? `, which takes one ${(COMMANDS[name] as CommandSpec).positional!.name}` : ''}; ${accepted}.`);
  }
  let values;
  try {
    ({ values } = parseArgs({ args: [...args], options, allowPositionals: true, strict: true }));
  } catch (error) {
    const flag = /Option '(?:-\w, )?--([\w-]+)/.exec((error as Error).message)?.[1] ?? '?';
    if ((error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && !/does not take an argument/.test((error as Error).message)) {
      throw new InputError(`--${flag} needs a value: give --${flag} VALUE, or --${flag}=VALUE for a value that starts with a dash; ${accepted}.`);
    }
    throw new InputError(`--${flag} takes no value; give it alone, as --${flag}.`);
  }
  const flags = new Map(Object.entries(values).map(([k, v]) => [k, String(v)]));
  return { flags, positionals };
}

/** `36h`, `7d`: a duration in whole hours or days, as hours. */
function parseSince(text: string): number {
  const m = /^\s*(\d{1,5})\s*([hd])\s*$/.exec(text);
  const hours = m ? Number(m[1]) * (m[2] === 'd' ? 24 : 1) : NaN;
  if (!(hours >= LOOKBACK_RANGE.min && hours <= LOOKBACK_RANGE.max)) {
    throw new InputError(`--since: '${text.slice(0, 40)}' is not a duration from 1h to ${LOOKBACK_RANGE.max / 24}d; give whole hours or days, such as 36h or 7d.`);
  }
  return hours;
}

function parseEnd(flags: Map<string, string>, now: Date): Date {
  const text = flags.get('end');
  return text === undefined ? floorToHour(now) : parseIsoHourOrDate(text, '--end');
}

/** The window from --end and at most one of --lookback-hours, --since, --start (default 24 hours). */
function parseWindow(flags: Map<string, string>, now: Date): HourWindow {
  const given = (['lookback-hours', 'since', 'start'] as const).filter((f) => flags.has(f));
  if (given.length > 1) {
    throw new InputError(`${given.map((f) => `--${f}`).join(' and ')} each set the window's start; give one of --lookback-hours, --since, --start.`);
  }
  const end = parseEnd(flags, now);
  const start = flags.get('start');
  if (start === undefined) {
    const since = flags.get('since');
    return windowEndingAt(end, since !== undefined ? parseSince(since) : parseLookbackHours(flags.get('lookback-hours') ?? '24', '--lookback-hours'));
  }
  const startHour = parseIsoHourOrDate(start, '--start');
  const hours = (end.getTime() - startHour.getTime()) / HOUR_MS;
  if (hours < LOOKBACK_RANGE.min || hours > LOOKBACK_RANGE.max) {
    const endText = `${end.toISOString().slice(0, 13)}Z`;
    throw new InputError(
      hours < 1
        ? `--start: '${start}' is not before the window's end ${endText}; give a start before --end.`
        : `--start: '${start}' is ${hours} hours before the window's end ${endText}, more than ${LOOKBACK_RANGE.max} (400 days); give a later start.`,
    );
  }
  return { start: startHour, end };
}

function parseOutputFormat(text: string, accepted: readonly OutputFormat[]): OutputFormat {
  const format = accepted.find((f) => f === text);
  if (!format) throw new InputError(`--format: '${text}' is not an output format; accepted are ${accepted.join(', ')}.`);
  return format;
}

/** --format sarif places each result on the allowlist file, so it needs --allowlist. */
function requireAllowlistForSarif(output: OutputFormat, flags: Map<string, string>): OutputFormat {
  if (output === 'sarif' && !flags.has('allowlist')) {
    throw new InputError('--format sarif needs --allowlist FILE: code scanning places each port the allowlist does not explain on that file.');
  }
  return output;
}

function parseChoice<T extends string>(text: string, flag: string, accepted: readonly T[]): T {
  const choice = accepted.find((a) => a === text);
  if (!choice) throw new InputError(`${flag}: '${text}' is not accepted; accepted are ${accepted.join(', ')}.`);
  return choice;
}

function requireFlag(flags: Map<string, string>, name: FlagName, hint: string): string {
  const value = flags.get(name);
  if (value === undefined || value.trim() === '') throw new InputError(`--${name} is required: ${hint}.`);
  return value;
}

function parseSample(flags: Map<string, string>, now: Date): SampleCommand {
  const formatText = flags.get('log-format') ?? 'v5';
  const format = NAMED_FORMATS.find((f) => f.name === formatText);
  if (!format) throw new InputError(`--log-format: '${formatText.slice(0, 40)}' is not a sample format; accepted are ${NAMED_FORMATS.map((f) => f.name).join(', ')}.`);
  return {
    command: 'sample',
    out: requireFlag(flags, 'out', 'a new or empty folder to write the flow-log folders into'),
    days: parseInteger(flags.get('days') ?? '1', '--days', 1, 400),
    recordsPerHour: parseInteger(flags.get('records-per-hour') ?? '1000', '--records-per-hour', 1, 10_000_000),
    seed: parseInteger(flags.get('seed') ?? '1', '--seed', 0, 2 ** 32 - 1),
    vpcCidrs: parseCidrList(flags.get('vpc-cidr') ?? DEFAULT_SAMPLE_CIDRS, '--vpc-cidr'),
    end: parseEnd(flags, now),
    format,
    filesPerHour: parseInteger(flags.get('files-per-hour') ?? '1', '--files-per-hour', 1, 60),
    layout: parseChoice(flags.get('layout') ?? 'firehose', '--layout', LAYOUTS.map((l) => l.name)),
    fileFormat: parseChoice(flags.get('file-format') ?? 'text', '--file-format', SAMPLE_FILE_FORMATS),
  };
}

/** `443`, `443/tcp`, `53/udp`, `8333/6`: a port 0-65535 and a protocol (default tcp). */
function parsePortRef(text: string | undefined): PortRef {
  if (text === undefined) throw new InputError('why: give PORT or PORT/PROTOCOL, such as 5432 or 53/udp.');
  const m = /^(\d{1,5})(?:\/(\w+))?$/.exec(text);
  const port = m ? Number(m[1]) : NaN;
  if (!m || port > 65535) throw new InputError(`why: '${text.slice(0, 40)}' is not a port; give PORT or PORT/PROTOCOL, such as 5432 or 53/udp.`);
  const protocol = m[2] === undefined ? 6 : protocolNumber(m[2]);
  if (protocol === undefined) throw new InputError(`why: '${m[2]}' in '${text}' is not a protocol; accepted are ${ACCEPTED_PROTOCOLS}.`);
  return { port, protocol };
}

function parseAudit(command: 'audit' | 'sql' | 'why', flags: Map<string, string>, now: Date): AuditCommand {
  const logs = command !== 'sql' ? requireFlag(flags, 'logs', 'a folder of flow-log files (a copy of the bucket or any folder in it) or s3://BUCKET/PREFIX/') : flags.get('logs');
  const vpcs = flags.get('vpcs');
  const vpcCidrs =
    vpcs !== undefined && !flags.has('vpc-cidr')
      ? []
      : parseCidrList(requireFlag(flags, 'vpc-cidr', "the VPC's CIDR blocks, such as 10.0.0.0/16, or --vpcs FILE with each VPC's"), '--vpc-cidr');
  const formatText = flags.get('log-format');
  const failOnUnexplained = flags.has('fail-on-unexplained');
  if (failOnUnexplained && !flags.has('allowlist')) {
    throw new InputError('--fail-on-unexplained needs --allowlist FILE: the ports you expect, against which a port is unexplained.');
  }
  return {
    command,
    logs,
    s3Logs: logs !== undefined && isS3Url(logs) ? parseS3Url(logs, '--logs') : undefined,
    cacheDir: flags.get('cache-dir'),
    vpcCidrs,
    ...(vpcs === undefined ? {} : { vpcs }),
    ...(flags.has('accounts') ? { accounts: parseAccountList(flags.get('accounts')!, '--accounts') } : {}),
    ...(flags.has('group-by') ? { groupBy: parseChoice(flags.get('group-by')!, '--group-by', GROUP_BYS) } : {}),
    window: parseWindow(flags, now),
    top: parseTop(flags.get('top') ?? '10', '--top'),
    maxPorts: parseMaxPorts(flags.get('max-ports') ?? String(DEFAULT_MAX_PORTS), '--max-ports'),
    preset: parsePreset(flags.get('preset') ?? 'egress-ports', '--preset'),
    format: formatText === undefined ? undefined : resolveFormat(formatText, '--log-format'),
    allowlist: flags.get('allowlist'),
    natAddresses: parseNatAddresses(flags.get('nat-addresses') ?? '', '--nat-addresses'),
    output: requireAllowlistForSarif(parseOutputFormat(flags.get('format') ?? 'table', command === 'why' ? WHY_FORMATS : OUTPUT_FORMATS), flags),
    failOnUnexplained,
    requireFullWindow: flags.has('require-full-window'),
    glueTable: parseGlueTableFlag(flags),
    glueTargetTable: parseGlueTargetTableFlag(flags),
    ...(command === 'sql' ? { pipeline: parsePipelineFlag(flags) } : {}),
  };
}

/** --pipeline NAME (default cloudwatch-firehose); the s3-parquet table's columns are fixed (every field v2-v8), so --logs and --log-format do not apply to it, and --glue-table names another table. */
function parsePipelineFlag(flags: Map<string, string>): Pipeline {
  const text = flags.get('pipeline');
  if (text === undefined) return 'cloudwatch-firehose';
  const pipeline = PIPELINES.find((p) => p === text);
  if (!pipeline) throw new InputError(`--pipeline: '${text.slice(0, 40)}' is not a pipeline; accepted are ${PIPELINES.join(', ')}.`);
  const clash = ['glue-table', ...(pipeline === 's3-parquet' ? ['logs', 'log-format'] : [])].find((f) => flags.has(f));
  if (clash) throw new InputError(`--${clash} does not apply with --pipeline ${pipeline}: the table's columns follow from the one or the other; give one of the two.`);
  return pipeline;
}

/** --glue-table FILE; the table's definition then says its columns, so --logs and --log-format do not apply. */
function parseGlueTableFlag(flags: Map<string, string>): string | undefined {
  const file = flags.get('glue-table');
  if (file === undefined) return undefined;
  const clash = ['logs', 'log-format'].find((f) => flags.has(f));
  if (clash) throw new InputError(`--${clash} does not apply with --glue-table: the table's definition says its columns; give one of the two.`);
  return requireFlag(flags, 'glue-table', 'the JSON file that aws glue get-table prints');
}

/** --glue-target-table FILE: only next to --glue-table (the link whose target it defines). */
function parseGlueTargetTableFlag(flags: Map<string, string>): string | undefined {
  if (!flags.has('glue-target-table')) return undefined;
  if (!flags.has('glue-table')) throw new InputError('--glue-target-table needs --glue-table: give the resource link\'s definition with --glue-table and its target\'s with --glue-target-table.');
  return requireFlag(flags, 'glue-target-table', 'the JSON file that aws glue get-table prints for the resource link\'s target');
}

/** `egress-rules`: the audit's flags (its --format left to this command), the facts files, --min-days, --format. */
function parseEgressRules(flags: Map<string, string>, now: Date): EgressRulesCommand {
  const auditFlags = new Map(flags);
  auditFlags.delete('format');
  return {
    command: 'egress-rules',
    audit: parseAudit('audit', auditFlags, now),
    interfaces: requireFlag(flags, 'interfaces', 'the JSON file that aws ec2 describe-network-interfaces prints'),
    securityGroups: requireFlag(flags, 'security-groups', 'the JSON file that aws ec2 describe-security-group-rules prints'),
    minDays: parseInteger(flags.get('min-days') ?? String(DEFAULT_MIN_DAYS), '--min-days', 1, 400),
    format: parseChoice(flags.get('format') ?? 'table', '--format', EGRESS_FORMATS),
  };
}

/** `allowlist init`: the audit's flags (every observed port is drafted) and --out. */
function parseAllowlistInit(subcommand: string | undefined, flags: Map<string, string>, now: Date): AllowlistInitCommand {
  if (subcommand !== 'init') {
    const what = subcommand === undefined ? 'give a command' : `'${subcommand.slice(0, 40)}' is not an allowlist command`;
    throw new InputError(`allowlist: ${what}; accepted is init (allowlist init --logs DIR --vpc-cidr CIDR).`);
  }
  const out = flags.get('out') ?? DEFAULT_ALLOWLIST_PATH;
  if (out.trim() === '') throw new InputError(`--out is empty: give the path of the new allowlist file, such as ${DEFAULT_ALLOWLIST_PATH}.`);
  return { command: 'allowlist-init', audit: parseAudit('audit', flags, now), out };
}

function parseRedrive(flags: Map<string, string>): RedriveCommand {
  const region = flags.get('region');
  return {
    command: 'redrive',
    stack: parseStackName(requireFlag(flags, 'stack', 'the name of the pipeline stack whose failure queue to redrive'), '--stack'),
    ...(region === undefined ? {} : { region: parseRegion(region, '--region') }),
  };
}

const isCommand = (name: string): name is CommandName => Object.hasOwn(COMMANDS, name);

/**
 * ` did you mean X?` when `typed` is a likely typo of one of `known` (at most 2 edits, and fewer than half its
 * letters: `--lgos` -> `--logs`), else ''. Edit distance from fastest-levenshtein.
 */
function suggestion(typed: string, known: readonly string[]): string {
  if (known.length === 0) return '';
  const nearest = closest(typed, [...known]);
  const edits = distance(typed, nearest);
  return edits <= 2 && edits < typed.length / 2 ? ` did you mean ${nearest}?` : '';
}

function commandName(text: string): CommandName {
  if (isCommand(text)) return text;
  throw new InputError(`'${text.slice(0, 40)}' is not a command;${suggestion(text, COMMAND_NAMES)} accepted are ${COMMAND_NAMES.join(', ')} (see vpc-port-audit --help).`);
}

/**
 * Parses the arguments after the program name; `now` fixes the default --end. No arguments is the overview with
 * exit code 2; `help [COMMAND]`, `--help`, `-h` and `COMMAND --help|-h` (anywhere after it) are help.
 */
export function parseCommand(argv: readonly string[], now = new Date()): Command {
  const [first, ...rest] = argv;
  if (first === undefined) return { command: 'help', exitCode: 2 };
  if (first === '--help' || first === '-h') return { command: 'help', exitCode: 0 };
  if (first === '--version' && rest.length === 0) return { command: 'version' };
  if (first === 'help') {
    if (rest.length > 1) throw new InputError(`help takes one command at most; accepted are ${COMMAND_NAMES.join(', ')}.`);
    return rest[0] === undefined ? { command: 'help', exitCode: 0 } : { command: 'help', topic: commandName(rest[0]), exitCode: 0 };
  }
  const name = commandName(first);
  // Help wins over any mistake in the other arguments (`audit --top x -h` asks what --top takes). After `--`, none is.
  const options = rest.slice(0, rest.includes('--') ? rest.indexOf('--') : rest.length);
  if (options.includes('--help') || options.includes('-h')) return { command: 'help', topic: name, exitCode: 0 };
  const { flags, positionals } = readArgs(name, rest);
  if (name === 'why') {
    const why = parsePortRef(positionals[0]);
    return { ...parseAudit('why', flags, now), why };
  }
  if (name === 'redrive') return parseRedrive(flags);
  if (name === 'egress-rules') return parseEgressRules(flags, now);
  if (name === 'allowlist') return parseAllowlistInit(positionals[0], flags, now);
  return name === 'sample' ? parseSample(flags, now) : parseAudit(name, flags, now);
}
