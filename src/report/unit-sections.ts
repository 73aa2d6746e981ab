// The per-VPC pieces of the reports of an organisation audit (issue 21), shared by the tracking issue, the job
// summary and the pull-request comment: what a run concluded of each audit unit (account, region, VPC), whether
// a report shows units at all (one unit looks exactly as a one-VPC audit always did), the organisation-wide
// summary table that comes first, each unit's heading, and the drill-downs of each unit's new ports.

import { unitKey, unitLabel, type AuditUnit } from '../audit/audit-unit.js';
import type { PortDrillDown, UnitDrillDown } from '../audit/drill-down.js';
import type { RememberedPort } from '../audit/known-ports.js';
import { portKey, type PortRow } from '../audit/port-row.js';
import { escapeMarkdown, formatCount, table } from './markdown.js';

/** What a run concluded of one audit unit: what the issue, the job summary and the outputs show of it. */
export interface UnitFindings {
  readonly unit: AuditUnit;
  /** The unit's ports in the window, in rank order (none for a unit only the memory still lists ports of). */
  readonly rows: readonly PortRow[];
  /** The unit's ports beyond max-ports: counted, neither judged nor remembered. */
  readonly portsLeftOut: number;
  /** Its ports reported as new by this run. */
  readonly newPorts: readonly PortRow[];
  /** True for the first window of a unit the memory did not hold yet (while it held others): its baseline. */
  readonly firstWindow: boolean;
  /** Its ports reported and still not in the allowlist. */
  readonly unexplained: readonly RememberedPort[];
}

/** Whether a report shows its units: only when there are several (one unit is reported as a one-VPC audit). */
export const showsUnits = (units: readonly { unit: AuditUnit }[] | undefined): units is readonly UnitFindings[] => (units?.length ?? 0) > 1;

/** The note of a unit's first window, where its section or row says what happened to its ports. */
export const FIRST_WINDOW = 'first window of this VPC: its ports are its baseline';

/** A unit's section heading (`heading` is its markdown level): its label, escaped. */
export function unitHeading(unit: AuditUnit, heading: string): string {
  return `${heading} ${escapeMarkdown(unitLabel(unit))}`;
}

/**
 * Who in THIS unit opened its new ports: the drill-downs of `u`'s new ports from the drill-down's per-unit part
 * (DrillDownResult.units, matched by unitKey), in the order of its new ports; none where the drill-down has none.
 */
export function unitNewPortDrillDowns(u: Pick<UnitFindings, 'unit' | 'newPorts'>, drillDowns: readonly UnitDrillDown[] | undefined): PortDrillDown[] {
  const own = drillDowns?.find((d) => unitKey(d.unit) === unitKey(u.unit))?.ports ?? [];
  return u.newPorts.flatMap((port) => own.filter((d) => portKey(d) === portKey(port)));
}

/** A unit's name inside a sentence or a list, escaped. */
export const unitName = (unit: AuditUnit) => escapeMarkdown(unitLabel(unit));

/**
 * The organisation-wide summary: one row per unit (in the given order) with its ports in the window, its new
 * ports this run (or that this was its first window) and its unacknowledged ports, then the totals.
 */
export function renderUnitSummary(units: readonly UnitFindings[]): string {
  const rows = units.map((u) => [
    escapeMarkdown(unitLabel(u.unit)),
    formatCount(u.rows.length),
    u.firstWindow && u.newPorts.length === 0 ? `— (${FIRST_WINDOW})` : formatCount(u.newPorts.length),
    formatCount(u.unexplained.length),
  ]);
  const totals = ['**Every VPC**', '', formatCount(sum(units, (u) => u.newPorts.length)), formatCount(sum(units, (u) => u.unexplained.length))];
  return table(['VPC', 'Ports in the window', 'New this run', 'Unacknowledged'], [...rows, totals], [false, true, true, true]);
}

const sum = <T>(items: readonly T[], of: (item: T) => number) => items.reduce((total, item) => total + of(item), 0);
