// The tracking issue of one VPC or stack as text: its title, its body (unacknowledged ports, who opened the new
// ones, the current top list, the new ports ranked below it) with the hidden lines that say which VPC it tracks and which ports it lists, and
// its comments. Publishing it on GitHub is publish-issue.ts's job.

import { portKey, protocolName, splitAtTop, type PortRow } from '../audit/port-row.js';
import type { PortDrillDown } from '../audit/drill-down.js';
import { renderDrillDownMarkdown } from './drill-down.js';
import type { PortMemory, RememberedPort } from '../audit/known-ports.js';
import { renderTrend } from './trend-chart.js';
import type { HourWindow } from '../flowlog/layout.js';
import { renderFlowsChart, renderNewBelowTop, renderTopListTable, renderWindow } from './audit-sections.js';
import { formatBytes } from '../format-bytes.js';
import type { PipelineHealth } from '../health/judge.js';
import { healthMarker, renderPipelineHealth } from './pipeline-health.js';
import { code, escapeMarkdown, fitToLimit, formatCount, truncationNote } from './markdown.js';
import { columns, markdownPortTable, UNACKNOWLEDGED_COLUMNS } from './port-table.js';

export interface TrackingIssue {
  readonly number: number;
  readonly title: string;
  readonly body: string;
  readonly url: string;
}

/** The hidden line that says which VPC or stack an issue tracks. */
export function trackingMarker(stackOrVpcKey: string): string {
  return `<!-- vpc-port-audit:tracking-issue key=${stackOrVpcKey} -->`;
}

const PORTS_MARKER = /<!-- vpc-port-audit:unacknowledged ([^>]*?) ?-->/;

/** The unacknowledged port keys an issue body lists (from its hidden line); [] when it has none. */
export function unacknowledgedKeysIn(body: string): string[] {
  const match = PORTS_MARKER.exec(body);
  return match ? match[1]!.split(' ').filter((k) => k !== '') : [];
}

interface IssueBodyInput {
  readonly stackOrVpcKey: string;
  readonly unacknowledged: readonly RememberedPort[];
  /** Every port of the window, in rank order. */
  readonly rows: readonly PortRow[];
  /** How many of them the top list shows; new ports below it get their own section. */
  readonly top: number;
  readonly newKeys: ReadonlySet<string>;
  readonly window: HourWindow;
  readonly allowlistPath: string;
  /** The pipeline's health: a section (and a hidden line) when it has problems, nothing when healthy. */
  readonly health?: PipelineHealth;
  /** Who opened this run's new ports and where they went (only on runs with new ports). */
  readonly drillDown?: readonly PortDrillDown[];
  /** The memory after this run: the trend of the unacknowledged ports and the total volume. */
  readonly memory?: PortMemory;
}

/**
 * The title says what the issue is open for: ports no one has explained yet, or, when it lists none, only the
 * pipeline's health problems.
 */
export function issueTitle(stackOrVpcKey: string, unacknowledgedPorts: number): string {
  return unacknowledgedPorts > 0 ? `Unexplained outbound ports in ${stackOrVpcKey}` : `Flow-log pipeline problems in ${stackOrVpcKey}`;
}

/**
 * The issue body, shortened when it would exceed GitHub's limit: from the tail of the top list first, then of
 * the new ports below it, then of the unacknowledged ports.
 */
export function renderIssueBody(input: IssueBodyInput): string {
  const { unacknowledged, rows, top, newKeys } = input;
  const split = splitAtTop(rows, top, (row) => newKeys.has(portKey(row)));
  const render = (shownPorts: number, shownTop: number, shownBelow: number) => composeIssueBody(input, split, { shownPorts, shownTop, shownBelow });
  const all = { ports: unacknowledged.length, top: split.top.length, below: split.newBelow.length };
  try {
    return fitToLimit(all.top, (shownTop) => render(all.ports, shownTop, all.below));
  } catch {
    try {
      return fitToLimit(all.below, (shownBelow) => render(all.ports, 0, shownBelow));
    } catch {
      return fitToLimit(all.ports, (shownPorts) => render(shownPorts, 0, 0));
    }
  }
}

interface Shown {
  readonly shownPorts: number;
  readonly shownTop: number;
  readonly shownBelow: number;
}

function composeIssueBody(input: IssueBodyInput, split: ReturnType<typeof splitAtTop>, { shownPorts, shownTop, shownBelow }: Shown): string {
  const { stackOrVpcKey, unacknowledged, newKeys, window, allowlistPath, health, top } = input;
  const belowKeys = new Set(split.newBelow.map(({ row }) => portKey(row)));
  // Drill-downs of new ports in the top list here; those ranked below it go with their own section.
  const topDrillDowns = (input.drillDown ?? []).filter((d) => !belowKeys.has(portKey(d)));
  const fullList = 'The job summary of the latest audit run has the full list.';
  // The trend's lines are ranked as the top list is (connections); ports this window did not see come last.
  const rank = new Map(input.rows.map((row, index) => [portKey(row), index]));
  const byRank = [...unacknowledged].sort((a, b) => (rank.get(portKey(a)) ?? Infinity) - (rank.get(portKey(b)) ?? Infinity));
  const trend = input.memory ? renderTrend(input.memory, byRank, '###', 'unacknowledged ports') : '';
  const keys = unacknowledged.map(portKey);
  const portsTable = markdownPortTable(unacknowledged.slice(0, shownPorts), columns<RememberedPort>(...UNACKNOWLEDGED_COLUMNS));
  const portsNote = shownPorts < unacknowledged.length ? `\n\n${truncationNote(shownPorts, unacknowledged.length, 'unacknowledged ports')}` : '';
  const marker = healthMarker(health);
  const intro =
    keys.length === 0
      ? `Every outbound port the VPC audit of **${escapeMarkdown(stackOrVpcKey)}** reported is explained; this issue stays open for the pipeline's health.`
      : `The VPC audit of **${escapeMarkdown(stackOrVpcKey)}** saw outbound traffic to ${keys.length} port${keys.length === 1 ? '' : 's'} that no one has explained yet.`;
  return [
    trackingMarker(stackOrVpcKey),
    `<!-- vpc-port-audit:unacknowledged ${keys.join(' ')} -->`,
    ...(marker ? [marker] : []),
    intro,
    '',
    ...(marker ? [renderPipelineHealth(health!, '###')] : []),
    `To acknowledge a port, add it to ${code(allowlistPath)} with a reason; it leaves this issue on the next run, and the issue closes when none are left:`,
    '',
    '```yaml',
    'ports:',
    `  - port: ${unacknowledged[0]?.port ?? 443}`,
    `    protocol: ${protocolName(unacknowledged[0]?.protocol ?? 6)}`,
    '    reason: why this VPC connects to it',
    '```',
    '',
    '### Unacknowledged ports',
    '',
    `${portsTable}${portsNote}`,
    '',
    ...(trend ? [trend, ''] : []),
    ...(topDrillDowns.length ? ['### Who opened the new ports', '', ...topDrillDowns.flatMap((d) => [renderDrillDownMarkdown(d), ''])] : []),
    '### Current top list',
    '',
    `Window: ${renderWindow(window)}.`,
    '',
    renderFlowsChart(split.top),
    '',
    renderTopListTable(split.top, newKeys, shownTop, fullList),
    '',
    ...(split.newBelow.length ? [renderNewBelowTop(split.newBelow, top, '###', input.drillDown, shownBelow, fullList), ''] : []),
  ].join('\n');
}

/** The comment that notifies watchers of newly appeared ports, with each one's drill-down where there is one. */
export function renderNewPortsComment(newPorts: readonly PortRow[], window: HourWindow, drillDown: readonly PortDrillDown[] = []): string {
  const lines = newPorts.map(
    (p) => `- \`${portKey(p)}\`: ${formatCount(p.flows)} flows, ${formatBytes(p.bytes)}, ${formatCount(p.peers)} peer${p.peers === 1 ? '' : 's'}` +
      (p.samplePeers.length ? ` (e.g. ${p.samplePeers.map(code).join(', ')})` : ''),
  );
  const drills = drillDown.map((d) => `\n${renderDrillDownMarkdown(d)}\n`).join('');
  const text = `**${newPorts.length} new outbound port${newPorts.length === 1 ? '' : 's'}** in ${renderWindow(window)}:\n\n${lines.join('\n')}\n${drills}`;
  return fitToLimit(lines.length, (shown) =>
    shown === lines.length ? text : `**${newPorts.length} new outbound ports** in ${renderWindow(window)}:\n\n${lines.slice(0, shown).join('\n')}\n\n${truncationNote(shown, lines.length, 'new ports', 'The issue body lists them all.')}\n`,
  );
}

/** The closing comment of an issue that duplicates `winner`. */
export function duplicateNote(winner: TrackingIssue): string {
  return `Closing as a duplicate of #${winner.number}, which tracks the same VPC (two audit runs raced).`;
}
