// `--format csv`: one line per observed port in rank order, under a header line, written by csv-stringify
// (RFC 4180 quoting), so a spreadsheet or `csvkit` reads reasons and owners with commas or quotes intact.

import { stringify } from 'csv-stringify/sync';
import type { Allowlist } from '../audit/allowlist.js';
import type { PortRow } from '../audit/port-row.js';
import { portDetails } from './port-details.js';

/** The columns, in order: the header line's names. The allowlist columns are empty without an allowlist. */
export const CSV_COLUMNS = [
  'rank', 'port', 'protocol', 'protocol_name', 'service', 'connections', 'flows', 'packets', 'bytes', 'peers',
  'allowlist_status', 'allowlist_entry', 'reason', 'owner', 'expires',
] as const;

/** The CSV text of the rows (header line first, `\n` line ends, every line ended). */
export function renderPortCsv(rows: readonly PortRow[], allowlist: Allowlist | undefined): string {
  const records = rows.map((row, index) => {
    const d = portDetails(row, allowlist);
    const a = d.allowlist;
    return [index + 1, d.port, d.protocol, d.protocolName, d.service, d.connections, d.flows, d.packets, d.bytes, d.peers, a?.status, a?.entry, a?.reason, a?.owner, a?.expires];
  });
  return stringify(records, { header: true, columns: [...CSV_COLUMNS] });
}
