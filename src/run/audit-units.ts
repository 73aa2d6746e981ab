// Where the action's reports take an audit's units from: the ONE seam between an AuditResult and the per-unit
// memory, tracking issue, pull-request comment and job summary (issue 21).

import type { UnitPorts } from '../audit/audit-unit.js';
import { UNATTRIBUTED } from '../audit/known-ports.js';
import type { AuditResult } from '../engines/engine.js';

/**
 * The audit's ports per unit (account, region, VPC), each in rank order (AuditResult.units). A window that counted
 * nothing is the one unit of nulls with no ports, which reports render exactly as an empty one-VPC audit.
 */
export function auditUnits(result: Pick<AuditResult, 'units'>): readonly UnitPorts[] {
  return result.units.length > 0 ? result.units : [{ unit: UNATTRIBUTED, rows: [], portsLeftOut: 0 }];
}
