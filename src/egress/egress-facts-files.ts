// The CLI's --interfaces and --security-groups files: the JSON that `aws ec2 describe-network-interfaces` and
// `aws ec2 describe-security-group-rules` print (`{"NetworkInterfaces": [...]}`, `{"SecurityGroupRules": [...]}`),
// checked field by field for what the proposal reads (egress/egress-facts.ts) and returned in the SDK's own shapes.
// Anything else is an InputError: one sentence naming the flag and file and what is accepted.

import { InputError } from '../input-error.js';
import type { EgressFacts, NetworkInterface, SecurityGroupRule } from './egress-facts.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

interface FileKind {
  /** The AWS CLI command whose output the file holds. */
  readonly command: string;
  /** Its top-level key. */
  readonly key: string;
  /** What is wrong with one item, or undefined when it is what the proposal reads. */
  readonly check: (item: Json) => string | undefined;
}

const optionalString = (item: Json, field: string) => (item[field] === undefined || typeof item[field] === 'string' ? undefined : `${field} is not a string`);

const INTERFACES: FileKind = {
  command: 'aws ec2 describe-network-interfaces',
  key: 'NetworkInterfaces',
  check: (item) => {
    if (typeof item.NetworkInterfaceId !== 'string' || !/^eni-[0-9a-f]+$/.test(item.NetworkInterfaceId)) return 'NetworkInterfaceId is not an eni- id';
    const groups = item.Groups;
    if (groups !== undefined && !(Array.isArray(groups) && groups.every((g) => isObject(g) && typeof g.GroupId === 'string'))) return 'Groups is not a list of {GroupId, GroupName}';
    if (item.Attachment !== undefined && !isObject(item.Attachment)) return 'Attachment is not an object';
    return ['VpcId', 'SubnetId', 'OwnerId', 'AvailabilityZone', 'InterfaceType', 'PrivateIpAddress'].map((f) => optionalString(item, f)).find((e) => e !== undefined);
  },
};

const RULES: FileKind = {
  command: 'aws ec2 describe-security-group-rules',
  key: 'SecurityGroupRules',
  check: (item) => {
    if (typeof item.GroupId !== 'string' || !/^sg-[0-9a-f]+$/.test(item.GroupId)) return 'GroupId is not an sg- id';
    if (typeof item.IsEgress !== 'boolean') return 'IsEgress is not true or false';
    if (typeof item.IpProtocol !== 'string') return 'IpProtocol is not a string';
    for (const port of ['FromPort', 'ToPort']) if (item[port] !== undefined && !Number.isInteger(item[port])) return `${port} is not a whole number`;
    return ['SecurityGroupRuleId', 'CidrIpv4', 'CidrIpv6', 'PrefixListId'].map((f) => optionalString(item, f)).find((e) => e !== undefined);
  },
};

/** The items of `text` under kind.key, each checked; an InputError naming `flag`, `file` and the AWS CLI command otherwise. */
function readItems(text: string, kind: FileKind, flag: string, file: string): Json[] {
  const refuse = (detail: string) =>
    new InputError(`${flag}: '${file}' is not what ${kind.command} prints (${detail}); give the JSON it writes, {"${kind.key}": [...]}.`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw refuse(`not JSON: ${(error as Error).message}`);
  }
  if (!isObject(document) || !Array.isArray(document[kind.key])) {
    const keys = isObject(document) ? Object.keys(document).slice(0, 3).join(', ') : Array.isArray(document) ? 'a bare list' : typeof document;
    throw refuse(`it has no ${kind.key} list${keys ? `, only ${keys}` : ''}`);
  }
  const items = document[kind.key] as unknown[];
  items.forEach((item, index) => {
    const problem = isObject(item) ? kind.check(item) : 'not an object';
    if (problem) throw refuse(`${kind.key}[${index}]: ${problem}`);
  });
  return items as Json[];
}

/** `{"NetworkInterfaces": [...]}` as `aws ec2 describe-network-interfaces` prints it (see the header). */
export function parseNetworkInterfacesJson(text: string, file: string, flag = '--interfaces'): NetworkInterface[] {
  return readItems(text, INTERFACES, flag, file) as NetworkInterface[];
}

/** `{"SecurityGroupRules": [...]}` as `aws ec2 describe-security-group-rules` prints it (see the header). */
export function parseSecurityGroupRulesJson(text: string, file: string, flag = '--security-groups'): SecurityGroupRule[] {
  return readItems(text, RULES, flag, file) as SecurityGroupRule[];
}

/** Both files' texts as EgressFacts (see the parsers). */
export function egressFactsFromJson(interfaces: { text: string; file: string }, rules: { text: string; file: string }): EgressFacts {
  return { interfaces: parseNetworkInterfacesJson(interfaces.text, interfaces.file), securityGroupRules: parseSecurityGroupRulesJson(rules.text, rules.file) };
}
