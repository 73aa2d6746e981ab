// The organisation's member role (cfn/member-role.yaml) deployed on moto_server in a member account, then used as
// the action uses it: the inventory look-up assumes it by the name the member-role-name input gives and reads the
// member account's VPCs, and the egress-rules look-ups (issue 23) read its interfaces and their groups' rules with
// that session. moto enforces no IAM (the trust and the grants are test/unit/iam-permissions.test.ts); this proves
// the template deploys as written and its role's name, trust and policy are what the action expects.
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { CreateNetworkInterfaceCommand, CreateSubnetCommand, CreateVpcCommand } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { parseCfnTemplate } from '../../scripts/cfn-yaml.js';
import { createEc2Client } from '../../src/aws/clients.js';
import { describeEgressFacts } from '../../src/aws/egress-facts-lookup.js';
import { lookUpVpcInventory } from '../../src/aws/vpc-inventory-lookup.js';
import { recordingLogger } from '../support/fake-aws.js';
import { TEST_AWS_ENV } from '../support/moto.js';
import { motoForFile } from '../support/moto-for-file.js';
import { motoIam, xmlElement } from '../support/moto-iam.js';

const aws = motoForFile();
const MEMBER = '222233334444';
const region = TEST_AWS_ENV.AWS_REGION;
const DEPLOY_ROLE = 'arn:aws:iam::123456789012:role/vpc-port-audit-deploy-us-east-1';
const AUDIT_ROLE = 'arn:aws:iam::123456789012:role/vpc-port-audit-audit-us-east-1';

test('deploys in a member account; the action assumes it by name and reads that account\'s VPCs', async () => {
  const { Credentials } = await aws.clients.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${MEMBER}:role/admin`, RoleSessionName: 'administrator' }));
  const credentials = { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! };
  const config = { region, endpoint: aws.moto.endpoint, credentials, maxAttempts: 1 };
  const cloudformation = new CloudFormationClient(config);
  const template = parseCfnTemplate(readFileSync('cfn/member-role.yaml', 'utf8')) as { Parameters: { RoleName: { Default: string } } };
  await cloudformation.send(
    new CreateStackCommand({
      StackName: 'vpc-port-audit-member',
      TemplateBody: JSON.stringify(template),
      Parameters: [
        { ParameterKey: 'DeployRoleArn', ParameterValue: DEPLOY_ROLE },
        { ParameterKey: 'AuditRoleArn', ParameterValue: AUDIT_ROLE },
      ],
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
  );
  let stack: Stack;
  do stack = (await cloudformation.send(new DescribeStacksCommand({ StackName: 'vpc-port-audit-member' }))).Stacks![0]!;
  while (stack.StackStatus!.endsWith('_IN_PROGRESS'));
  expect(stack.StackStatus).toBe('CREATE_COMPLETE');
  const roleArn = `arn:aws:iam::${MEMBER}:role/vpc-port-audit-member`;
  expect(stack.Outputs).toEqual([expect.objectContaining({ OutputKey: 'MemberRoleArn', OutputValue: roleArn })]);

  const role = await motoIam(aws.moto.endpoint, 'Action=GetRole&RoleName=vpc-port-audit-member', credentials.accessKeyId);
  expect(JSON.parse(xmlElement(role, 'AssumeRolePolicyDocument')).Statement).toEqual([{ Effect: 'Allow', Principal: { AWS: [DEPLOY_ROLE, AUDIT_ROLE] }, Action: 'sts:AssumeRole' }]);
  expect(xmlElement(role, 'MaxSessionDuration')).toBe('3600');
  const policy = await motoIam(aws.moto.endpoint, 'Action=GetRolePolicy&RoleName=vpc-port-audit-member&PolicyName=read-only-look-ups', credentials.accessKeyId);
  // moto 5.2 returns an inline policy CloudFormation created as a Python dict's repr (single quotes); this one holds
  // no quote of its own, so swapping them gives its JSON.
  expect(JSON.parse(xmlElement(policy, 'PolicyDocument').replace(/'/g, '"')).Statement).toEqual([
    { Sid: 'DescribeVpcsAndFlowLogs', Effect: 'Allow', Action: ['ec2:DescribeVpcs', 'ec2:DescribeFlowLogs'], Resource: '*' },
    { Sid: 'ReadEgressFacts', Effect: 'Allow', Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroupRules'], Resource: '*' },
  ]);
  // Another account's key sees no such role: the stack went into the member account.
  await expect(motoIam(aws.moto.endpoint, 'Action=GetRole&RoleName=vpc-port-audit-member')).rejects.toThrow(/HTTP 404/);

  // The action's look-up with member-role-name = the template's default RoleName.
  const memberEc2 = createEc2Client(config);
  const memberVpc = (await memberEc2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
  const subnetId = (await memberEc2.send(new CreateSubnetCommand({ VpcId: memberVpc, CidrBlock: '10.0.1.0/24' }))).Subnet!.SubnetId!;
  const memberEni = (await memberEc2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId }))).NetworkInterface!;
  const { inventory, reached } = await lookUpVpcInventory({
    sts: aws.clients.sts,
    ec2: aws.clients.ec2,
    region,
    file: [{ account: MEMBER, region, vpcId: 'vpc-0a1b2c3d4e5f67890', cidrs: [] }],
    memberRoleName: template.Parameters.RoleName.Default,
    sessionName: 'vpc-port-audit-test',
    ec2For: (r, c) => createEc2Client({ region: r, endpoint: aws.moto.endpoint, credentials: c ?? { accessKeyId: 'testing', secretAccessKey: 'testing' } }),
    log: recordingLogger(),
  });
  expect(inventory.find((vpc) => vpc.vpcId === memberVpc)?.account).toBe(MEMBER);

  // The egress-rules look-ups (issue 23) with the same sessions: the member account's interface and its group's rules.
  const facts = await describeEgressFacts({
    reached,
    vpcIds: (place) => inventory.filter((vpc) => vpc.account === place.account && vpc.region === place.region).map((vpc) => vpc.vpcId),
    memberRoleName: template.Parameters.RoleName.Default,
    log: recordingLogger(),
  });
  expect(facts.interfaces.map((eni) => [eni.NetworkInterfaceId, eni.OwnerId])).toEqual([[memberEni.NetworkInterfaceId, MEMBER]]);
  expect([...new Set(facts.securityGroupRules.map((rule) => rule.GroupId))]).toEqual(memberEni.Groups!.map((group) => group.GroupId));
}, 60_000);
