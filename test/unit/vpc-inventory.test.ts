// The VPC inventory file: entries parsed in file order, every mistake one sentence naming the file and line.
import { describe, expect, test } from '@jest/globals';
import { parseVpcInventory } from '../../src/audit/vpc-inventory.js';
import { InputError } from '../../src/input-error.js';

const GOOD = `
- account: "111122223333"
  region: eu-west-1
  vpc-id: vpc-0a1b2c3d4e5f67890
  cidrs: [10.0.0.0/16, 2600:1F18:47B:A900::/56]
- account: "444455556666"
  region: us-east-1
  vpc-id: vpc-11112222
  cidrs: 10.0.0.0/16
`;

describe('parseVpcInventory', () => {
  test('reads every entry, CIDRs canonical, one CIDR as a scalar', () => {
    const vpcs = parseVpcInventory(GOOD, 'vpcs.yml');
    expect(vpcs.map(({ account, region, vpcId, cidrs }) => [account, region, vpcId, cidrs.map((c) => c.text)])).toEqual([
      ['111122223333', 'eu-west-1', 'vpc-0a1b2c3d4e5f67890', ['10.0.0.0/16', '2600:1f18:47b:a900::/56']],
      ['444455556666', 'us-east-1', 'vpc-11112222', ['10.0.0.0/16']],
    ]);
  });

  test.each([
    ['ports: []', /vpcs.yml line 1: expected a list/],
    ['- account: "111122223333"\n  region: eu-west-1\n  vpc-id: vpc-11112222\n  cidrs: [10.0.0.0/33]', /vpcs.yml line 1: cidrs: '10.0.0.0\/33' is not a CIDR block/],
    ['- account: "11112222333"\n  region: eu-west-1\n  vpc-id: vpc-11112222\n  cidrs: [10.0.0.0/16]', /line 1: account: '11112222333' is not an AWS account id; expected 12 digits/],
    ['- account: "111122223333"\n  region: eu-west-1a\n  vpc-id: vpc-11112222\n  cidrs: [10.0.0.0/16]', /line 1: region: 'eu-west-1a' is not an AWS region code.*availability zone/],
    ['- account: "111122223333"\n  region: eu-west-1\n  vpc-id: vpc-1111\n  cidrs: [10.0.0.0/16]', /line 1: vpc-id: 'vpc-1111' is not a VPC id/],
    ['- account: "111122223333"\n  region: eu-west-1\n  vpc-id: vpc-11112222\n  cidrs: []', /line 1: cidrs is empty/],
    ['- account: "111122223333"\n  region: eu-west-1\n  vpc-id: vpc-11112222', /line 1: cidrs is missing/],
    ['- account: "111122223333"\n  region: eu-west-1\n  vpc-id: vpc-11112222\n  cidrs: [10.0.0.0/16]\n  vpc: x', /line 5: unknown key 'vpc'/],
    [
      GOOD + '- account: "777788889999"\n  region: eu-west-1\n  vpc-id: vpc-11112222\n  cidrs: [10.1.0.0/16]\n',
      /line 10: vpc-11112222 is already listed on line 6 under account 444455556666; list each VPC once/,
    ],
    ['- [unclosed', /not valid YAML/],
    ['- account: "111122223333"\n  region: eu-west-1\n  vpc-id: vpc-11112222\n  cidrs: [10.0.0.0/16, 0.0.0.0/0]', /line 1: cidrs: '0.0.0.0\/0' is wider than \/8; VPC blocks are \/16 to \/28\./],
  ])('%j is one sentence', (text, message) => {
    const attempt = () => parseVpcInventory(text, 'vpcs.yml');
    expect(attempt).toThrow(InputError);
    expect(attempt).toThrow(message);
  });
});
