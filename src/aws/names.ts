// Validation of the AWS names and numbers a user gives (stack, VPC, region, workgroup, query timeout): each
// parser returns the value or throws an InputError in one sentence, before any AWS call.

import { InputError } from '../input-error.js';
import { parseInteger } from '../audit/parameters.js';

/** CloudFormation: a letter, then letters, digits and hyphens, at most 128 characters. */
export function parseStackName(text: string, input = 'stack-name'): string {
  const name = text.trim();
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(name)) {
    throw new InputError(
      `${input}: '${text}' is not a CloudFormation stack name; use a letter followed by letters, digits and hyphens (at most 128).`,
    );
  }
  return name;
}

/** `vpc-` and 8 or 17 lowercase hex digits. */
export function parseVpcId(text: string, input = 'vpc-id'): string {
  const id = text.trim();
  if (!/^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(id)) {
    throw new InputError(`${input}: '${text}' is not a VPC id; expected vpc- and 8 or 17 hex digits, such as vpc-0a1b2c3d4e5f67890.`);
  }
  return id;
}

/** An AWS account id: exactly 12 digits (AWS Account Management Reference Guide, "View AWS account identifiers"). */
export function parseAccountId(text: string, input = 'account'): string {
  const id = text.trim();
  if (!/^\d{12}$/.test(id)) throw new InputError(`${input}: '${text}' is not an AWS account id; expected 12 digits, such as 111122223333.`);
  return id;
}

/** A comma-separated list of account ids (parseAccountId each), without duplicates; at least one. */
export function parseAccountList(text: string, input: string): string[] {
  const ids = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (ids.length === 0) throw new InputError(`${input}: give one or more AWS account ids separated by commas, such as 111122223333,444455556666.`);
  return [...new Set(ids.map((id) => parseAccountId(id, input)))];
}

/** An AWS Region code's text (us-east-1, us-gov-west-1, cn-north-1), without anchors: the one pattern of it. */
export const REGION_CODE = String.raw`[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}`;
const REGION = new RegExp(`^${REGION_CODE}$`);

/** A region code such as us-east-1, eu-central-2, cn-north-1 or us-gov-west-1. */
export function parseRegion(text: string, input = 'aws-region'): string {
  const region = text.trim();
  if (REGION.test(region)) return region;
  const zone = new RegExp(`^(${REGION_CODE})[a-z]$`).exec(region);
  const hint = zone ? ` (that is an availability zone; its region is ${zone[1]})` : '';
  throw new InputError(`${input}: '${text}' is not an AWS region code such as us-east-1 or eu-central-2${hint}.`);
}

/** Athena: 1 to 128 of letters, digits, period, underscore and hyphen. */
export function parseWorkgroup(text: string, input = 'athena-workgroup'): string {
  const name = text.trim();
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(name)) {
    throw new InputError(
      `${input}: '${text}' is not an Athena workgroup name; use 1 to 128 letters, digits, periods, underscores and hyphens.`,
    );
  }
  return name;
}

/** Long enough for a slow first scan, shorter than Athena's own 30-minute default DML limit times four. */
const QUERY_TIMEOUT_RANGE = { min: 10, max: 7200 } as const;
export const DEFAULT_QUERY_TIMEOUT_SECONDS = 600;

export const parseQueryTimeoutSeconds = (text: string, input = 'query-timeout-seconds') =>
  parseInteger(text, input, QUERY_TIMEOUT_RANGE.min, QUERY_TIMEOUT_RANGE.max);
