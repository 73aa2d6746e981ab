// The action's look-up of the VPC's NAT gateways against a real moto_server (ec2:DescribeNatGateways,
// filtered by vpc-id): their private addresses are what the audit SQL treats as the source of translated
// copies. The refusal branch (a role without the grant) is a warning, not a failure; moto cannot refuse, so
// that one branch uses a fake client.
import { describe, expect, test } from '@jest/globals';
import { AllocateAddressCommand, CreateNatGatewayCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { lookUpNatAddresses } from '../../src/aws/lookups.js';
import { awsError, fakeClient, recordingLogger } from '../support/fake-aws.js';
import { TEST_AWS_ENV } from '../support/moto.js';
import { motoForFile } from '../support/moto-for-file.js';

const aws = motoForFile();

/** A VPC with one public subnet and `count` NAT gateways in it; its id and the private addresses EC2 gave them. */
async function vpcWithNatGateways(cidr: string, count: number): Promise<{ vpcId: string; addresses: string[] }> {
  const vpcId = (await aws.clients.ec2.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc!.VpcId!;
  const subnetId = (await aws.clients.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr.replace(/\/16$/, '/24') }))).Subnet!.SubnetId!;
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) {
    const { AllocationId } = await aws.clients.ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    const { NatGateway } = await aws.clients.ec2.send(new CreateNatGatewayCommand({ SubnetId: subnetId, AllocationId }));
    addresses.push(...(NatGateway?.NatGatewayAddresses ?? []).map((a) => a.PrivateIp!));
  }
  return { vpcId, addresses };
}

describe('lookUpNatAddresses', () => {
  test("gives the private addresses of the VPC's NAT gateways only, sorted", async () => {
    const { vpcId, addresses: created } = await vpcWithNatGateways('10.0.0.0/16', 2);
    const other = await vpcWithNatGateways('10.9.0.0/16', 1);
    const log = recordingLogger();
    const addresses = await lookUpNatAddresses(aws.clients.ec2, vpcId, log);
    expect(created).toHaveLength(2);
    expect(addresses).toEqual([...created].sort());
    expect(addresses).not.toContain(other.addresses[0]);
    expect(log.lines).toEqual([]);
  });

  test('a VPC without NAT gateways gives none', async () => {
    const { vpcId } = await vpcWithNatGateways('10.1.0.0/16', 0);
    expect(await lookUpNatAddresses(aws.clients.ec2, vpcId, recordingLogger())).toEqual([]);
  });

  test('a role without ec2:DescribeNatGateways gets a warning naming it, and the audit goes on', async () => {
    // The SDK's paginator takes only an EC2Client: a real one whose send is the fake's.
    const { client: fake } = fakeClient<EC2Client>({
      DescribeNatGatewaysCommand: () => {
        throw awsError('UnauthorizedOperation', 'You are not authorized to perform this operation. User is not authorized to perform: ec2:DescribeNatGateways');
      },
    });
    const client = new EC2Client({ region: TEST_AWS_ENV.AWS_REGION });
    client.send = fake.send.bind(fake) as EC2Client['send'];
    const log = recordingLogger();
    expect(await lookUpNatAddresses(client, 'vpc-0a1b2c3d4e5f67890', log)).toEqual([]);
    expect(log.lines).toEqual([{ level: 'warning', message: expect.stringMatching(/^AWS denied describing the NAT gateways of VPC vpc-0a1b2c3d4e5f67890 to the role in use .*ec2:DescribeNatGateways.*pkt-dstaddr\.$/) }]);
  });
});
