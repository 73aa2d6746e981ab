// The facts the egress-rules proposal (issue 23) reads besides the flow logs: which security groups each network
// interface carries, and the groups' current rules. One shape for both sources: the response of
// ec2:DescribeNetworkInterfaces / ec2:DescribeSecurityGroupRules (the action calls them with the AWS SDK) is exactly
// what `aws ec2 describe-network-interfaces` / `describe-security-group-rules` print as JSON (the CLI's --interfaces
// and --security-groups files), so the SDK's own types are the seam and nothing is converted twice.

import type { NetworkInterface, SecurityGroupRule } from '@aws-sdk/client-ec2';

export type { NetworkInterface, SecurityGroupRule };

/** What the proposal is built from besides the audit's records: interfaces and rules as EC2 describes them. */
export interface EgressFacts {
  /** The window's interfaces (and any others of the audited VPCs): NetworkInterfaceId, Groups, SubnetId, VpcId, OwnerId, Attachment, InterfaceType. */
  readonly interfaces: readonly NetworkInterface[];
  /** The current rules of the interfaces' security groups (egress and ingress as EC2 returns them; the proposal reads IsEgress). */
  readonly securityGroupRules: readonly SecurityGroupRule[];
}
