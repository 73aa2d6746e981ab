// The observed-egress query of the egress-rules proposal (issue 23): per network interface, the connections it
// opened in the window, grouped by (unit, interface, source address, destination port, protocol, destination).
// Built on the audit's own records (audit/query.ts recordsCte: window, inventory join, unit columns), with the
// audit's opener rule (flow-direction egress where the format has it, tcp-flags or the lower-port rule), and a NAT
// gateway's translated copies left out (`nat_copy`): a NATed connection belongs to the instance that opened it.
// Unlike the audit's `counted`, destinations inside the VPC stay in: a security group's egress rules govern traffic
// to the VPC's own addresses too. Each destination is the one a security group rule would name:
//  - vpc: the CIDR block of the record's own VPC that holds the address;
//  - organisation: the CIDR block of another inventory VPC that holds it;
//  - aws-service: an AWS service with an AWS-managed prefix list usable in a security group rule, from
//    `pkt-dst-aws-service` (PREFIX_LIST_SERVICES);
//  - internet: `0.0.0.0/0` or `::/0`.
// The same SQL text runs on Athena and DuckDB (engines/*.ts runEgressObservation).

import { isIP } from 'node:net';
import { parseCidr, type Cidr } from '../audit/cidr.js';
import { addressInCidrsSql } from '../audit/cidr-sql.js';
import { CONNECTION_KEY, column, insideSql, openerExpression, recordsCte, type AuditParameters } from '../audit/query.js';
import { describe, MAX_COUNT, wholeNumber } from '../audit/port-row.js';
import { InputError } from '../input-error.js';

/**
 * `pkt-dst-aws-service` values whose service has an AWS-managed prefix list that a security group rule can name,
 * and the list's name (`com.amazonaws.REGION.s3`). Only Amazon S3 and Amazon DynamoDB: of the AWS-managed prefix
 * lists (Amazon VPC user guide, "AWS-managed prefix lists", "Available AWS-managed prefix lists",
 * https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html) the others are for
 * traffic the other way (CloudFront origin-facing, Route 53 health checks, EC2 Instance Connect into instances),
 * or services with no `pkt-dst-aws-service` value (S3 Express One Zone, VPC Lattice, Ground Station). Both lists
 * are IPv4 only; IPv6 traffic to the services is proposed as `::/0`. The field's values: Amazon VPC user guide,
 * "Flow log records", pkt-dst-aws-service, https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html.
 */
export const PREFIX_LIST_SERVICES: Readonly<Record<string, string>> = { S3: 's3', DYNAMODB: 'dynamodb' };

/** The name of the AWS-managed prefix list of `service` (a PREFIX_LIST_SERVICES key) in `region`. */
export const prefixListName = (service: string, region: string) => `com.amazonaws.${region}.${PREFIX_LIST_SERVICES[service]}`;

export const DESTINATION_KINDS = ['vpc', 'organisation', 'aws-service', 'internet'] as const;
export type DestinationKind = (typeof DESTINATION_KINDS)[number];

/** The columns the observed-egress SQL selects, in order. */
export const OBSERVED_EGRESS_COLUMNS = [
  'account_id', 'region', 'vpc_id', 'interface_id', 'srcaddr', 'port', 'protocol', 'destination_kind', 'destination',
  'connections', 'flows', 'bytes', 'peers',
] as const;
type ObservedEgressColumn = (typeof OBSERVED_EGRESS_COLUMNS)[number];
export type RawObservedEgressRow = Record<ObservedEgressColumn, string | number | bigint | boolean | null>;

/** What one interface opened to one destination on one port and protocol in the window. */
export interface ObservedEgressRow {
  readonly account: string | null;
  readonly region: string | null;
  readonly vpcId: string | null;
  /** The interface that logged the records (`eni-...`); null where a record's format has no interface-id. */
  readonly interfaceId: string | null;
  /** The source address of the records (one of the interface's own addresses when it opened them). */
  readonly sourceAddress: string;
  /** The destination port (0 for ICMP and protocols without ports). */
  readonly port: number;
  /** IANA protocol number. */
  readonly protocol: number;
  readonly destinationKind: DestinationKind;
  /** A CIDR block (`10.1.0.0/16`, `0.0.0.0/0`, `::/0`) or, for aws-service, a PREFIX_LIST_SERVICES key (`S3`). */
  readonly destination: string;
  /** Distinct (source address and port, destination address and port); records; bytes; distinct destination addresses. */
  readonly connections: number;
  readonly flows: number;
  readonly bytes: number;
  readonly peers: number;
}

/**
 * An InputError unless the table has `interface_id`: without it no record can be tied to an interface and so to
 * its security groups. `input` names the logs in the message (`--logs`, or the action's input).
 */
export function requireInterfaceId(p: AuditParameters, input: string): void {
  if (p.source.columns.has('interface_id')) return;
  throw new InputError(
    `${input}: the flow logs' format has no interface-id field, which egress-rules needs to tie each connection to its network interface and security groups; ` +
      'accepted are formats with interface-id (the default v2 format, v5, v8, or a custom format listing ${interface-id}).',
  );
}

const literal = (text: string) => `'${text}'`;

/** The distinct CIDR blocks a destination can be named by: the VPC's (`vpcCidrs`), then the inventory's, each once. */
function namedCidrs(p: AuditParameters): Cidr[] {
  const byText = new Map<string, Cidr>();
  for (const cidr of [...p.vpcCidrs, ...(p.inventory ?? []).flatMap((v) => v.cidrs)]) if (!byText.has(cidr.text)) byText.set(cidr.text, cidr);
  return [...byText.values()];
}

/** `destination_kind` and `destination` (see the header) as two SQL select expressions over sourceRelation(p). */
function destinationColumns(p: AuditParameters): [string, string] {
  const shape = p.source;
  const dst = column(shape, 'dstaddr');
  const service = shape.columns.get('pkt_dst_aws_service');
  const cidrs = namedCidrs(p);
  const ipv4 = `strpos(${dst}, ':') = 0`;
  const toService = service === undefined ? 'false' : `${ipv4} AND ${service} IN (${Object.keys(PREFIX_LIST_SERVICES).map(literal).join(', ')})`;
  const ownVpc = insideSql(p, dst);
  const organisation = addressInCidrsSql(dst, cidrs);
  const kind = `CASE WHEN ${toService} THEN 'aws-service' WHEN ${ownVpc} THEN 'vpc' WHEN ${organisation} THEN 'organisation' ELSE 'internet' END AS destination_kind`;
  const blocks = cidrs.map((c) => `WHEN ${addressInCidrsSql(dst, [c])} THEN ${literal(c.text)}`).join(' ');
  // A format without pkt-dst-aws-service (v2) names no service: no branch for it.
  const destination =
    'CASE ' +
    (service === undefined ? '' : `WHEN ${toService} THEN ${service} `) +
    (cidrs.length === 0 ? '' : `WHEN ${organisation} THEN (CASE ${blocks} END) `) +
    `WHEN ${ipv4} THEN '0.0.0.0/0' ELSE '::/0' END AS destination`;
  return [kind, destination];
}

/**
 * The observed-egress SQL for validated parameters (see the header): one row of OBSERVED_EGRESS_COLUMNS per
 * (unit, interface, source address, port, protocol, destination) that an interface opened, ACCEPTed, in the window;
 * counts as bigint. The table must have interface_id (requireInterfaceId). DuckDB runs the same text.
 */
export function buildObservedEgressSql(p: AuditParameters): string {
  const [kind, destination] = destinationColumns(p);
  const records = recordsCte({ ...p, preset: 'egress-ports' }, ['interface_id'], [`${openerExpression(p.source)} AS opened`, kind, destination]);
  const keys = 'account_id, region, vpc_id, interface_id, srcaddr, dstport, protocol, destination_kind, destination';
  return [
    ...records,
    `SELECT account_id, region, vpc_id, interface_id, srcaddr, dstport AS port, protocol, destination_kind, destination,`,
    `  count(DISTINCT ${CONNECTION_KEY}) AS connections, count(*) AS flows, sum(bytes) AS bytes, count(DISTINCT dstaddr) AS peers`,
    `FROM records`,
    `WHERE opened AND NOT nat_copy`,
    `GROUP BY ${keys}`,
    `ORDER BY ${keys}`,
  ].join('\n');
}

const PATTERNS = {
  account_id: /^\d{12}$/,
  region: /^[a-z]{2}(-[a-z]+)+-\d$/,
  vpc_id: /^vpc-[0-9a-f]{8,17}$/,
  interface_id: /^eni-[0-9a-f]{8,17}$/,
} as const;

/** One row checked (ids by pattern, addresses and CIDRs parsed, numbers whole and in range); else what is wrong. */
function toRow(raw: RawObservedEgressRow): ObservedEgressRow | string {
  const id = (name: keyof typeof PATTERNS): string | null | undefined => {
    const value = raw[name];
    if (value === null || value === '' || value === '-') return null;
    return typeof value === 'string' && PATTERNS[name].test(value) ? value : undefined;
  };
  const ids = { account_id: id('account_id'), region: id('region'), vpc_id: id('vpc_id'), interface_id: id('interface_id') };
  for (const [name, value] of Object.entries(ids)) if (value === undefined) return `${name} ${describe(raw[name as ObservedEgressColumn] as string)} is not valid`;
  const numbers = { port: 65535, protocol: 255, connections: MAX_COUNT, flows: MAX_COUNT, bytes: MAX_COUNT, peers: MAX_COUNT } as const;
  const values: Record<string, number> = {};
  for (const [name, max] of Object.entries(numbers)) {
    const raw1 = raw[name as ObservedEgressColumn];
    const value = typeof raw1 === 'boolean' ? undefined : wholeNumber(raw1, max);
    if (value === undefined) return `${name} ${describe(raw1 as string)} is not valid`;
    values[name] = value;
  }
  const source = raw.srcaddr;
  if (typeof source !== 'string' || isIP(source) === 0) return `srcaddr ${describe(source as string)} is not an IP address`;
  const kind = DESTINATION_KINDS.find((k) => k === raw.destination_kind);
  if (kind === undefined) return `destination_kind ${describe(raw.destination_kind as string)} is not valid`;
  const destination = raw.destination;
  const valid =
    typeof destination === 'string' &&
    (kind === 'aws-service' ? Object.hasOwn(PREFIX_LIST_SERVICES, destination) : (() => { try { return parseCidr(destination).text === destination; } catch { return false; } })());
  if (!valid) return `destination ${describe(destination as string)} is not valid`;
  return {
    account: ids.account_id!, region: ids.region!, vpcId: ids.vpc_id!, interfaceId: ids.interface_id!, sourceAddress: source,
    port: values.port!, protocol: values.protocol!, destinationKind: kind, destination: destination as string,
    connections: values.connections!, flows: values.flows!, bytes: values.bytes!, peers: values.peers!,
  };
}

/** The query's rows validated: the good ones, and one warning sentence per row left out. */
export function readObservedEgress(raws: readonly RawObservedEgressRow[]): { rows: ObservedEgressRow[]; rejected: string[] } {
  const rows: ObservedEgressRow[] = [];
  const rejected: string[] = [];
  raws.forEach((raw, index) => {
    const row = toRow(raw);
    if (typeof row === 'string') rejected.push(`Observed-egress row ${index + 1} was left out: ${row}.`);
    else rows.push(row);
  });
  return { rows, rejected };
}
