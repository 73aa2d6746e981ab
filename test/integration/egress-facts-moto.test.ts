// The egress-rules proposal's facts from EC2 (issue 23) against a real moto_server: the network interfaces of the
// audited VPCs with their security groups (ec2:DescribeNetworkInterfaces, filter vpc-id) and those groups' rules
// (ec2:DescribeSecurityGroupRules, filter group-id), in the audited account and in a member account reached with
// its own credentials (moto keeps an assumed account's resources apart). Another VPC's interfaces and a group no
// audited interface carries are left out. moto answers every Describe in one page, whatever MaxResults says; EC2
// may answer in several (a NextToken), so a middleware on the test's clients cuts moto's answer into pages of
// two, and the look-up must follow them. The refusals moto cannot produce use fake clients.
import { describe, expect, test } from '@jest/globals';
import {
  AuthorizeSecurityGroupEgressCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { createEc2Client } from '../../src/aws/clients.js';
import { FILTER_VALUES_PER_REQUEST } from '../../src/aws/ec2-filters.js';
import { describeEgressFacts, type EgressFactsLookupInput } from '../../src/aws/egress-facts-lookup.js';
import { AwsAccessError } from '../../src/aws/errors.js';
import type { ReachedRegion } from '../../src/aws/vpc-inventory-lookup.js';
import { awsError, fakeClient, recordingLogger } from '../support/fake-aws.js';
import { TEST_AWS_ENV } from '../support/moto.js';
import { motoForFile } from '../support/moto-for-file.js';

const aws = motoForFile();
const MEMBER = '222233334444';
const region = TEST_AWS_ENV.AWS_REGION;
/** Items per page of the paging middleware. */
const PAGE = 2;

/** The list each paginated Describe answers with. */
const LISTS: Record<string, 'NetworkInterfaces' | 'SecurityGroupRules'> = {
  DescribeNetworkInterfacesCommand: 'NetworkInterfaces',
  DescribeSecurityGroupRulesCommand: 'SecurityGroupRules',
};

interface PagedCall {
  readonly command: string;
  readonly filterValues: readonly string[];
  readonly nextToken?: string;
}

/**
 * An EC2 client on moto whose DescribeNetworkInterfaces / DescribeSecurityGroupRules answers come in pages of PAGE
 * items with a NextToken (the offset of the next page), as EC2 may answer; every such call is recorded.
 */
function pagedEc2(credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' } as { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
  const ec2 = createEc2Client({ region, endpoint: aws.moto.endpoint, credentials });
  const calls: PagedCall[] = [];
  ec2.middlewareStack.add(
    (next, context) => async (args) => {
      const list = LISTS[context.commandName as string];
      if (!list) return next(args);
      const { NextToken, MaxResults, ...rest } = args.input as { NextToken?: string; MaxResults?: number; Filters?: { Values?: string[] }[] };
      expect(MaxResults).toBe(1000);
      calls.push({ command: context.commandName as string, filterValues: rest.Filters?.[0]?.Values ?? [], ...(NextToken ? { nextToken: NextToken } : {}) });
      const result = await next({ ...args, input: rest });
      const output = result.output as unknown as Record<string, unknown>;
      const items = (output[list] as unknown[]) ?? [];
      const start = NextToken ? Number(NextToken) : 0;
      const more = start + PAGE < items.length;
      return { ...result, output: { ...output, [list]: items.slice(start, start + PAGE), NextToken: more ? String(start + PAGE) : undefined } } as unknown as typeof result;
    },
    { step: 'initialize', name: 'motoPages' },
  );
  return { ec2, calls };
}

/** A VPC with one subnet; their ids. */
async function vpcWithSubnet(ec2: EC2Client, cidr: string): Promise<{ vpcId: string; subnetId: string }> {
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc!.VpcId!;
  const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr.replace(/\.0\.0\/16$/, '.1.0/24') }))).Subnet!.SubnetId!;
  return { vpcId, subnetId };
}

const group = async (ec2: EC2Client, vpcId: string, name: string) =>
  (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: name, Description: name }))).GroupId!;
const eni = async (ec2: EC2Client, subnetId: string, groups: string[]) =>
  (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, ...(groups.length ? { Groups: groups } : {}) }))).NetworkInterface!.NetworkInterfaceId!;

/** `group-id -> ["egress tcp 443-443 0.0.0.0/0", ...]`, sorted: what the rules say, readable in an assertion. */
function rulesByGroup(rules: readonly SecurityGroupRule[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const rule of rules) {
    const target = rule.CidrIpv4 ?? rule.CidrIpv6 ?? rule.PrefixListId ?? rule.ReferencedGroupInfo?.GroupId;
    (out[rule.GroupId!] ??= []).push(`${rule.IsEgress ? 'egress' : 'ingress'} ${rule.IpProtocol} ${rule.FromPort}-${rule.ToPort} ${target}`);
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

const input = (reached: ReachedRegion[], vpcIds: EgressFactsLookupInput['vpcIds'], overrides: Partial<EgressFactsLookupInput> = {}): EgressFactsLookupInput => ({
  reached,
  vpcIds,
  memberRoleName: 'vpc-port-audit-member',
  log: recordingLogger(),
  ...overrides,
});

describe('describeEgressFacts on moto', () => {
  test("the audited VPC's interfaces with their groups, and the rules of exactly those groups, over several pages", async () => {
    const account = (await aws.clients.sts.send(new GetCallerIdentityCommand({}))).Account!;
    const { ec2, calls } = pagedEc2();
    const audited = await vpcWithSubnet(ec2, '10.0.0.0/16');
    const web = await group(ec2, audited.vpcId, 'web');
    const db = await group(ec2, audited.vpcId, 'db');
    const idle = await group(ec2, audited.vpcId, 'idle');
    await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: web, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: idle, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    const webOnly = await eni(ec2, audited.subnetId, [web]);
    const webAndDb = await eni(ec2, audited.subnetId, [web, db]);
    const dbOnly = await eni(ec2, audited.subnetId, [db]);
    // Another VPC of the same account, not audited: its interface and its group stay out.
    const other = await vpcWithSubnet(ec2, '10.9.0.0/16');
    const otherGroup = await group(ec2, other.vpcId, 'other');
    await eni(ec2, other.subnetId, [otherGroup]);
    const log = recordingLogger();

    const facts = await describeEgressFacts(input([{ account, region, ec2 }], () => [audited.vpcId], { log }));

    expect(facts.interfaces.map((i) => i.NetworkInterfaceId).sort()).toEqual([webOnly, webAndDb, dbOnly].sort());
    const groupsOf = Object.fromEntries(facts.interfaces.map((i) => [i.NetworkInterfaceId, (i.Groups ?? []).map((g) => g.GroupId).sort()]));
    expect(groupsOf).toEqual({ [webOnly]: [web], [webAndDb]: [web, db].sort(), [dbOnly]: [db] });
    expect(facts.interfaces.every((i) => i.VpcId === audited.vpcId && i.SubnetId === audited.subnetId)).toBe(true);
    // Each group's rules once, egress (the default allow-all, and web's 443) as EC2 keeps them; no idle or other group.
    expect(rulesByGroup(facts.securityGroupRules)).toEqual({
      [web]: ['egress -1 -1--1 0.0.0.0/0', 'egress tcp 443-443 0.0.0.0/0'],
      [db]: ['egress -1 -1--1 0.0.0.0/0'],
    });
    expect(new Set(facts.securityGroupRules.map((r) => r.SecurityGroupRuleId)).size).toBe(facts.securityGroupRules.length);
    // Three interfaces and three rules: two pages each, the second asked for with the first's NextToken.
    expect(calls).toEqual([
      { command: 'DescribeNetworkInterfacesCommand', filterValues: [audited.vpcId] },
      { command: 'DescribeNetworkInterfacesCommand', filterValues: [audited.vpcId], nextToken: '2' },
      { command: 'DescribeSecurityGroupRulesCommand', filterValues: [web, db] },
      { command: 'DescribeSecurityGroupRulesCommand', filterValues: [web, db], nextToken: '2' },
    ]);
    expect(log.lines).toEqual([{ level: 'info', message: `Egress facts of account ${account} in ${region}: 3 network interface(s) in 1 VPC(s), 3 rule(s) of 2 security group(s).` }]);
  });

  test("a member account's interfaces and rules are read with its own client, beside the audited account's", async () => {
    const account = (await aws.clients.sts.send(new GetCallerIdentityCommand({}))).Account!;
    const own = pagedEc2();
    const { Credentials } = await aws.clients.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${MEMBER}:role/vpc-port-audit-member`, RoleSessionName: 'test' }));
    const member = pagedEc2({ accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! });
    // The same CIDR in both accounts, as organisations do.
    const ownVpc = await vpcWithSubnet(own.ec2, '10.0.0.0/16');
    const memberVpc = await vpcWithSubnet(member.ec2, '10.0.0.0/16');
    const ownGroup = await group(own.ec2, ownVpc.vpcId, 'app');
    const memberGroup = await group(member.ec2, memberVpc.vpcId, 'app');
    const ownEni = await eni(own.ec2, ownVpc.subnetId, [ownGroup]);
    const memberEni = await eni(member.ec2, memberVpc.subnetId, [memberGroup]);
    const reached: ReachedRegion[] = [
      { account, region, ec2: own.ec2 },
      { account: MEMBER, region, ec2: member.ec2 },
    ];

    const facts = await describeEgressFacts(input(reached, (place) => (place.account === MEMBER ? [memberVpc.vpcId] : [ownVpc.vpcId])));

    expect(facts.interfaces.map((i) => [i.NetworkInterfaceId, i.OwnerId])).toEqual([
      [ownEni, account],
      [memberEni, MEMBER],
    ]);
    expect(Object.keys(rulesByGroup(facts.securityGroupRules))).toEqual([ownGroup, memberGroup]);
    expect(member.calls.map((c) => c.filterValues)).toEqual([[memberVpc.vpcId], [memberGroup]]);
  });

  test('more VPC ids than one filter takes go in several requests; a place with none is not asked', async () => {
    const account = (await aws.clients.sts.send(new GetCallerIdentityCommand({}))).Account!;
    const { ec2, calls } = pagedEc2();
    const audited = await vpcWithSubnet(ec2, '10.0.0.0/16');
    const found = await eni(ec2, audited.subnetId, []);
    const gone = Array.from({ length: FILTER_VALUES_PER_REQUEST }, (_, i) => `vpc-${i.toString(16).padStart(17, '0')}`);
    const idle = pagedEc2();

    const facts = await describeEgressFacts(input([{ account, region, ec2 }, { account: MEMBER, region: 'eu-west-1', ec2: idle.ec2 }], (place) => (place.ec2 === ec2 ? [...gone, audited.vpcId, gone[0]!] : [])));

    expect(facts.interfaces.map((i) => i.NetworkInterfaceId)).toEqual([found]);
    const describes = calls.filter((c) => c.command === 'DescribeNetworkInterfacesCommand');
    expect(describes.map((c) => c.filterValues.length)).toEqual([FILTER_VALUES_PER_REQUEST, 1]);
    expect(describes[1]!.filterValues).toEqual([audited.vpcId]);
    // The interface carries the VPC's default group (EC2 gives one when none is named): its rules are read.
    expect(calls.filter((c) => c.command === 'DescribeSecurityGroupRulesCommand').map((c) => c.filterValues)).toEqual([facts.interfaces[0]!.Groups!.map((g) => g.GroupId)]);
    expect(idle.calls).toEqual([]);
  });
});

describe('describeEgressFacts refused', () => {
  /** A real EC2Client (the SDK's paginators need one) whose send is a fake's. */
  function refusing(handlers: Parameters<typeof fakeClient>[0]): EC2Client {
    const { client } = fakeClient<EC2Client>(handlers);
    const ec2 = new EC2Client({ region });
    ec2.send = client.send as EC2Client['send'];
    return ec2;
  }
  const denied = (action: string) => () => {
    throw awsError('UnauthorizedOperation', `You are not authorized to perform this operation. User is not authorized to perform: ${action}`);
  };

  test("the audited account's refusal names the permission, the account and the workflow's role", async () => {
    const ec2 = refusing({ DescribeNetworkInterfacesCommand: denied('ec2:DescribeNetworkInterfaces') });
    const failure = describeEgressFacts(input([{ account: '111122223333', region, ec2 }], () => ['vpc-0a1b2c3d4e5f67890']));
    await expect(failure).rejects.toThrow(AwsAccessError);
    await expect(failure).rejects.toThrow(
      /^egress-rules: AWS denied ec2:DescribeNetworkInterfaces in account 111122223333 \(us-east-1\) to the role the workflow assumes \(You are not authorized .*\); update the bootstrap stack \(cfn\/github-oidc-role\.yaml grants it to both roles\), or set egress-rules to false\.$/,
    );
  });

  test("a member account's refusal names the member role", async () => {
    const own = refusing({ DescribeNetworkInterfacesCommand: () => ({ NetworkInterfaces: [] }) });
    const member = refusing({
      DescribeNetworkInterfacesCommand: () => ({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0a1b2c3d4e5f67890', Groups: [{ GroupId: 'sg-0a1b2c3d4e5f67890' }] }] }),
      DescribeSecurityGroupRulesCommand: denied('ec2:DescribeSecurityGroupRules'),
    });
    const reached = [
      { account: '111122223333', region, ec2: own },
      { account: MEMBER, region: 'eu-west-1', ec2: member },
    ];
    await expect(describeEgressFacts(input(reached, () => ['vpc-0a1b2c3d4e5f67890']))).rejects.toThrow(
      /^egress-rules: AWS denied ec2:DescribeSecurityGroupRules in account 222233334444 \(eu-west-1\) to the member role vpc-port-audit-member \(.*\); update that account's member-role stack \(cfn\/member-role\.yaml grants it\), or set egress-rules to false\.$/,
    );
  });

  test('an error that is no refusal passes through unchanged', async () => {
    const throttled = awsError('RequestLimitExceeded', 'Request limit exceeded.');
    const ec2 = refusing({
      DescribeNetworkInterfacesCommand: () => {
        throw throttled;
      },
    });
    await expect(describeEgressFacts(input([{ account: '111122223333', region, ec2 }], () => ['vpc-0a1b2c3d4e5f67890']))).rejects.toBe(throttled);
  });
});
