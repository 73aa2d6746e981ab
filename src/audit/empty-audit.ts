// Why an audit counted nothing: an empty top list is either a quiet VPC or a mistake (a window with no records,
// a CIDR block that is not the VPC's, a flow log that only wrote NODATA/SKIPDATA records, or one that records REJECT
// only and so cannot show outbound ports at all, whatever the security groups allow). One follow-up query,
// run only after an empty audit, counts the table's records step by step along the audit's own WHERE terms
// (query.ts recordTerms); explainEmptyAudit turns those counts into one sentence saying which step lost them.

import { addressInCidrsSql } from './cidr-sql.js';
import { parseCidrList } from './parameters.js';
import type { AuditParameters } from './query.js';
import { recordTerms, sourceRelation } from './query.js';

/**
 * The private IPv4 ranges a VPC's CIDR blocks come from (RFC 1918, and 100.64.0.0/10; Amazon VPC user guide, "VPC
 * CIDR blocks"): an example source taken from them is likely one of the VPC's own hosts, which says more about a
 * wrong --vpc-cidr than a public peer's address.
 */
const PRIVATE_RANGES = parseCidrList('10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10');

/** The follow-up query's columns, in order. */
export const RECORD_COUNT_COLUMNS = [
  'records', 'in_window', 'accept_in_window', 'reject_in_window', 'from_vpc', 'accepted_ok', 'skipdata', 'nodata', 'example_source', 'first_start', 'last_start',
] as const;

/** What the follow-up query counts over the audit's table. */
export interface RecordCounts {
  /** Every record of the table (the local view: the files read). */
  readonly read: number;
  /** Records that the shape's window terms keep (all of them where the folders read are the window's hours). */
  readonly inWindow: number;
  /** Records in the window (any source) whose action is ACCEPT, and REJECT: none ACCEPT and some REJECT is a REJECT-only flow log. */
  readonly acceptInWindow: number;
  readonly rejectInWindow: number;
  /** Records in the window whose srcaddr is inside the VPC's CIDRs. */
  readonly fromVpc: number;
  /** Of those, the ones the preset reads: egress-ports, ACCEPT with log-status OK; seed, all of them. */
  readonly acceptedOk: number;
  /** Records in the window whose log-status is SKIPDATA, or NODATA (0 where the table has no log_status). */
  readonly skipData: number;
  readonly noData: number;
  /** A source address of a record in the window (the lowest private one, else the lowest), null when none has one. */
  readonly exampleSource: string | null;
  /** The first and last `start` (epoch seconds) of all records read, null without records or a start column. */
  readonly firstStart: number | null;
  readonly lastStart: number | null;
}

/** Which step of the audit's WHERE terms left nothing (see explainEmptyAudit). */
export type EmptyReason = 'no-records' | 'outside-window' | 'no-data' | 'reject-only' | 'vpc-cidr' | 'not-accepted' | 'no-outbound';

export interface EmptyAudit {
  readonly reason: EmptyReason;
  /** One sentence for a person, ending with a period. */
  readonly sentence: string;
  readonly counts: RecordCounts;
}

/**
 * The follow-up query over the audit's table: one row of RECORD_COUNT_COLUMNS. It reuses the audit's record terms
 * (window, source in the VPC, ACCEPT with log-status OK), so each count is one more of the audit's filters.
 * `count_if`, `min` and `CASE` are common to Trino and DuckDB.
 */
export function buildRecordCountsSql(p: AuditParameters): string {
  const { columns } = p.source;
  const terms = recordTerms(p);
  const and = (list: readonly string[]) => (list.length === 0 ? 'true' : list.join(' AND '));
  // Another VPC's records in the table (TableShape.vpcTerms) are none of this audit's: not even read.
  const inWindow = and([...terms.window, ...terms.vpc]);
  const fromVpc = and([...terms.window, ...terms.vpc, terms.fromVpc]);
  const status = columns.get('log_status');
  const start = columns.get('start');
  const srcaddr = columns.get('srcaddr')!;
  const action = columns.get('action')!;
  return [
    `SELECT ${terms.vpc.length === 0 ? 'count(*)' : `count_if(${and(terms.vpc)})`} AS records,`,
    `  count_if(${inWindow}) AS in_window,`,
    `  count_if(${inWindow} AND ${action} = 'ACCEPT') AS accept_in_window,`,
    `  count_if(${inWindow} AND ${action} = 'REJECT') AS reject_in_window,`,
    `  count_if(${fromVpc}) AS from_vpc,`,
    `  count_if(${and([fromVpc, ...terms.accepted])}) AS accepted_ok,`,
    `  ${status ? `count_if(${inWindow} AND ${status} = 'SKIPDATA')` : '0'} AS skipdata,`,
    `  ${status ? `count_if(${inWindow} AND ${status} = 'NODATA')` : '0'} AS nodata,`,
    `  coalesce(min(CASE WHEN ${inWindow} AND ${addressInCidrsSql(srcaddr, PRIVATE_RANGES)} THEN ${srcaddr} END), ` +
      `min(CASE WHEN ${inWindow} THEN ${srcaddr} END)) AS example_source,`,
    `  ${start ? `min(${start})` : 'CAST(NULL AS bigint)'} AS first_start,`,
    `  ${start ? `max(${start})` : 'CAST(NULL AS bigint)'} AS last_start`,
    `FROM ${sourceRelation(p)}`,
  ].join('\n');
}

/** The follow-up query's one row (numbers may come as bigint) as RecordCounts. */
export function readRecordCounts(row: Readonly<Record<string, unknown>>): RecordCounts {
  const count = (name: string) => Number(row[name] ?? 0);
  const orNull = (name: string) => (row[name] === null || row[name] === undefined ? null : Number(row[name]));
  return {
    read: count('records'),
    inWindow: count('in_window'),
    acceptInWindow: count('accept_in_window'),
    rejectInWindow: count('reject_in_window'),
    fromVpc: count('from_vpc'),
    acceptedOk: count('accepted_ok'),
    skipData: count('skipdata'),
    noData: count('nodata'),
    exampleSource: row.example_source === null || row.example_source === undefined ? null : String(row.example_source),
    firstStart: orNull('first_start'),
    lastStart: orNull('last_start'),
  };
}

const number = (n: number) => n.toLocaleString('en-US');
const records = (n: number) => `${number(n)} record${n === 1 ? '' : 's'}`;
const minute = (epochSeconds: number) => `${new Date(epochSeconds * 1000).toISOString().slice(0, 16)}Z`;

/**
 * What AWS's log-status values mean (Amazon VPC user guide, "Flow log records" > "Available fields", log-status,
 * https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html): NODATA, no network traffic to or from
 * the network interface during the aggregation interval; SKIPDATA, some flow log records were skipped during the
 * aggregation interval, because of an internal capacity constraint or an internal error.
 */
const LOG_STATUS_MEANING = {
  NODATA: 'NODATA means the network interface had no traffic in the aggregation interval',
  SKIPDATA: 'SKIPDATA means AWS skipped the interval\'s records (an internal capacity constraint or error)',
} as const;

/**
 * Why an audit whose top list is empty counted nothing, from the follow-up query's counts: the first of the
 * audit's filters that left no record. `cidrInput` names the input that gave the CIDR blocks (`--vpc-cidr`).
 */
export function explainEmptyAudit(counts: RecordCounts, p: AuditParameters, cidrInput = '--vpc-cidr'): EmptyAudit {
  const given = p.vpcCidrs.map((c) => c.text).join(', ');
  const listed = p.inventory?.length ? `the ${p.inventory.length} VPC${p.inventory.length === 1 ? '' : 's'} of the inventory` : undefined;
  const cidrs = listed === undefined ? given : given === '' ? listed : `${listed} and ${given}`;
  const explain = (reason: EmptyReason, sentence: string): EmptyAudit => ({ reason, sentence, counts });
  if (counts.read === 0 && p.accounts !== undefined && p.accounts.length > 0) {
    const accounts = p.accounts.join(', ');
    return explain('no-records', `no records of account ${accounts}: no flow-log record of the files read names ${p.accounts.length === 1 ? 'it' : 'them'} (or comes from a VPC of ${p.accounts.length === 1 ? 'it' : 'theirs'} in the inventory); check the accounts asked for.`);
  }
  if (counts.read === 0) return explain('no-records', 'no records: the files read for the window hold no flow-log records, only header or empty lines.');
  if (counts.inWindow === 0) {
    const { firstStart: first, lastStart: last } = counts;
    const span = first === null || last === null ? '' : minute(first) === minute(last) ? `, all starting ${minute(first)}` : `, starting ${minute(first)} to ${minute(last)}`;
    return explain(
      'outside-window',
      `no record in the window: the files read hold ${records(counts.read)}${span}, none starting between ` +
        `${minute(p.window.start.getTime() / 1000)} and ${minute(p.window.end.getTime() / 1000)}; check --end and --lookback-hours.`,
    );
  }
  if (counts.skipData + counts.noData === counts.inWindow) {
    const kinds = (['SKIPDATA', 'NODATA'] as const).filter((k) => (k === 'SKIPDATA' ? counts.skipData : counts.noData) > 0);
    const split = kinds.length === 2 ? ` (${number(counts.skipData)} SKIPDATA, ${number(counts.noData)} NODATA)` : '';
    return explain(
      'no-data',
      `all ${records(counts.inWindow)} in the window are ${kinds.join(' or ')}${split}, which carry no flows: ` +
        `${kinds.map((k) => LOG_STATUS_MEANING[k]).join('; ')} (Amazon VPC user guide, log-status).`,
    );
  }
  // A flow log with TrafficType REJECT (CreateFlowLogs: ACCEPT, REJECT or ALL; Amazon EC2 API reference,
  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html) logs no accepted connection:
  // the security groups are not to blame, and no CIDR would count anything.
  if (p.preset === 'egress-ports' && counts.acceptInWindow === 0 && counts.rejectInWindow > 0) {
    return explain(
      'reject-only',
      `the VPC cannot be audited for outbound ports: its flow log records REJECT only (the ${records(counts.rejectInWindow)} with a flow in the window are all REJECT, none ACCEPT), ` +
        'so it shows no connection the VPC made; give the VPC a flow log with TrafficType ALL (or ACCEPT).',
    );
  }
  if (counts.fromVpc === 0) {
    const example = counts.exampleSource === null ? '' : ` (their sources include ${counts.exampleSource})`;
    return explain('vpc-cidr', `${cidrInput}: none of the ${records(counts.inWindow)} in the window comes from ${cidrs}${example}; check ${cidrInput}.`);
  }
  if (counts.acceptedOk === 0) {
    return explain(
      'not-accepted',
      `none of the ${records(counts.fromVpc)} from ${cidrs} in the window is ACCEPT with log-status OK, which the egress-ports audit counts: ` +
        'the security groups or network ACLs rejected them all, or AWS logged no data.',
    );
  }
  return explain(
    'no-outbound',
    `the ${records(counts.acceptedOk)} accepted from ${cidrs} in the window ${counts.acceptedOk === 1 ? 'goes' : 'go'} to addresses inside it or ${counts.acceptedOk === 1 ? 'answers' : 'answer'} connections opened from outside: ` +
      'the VPC opened no connection out of its CIDRs.',
  );
}
