#!/usr/bin/env node
// The `vpc-port-audit` command line: `audit` (DuckDB over flow-log files in a folder, or in a bucket prefix fetched
// into a local cache), `why PORT` (the drill-down of one port over the same files: who opened it, where it went),
// `sql` (the Athena SQL for the same flags), `egress-rules` (least-privilege egress rules per security group proposed
// from what each interface opened, egress/proposal.ts), `sample` (generate flow logs into a new or empty folder), `allowlist
// init` (a starting allowlist drafted from an audit) and `redrive` (a stack's failed forwarder batches into
// Firehose). Exit codes (cli-args.ts EXIT): 0 done, 2 bad input (one sentence on stderr), 3 policy (audit
// --fail-on-unexplained), 1 unexpected. Warnings (a window the files cover in
// part, NAT copies a format cannot tell, an account or VPC whose flow log records REJECT only) go to stderr.

import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadAllowlist, REVIEW_MARK } from './audit/allowlist.js';
import { parseVpcInventory } from './audit/vpc-inventory.js';
import { glueTableShape, parseGetTableJson } from './audit/glue-table.js';
import { describeTarget, followResourceLink, resourceLinkTarget } from './audit/resource-link.js';
import { parquetStackTableShape, PARQUET_TABLE_NAME } from './audit/parquet-stack-table.js';
import { buildAuditSql, NAT_DETECTION_COLUMNS, type AuditParameters } from './audit/query.js';
import { explainEmptyAudit } from './audit/empty-audit.js';
import { describeUnitCoverage } from './audit/unit-coverage.js';
import { stackTableShape, type TableRef } from './audit/table-shape.js';
import { commandHelp, EXIT, parseCommand, usage, type AllowlistInitCommand, type AuditCommand, type Command, type EgressRulesCommand, type RedriveCommand, type SampleCommand } from './cli-args.js';
import { egressFactsFromJson } from './egress/egress-facts-files.js';
import { requireInterfaceId } from './egress/observed-egress.js';
import { proposeEgressRules } from './egress/proposal.js';
import { renderCloudFormation, renderTerraform } from './egress/egress-code.js';
import { renderEgressJson, renderEgressTable } from './report/egress-rules.js';
import { draftAllowlist, refuseExistingFile, writeAllowlistDraft } from './allowlist-init.js';
import { newRows, renderAudit, renderWhy, scopeText } from './cli-output.js';
import { formatBytes } from './format-bytes.js';
import { DuckDbEngine, localViewShape, unionFields } from './engines/duckdb.js';
import { describeLocalFiles, readLocalLogs, transitGatewayNote, type LocalLogs } from './engines/local-files.js';
import { V5_FORMAT } from './flowlog/format.js';
import { dayFilesWithoutTime, requireWindowFiles } from './logs/discover.js';
import { LocalTree } from './logs/local-tree.js';
import { s3Url, type S3Location } from './logs/s3-url.js';
import { GROUND_TRUTH_FILE, generateSample } from './flowlog/sample.js';
import { InputError } from './input-error.js';
import { AwsAccessError, isUnreachable } from './aws/errors.js';
import { coveredHoursText, describePartialWindow, isPartial, windowCoverage, type WindowCoverage } from './audit/window-coverage.js';
import { portKey } from './audit/port-row.js';
import { formatCount } from './report/markdown.js';
import { repositoryRelativePath } from './repository-path.js';
import { quietSdkNodeSupportNotice } from './aws/node-support-notice.js';

/** The Glue database and table the pipeline stack creates by default; the local view uses the same names. */
export const DEFAULT_TABLE: TableRef = { database: 'vpc_port_audit', table: 'flow_logs' };

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress then rewrites one line). */
  readonly interactive: boolean;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  interactive: process.stderr.isTTY === true,
};

/**
 * A progress reporter on stderr: one rewritten line on a terminal; in a log, a line per quarter reached (25%, 50%,
 * 75%). Either ends with `LABEL: done` once anything was shown (a fast step shows nothing at all).
 */
export function progress(io: CliIo, label: string) {
  let quarter = 0;
  let shown = false;
  return {
    update(percent: number) {
      if (io.interactive) {
        shown = true;
        io.stderr(`\r${label}: ${percent.toFixed(0)}%`);
        return;
      }
      const reached = Math.min(3, Math.floor(percent / 25));
      if (reached <= quarter) return;
      quarter = reached;
      shown = true;
      io.stderr(`${label}: ${reached * 25}%\n`);
    },
    done() {
      if (shown) io.stderr(`${io.interactive ? '\r' : ''}${label}: done\n`);
    },
  };
}

/**
 * Refuses an --out that exists and is not an empty folder: a sample written among other files would overwrite their
 * ground truth and make a tree whose records count with the new ones.
 */
async function requireNewOrEmptyFolder(out: string): Promise<void> {
  const entries = (await readdir(out).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw new InputError(`--out: '${out}' is ${error.code === 'ENOTDIR' ? 'a file' : `not readable (${error.code ?? error.message})`}; give a new or empty folder.`);
  })).sort();
  if (entries.length > 0) {
    throw new InputError(`--out: '${out}' is not empty (it holds ${entries.slice(0, 3).map((e) => `'${e}'`).join(', ')}${entries.length > 3 ? ', ...' : ''}); give a new or empty folder, so that no other flow logs count with the sample's.`);
  }
}

async function sample(command: SampleCommand, io: CliIo): Promise<void> {
  await requireNewOrEmptyFolder(command.out);
  const bar = progress(io, `writing ${command.days * 24} hours of flow logs to ${command.out}`);
  const truth = await generateSample({
    ...command,
    onHour: command.days * command.recordsPerHour * 24 > 200_000 ? (done, total) => bar.update((100 * done) / total) : undefined,
  }).catch((error: unknown) => {
    if (error instanceof InputError) throw error;
    throw new InputError(`--out: '${command.out}' cannot be written (${(error as Error).message}).`);
  });
  bar.done();
  io.stdout(
    `Wrote ${truth.records.toLocaleString('en-US')} ${truth.format} records in ${truth.files} files ` +
      `(${formatBytes(truth.compressedBytes)}) under ${command.out} for ${truth.window.start} to ${truth.window.end}, ` +
      `VPC ${truth.vpcCidrs.join(', ')}; ground truth in ${join(command.out, GROUND_TRUTH_FILE)}.\n`,
  );
}

/**
 * `--logs s3://...`: the window's objects fetched into the cache, with a progress line while they download.
 * The S3 modules are loaded here, on first use, so that local audits do not pay the AWS SDK's load time.
 */
async function fetchS3Logs(command: AuditCommand, location: S3Location, io: CliIo) {
  const { createCliS3Client } = await import('./aws/clients.js');
  const { defaultCacheDir } = await import('./logs/s3-cache.js');
  const { fetchS3Window } = await import('./logs/s3-window.js');
  const dir = command.cacheDir ?? defaultCacheDir();
  const client = createCliS3Client();
  let bar: ReturnType<typeof progress> | undefined;
  try {
    return await fetchS3Window(client, location, command.window, {
      dir,
      input: '--logs',
      onStart: (objects, bytes) => {
        bar = progress(io, `downloading ${objects} object${objects === 1 ? '' : 's'} (${formatBytes(bytes)}) from ${s3Url(location.bucket, location.prefix)} to ${dir}`);
      },
      onProgress: (percent) => bar?.update(percent),
    });
  } finally {
    bar?.done();
    client.destroy();
  }
}

/**
 * The window's files under --logs (a folder, or a bucket prefix fetched into the cache) with their formats; an
 * InputError when the window has none. Transit Gateway flow-log files left out are noted on stderr, once.
 */
async function readLogs(command: AuditCommand & { logs: string }, io: CliIo): Promise<LocalLogs> {
  const logs = await findLogs(command, io);
  const note = transitGatewayNote(logs);
  if (note) io.stderr(`note: ${note}\n`);
  return logs;
}

/** The window's files under --logs, found and told apart (readLogs). */
async function findLogs(command: AuditCommand & { logs: string }, io: CliIo): Promise<LocalLogs> {
  if (command.s3Logs) {
    const fetched = await fetchS3Logs(command, command.s3Logs, io);
    return describeLocalFiles(command.logs, fetched.discovery, fetched.pathOf, { logFormat: command.format, input: '--logs' });
  }
  const logs = await readLocalLogs(command.logs, command.window, { logFormat: command.format, input: '--logs' });
  requireWindowFiles(logs.discovery, new LocalTree(command.logs), command.window, '--logs');
  return logs;
}

function parameters(command: AuditCommand, source: AuditParameters['source']): AuditParameters {
  const { preset, vpcCidrs, window, maxPorts, natAddresses, inventory, accounts } = command;
  return { preset, vpcCidrs, window, maxPorts, natAddresses, source, ...(inventory ? { inventory } : {}), ...(accounts ? { accounts } : {}) };
}

/**
 * `command` with the inventory of its --vpcs FILE (audit/vpc-inventory.ts); as it is without --vpcs. A file that
 * cannot be read, is not an inventory, or lists no VPC is an InputError.
 */
async function withInventory<T extends AuditCommand>(command: T): Promise<T> {
  const path = command.vpcs;
  if (path === undefined) return command;
  const hint = "give the path of a YAML file listing each VPC's account, region, vpc-id and cidrs";
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InputError(`--vpcs: '${path}' cannot be read (${error.code ?? error.message}); ${hint}.`);
  });
  const inventory = parseVpcInventory(text, path);
  if (inventory.length === 0) throw new InputError(`--vpcs: '${path}' lists no VPC; ${hint}.`);
  return { ...command, inventory };
}

/**
 * `sql`: the Athena SQL over this stack's table: with --pipeline s3-parquet its Parquet table (every field), else
 * the Firehose table in the format of the files under --logs when given.
 */
async function sql(command: AuditCommand, io: CliIo): Promise<void> {
  if (command.pipeline === 's3-parquet') {
    const source = parquetStackTableShape({ database: DEFAULT_TABLE.database, table: PARQUET_TABLE_NAME });
    io.stdout(`${buildAuditSql(parameters(command, source))}\n`);
    return;
  }
  let format = command.format ?? V5_FORMAT;
  if (command.logs !== undefined) {
    const { files } = await readLogs({ ...command, logs: command.logs }, io);
    const single = files.every((f) => f.format.fields.map((x) => x.column).join() === files[0]!.format.fields.map((x) => x.column).join());
    format = single ? files[0]!.format : { name: 'mixed', fields: unionFields(files) };
  }
  io.stdout(`${buildAuditSql(parameters(command, stackTableShape(DEFAULT_TABLE, format)))}\n`);
}

/**
 * The warning for files whose format cannot tell a NAT gateway's translated copies of connections (no
 * NAT_DETECTION_COLUMNS) when no --nat-addresses are given: such connections may count twice. Undefined otherwise.
 */
function natCopiesWarning(command: AuditCommand, logs: LocalLogs): string | undefined {
  if (command.preset !== 'egress-ports' || command.natAddresses.length > 0) return undefined;
  const blind = logs.files.filter((f) => !NAT_DETECTION_COLUMNS.every((c) => f.format.fields.some((field) => field.column === c)));
  if (blind.length === 0) return undefined;
  const formats = [...new Set(blind.map((f) => f.format.name))].join('/');
  const fields = NAT_DETECTION_COLUMNS.map((c) => c.replaceAll('_', '-')).join(', ');
  const which = blind.length < logs.files.length ? `${blind.length} of the ${logs.files.length} files read` : blind.length === 1 ? 'the file read' : `the ${blind.length} files read`;
  return (
    `${which} (${formats}) ${blind.length === 1 ? 'lacks' : 'lack'} one of ${fields}, so a connection through a NAT gateway ` +
    "may count twice (from the instance, and translated from the NAT gateway); give --nat-addresses with the NAT gateways' private IPv4 addresses."
  );
}

/**
 * Which hours of the window the files cover: hour folders and S3 delivery file names, and the records' start in
 * other files of day folders (known only after the audit query, `hoursWithRecords`). With --require-full-window a
 * partial window is an InputError.
 */
function checkCoverage(command: AuditCommand, discovery: LocalLogs['discovery'], hoursWithRecords: readonly number[] = []): WindowCoverage {
  const coverage = windowCoverage(command.window, [...discovery.hoursFromPaths, ...hoursWithRecords]);
  if (command.requireFullWindow && isPartial(coverage)) {
    throw new InputError(`--require-full-window: ${describePartialWindow(coverage)}; give a window the flow logs cover (--end, --lookback-hours), or leave out --require-full-window.`);
  }
  return coverage;
}

/**
 * The window's files under --logs, the engine over them, and the audit's parameters, result and coverage, with a
 * progress line and the coverage and NAT-copy warnings on stderr.
 */
async function runLocalAudit(command: AuditCommand & { logs: string }, io: CliIo) {
  const logs = await readLogs(command, io);
  // The paths say the coverage before any query, unless files of day folders have names without a time.
  if (!dayFilesWithoutTime(logs.files)) checkCoverage(command, logs.discovery);
  const bar = progress(io, `scanning ${logs.files.length} files in ${command.logs}`);
  const engine = new DuckDbEngine({ logs, format: command.format, input: '--logs', onProgress: (p) => bar.update(p) });
  const auditParameters = parameters(command, localViewShape(DEFAULT_TABLE, logs, command.format));
  const result = await engine.runAudit(auditParameters);
  // Per account/VPC of the window: a unit whose flow log records REJECT only is named, never silently missing.
  const { units } = await engine.runCoverage(auditParameters, command.inventory);
  bar.done();
  const coverage = checkCoverage(command, logs.discovery, result.hoursWithRecords);
  for (const warning of result.rejected) io.stderr(`warning: ${warning}\n`);
  if (isPartial(coverage)) io.stderr(`warning: ${describePartialWindow(coverage)}; the counts are for those ${coveredHoursText(coverage)} (--require-full-window makes this an error).\n`);
  const nat = natCopiesWarning(command, logs);
  if (nat) io.stderr(`warning: ${nat}\n`);
  for (const unit of units) {
    const sentence = describeUnitCoverage(unit);
    if (sentence) io.stderr(`warning: ${sentence}\n`);
  }
  if (result.portsLeftOut > 0) {
    io.stderr(
      `warning: the window has ${formatCount(result.rows.length + result.portsLeftOut)} ports; the ${formatCount(result.portsLeftOut)} least busy beyond ` +
        `--max-ports ${result.rows.length} are neither reported nor judged against --allowlist (raise --max-ports to judge them).\n`,
    );
  }
  return { logs, engine, auditParameters, result, coverage, units };
}

/** `allowlist init`: the audit of every observed port, drafted into a new allowlist file (src/allowlist-init.ts). */
async function allowlistInit(command: AllowlistInitCommand, io: CliIo): Promise<void> {
  await refuseExistingFile(command.out, '--out');
  const { result } = await runLocalAudit({ ...command.audit, logs: command.audit.logs! }, io);
  if (result.rows.length === 0) throw new InputError(`--logs: no outbound port of ${scopeText(command.audit)} in the window, so there is nothing to draft; check --vpc-cidr and the window.`);
  const draft = draftAllowlist(result.rows, command.audit.window, command.audit.vpcCidrs.map((c) => c.text));
  await writeAllowlistDraft(command.out, draft, '--out');
  const leftOut = draft.leftOut > 0 ? ` (${draft.leftOut} quieter ports left out: the file would pass the 64 KiB the audit reads)` : '';
  io.stdout(`Wrote ${draft.entries} draft entries to ${command.out}${leftOut}. Review each reason marked ${REVIEW_MARK} and delete the ports you do not expect before committing it.\n`);
}

/** `audit`: the report on stdout; EXIT.policy when --fail-on-unexplained and a port counted is outside --allowlist. */
async function audit(command: AuditCommand & { logs: string }, io: CliIo): Promise<number> {
  const allowlist = command.allowlist === undefined ? undefined : await loadAllowlist(command.allowlist);
  if (command.allowlist !== undefined && allowlist === undefined) {
    throw new InputError(`--allowlist: '${command.allowlist}' does not exist; give the path of a YAML file with a ports: list.`);
  }
  for (const warning of allowlist?.warnings ?? []) io.stderr(`warning: ${warning}\n`);
  const { logs, engine, auditParameters, result, coverage, units } = await runLocalAudit(command, io);
  // Only a run with new ports pays for the one drill-down query.
  const newPorts = newRows(result, allowlist);
  const drillDown = newPorts.length > 0 ? await engine.runDrillDown(auditParameters, newPorts) : undefined;
  for (const warning of drillDown?.rejected ?? []) io.stderr(`warning: ${warning}\n`);
  // An empty top list says why (a quiet VPC, or a window, CIDR or flow log that gave nothing to count): a warning
  // unless the VPC simply opened no connection out.
  const empty = result.recordCounts && result.rows.length === 0 ? explainEmptyAudit(result.recordCounts, auditParameters, '--vpc-cidr') : undefined;
  // A gate cannot pass an audit that read nothing of the VPC: the CIDR blocks are wrong, or the flow log records
  // REJECT only; the VPC is not quiet.
  if ((empty?.reason === 'vpc-cidr' || empty?.reason === 'reject-only') && command.failOnUnexplained) {
    throw new InputError(`${empty.sentence.replace(/\.$/, '')}: with --fail-on-unexplained an audit that counted nothing of the VPC is an error, not a pass.`);
  }
  if (empty) io.stderr(`${empty.reason === 'no-outbound' ? 'note' : 'warning'}: nothing counted: ${empty.sentence}\n`);
  const allowlistUri = command.output === 'sarif' ? await repositoryRelativePath(command.allowlist!) : undefined;
  const report = { command, result, allowlist, drillDown, filesRead: logs.files.length, discovery: logs.discovery, empty, coverage, unitCoverage: units, allowlistUri };
  io.stdout(`${renderAudit(report, command.output)}\n`);
  if (command.failOnUnexplained && newPorts.length > 0) {
    const listed = newPorts.slice(0, 10).map(portKey).join(', ') + (newPorts.length > 10 ? `, and ${newPorts.length - 10} more` : '');
    io.stderr(`vpc-port-audit: ${newPorts.length} port${newPorts.length === 1 ? '' : 's'} outside ${command.allowlist} (${listed}); exit ${EXIT.policy} for --fail-on-unexplained.\n`);
    return EXIT.policy;
  }
  return EXIT.ok;
}

/** `why PORT`: the one drill-down query over the window, printed in the chosen format. */
async function why(command: AuditCommand & { logs: string }, io: CliIo): Promise<void> {
  const logs = await readLogs(command, io);
  const engine = new DuckDbEngine({ logs, format: command.format, input: '--logs' });
  const result = await engine.runDrillDown(parameters(command, localViewShape(DEFAULT_TABLE, logs, command.format)), [command.why!]);
  for (const warning of result.rejected) io.stderr(`warning: ${warning}\n`);
  const nat = natCopiesWarning(command, logs);
  if (nat) io.stderr(`warning: ${nat}\n`);
  io.stdout(`${renderWhy(command, result)}\n`);
}

/** The text of a file a flag names; an InputError saying what the flag takes when it cannot be read. */
async function readFlagFile(flag: string, file: string, what: string): Promise<{ text: string; file: string }> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InputError(`${flag}: '${file}' cannot be read (${error.code ?? error.message}); give ${what}.`);
  });
  return { text, file };
}

/**
 * `egress-rules`: the EC2 facts files read and checked first, then the window's files, the coverage query and the
 * observed-egress query (DuckDB), and the proposal printed in the chosen format. Nothing is applied to AWS.
 */
async function egressRules(command: EgressRulesCommand, io: CliIo): Promise<void> {
  const audit = await withInventory({ ...command.audit, logs: command.audit.logs! });
  const facts = egressFactsFromJson(
    await readFlagFile('--interfaces', command.interfaces, 'the JSON file that aws ec2 describe-network-interfaces prints'),
    await readFlagFile('--security-groups', command.securityGroups, 'the JSON file that aws ec2 describe-security-group-rules prints'),
  );
  const allowlist = audit.allowlist === undefined ? undefined : await loadAllowlist(audit.allowlist);
  if (audit.allowlist !== undefined && allowlist === undefined) throw new InputError(`--allowlist: '${audit.allowlist}' does not exist; give the path of a YAML file with a ports: list.`);
  for (const warning of allowlist?.warnings ?? []) io.stderr(`warning: ${warning}\n`);
  const logs = await readLogs(audit, io);
  const auditParameters = parameters(audit, localViewShape(DEFAULT_TABLE, logs, audit.format));
  requireInterfaceId(auditParameters, '--logs');
  const bar = progress(io, `scanning ${logs.files.length} files in ${audit.logs}`);
  const engine = new DuckDbEngine({ logs, format: audit.format, input: '--logs', onProgress: (p) => bar.update(p) });
  const { units: coverage } = await engine.runCoverage(auditParameters, audit.inventory);
  // Hours the files do not cover shorten what the proposal saw (day folders without times in their names: not told here).
  const covered = dayFilesWithoutTime(logs.files) ? undefined : checkCoverage(audit, logs.discovery);
  const coveredHours = covered && isPartial(covered) ? { coveredHours: covered.hoursCovered } : {};
  const run = await proposeEgressRules(engine, auditParameters, facts, { window: audit.window, minDays: command.minDays, allowlist, coverage, ...coveredHours });
  bar.done();
  for (const warning of run.rejected) io.stderr(`warning: ${warning}\n`);
  const nat = natCopiesWarning(audit, logs);
  if (nat) io.stderr(`warning: ${nat}\n`);
  if (covered && isPartial(covered)) io.stderr(`warning: ${describePartialWindow(covered)}; the proposal saw only those ${coveredHoursText(covered)}.\n`);
  if (!run.proposal.safeToApply) io.stderr(`warning: not yet safe to apply: ${run.proposal.notSafeReason}.\n`);
  const render = { table: renderEgressTable, json: renderEgressJson, cloudformation: renderCloudFormation, terraform: renderTerraform }[command.format];
  io.stdout(`${render(run.proposal).trimEnd()}\n`);
}

/** The `aws glue get-table` JSON in `file`, read for the flag `flag`. */
async function readGetTableFile(flag: string, file: string): Promise<ReturnType<typeof parseGetTableJson> & { input: string }> {
  const input = `${flag} ${file}`;
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InputError(`${input} cannot be read (${error.code ?? error.message}); give the JSON file that aws glue get-table prints.`);
  });
  return { ...parseGetTableJson(text, input), input };
}

/**
 * The SQL for the table that --glue-table describes (through --glue-target-table when it is a resource link: the
 * target's columns, the link's name); its partitioning is noted on stderr, so stdout stays SQL.
 */
async function sqlForGlueTable(command: AuditCommand, file: string, io: CliIo): Promise<string> {
  const { ref, definition, input } = await readGetTableFile('--glue-table', file);
  const target = resourceLinkTarget(definition);
  if (target && command.glueTargetTable === undefined) {
    const catalog = target.CatalogId ? ` --catalog-id ${target.CatalogId}` : '';
    const region = target.Region ? ` --region ${target.Region}` : '';
    throw new InputError(
      `${input} is a resource link to ${describeTarget(target)}, which holds the columns; give its definition with --glue-target-table FILE ` +
        `(aws glue get-table${catalog}${region} --database-name ${target.DatabaseName} --name ${target.Name}).`,
    );
  }
  if (!target && command.glueTargetTable !== undefined) {
    throw new InputError(`--glue-target-table applies to a resource link only, and ${input} is table ${ref.database}.${ref.table} itself (it has columns, no TargetTable); leave --glue-target-table out.`);
  }
  const read = target ? followResourceLink(ref, definition, (await readGetTableFile('--glue-target-table', command.glueTargetTable!)).definition, `--glue-target-table ${command.glueTargetTable}`) : definition;
  const source = glueTableShape(ref, read);
  io.stderr(`note: ${ref.database}.${ref.table}: ${source.partitioning}.\n`);
  return buildAuditSql(parameters(command, source));
}

async function redriveCommand(command: RedriveCommand, io: CliIo): Promise<void> {
  const region = command.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new InputError('--region is required when AWS_REGION is not set: give the region of the stack, such as us-east-1.');
  const { describeRedrive, redriveStack } = await import('./pipeline/redrive.js');
  const { createAwsClients, createRedriveClients } = await import('./aws/clients.js');
  const clients = { ...createAwsClients({ region }), ...(await createRedriveClients({ region })) };
  const result = await redriveStack(clients, command.stack, '--stack', { log: (line) => io.stderr(`${line}\n`) }).catch((error: unknown) => {
    if (!isUnreachable(error)) throw error;
    throw new InputError(`redrive: AWS could not be reached in ${region} (${(error as Error).message}); check the network connection, --region, and AWS_ENDPOINT_URL when it is set.`, { cause: error });
  });
  io.stdout(`${'nothingToRedrive' in result ? result.nothingToRedrive : describeRedrive(result, result.queueUrl)}\n`);
}

/** The version in the package.json of this program (the first one named vpc-port-audit above this module). */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    const pkg = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string }) : undefined;
    if (pkg?.name === 'vpc-port-audit' && pkg.version) return pkg.version;
    if (dirname(dir) === dir) throw new Error("no package.json of vpc-port-audit above the program's folder");
  }
}

/** Runs a parsed command; returns its exit code. */
async function run(command: Command, io: CliIo): Promise<number> {
  switch (command.command) {
    case 'help': {
      const text = `${command.topic ? commandHelp(command.topic) : usage()}\n`;
      if (command.exitCode === EXIT.ok) io.stdout(text);
      else io.stderr(text);
      return command.exitCode;
    }
    case 'version':
      io.stdout(`${packageVersion()}\n`);
      return EXIT.ok;
    case 'sample':
      await sample(command, io);
      return EXIT.ok;
    case 'audit':
      return audit(await withInventory({ ...command, logs: command.logs! }), io);
    case 'why':
      await why(await withInventory({ ...command, logs: command.logs! }), io);
      return EXIT.ok;
    case 'redrive':
      await redriveCommand(command, io);
      return EXIT.ok;
    case 'egress-rules':
      await egressRules(command, io);
      return EXIT.ok;
    case 'allowlist-init':
      await allowlistInit({ ...command, audit: await withInventory(command.audit) }, io);
      return EXIT.ok;
    case 'sql': {
      const withVpcs = await withInventory(command);
      if (command.glueTable !== undefined) io.stdout(`${await sqlForGlueTable(withVpcs, command.glueTable, io)}\n`);
      else await sql(withVpcs, io);
      return EXIT.ok;
    }
  }
}

/** Runs the command line; returns the exit code (cli-args.ts EXIT: 0 ok, 1 unexpected failure, 2 bad input, 3 policy). */
export async function main(argv: readonly string[], io: CliIo = processIo, now = new Date()): Promise<number> {
  try {
    return await run(parseCommand(argv, now), io);
  } catch (error) {
    // Refused or missing AWS credentials are the user's to fix, like bad input.
    if (error instanceof InputError || error instanceof AwsAccessError) {
      io.stderr(`vpc-port-audit: ${error.message}\n`);
      return EXIT.badInput;
    }
    io.stderr(`vpc-port-audit: unexpected failure: ${(error as Error).message}\n`);
    return EXIT.unexpected;
  }
}

const invokedAsProgram = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (invokedAsProgram) {
  quietSdkNodeSupportNotice();
  process.exitCode = await main(process.argv.slice(2));
}
