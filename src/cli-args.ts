// Command-line arguments of `vpc-port-audit`: the commands, their flags, and the validation of every value
// into a typed command. Anything wrong becomes an InputError naming the flag and what it accepts.

import type { Cidr } from './audit/cidr.js';
import { parseCidrList, parseInteger, parseLookbackHours, parseNatAddresses, parsePreset, parseTop, TOP_RANGE } from './audit/parameters.js';
import type { Preset } from './audit/query.js';
import type { PortRef } from './audit/drill-down.js';
import { ACCEPTED_PROTOCOLS, protocolNumber } from './audit/port-row.js';
import { NAMED_FORMATS, resolveFormat, type FlowLogFormat } from './flowlog/format.js';
import { floorToHour, parseIsoHour, windowEndingAt, type HourWindow } from './flowlog/layout.js';
import { parseRegion, parseStackName } from './aws/names.js';
import { InputError } from './input-error.js';
import { LAYOUTS, type LayoutName } from './logs/layouts.js';
import { isS3Url, parseS3Url, type S3Location } from './logs/s3-url.js';
import { SAMPLE_FILE_FORMATS, type SampleFileFormat } from './flowlog/sample.js';
import { PIPELINES, type Pipeline } from './pipeline/pipelines.js';

export const OUTPUT_FORMATS = ['table', 'json', 'markdown', 'csv', 'sarif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** The formats of `why` (one port's drill-down has no rows for CSV and no allowlist verdict for SARIF). */
const WHY_FORMATS = ['table', 'json', 'markdown'] as const satisfies readonly OutputFormat[];

/** The VPC of a generated sample unless --vpc-cidr says otherwise: an IPv4 block and an IPv6 block. */
export const DEFAULT_SAMPLE_CIDRS = '10.0.0.0/16,2600:1f18:47b:a900::/56';

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
  readonly vpcCidrs: Cidr[];
  readonly window: HourWindow;
  readonly top: number;
  readonly preset: Preset;
  /** Undefined: detect from the files (a header line, a Parquet schema, or a record's field count: v2, v5 or v8). */
  readonly format?: FlowLogFormat;
  readonly allowlist?: string;
  /** --nat-addresses: the NAT gateways' private addresses, whose records are translated copies. */
  readonly natAddresses: string[];
  readonly output: OutputFormat;
  /** sql only: a file with the JSON that `aws glue get-table` prints; the SQL is then for that table. */
  readonly glueTable?: string;
  /** sql only: the pipeline whose table the SQL reads (--pipeline, default cloudwatch-firehose). */
  readonly pipeline?: Pipeline;
}

export interface HelpCommand {
  readonly command: 'help';
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

/** Where `allowlist init` writes unless --out says otherwise: where the action reads its allowlist. */
export const DEFAULT_ALLOWLIST_PATH = '.github/outbound-ports.yml';

export type Command = SampleCommand | AuditCommand | RedriveCommand | HelpCommand | AllowlistInitCommand;

const AUDIT_FLAGS = ['logs', 'vpc-cidr', 'lookback-hours', 'end', 'top', 'preset', 'log-format', 'allowlist', 'format', 'cache-dir', 'nat-addresses'];
const FLAGS: Record<string, readonly string[]> = {
  sample: ['out', 'days', 'records-per-hour', 'seed', 'vpc-cidr', 'end', 'log-format', 'files-per-hour', 'layout', 'file-format'],
  audit: AUDIT_FLAGS,
  sql: [...AUDIT_FLAGS, 'glue-table', 'pipeline'],
  why: ['logs', 'vpc-cidr', 'lookback-hours', 'end', 'log-format', 'format', 'nat-addresses', 'cache-dir'],
  redrive: ['stack', 'region'],
  allowlist: ['logs', 'vpc-cidr', 'lookback-hours', 'end', 'log-format', 'cache-dir', 'nat-addresses', 'out'],
};

const NAMED_FORMAT_NAMES = NAMED_FORMATS.map((f) => f.name).join('|');

export const USAGE = `Usage:
  vpc-port-audit audit --logs DIR|s3://BUCKET/PREFIX/ --vpc-cidr CIDR[,CIDR...] [--lookback-hours 24] [--end ISO-HOUR]
                       [--top 10] [--preset egress-ports|seed] [--log-format ${NAMED_FORMAT_NAMES}|"<LogFormat>"] [--allowlist FILE]
                       [--format table|json|markdown|csv|sarif] [--cache-dir DIR (objects fetched from S3)] [--nat-addresses IP[,IP...]]
                       --nat-addresses: the NAT gateways' private IPv4 addresses, so that their translated
                       copies of connections are not counted twice (v5 logs tell them without it)
  vpc-port-audit sql   (the audit flags; --logs is optional and only used to detect the log format)
                       [--pipeline ${PIPELINES.join('|')}]  the SQL for the table of the stack's pipeline
                       (default cloudwatch-firehose; s3-parquet's table has every field, so no --logs or --log-format)
                       [--glue-table FILE]  the SQL for your own Athena table: FILE holds what
                       aws glue get-table --database-name DB --name TABLE prints
  vpc-port-audit why PORT[/PROTOCOL] --logs DIR|s3://BUCKET/PREFIX/ --vpc-cidr CIDR[,CIDR...]  (and the audit's
                       window, format, NAT and cache flags): who in the VPC opened connections to PORT (default tcp)
                       and where they went
  vpc-port-audit sample --out NEW-OR-EMPTY-DIR [--days 1] [--records-per-hour 1000] [--seed 1] [--vpc-cidr CIDR[,CIDR...]]
                       [--end ISO-HOUR] [--log-format ${NAMED_FORMAT_NAMES}] [--files-per-hour 1]
                       [--layout ${LAYOUTS.map((l) => l.name).join('|')}] [--file-format text|parquet]
  vpc-port-audit allowlist init --logs DIR|s3://BUCKET/PREFIX/ --vpc-cidr CIDR[,CIDR...] [--out ${DEFAULT_ALLOWLIST_PATH}]
                       (and the audit's window, format, NAT and cache flags): a starting allowlist of every observed
                       port, each reason a draft marked REVIEW; never overwrites a file
  vpc-port-audit redrive --stack NAME [--region REGION]  send the forwarder's failed batches that the stack's
                       failure queue holds into its Firehose stream (AWS credentials from the environment)
DIR is any folder of a copy of a flow-log bucket (the bucket, AWSLogs/, an account, a region, a day), in the
Firehose layout PREFIX/YYYY/MM/DD/HH/ or S3 delivery's (AWSLogs/ACCOUNT/vpcflowlogs/REGION/YYYY/MM/DD/[HH/],
or Hive-compatible); text files (gzip or plain, with or without the header line) and Parquet files.
s3://BUCKET/PREFIX/ is such a folder in S3: the window's objects are fetched into the cache (--cache-dir, by
default $XDG_CACHE_HOME/vpc-port-audit or ~/.cache/vpc-port-audit) and read from there.
ISO-HOUR is a whole UTC hour such as 2026-11-02T00; --end defaults to the start of the current UTC hour.`;

/**
 * Splits `--name value` / `--name=value` pairs; every flag must be known to the command and given once. With
 * `positional`, the one argument that is neither a flag nor a flag's value, wherever it stands, is pushed there.
 */
function readFlags(command: string, args: readonly string[], positional?: string[]): Map<string, string> {
  const allowed = FLAGS[command]!;
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const m = /^--([a-z-]+)(?:=([\s\S]*))?$/.exec(arg);
    if (!m && !arg.startsWith('--') && positional?.length === 0) {
      positional.push(arg);
      continue;
    }
    if (!m || !allowed.includes(m[1]!)) {
      const shown = arg.length > 40 ? `${arg.slice(0, 40)}...` : arg;
      throw new InputError(`'${shown}' is not a flag of '${command}'; accepted are ${allowed.map((f) => `--${f}`).join(', ')}.`);
    }
    const name = m[1]!;
    let value = m[2];
    if (value === undefined) {
      value = args[i + 1];
      if (value === undefined || value.startsWith('--')) throw new InputError(`--${name} needs a value; see --help.`);
      i++;
    }
    if (flags.has(name)) throw new InputError(`--${name} is given twice; give it once.`);
    flags.set(name, value);
  }
  return flags;
}

function parseEnd(flags: Map<string, string>, now: Date): Date {
  const text = flags.get('end');
  return text === undefined ? floorToHour(now) : parseIsoHour(text, '--end');
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

function requireFlag(flags: Map<string, string>, name: string, hint: string): string {
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
  const vpcCidrs = parseCidrList(requireFlag(flags, 'vpc-cidr', "the VPC's CIDR blocks, such as 10.0.0.0/16"), '--vpc-cidr');
  const lookback = parseLookbackHours(flags.get('lookback-hours') ?? '24', '--lookback-hours');
  const formatText = flags.get('log-format');
  return {
    command,
    logs,
    s3Logs: logs !== undefined && isS3Url(logs) ? parseS3Url(logs, '--logs') : undefined,
    cacheDir: flags.get('cache-dir'),
    vpcCidrs,
    window: windowEndingAt(parseEnd(flags, now), lookback),
    top: parseTop(flags.get('top') ?? '10', '--top'),
    preset: parsePreset(flags.get('preset') ?? 'egress-ports', '--preset'),
    format: formatText === undefined ? undefined : resolveFormat(formatText, '--log-format'),
    allowlist: flags.get('allowlist'),
    natAddresses: parseNatAddresses(flags.get('nat-addresses') ?? '', '--nat-addresses'),
    output: requireAllowlistForSarif(parseOutputFormat(flags.get('format') ?? 'table', command === 'why' ? WHY_FORMATS : OUTPUT_FORMATS), flags),
    glueTable: parseGlueTableFlag(flags),
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

/** Parses the arguments after the program name; `now` fixes the default --end. */
export function parseCommand(argv: readonly string[], now = new Date()): Command {
  const [command, ...rest] = argv;
  if (command === undefined || ['help', '--help', '-h'].includes(command) || rest.includes('--help')) return { command: 'help' };
  if (!(command in FLAGS)) {
    throw new InputError(`'${command.slice(0, 40)}' is not a command; accepted are audit, why, sql, sample, allowlist, redrive (see --help).`);
  }
  if (command === 'allowlist') {
    const sub: string[] = [];
    const flags = readFlags(command, rest, sub);
    if (sub[0] !== 'init') {
      const what = sub[0] === undefined ? 'give a command' : `'${sub[0].slice(0, 40)}' is not an allowlist command`;
      throw new InputError(`allowlist: ${what}; accepted is init (allowlist init --logs DIR --vpc-cidr CIDR).`);
    }
    const out = flags.get('out') ?? DEFAULT_ALLOWLIST_PATH;
    if (out.trim() === '') throw new InputError('--out is empty: give the path of the new allowlist file, such as .github/outbound-ports.yml.');
    // Every observed port, up to the most --top accepts.
    return { command: 'allowlist-init', audit: { ...parseAudit('audit', flags, now), top: TOP_RANGE.max }, out };
  }
  if (command === 'why') {
    const port: string[] = [];
    const flags = readFlags(command, rest, port);
    const why = parsePortRef(port[0]);
    return { ...parseAudit('why', flags, now), why };
  }
  const flags = readFlags(command, rest);
  if (command === 'redrive') return parseRedrive(flags);
  return command === 'sample' ? parseSample(flags, now) : parseAudit(command as 'audit' | 'sql', flags, now);
}

function parseRedrive(flags: Map<string, string>): RedriveCommand {
  const region = flags.get('region');
  return {
    command: 'redrive',
    stack: parseStackName(requireFlag(flags, 'stack', 'the name of the pipeline stack whose failure queue to redrive'), '--stack'),
    ...(region === undefined ? {} : { region: parseRegion(region, '--region') }),
  };
}
