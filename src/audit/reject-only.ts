// The one sentence for a VPC whose flow log records REJECT only (issue 21, item 3): such a log never shows the
// connections a VPC opens, so it cannot answer "which ports does it connect out to"; an empty list from it must
// never read as "quiet". Told from ec2:DescribeFlowLogs TrafficType (aws/flow-log-traffic.ts) and from the data
// (the coverage query); both say it with these exact words.

import { unitLabel, type AuditUnit } from './audit-unit.js';

/** What is said of a REJECT-only flow log, after the unit's label. Keep the wording: users search for it. */
export const REJECT_ONLY = 'cannot be audited for outbound ports: its flow log records REJECT only';

/** `vpc-0a1b... (111122223333, eu-west-1) cannot be audited for outbound ports: its flow log records REJECT only.` */
export function rejectOnlyNotice(unit: AuditUnit): string {
  return `${unitLabel(unit)} ${REJECT_ONLY}.`;
}
