#!/usr/bin/env node
// The `vpc-port-audit` command line: `audit` (DuckDB over local flow-log files), `sql` (the Athena SQL for
// the same flags) and `sample` (generate flow logs). User errors print one sentence and exit with code 2.

import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadAllowlist } from './audit/allowlist.js';
import { glueTableShape, parseGetTableJson } from './audit/glue-table.js';
import { buildAuditSql, type AuditParameters } from './audit/query.js';
import { stackTableShape, type TableRef } from './audit/table-shape.js';
import { parseCommand, USAGE, type AuditCommand, type SampleCommand } from './cli-args.js';
import { renderAudit, renderWhy } from './cli-output.js';
import { isAllowed } from './audit/allowlist.js';
import { formatBytes } from './format-bytes.js';
import { DuckDbEngine } from './engines/duckdb.js';
import { detectLogFormat, listWindowFiles } from './engines/local-files.js';
import { V5_FORMAT, type FlowLogFormat } from './flowlog/format.js';
import { GROUND_TRUTH_FILE, generateSample } from './flowlog/sample.js';
import { InputError } from './input-error.js';

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

/** A progress reporter on stderr: one rewritten line on a terminal, a line per 10% step otherwise. */
function progress(io: CliIo, label: string) {
  let lastStep = -1;
  let shown = false;
  return {
    update(percent: number) {
      const step = Math.floor(percent / 10);
      if (!io.interactive && step === lastStep) return;
      lastStep = step;
      shown = true;
      io.stderr(`${io.interactive ? '\r' : ''}${label}: ${percent.toFixed(0)}%${io.interactive ? '' : '\n'}`);
    },
    done() {
      if (shown && io.interactive) io.stderr('\n');
    },
  };
}

async function sample(command: SampleCommand, io: CliIo): Promise<void> {
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

async function resolveLogFormat(command: AuditCommand, io: CliIo) {
  const listing = command.logs === undefined ? undefined : await listWindowFiles(command.logs, command.window, '--logs');
  const detected = command.format ?? (listing ? await detectLogFormat(listing.files, '--logs') : undefined);
  if (listing && listing.files.length === 0) {
    io.stderr(
      `note: no flow-log files in the ${listing.hoursInWindow} hour folders of the window under ${command.logs}; ` +
        'check --end and --lookback-hours.\n',
    );
  }
  return { listing, format: detected ?? V5_FORMAT };
}

function parameters(command: AuditCommand, format: FlowLogFormat): AuditParameters {
  const { preset, vpcCidrs, window, top, natAddresses } = command;
  return { preset, vpcCidrs, window, top, natAddresses, source: stackTableShape(DEFAULT_TABLE, format) };
}

async function audit(command: AuditCommand, io: CliIo): Promise<void> {
  const allowlist = command.allowlist === undefined ? undefined : await loadAllowlist(command.allowlist);
  if (command.allowlist !== undefined && allowlist === undefined) {
    throw new InputError(`--allowlist: '${command.allowlist}' does not exist; give the path of a YAML file with a ports: list.`);
  }
  const { listing, format } = await resolveLogFormat(command, io);
  const bar = progress(io, `scanning ${listing!.files.length} files in ${command.logs}`);
  const engine = new DuckDbEngine({ logsDir: command.logs!, format, input: '--logs', onProgress: (p) => bar.update(p) });
  const result = await engine.runAudit(parameters(command, format));
  bar.done();
  for (const warning of result.rejected) io.stderr(`warning: ${warning}\n`);
  // Only a run with new ports pays for the one drill-down query.
  const newPorts = allowlist ? result.rows.filter((r) => !isAllowed(allowlist, r)) : [];
  const drillDown = newPorts.length > 0 ? await engine.runDrillDown(parameters(command, format), newPorts) : undefined;
  for (const warning of drillDown?.rejected ?? []) io.stderr(`warning: ${warning}\n`);
  const report = { command, result, allowlist, drillDown, filesRead: listing!.files.length, hoursFound: listing!.hoursFound, hoursInWindow: listing!.hoursInWindow };
  io.stdout(`${renderAudit(report, command.output)}\n`);
}

/** `why PORT`: the one drill-down query over the window, printed in the chosen format. */
async function why(command: AuditCommand, io: CliIo): Promise<void> {
  const { format } = await resolveLogFormat(command, io);
  const engine = new DuckDbEngine({ logsDir: command.logs!, format, input: '--logs' });
  const result = await engine.runDrillDown(parameters(command, format), [command.why!]);
  for (const warning of result.rejected) io.stderr(`warning: ${warning}\n`);
  io.stdout(`${renderWhy(command, result)}\n`);
}

/** The SQL for the table that --glue-table describes; its partitioning is noted on stderr, so stdout stays SQL. */
async function sqlForGlueTable(command: AuditCommand, file: string, io: CliIo): Promise<string> {
  const input = `--glue-table ${file}`;
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InputError(`${input} cannot be read (${error.code ?? error.message}); give the JSON file that aws glue get-table prints.`);
  });
  const { ref, definition } = parseGetTableJson(text, input);
  const source = glueTableShape(ref, definition);
  io.stderr(`note: ${ref.database}.${ref.table}: ${source.partitioning}.\n`);
  return buildAuditSql({ ...parameters(command, V5_FORMAT), source });
}

/** Runs the command line; returns the exit code (0 ok, 1 unexpected failure, 2 bad input). */
export async function main(argv: readonly string[], io: CliIo = processIo, now = new Date()): Promise<number> {
  try {
    const command = parseCommand(argv, now);
    if (command.command === 'help') io.stdout(`${USAGE}\n`);
    else if (command.command === 'sample') await sample(command, io);
    else if (command.command === 'audit') await audit(command, io);
    else if (command.command === 'why') await why(command, io);
    else if (command.glueTable !== undefined) io.stdout(`${await sqlForGlueTable(command, command.glueTable, io)}\n`);
    else io.stdout(`${buildAuditSql(parameters(command, (await resolveLogFormat(command, io)).format))}\n`);
    return 0;
  } catch (error) {
    if (error instanceof InputError) {
      io.stderr(`vpc-port-audit: ${error.message}\n`);
      return 2;
    }
    io.stderr(`vpc-port-audit: unexpected failure: ${(error as Error).message}\n`);
    return 1;
  }
}

const invokedAsProgram = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (invokedAsProgram) process.exitCode = await main(process.argv.slice(2));
