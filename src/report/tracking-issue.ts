// The tracking issue of one VPC or stack as text: its title, its body (unacknowledged ports, who opened the new
// ones, the current top list, the new ports ranked below it) with the hidden lines that say which VPC it tracks and which ports it lists, and
// its comments. An audit of several units (an organisation, issue 21) keeps the one issue: the organisation-wide
// summary first, then a section per VPC that has new or unacknowledged ports (with who in that VPC opened its new
// ports), every port named with its VPC.
// Publishing it on GitHub is publish-issue.ts's job.

import { portKey, protocolName, splitAtTop, type PortRow, type RankedRow } from '../audit/port-row.js';
import type { PortDrillDown, UnitDrillDown } from '../audit/drill-down.js';
import { renderDrillDownMarkdown } from './drill-down.js';
import { UNATTRIBUTED, unitPortToken, type PortMemory, type RememberedPort } from '../audit/known-ports.js';
import { renderTrend } from './trend-chart.js';
import type { HourWindow } from '../flowlog/layout.js';
import { renderFlowsChart, renderNewBelowTop, renderTopListTable, renderWindow } from './audit-sections.js';
import { formatBytes } from '../format-bytes.js';
import type { PipelineHealth } from '../health/judge.js';
import { healthMarker, renderPipelineHealth } from './pipeline-health.js';
import { code, escapeMarkdown, fitToLimit, formatCount, truncationNote } from './markdown.js';
import { columns, markdownPortTable, rankedColumns, TOP_LIST_COLUMNS, UNACKNOWLEDGED_COLUMNS } from './port-table.js';
import { FIRST_WINDOW, renderUnitSummary, showsUnits, unitHeading, unitName, unitNewPortDrillDowns, type UnitFindings } from './unit-sections.js';

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

/**
 * The unacknowledged ports an issue body lists (from its hidden line), as unitPortTokens (`22/tcp`,
 * `111122223333/eu-west-1/vpc-0a1b:22/tcp`); [] when it has none. The line writes a unit's ports as one group,
 * `UNIT:22/tcp,53/udp` (an organisation's many ports must fit GitHub's body limit); groups are expanded here.
 */
export function unacknowledgedKeysIn(body: string): string[] {
  const match = PORTS_MARKER.exec(body);
  if (!match) return [];
  return match[1]!.split(' ').filter((k) => k !== '').flatMap((group) => {
    const colon = group.lastIndexOf(':');
    return colon < 0 ? [group] : group.slice(colon + 1).split(',').map((port) => `${group.slice(0, colon)}:${port}`);
  });
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
  /**
   * The same per unit (DrillDownResult.units): with several units, each VPC's section shows who in it opened its
   * new ports, instead of one organisation-wide list. Absent or empty: the organisation-wide `drillDown` after the sections.
   */
  readonly unitDrillDowns?: readonly UnitDrillDown[];
  /** The memory after this run: the trend of the unacknowledged ports and the total volume. */
  readonly memory?: PortMemory;
  /**
   * What the run concluded per audit unit (its `unexplained` are `unacknowledged`, unit by unit). Several units:
   * the organisation's layout; one or none: the one-VPC layout, `unacknowledged` being the unit of nulls' when absent.
   */
  readonly units?: readonly UnitFindings[];
  /** The run whose job summary holds this window's egress-rules proposal (input egress-rules); absent: no proposal. */
  readonly egressRulesUrl?: string;
}

/** The line pointing at the run whose job summary proposes egress rules (none without a proposal), and its blank line. */
function egressRulesLink(url: string | undefined): string[] {
  return url === undefined ? [] : [`Least-privilege egress rules proposed from this window's traffic: [the job summary of this run](${url}) ("Proposed egress rules").`, ''];
}

/** The hidden line's tokens (unitPortToken) of the ports the issue lists. */
function listedTokens(input: IssueBodyInput): string[] {
  if (!input.units) return input.unacknowledged.map((p) => unitPortToken(UNATTRIBUTED, p));
  return input.units.flatMap((u) => u.unexplained.map((p) => unitPortToken(u.unit, p)));
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
  if (showsUnits(input.units)) return renderOrganisationIssueBody(input, input.units);
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
  // The one unit's ports are looked up in that unit of the memory (the unit of nulls when none is given).
  const unit = input.units?.[0]?.unit;
  const trend = input.memory ? renderTrend(input.memory, byRank.map((p) => ({ port: p.port, protocol: p.protocol, unit })), '###', 'unacknowledged ports') : '';
  const keys = listedTokens(input);
  const portsTable = markdownPortTable(unacknowledged.slice(0, shownPorts), columns<RememberedPort>(...UNACKNOWLEDGED_COLUMNS));
  const portsNote = shownPorts < unacknowledged.length ? `\n\n${truncationNote(shownPorts, unacknowledged.length, 'unacknowledged ports')}` : '';
  const marker = healthMarker(health);
  const intro =
    keys.length === 0
      ? `Every outbound port the VPC audit of **${escapeMarkdown(stackOrVpcKey)}** reported is explained; this issue stays open for the pipeline's health.`
      : `The VPC audit of **${escapeMarkdown(stackOrVpcKey)}** saw outbound traffic to ${keys.length} port${keys.length === 1 ? '' : 's'} that no one has explained yet.`;
  return [
    trackingMarker(stackOrVpcKey),
    unacknowledgedMarker(keys),
    ...(marker ? [marker] : []),
    intro,
    '',
    ...(marker ? [renderPipelineHealth(health!, '###')] : []),
    ...howToAcknowledge(allowlistPath, unacknowledged[0]),
    ...egressRulesLink(input.egressRulesUrl),
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

/** The hidden line of the listed ports: bare tokens as they are, a unit's qualified tokens as one `UNIT:p1,p2` group (see unacknowledgedKeysIn). */
function unacknowledgedMarker(tokens: readonly string[]): string {
  const groups = new Map<string, string[]>();
  for (const token of tokens) {
    const colon = token.lastIndexOf(':');
    const unit = colon < 0 ? token : token.slice(0, colon);
    if (colon < 0) groups.set(unit, []);
    else groups.set(unit, [...(groups.get(unit) ?? []), token.slice(colon + 1)]);
  }
  const line = [...groups].map(([unit, ports]) => (ports.length === 0 ? unit : `${unit}:${ports.join(',')}`));
  return `<!-- vpc-port-audit:unacknowledged ${line.join(' ')} -->`;
}

/** How to acknowledge a port (the first listed one as the example), and the blank line after it. */
function howToAcknowledge(allowlistPath: string, example: RememberedPort | undefined): string[] {
  return [
    `To acknowledge a port, add it to ${code(allowlistPath)} with a reason; it leaves this issue on the next run, and the issue closes when none are left:`,
    '',
    '```yaml',
    'ports:',
    `  - port: ${example?.port ?? 443}`,
    `    protocol: ${protocolName(example?.protocol ?? 6)}`,
    '    reason: why this VPC connects to it',
    '```',
    '',
  ];
}

/**
 * The body of an audit of several units: the organisation-wide summary first (a row per VPC), the trend, a
 * section per VPC with new or unacknowledged ports (its first-window note, its new ports with their rank in the
 * VPC, its unacknowledged ports), who opened the new ports, then the organisation-wide top list. Shortened to
 * GitHub's limit from the tail of the top list first, then of the VPC sections.
 */
function renderOrganisationIssueBody(input: IssueBodyInput, units: readonly UnitFindings[]): string {
  const listed = units.filter((u) => u.newPorts.length > 0 || u.unexplained.length > 0);
  const split = splitAtTop(input.rows, input.top, () => false);
  const render = (shownTop: number, shownUnits: number) => composeOrganisationBody(input, units, listed, split.top, shownTop, shownUnits);
  try {
    return fitToLimit(split.top.length, (shownTop) => render(shownTop, listed.length));
  } catch {
    return fitToLimit(listed.length, (shownUnits) => render(0, shownUnits));
  }
}

function composeOrganisationBody(input: IssueBodyInput, units: readonly UnitFindings[], listed: readonly UnitFindings[], topRows: readonly PortRow[], shownTop: number, shownUnits: number): string {
  const { stackOrVpcKey, window, allowlistPath, health, newKeys } = input;
  const tokens = listedTokens(input);
  const marker = healthMarker(health);
  const vpcs = units.filter((u) => u.unexplained.length > 0).length;
  const intro =
    tokens.length === 0
      ? `Every outbound port the audit of **${escapeMarkdown(stackOrVpcKey)}** reported in its ${units.length} VPCs is explained; this issue stays open for the pipeline's health.`
      : `The audit of **${escapeMarkdown(stackOrVpcKey)}** saw outbound traffic to ${tokens.length} port${tokens.length === 1 ? '' : 's'} in ${vpcs} of its ${units.length} VPCs that no one has explained yet.`;
  const trendPorts = units.flatMap((u) => u.unexplained.map((p) => ({ port: p.port, protocol: p.protocol, unit: u.unit })));
  const trend = input.memory ? renderTrend(input.memory, trendPorts, '###', 'unacknowledged ports', true) : '';
  const sections = listed.slice(0, shownUnits).map((u) => renderUnitSection(u, input.unitDrillDowns));
  const sectionsNote = shownUnits < listed.length ? [truncationNote(shownUnits, listed.length, 'VPC sections', 'The job summary of the latest audit run has them all.'), ''] : [];
  // Who opened the new ports: in each VPC's section where the drill-down is per unit, else after the sections.
  const drillDowns = input.unitDrillDowns?.length ? [] : (input.drillDown ?? []);
  return [
    trackingMarker(stackOrVpcKey),
    unacknowledgedMarker(tokens),
    ...(marker ? [marker] : []),
    intro,
    '',
    ...(marker ? [renderPipelineHealth(health!, '###')] : []),
    ...howToAcknowledge(allowlistPath, listed.find((u) => u.unexplained.length > 0)?.unexplained[0]),
    ...egressRulesLink(input.egressRulesUrl),
    '### Every VPC',
    '',
    renderUnitSummary(units),
    '',
    ...(trend ? [trend, ''] : []),
    ...sections.flatMap((section) => [section, '']),
    ...sectionsNote,
    ...(drillDowns.length ? ['### Who opened the new ports', '', ...drillDowns.flatMap((d) => [renderDrillDownMarkdown(d), ''])] : []),
    '### Current top list, every VPC',
    '',
    `Window: ${renderWindow(window)}.`,
    '',
    renderFlowsChart(topRows),
    '',
    renderTopListTable(topRows, newKeys, shownTop, 'The job summary of the latest audit run has the full list.'),
    '',
  ].join('\n');
}

/**
 * One VPC's section of the organisation's issue: its first-window note, its new ports (ranked in the VPC) and who
 * in the VPC opened them (unitNewPortDrillDowns), its unacknowledged ports.
 */
function renderUnitSection(u: UnitFindings, drillDowns: readonly UnitDrillDown[] | undefined): string {
  const newKeys = new Set(u.newPorts.map(portKey));
  const ranked: RankedRow[] = u.rows.flatMap((row, index) => (newKeys.has(portKey(row)) ? [{ rank: index + 1, row }] : []));
  return [
    unitHeading(u.unit, '###'),
    ...(u.firstWindow ? ['', `_${FIRST_WINDOW}._`] : []),
    ...(ranked.length ? ['', `**New this run** (${ranked.length}), ranked among the VPC's ${u.rows.length} ports:`, '', markdownPortTable(ranked, rankedColumns(columns<PortRow>(...TOP_LIST_COLUMNS)))] : []),
    ...unitNewPortDrillDowns(u, drillDowns).flatMap((d) => ['', renderDrillDownMarkdown(d)]),
    '',
    u.unexplained.length
      ? `**Unacknowledged** (${u.unexplained.length}):\n\n${markdownPortTable(u.unexplained, columns<RememberedPort>(...UNACKNOWLEDGED_COLUMNS))}`
      : '_No unacknowledged ports._',
  ].join('\n');
}

/**
 * The comment that notifies watchers of newly appeared ports, with each one's drill-down where there is one. With
 * several `units`, each port is named with its VPC (unitLabel) and the ports are those of the units.
 */
export function renderNewPortsComment(newPorts: readonly PortRow[], window: HourWindow, drillDown: readonly PortDrillDown[] = [], units?: readonly UnitFindings[]): string {
  const named = showsUnits(units) ? units.flatMap((u) => u.newPorts.map((p) => ({ p, where: ` in ${unitName(u.unit)}` }))) : newPorts.map((p) => ({ p, where: '' }));
  const lines = named.map(
    ({ p, where }) => `- \`${portKey(p)}\`${where}: ${formatCount(p.flows)} flows, ${formatBytes(p.bytes)}, ${formatCount(p.peers)} peer${p.peers === 1 ? '' : 's'}` +
      (p.samplePeers.length ? ` (e.g. ${p.samplePeers.map(code).join(', ')})` : ''),
  );
  const drills = drillDown.map((d) => `\n${renderDrillDownMarkdown(d)}\n`).join('');
  const text = `**${lines.length} new outbound port${lines.length === 1 ? '' : 's'}** in ${renderWindow(window)}:\n\n${lines.join('\n')}\n${drills}`;
  return fitToLimit(lines.length, (shown) =>
    shown === lines.length ? text : `**${lines.length} new outbound ports** in ${renderWindow(window)}:\n\n${lines.slice(0, shown).join('\n')}\n\n${truncationNote(shown, lines.length, 'new ports', 'The issue body lists them all.')}\n`,
  );
}

/** The closing comment of an issue that duplicates `winner`. */
export function duplicateNote(winner: TrackingIssue): string {
  return `Closing as a duplicate of #${winner.number}, which tracks the same VPC (two audit runs raced).`;
}
