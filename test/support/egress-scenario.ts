// A VPC with known egress, for the egress-rules proposal's tests (issue 23's "Must show"): v5 flow-log records of
// one hour written as the Firehose layout, the EC2 facts (interfaces and security group rules as the AWS CLI prints
// them), and the proposal's truth. VPC 10.0.0.0/16 (account 111122223333, eu-west-1) peers with the inventory's VPC
// 10.1.0.0/16. Three security groups:
//  - DEFAULT (allow-all egress) on i-web (10.0.1.10, subnet A): HTTPS to the internet through the NAT gateway (the
//    NAT's translated copy is logged too), S3 through a gateway endpoint (pkt-dst-aws-service S3, traffic-path 7),
//    8080, 8081 and 8082 to the app host in the VPC (logged on both ends), IRC 6667 to the internet;
//  - STALE on i-app (10.0.2.20, subnet B): HTTPS to the internet (traffic-path 8); its 3306 rule is never used;
//  - SHARED on i-db1 (10.0.1.30, subnet A) and i-db2 (10.0.2.40, subnet B): PostgreSQL to the peered VPC (traffic-path 4).
// And eni-...gone (EC2 no longer describes it): SSH to the internet, unassigned.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { EgressFacts, NetworkInterface } from '../../src/egress/egress-facts.js';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const VPC = 'vpc-0a0000000000000aa';
export const PEER_VPC = 'vpc-0b0000000000000bb';
export const VPC_CIDR = '10.0.0.0/16';
export const PEER_CIDR = '10.1.0.0/16';
export const END = new Date('2026-11-02T00:00:00Z');
const HOUR = '2026/11/01/10';
const START = Date.UTC(2026, 10, 1, 10, 5) / 1000;

export interface GroupIds {
  readonly default: string;
  readonly stale: string;
  readonly shared: string;
}

export const FIXED_GROUPS: GroupIds = { default: 'sg-0d000000000000001', stale: 'sg-0d000000000000002', shared: 'sg-0d000000000000003' };

export const ENI = {
  web: 'eni-0e000000000000001',
  app: 'eni-0e000000000000002',
  db1: 'eni-0e000000000000003',
  db2: 'eni-0e000000000000004',
  nat: 'eni-0e0000000000000aa',
  gone: 'eni-0e0000000000000ff',
} as const;
const SUBNET_A = 'subnet-0f000000000000001';
const SUBNET_B = 'subnet-0f000000000000002';
const ADDRESS = { web: '10.0.1.10', app: '10.0.2.20', db1: '10.0.1.30', db2: '10.0.2.40', nat: '10.0.0.220', gone: '10.0.3.3' } as const;
const INSTANCE = { web: 'i-0c000000000000001', app: 'i-0c000000000000002', db1: 'i-0c000000000000003', db2: 'i-0c000000000000004', gone: 'i-0c0000000000000ff' } as const;

/** One v5 record: the fields a test varies; the rest fixed (ACCEPT OK, this VPC, IPv4, eu-west-1). */
function v5In(region: string, eni: string, subnet: string, instance: string, src: string, dst: string, srcport: number, dstport: number, flags: number, direction: 'egress' | 'ingress', path: string, options: { pktSrc?: string; pktDst?: string; dstService?: string; bytes?: number } = {}): string {
  const fields = [
    5, ACCOUNT, eni, src, dst, srcport, dstport, 6, 10, options.bytes ?? 2000, START, START + 60, 'ACCEPT', 'OK', VPC, subnet, instance, flags, 'IPv4',
    options.pktSrc ?? src, options.pktDst ?? dst, region, `${region}-az1`, '-', '-', '-', options.dstService ?? '-', direction, path,
  ];
  return fields.join(' ');
}

/** A connection an instance opened: its egress record (SYN) and the reply on the same interface (SYN-ACK, ingress). */
function openedIn(region: string, who: keyof typeof INSTANCE, subnet: string, dst: string, srcport: number, dstport: number, path: string, options: { dstService?: string } = {}): string[] {
  const eni = ENI[who];
  return [
    v5In(region, eni, subnet, INSTANCE[who], ADDRESS[who], dst, srcport, dstport, 2, 'egress', path, options),
    v5In(region, eni, subnet, INSTANCE[who], dst, ADDRESS[who], dstport, srcport, 18, 'ingress', '-'),
  ];
}

type V5Args = Parameters<typeof v5In> extends [string, ...infer Rest] ? Rest : never;
type OpenedArgs = Parameters<typeof openedIn> extends [string, ...infer Rest] ? Rest : never;

/** The hour's records (see the header), in `region`. */
export function scenarioRecords(region = REGION): string[] {
  const opened = (...args: OpenedArgs) => openedIn(region, ...args);
  const v5 = (...args: V5Args) => v5In(region, ...args);
  const internet = '198.51.100.7';
  const s3 = '52.218.0.10';
  return [
    // i-web to the internet through the NAT gateway: the instance's records, then the NAT's (ingress addressed to it, translated egress).
    ...opened('web', SUBNET_A, internet, 40001, 443, '1'),
    v5(ENI.nat, SUBNET_A, '-', ADDRESS.web, ADDRESS.nat, 40001, 443, 2, 'ingress', '-', { pktDst: internet }),
    v5(ENI.nat, SUBNET_A, '-', ADDRESS.nat, internet, 60001, 443, 2, 'egress', '8'),
    v5(ENI.nat, SUBNET_A, '-', internet, ADDRESS.nat, 443, 60001, 18, 'ingress', '-'),
    ...opened('web', SUBNET_A, s3, 40002, 443, '7', { dstService: 'S3' }),
    ...opened('web', SUBNET_A, s3, 40003, 443, '7', { dstService: 'S3' }),
    // i-web to the app host: logged on the app's interface too (ingress), which the app did not open.
    ...[8080, 8081, 8082].flatMap((port, i) => [
      ...opened('web', SUBNET_A, ADDRESS.app, 41000 + i, port, '1'),
      v5(ENI.app, SUBNET_B, INSTANCE.app, ADDRESS.web, ADDRESS.app, 41000 + i, port, 2, 'ingress', '-'),
    ]),
    ...opened('web', SUBNET_A, '203.0.113.66', 42000, 6667, '8'),
    ...opened('app', SUBNET_B, '203.0.113.9', 43000, 443, '8'),
    ...opened('app', SUBNET_B, '203.0.113.9', 43001, 443, '8'),
    ...opened('db1', SUBNET_A, '10.1.5.5', 44000, 5432, '4'),
    ...opened('db2', SUBNET_B, '10.1.5.6', 45000, 5432, '4'),
    ...opened('db2', SUBNET_B, '10.1.5.6', 45001, 5432, '4'),
    ...opened('gone', SUBNET_A, '198.51.100.99', 46000, 22, '8'),
  ];
}

/** Writes the records under `dir` in the Firehose layout (one gzip file in the hour folder, no header line). */
export async function writeScenarioLogs(dir: string, lines: readonly string[] = scenarioRecords()): Promise<void> {
  await mkdir(join(dir, HOUR), { recursive: true });
  await writeFile(join(dir, HOUR, 'vpc-flow-logs-1-2026-11-01-10-05-00-0a1b2c3d-4e5f-6789-0abc-def012345678.gz'), gzipSync(`${lines.join('\n')}\n`));
}

/** The VPC inventory (YAML, as --vpcs reads it), in `region`. */
export const inventoryYaml = (region = REGION) =>
  [
    `- account: "${ACCOUNT}"`, `  region: ${region}`, `  vpc-id: ${VPC}`, `  cidrs: [${VPC_CIDR}]`,
    `- account: "${ACCOUNT}"`, `  region: ${region}`, `  vpc-id: ${PEER_VPC}`, `  cidrs: [${PEER_CIDR}]`,
  ].join('\n');

/** The allowlist (YAML): 443, 8080 and 5432 expected; 8081, 8082, 6667 not. */
export const ALLOWLIST_YAML = ['ports:', '  - { port: 443, protocol: tcp, reason: HTTPS }', '  - { port: 8080, protocol: tcp, reason: app }', '  - { port: 5432, protocol: tcp, reason: PostgreSQL }'].join('\n');

/** The interfaces and rules as `aws ec2 describe-network-interfaces` / `describe-security-group-rules` print them. */
export function scenarioFacts(groups: GroupIds = FIXED_GROUPS, region = REGION): EgressFacts {
  const nic = (who: keyof typeof ADDRESS, subnet: string, group: { id: string; name: string } | undefined, type = 'interface'): NetworkInterface => ({
    NetworkInterfaceId: ENI[who],
    AvailabilityZone: `${region}a`,
    OwnerId: ACCOUNT,
    PrivateIpAddress: ADDRESS[who],
    PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: ADDRESS[who] }],
    SubnetId: subnet,
    VpcId: VPC,
    Groups: group ? [{ GroupId: group.id, GroupName: group.name }] : [],
    ...(who === 'nat' ? {} : { Attachment: { InstanceId: INSTANCE[who as keyof typeof INSTANCE] } }),
    InterfaceType: type as NetworkInterface['InterfaceType'],
  });
  const rule = (id: string, group: string, ipProtocol: string, from: number, to: number, destination: { CidrIpv4?: string; CidrIpv6?: string }) => ({
    SecurityGroupRuleId: id, GroupId: group, GroupOwnerId: ACCOUNT, IsEgress: true, IpProtocol: ipProtocol, FromPort: from, ToPort: to, ...destination,
  });
  return {
    interfaces: [
      nic('web', SUBNET_A, { id: groups.default, name: 'web' }),
      nic('app', SUBNET_B, { id: groups.stale, name: 'app' }),
      nic('db1', SUBNET_A, { id: groups.shared, name: 'db' }),
      nic('db2', SUBNET_B, { id: groups.shared, name: 'db' }),
      nic('nat', SUBNET_A, undefined, 'natGateway'),
    ],
    securityGroupRules: [
      rule('sgr-0a000000000000001', groups.default, '-1', -1, -1, { CidrIpv4: '0.0.0.0/0' }),
      { SecurityGroupRuleId: 'sgr-0a000000000000009', GroupId: groups.default, IsEgress: false, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIpv4: '0.0.0.0/0' },
      rule('sgr-0a000000000000002', groups.stale, 'tcp', 443, 443, { CidrIpv4: '0.0.0.0/0' }),
      rule('sgr-0a000000000000003', groups.stale, 'tcp', 3306, 3306, { CidrIpv4: VPC_CIDR }),
      rule('sgr-0a000000000000004', groups.shared, 'tcp', 0, 65535, { CidrIpv4: '0.0.0.0/0' }),
      rule('sgr-0a000000000000005', groups.shared, 'udp', 53, 53, { CidrIpv4: '10.0.0.2/32' }),
    ],
  };
}
