// The one port-table renderer: every table of ports (the top list in the job summary, the tracking issue and
// the CLI; the unacknowledged ports; the pull-request comment) is built here from named columns, as
// markdown (every cell escaped) or as aligned plain text for a terminal. A new column is one entry in
// PORT_COLUMNS and its name in the lists of the tables that show it, all in this file.

import { protocolName, type PortRow, type RankedRow } from '../audit/port-row.js';
import type { RememberedPort } from '../audit/known-ports.js';
import { formatBytes } from '../format-bytes.js';
import { escapeMarkdown, formatCount, table, utcMinute } from './markdown.js';

/** A column of a port table: its header, whether it holds numbers (right-aligned), and its cell for a row. */
interface PortColumn<Row> {
  readonly header: string;
  readonly numeric: boolean;
  /** The cell's plain text; `index` is the row's 0-based place in the table. */
  readonly cell: (row: Row, index: number) => string;
}

/** What every port table can show of a row: a top-list row, or a port the memory remembers. */
type AnyPort = PortRow | RememberedPort;
/** Every column a port table shows, by name. */
const PORT_COLUMNS = {
  rank: { header: '#', numeric: true, cell: (_row: AnyPort, index: number) => String(index + 1) },
  port: { header: 'Port', numeric: true, cell: (row: AnyPort) => String(row.port) },
  protocol: { header: 'Protocol', numeric: false, cell: (row: AnyPort) => protocolName(row.protocol) },
  connections: { header: 'Connections', numeric: true, cell: (row: PortRow) => formatCount(row.connections) },
  flows: { header: 'Flows', numeric: true, cell: (row: AnyPort) => formatCount(row.flows) },
  packets: { header: 'Packets', numeric: true, cell: (row: PortRow) => formatCount(row.packets) },
  bytes: { header: 'Bytes', numeric: true, cell: (row: AnyPort) => formatBytes(row.bytes) },
  peers: { header: 'Peers', numeric: true, cell: (row: PortRow) => formatCount(row.peers) },
  samplePeers: { header: 'Sample peers', numeric: false, cell: (row: AnyPort) => row.samplePeers.join(', ') },
  firstSeen: { header: 'First seen (UTC)', numeric: false, cell: (row: RememberedPort) => utcMinute(row.firstSeen) },
  lastSeen: { header: 'Last seen (UTC)', numeric: false, cell: (row: RememberedPort) => utcMinute(row.lastSeen) },
} as const satisfies Record<string, PortColumn<never>>;

type ColumnName = keyof typeof PORT_COLUMNS;
/** The names of the columns that can show a Row (a RememberedPort has no packets, for one). */
type ColumnFor<Row> = { [K in ColumnName]: Row extends Parameters<(typeof PORT_COLUMNS)[K]['cell']>[0] ? K : never }[ColumnName];

/** The top list's columns, in the job summary, the tracking issue and the CLI (which leaves out `samplePeers`). */
export const TOP_LIST_COLUMNS = ['rank', 'port', 'protocol', 'connections', 'flows', 'packets', 'bytes', 'peers', 'samplePeers'] as const satisfies readonly ColumnFor<PortRow>[];
/** The tracking issue's table of the ports no one has explained yet. */
export const UNACKNOWLEDGED_COLUMNS = ['port', 'protocol', 'firstSeen', 'lastSeen', 'flows', 'bytes', 'samplePeers'] as const satisfies readonly ColumnFor<RememberedPort>[];
/** The pull-request comment's table of observed ports (its Status column is its own). */
export const PULL_REQUEST_COLUMNS = ['port', 'protocol', 'flows', 'bytes', 'samplePeers'] as const satisfies readonly ColumnFor<PortRow>[];

/** A column of its own for one surface (the new marker, the PR comment's status, a rank in the window). */
export function extraColumn<Row>(header: string, cell: (row: Row) => string, numeric = false): PortColumn<Row> {
  return { header, numeric, cell };
}

export type Columns<Row> = readonly PortColumn<Row>[];

/** Top-list columns for ranked rows (a part of the list, such as the new ports below the top): `#` is the row's own rank. */
export function rankedColumns(cols: Columns<PortRow>): Columns<RankedRow> {
  return cols.map((c) => (c === PORT_COLUMNS.rank ? extraColumn<RankedRow>(c.header, (r) => String(r.rank), true) : { ...c, cell: (r: RankedRow) => c.cell(r.row, 0) }));
}

/** The named columns, for rows of type Row. */
export function columns<Row>(...names: readonly ColumnFor<Row>[]): PortColumn<Row>[] {
  return names.map((name) => PORT_COLUMNS[name] as unknown as PortColumn<Row>);
}

const cellsOf = <Row>(rows: readonly Row[], cols: Columns<Row>) => rows.map((row, index) => cols.map((c) => c.cell(row, index)));

/**
 * A markdown table of `rows`; every cell is escaped (a logged value cannot inject markup). `lowercase` headers
 * are the command line's style in both its formats.
 */
export function markdownPortTable<Row>(rows: readonly Row[], cols: Columns<Row>, { lowercase = false } = {}): string {
  const cells = cellsOf(rows, cols).map((r) => r.map(escapeMarkdown));
  return table(cols.map((c) => (lowercase ? c.header.toLowerCase() : c.header)), cells, cols.map((c) => c.numeric));
}

/** A plain-text table for a terminal: lowercase headers, numbers right-aligned, two spaces between columns. */
export function textPortTable<Row>(rows: readonly Row[], cols: Columns<Row>): string {
  const header = cols.map((c) => c.header.toLowerCase());
  const cells = cellsOf(rows, cols);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((text, i) => (cols[i]!.numeric ? text.padStart(widths[i]!) : text.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...cells.map(line)].join('\n');
}
