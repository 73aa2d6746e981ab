// A hand-made organisation's S3 delivery tree (issue 21): three accounts under AWSLogs/ACCOUNT/vpcflowlogs/REGION/
// in one day folder, each file with its header line. Account 111122223333 logs a custom format with neither
// account-id nor region (its path says both) from two VPCs, one of which connects to the other; 444455556666 logs
// v2 from a VPC on the same CIDR as the first; 777788889999 logs v5 from a VPC no inventory lists. The right
// answers are worked out by hand next to the records.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCidrList } from '../../src/audit/parameters.js';
import type { InventoryVpc } from '../../src/audit/audit-unit.js';
import { parseLogFormat, V2_FORMAT, V5_FORMAT, type FlowLogFormat } from '../../src/flowlog/format.js';
import { s3DeliveryFileName, s3DeliveryRegionSegments } from '../../src/logs/layouts.js';

/** The window of the tree's records: 2026-11-01T10Z to 11Z. All records start 10:00:00Z. */
export const ORG_END = new Date('2026-11-01T11:00:00Z');
const START = 1793527200;
const REGION = 'us-east-1';

export const VPC_A1 = 'vpc-0000000a';
export const VPC_A2 = 'vpc-0000000b';
export const VPC_B = 'vpc-0000000c';
export const VPC_C = 'vpc-0000000d';

/** The inventory of the accounts 111122223333 and 444455556666 (777788889999's VPC is not in it). */
export const ORG_INVENTORY: InventoryVpc[] = [
  { account: '111122223333', region: REGION, vpcId: VPC_A1, cidrs: parseCidrList('10.0.0.0/16') },
  { account: '111122223333', region: REGION, vpcId: VPC_A2, cidrs: parseCidrList('10.1.0.0/16') },
  { account: '444455556666', region: REGION, vpcId: VPC_B, cidrs: parseCidrList('10.0.0.0/16') },
];

/** The inventory as the `--vpcs` file says it. */
export const ORG_INVENTORY_YAML = ORG_INVENTORY.map((v) => `- account: "${v.account}"\n  region: ${v.region}\n  vpc-id: ${v.vpcId}\n  cidrs: [${v.cidrs.map((c) => c.text).join(', ')}]\n`).join('');

type Fields = Record<string, string | number>;

/** One record line in `format`, `-` for the fields not given. */
function line(format: FlowLogFormat, fields: Fields): string {
  return format.fields.map((f) => String(fields[f.field] ?? '-')).join(' ');
}

const tcp = (src: string, sport: number, dst: string, dport: number, more: Fields = {}): Fields => ({
  version: 2, srcaddr: src, srcport: sport, dstaddr: dst, dstport: dport, protocol: 6, packets: 10, bytes: 1000,
  start: START, end: START + 60, action: 'ACCEPT', 'log-status': 'OK', ...more,
});

const NO_ACCOUNT = parseLogFormat('${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action}');

const FILES: { account: string; format: FlowLogFormat; records: Fields[] }[] = [
  {
    account: '111122223333',
    format: NO_ACCOUNT,
    records: [
      tcp('10.0.1.5', 40000, '203.0.113.10', 443), // vpc-0000000a: 443/tcp
      tcp('10.0.1.5', 40001, '10.1.2.3', 5432), // vpc-0000000a to vpc-0000000b: egress of vpc-0000000a, 5432/tcp
      tcp('10.1.2.3', 5432, '10.0.1.5', 40001), // vpc-0000000b's reply: not opened by it, not counted
      tcp('10.1.2.3', 40100, '198.51.100.7', 22), // vpc-0000000b: 22/tcp
      tcp('10.0.1.6', 40002, '10.0.9.9', 3306), // inside vpc-0000000a: not counted
    ],
  },
  {
    account: '444455556666',
    format: V2_FORMAT,
    records: [
      tcp('10.0.1.5', 40000, '203.0.113.10', 443, { 'account-id': '444455556666' }), // the same addresses as 111122223333's: another connection
      tcp('10.0.1.7', 40003, '203.0.113.50', 8333, { 'account-id': '444455556666', packets: 20, bytes: 4000 }),
    ],
  },
  {
    account: '777788889999',
    format: V5_FORMAT,
    records: [
      { ...tcp('172.31.0.5', 40000, '93.184.216.34', 80), 'account-id': '777788889999', 'vpc-id': VPC_C, region: REGION, 'flow-direction': 'egress', 'traffic-path': 8, 'tcp-flags': 2 },
      { ...tcp('172.31.0.5', 40001, '172.31.0.9', 6379), 'account-id': '777788889999', 'vpc-id': VPC_C, region: REGION, 'flow-direction': 'egress', 'traffic-path': 1, 'tcp-flags': 2 },
      { ...tcp('93.184.216.34', 80, '172.31.0.5', 40000), 'account-id': '777788889999', 'vpc-id': VPC_C, region: REGION, 'flow-direction': 'ingress', 'tcp-flags': 18 },
    ],
  },
];

/** Writes the tree under `root` (its AWSLogs/ folder goes there) and returns `root`. */
export async function writeOrgTree(root: string): Promise<string> {
  for (const [index, file] of FILES.entries()) {
    const dir = join(root, ...s3DeliveryRegionSegments('plain', file.account, REGION), '2026', '11', '01');
    await mkdir(dir, { recursive: true });
    const name = s3DeliveryFileName(file.account, REGION, `fl-0${index}aaaa1111aaaa111`, new Date('2026-11-01T10:05:00Z'), `c0ffee0${index}`, '.log');
    const header = file.format.fields.map((f) => f.field).join(' ');
    await writeFile(join(dir, name), [header, ...file.records.map((r) => line(file.format, r))].join('\n') + '\n');
  }
  return root;
}
