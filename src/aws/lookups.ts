// Read-only look-ups the action needs around the audit: an existing stack's outputs and parameters, the
// VPC's own CIDR blocks, the results bucket of a workgroup (where the port memory lives when the audit
// runs over flow logs that this action did not deploy), the shape of an existing flow-log table (Glue), and
// the private addresses of the VPC's NAT gateways (whose records are translated copies of connections).

import { DescribeStacksCommand, type CloudFormationClient, type Stack } from '@aws-sdk/client-cloudformation';
import { isIPv4 } from 'node:net';
import { DescribeVpcsCommand, paginateDescribeNatGateways, type EC2Client, type Vpc } from '@aws-sdk/client-ec2';
import { GetWorkGroupCommand, type AthenaClient } from '@aws-sdk/client-athena';
import { GetTableCommand, type GlueClient, type Table } from '@aws-sdk/client-glue';
import { glueTableShape } from '../audit/glue-table.js';
import { describeTarget, followResourceLink, resourceLinkTarget } from '../audit/resource-link.js';
import type { TableRef, TableShape } from '../audit/table-shape.js';
import { parseCidr, type Cidr } from '../audit/cidr.js';
import { checkTextMatchable } from '../audit/cidr-sql.js';
import { AwsAccessError, explainAwsError } from './errors.js';
import { InputError } from '../input-error.js';
import type { Logger } from '../log.js';

interface StackDescription {
  readonly stackId: string;
  readonly status: string;
  readonly outputs: Record<string, string>;
  readonly parameters: Record<string, string>;
  readonly createdAt?: Date;
}

const toRecord = (pairs: { key?: string; value?: string }[]) =>
  Object.fromEntries(pairs.filter((p) => p.key && p.value !== undefined).map((p) => [p.key!, p.value!]));

/** A stack's outputs as a record (OutputKey -> OutputValue). */
export function outputsOf(stack: Stack): Record<string, string> {
  return toRecord((stack.Outputs ?? []).map((o) => ({ key: o.OutputKey, value: o.OutputValue })));
}

/** The stack by name or id, or undefined when there is none. */
export async function findStack(cloudformation: Pick<CloudFormationClient, 'send'>, nameOrId: string): Promise<Stack | undefined> {
  try {
    const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: nameOrId }));
    return Stacks?.[0];
  } catch (error) {
    if (error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message)) return undefined;
    throw error;
  }
}

/** The stack's id, status, outputs and parameters, or undefined when it does not exist. */
export async function describeStack(cloudformation: Pick<CloudFormationClient, 'send'>, stackName: string): Promise<StackDescription | undefined> {
  let stack: Stack | undefined;
  try {
    stack = await findStack(cloudformation, stackName);
  } catch (error) {
    throw explainAwsError(error, `describing stack ${stackName}`);
  }
  if (!stack) return undefined;
  return {
    stackId: stack.StackId ?? stackName,
    status: stack.StackStatus ?? 'UNKNOWN',
    outputs: outputsOf(stack),
    parameters: toRecord((stack.Parameters ?? []).map((p) => ({ key: p.ParameterKey, value: p.ParameterValue }))),
    createdAt: stack.CreationTime,
  };
}

/** The VPC's associated IPv4 and IPv6 blocks (see usableVpcBlocks); InputError when none is usable. */
export async function lookUpVpcCidrs(ec2: Pick<EC2Client, 'send'>, vpcId: string, log: Logger): Promise<Cidr[]> {
  let vpc: Vpc | undefined;
  try {
    vpc = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs?.[0];
  } catch (error) {
    if (error instanceof Error && /InvalidVpcID/.test(error.name)) vpc = undefined;
    else throw explainAwsError(error, `describing VPC ${vpcId}`);
  }
  if (!vpc) throw new InputError(`vpc-id: VPC ${vpcId} was not found in this account and region; check vpc-id and aws-region.`);
  const cidrs = usableVpcBlocks(vpc, log);
  if (cidrs.length === 0) throw new InputError(`vpc-cidrs: VPC ${vpcId} has no block the audit can use; give vpc-cidrs.`);
  return cidrs;
}

/**
 * The VPC's IPv4 and IPv6 blocks in state `associated` (EC2 API Reference, VpcCidrBlockState and
 * VpcIpv6CidrBlockState: associating | associated | disassociating | disassociated | failing | failed,
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcCidrBlockState.html), its primary CidrBlock when
 * no association says more. A block the audit's text test cannot match (see cidr-sql.ts) is left out with a
 * warning rather than failing the audit: its traffic then counts as outside the VPC.
 */
export function usableVpcBlocks(vpc: Vpc, log: Logger): Cidr[] {
  const vpcId = vpc.VpcId ?? 'the VPC';
  const associated = (state?: string) => state === 'associated';
  const blocks = [
    ...(vpc.CidrBlockAssociationSet ?? []).filter((a) => associated(a.CidrBlockState?.State)).map((a) => a.CidrBlock),
    ...(vpc.Ipv6CidrBlockAssociationSet ?? []).filter((a) => associated(a.Ipv6CidrBlockState?.State)).map((a) => a.Ipv6CidrBlock),
  ].filter((b): b is string => Boolean(b));
  if (blocks.length === 0 && vpc.CidrBlock) blocks.push(vpc.CidrBlock);
  const cidrs: Cidr[] = [];
  for (const block of blocks) {
    try {
      const cidr = parseCidr(block, `VPC ${vpcId}`);
      checkTextMatchable(cidr, `VPC ${vpcId}`);
      cidrs.push(cidr);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      log.warning(`${error.message} Left out of the audit: give vpc-cidrs to decide yourself.`);
    }
  }
  return cidrs;
}

/** The bucket of a workgroup's query-result location, or undefined when it has none. */
export async function workgroupResultsBucket(athena: Pick<AthenaClient, 'send'>, workgroup: string): Promise<string | undefined> {
  try {
    const { WorkGroup } = await athena.send(new GetWorkGroupCommand({ WorkGroup: workgroup }));
    const location = WorkGroup?.Configuration?.ResultConfiguration?.OutputLocation;
    return location ? /^s3:\/\/([^/]+)/.exec(location)?.[1] : undefined;
  } catch (error) {
    throw explainAwsError(error, `reading Athena workgroup ${workgroup}`);
  }
}

/**
 * The shape of an existing table, from its Glue definition (glue:GetTable): which columns hold the flow-log
 * fields and how its partitions take a window. A Lake Formation resource link (GetTable answers its TargetTable
 * and no columns, audit/resource-link.ts) is followed with a second GetTable on the target (its CatalogId,
 * database and name; the role needs glue:GetTable on the target's catalog, database and table too); the query
 * still names the link. InputError when the table (or the link's target) does not exist or cannot be audited
 * (see audit/glue-table.ts); AwsAccessError when the role may not read it, or a link points to another region.
 */
export async function lookUpTableShape(glue: Pick<GlueClient, 'send'>, ref: TableRef): Promise<TableShape> {
  const table = await getTable(glue, { DatabaseName: ref.database, Name: ref.table }, `Glue table ${ref.database}.${ref.table}`);
  if (!table) {
    throw new InputError(`database, table: the Glue Data Catalog has no table ${ref.database}.${ref.table} in this region; give the database and table of your flow-log table, or leave both empty to audit the stack's.`);
  }
  const target = resourceLinkTarget(table);
  if (!target) return glueTableShape(ref, table);
  const link = `resource link ${ref.database}.${ref.table}`;
  const region = await glueRegion(glue);
  if (target.Region !== undefined && region !== undefined && target.Region !== region) {
    throw new InputError(`database, table: ${link} points to ${describeTarget(target)}, another region than this audit's ${region}; run the audit in ${target.Region} (aws-region), where Glue holds the target's columns.`);
  }
  const input = { CatalogId: target.CatalogId, DatabaseName: target.DatabaseName, Name: target.Name };
  const targetTable = await getTable(glue, input, `${describeTarget(target)}, the target of ${link}`);
  if (!targetTable) {
    throw new InputError(`database, table: ${link} points to ${describeTarget(target)}, which Glue cannot find; check the link, or that the target was shared with this account (Lake Formation).`);
  }
  return glueTableShape(ref, followResourceLink(ref, table, targetTable, describeTarget(target)));
}

/** Glue GetTable's Table, or undefined when it does not exist; other errors explained as reading `what`. */
async function getTable(glue: Pick<GlueClient, 'send'>, input: { CatalogId?: string; DatabaseName: string; Name: string }, what: string): Promise<Table | undefined> {
  try {
    return (await glue.send(new GetTableCommand(input))).Table;
  } catch (error) {
    if (error instanceof Error && error.name === 'EntityNotFoundException') return undefined;
    throw explainAwsError(error, `reading ${what}`);
  }
}

/** The region of the Glue client, when it has one. */
async function glueRegion(glue: Pick<GlueClient, 'send'>): Promise<string | undefined> {
  const config = (glue as Partial<Pick<GlueClient, 'config'>>).config;
  return config ? await config.region() : undefined;
}

/**
 * The private IPv4 addresses of the VPC's NAT gateways (ec2:DescribeNatGateways, filter `vpc-id`; every state
 * but `failed`, since a gateway deleted during the window still logged in it), sorted. The look-up is an
 * improvement, not a need: when the role may not call it, a warning says so and the audit goes on with the
 * NAT's records told apart by the records alone (see audit/query.ts).
 */
export async function lookUpNatAddresses(ec2: EC2Client, vpcId: string, log: Logger): Promise<string[]> {
  const addresses = new Set<string>();
  try {
    const pages = paginateDescribeNatGateways({ client: ec2 }, { Filter: [{ Name: 'vpc-id', Values: [vpcId] }] });
    for await (const page of pages) {
      for (const gateway of page.NatGateways ?? []) {
        if (gateway.State === 'failed') continue;
        for (const address of gateway.NatGatewayAddresses ?? []) if (address.PrivateIp && isIPv4(address.PrivateIp)) addresses.add(address.PrivateIp);
      }
    }
  } catch (error) {
    const explained = explainAwsError(error, `describing the NAT gateways of VPC ${vpcId}`);
    if (!(explained instanceof AwsAccessError)) throw explained;
    log.warning(`${explained.message} Until then their records are told apart only where the flow-log format has pkt-dstaddr.`);
    return [];
  }
  return [...addresses].sort();
}
