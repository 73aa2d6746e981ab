// How much of an audit window the flow logs read cover: the hours that have an hour folder (hourly layouts: the
// folder is the hour) or a file AWS published in them (S3 delivery names, logs/discover.ts), or else a record
// starting in them (a day folder's files named otherwise: only their records say which hours they cover; one more
// scan, run only then), and the sentence for a window covered in part. Counts of a partial window are counts of
// fewer hours than the title's window: the CLI says so in the title and on stderr, or refuses it.

import { HOUR_MS, type HourWindow } from '../flowlog/layout.js';
import { startTerms } from './time-partitions.js';
import type { AuditParameters } from './query.js';

export interface WindowCoverage {
  readonly hoursInWindow: number;
  readonly hoursCovered: number;
  /** The runs of hours of the window with no file (or, in day folders, no record), oldest first. */
  readonly missing: readonly HourWindow[];
}

/** The one column of the hours-with-records query: the start of an hour (epoch seconds) with a record starting in it. */
export const HOUR_START_COLUMN = 'hour_start';

/**
 * The distinct hours of the window in which a record of the table starts, one row each (HOUR_START_COLUMN, epoch
 * seconds): how much of the window day folders cover. Needs the table's `start` column (a day folder always has it).
 */
export function buildHoursWithRecordsSql(p: AuditParameters): string {
  const start = p.source.columns.get('start');
  if (start === undefined) throw new Error('the hours with records need a start column');
  return [
    `SELECT DISTINCT CAST(floor(${start} / 3600) AS BIGINT) * 3600 AS ${HOUR_START_COLUMN}`,
    `FROM "${p.source.table.database}"."${p.source.table.table}"`,
    `WHERE ${startTerms(start, p.window).join(' AND ')}`,
  ].join('\n');
}

/** The coverage of `window` by the hours that start at `covered` (epoch ms; any outside the window are ignored). */
export function windowCoverage(window: HourWindow, covered: Iterable<number>): WindowCoverage {
  const hours = new Set(covered);
  const missing: HourWindow[] = [];
  let hoursCovered = 0;
  for (let t = window.start.getTime(); t < window.end.getTime(); t += HOUR_MS) {
    if (hours.has(t)) {
      hoursCovered++;
      continue;
    }
    const last = missing.at(-1);
    if (last && last.end.getTime() === t) missing[missing.length - 1] = { start: last.start, end: new Date(t + HOUR_MS) };
    else missing.push({ start: new Date(t), end: new Date(t + HOUR_MS) });
  }
  return { hoursInWindow: Math.round((window.end.getTime() - window.start.getTime()) / HOUR_MS), hoursCovered, missing };
}

export const isPartial = (c: WindowCoverage) => c.hoursCovered < c.hoursInWindow;

const hour = (d: Date) => `${d.toISOString().slice(0, 13)}Z`;
const hours = (n: number) => `${n} hour${n === 1 ? '' : 's'}`;

/** `18 of 24 hours`: for the title of a partial window. */
export const coveredHoursText = (c: WindowCoverage) => `${c.hoursCovered} of ${hours(c.hoursInWindow)}`;

/**
 * The sentence (without a final period) for a partially covered window: `the files read cover 18 of the window's
 * 24 hours: none for 2026-11-01T18Z to 2026-11-02T00Z`, naming at most three gaps.
 */
export function describePartialWindow(c: WindowCoverage): string {
  const gaps = c.missing.slice(0, 3).map((m) => `${hour(m.start)} to ${hour(m.end)}`);
  const more = c.missing.length > 3 ? ` and ${c.missing.length - 3} more gaps` : '';
  return `the files read cover ${c.hoursCovered} of the window's ${hours(c.hoursInWindow)}: none for ${gaps.join(', ')}${more}`;
}
