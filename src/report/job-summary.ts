// The job summary of an audit run, as markdown (the action writes it with @actions/core's summary):
// window, cost, what is new, the mermaid chart, the top list and the new ports ranked below it. An audit of
// several units (issue 21) adds the organisation-wide summary (a row per VPC) and a section per VPC with new
// ports or a first window; its new ports are named with their VPC.

import { portKey, splitAtTop, type PortRow } from '../audit/port-row.js';
import type { AuditResult, DrillDownResult } from '../engines/engine.js';
import type { HourWindow } from '../flowlog/layout.js';
import { renderCost, renderFlowsChart, renderNewBelowTop, renderTopListTable, renderWindow } from './audit-sections.js';
import { escapeMarkdown } from './markdown.js';
import { columns, markdownPortTable, rankedColumns, TOP_LIST_COLUMNS } from './port-table.js';
import { FIRST_WINDOW, renderUnitSummary, showsUnits, unitHeading, unitName, unitNewPortDrillDowns, type UnitFindings } from './unit-sections.js';
import type { UnitDrillDown } from '../audit/drill-down.js';
import { renderDrillDownMarkdown } from './drill-down.js';
import { renderTrend } from './trend-chart.js';
import type { PortMemory } from '../audit/known-ports.js';

const keys = (ports: readonly PortRow[]) => ports.map((p) => `\`${portKey(p)}\``).join(', ');

interface JobSummaryInput {
  /** The audit: every port of the window, in rank order. */
  readonly result: AuditResult;
  /** How many ports the top list shows; new ports below it get their own section. */
  readonly top: number;
  readonly window: HourWindow;
  /** Ports reported as new by this run. */
  readonly newPorts: readonly PortRow[];
  /** True when this run only recorded a baseline (first run without allowlist, or a rebuilt memory). */
  readonly silent: boolean;
  /** `#12`-style link text of the tracking issue, when there is one. */
  readonly trackingIssue?: { readonly number: number; readonly url?: string };
  /** On pull-request runs, the pull request's number: its sticky comment holds the allowlist diff. */
  readonly pullRequest?: number;
  /** The table read and how it is partitioned (`db.table: partition dt (YYYY/MM/DD/HH)`), next to the cost. */
  readonly tableRead?: string;
  /** On read-only runs, the notice that says why nothing was written (plain text; escaped here). */
  readonly readOnly?: string;
  /** The drill-down query of the new ports, when this run ran one. */
  readonly drillDown?: DrillDownResult;
  /** The port memory after this run (scheduled and read-only runs): the trend of the new ports and the total volume. */
  readonly memory?: PortMemory;
  /** What the run concluded per audit unit (scheduled and read-only runs); several units add the per-VPC sections. */
  readonly units?: readonly UnitFindings[];
}

/** The new ports, named with their VPC when the summary shows units: `` `22/tcp` in vpc-0a1b (...) ``. */
function newPortNames(newPorts: readonly PortRow[], units: readonly UnitFindings[] | undefined): string {
  if (!showsUnits(units)) return keys(newPorts);
  return units.flatMap((u) => u.newPorts.map((p) => `\`${portKey(p)}\` in ${unitName(u.unit)}`)).join(', ');
}

/**
 * The per-VPC part: the organisation-wide summary, then each VPC with new ports or a first window, its new ports
 * ranked in it and who in that VPC opened them (the drill-down's per-unit part).
 */
function renderUnits(units: readonly UnitFindings[], drillDowns: readonly UnitDrillDown[] | undefined): string[] {
  const sections = units
    .filter((u) => u.newPorts.length > 0 || u.firstWindow)
    .flatMap((u) => {
      const newKeys = new Set(u.newPorts.map(portKey));
      const ranked = u.rows.flatMap((row, index) => (newKeys.has(portKey(row)) ? [{ rank: index + 1, row }] : []));
      return [
        unitHeading(u.unit, '###'),
        '',
        ...(u.firstWindow ? [`_${FIRST_WINDOW} (${u.rows.length} port${u.rows.length === 1 ? '' : 's'})._`, ''] : []),
        ...(ranked.length ? [markdownPortTable(ranked, rankedColumns(columns<PortRow>(...TOP_LIST_COLUMNS))), ''] : []),
        ...unitNewPortDrillDowns(u, drillDowns).flatMap((d) => [renderDrillDownMarkdown(d), '']),
      ];
    });
  return ['### Every VPC', '', renderUnitSummary(units), '', ...sections, '### Top list, every VPC', ''];
}

export function renderJobSummary(input: JobSummaryInput): string {
  const { result, top, window, newPorts, silent, trackingIssue, pullRequest, tableRead, readOnly, drillDown, memory, units } = input;
  // Each line is looked up in its own unit (one attributed unit too); only several units are named under the chart.
  const trendPorts = units ? units.flatMap((u) => u.newPorts.map((p) => ({ port: p.port, protocol: p.protocol, unit: u.unit }))) : newPorts;
  const trend = memory ? renderTrend(memory, trendPorts, '###', 'new ports', showsUnits(units)) : '';
  const newKeys = new Set(newPorts.map(portKey));
  const split = splitAtTop(result.rows, top, (row) => newKeys.has(portKey(row)));
  const leftOut = result.portsLeftOut > 0 ? ` (and ${result.portsLeftOut} less busy ones beyond max-ports, neither judged nor remembered)` : '';
  const issue = trackingIssue ? (trackingIssue.url ? `[#${trackingIssue.number}](${trackingIssue.url})` : `#${trackingIssue.number}`) : '';
  let status: string;
  if (result.rows.length === 0) status = 'No outbound flows in this window yet (a new stack needs about an hour before flow logs arrive).';
  else if (pullRequest !== undefined) status = `Pull-request run: the allowlist diff is in the comment on #${pullRequest}; new ports are reported by the scheduled audit.`;
  else if (silent) status = 'Baseline recorded: the ports below are now known, and only ports that appear later will be reported.';
  else if (newPorts.length === 0) status = 'No new ports.';
  else if (readOnly) status = `**${newPorts.length} port${newPorts.length === 1 ? '' : 's'} not seen before** (not reported by this read-only run): ${newPortNames(newPorts, units)}.`;
  else status = `**${newPorts.length} new port${newPorts.length === 1 ? '' : 's'}:** ${newPortNames(newPorts, units)}${issue ? ` (tracked in ${issue})` : ''}.`;
  return [
    '## VPC outbound ports',
    '',
    `- Window: ${renderWindow(window)}`,
    `- Cost: ${renderCost(result.engine, result.statistics)}`,
    ...(drillDown ? [`- Drill-down of the new ports: ${renderCost(result.engine, drillDown.statistics)}`] : []),
    ...(tableRead ? [`- Table: ${tableRead}`] : []),
    `- Ports in the window: ${result.rows.length}${leftOut}; the top list shows ${split.top.length}`,
    '',
    ...(readOnly ? [`> [!NOTE]\n> ${escapeMarkdown(readOnly)}`, ''] : []),
    status,
    '',
    ...(showsUnits(units) ? renderUnits(units, drillDown?.units) : []),
    renderFlowsChart(split.top),
    '',
    renderTopListTable(split.top, newKeys),
    '',
    ...(split.newBelow.length ? [renderNewBelowTop(split.newBelow, top, '###', drillDown?.ports), ''] : []),
    ...(trend ? [trend, ''] : []),
  ].join('\n');
}
