// The AWS names and numbers a user gives: good ones pass through, bad ones are rejected with one sentence
// that names the input, before any AWS call (the validators take no client at all).

import { describe, expect, test } from '@jest/globals';
import {
  parseQueryTimeoutSeconds,
  parseRegion,
  parseStackName,
  parseVpcId,
  parseWorkgroup,
} from '../../src/aws/names.js';
import { InputError } from '../../src/input-error.js';

/** One sentence: a single terminal full stop, no line breaks. */
const oneSentence = /^[^\n]+\.$/;

function rejection(parse: () => unknown): InputError {
  try {
    parse();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('accepted values', () => {
  test.each(['vpc-port-audit', 'A', 'a'.repeat(128), 'Stack-2'])('stack name %s', (name) => {
    expect(parseStackName(name)).toBe(name);
  });
  test.each(['vpc-0a1b2c3d', 'vpc-0a1b2c3d4e5f67890'])('VPC id %s', (id) => expect(parseVpcId(id)).toBe(id));
  test.each(['us-east-1', 'cn-north-1', 'us-gov-west-1', 'eu-central-2', 'ap-southeast-4', 'il-central-1', 'mx-central-1'])(
    'region %s',
    (region) => expect(parseRegion(region)).toBe(region),
  );
  test.each(['primary', 'vpc_port.audit-1', 'w'.repeat(128)])('workgroup %s', (name) => expect(parseWorkgroup(name)).toBe(name));
  test('timeouts at both ends of the range', () => {
    expect(parseQueryTimeoutSeconds('10')).toBe(10);
    expect(parseQueryTimeoutSeconds('7200')).toBe(7200);
  });
});

const BAD: [string, () => unknown, RegExp][] = [
  ['stack name starting with a digit', () => parseStackName('1stack'), /^stack-name: '1stack' is not a CloudFormation stack name/],
  ['stack name with an underscore', () => parseStackName('my_stack'), /letters, digits and hyphens/],
  ['stack name of 129 characters', () => parseStackName('a'.repeat(129)), /at most 128/],
  ['empty stack name', () => parseStackName(''), /^stack-name: '' is not/],
  ['VPC id with 9 hex digits', () => parseVpcId('vpc-0a1b2c3d4'), /^vpc-id: 'vpc-0a1b2c3d4' is not a VPC id/],
  ['VPC id in capitals', () => parseVpcId('VPC-0A1B2C3D'), /8 or 17 hex digits/],
  ['subnet id given as VPC id', () => parseVpcId('subnet-0a1b2c3d'), /is not a VPC id/],
  ['VPC id with a non-hex letter', () => parseVpcId('vpc-0a1b2c3g'), /is not a VPC id/],
  ['region without its number', () => parseRegion('us-east'), /^aws-region: 'us-east' is not an AWS region code/],
  ['region in capitals', () => parseRegion('US-EAST-1'), /is not an AWS region code/],
  ['availability zone given as region', () => parseRegion('us-east-1a'), /availability zone; its region is us-east-1/],
  ['region written together', () => parseRegion('useast1'), /such as us-east-1/],
  ['workgroup with a space', () => parseWorkgroup('my workgroup'), /^athena-workgroup: 'my workgroup' is not an Athena workgroup name/],
  ['workgroup of 129 characters', () => parseWorkgroup('w'.repeat(129)), /1 to 128/],
  ['empty workgroup', () => parseWorkgroup(''), /is not an Athena workgroup name/],
  ['timeout below the range', () => parseQueryTimeoutSeconds('9'), /^query-timeout-seconds: '9' is not a whole number from 10 to 7200/],
  ['timeout above the range', () => parseQueryTimeoutSeconds('7201'), /from 10 to 7200/],
  ['timeout with a unit', () => parseQueryTimeoutSeconds('60s'), /not a whole number/],
];

describe('rejected values', () => {
  test.each(BAD)('%s', (_label, parse, message) => {
    const error = rejection(parse);
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(oneSentence);
  });
});
