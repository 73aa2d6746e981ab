// Where the action's reports take an audit's units from: the ONE seam between an AuditResult and the per-unit
// memory, tracking issue, pull-request comment and job summary (issue 21).

import type { UnitPorts } from '../audit/audit-unit.js';
import { UNATTRIBUTED } from '../audit/known-ports.js';
import type { AuditResult } from '../engines/engine.js';

/**
 * The audit's ports per unit (account, region, VPC), each in rank order. Today's audit attributes nothing: its
 * whole top list is the one unit of nulls, which reports render exactly as a one-VPC audit.
 */
export function auditUnits(result: Pick<AuditResult, 'rows' | 'portsLeftOut'>): UnitPorts[] {
  return [{ unit: UNATTRIBUTED, rows: result.rows, portsLeftOut: result.portsLeftOut }];
}
