// The audit query: SQL text built from validated parameters only. The same text runs on Athena and, through
// the DuckDB engine, on local files. Two presets:
//  - egress-ports (default): destination ports of traffic leaving the VPC's CIDRs for addresses outside
//    them. Where the format has flow-direction and tcp-flags, only egress records count, and a TCP flow
//    counts when it carries the opener's SYN without SYN-ACK, so replies of servers in the VPC are not
//    taken for outbound ports. Without tcp-flags, the lower of the two ports is taken as the service port.
//  - seed: the original recipe's question (source ports of traffic from the VPC), with real CIDRs instead
//    of `LIKE '10.0%'`. Kept for comparison: it counts ephemeral ports of outbound connections.

import { addressInCidrsSql } from './cidr-sql.js';
import type { Cidr } from './cidr.js';
import type { HourWindow } from '../flowlog/layout.js';
import type { TableShape } from './table-shape.js';

export const PRESETS = ['egress-ports', 'seed'] as const;
export type Preset = (typeof PRESETS)[number];

export interface AuditParameters {
  readonly preset: Preset;
  readonly vpcCidrs: readonly Cidr[];
  readonly window: HourWindow;
  readonly top: number;
  /** The table read: its name, columns and partitioning. */
  readonly source: TableShape;
}

const TCP = 6;
const UDP = 17;
/** tcp-flags bits: SYN 2, SYN-ACK 18 (SYN + ACK 16). */
const SYN = 2;
const SYN_ACK = 18;

/** The shape's SQL for a catalogue column; the builder only asks for columns it checked or that every shape has. */
function column(shape: TableShape, name: string): string {
  const sql = shape.columns.get(name);
  if (sql === undefined) throw new Error(`table ${shape.table.table} has no ${name} column`);
  return sql;
}

/**
 * A term on a column the table has. When only some rows carry the column (TableShape.partialColumns), rows
 * without it pass when `without` holds (or always, without `without`), as in a table lacking the column.
 */
function termOn(shape: TableShape, name: string, term: string, without?: string): string {
  if (!shape.partialColumns?.has(name)) return term;
  const sql = column(shape, name);
  return `(${sql} IS NOT NULL AND ${term} OR ${sql} IS NULL${without === undefined ? '' : ` AND ${without}`})`;
}

/** Terms that tell a connection the VPC opened from the reply of a server inside it. */
function openerTerms(shape: TableShape): string[] {
  const c = (name: string) => column(shape, name);
  const protocol = c('protocol');
  const servicePortIsLower = `${c('dstport')} <= ${c('srcport')}`;
  const byPorts = `(${protocol} NOT IN (${TCP}, ${UDP}) OR ${servicePortIsLower})`;
  const terms: string[] = [];
  if (shape.columns.has('flow_direction')) terms.push(termOn(shape, 'flow_direction', `${c('flow_direction')} = 'egress'`));
  if (shape.columns.has('tcp_flags')) {
    const byFlags =
      `(${protocol} = ${TCP} AND bitwise_and(${c('tcp_flags')}, ${SYN_ACK}) = ${SYN}` +
      ` OR ${protocol} = ${UDP} AND ${servicePortIsLower} OR ${protocol} NOT IN (${TCP}, ${UDP}))`;
    terms.push(termOn(shape, 'tcp_flags', byFlags, byPorts));
  } else {
    terms.push(byPorts);
  }
  return terms;
}

/** The Athena SQL of an audit; DuckDB runs the same text (see engines/duckdb.ts). */
export function buildAuditSql(p: AuditParameters): string {
  const shape = p.source;
  const c = (name: string) => column(shape, name);
  const egress = p.preset === 'egress-ports';
  const port = c(egress ? 'dstport' : 'srcport');
  const where = [...shape.windowTerms(p.window), addressInCidrsSql(c('srcaddr'), p.vpcCidrs)];
  if (egress) {
    where.push(`NOT ${addressInCidrsSql(c('dstaddr'), p.vpcCidrs)}`, `${c('action')} = 'ACCEPT'`);
    if (shape.columns.has('log_status')) where.push(termOn(shape, 'log_status', `${c('log_status')} = 'OK'`));
    where.push(...openerTerms(shape));
  }
  const dstaddr = c('dstaddr');
  const protocol = c('protocol') === 'protocol' ? 'protocol' : `${c('protocol')} AS protocol`;
  return [
    `SELECT ${port} AS port, ${protocol}, count(*) AS flows, sum(${c('packets')}) AS packets, sum(${c('bytes')}) AS bytes,`,
    `  count(DISTINCT ${dstaddr}) AS peers, min(${dstaddr}) AS peer_low, max(${dstaddr}) AS peer_high`,
    `FROM "${shape.table.database}"."${shape.table.table}"`,
    `WHERE ${where.join('\n  AND ')}`,
    `GROUP BY ${port}, ${c('protocol')}`,
    `ORDER BY flows DESC, port, protocol`,
    `LIMIT ${p.top}`,
  ].join('\n');
}
