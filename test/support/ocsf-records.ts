// A connection an instance opened through a NAT gateway as a VPC-wide flow log records it (AWS VPC User Guide,
// "Flow log record examples" > "Traffic through a NAT gateway", https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html),
// plus a denied connection and one the day before 2026-11-01, each turned into a row of Security Lake's OCSF VPC
// flow table (test/support/glue-tables.ts SECURITY_LAKE_VPC_FLOW) as Security Lake's mapping does
// (github.com/ocsf/examples mappings/markdown/AWS/v1.1.0/VPC Flowlogs/README.md: ip is pkt-*addr, intermediate_ips
// the interface's own address when they differ; the interface's ids on the dst side for ingress, the src side for egress).

/** A Glue (Hive) type as DuckDB's: struct<a:int> -> STRUCT("a" INTEGER), array<string> -> VARCHAR[]. */
export function duckType(type: string): string {
  const t = type.trim();
  const struct = /^struct<(.*)>$/.exec(t);
  if (struct) {
    const fields: string[] = [];
    let depth = 0;
    let start = 0;
    const inner = struct[1]!;
    for (let i = 0; i <= inner.length; i++) {
      if (inner[i] === '<') depth++;
      else if (inner[i] === '>') depth--;
      else if ((inner[i] === ',' && depth === 0) || i === inner.length) {
        const part = inner.slice(start, i);
        const colon = part.indexOf(':');
        fields.push(`"${part.slice(0, colon)}" ${duckType(part.slice(colon + 1))}`);
        start = i + 1;
      }
    }
    return `STRUCT(${fields.join(', ')})`;
  }
  const array = /^array<(.*)>$/.exec(t);
  if (array) return `${duckType(array[1]!)}[]`;
  return { int: 'INTEGER', bigint: 'BIGINT', string: 'VARCHAR', timestamp: 'TIMESTAMP' }[t]!;
}

export interface FlowRecord {
  readonly what: string;
  /** The flow log's own fields. */
  readonly interface: string;
  readonly srcaddr: string;
  readonly dstaddr: string;
  readonly pktSrcaddr: string;
  readonly pktDstaddr: string;
  readonly srcport: number;
  readonly dstport: number;
  readonly direction: 'ingress' | 'egress';
  readonly action: 'ACCEPT' | 'REJECT';
  readonly start: string;
}

const INSTANCE = '10.0.1.5';
const NAT = '10.0.0.220';
export const HOST = '203.0.113.5';
const AT = '2026-11-01T10:00:00Z';
export const NAT_GATEWAY_RECORDS: FlowRecord[] = [
  // The instance's own interface: the connection it opened, and the answer.
  { what: 'instance egress', interface: 'eni-instance', srcaddr: INSTANCE, dstaddr: HOST, pktSrcaddr: INSTANCE, pktDstaddr: HOST, srcport: 36490, dstport: 443, direction: 'egress', action: 'ACCEPT', start: AT },
  { what: 'instance ingress', interface: 'eni-instance', srcaddr: HOST, dstaddr: INSTANCE, pktSrcaddr: HOST, pktDstaddr: INSTANCE, srcport: 443, dstport: 36490, direction: 'ingress', action: 'ACCEPT', start: AT },
  // The NAT gateway's interface: the same connection, before and after translation.
  { what: 'NAT ingress from instance', interface: 'eni-nat', srcaddr: INSTANCE, dstaddr: NAT, pktSrcaddr: INSTANCE, pktDstaddr: HOST, srcport: 36490, dstport: 443, direction: 'ingress', action: 'ACCEPT', start: AT },
  { what: 'NAT egress to host', interface: 'eni-nat', srcaddr: NAT, dstaddr: HOST, pktSrcaddr: NAT, pktDstaddr: HOST, srcport: 18321, dstport: 443, direction: 'egress', action: 'ACCEPT', start: AT },
  { what: 'NAT ingress from host', interface: 'eni-nat', srcaddr: HOST, dstaddr: NAT, pktSrcaddr: HOST, pktDstaddr: NAT, srcport: 443, dstport: 18321, direction: 'ingress', action: 'ACCEPT', start: AT },
  { what: 'NAT egress to instance', interface: 'eni-nat', srcaddr: NAT, dstaddr: INSTANCE, pktSrcaddr: HOST, pktDstaddr: INSTANCE, srcport: 443, dstport: 36490, direction: 'egress', action: 'ACCEPT', start: AT },
  // Denied: never counted.
  { what: 'denied', interface: 'eni-instance', srcaddr: INSTANCE, dstaddr: '198.51.100.7', pktSrcaddr: INSTANCE, pktDstaddr: '198.51.100.7', srcport: 40001, dstport: 22, direction: 'egress', action: 'REJECT', start: AT },
  // Accepted, but the day before the window.
  { what: 'outside the window', interface: 'eni-instance', srcaddr: INSTANCE, dstaddr: '198.51.100.8', pktSrcaddr: INSTANCE, pktDstaddr: '198.51.100.8', srcport: 40002, dstport: 3389, direction: 'egress', action: 'ACCEPT', start: '2026-10-31T10:00:00Z' },
];

const text = (v: string | null) => (v === null ? 'NULL' : `'${v}'`);

/** The record as Security Lake writes it (the mapping in the header), as DuckDB values in the table's column order (partitions last). */
export function ocsfRow(r: FlowRecord): string {
  const ingress = r.direction === 'ingress';
  const endpoint = (address: string, packetAddress: string, port: number, ownSide: boolean) =>
    `{'port': ${port}, 'svc_name': '-', 'ip': '${packetAddress}', 'intermediate_ips': ${address === packetAddress ? 'NULL' : `['${address}']`}, ` +
    `'interface_uid': ${text(ownSide ? r.interface : null)}, 'vpc_uid': ${text(ownSide ? 'vpc-0a1b2c3d4e5f60001' : null)}, ` +
    `'instance_uid': NULL, 'subnet_uid': ${text(ownSide ? 'subnet-0a1b2c3d4e5f60001' : null)}}`;
  const ms = Date.parse(r.start);
  const day = r.start.slice(0, 10).replaceAll('-', '');
  const actionId = r.action === 'ACCEPT' ? 1 : 2;
  return [
    `{'product': {'version': '5', 'name': 'Amazon VPC', 'feature': {'name': 'Flowlogs'}, 'vendor_name': 'AWS'}, 'profiles': ['cloud', 'security_control', 'datetime'], 'version': '1.1.0'}`,
    `{'account': {'uid': '111122223333'}, 'region': 'eu-west-1', 'zone': 'euw1-az1', 'provider': 'AWS'}`,
    endpoint(r.srcaddr, r.pktSrcaddr, r.srcport, !ingress),
    endpoint(r.dstaddr, r.pktDstaddr, r.dstport, ingress),
    `{'protocol_num': 6, 'tcp_flags': ${r.direction === 'egress' && r.srcport > r.dstport ? 2 : 18}, 'protocol_ver': 'IPv4', 'boundary_id': NULL, 'boundary': NULL, ` +
      `'direction_id': ${ingress ? 1 : 2}, 'direction': '${ingress ? 'Inbound' : 'Outbound'}'}`,
    `{'packets': 10, 'bytes': 5000}`,
    `${ms}`, `epoch_ms(${ms})`, `epoch_ms(${ms})`, `epoch_ms(${ms + 60000})`, `'OK'`, '1', `'Informational'`,
    `'Network Activity'`, '4001', `'Network Activity'`, '4', '6', `'Traffic'`, '400106', `'Network Activity: Traffic'`,
    `'${r.action === 'ACCEPT' ? 'Allowed' : 'Denied'}'`, `${actionId}`, `'${r.action === 'ACCEPT' ? 'Allowed' : 'Blocked'}'`, `${actionId}`,
    `'eu-west-1'`, `'111122223333'`, `'${day}'`,
  ].join(', ');
}
