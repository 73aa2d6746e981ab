// The VPC inventory of an organisation audit, on the action's side (issue 21, item 2): the vpcs-file entries
// (audit/vpc-inventory.ts), plus ec2:DescribeVpcs in the audited account (the caller's) and, where the
// member-role-name input names a read-only role, in each other account of the file through sts:AssumeRole.
// File entries win over looked-up ones; one VPC id under two accounts is bad input. The EC2 client of each
// (account, region) reached is handed on: the flow-log look-up (aws/flow-log-traffic.ts) reads with it too.

import { paginateDescribeVpcs, type EC2Client } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { InventoryVpc } from '../audit/audit-unit.js';
import { InputError } from '../input-error.js';
import type { Logger } from '../log.js';
import { AwsAccessError, explainAwsError } from './errors.js';
import { usableVpcBlocks } from './lookups.js';

/**
 * The member-role session lasts the minimum STS allows (AssumeRole DurationSeconds: 900 up to the role's maximum;
 * a session assumed with a role's own credentials, role chaining, at most 3600;
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html): the look-ups take seconds.
 */
export const MEMBER_SESSION_SECONDS = 900;

/** Temporary credentials of an assumed member role, as an SDK client takes them. */
export interface MemberCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/** One account and region whose EC2 API the run reached, and the client that reached it. */
export interface ReachedRegion {
  readonly account: string;
  readonly region: string;
  readonly ec2: EC2Client;
}

export interface InventoryLookupInput {
  readonly sts: Pick<STSClient, 'send'>;
  /** The audited account's EC2 client in `region` (the action's region). */
  readonly ec2: EC2Client;
  readonly region: string;
  /** The vpcs-file entries; empty without the input. */
  readonly file: readonly InventoryVpc[];
  /** The member-role-name input: the role to assume in each other account of the file; undefined to look up none. */
  readonly memberRoleName?: string;
  /**
   * The role session's name (AssumeRole RoleSessionName: 2 to 64 of letters, digits and `_+=,.@-`), shown in the
   * member account's CloudTrail.
   */
  readonly sessionName: string;
  /** An EC2 client in a region, with a member role's credentials or (none given) the action's own. */
  readonly ec2For: (region: string, credentials?: MemberCredentials) => EC2Client;
  readonly log: Logger;
}

export interface InventoryLookup {
  /** The merged inventory: the file's entries first, in file order, then the looked-up VPCs the file does not list. */
  readonly inventory: InventoryVpc[];
  /** The audited account (the caller's). */
  readonly account: string;
  /** Every (account, region) whose EC2 API was reached: the audited account's first. */
  readonly reached: ReachedRegion[];
}

/**
 * Looks up the inventory (see the header). The audited account is read in the action's region and every region
 * the file lists for it; each other account of the file in the regions the file lists for it. Throws an
 * InputError naming the account when its member role cannot be assumed, and (mergeInventory) when one VPC id
 * turns up under two accounts.
 */
export async function lookUpVpcInventory(input: InventoryLookupInput): Promise<InventoryLookup> {
  const identity = await input.sts.send(new GetCallerIdentityCommand({}));
  const account = identity.Account!;
  const partition = /^arn:([\w-]+):/.exec(identity.Arn ?? '')?.[1] ?? 'aws';
  const regions = regionsByAccount(account, input.region, input.file);
  const reached: ReachedRegion[] = [...regions.get(account)!].map((region) => ({
    account,
    region,
    ec2: region === input.region ? input.ec2 : input.ec2For(region),
  }));
  const others = [...regions.keys()].filter((other) => other !== account);
  if (others.length > 0 && !input.memberRoleName) {
    input.log.info(`member-role-name is empty: the VPCs of account(s) ${others.join(', ')} come from vpcs-file alone.`);
  }
  for (const other of input.memberRoleName ? others : []) {
    const credentials = await assumeMemberRole(input.sts, `arn:${partition}:iam::${other}:role/${input.memberRoleName}`, other, input.sessionName);
    for (const region of regions.get(other)!) reached.push({ account: other, region, ec2: input.ec2For(region, credentials) });
  }
  const looked: InventoryVpc[] = [];
  for (const place of reached) looked.push(...(await describeVpcs(place, input.log)));
  const inventory = mergeInventory(input.file, looked);
  input.log.info(`VPC inventory: ${inventory.length} VPC(s) in ${new Set(inventory.map((vpc) => vpc.account)).size} account(s) (${input.file.length} from vpcs-file, ${inventory.length - input.file.length} looked up).`);
  return { inventory, account, reached };
}

/** The regions to read per account: the audited account's region first, then what the file lists. */
function regionsByAccount(account: string, region: string, file: readonly InventoryVpc[]): Map<string, Set<string>> {
  const regions = new Map<string, Set<string>>([[account, new Set([region])]]);
  for (const vpc of file) {
    if (!regions.has(vpc.account)) regions.set(vpc.account, new Set());
    regions.get(vpc.account)!.add(vpc.region);
  }
  return regions;
}

/** sts:AssumeRole on a member account's read-only role; one sentence naming the account when it fails. */
async function assumeMemberRole(sts: Pick<STSClient, 'send'>, roleArn: string, account: string, sessionName: string): Promise<MemberCredentials> {
  try {
    const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: MEMBER_SESSION_SECONDS }));
    return { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new InputError(
      `member-role-name: the audit role could not assume ${roleArn} in account ${account} (${why}); deploy cfn/member-role.yaml there with this audit role's ARN, or leave the account's VPCs to vpcs-file and member-role-name empty.`,
    );
  }
}

/**
 * Every VPC of one account and region (ec2:DescribeVpcs with no VPC id describes them all, paginated;
 * EC2 API Reference, https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcs.html), with its
 * usable associated blocks. A VPC shared with the account (AWS RAM) is listed under its owner (OwnerId). The
 * look-up adds to the file, it is no need: a role that may not call it gets a warning, and the file stands alone.
 */
async function describeVpcs(place: ReachedRegion, log: Logger): Promise<InventoryVpc[]> {
  const vpcs: InventoryVpc[] = [];
  try {
    for await (const page of paginateDescribeVpcs({ client: place.ec2 }, {})) {
      for (const vpc of page.Vpcs ?? []) {
        const cidrs = usableVpcBlocks(vpc, log);
        if (vpc.VpcId && cidrs.length > 0) vpcs.push({ account: vpc.OwnerId ?? place.account, region: place.region, vpcId: vpc.VpcId, cidrs });
      }
    }
  } catch (error) {
    const explained = explainAwsError(error, `describing the VPCs of account ${place.account} in ${place.region}`);
    if (!(explained instanceof AwsAccessError)) throw explained;
    log.warning(`${explained.message} Until then the VPCs of account ${place.account} in ${place.region} come from vpcs-file alone.`);
    return [];
  }
  return vpcs;
}

/**
 * The file's entries, then each looked-up VPC the file does not list (a VPC seen twice under its owner, as a
 * shared VPC is, counts once). Throws an InputError when one VPC id is under two accounts.
 */
export function mergeInventory(file: readonly InventoryVpc[], looked: readonly InventoryVpc[]): InventoryVpc[] {
  const byId = new Map(file.map((vpc) => [vpc.vpcId, { vpc, from: 'vpcs-file' }]));
  const merged = [...file];
  for (const vpc of looked) {
    const earlier = byId.get(vpc.vpcId);
    if (earlier && earlier.vpc.account !== vpc.account) {
      throw new InputError(
        `vpcs-file: ${vpc.vpcId} is under account ${earlier.vpc.account} in ${earlier.from}, but ec2:DescribeVpcs finds it in account ${vpc.account}; a VPC id belongs to one account: list it under ${vpc.account}.`,
      );
    }
    if (earlier) continue;
    byId.set(vpc.vpcId, { vpc, from: 'ec2:DescribeVpcs' });
    merged.push(vpc);
  }
  return merged;
}
