// The pieces of an audit report that every surface shows: the top-list table (new ports marked), the new ports
// ranked below it (with who opened them), the mermaid bar chart of flows per port, the time window, and what
// the query cost.

import type { PortDrillDown } from '../audit/drill-down.js';
import { portKey, type PortRow, type RankedRow } from '../audit/port-row.js';
import type { AuditStatistics } from '../engines/engine.js';
import type { HourWindow } from '../flowlog/layout.js';
import { formatBytes } from '../format-bytes.js';
import { code, formatCount, formatDollars, truncationNote, utcMinute } from './markdown.js';
import { renderDrillDownMarkdown } from './drill-down.js';
import { columns, extraColumn, markdownPortTable, rankedColumns, TOP_LIST_COLUMNS } from './port-table.js';

/** The chart shows at most this many ports (the busiest); the table shows them all. */
export const CHART_MAX_BARS = 15;

export const NEW_MARKER = '🆕 new';

/** The top list as a table, first `shown` rows; ports in `newKeys` are marked. */
export function renderTopListTable(rows: readonly PortRow[], newKeys: ReadonlySet<string>, shown = rows.length, fullListAt?: string): string {
  const cols = [...columns<PortRow>(...TOP_LIST_COLUMNS), extraColumn<PortRow>('New', (row) => (newKeys.has(portKey(row)) ? NEW_MARKER : ''))];
  const note = shown < rows.length ? `\n\n${truncationNote(shown, rows.length, 'ports of the top list', fullListAt)}` : '';
  return rows.length === 0 ? '_No outbound traffic in the window._' : `${markdownPortTable(rows.slice(0, shown), cols)}${note}`;
}

/** The title of the section of new ports ranked below the top list: `New, below the top 10`. */
export const belowTopTitle = (top: number) => `New, below the top ${top}`;

/**
 * The section of new ports ranked below the top list (`heading` is its markdown level, `###`): their table with
 * their ranks, then each one's drill-down where `drillDown` has it; the first `shown` ports. Empty without any.
 */
export function renderNewBelowTop(newBelow: readonly RankedRow[], top: number, heading: string, drillDown: readonly PortDrillDown[] = [], shown = newBelow.length, fullListAt?: string): string {
  if (newBelow.length === 0) return '';
  const listed = newBelow.slice(0, shown);
  const drills = listed.flatMap(({ row }) => drillDown.filter((d) => portKey(d) === portKey(row))).map(renderDrillDownMarkdown);
  const note = shown < newBelow.length ? `\n\n${truncationNote(shown, newBelow.length, 'new ports below the top list', fullListAt)}` : '';
  return [`${heading} ${belowTopTitle(top)}`, '', `${markdownPortTable(listed, rankedColumns(columns<PortRow>(...TOP_LIST_COLUMNS)))}${note}`, ...drills.flatMap((d) => ['', d])].join('\n');
}

/** A mermaid xychart-beta bar chart of flows per port for the busiest ports. */
export function renderFlowsChart(rows: readonly PortRow[]): string {
  const bars = [...rows].sort((a, b) => b.flows - a.flows).slice(0, CHART_MAX_BARS);
  if (bars.length === 0) return '';
  const labels = bars.map((row) => `"${portKey(row)}"`).join(', ');
  const top = Math.max(1, ...bars.map((row) => row.flows));
  return [
    '```mermaid',
    'xychart-beta',
    `    title "Flows per port${rows.length > bars.length ? ` (busiest ${bars.length} of ${rows.length})` : ''}"`,
    `    x-axis [${labels}]`,
    `    y-axis "Flows" 0 --> ${top}`,
    `    bar [${bars.map((row) => Math.round(row.flows)).join(', ')}]`,
    '```',
  ].join('\n');
}

/** `2026-11-01 00:00 to 2026-11-02 00:00 UTC (24 h)`. */
export function renderWindow(window: HourWindow): string {
  const hours = Math.round((window.end.getTime() - window.start.getTime()) / 3_600_000);
  return `${utcMinute(window.start)} to ${utcMinute(window.end)} UTC (${hours} h)`;
}

/** `Athena scanned 1.2 MiB, billed $0.000048` or the local engine's equivalent. */
export function renderCost(engine: 'athena' | 'duckdb', statistics: AuditStatistics): string {
  if (engine === 'duckdb') return `DuckDB read ${formatBytes(statistics.bytesScanned)} locally (no cost).`;
  const id = statistics.queryExecutionId ? ` (query ${code(statistics.queryExecutionId)})` : '';
  return `Athena scanned ${formatBytes(statistics.bytesScanned)} (${formatCount(statistics.bytesScanned)} bytes), billed ${formatDollars(statistics.costUsd)}${id}.`;
}
