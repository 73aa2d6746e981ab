// Which audited VPCs have flow logs that record REJECT only (ec2:DescribeFlowLogs TrafficType; issue 21, item 3).
// A flow log's TrafficType is ACCEPT, REJECT or ALL (EC2 API Reference, FlowLog,
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_FlowLog.html); DescribeFlowLogs filters by
// `resource-id` (the VPC, subnet or interface id; API_DescribeFlowLogs.html). A VPC counts as REJECT-only when
// it has at least one flow log on the VPC itself and none of them logs ACCEPT or ALL: the Control Tower flow-log
// automation's CIS default. The look-up is an improvement, not a need: where a role may not call it, a warning
// says so and the data (the coverage) remains the judge.

import { paginateDescribeFlowLogs } from '@aws-sdk/client-ec2';
import type { AuditUnit } from '../audit/audit-unit.js';
import type { Logger } from '../log.js';
import { AwsAccessError, explainAwsError } from './errors.js';
import type { ReachedRegion } from './vpc-inventory-lookup.js';

/** The DescribeFlowLogs filter takes a list of values; this many VPC ids go into one filter. */
const IDS_PER_CALL = 100;

/**
 * The units, among `vpcIds` of each reached account and region, whose flow logs record REJECT only, in the order
 * given. `vpcIds(place)` names the VPCs to check in that account and region.
 */
export async function lookUpRejectOnlyVpcs(reached: readonly ReachedRegion[], vpcIds: (place: ReachedRegion) => readonly string[], log: Logger): Promise<AuditUnit[]> {
  const units: AuditUnit[] = [];
  for (const place of reached) {
    const ids = [...new Set(vpcIds(place))];
    const traffic = new Map<string, Set<string>>();
    try {
      for (let start = 0; start < ids.length; start += IDS_PER_CALL) {
        const filter = [{ Name: 'resource-id', Values: ids.slice(start, start + IDS_PER_CALL) }];
        for await (const page of paginateDescribeFlowLogs({ client: place.ec2 }, { Filter: filter })) {
          for (const flowLog of page.FlowLogs ?? []) {
            if (!flowLog.ResourceId || !flowLog.TrafficType) continue;
            if (!traffic.has(flowLog.ResourceId)) traffic.set(flowLog.ResourceId, new Set());
            traffic.get(flowLog.ResourceId)!.add(flowLog.TrafficType);
          }
        }
      }
    } catch (error) {
      const explained = explainAwsError(error, `describing the flow logs of account ${place.account} in ${place.region}`);
      if (!(explained instanceof AwsAccessError)) throw explained;
      log.warning(`${explained.message} Until then REJECT-only flow logs there are told only from the records.`);
      continue;
    }
    for (const vpcId of ids) {
      const types = traffic.get(vpcId);
      if (types && !types.has('ACCEPT') && !types.has('ALL')) units.push({ account: place.account, region: place.region, vpcId });
    }
  }
  return units;
}
