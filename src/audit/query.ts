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
import { hasColumns, type FlowLogFormat } from '../flowlog/format.js';
import { hourPath, PARTITION_COLUMN, HOUR_MS, type HourWindow } from '../flowlog/layout.js';

export const PRESETS = ['egress-ports', 'seed'] as const;
export type Preset = (typeof PRESETS)[number];

/** A Glue database and table (validated identifiers). */
export interface TableRef {
  readonly database: string;
  readonly table: string;
}

export interface AuditParameters {
  readonly preset: Preset;
  readonly vpcCidrs: readonly Cidr[];
  readonly window: HourWindow;
  readonly top: number;
  readonly format: FlowLogFormat;
  readonly table: TableRef;
}

const TCP = 6;
const UDP = 17;
/** tcp-flags bits: SYN 2, SYN-ACK 18 (SYN + ACK 16). */
const SYN = 2;
const SYN_ACK = 18;

/** The WHERE terms that keep a window's hours: on the partition column, so engines read only those folders. */
function windowTerm(window: HourWindow): string {
  const first = hourPath(window.start);
  const last = hourPath(new Date(window.end.getTime() - HOUR_MS));
  return `${PARTITION_COLUMN} BETWEEN '${first}' AND '${last}'`;
}

/** Terms that tell a connection the VPC opened from the reply of a server inside it. */
function openerTerms(format: FlowLogFormat): string[] {
  const servicePortIsLower = 'dstport <= srcport';
  const terms: string[] = [];
  if (hasColumns(format, 'flow_direction')) terms.push(`flow_direction = 'egress'`);
  if (hasColumns(format, 'tcp_flags')) {
    terms.push(
      `(protocol = ${TCP} AND bitwise_and(tcp_flags, ${SYN_ACK}) = ${SYN}` +
        ` OR protocol = ${UDP} AND ${servicePortIsLower} OR protocol NOT IN (${TCP}, ${UDP}))`,
    );
  } else {
    terms.push(`(protocol NOT IN (${TCP}, ${UDP}) OR ${servicePortIsLower})`);
  }
  return terms;
}

/** The Athena SQL of an audit; DuckDB runs the same text (see engines/duckdb.ts). */
export function buildAuditSql(p: AuditParameters): string {
  const fromVpc = addressInCidrsSql('srcaddr', p.vpcCidrs);
  const egress = p.preset === 'egress-ports';
  const port = egress ? 'dstport' : 'srcport';
  const where = [windowTerm(p.window), fromVpc];
  if (egress) {
    where.push(`NOT ${addressInCidrsSql('dstaddr', p.vpcCidrs)}`, `action = 'ACCEPT'`);
    if (hasColumns(p.format, 'log_status')) where.push(`log_status = 'OK'`);
    where.push(...openerTerms(p.format));
  }
  return [
    `SELECT ${port} AS port, protocol, count(*) AS flows, sum(packets) AS packets, sum(bytes) AS bytes,`,
    `  count(DISTINCT dstaddr) AS peers, min(dstaddr) AS peer_low, max(dstaddr) AS peer_high`,
    `FROM "${p.table.database}"."${p.table.table}"`,
    `WHERE ${where.join('\n  AND ')}`,
    `GROUP BY ${port}, protocol`,
    `ORDER BY flows DESC, port, protocol`,
    `LIMIT ${p.top}`,
  ].join('\n');
}
