// The action's side of the egress-rules proposal's facts (issue 23): every network interface of the audited VPCs
// (ec2:DescribeNetworkInterfaces, filter `vpc-id`) and the current rules of the security groups those interfaces
// carry (ec2:DescribeSecurityGroupRules, filter `group-id`), read in every account and region the run reached:
// the audited account with the action's own role, each member account of an organisation audit with its member
// role (the EC2 clients aws/vpc-inventory-lookup.ts made). Both filters are EC2 API Reference filters
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html,
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroupRules.html); their values are
// batched and their pages followed as aws/ec2-filters.ts says. The responses are kept in EC2's own shapes
// (egress/egress-facts.ts). Unlike the inventory, these facts are a need of the proposal: a refusal throws.

import { paginateDescribeNetworkInterfaces, paginateDescribeSecurityGroupRules, type NetworkInterface, type SecurityGroupRule } from '@aws-sdk/client-ec2';
import type { EgressFacts } from '../egress/egress-facts.js';
import type { Logger } from '../log.js';
import { filterBatches, PAGE_SIZE } from './ec2-filters.js';
import { AwsAccessError, awsRefusal, explainAwsError } from './errors.js';
import type { ReachedRegion } from './vpc-inventory-lookup.js';

export interface EgressFactsLookupInput {
  /**
   * Every account and region to read, the audited account's first (InventoryLookup.reached; without an organisation
   * audit, the audited account in the action's region alone). Its first account is read with the workflow's role,
   * every other with the member role.
   */
  readonly reached: readonly ReachedRegion[];
  /** The audited VPC ids of one account and region (the same selector lookUpRejectOnlyVpcs takes); none reads nothing there. */
  readonly vpcIds: (place: ReachedRegion) => readonly string[];
  /** The member-role-name input: the role a refusal in another account names. */
  readonly memberRoleName?: string;
  readonly log: Logger;
}

/**
 * The interfaces of the audited VPCs and the rules of their security groups, in every place reached, in the order
 * of `reached` (and EC2's order within each). Rules are those of the groups the interfaces carry, egress and
 * ingress, each group's once per place. Throws an AwsAccessError of one sentence naming the permission, the
 * account, the region and the role when AWS refuses a call (or has no valid credentials); any other error as is.
 */
export async function describeEgressFacts(input: EgressFactsLookupInput): Promise<EgressFacts> {
  const interfaces: NetworkInterface[] = [];
  const securityGroupRules: SecurityGroupRule[] = [];
  for (const place of input.reached) {
    const vpcIds = [...new Set(input.vpcIds(place))];
    if (vpcIds.length === 0) continue;
    const found = await describe(place, 'ec2:DescribeNetworkInterfaces', input, () => networkInterfaces(place, vpcIds));
    const groupIds = [...new Set(found.flatMap((eni) => (eni.Groups ?? []).flatMap((group) => (group.GroupId ? [group.GroupId] : []))))];
    const rules = groupIds.length === 0 ? [] : await describe(place, 'ec2:DescribeSecurityGroupRules', input, () => groupRules(place, groupIds));
    input.log.info(
      `Egress facts of account ${place.account} in ${place.region}: ${found.length} network interface(s) in ${vpcIds.length} VPC(s), ${rules.length} rule(s) of ${groupIds.length} security group(s).`,
    );
    interfaces.push(...found);
    securityGroupRules.push(...rules);
  }
  return { interfaces, securityGroupRules };
}

/** Every interface of `vpcIds` in one place (filter `vpc-id`). */
async function networkInterfaces(place: ReachedRegion, vpcIds: readonly string[]): Promise<NetworkInterface[]> {
  const found: NetworkInterface[] = [];
  for (const batch of filterBatches(vpcIds)) {
    for await (const page of paginateDescribeNetworkInterfaces({ client: place.ec2, pageSize: PAGE_SIZE }, { Filters: [{ Name: 'vpc-id', Values: batch }] })) {
      found.push(...(page.NetworkInterfaces ?? []));
    }
  }
  return found;
}

/** Every rule of `groupIds` in one place (filter `group-id`). */
async function groupRules(place: ReachedRegion, groupIds: readonly string[]): Promise<SecurityGroupRule[]> {
  const found: SecurityGroupRule[] = [];
  for (const batch of filterBatches(groupIds)) {
    for await (const page of paginateDescribeSecurityGroupRules({ client: place.ec2, pageSize: PAGE_SIZE }, { Filters: [{ Name: 'group-id', Values: batch }] })) {
      found.push(...(page.SecurityGroupRules ?? []));
    }
  }
  return found;
}

/** `call()`, with a refusal turned into one sentence naming `permission`, the place and the role that lacks it. */
async function describe<T>(place: ReachedRegion, permission: string, input: EgressFactsLookupInput, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const where = `in account ${place.account} (${place.region})`;
    if (awsRefusal(error) !== 'denied') throw explainAwsError(error, `${permission} ${where}`);
    const own = place.account === input.reached[0]!.account;
    const role = own ? 'the role the workflow assumes' : `the member role ${input.memberRoleName ?? '(member-role-name)'}`;
    const fix = own
      ? 'update the bootstrap stack (cfn/github-oidc-role.yaml grants it to both roles)'
      : `update that account's member-role stack (cfn/member-role.yaml grants it)`;
    throw new AwsAccessError(
      `egress-rules: AWS denied ${permission} ${where} to ${role} (${(error as Error).message}); ${fix}, or set egress-rules to false.`,
      { cause: error },
    );
  }
}
