// Whole UTC hours: the audit window (a half-open range of hours), the `YYYY/MM/DD/HH` path of an hour (the
// hour folders of the layouts in logs/layouts.ts and the `dt` partition of this stack's table), and parsing
// an ISO hour from user input.

import { InputError } from '../input-error.js';

export const HOUR_MS = 3_600_000;

/** A half-open range of whole UTC hours: [start, end). */
export interface HourWindow {
  readonly start: Date;
  readonly end: Date;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `YYYY/MM/DD/HH` of the hour that contains `date` (UTC). */
export function hourPath(date: Date): string {
  return `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}/${pad(date.getUTCHours())}`;
}

/** Every hour path of a window, oldest first. */
export function hourPaths(window: HourWindow): string[] {
  const paths: string[] = [];
  for (let t = window.start.getTime(); t < window.end.getTime(); t += HOUR_MS) paths.push(hourPath(new Date(t)));
  return paths;
}

/** The start of the UTC hour that contains `date`. */
export function floorToHour(date: Date): Date {
  return new Date(Math.floor(date.getTime() / HOUR_MS) * HOUR_MS);
}

/**
 * Parses an ISO hour such as `2026-11-02T00`, `2026-11-02T00:00Z` or `2026-11-02T00:00:00.000Z` (UTC when
 * no offset is given); it must fall on a whole hour.
 */
export function parseIsoHour(text: string, input: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})(?::00(?::00(?:\.0+)?)?)?Z?$/.exec(text.trim());
  const date = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!)) : undefined;
  if (!m || !date || hourPath(date) !== `${m[1]}/${m[2]}/${m[3]}/${m[4]}`) {
    throw new InputError(`${input}: '${text}' is not a whole UTC hour; use the form 2026-11-02T00 (YYYY-MM-DDTHH).`);
  }
  return date;
}

/**
 * Parses `--end`/`--start` style input: an ISO hour as parseIsoHour, or a date `2026-11-02` meaning that day's
 * 00:00 UTC.
 */
export function parseIsoHourOrDate(text: string, input: string): Date {
  const day = /^\s*(\d{4}-\d{2}-\d{2})\s*$/.exec(text)?.[1];
  try {
    return parseIsoHour(day === undefined ? text : `${day}T00`, input);
  } catch {
    throw new InputError(`${input}: '${text}' is not a whole UTC hour or a date; use the form 2026-11-02T00 (YYYY-MM-DDTHH) or 2026-11-02 (that day's 00:00 UTC).`);
  }
}

/** The window of `hours` whole hours that ends (exclusive) at `end`. */
export function windowEndingAt(end: Date, hours: number): HourWindow {
  return { start: new Date(end.getTime() - hours * HOUR_MS), end };
}
