// Feeding moto's Athena: the result sets its next queries return (POST /moto-api/static/athena/query-results,
// consumed in order) and how its query states progress (/moto-api/state-manager/set-transition).

import { RESULT_COLUMNS, type PortRow } from '../../src/audit/port-row.js';
import { DRILL_DOWN_COLUMNS, type RawDrillDownRow } from '../../src/audit/drill-down.js';

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

/** The next query returns these drill-down rows (each value as text, nothing for a null or an absent unit column). */
export const queueDrillDownResults = (endpoint: string, rows: readonly RawDrillDownRow[]) =>
  motoApi(endpoint, '/moto-api/static/athena/query-results', {
    results: [{
      rows: [DRILL_DOWN_COLUMNS.map((c) => ({ VarCharValue: c })), ...rows.map((r) => DRILL_DOWN_COLUMNS.map((c) => ((r[c] ?? null) === null ? {} : { VarCharValue: String(r[c]) })))].map((Data) => ({ Data })),
      column_info: DRILL_DOWN_COLUMNS.map((Name) => ({ Name, Type: 'varchar' })),
    }],
  });
