// `--format csv`: one line per observed port in rank order (grouped audits: per unit, with its account, region and
// VPC id first, and the allowlist's verdict in that unit), under a header line, written by csv-stringify
// (RFC 4180 quoting), so a spreadsheet or `csvkit` reads reasons and owners with commas or quotes intact.

import { stringify } from 'csv-stringify/sync';
import type { Allowlist } from '../audit/allowlist.js';
import type { PortRow } from '../audit/port-row.js';
import type { AuditUnit, UnitPorts } from '../audit/audit-unit.js';
import { portDetails } from './port-details.js';

/** The columns, in order: the header line's names. The allowlist columns are empty without an allowlist. */
export const CSV_COLUMNS = [
  'rank', 'port', 'protocol', 'protocol_name', 'service', 'connections', 'flows', 'packets', 'bytes', 'peers',
  'allowlist_status', 'allowlist_entry', 'reason', 'owner', 'expires',
] as const;

/** The columns of a grouped audit: the unit's (empty where unknown), then CSV_COLUMNS with the rank in the unit. */
export const UNIT_CSV_COLUMNS = ['account', 'region', 'vpc_id', ...CSV_COLUMNS] as const;

/** The units whose rows a CSV line sums: its verdict is theirs (port-details.ts verdictOverUnits). */
type JudgedIn = readonly Pick<UnitPorts, 'unit' | 'rows'>[];

/** One CSV record per row, in CSV_COLUMNS order, each judged over `units`. */
function records(rows: readonly PortRow[], allowlist: Allowlist | undefined, units: JudgedIn): unknown[][] {
  return rows.map((row, index) => {
    const d = portDetails(row, allowlist, units);
    const a = d.allowlist;
    return [index + 1, d.port, d.protocol, d.protocolName, d.service, d.connections, d.flows, d.packets, d.bytes, d.peers, a?.status, a?.entry, a?.reason, a?.owner, a?.expires];
  });
}

/**
 * The CSV text of the rows (header line first, `\n` line ends, every line ended). Each row's verdict is the one
 * over the `units` whose ports include it (an organisation-wide row is `unlisted` when one VPC does not explain
 * it); without units, the single-VPC audit's (only entries without accounts:/vpcs: hold).
 */
export function renderPortCsv(rows: readonly PortRow[], allowlist: Allowlist | undefined, units: JudgedIn = []): string {
  return stringify(records(rows, allowlist, units), { header: true, columns: [...CSV_COLUMNS] });
}

/**
 * The CSV text of each section's rows (UNIT_CSV_COLUMNS), sections in the order given: a VPC (its unit, its
 * verdicts) or an account (`unit` with the account only; `units` its VPCs, over which each row is judged).
 */
export function renderUnitPortCsv(sections: readonly { readonly unit: AuditUnit; readonly rows: readonly PortRow[]; readonly units: JudgedIn }[], allowlist: Allowlist | undefined): string {
  const lines = sections.flatMap(({ unit, rows, units }) => records(rows, allowlist, units).map((record) => [unit.account, unit.region, unit.vpcId, ...record]));
  return stringify(lines, { header: true, columns: [...UNIT_CSV_COLUMNS] });
}
