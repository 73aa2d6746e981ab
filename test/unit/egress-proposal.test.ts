// buildProposal and the code renderers on hand-made observed-egress rows, for what the scenario of
// test/integration/egress-proposal.test.ts does not hold: ICMP, IPv6 and portless protocols, a current rule whose
// use cannot be told, a prefix list whose id is known, records an interface received (formats without
// flow-direction), an interface with two groups, one with none; the CloudFormation of those passes cfn-lint.
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import type { EgressFacts } from '../../src/egress/egress-facts.js';
import type { ObservedEgressRow } from '../../src/egress/observed-egress.js';
import { buildProposal } from '../../src/egress/proposal.js';
import { renderCloudFormation, renderTerraform } from '../../src/egress/egress-code.js';
import { windowEndingAt } from '../../src/flowlog/layout.js';

const WINDOW = windowEndingAt(new Date('2026-11-08T00:00:00Z'), 7 * 24);
const A = 'eni-0a0000000000000a1';
const B = 'eni-0a0000000000000b2';
const NAT = 'eni-0a0000000000000c3';
const row = (over: Partial<ObservedEgressRow>): ObservedEgressRow => ({
  account: '111122223333', region: 'eu-west-1', vpcId: 'vpc-0a0000000000000aa', interfaceId: A, sourceAddress: '10.0.1.10',
  port: 443, protocol: 6, destinationKind: 'internet', destination: '0.0.0.0/0', connections: 1, flows: 1, bytes: 100, peers: 1, ...over,
});
const facts: EgressFacts = {
  interfaces: [
    { NetworkInterfaceId: A, VpcId: 'vpc-0a0000000000000aa', PrivateIpAddress: '10.0.1.10', Ipv6Addresses: [{ Ipv6Address: '2600:1f18:47b:a901::10' }], Groups: [{ GroupId: 'sg-0a0000000000000a1', GroupName: 'a' }, { GroupId: 'sg-0a0000000000000a2', GroupName: 'b' }] },
    { NetworkInterfaceId: B, VpcId: 'vpc-0a0000000000000aa', PrivateIpAddress: '10.0.2.20', Groups: [{ GroupId: 'sg-0a0000000000000a2', GroupName: 'b' }] },
    { NetworkInterfaceId: NAT, VpcId: 'vpc-0a0000000000000aa', PrivateIpAddress: '10.0.0.220', InterfaceType: 'natGateway', Groups: [] },
  ],
  securityGroupRules: [
    { SecurityGroupRuleId: 'sgr-1', GroupId: 'sg-0a0000000000000a1', IsEgress: true, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIpv4: '52.0.0.0/8' },
    { SecurityGroupRuleId: 'sgr-2', GroupId: 'sg-0a0000000000000a1', IsEgress: true, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, PrefixListId: 'pl-0123456789abcdef0' },
    { SecurityGroupRuleId: 'sgr-3', GroupId: 'sg-0a0000000000000a1', IsEgress: true, IpProtocol: 'icmp', FromPort: -1, ToPort: -1, CidrIpv4: '0.0.0.0/0' },
    { SecurityGroupRuleId: 'sgr-4', GroupId: 'sg-0a0000000000000a2', IsEgress: true, IpProtocol: '-1', CidrIpv6: '::/0' },
  ],
};
const rows = [
  row({}),
  row({ destinationKind: 'aws-service', destination: 'S3', connections: 2 }),
  row({ protocol: 1, port: 0, destination: '0.0.0.0/0' }),
  row({ protocol: 47, port: 0, destination: '0.0.0.0/0' }),
  row({ sourceAddress: '2600:1f18:47b:a901::10', destination: '::/0', port: 443 }),
  // Received by B (a format without flow-direction logs the connection A opened on B's interface too): not B's egress.
  row({ interfaceId: B, sourceAddress: '10.0.1.10', destinationKind: 'vpc', destination: '10.0.0.0/16', port: 5432 }),
  row({ interfaceId: B, sourceAddress: '10.0.2.20', port: 123, protocol: 17 }),
  row({ interfaceId: NAT, sourceAddress: '10.0.0.220', port: 443 }),
];
const ids = new Map([['com.amazonaws.eu-west-1.s3', 'pl-0123456789abcdef0']]);
const proposal = buildProposal(rows, facts, { window: WINDOW, prefixListIds: ids });

describe('buildProposal', () => {
  test('a week is safe against the default 7 days, unless the flow logs cover less of it', () => {
    expect(proposal).toMatchObject({ windowDays: 7, safeToApply: true, notSafeReason: null });
    const gaps = buildProposal(rows, facts, { window: WINDOW, coveredHours: 100 });
    expect(gaps).toMatchObject({ windowDays: 7, safeToApply: false });
    expect(gaps.notSafeReason).toMatch(/^the flow logs cover 100 hours of the 7 days window, shorter than the 7 days asked for/);
  });

  test('ICMP and protocol 47 as portless rules, IPv6 to ::/0, S3 with its known prefix-list id', () => {
    const a = proposal.groups.find((g) => g.groupId === 'sg-0a0000000000000a1')!;
    expect(a.rules.map((r) => [r.protocol, r.fromPort, r.toPort, r.destination.kind === 'aws-service' ? r.destination.prefixListId : r.destination.cidr])).toEqual([
      [6, 443, 443, 'pl-0123456789abcdef0'],
      [1, null, null, '0.0.0.0/0'],
      [6, 443, 443, '0.0.0.0/0'],
      [47, null, null, '0.0.0.0/0'],
      [6, 443, 443, '::/0'],
    ]);
  });

  test('current rules: a narrower internet block is not known, the known prefix list and ICMP rule used', () => {
    const a = proposal.groups.find((g) => g.groupId === 'sg-0a0000000000000a1')!;
    expect(a.currentRules.map((r) => [r.ruleId, r.usage])).toEqual([['sgr-1', 'not known'], ['sgr-2', 'used'], ['sgr-3', 'used']]);
    expect(a.verdict).toBe('its 3 current egress rules all carried traffic or may have; these 5 rules allow exactly what was observed');
  });

  test('what B received is not its egress; the interface with two groups is in both, with a note; the NAT gateway is unassigned', () => {
    const b = proposal.groups.find((g) => g.groupId === 'sg-0a0000000000000a2')!;
    expect(b.members.map((m) => m.interfaceId)).toEqual([A, B]);
    expect(b.rules.some((r) => r.fromPort === 5432)).toBe(false);
    expect(b.rules.some((r) => r.protocol === 17 && r.fromPort === 123 && r.interfaces.join() === B)).toBe(true);
    expect(proposal.notes).toContain(`${A} carries 2 security groups (sg-0a0000000000000a1, sg-0a0000000000000a2); its traffic is proposed in each, and one of them is enough.`);
    expect(proposal.unassigned.map((u) => [u.interfaceId, u.why])).toEqual([[NAT, 'has no security group (natGateway)']]);
  });
});

describe('code for portless, ICMP and IPv6 rules', () => {
  test('CloudFormation: ICMP -1/-1, protocol 47 without ports, CidrIpv6, the known prefix-list id; cfn-lint finds nothing', () => {
    const template = renderCloudFormation(proposal);
    expect(template).toMatch(/IpProtocol: icmp\n\s+FromPort: -1\n\s+ToPort: -1/);
    expect(template).toMatch(/IpProtocol: "47"\n\s+CidrIp: 0\.0\.0\.0\/0/);
    expect(template).toContain('CidrIpv6: ::/0');
    expect(template).toContain('DestinationPrefixListId: pl-0123456789abcdef0');
    expect(template).not.toContain('Parameters:');
    const run = spawnSync('cfn-lint', ['--format', 'parseable'], { input: template, encoding: 'utf8' });
    if (run.error) throw new Error(`cfn-lint could not be run: ${run.error.message}`);
    expect({ status: run.status, findings: run.stdout.trim() }).toEqual({ status: 0, findings: '' });
  }, 60_000);

  test('Terraform: the same rules, no data source when the prefix-list id is known', () => {
    const tf = renderTerraform(proposal);
    expect(tf).not.toContain('data "aws_ec2_managed_prefix_list"');
    expect(tf).toContain('prefix_list_id    = "pl-0123456789abcdef0"');
    expect(tf).toMatch(/ip_protocol {7}= "icmp"\n {2}from_port {9}= -1\n {2}to_port {11}= -1/);
    expect(tf).toMatch(/ip_protocol {7}= "47"\n {2}cidr_ipv4 {9}= "0\.0\.0\.0\/0"/);
    expect(tf).toContain('cidr_ipv6         = "::/0"');
  });
});
