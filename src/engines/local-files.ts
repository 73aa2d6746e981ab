// Flow-log files on local disk in the Firehose layout: the files of a window's hour folders only (partition
// pruning by path: folders outside the window are never listed, let alone read), and the format of those
// files detected from the field count of their first record.

import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { formatWithFieldCount, type FlowLogFormat } from '../flowlog/format.js';
import { hourPaths, type HourWindow } from '../flowlog/layout.js';
import { InputError } from '../input-error.js';

export interface LocalFile {
  readonly path: string;
  /** Size on disk (compressed), bytes. */
  readonly size: number;
}

export interface WindowFiles {
  readonly files: readonly LocalFile[];
  /** Hours of the window that have a folder. */
  readonly hoursFound: number;
  readonly hoursInWindow: number;
}

/** Fails with an InputError unless `dir` is a readable folder. */
export async function checkLogsDir(dir: string, input = 'logs'): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new InputError(`${input}: '${dir}' is not a folder; give the folder that holds the YYYY/MM/DD/HH flow-log folders.`);
  }
}

/** The files of the window's hour folders (hidden files left out), oldest hour first; missing hours are skipped. */
export async function listWindowFiles(dir: string, window: HourWindow, input = 'logs'): Promise<WindowFiles> {
  await checkLogsDir(dir, input);
  const files: LocalFile[] = [];
  let hoursFound = 0;
  const paths = hourPaths(window);
  for (const hour of paths) {
    const hourDir = join(dir, hour);
    let entries;
    try {
      entries = await readdir(hourDir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new InputError(`${input}: folder '${hourDir}' cannot be read (${(error as Error).message}).`);
    }
    hoursFound++;
    const names = entries.filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name).sort();
    for (const name of names) {
      const path = join(hourDir, name);
      files.push({ path, size: (await stat(path)).size });
    }
  }
  return { files, hoursFound, hoursInWindow: paths.length };
}

/** The first non-empty line of a (gzip-compressed when named *.gz) file, or undefined when it has none. */
async function firstLine(path: string): Promise<string | undefined> {
  const raw = createReadStream(path);
  const text = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input: text, crlfDelay: Infinity });
  try {
    for await (const line of lines) if (line.trim() !== '') return line;
    return undefined;
  } finally {
    lines.close();
    raw.destroy();
  }
}

/** The known format (v2 or v5) of the first record in `files`; an InputError when it is neither. */
export async function detectLogFormat(files: readonly LocalFile[], input = 'logs'): Promise<FlowLogFormat | undefined> {
  for (const file of files) {
    let line: string | undefined;
    try {
      line = await firstLine(file.path);
    } catch (error) {
      throw new InputError(`${input}: file '${file.path}' cannot be read as gzip-compressed flow logs (${(error as Error).message}).`);
    }
    if (line === undefined) continue;
    const count = line.trim().split(' ').length;
    const format = formatWithFieldCount(count);
    if (!format) {
      throw new InputError(
        `${input}: the first record of '${file.path}' has ${count} fields, which is neither v2 (14) nor v5 (29); ` +
          'give --log-format with the flow log\'s LogFormat string.',
      );
    }
    return format;
  }
  return undefined;
}
