// Layout discovery: the flow-log files of a window in a tree (a copy of a bucket on disk, or a bucket prefix),
// found by walking only the dated folders the window needs. The tree may start at any folder of the bucket:
// its root, AWSLogs/, an account, a region, a year or a day (a date in the root's own path counts); Security Lake's
// `eventDay=YYYYMMDD` folders are day folders too. Folders
// above the dates (prefixes, accounts, regions) are all walked, except that beside `vpcflowlogs` other AWS
// services' folders are skipped; dated folders outside the window are never opened.

import { floorToHour, HOUR_MS, type HourWindow } from '../flowlog/layout.js';
import { InputError } from '../input-error.js';
import { HIVE_KEYS, layoutPatterns, s3DeliveryFileTime, S3_DELIVERY_FILE_NAME, type DateStyle, type Granularity, type LayoutName } from './layouts.js';
import type { FlowLogTree, TreeEntry } from './tree.js';

/** One flow-log file of the window. */
export interface WindowFile {
  /** The path from the tree root: folder names, then the file name. */
  readonly segments: readonly string[];
  /** Size in bytes as stored (compressed). */
  readonly size: number;
  readonly layout: LayoutName;
  /** `day`: the folder holds a whole UTC day, so the window must also filter each record's `start`. */
  readonly granularity: Granularity;
  /** The start of the file's dated folder: its UTC hour, or its UTC day. */
  readonly folderStart: Date;
  /** When AWS published the file, from an S3 delivery file name (layouts.ts s3DeliveryFileTime); undefined for other names. */
  readonly published?: Date;
}

export interface Discovery {
  /** The window's files, sorted by path. */
  readonly files: readonly WindowFile[];
  /** Hour folders of the window that exist (several accounts or regions may each have one per hour). */
  readonly hourFolders: number;
  /** Day folders read: those of the window and, after a window that ends at midnight, the next one (see DAY_FOLDER_DELIVERY_LAG_MS). */
  readonly dayFolders: number;
  /** Hours of the window that an hour folder or a day folder covers. */
  readonly hoursCovered: number;
  readonly hoursInWindow: number;
  /**
   * The starts (epoch ms, sorted) of the window's hours that the paths show covered: an hour folder with files, or
   * a file of a day folder that AWS published in that hour (its S3 delivery name). A day folder's other files
   * cover hours only their records can tell (see dayFilesWithoutTime).
   */
  readonly hoursFromPaths: readonly number[];
  /**
   * Dated folders seen (none: the tree holds no known layout), with the nearest ones outside the window as
   * far as the walk opened them (`2026/10` when the month outside the window was not opened).
   */
  readonly dated?: { readonly before?: string; readonly after?: string };
}

/** Levels of dated folders: year, month, day, hour. */
const LEVELS = 4;
/** How many undated folders (prefix, AWSLogs, o-ORG, account, vpcflowlogs, region, ...) are walked at most. */
const MAX_UNDATED_DEPTH = 8;

const PLAIN = [/^(\d{4})$/, /^(\d{2})$/, /^(\d{2})$/, /^(\d{2})$/];
const HIVE = HIVE_KEYS.map((key, i) => new RegExp(`^${key}=(\\d{${i === 0 ? 4 : 2}})$`));
const LIMITS = [[1970, 9999], [1, 12], [1, 31], [0, 23]] as const;

/** Security Lake's day folder: `eventDay=YYYYMMDD` (layouts.ts SECURITY_LAKE_LAYOUT). */
const EVENT_DAY = /^eventDay=(\d{4})(\d{2})(\d{2})$/;

/** The year, month and day of a Security Lake day folder, or undefined when the name is not one. */
function eventDayParts(name: string): number[] | undefined {
  const m = EVENT_DAY.exec(name);
  if (!m) return undefined;
  const parts = [Number(m[1]), Number(m[2]), Number(m[3])];
  return parts.every((v, level) => v >= LIMITS[level]![0] && v <= LIMITS[level]![1]) ? parts : undefined;
}

/** The value of a dated folder name at `level` in `style`, or undefined when the name is not one (a Security Lake day has no finer folders). */
function dateValue(name: string, level: number, style: DateStyle): number | undefined {
  if (style === 'event-day') return undefined;
  const m = (style === 'plain' ? PLAIN : HIVE)[level]!.exec(name);
  const value = m ? Number(m[1]) : NaN;
  const [low, high] = LIMITS[level]!;
  return value >= low && value <= high ? value : undefined;
}

/** The UTC range [start, end) in ms of a dated folder whose parts (year, month, day, hour) are given so far. */
function partsRange(parts: readonly number[]): [number, number] {
  const [y, m = 1, d = 1, h = 0] = parts;
  const start = Date.UTC(y!, m - 1, d, h);
  const next = [Date.UTC(y! + 1, 0, 1), Date.UTC(y!, m, 1), Date.UTC(y!, m - 1, d + 1), Date.UTC(y!, m - 1, d, h + 1)];
  return [start, next[parts.length - 1]!];
}

const partsText = (parts: readonly number[]) => parts.map((v, i) => String(v).padStart(i === 0 ? 4 : 2, '0')).join('/');

/** The dated folders at the end of the root's own path (`.../2026/11/01`), if any, with their style. */
function rootDate(root: string): { style: DateStyle; parts: number[] } | undefined {
  const segments = root.replace(/^s3:\/\/[^/]+/, '').split(/[/\\]/).filter((s) => s !== '' && s !== '.');
  for (let length = Math.min(LEVELS, segments.length); length > 0; length--) {
    const tail = segments.slice(-length);
    for (const style of ['plain', 'hive'] as const) {
      const parts = tail.map((name, level) => dateValue(name, level, style));
      if (parts.every((p) => p !== undefined)) return { style, parts: parts as number[] };
    }
  }
  return undefined;
}

const isS3DeliveryPath = (names: readonly string[]) => names.some((n) => n === 'vpcflowlogs' || n === 'aws-service=vpcflowlogs');

interface Walk {
  readonly tree: FlowLogTree;
  readonly window: HourWindow;
  readonly files: WindowFile[];
  readonly hourFolders: Set<string>;
  readonly dayFolders: Set<string>;
  readonly hoursCovered: Set<number>;
  readonly hoursFromPaths: Set<number>;
  /** The root's path names (for the S3-delivery context of a tree rooted below `vpcflowlogs`). */
  readonly rootNames: readonly string[];
  seen: boolean;
  before?: { end: number; text: string };
  after?: { start: number; text: string };
}

/** Notes a dated folder seen, keeping the nearest ones before and after the window (the finer on a tie). */
function noteDated(walk: Walk, parts: readonly number[]): void {
  const [start, end] = partsRange(parts);
  const text = partsText(parts);
  walk.seen = true;
  const finer = (other?: { text: string }) => !other || text.length > other.text.length;
  if (end <= walk.window.start.getTime() && (!walk.before || end > walk.before.end || (end === walk.before.end && finer(walk.before)))) {
    walk.before = { end, text };
  }
  if (start >= walk.window.end.getTime() && (!walk.after || start < walk.after.start || (start === walk.after.start && finer(walk.after)))) {
    walk.after = { start, text };
  }
}

/**
 * How long after a record's capture window S3 delivery may write it: up to a 10-minute aggregation interval, then
 * "about 10 minutes" to publish to Amazon S3 (AWS VPC User Guide, "Flow log records", Aggregation interval). So
 * the last minutes of a day land in the next day's folder, which is read too when it starts this soon after the
 * window ends; day folders' records are kept by `start`, so nothing outside the window counts. Hour folders are
 * pruned exactly: their window is the folder.
 */
const DAY_FOLDER_DELIVERY_LAG_MS = 20 * 60_000;

/** Whether a dated folder (year, month, day or hour) can hold records of the window. */
function overlapsWindow(walk: Walk, parts: readonly number[]): boolean {
  const [start, end] = partsRange(parts);
  const lag = parts.length < LEVELS ? DAY_FOLDER_DELIVERY_LAG_MS : 0;
  return start < walk.window.end.getTime() + lag && end > walk.window.start.getTime();
}

function layoutOf(walk: Walk, style: DateStyle, granularity: Granularity, segments: readonly string[], name: string): LayoutName {
  if (style === 'event-day') return 'security-lake';
  if (style === 'hive') return granularity === 'hour' ? 's3-hive-hourly' : 's3-hive';
  if (granularity === 'day') return 's3';
  const s3 = isS3DeliveryPath(walk.rootNames) || isS3DeliveryPath(segments) || S3_DELIVERY_FILE_NAME.test(name);
  return s3 ? 's3-hourly' : 'firehose';
}

/** Records the files directly in a dated folder of the window. */
function addFiles(walk: Walk, entries: readonly TreeEntry[], segments: readonly string[], style: DateStyle, parts: readonly number[]): void {
  const granularity: Granularity = parts.length === LEVELS ? 'hour' : 'day';
  const files = entries.filter((e) => e.kind === 'file');
  if (files.length === 0) return;
  const key = segments.join('/');
  (granularity === 'hour' ? walk.hourFolders : walk.dayFolders).add(key);
  const [start, end] = partsRange(parts);
  for (let t = Math.max(start, walk.window.start.getTime()); t < Math.min(end, walk.window.end.getTime()); t += HOUR_MS) {
    walk.hoursCovered.add(t);
    if (granularity === 'hour') walk.hoursFromPaths.add(t);
  }
  for (const file of files) {
    const published = s3DeliveryFileTime(file.name);
    const publishedHour = published && floorToHour(published).getTime();
    if (granularity === 'day' && publishedHour !== undefined && publishedHour >= walk.window.start.getTime() && publishedHour < walk.window.end.getTime()) {
      walk.hoursFromPaths.add(publishedHour);
    }
    walk.files.push({
      segments: [...segments, file.name],
      size: file.size ?? 0,
      layout: layoutOf(walk, style, granularity, segments, file.name),
      granularity,
      folderStart: new Date(start),
      published,
    });
  }
}

/** Walks a dated folder: `parts` are its year, month, ... so far (1 to 4 of them). */
async function walkDated(walk: Walk, segments: string[], style: DateStyle, parts: number[]): Promise<void> {
  const entries = await walk.tree.list(segments);
  // A day folder holds the files of a daily layout; an hour folder those of an hourly one.
  if (parts.length >= LEVELS - 1) addFiles(walk, entries, segments, style, parts);
  if (parts.length === LEVELS) return;
  const children: Promise<void>[] = [];
  for (const entry of entries) {
    if (entry.kind !== 'folder') continue;
    const value = dateValue(entry.name, parts.length, style);
    if (value === undefined) continue;
    const childParts = [...parts, value];
    noteDated(walk, childParts);
    if (overlapsWindow(walk, childParts)) children.push(walkDated(walk, [...segments, entry.name], style, childParts));
  }
  await Promise.all(children);
}

/** Walks a folder above the dates: prefixes, AWSLogs, accounts, services, regions. */
async function walkUndated(walk: Walk, segments: string[]): Promise<void> {
  const entries = await walk.tree.list(segments);
  const folders = entries.filter((e) => e.kind === 'folder');
  // Beside vpcflowlogs, AWSLogs/ACCOUNT/ holds other services' logs (CloudTrail, elasticloadbalancing, ...);
  // beside VPC_FLOW, Security Lake's aws/ holds its other sources (CLOUD_TRAIL_MGMT, ROUTE53, ...).
  const service = folders.find((f) => f.name === 'vpcflowlogs' || f.name === 'aws-service=vpcflowlogs' || f.name === 'VPC_FLOW');
  const children: Promise<void>[] = [];
  for (const folder of service ? [service] : folders.filter((f) => !f.name.startsWith('aws-service='))) {
    const style = (['plain', 'hive'] as const).find((s) => dateValue(folder.name, 0, s) !== undefined);
    const path = [...segments, folder.name];
    const eventDay = eventDayParts(folder.name);
    if (eventDay) {
      noteDated(walk, eventDay);
      if (overlapsWindow(walk, eventDay)) children.push(walkDated(walk, path, 'event-day', eventDay));
    } else if (style) {
      const parts = [dateValue(folder.name, 0, style)!];
      noteDated(walk, parts);
      if (overlapsWindow(walk, parts)) children.push(walkDated(walk, path, style, parts));
    } else if (segments.length < MAX_UNDATED_DEPTH) {
      children.push(walkUndated(walk, path));
    }
  }
  await Promise.all(children);
}

/**
 * The files of `window` in `tree`, in any layout of layouts.ts, walking only the dated folders that overlap the
 * window (files of day folders are returned whole: filter their records on `start`). An empty `files` list
 * with no `dated` means the tree holds no known layout at all. Listing errors come from the tree.
 */
export async function discoverWindowFiles(tree: FlowLogTree, window: HourWindow): Promise<Discovery> {
  const walk: Walk = {
    tree, window, files: [], hourFolders: new Set(), dayFolders: new Set(), hoursCovered: new Set(), hoursFromPaths: new Set(),
    rootNames: tree.root.split(/[/\\]/), seen: false,
  };
  const dated = rootDate(tree.root);
  if (dated) {
    noteDated(walk, dated.parts);
    if (overlapsWindow(walk, dated.parts)) await walkDated(walk, [], dated.style, dated.parts);
  } else {
    await walkUndated(walk, []);
  }
  const files = walk.files.sort((a, b) => a.segments.join('/').localeCompare(b.segments.join('/')));
  return {
    files,
    hourFolders: walk.hourFolders.size,
    dayFolders: walk.dayFolders.size,
    hoursCovered: walk.hoursCovered.size,
    hoursInWindow: Math.round((window.end.getTime() - window.start.getTime()) / HOUR_MS),
    hoursFromPaths: [...walk.hoursFromPaths].sort((a, b) => a - b),
    dated: walk.seen ? { before: walk.before?.text, after: walk.after?.text } : undefined,
  };
}

/** Whether a file of a day folder has no publication time in its name: only its records can say which hours it covers. */
export const dayFilesWithoutTime = (files: readonly WindowFile[]) => files.some((f) => f.granularity === 'day' && f.published === undefined);

const hourText = (date: Date) => `${date.toISOString().slice(0, 13)}Z`;

/**
 * Two files that are copies of one flow-log file: the same name and size in the same dated folder, under two
 * paths of the tree (a bucket synced twice into nested folders). AWS names every object it delivers uniquely
 * (S3 delivery: account, flow log id, time and a hash; Firehose: stream, time and a random id), so such a pair
 * holds the same records.
 */
function copiedFile(files: readonly WindowFile[]): [WindowFile, WindowFile] | undefined {
  const seen = new Map<string, WindowFile>();
  for (const file of files) {
    const key = JSON.stringify([file.segments.at(-1), file.size, file.folderStart.getTime(), file.granularity]);
    const other = seen.get(key);
    if (other) return [other, file];
    seen.set(key, file);
  }
  return undefined;
}

/**
 * Fails with one sentence when the discovery found no file for the window: either the tree holds no known
 * layout (naming the layouts looked for) or its dated folders miss the window (naming the range found); or when
 * it found two copies of one file (see copiedFile), whose records would count twice.
 */
export function requireWindowFiles(discovery: Discovery, tree: FlowLogTree, window: HourWindow, input = 'logs'): void {
  const copies = copiedFile(discovery.files);
  if (copies) {
    const [a, b] = copies.map((f) => f.segments.slice(0, -1).join('/'));
    throw new InputError(
      `${input}: '${tree.root}' holds two copies of the flow-log file '${copies[0].segments.at(-1)}' (${copies[0].size} bytes), ` +
        `in '${a}' and in '${b}', whose records would count twice; point ${input} at one copy.`,
    );
  }
  if (discovery.files.length > 0) return;
  const span = `${hourText(window.start)} to ${hourText(window.end)}`;
  if (!discovery.dated) {
    throw new InputError(
      `${input}: '${tree.root}' holds no flow-log folders of a known layout; looked for ${layoutPatterns()} ` +
        '(from any folder of such a tree, such as the bucket, AWSLogs/, an account, a region or a day).',
    );
  }
  const { before, after } = discovery.dated;
  const nearest = [before && `${before} before it`, after && `${after} after it`].filter(Boolean).join(' and ');
  throw new InputError(
    `${input}: '${tree.root}' has no flow-log files for ${span} in its dated folders` +
      `${nearest ? ` (the nearest are ${nearest})` : ''}; check --end and --lookback-hours.`,
  );
}
