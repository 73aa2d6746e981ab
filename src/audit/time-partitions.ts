// How a window of hours becomes WHERE terms on a table's time partitions: one column holding a formatted
// hour or day (`dt` = `2026/11/01/05`, `day` = `2026/11/01`, `date` of type DATE), or a day spread over
// `year`/`month`/`day` columns, optionally with an `hour` column. Terms name only the window's partitions,
// so Athena (partition projection or catalogued partitions) reads nothing else; where the partitions are
// coarser than an hour, terms on the records' `start` (epoch seconds) cut the window exactly.

import { HOUR_MS, type HourWindow } from '../flowlog/layout.js';
import { InputError } from '../input-error.js';
import { columnSql } from './table-shape.js';

const DAY_MS = 24 * HOUR_MS;

/** A Java date pattern (as Athena partition projection writes `projection.<column>.format`) of yyyy, MM, dd and optionally HH, in that order. */
interface DatePattern {
  readonly pattern: string;
  /** True when the pattern carries the hour (`HH`). */
  readonly hourly: boolean;
}

/**
 * Checks that `pattern` sorts by time as text: the tokens yyyy, MM, dd (and HH) in that order, separated
 * by characters that are not letters or quotes. Throws an InputError naming `input` otherwise.
 */
export function parseDatePattern(pattern: string, input: string): DatePattern {
  const m = /^yyyy([^A-Za-z']*)MM([^A-Za-z']*)dd(?:([^A-Za-z']*)HH)?$/.exec(pattern);
  if (!m) {
    throw new InputError(
      `${input}: the date format '${pattern}' does not sort by time as text; accepted are yyyy, MM, dd and optionally HH in that order, such as yyyy/MM/dd or yyyy-MM-dd.`,
    );
  }
  return { pattern, hourly: m[3] !== undefined };
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** `date` (UTC) written with a DatePattern. */
function formatDate(date: Date, { pattern }: DatePattern): string {
  const values: Record<string, string> = {
    yyyy: pad(date.getUTCFullYear(), 4),
    MM: pad(date.getUTCMonth() + 1, 2),
    dd: pad(date.getUTCDate(), 2),
    HH: pad(date.getUTCHours(), 2),
  };
  return pattern.replace(/yyyy|MM|dd|HH/g, (token) => values[token]!);
}

/** A partition column as the terms need it: its name and whether its values are numbers or text. */
export interface PartitionColumn {
  readonly name: string;
  readonly numeric: boolean;
  /** Zero-padded width of a text value (`05`), from `projection.<column>.digits` or the S3 path's own. */
  readonly digits: number;
}

/** The day part of a time partitioning: one column, or the year/month/day columns. */
export type DayPartition =
  | { readonly kind: 'date'; readonly column: string }
  | { readonly kind: 'text'; readonly column: string; readonly format: DatePattern }
  | { readonly kind: 'ymd'; readonly year: PartitionColumn; readonly month: PartitionColumn; readonly day: PartitionColumn };

export interface TimePartitions {
  readonly day: DayPartition;
  /** The hour column, when the table has one (`hour`, 0-23). */
  readonly hour?: PartitionColumn;
}

/** Every UTC day the window touches, with its first and last hour inside the window. */
function windowDays(window: HourWindow): { day: Date; fromHour: number; toHour: number }[] {
  const lastHour = new Date(window.end.getTime() - HOUR_MS);
  const days = [];
  for (let t = Math.floor(window.start.getTime() / DAY_MS) * DAY_MS; t <= lastHour.getTime(); t += DAY_MS) {
    const day = new Date(t);
    days.push({
      day,
      fromHour: t < window.start.getTime() ? window.start.getUTCHours() : 0,
      toHour: t + DAY_MS > window.end.getTime() ? lastHour.getUTCHours() : 23,
    });
  }
  return days;
}

const literal = (column: PartitionColumn, value: number) => (column.numeric ? String(value) : `'${pad(value, column.digits)}'`);
const equalOrBetween = (sql: string, first: string, last: string) => (first === last ? `${sql} = ${first}` : `${sql} BETWEEN ${first} AND ${last}`);

/** The term on the day part for the whole days first..last (same month when the day is year/month/day). */
function dayTerm(part: DayPartition, first: Date, last: Date): string {
  if (part.kind === 'date') {
    const iso = (d: Date) => `DATE '${d.toISOString().slice(0, 10)}'`;
    return equalOrBetween(columnSql(part.column), iso(first), iso(last));
  }
  if (part.kind === 'text') {
    return equalOrBetween(columnSql(part.column), `'${formatDate(first, part.format)}'`, `'${formatDate(last, part.format)}'`);
  }
  return [
    `${columnSql(part.year.name)} = ${literal(part.year, first.getUTCFullYear())}`,
    `${columnSql(part.month.name)} = ${literal(part.month, first.getUTCMonth() + 1)}`,
    equalOrBetween(columnSql(part.day.name), literal(part.day, first.getUTCDate()), literal(part.day, last.getUTCDate())),
  ].join(' AND ');
}

/**
 * The partition term of a window. A column of formatted hours takes the window's first and last hour;
 * otherwise whole days grouped into ranges (per month for year/month/day), and with
 * an hour column the window's first and last day narrowed to their hours. Several groups are OR-ed in
 * one parenthesised term.
 */
export function timePartitionTerm(partitions: TimePartitions, window: HourWindow): string {
  const { day: part, hour } = partitions;
  if (part.kind === 'text' && part.format.hourly) {
    const last = new Date(window.end.getTime() - HOUR_MS);
    return equalOrBetween(columnSql(part.column), `'${formatDate(window.start, part.format)}'`, `'${formatDate(last, part.format)}'`);
  }
  const groups: { first: Date; last: Date; hours?: [number, number] }[] = [];
  for (const { day, fromHour, toHour } of windowDays(window)) {
    const partial = hour !== undefined && (fromHour > 0 || toHour < 23);
    const previous = groups.at(-1);
    const sameMonth = previous !== undefined && previous.last.getUTCMonth() === day.getUTCMonth();
    if (!partial && previous && !previous.hours && (part.kind !== 'ymd' || sameMonth)) previous.last = day;
    else groups.push({ first: day, last: day, hours: partial ? [fromHour, toHour] : undefined });
  }
  const terms = groups.map(({ first, last, hours }) => {
    const term = dayTerm(part, first, last);
    if (!hours || !hour) return term;
    return `${term} AND ${equalOrBetween(columnSql(hour.name), literal(hour, hours[0]), literal(hour, hours[1]))}`;
  });
  return terms.length === 1 ? terms[0]! : `(${terms.map((t) => `(${t})`).join(' OR ')})`;
}

/** Whether these partitions name single hours (a text column with HH, or an hour column). */
export function isHourly(partitions: TimePartitions): boolean {
  return partitions.hour !== undefined || (partitions.day.kind === 'text' && partitions.day.format.hourly);
}

/** `start >= first second AND start < end second`: the window on the records' own start time (epoch seconds). */
export function startTerms(startColumnSql: string, window: HourWindow): string[] {
  return [`${startColumnSql} >= ${window.start.getTime() / 1000}`, `${startColumnSql} < ${window.end.getTime() / 1000}`];
}
