// The flow-log files of a window on local disk, each with its own format: found by layout discovery (only the
// window's dated folders are opened), then told apart by their first bytes: Parquet (its schema names the
// fields; a `*.parquet` file must be Parquet, even when empty), or gzip/plain text whose first line is either the
// header line S3 delivery writes (it IS the file's format) or a record (then --log-format, or the v2/v5 field
// count, gives the format). Transit Gateway flow-log files, delivered under the same prefix and names, are told
// by their header or schema (flowlog/format.ts isTransitGatewayFormat) and left out of the VPC audit, with a note.
// Amazon Security Lake's OCSF Parquet files are told by their schema (structs src_endpoint, dst_endpoint) and read
// through the OCSF table's expressions (audit/ocsf-table.ts).

import { open, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { constants as zlibConstants, gunzip, gunzipSync } from 'node:zlib';
import {
  AUDIT_FIELDS, formatWithFieldCount, isHeaderLine, isTransitGatewayFormat, missingAuditFields, NAMED_FORMAT_COUNTS, namedFormat, repeatedField, type FlowLogFormat,
} from '../flowlog/format.js';
import type { HourWindow } from '../flowlog/layout.js';
import { InputError } from '../input-error.js';
import { discoverWindowFiles, type Discovery, type WindowFile } from '../logs/discover.js';
import { LocalTree } from '../logs/local-tree.js';
import { parquetColumnNames } from './parquet-schema.js';
import { isOcsfSchema, missingOcsfAttributes, ocsfColumns, OCSF_NEEDS } from '../audit/ocsf-table.js';
import { fieldOrText } from '../flowlog/fields.js';

/** How a file is read. */
export type FileReader = 'text' | 'parquet';

export interface LocalLogFile extends WindowFile {
  /** The file's path on disk. */
  readonly path: string;
  readonly reader: FileReader;
  /** Text: whether the file is gzip-compressed (told by its first bytes, not its name). */
  readonly gzip: boolean;
  /** The file's fields, in order (text) or its columns (Parquet). */
  readonly format: FlowLogFormat;
  /** Text: lines before the first record (the header line, when there is one), 0 otherwise. */
  readonly skip: number;
  /** Parquet: the file's own column names, one per field of `format` (`account_id`, ...). */
  readonly columnNames?: readonly string[];
  /** Security Lake's OCSF Parquet: the SQL over the file's structs of each field of `format` (audit/ocsf-table.ts). */
  readonly ocsf?: ReadonlyMap<string, string>;
}

export interface LocalLogs {
  /** The folder read. */
  readonly root: string;
  readonly discovery: Discovery;
  /** The window's files that hold records (empty text files left out). */
  readonly files: readonly LocalLogFile[];
  /** The window's Transit Gateway flow-log files (paths): not VPC flow logs, left out of `files`. */
  readonly transitGatewayFiles: readonly string[];
}

/** Why a Transit Gateway flow-log file is left out, for messages. */
const TGW_REASON = 'Transit Gateway flow logs (their header names resource-type and tgw-* fields, no action or interface-id), which this audit of VPC flow logs does not read';

/** The one note for the Transit Gateway files left out of an audit (`note: ...` on stderr); undefined when none. */
export function transitGatewayNote(logs: LocalLogs): string | undefined {
  const count = logs.transitGatewayFiles.length;
  if (count === 0) return undefined;
  return `${count} file${count === 1 ? '' : 's'} of the window left out, not counted: ${count === 1 ? 'it holds' : 'they hold'} ${TGW_REASON}.`;
}

export interface ReadOptions {
  /** The format of text files without a header line; undefined: v2 or v5 by field count. */
  readonly logFormat?: FlowLogFormat;
  /** The name of the folder input in messages (default `logs`). */
  readonly input?: string;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const PARQUET_MAGIC = 'PAR1';
/** The bytes first read from the start of a file to tell its kind and its first line; grown while no line ends in it. */
const HEAD_BYTES = 4 * 1024;
/** The longest first line looked for (flow-log lines are far shorter). */
const MAX_HEAD_BYTES = 1024 * 1024;
/** How many files are opened at once while telling formats apart. */
const CONCURRENCY = 16;

/** Up to `bytes` from the start of a file, and whether that is the whole file. */
async function readHead(path: string, bytes: number): Promise<{ head: Buffer; whole: boolean }> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return { head: buffer.subarray(0, bytesRead), whole: bytesRead < bytes };
  } finally {
    await handle.close();
  }
}

interface FirstLine {
  readonly line: string;
  /** Lines before it (empty ones). */
  readonly index: number;
}

/**
 * The first non-empty line in a file's head (gunzipped as far as it goes): the line, `null` when the head is the
 * whole file and has none, undefined when no line ends within the head. Throws when the gzip data is corrupt.
 */
function firstLineIn(head: Buffer, whole: boolean, gzip: boolean): FirstLine | null | undefined {
  const lines = (gzip ? gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH }) : head).toString('utf8').split('\n');
  // Unless the head is the whole file, its last line may be cut short.
  const complete = whole ? lines : lines.slice(0, -1);
  const index = complete.findIndex((line) => line.trim() !== '');
  if (index >= 0) return { line: complete[index]!.replace(/\r$/, ''), index };
  return whole ? null : undefined;
}

/** The first non-empty line of a text file, reading more of its head until a line ends; null for an empty file. */
async function firstLine(path: string, read: { head: Buffer; whole: boolean }, gzip: boolean): Promise<FirstLine | null> {
  for (let bytes = read.head.length, current = read; ; ) {
    const found = firstLineIn(current.head, current.whole, gzip);
    if (found !== undefined) return found;
    if (bytes >= MAX_HEAD_BYTES) throw new Error(`no line ends within its first ${MAX_HEAD_BYTES / 1024} KiB`);
    bytes *= 8;
    current = await readHead(path, bytes);
  }
}

/** A Transit Gateway flow-log file: told by its header or schema, never read by the VPC audit. */
const TRANSIT_GATEWAY = 'transit-gateway';

/** The format of a text file from its first line; undefined for an empty file, TRANSIT_GATEWAY for a TGW file. */
async function textFile(file: WindowFile, path: string, read: { head: Buffer; whole: boolean }, gzip: boolean, options: ReadOptions): Promise<LocalLogFile | typeof TRANSIT_GATEWAY | undefined> {
  const input = options.input ?? 'logs';
  let first;
  try {
    first = await firstLine(path, read, gzip);
  } catch (error) {
    throw new InputError(`${input}: file '${path}' cannot be read as ${gzip ? 'gzip-compressed' : 'plain'} text flow logs (${(error as Error).message}).`);
  }
  if (!first) return undefined;
  const tokens = first.line.trim().split(/\s+/);
  if (isHeaderLine(first.line)) {
    if (isTransitGatewayFormat(tokens)) return TRANSIT_GATEWAY;
    const twice = repeatedField(tokens);
    if (twice !== undefined) {
      throw new InputError(`${input}: the header line of '${path}' names the field ${twice} twice; a flow-log header line names each of the file's fields once, in order.`);
    }
    const format = namedFormat('header', tokens);
    if (missingAuditFields(format.fields).length > 0) {
      throw new InputError(
        `${input}: the first line of '${path}' (${first.line.trim().slice(0, 80)}) is not a flow-log header line; ` +
          `a header names the file's flow-log fields (version account-id interface-id srcaddr ...) and must include ${AUDIT_FIELDS.join(', ')}.`,
      );
    }
    return { ...file, path, reader: 'text', gzip, format, skip: first.index + 1 };
  }
  const format = options.logFormat ?? formatWithFieldCount(tokens.length);
  if (!format || format.fields.length !== tokens.length) {
    throw new InputError(
      options.logFormat
        ? `${input}: the first record of '${path}' has ${tokens.length} fields, but --log-format names ${options.logFormat.fields.length}; give the flow log's LogFormat string.`
        : `${input}: the first record of '${path}' has ${tokens.length} fields, which is none of ${NAMED_FORMAT_COUNTS}, and the file has no header line; ` +
            "give --log-format with the flow log's LogFormat string.",
    );
  }
  return { ...file, path, reader: 'text', gzip, format, skip: first.index };
}

/**
 * The files of `window` under the folder `dir` (any layout of logs/layouts.ts) with each file's format.
 * InputErrors: `dir` is not a folder, a file cannot be read, a header is not flow-log fields, a record's
 * field count fits no format, the window holds Transit Gateway flow logs only, a Parquet file (or a `*.parquet` file) is empty, corrupt or lacks the audit's columns.
 */
export async function readLocalLogs(dir: string, window: HourWindow, options: ReadOptions = {}): Promise<LocalLogs> {
  const tree = new LocalTree(dir, options.input ?? 'logs');
  await tree.check();
  const discovery = await discoverWindowFiles(tree, window);
  return describeLocalFiles(dir, discovery, (file) => tree.path(file.segments), options);
}

/**
 * The discovered files, read from local paths (`pathOf`: e.g. a download cache of an S3 tree), each with its
 * format; `root` names the tree in messages. InputErrors as readLocalLogs.
 */
export async function describeLocalFiles(root: string, discovery: Discovery, pathOf: (file: WindowFile) => string, options: ReadOptions = {}): Promise<LocalLogs> {
  const input = options.input ?? 'logs';
  const files: LocalLogFile[] = [];
  const transitGatewayFiles: string[] = [];
  const parquet: { file: WindowFile; path: string }[] = [];
  const tell = async (file: WindowFile) => {
    const path = pathOf(file);
    const read = await readHead(path, HEAD_BYTES);
    const magic = read.head.subarray(0, 4).toString('latin1') === PARQUET_MAGIC;
    if (magic || /\.parquet$/i.test(path)) {
      if (!magic) throw notParquetError(path, read.head.length === 0, input);
      parquet.push({ file, path });
      return;
    }
    const gzip = read.head[0] === GZIP_MAGIC[0] && read.head[1] === GZIP_MAGIC[1];
    if (!gzip && /\.gz$/i.test(path)) throw notGzipError(path, read.head.length === 0, input);
    const text = await textFile(file, path, read, gzip, options);
    if (text === TRANSIT_GATEWAY) transitGatewayFiles.push(path);
    else if (text) files.push(text);
  };
  for (let i = 0; i < discovery.files.length; i += CONCURRENCY) await Promise.all(discovery.files.slice(i, i + CONCURRENCY).map(tell));
  const columns = await parquetColumnNames(parquet.map((p) => p.path), input);
  for (const { file, path } of parquet) {
    const columnNames = columns.get(path)!;
    if (isOcsfSchema(columnNames)) {
      files.push(ocsfFile(file, path, columnNames, input));
      continue;
    }
    if (isTransitGatewayFormat(columnNames)) {
      transitGatewayFiles.push(path);
      continue;
    }
    const format = namedFormat('parquet', columnNames);
    const missing = missingAuditFields(format.fields);
    if (missing.length > 0) {
      throw new InputError(`${input}: the Parquet file '${path}' has no ${missing.join(', ')} column; a flow-log Parquet file has a column per field (srcaddr, dstport, ...).`);
    }
    files.push({ ...file, path, reader: 'parquet', gzip: false, format, skip: 0, columnNames });
  }
  if (files.length === 0 && transitGatewayFiles.length > 0) {
    const count = transitGatewayFiles.length;
    throw new InputError(
      `${input}: the window's ${count === 1 ? 'only file' : `${count} files`} under '${root}' ${count === 1 ? 'holds' : 'hold'} ${TGW_REASON}; ` +
        "give the folder of a VPC's flow logs.",
    );
  }
  const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return { root, discovery, files: files.sort((a, b) => byPath(a.path, b.path)), transitGatewayFiles: transitGatewayFiles.sort(byPath) };
}

/**
 * A Security Lake OCSF Parquet file (its columns are OCSF structs: `leafPaths` from parquet-schema.ts), read through
 * the OCSF table's expressions; an InputError names the file and the attributes it lacks.
 */
function ocsfFile(file: WindowFile, path: string, leafPaths: readonly string[], input: string): LocalLogFile {
  const has = (dotted: string) => leafPaths.some((p) => p === dotted || p.startsWith(`${dotted}.`));
  const ocsf = ocsfColumns(has);
  const missing = missingOcsfAttributes(ocsf);
  if (missing.length > 0) throw new InputError(`${input}: the OCSF Parquet file '${path}' has no ${missing.join(', ')}; ${OCSF_NEEDS}.`);
  return { ...file, path, reader: 'parquet', gzip: false, format: { name: 'ocsf', fields: [...ocsf.keys()].map(fieldOrText) }, skip: 0, ocsf };
}

/** The InputError for a `*.parquet` file that does not start with Parquet's magic number `PAR1` (or is empty). */
function notParquetError(path: string, empty: boolean, input: string): InputError {
  const detail = empty ? 'it is empty' : `it does not start with ${PARQUET_MAGIC}, the magic number of every Parquet file`;
  return new InputError(`${input}: file '${path}' is not a Parquet file (${detail}); S3 delivery writes Parquet flow logs as whole *.parquet files.`);
}

/**
 * The InputError for a `*.gz` file that does not start with gzip's magic number 1f 8b, or is empty (a gzip file,
 * even of nothing, holds a header and a trailer: RFC 1952): a damaged or unfinished copy, never a flow-log file.
 */
function notGzipError(path: string, empty: boolean, input: string): InputError {
  const detail = empty ? 'it is empty, 0 bytes' : 'it does not start with 1f 8b, the magic number of every gzip file';
  return new InputError(`${input}: file '${path}' is named .gz but is not gzip (${detail}); fetch the flow-log file again, or remove it.`);
}

/** Whether a gzip file's data stops before its end (zlib's "unexpected end of file"): the file was cut short. */
async function gzipCutShort(path: string): Promise<boolean> {
  try {
    await promisify(gunzip)(await readFile(path));
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR';
  }
}

/**
 * The InputError for a window file the scan could not read: names the file, the reader's `detail`, whether a gzip
 * file is cut short (checked only now, on this failure path), and what a flow-log file must be.
 */
export async function unreadableFileError(file: LocalLogFile, detail: string, input = 'logs'): Promise<InputError> {
  if (file.reader === 'parquet') {
    return new InputError(
      `${input}: file '${file.path}' cannot be read as Parquet flow logs (${detail}); a Parquet flow-log file must be whole and intact as S3 delivery ` +
        'wrote it (a column per flow-log field in gzip-compressed pages), so this copy is damaged: fetch it again.',
    );
  }
  const cut = file.gzip && (await gzipCutShort(file.path)) ? '; its gzip data ends early, so the file is cut short' : '';
  const count = file.format.fields.length;
  const fields = file.format.name === 'header' ? `the ${count} fields its header line names` : `the ${count} fields of ${file.format.name}`;
  return new InputError(
    `${input}: file '${file.path}' cannot be read as ${file.gzip ? 'gzip-compressed' : 'plain'} text flow logs (${detail}${cut}); ` +
      `a flow-log text file is whole, gzip or plain, with one record per line: ${fields}, separated by single spaces.`,
  );
}
