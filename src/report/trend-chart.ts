// The trend section of the tracking issue and the job summary: the port memory's audited windows (at most its
// last 30) as two mermaid `xychart-beta` charts, which GitHub renders in issues and job summaries: the total
// connections per window over every port (bars), and the connections per window of the ports the section is
// about (one line each, in the order given: the table's rank, by connections). Syntax: Mermaid's "XY Chart"
// (https://mermaid.js.org/syntax/xyChart): `x-axis "title" [a, "b c"]`, `y-axis "title" min --> max`,
// `bar [..]`, `line [..]`. It draws no legend, so the lines' ports are named under the chart.

import { unitLabel, type AuditUnit } from '../audit/audit-unit.js';
import { auditedWindows, portsOf, type PortMemory, type PortWindow } from '../audit/known-ports.js';
import { portKey } from '../audit/port-row.js';
import { escapeMarkdown } from './markdown.js';

/** A port the trend draws a line for: of `unit` (the unit of nulls when absent, as in a one-VPC audit). */
export interface TrendPort {
  readonly port: number;
  readonly protocol: number;
  readonly unit?: AuditUnit;
}

/** At most this many ports get a line (more would be unreadable without a legend). */
export const TREND_MAX_PORTS = 5;

type Window = { readonly start: string; readonly end: string };
const windowId = (w: Window) => `${w.start}/${w.end}`;

/** `"11-02 00h"`: the window's end, in UTC, as an x-axis label. */
const label = (w: Window) => `"${w.end.slice(5, 10)} ${w.end.slice(11, 13)}h"`;

/** A port's connections in each of `windows` (0 where its history has none). */
function series(history: readonly PortWindow[], windows: readonly Window[]): number[] {
  const byWindow = new Map(history.map((h) => [windowId(h), h.connections]));
  return windows.map((w) => byWindow.get(windowId(w)) ?? 0);
}

function chart(title: string, windows: readonly Window[], kind: 'bar' | 'line', values: readonly (readonly number[])[]): string {
  const top = Math.max(1, ...values.flat());
  return [
    '```mermaid',
    'xychart-beta',
    `    title "${title}"`,
    `    x-axis "Window end (UTC)" [${windows.map(label).join(', ')}]`,
    `    y-axis "Connections" 0 --> ${top}`,
    ...values.map((v) => `    ${kind} [${v.join(', ')}]`),
    '```',
  ].join('\n');
}

/** A line's name under the chart: `443/tcp`, with its unit's label when `nameUnits` (`443/tcp` in vpc-0a1b (...)). */
const lineName = (p: TrendPort, nameUnits: boolean) => `\`${portKey(p)}\`${nameUnits && p.unit ? ` in ${escapeMarkdown(unitLabel(p.unit))}` : ''}`;

/**
 * The trend section (`heading` is its markdown level, `###`) for `ports`, ranked as the table that lists them;
 * empty when the memory has no audited window yet. `about` names the ports in the chart's title (`new ports`).
 * The bars are the total over every port of every unit; `nameUnits` names each line's unit (several units).
 */
export function renderTrend(memory: PortMemory, ports: readonly TrendPort[], heading: string, about: string, nameUnits = false): string {
  const windows = auditedWindows(memory.units);
  if (windows.length === 0) return '';
  const totals = windows.map(() => 0);
  for (const { ports: remembered } of memory.units.values()) {
    for (const p of remembered.values()) series(p.history, windows).forEach((n, i) => (totals[i]! += n));
  }
  const shown = ports.slice(0, TREND_MAX_PORTS).flatMap((p) => {
    const remembered = portsOf(memory, p.unit).get(portKey(p));
    return remembered ? [{ port: p, history: remembered.history }] : [];
  });
  const lines = shown.map((p) => series(p.history, windows));
  const more = ports.length > shown.length ? ` (the first ${shown.length} of ${ports.length})` : '';
  return [
    `${heading} Trend over the last ${windows.length} audited window${windows.length === 1 ? '' : 's'}`,
    '',
    chart('Connections per window, all ports', windows, 'bar', [totals]),
    ...(shown.length > 0
      ? ['', chart(`Connections per window, ${about}`, windows, 'line', lines), '', `Lines, in order${more}: ${shown.map((p) => lineName(p.port, nameUnits)).join(', ')}.`]
      : []),
  ].join('\n');
}
