// Feeding moto's Athena: the result sets its next queries return (POST /moto-api/static/athena/query-results,
// consumed in order) and how its query states progress (/moto-api/state-manager/set-transition).

import { RESULT_COLUMNS, type PortRow } from '../../src/audit/port-row.js';
import { DRILL_DOWN_COLUMNS, type RawDrillDownRow } from '../../src/audit/drill-down.js';
import { UNIT_COVERAGE_COLUMNS } from '../../src/audit/unit-coverage.js';
import { OBSERVED_EGRESS_COLUMNS, type RawObservedEgressRow } from '../../src/egress/observed-egress.js';

/**
 * PortRows as Athena sends them: a header row, then every value as text (no value for a null); `portsInWindow`
 * is the window's count of ports (more than the rows when the query's max-ports cut the rest).
 */
export function athenaResultSet(rows: readonly PortRow[], portsInWindow = rows.length) {
  const text = (value: string | number | undefined) => (value === undefined ? {} : { VarCharValue: String(value) });
  const data = rows.map((r) => ({
    Data: [r.port, r.protocol, r.connections, r.flows, r.packets, r.bytes, r.peers, r.samplePeers[0], r.samplePeers.at(-1), portsInWindow].map(text),
  }));
  return {
    rows: [{ Data: RESULT_COLUMNS.map((c) => ({ VarCharValue: c })) }, ...data],
    column_info: RESULT_COLUMNS.map((Name) => ({ Name, Type: 'varchar' })),
  };
}

/** POSTs a JSON body to a moto-api path and fails when moto refuses it. */
export async function motoApi(endpoint: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${endpoint}${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`moto ${path} answered ${response.status}: ${await response.text()}`);
}

/** The next queries (in order) return these port lists. */
export const queueAthenaResults = (endpoint: string, ...portLists: (readonly PortRow[])[]) =>
  motoApi(endpoint, '/moto-api/static/athena/query-results', { results: portLists.map((rows) => athenaResultSet(rows)) });

/** The next query returns these rows of `columns` (each value as text, nothing for a null or an absent column). */
async function queueRows<C extends string>(endpoint: string, columns: readonly C[], rows: readonly Readonly<Partial<Record<C, unknown>>>[]): Promise<void> {
  const text = (value: unknown) => (value === null || value === undefined ? {} : { VarCharValue: String(value) });
  await motoApi(endpoint, '/moto-api/static/athena/query-results', {
    results: [{
      rows: [columns.map((c) => ({ VarCharValue: c })), ...rows.map((r) => columns.map((c) => text(r[c])))].map((Data) => ({ Data })),
      column_info: columns.map((Name) => ({ Name, Type: 'varchar' })),
    }],
  });
}

/** The next query returns these drill-down rows. */
export const queueDrillDownResults = (endpoint: string, rows: readonly RawDrillDownRow[]) => queueRows(endpoint, DRILL_DOWN_COLUMNS, rows);

/** The next query returns these observed-egress rows (egress/observed-egress.ts OBSERVED_EGRESS_COLUMNS). */
export const queueObservedEgressResults = (endpoint: string, rows: readonly RawObservedEgressRow[]) => queueRows(endpoint, OBSERVED_EGRESS_COLUMNS, rows);

/** The next query returns these coverage rows (audit/unit-coverage.ts UNIT_COVERAGE_COLUMNS; absent columns are null). */
export const queueCoverageResults = (endpoint: string, rows: readonly Partial<Record<(typeof UNIT_COVERAGE_COLUMNS)[number], string | number>>[]) =>
  queueRows(endpoint, UNIT_COVERAGE_COLUMNS, rows);
