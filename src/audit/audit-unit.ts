// The unit of an organisation audit: (account, region, VPC). Every counted connection is attributed to one
// unit (issue 21): the VPC id where the format has it (v3+, Parquet, OCSF `src_endpoint.vpc_uid`), else the
// account and region (from the record, the S3 path or the table's partitions) plus the inventory's VPC whose
// CIDRs hold the source address. Any part nothing can tell is null. An audit of one VPC has one unit.

import type { Cidr } from './cidr.js';
import type { PortRow } from './port-row.js';

/** Where counted connections come from. A part is null where neither the record, its path nor the inventory tells it. */
export interface AuditUnit {
  /** The 12-digit AWS account id. */
  readonly account: string | null;
  /** The AWS Region code (`eu-west-1`). */
  readonly region: string | null;
  /** The VPC id (`vpc-0a1b2c3d4e5f67890`). */
  readonly vpcId: string | null;
}

/** One VPC of an inventory (`--vpcs FILE`, the action's `vpcs-file`, or ec2:DescribeVpcs): the CIDRs inside it. */
export interface InventoryVpc {
  readonly account: string;
  readonly region: string;
  readonly vpcId: string;
  /** Its IPv4 and IPv6 CIDR blocks, parsed (audit/cidr.ts). At least one. */
  readonly cidrs: readonly Cidr[];
}

/** One unit's share of an audit: its ports in rank order, as AuditResult.rows is for the whole window. */
export interface UnitPorts {
  readonly unit: AuditUnit;
  /** The unit's (port, protocol) rows, busiest first, up to the audit's maxPorts. */
  readonly rows: readonly PortRow[];
  /** The unit's ports beyond maxPorts: counted, not returned. 0 when none. */
  readonly portsLeftOut: number;
}

/**
 * The key of a unit in maps and in the memory (`123456789012/eu-west-1/vpc-0a1b2c3d4e5f67890`), with `-` for an
 * unknown part. Stable: stored keys must keep their meaning across releases.
 */
export function unitKey(unit: AuditUnit): string {
  return [unit.account, unit.region, unit.vpcId].map((part) => part ?? '-').join('/');
}

/** The unit as people name it in reports: `vpc-0a1b... (123456789012, eu-west-1)`, `account 123456789012 (VPC unknown)`. */
export function unitLabel(unit: AuditUnit): string {
  const where = [unit.account, unit.region].filter((part): part is string => part !== null);
  if (unit.vpcId !== null) return where.length === 0 ? unit.vpcId : `${unit.vpcId} (${where.join(', ')})`;
  if (unit.account !== null) return `account ${unit.account}${unit.region === null ? '' : ` in ${unit.region}`} (VPC unknown)`;
  return unit.region === null ? 'unattributed records' : `${unit.region} (account and VPC unknown)`;
}
