// The audit unit's key and label: stable keys (stored in the memory) and names people read.
import { describe, expect, test } from '@jest/globals';
import { unitKey, unitLabel } from '../../src/audit/audit-unit.js';

describe('unitKey', () => {
  test('joins account, region and VPC id, - for an unknown part', () => {
    expect(unitKey({ account: '111122223333', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f67890' })).toBe('111122223333/eu-west-1/vpc-0a1b2c3d4e5f67890');
    expect(unitKey({ account: '111122223333', region: null, vpcId: null })).toBe('111122223333/-/-');
    expect(unitKey({ account: null, region: null, vpcId: null })).toBe('-/-/-');
  });
});

describe('unitLabel', () => {
  test.each([
    [{ account: '111122223333', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d' }, 'vpc-0a1b2c3d (111122223333, eu-west-1)'],
    [{ account: null, region: null, vpcId: 'vpc-0a1b2c3d' }, 'vpc-0a1b2c3d'],
    [{ account: '111122223333', region: 'eu-west-1', vpcId: null }, 'account 111122223333 in eu-west-1 (VPC unknown)'],
    [{ account: '111122223333', region: null, vpcId: null }, 'account 111122223333 (VPC unknown)'],
    [{ account: null, region: 'eu-west-1', vpcId: null }, 'eu-west-1 (account and VPC unknown)'],
    [{ account: null, region: null, vpcId: null }, 'unattributed records'],
  ])('%j is %s', (unit, label) => {
    expect(unitLabel(unit)).toBe(label);
  });
});
