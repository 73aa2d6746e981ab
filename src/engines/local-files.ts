// The flow-log files of a window on local disk, each with its own format: found by layout discovery (only the
// window's dated folders are opened), then told apart by their first bytes: Parquet (its schema names the
// fields), or gzip/plain text whose first line is either the header line S3 delivery writes (it IS the file's
// format) or a record (then --log-format, or the v2/v5 field count, gives the format).

import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import {
  AUDIT_FIELDS, formatWithFieldCount, isHeaderLine, missingAuditFields, namedFormat, type FlowLogFormat,
} from '../flowlog/format.js';
import type { HourWindow } from '../flowlog/layout.js';
import { InputError } from '../input-error.js';
import { discoverWindowFiles, type Discovery, type WindowFile } from '../logs/discover.js';
import { LocalTree } from '../logs/local-tree.js';
import { parquetColumnNames } from './parquet-schema.js';

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
}

export interface LocalLogs {
  /** The folder read. */
  readonly root: string;
  readonly discovery: Discovery;
  /** The window's files that hold records (empty files left out). */
  readonly files: readonly LocalLogFile[];
}

export interface ReadOptions {
  /** The format of text files without a header line; undefined: v2 or v5 by field count. */
  readonly logFormat?: FlowLogFormat;
  /** The name of the folder input in messages (default `logs`). */
  readonly input?: string;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const PARQUET_MAGIC = 'PAR1';
/** The bytes read from the start of a file to tell its kind and its first line (flow-log lines are far shorter). */
const HEAD_BYTES = 64 * 1024;
/** How many files are opened at once while telling formats apart. */
const CONCURRENCY = 16;

/** Up to `HEAD_BYTES` from the start of a file, and whether that is the whole file. */
async function readHead(path: string): Promise<{ head: Buffer; whole: boolean }> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return { head: buffer.subarray(0, bytesRead), whole: bytesRead < HEAD_BYTES };
  } finally {
    await handle.close();
  }
}

/**
 * The first non-empty line of a text file from its head (gunzipped as far as it goes) and how many lines precede
 * it; undefined for an empty file. Throws when the gzip data is corrupt or no line ends within the head.
 */
function firstLine(head: Buffer, whole: boolean, gzip: boolean): { line: string; index: number } | undefined {
  const text = (gzip ? gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH }) : head).toString('utf8');
  const lines = text.split('\n');
  // Unless the head is the whole file, its last line may be cut short.
  const complete = whole ? lines : lines.slice(0, -1);
  const index = complete.findIndex((line) => line.trim() !== '');
  if (index >= 0) return { line: complete[index]!.replace(/\r$/, ''), index };
  if (!whole) throw new Error(`no line ends within its first ${HEAD_BYTES / 1024} KiB`);
  return undefined;
}

/** The format of a text file from its first line; undefined for an empty file. */
function textFile(file: WindowFile, path: string, read: { head: Buffer; whole: boolean }, gzip: boolean, options: ReadOptions): LocalLogFile | undefined {
  const input = options.input ?? 'logs';
  let first;
  try {
    first = firstLine(read.head, read.whole, gzip);
  } catch (error) {
    throw new InputError(`${input}: file '${path}' cannot be read as ${gzip ? 'gzip-compressed' : 'plain'} text flow logs (${(error as Error).message}).`);
  }
  if (!first) return undefined;
  const tokens = first.line.trim().split(/\s+/);
  if (isHeaderLine(first.line)) {
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
        : `${input}: the first record of '${path}' has ${tokens.length} fields, which is neither v2 (14) nor v5 (29), and the file has no header line; ` +
            "give --log-format with the flow log's LogFormat string.",
    );
  }
  return { ...file, path, reader: 'text', gzip, format, skip: first.index };
}

/**
 * The files of `window` under the folder `dir` (any layout of logs/layouts.ts) with each file's format.
 * InputErrors: `dir` is not a folder, a file cannot be read, a header is not flow-log fields, a record's
 * field count fits no format, a Parquet file is corrupt or lacks the audit's columns.
 */
export async function readLocalLogs(dir: string, window: HourWindow, options: ReadOptions = {}): Promise<LocalLogs> {
  const tree = new LocalTree(dir, options.input ?? 'logs');
  await tree.check();
  return readWindowFiles(dir, await discoverWindowFiles(tree, window), options);
}

/**
 * The files a discovery found, on disk under `root` (their segments are relative to it), each with its format:
 * the same tree on disk, or the local copies of a bucket prefix (logs/s3-window.ts). InputErrors as readLocalLogs.
 */
export async function readWindowFiles(root: string, discovery: Discovery, options: ReadOptions = {}): Promise<LocalLogs> {
  const input = options.input ?? 'logs';
  const files: LocalLogFile[] = [];
  const parquet: { file: WindowFile; path: string }[] = [];
  const tell = async (file: WindowFile) => {
    const path = join(root, ...file.segments);
    const read = await readHead(path);
    if (read.head.subarray(0, 4).toString('latin1') === PARQUET_MAGIC) {
      parquet.push({ file, path });
      return;
    }
    const text = textFile(file, path, read, read.head[0] === GZIP_MAGIC[0] && read.head[1] === GZIP_MAGIC[1], options);
    if (text) files.push(text);
  };
  for (let i = 0; i < discovery.files.length; i += CONCURRENCY) await Promise.all(discovery.files.slice(i, i + CONCURRENCY).map(tell));
  const columns = await parquetColumnNames(parquet.map((p) => p.path), input);
  for (const { file, path } of parquet) {
    const columnNames = columns.get(path)!;
    const format = namedFormat('parquet', columnNames);
    const missing = missingAuditFields(format.fields);
    if (missing.length > 0) {
      throw new InputError(`${input}: the Parquet file '${path}' has no ${missing.join(', ')} column; a flow-log Parquet file has a column per field (srcaddr, dstport, ...).`);
    }
    files.push({ ...file, path, reader: 'parquet', gzip: false, format, skip: 0, columnNames });
  }
  return { root, discovery, files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
}
