// What the command line prints for an audit: a readable table, a markdown table, the JSON object
// `{schemaVersion, ports: [...], new: [...], newBelowTop: [...], vpcs: [...], coverage: [...], ...}` (`new` empty without
// --allowlist), CSV (report/port-csv.ts) or SARIF (report/sarif.ts), with sizes from format-bytes.ts. `ports` is the top
// list; ports outside --allowlist ranked below it follow in their own section. An organisation's audit (several units,
// or --group-by) shows a section per VPC or per account, each with its own top list and new ports.

import { allowlistMatch, entryKey, isAllowed, type Allowlist, type AllowlistEntry } from './audit/allowlist.js';
import { formatBytes } from './format-bytes.js';
import { portKey, splitAtTop, type PortRow, type RankedRow } from './audit/port-row.js';
import { columns, extraColumn, markdownPortTable, rankedColumns, textPortTable, TOP_LIST_COLUMNS, type Columns } from './report/port-table.js';
import { belowTopTitle, renderNewBelowTop } from './report/audit-sections.js';
import type { AuditResult, DrillDownResult } from './engines/engine.js';
import type { PortDrillDown } from './audit/drill-down.js';
import { renderDrillDownMarkdown, renderDrillDownText } from './report/drill-down.js';
import type { AuditCommand, GroupBy, OutputFormat } from './cli-args.js';
import { unitKey, unitLabel, type AuditUnit, type UnitPorts } from './audit/audit-unit.js';
import { sumOverUnits } from './audit/port-row.js';
import type { Cidr } from './audit/cidr.js';
import { renderUnitPortCsv } from './report/port-csv.js';
import type { Discovery } from './logs/discover.js';
import type { EmptyAudit } from './audit/empty-audit.js';
import { coverageJson, type UnitCoverage } from './audit/unit-coverage.js';
import { escapeMarkdown, formatCount } from './report/markdown.js';
import { unitNewPortDrillDowns } from './report/unit-sections.js';
import { coveredHoursText, isPartial, type WindowCoverage } from './audit/window-coverage.js';
import { portDetails } from './report/port-details.js';
import { renderPortCsv } from './report/port-csv.js';
import { renderSarif } from './report/sarif.js';

/**
 * The version of the `--format json` document: 2 added `schemaVersion`, each port's `protocolName`, `service` and
 * `allowlist` verdict, and the top-level `allowlist`. A change that removes or renames a field raises it.
 */
export const JSON_SCHEMA_VERSION = 2;

export interface AuditReport {
  readonly command: AuditCommand;
  readonly result: AuditResult;
  readonly allowlist?: Allowlist;
  readonly filesRead: number;
  /** The dated folders the window's files came from. */
  readonly discovery: Discovery;
  /** The drill-down of the new ports (ports outside --allowlist), when there are any. */
  readonly drillDown?: DrillDownResult;
  /** Why the top list is empty (audit/empty-audit.ts), when it is. */
  readonly empty?: EmptyAudit;
  /** Which hours of the window the files cover (audit/window-coverage.ts); a partial window says so in the heading. */
  readonly coverage?: WindowCoverage;
  /** What the window holds of each account/VPC (audit/unit-coverage.ts): the JSON's top-level `coverage`. */
  readonly unitCoverage?: readonly UnitCoverage[];
  /** The allowlist's path from its repository's root, where SARIF results are placed (with --allowlist). */
  readonly allowlistUri?: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * `24 of 24 hour folders`, `96 hour folders covering 24 of 24 hours`, or with day folders (whose records are kept
 * by their start, so a day folder may hold none of the window's) `1 day folder spanning 1 of 1 hours`.
 */
function foldersRead(d: Discovery): string {
  if (d.dayFolders === 0 && d.hourFolders === d.hoursCovered) return `${d.hoursCovered} of ${d.hoursInWindow} hour folders`;
  const kinds = [d.hourFolders > 0 && plural(d.hourFolders, 'hour folder'), d.dayFolders > 0 && plural(d.dayFolders, 'day folder')];
  return `${kinds.filter(Boolean).join(' and ')} ${d.dayFolders > 0 ? 'spanning' : 'covering'} ${d.hoursCovered} of ${d.hoursInWindow} hours`;
}

/**
 * The keys (`443/tcp`) of the ports outside --allowlist in at least one of `units`: an entry scoped with
 * `accounts:`/`vpcs:` explains a port only in the units it names. None without an allowlist (there is nothing to be
 * new against), as the table's NEW column says.
 */
function newKeysIn(units: readonly UnitPorts[], allowlist: Allowlist | undefined): Set<string> {
  if (!allowlist) return new Set();
  return new Set(units.flatMap((u) => u.rows.filter((r) => !isAllowed(allowlist, r, u.unit)).map(portKey)));
}

/** The audit's ports (organisation-wide, in rank order) that are new in at least one of its units (newKeysIn). */
export function newRows(result: Pick<AuditResult, 'rows' | 'units'>, allowlist: Allowlist | undefined): PortRow[] {
  const keys = newKeysIn(result.units, allowlist);
  return result.rows.filter((r) => keys.has(portKey(r)));
}

/** What the audit judged as inside: the --vpc-cidr blocks, and the VPCs of --vpcs (`the 3 VPCs of vpcs.yml`). */
export function scopeText(command: AuditCommand): string {
  const given = command.vpcCidrs.map((c) => c.text).join(', ');
  const n = command.inventory?.length ?? 0;
  if (n === 0) return given;
  const listed = `the ${n} VPC${n === 1 ? '' : 's'} of ${command.vpcs}`;
  return given === '' ? listed : `${listed} and ${given}`;
}

/** The CIDRs inside a unit's VPC: its inventory entry's (by VPC id) and --vpc-cidr's; none when nothing tells. */
function cidrsOf(command: AuditCommand, unit: AuditUnit): readonly Cidr[] {
  const listed = command.inventory?.find((v) => v.vpcId === unit.vpcId)?.cidrs ?? [];
  return [...listed, ...command.vpcCidrs];
}

/** One section of a grouped report: a VPC (a unit) or an account (its units summed). */
interface Section {
  readonly title: string;
  readonly unit: AuditUnit;
  /** The units it sums (its one unit for a VPC): a port is new in the section when it is new in one of them. */
  readonly units: readonly UnitPorts[];
  readonly rows: readonly PortRow[];
  readonly portsLeftOut: number;
  /** The CIDRs inside (cidrsOf); empty for a VPC whose records were counted by flow-direction and traffic-path alone. */
  readonly cidrs: readonly Cidr[];
}

/** --group-by, or its default: by VPC when the result holds more than one unit, else one list. */
const groupByOf = (report: AuditReport): GroupBy => report.command.groupBy ?? (report.result.units.length > 1 ? 'vpc' : 'none');

/** The note after a VPC's title when no CIDRs of it are known. */
const NO_CIDRS_NOTE = 'no CIDRs known: counted where flow-direction is egress and traffic-path leaves the VPC';

/** The VPC sections (one per unit), or the account sections (units summed per account, sumOverUnits). */
function sections(report: AuditReport, by: Exclude<GroupBy, 'none'>): Section[] {
  const { command, result } = report;
  const perVpc = (u: UnitPorts): Section => {
    const cidrs = cidrsOf(command, u.unit);
    return { title: `${unitLabel(u.unit)}${cidrs.length === 0 ? ` (${NO_CIDRS_NOTE})` : ''}`, unit: u.unit, units: [u], rows: u.rows, portsLeftOut: u.portsLeftOut, cidrs };
  };
  if (by === 'vpc') return result.units.map(perVpc);
  const accounts = new Map<string | null, UnitPorts[]>();
  for (const u of result.units) accounts.set(u.unit.account, [...(accounts.get(u.unit.account) ?? []), u]);
  return [...accounts].map(([account, units]) => ({
    title: account === null ? 'account unknown' : `account ${account}`,
    unit: { account, region: null, vpcId: null },
    units,
    rows: sumOverUnits(units),
    portsLeftOut: units.reduce((sum, u) => sum + u.portsLeftOut, 0),
    cidrs: [...new Set(units.flatMap((u) => cidrsOf(command, u.unit)))],
  }));
}

/** A VPC's entry of the coverage (audit/unit-coverage.ts), matched by unit key; null where the coverage has none. */
function coverageOf(report: AuditReport, unit: AuditUnit) {
  const found = report.unitCoverage?.find((c) => unitKey(c.unit) === unitKey(unit));
  return found ? coverageJson(found) : null;
}

const drillDownOf = (report: AuditReport, row: { port: number; protocol: number }): PortDrillDown | undefined =>
  report.drillDown?.ports.find((d) => portKey(d) === portKey(row));

/**
 * Who opened a section's new ports, VPC by VPC: each of its units' drill-downs (the drill-down's per-unit part) of
 * the ports new in that unit, in the unit's rank order.
 */
function sectionDrillDowns(report: AuditReport, section: Section): { unit: AuditUnit; drill: PortDrillDown }[] {
  return section.units.flatMap((u) => {
    const news = newKeysIn([u], report.allowlist);
    const newPorts = u.rows.filter((row) => news.has(portKey(row)));
    return unitNewPortDrillDowns({ unit: u.unit, newPorts }, report.drillDown?.units).map((drill) => ({ unit: u.unit, drill }));
  });
}

/** The line a section's drill-downs follow. */
const SECTION_DRILL_DOWNS = 'Who opened the new ports, and where they went';

/** The top list (--top) and the ports outside --allowlist ranked below it. */
function splitOf(report: AuditReport) {
  const news = newKeysIn(report.result.units, report.allowlist);
  return splitAtTop(report.result.rows, report.command.top, (row) => news.has(portKey(row)));
}

/** A section's top list and its new ports ranked below it (new: outside --allowlist in one of its units). */
function splitSection(report: AuditReport, section: Section) {
  const news = newKeysIn(section.units, report.allowlist);
  return { news, ...splitAtTop(section.rows, report.command.top, (row) => news.has(portKey(row))) };
}

/** An expired entry in the JSON's `allowlist.expired`. */
const expiredJson = (e: AllowlistEntry) => ({ entry: entryKey(e), line: e.line, reason: e.reason, owner: e.owner ?? null, expires: e.expires });

function toJson(report: AuditReport): string {
  const { command, result, allowlist } = report;
  const rank = new Map(result.rows.map((row, index) => [portKey(row), index + 1]));
  // One unit: its verdicts (scoped entries included); several: the organisation-wide list's, where only unscoped entries hold.
  const unit = result.units.length === 1 ? result.units[0]!.unit : undefined;
  const withDrillDown = (r: PortRow) => ({ rank: rank.get(portKey(r))!, ...portDetails(r, allowlist, unit), drillDown: drillDownOf(report, r) ?? null });
  const { top, newBelow } = splitOf(report);
  return JSON.stringify(
    {
      schemaVersion: JSON_SCHEMA_VERSION,
      preset: command.preset,
      window: {
        start: command.window.start.toISOString(),
        end: command.window.end.toISOString(),
        ...(report.coverage ? { hours: report.coverage.hoursInWindow, hoursCovered: report.coverage.hoursCovered } : {}),
      },
      vpcCidrs: command.vpcCidrs.map((c) => c.text),
      allowlist: allowlist ? { path: allowlist.path, expired: allowlist.entries.filter((e) => e.expired).map(expiredJson) } : null,
      ports: top.map((r) => portDetails(r, allowlist, unit)),
      new: newRows(result, allowlist).map(withDrillDown),
      newBelowTop: newBelow.map(({ row }) => withDrillDown(row)),
      // Every unit: its top list shaped as `ports`, and its own ports outside --allowlist with their rank in the unit.
      vpcs: sections(report, 'vpc').map((section) => {
        const { news } = splitSection(report, section);
        const drills = sectionDrillDowns(report, section);
        return {
          account: section.unit.account,
          region: section.unit.region,
          vpcId: section.unit.vpcId,
          cidrs: section.cidrs.map((c) => c.text),
          ports: section.rows.slice(0, command.top).map((r) => portDetails(r, allowlist, section.unit)),
          new: section.rows.flatMap((r, index) => (news.has(portKey(r)) ? [{ rank: index + 1, ...portDetails(r, allowlist, section.unit), drillDown: drills.find((d) => portKey(d.drill) === portKey(r))?.drill ?? null }] : [])),
          coverage: coverageOf(report, section.unit),
        };
      }),
      portsInWindow: result.rows.length + result.portsLeftOut,
      portsLeftOut: result.portsLeftOut,
      nothingCounted: report.empty ? { reason: report.empty.reason, sentence: report.empty.sentence, records: report.empty.counts } : null,
      coverage: (report.unitCoverage ?? []).map(coverageJson),
      sql: result.sql,
      statistics: result.statistics,
      ...(report.drillDown ? { drillDown: { sql: report.drillDown.sql, statistics: report.drillDown.statistics } } : {}),
    },
    null,
    2,
  );
}

const hour = (d: Date) => `${d.toISOString().slice(0, 13)}Z`;

/**
 * `Top 10 outbound ports of CIDRS, START to END`; `All 15 ...` when --top is more than the ports counted (`The busiest
 * 5 of 17 ...` when --max-ports left some out); and
 * `(18 of 24 hours)` after a window the files cover in part.
 */
function heading({ command, result, coverage }: AuditReport): string {
  const [one, many] = command.preset === 'egress-ports' ? ['outbound port', 'outbound ports'] : ['source port (seed preset)', 'source ports (seed preset)'];
  const n = result.rows.length;
  const inWindow = n + result.portsLeftOut;
  const what =
    n === 0 ? `No ${many}`
    : n >= command.top ? `Top ${command.top} ${many}`
    : result.portsLeftOut > 0 ? `The busiest ${n} of ${inWindow} ${many} (--max-ports ${n})`
    : n === 1 ? `The only ${one}`
    : `All ${n} ${many}`;
  const partial = coverage && isPartial(coverage) ? ` (${coveredHoursText(coverage)})` : '';
  return `${what} of ${scopeText(command)}, ${hour(command.window.start)} to ${hour(command.window.end)}${partial}`;
}

/** The New column: a port no entry names, or one whose entry expired (the stderr warning names the entry). */
const NEW_MARKS = { allowed: '', expired: 'NEW (expired)', unlisted: 'NEW' } as const;

/** The CLI's top list: the shared top-list columns but the sample peers, and NEW for ports outside --allowlist. */
/**
 * The top list's columns, with the `New` mark where there is an allowlist: the entry's verdict in the one unit of
 * `units` (the whole audit's by default), or, over several units, NEW when the port is new in one of them.
 */
function topListColumns(report: AuditReport, units: readonly UnitPorts[] = report.result.units): Columns<PortRow> {
  const { allowlist } = report;
  const news = newKeysIn(units, allowlist);
  const mark = (row: PortRow) =>
    NEW_MARKS[units.length === 1 ? allowlistMatch(allowlist, row, units[0]!.unit).status : news.has(portKey(row)) ? 'unlisted' : 'allowed'];
  return [
    ...columns<PortRow>(...TOP_LIST_COLUMNS.filter((name) => name !== 'samplePeers')),
    ...(allowlist !== undefined ? [extraColumn<PortRow>('New', mark)] : []),
  ];
}

/** `; NEW (expired) = its entry expired (2 expired entries, named on stderr)`, when any entry expired. */
function expiredNote(allowlist: Allowlist): string {
  const n = allowlist.entries.filter((e) => e.expired).length;
  return n === 0 ? '' : `; NEW (expired) = its entry expired (${n} expired ${n === 1 ? 'entry' : 'entries'}, named on stderr)`;
}

function footer(report: AuditReport): string {
  const { statistics: s, rows, portsLeftOut } = report.result;
  const allowlist = report.allowlist
    ? `NEW = not in ${report.allowlist.path}${expiredNote(report.allowlist)}.`
    : 'Give --allowlist FILE to mark the ports you do not expect.';
  const leftOut = portsLeftOut > 0 ? ` The window has ${formatCount(rows.length + portsLeftOut)} ports: the ${formatCount(portsLeftOut)} least busy beyond --max-ports ${rows.length} were not judged.` : '';
  return (
    `${plural(report.filesRead, 'file')} (${formatBytes(s.bytesScanned)}) from ${foldersRead(report.discovery)} ` +
    `read in ${(s.elapsedMs / 1000).toFixed(2)} s. ${allowlist}${leftOut}`
  );
}

/** The new ports below the top list as a plain-text table with their ranks, then each one's drill-down. */
function newBelowTopText(report: AuditReport, newBelow: readonly RankedRow[]): string[] {
  if (newBelow.length === 0) return [];
  const drills = newBelow.flatMap(({ row }) => drillDownOf(report, row) ?? []).map(renderDrillDownText);
  return ['', `${belowTopTitle(report.command.top)}:`, textPortTable(newBelow, rankedColumns(topListColumns(report))), ...drills];
}

/** What an empty top list says instead: why nothing counted, when known. */
const nothing = (report: AuditReport) => (report.empty ? `nothing counted: ${report.empty.sentence}` : 'no matching flows');

/** A grouped report's sections as plain text: each title, its top list, its new ports ranked below it, and who opened them there. */
function sectionsText(report: AuditReport, by: Exclude<GroupBy, 'none'>): string[] {
  return sections(report, by).flatMap((section) => {
    const { top, newBelow } = splitSection(report, section);
    const below = newBelow.length === 0 ? [] : [`${belowTopTitle(report.command.top)}:`, textPortTable(newBelow, rankedColumns(topListColumns(report, section.units)))];
    const leftOut = section.portsLeftOut > 0 ? [`(${formatCount(section.portsLeftOut)} quieter ports beyond --max-ports ${report.command.maxPorts} not shown)`] : [];
    // An account's section names the VPC of each drill-down; a VPC's section is that VPC.
    const several = section.units.length > 1;
    const drills = sectionDrillDowns(report, section).map(({ unit, drill }) => `${several ? `in ${unitLabel(unit)}: ` : ''}${renderDrillDownText(drill)}`);
    const drillDown = drills.length > 0 ? [`${SECTION_DRILL_DOWNS}:`, ...drills] : [];
    return ['', `== ${section.title} ==`, textPortTable(top, topListColumns(report, section.units)), ...below, ...leftOut, ...drillDown];
  });
}

function toTable(report: AuditReport): string {
  if (report.result.rows.length === 0) return `${heading(report)}\n(${nothing(report)})\n${footer(report)}`;
  const by = groupByOf(report);
  if (by !== 'none') return [heading(report), ...sectionsText(report, by), '', footer(report)].join('\n');
  const { top, newBelow } = splitOf(report);
  const drills = top.flatMap((row) => drillDownOf(report, row) ?? []).map(renderDrillDownText);
  const drillDown = drills.length > 0 ? ['', 'New ports, who opened them and where they went:', ...drills] : [];
  return [heading(report), '', textPortTable(top, topListColumns(report)), ...drillDown, ...newBelowTopText(report, newBelow), '', footer(report)].join('\n');
}

/** A grouped report's sections as markdown: each title, its top list, its new ports ranked below it, and who opened them there. */
function sectionsMarkdown(report: AuditReport, by: Exclude<GroupBy, 'none'>): string {
  return sections(report, by)
    .map((section) => {
      const split = splitSection(report, section);
      const { top, newBelow } = split;
      const news = section.rows.map(portKey).filter((key) => split.news.has(key));
      const newLine = news.length > 0 ? `\n\n**New ports:** ${news.map((k) => `\`${k}\``).join(', ')}` : '';
      const below = newBelow.length > 0 ? `\n\n${renderNewBelowTop(newBelow, report.command.top, '#####')}` : '';
      const several = section.units.length > 1;
      const drills = sectionDrillDowns(report, section).map(({ unit, drill }) => `${several ? `In ${escapeMarkdown(unitLabel(unit))}: ` : ''}${renderDrillDownMarkdown(drill)}`);
      const drillDown = drills.length > 0 ? `\n\n${SECTION_DRILL_DOWNS}:\n\n${drills.join('\n\n')}` : '';
      return `#### ${escapeMarkdown(section.title)}\n\n${markdownPortTable(top, topListColumns(report, section.units), { lowercase: true })}${newLine}${below}${drillDown}`;
    })
    .join('\n\n');
}

function toMarkdown(report: AuditReport): string {
  const { rows } = report.result;
  const by = groupByOf(report);
  if (rows.length > 0 && by !== 'none') return `### ${heading(report)}\n\n${sectionsMarkdown(report, by)}\n\n${footer(report)}`;
  const { top, newBelow } = splitOf(report);
  const body = rows.length === 0 ? `_${escapeMarkdown(nothing(report))}_` : markdownPortTable(top, topListColumns(report), { lowercase: true });
  const newPorts = newRows(report.result, report.allowlist).map(portKey);
  const drills = top.flatMap((row) => drillDownOf(report, row) ?? []).map(renderDrillDownMarkdown);
  const news = newPorts.length > 0 ? `\n\n**New ports:** ${newPorts.map((k) => `\`${k}\``).join(', ')}${drills.map((d) => `\n\n${d}`).join('')}` : '';
  const below = newBelow.length > 0 ? `\n\n${renderNewBelowTop(newBelow, report.command.top, '####', report.drillDown?.ports)}` : '';
  return `### ${heading(report)}\n\n${body}${news}${below}\n\n${footer(report)}`;
}

/**
 * Every observed port, one CSV line each (report/port-csv.ts); grouped, one line per port of each section, with its
 * account, region and vpc_id. Each line's verdict is the allowlist's in its VPC (over an account's or the
 * organisation's VPCs: unexplained where one of them does not explain it). The trailing line end is the caller's.
 */
function toCsv(report: AuditReport): string {
  const by = groupByOf(report);
  if (by === 'none') return renderPortCsv(report.result.rows, report.allowlist, report.result.units).trimEnd();
  return renderUnitPortCsv(sections(report, by), report.allowlist).trimEnd();
}

/** SARIF for code scanning (report/sarif.ts), each port judged in each VPC: the CLI refuses --format sarif without --allowlist. */
function toSarif(report: AuditReport): string {
  const { command, result, allowlist, allowlistUri } = report;
  const scope = scopeText(command);
  return renderSarif({ rows: result.rows, units: result.units, allowlist, allowlistUri: allowlistUri ?? command.allowlist!, scope, window: command.window }).trimEnd();
}

/** The text printed on stdout for an audit in the chosen output format. */
export function renderAudit(report: AuditReport, format: OutputFormat): string {
  return { table: toTable, json: toJson, markdown: toMarkdown, csv: toCsv, sarif: toSarif }[format](report);
}

/**
 * The text printed for `why PORT`: the port's drill-down, or a sentence saying the window has none of it. When the
 * window holds the port in several VPCs (audit units), one drill-down per VPC under its label, in the audit's unit
 * order; the JSON keeps the organisation-wide `drillDown` and adds `vpcs: [{account, region, vpcId, drillDown}]`.
 */
export function renderWhy(command: AuditCommand, result: DrillDownResult): string {
  const ref = command.why!;
  const drill = result.ports[0];
  if (command.output === 'json') {
    const vpcs = result.units.map(({ unit, ports }) => ({ account: unit.account, region: unit.region, vpcId: unit.vpcId, drillDown: ports[0] ?? null }));
    return JSON.stringify({ port: ref.port, protocol: ref.protocol, drillDown: drill ?? null, vpcs, sql: result.sql, statistics: result.statistics }, null, 2);
  }
  const window = `${hour(command.window.start)} to ${hour(command.window.end)}`;
  const vpc = scopeText(command);
  // The seed preset counts source ports of traffic from the VPC, not connections the VPC opened to a port.
  const seed = command.preset === 'seed';
  if (!drill) return seed ? `No traffic from ${vpc} with source port ${portKey(ref)} from ${window}.` : `No connections from ${vpc} to ${portKey(ref)} from ${window}.`;
  const heading = seed ? `Traffic from source port ${portKey(ref)}, ${window}` : `Who opened ${portKey(ref)}, ${window}`;
  const markdown = command.output === 'markdown';
  const render = markdown ? renderDrillDownMarkdown : renderDrillDownText;
  const byVpc = result.units.length > 1 ? result.units.flatMap(({ unit, ports }) => ports.map((d) => ({ unit, d }))) : [];
  if (byVpc.length === 0) return markdown ? `### ${heading}\n\n${render(drill)}` : `${heading}\n\n${render(drill)}`;
  const sections = byVpc.map(({ unit, d }) => (markdown ? `#### ${escapeMarkdown(unitLabel(unit))}\n\n${render(d)}` : `== ${unitLabel(unit)} ==\n${render(d)}`));
  const vpcs = `in ${byVpc.length} VPCs`;
  return markdown ? `### ${heading}, ${vpcs}\n\n${sections.join('\n\n')}` : `${heading}, ${vpcs}\n\n${sections.join('\n\n')}`;
}
