// The action's VPC inventory and REJECT-only look-ups against a real moto_server, with two accounts: the audited
// one (moto's default, the caller) and a member account reached through sts:AssumeRole on its member role
// (moto keeps each assumed account's resources apart). Two VPCs of different accounts share 10.0.0.0/16;
// the vpcs-file entry wins over the look-up; one VPC id under two accounts is bad input; REJECT-only flow
// logs are found in both accounts. The refusals moto cannot produce (a role that cannot be assumed, a role
// without ec2:DescribeFlowLogs) use fake clients.
import { describe, expect, test } from '@jest/globals';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateFlowLogsCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createEc2Client } from '../../src/aws/clients.js';
import { lookUpVpcInventory, mergeInventory, MEMBER_SESSION_SECONDS, type InventoryLookupInput, type MemberCredentials } from '../../src/aws/vpc-inventory-lookup.js';
import { lookUpRejectOnlyVpcs } from '../../src/aws/flow-log-traffic.js';
import { parseVpcInventory } from '../../src/audit/vpc-inventory.js';
import { rejectOnlyNotice } from '../../src/audit/reject-only.js';
import { InputError } from '../../src/input-error.js';
import { awsError, fakeClient, recordingLogger } from '../support/fake-aws.js';
import { TEST_AWS_ENV } from '../support/moto.js';
import { motoForFile } from '../support/moto-for-file.js';

const aws = motoForFile();
const MEMBER = '222233334444';
const ROLE = 'vpc-port-audit-member';
const region = TEST_AWS_ENV.AWS_REGION;

const ec2For = (r: string, credentials?: MemberCredentials) => createEc2Client({ region: r, endpoint: aws.moto.endpoint, credentials: credentials ?? { accessKeyId: 'testing', secretAccessKey: 'testing' } });

/** The member account's EC2 and S3, as its own administrator would use them (moto: an assumed role's account). */
async function memberClients(): Promise<{ ec2: EC2Client; s3: S3Client }> {
  const { Credentials } = await aws.clients.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${MEMBER}:role/admin`, RoleSessionName: 'setup' }));
  const credentials = { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! };
  return {
    ec2: ec2For(region, credentials),
    s3: new S3Client({ region, endpoint: aws.moto.endpoint, forcePathStyle: true, credentials }),
  };
}

/** A VPC with the given blocks and, when `trafficType` is given, one flow log of that type delivered to S3. */
async function vpcWithFlowLog(ec2: EC2Client, s3: S3Client, cidr: string, trafficType?: 'ACCEPT' | 'REJECT' | 'ALL', ipv6 = false): Promise<string> {
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr, AmazonProvidedIpv6CidrBlock: ipv6 }))).Vpc!.VpcId!;
  if (trafficType) {
    const bucket = `flow-logs-${vpcId}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await ec2.send(new CreateFlowLogsCommand({ ResourceIds: [vpcId], ResourceType: 'VPC', TrafficType: trafficType, LogDestinationType: 's3', LogDestination: `arn:aws:s3:::${bucket}` }));
  }
  return vpcId;
}

function lookupInput(file: string, overrides: Partial<InventoryLookupInput> = {}): InventoryLookupInput {
  return {
    sts: aws.clients.sts,
    ec2: aws.clients.ec2,
    region,
    file: file ? parseVpcInventory(file, '.github/vpcs.yml') : [],
    memberRoleName: ROLE,
    sessionName: 'vpc-port-audit-42',
    ec2For,
    log: recordingLogger(),
    ...overrides,
  };
}

describe('lookUpVpcInventory', () => {
  test('file entries win, the audited and the member account are looked up, and two accounts may share a CIDR', async () => {
    const audited = (await aws.clients.sts.send(new GetCallerIdentityCommand({}))).Account!;
    const own = await vpcWithFlowLog(aws.clients.ec2, aws.clients.s3, '10.0.0.0/16', 'ALL', true);
    const member = await memberClients();
    const memberVpc = await vpcWithFlowLog(member.ec2, member.s3, '10.0.0.0/16', 'REJECT');
    const listed = await vpcWithFlowLog(member.ec2, member.s3, '10.1.0.0/16');
    const file = `- account: "${MEMBER}"\n  region: ${region}\n  vpc-id: ${listed}\n  cidrs: [10.1.0.0/24]\n`;

    const { inventory, account, reached } = await lookUpVpcInventory(lookupInput(file));

    expect(account).toBe(audited);
    expect(reached.map((place) => `${place.account}/${place.region}`)).toEqual([`${audited}/${region}`, `${MEMBER}/${region}`]);
    const byId = new Map(inventory.map((vpc) => [vpc.vpcId, vpc]));
    // The file's entry first, as written (its /24, not the VPC's /16).
    expect(inventory[0]).toEqual({ account: MEMBER, region, vpcId: listed, cidrs: [expect.objectContaining({ text: '10.1.0.0/24' })] });
    expect(inventory.filter((vpc) => vpc.vpcId === listed)).toHaveLength(1);
    // The audited VPC with its associated IPv4 and IPv6 blocks; the member's VPC on the same IPv4 block, apart.
    expect(byId.get(own)?.account).toBe(audited);
    expect(byId.get(own)?.cidrs.map((c) => c.text)).toEqual(['10.0.0.0/16', expect.stringMatching(/^[0-9a-f:]+::\/56$/)]);
    expect(byId.get(memberVpc)).toEqual({ account: MEMBER, region, vpcId: memberVpc, cidrs: [expect.objectContaining({ text: '10.0.0.0/16' })] });
  });

  test('without member-role-name only the audited account is looked up; the other accounts come from the file', async () => {
    const member = await memberClients();
    const memberVpc = await vpcWithFlowLog(member.ec2, member.s3, '10.0.0.0/16');
    const file = `- account: "${MEMBER}"\n  region: eu-west-1\n  vpc-id: vpc-0a1b2c3d4e5f67890\n  cidrs: [10.9.0.0/16]\n`;
    const log = recordingLogger();
    const { inventory, reached } = await lookUpVpcInventory(lookupInput(file, { memberRoleName: undefined, log }));
    expect(reached).toHaveLength(1);
    expect(inventory.map((vpc) => vpc.vpcId)).toContain('vpc-0a1b2c3d4e5f67890');
    expect(inventory.map((vpc) => vpc.vpcId)).not.toContain(memberVpc);
    expect(log.text()).toContain(`member-role-name is empty: the VPCs of account(s) ${MEMBER} come from vpcs-file alone.`);
  });

  test('a VPC the file lists under one account and EC2 finds under another is bad input, one sentence naming both', async () => {
    const own = await vpcWithFlowLog(aws.clients.ec2, aws.clients.s3, '10.0.0.0/16');
    const file = `- account: "${MEMBER}"\n  region: ${region}\n  vpc-id: ${own}\n  cidrs: [10.0.0.0/16]\n`;
    const failure = lookUpVpcInventory(lookupInput(file));
    await expect(failure).rejects.toThrow(InputError);
    await expect(failure).rejects.toThrow(new RegExp(`^vpcs-file: ${own} is under account ${MEMBER} in vpcs-file, but ec2:DescribeVpcs finds it in account \\d{12}; a VPC id belongs to one account`));
  });

  test('a member role that cannot be assumed fails with one sentence naming the account and the role', async () => {
    const { client: sts, calls } = fakeClient<STSClient>({
      GetCallerIdentityCommand: () => ({ Account: '123456789012', Arn: 'arn:aws-us-gov:sts::123456789012:assumed-role/audit/run' }),
      AssumeRoleCommand: () => {
        throw awsError('AccessDenied', 'User is not authorized to perform: sts:AssumeRole');
      },
    });
    const file = `- account: "${MEMBER}"\n  region: ${region}\n  vpc-id: vpc-0a1b2c3d4e5f67890\n  cidrs: [10.9.0.0/16]\n`;
    const failure = lookUpVpcInventory(lookupInput(file, { sts }));
    await expect(failure).rejects.toThrow(
      `member-role-name: the audit role could not assume arn:aws-us-gov:iam::${MEMBER}:role/${ROLE} in account ${MEMBER} (User is not authorized to perform: sts:AssumeRole); deploy cfn/member-role.yaml there`,
    );
    expect(calls.find((call) => call.name === 'AssumeRoleCommand')?.input).toEqual({
      RoleArn: `arn:aws-us-gov:iam::${MEMBER}:role/${ROLE}`,
      RoleSessionName: 'vpc-port-audit-42',
      DurationSeconds: MEMBER_SESSION_SECONDS,
    });
  });

  test('a role without ec2:DescribeVpcs gets a warning naming the account, and the file stands alone', async () => {
    const { client } = fakeClient<EC2Client>({
      DescribeVpcsCommand: () => {
        throw awsError('UnauthorizedOperation', 'You are not authorized to perform: ec2:DescribeVpcs');
      },
    });
    const refusing = new EC2Client({ region });
    refusing.send = client.send as EC2Client['send'];
    const log = recordingLogger();
    const file = `- account: "${MEMBER}"\n  region: ${region}\n  vpc-id: vpc-0a1b2c3d4e5f67890\n  cidrs: [10.9.0.0/16]\n`;
    const { inventory } = await lookUpVpcInventory(lookupInput(file, { ec2: refusing, memberRoleName: undefined, log }));
    expect(inventory.map((vpc) => vpc.vpcId)).toEqual(['vpc-0a1b2c3d4e5f67890']);
    expect(log.lines.filter((line) => line.level === 'warning')).toEqual([
      { level: 'warning', message: expect.stringMatching(/^AWS denied describing the VPCs of account \d{12} in us-east-1 .*Until then the VPCs of account \d{12} in us-east-1 come from vpcs-file alone\.$/) },
    ]);
  });
});

describe('mergeInventory', () => {
  test('a VPC shared with two looked-up accounts (listed under its owner both times) counts once', () => {
    const cidrs = parseVpcInventory('- {account: "111122223333", region: eu-west-1, vpc-id: vpc-0a1b2c3d, cidrs: [10.0.0.0/16]}\n', 'x')[0]!.cidrs;
    const vpc = { account: '111122223333', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d', cidrs };
    expect(mergeInventory([], [vpc, { ...vpc }])).toEqual([vpc]);
    expect(() => mergeInventory([], [vpc, { ...vpc, account: MEMBER }])).toThrow(/^vpcs-file: vpc-0a1b2c3d is under account 111122223333 in ec2:DescribeVpcs, but ec2:DescribeVpcs finds it in account 222233334444/);
  });
});

describe('lookUpRejectOnlyVpcs', () => {
  test('VPCs whose flow logs record REJECT only, in the audited and the member account; ALL or ACCEPT beside REJECT is auditable', async () => {
    const member = await memberClients();
    const rejectOnly = await vpcWithFlowLog(aws.clients.ec2, aws.clients.s3, '10.0.0.0/16', 'REJECT');
    const both = await vpcWithFlowLog(aws.clients.ec2, aws.clients.s3, '10.1.0.0/16', 'REJECT');
    await aws.clients.s3.send(new CreateBucketCommand({ Bucket: 'accept-logs' }));
    await aws.clients.ec2.send(new CreateFlowLogsCommand({ ResourceIds: [both], ResourceType: 'VPC', TrafficType: 'ACCEPT', LogDestinationType: 's3', LogDestination: 'arn:aws:s3:::accept-logs' }));
    const all = await vpcWithFlowLog(aws.clients.ec2, aws.clients.s3, '10.2.0.0/16', 'ALL');
    const none = await vpcWithFlowLog(aws.clients.ec2, aws.clients.s3, '10.3.0.0/16');
    const memberReject = await vpcWithFlowLog(member.ec2, member.s3, '10.0.0.0/16', 'REJECT');
    const { inventory, reached } = await lookUpVpcInventory(lookupInput(`- {account: "${MEMBER}", region: ${region}, vpc-id: ${memberReject}, cidrs: [10.0.0.0/16]}\n`));
    const log = recordingLogger();

    const units = await lookUpRejectOnlyVpcs(reached, (place) => inventory.filter((vpc) => vpc.account === place.account && vpc.region === place.region).map((vpc) => vpc.vpcId), log);

    const audited = reached[0]!.account;
    expect(units).toEqual([
      { account: audited, region, vpcId: rejectOnly },
      { account: MEMBER, region, vpcId: memberReject },
    ]);
    expect([all, none, both].some((id) => units.some((unit) => unit.vpcId === id))).toBe(false);
    expect(rejectOnlyNotice(units[1]!)).toBe(`${memberReject} (${MEMBER}, ${region}) cannot be audited for outbound ports: its flow log records REJECT only.`);
    expect(log.lines).toEqual([]);
  });

  test('a role without ec2:DescribeFlowLogs gets a warning naming the account, and the look-up goes on', async () => {
    const { client } = fakeClient<EC2Client>({
      DescribeFlowLogsCommand: () => {
        throw awsError('UnauthorizedOperation', 'You are not authorized to perform: ec2:DescribeFlowLogs');
      },
    });
    const refusing = new EC2Client({ region });
    refusing.send = client.send as EC2Client['send'];
    const log = recordingLogger();
    const units = await lookUpRejectOnlyVpcs([{ account: MEMBER, region, ec2: refusing }], () => ['vpc-0a1b2c3d'], log);
    expect(units).toEqual([]);
    expect(log.lines).toEqual([{ level: 'warning', message: expect.stringMatching(new RegExp(`^AWS denied describing the flow logs of account ${MEMBER} in ${region} .*Until then REJECT-only flow logs there are told only from the records\\.$`)) }]);
  });
});
