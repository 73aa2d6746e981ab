// The "Coverage" section of a job summary (and of any markdown report): per audit unit (account, region, VPC),
// the records and files of the window, the flow-log versions met, the ACCEPT and REJECT records, and whether the
// unit can be audited for outbound ports, with the reason when it cannot (audit/unit-coverage.ts).

import { unitLabel } from '../audit/audit-unit.js';
import type { UnitCoverage } from '../audit/unit-coverage.js';
import { escapeMarkdown, formatCount, table } from './markdown.js';

/**
 * The section as markdown under `heading` (`###` by default): one line saying how many units cannot be audited,
 * then one table row per unit (those that cannot be audited first). Empty text for no units.
 */
export function renderCoverage(coverage: readonly UnitCoverage[], heading = '###'): string {
  if (coverage.length === 0) return '';
  const blind = coverage.filter((c) => !c.auditable);
  const ordered = [...blind, ...coverage.filter((c) => c.auditable)];
  const summary =
    blind.length === 0
      ? `Every one of the ${formatCount(coverage.length)} accounts/VPCs of the window can be audited for outbound ports.`
      : `**${formatCount(blind.length)} of ${formatCount(coverage.length)} accounts/VPCs cannot be audited for outbound ports**: their ports are not in this audit.`;
  const rows = ordered.map((c) => [
    escapeMarkdown(unitLabel(c.unit)),
    formatCount(c.records),
    formatCount(c.files),
    c.formats.join(', ') || '-',
    formatCount(c.acceptRecords),
    formatCount(c.rejectRecords),
    c.auditable ? 'yes' : `**no**: ${escapeMarkdown(c.reason ?? '')}`,
  ]);
  const headers = ['Account / VPC', 'Records', 'Files', 'Versions', 'ACCEPT', 'REJECT', 'Auditable'];
  return [`${heading} Coverage`, '', summary, '', table(headers, rows, [false, true, true, false, true, true, false])].join('\n');
}
