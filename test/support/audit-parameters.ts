// Audit parameters for engine tests: the egress-ports audit of the day that ends 2026-11-02T00 (the shipped
// sample's day), v5 format, the default table; each test overrides what it is about.

import { parseCidrList } from '../../src/audit/parameters.js';
import type { AuditParameters } from '../../src/audit/query.js';
import { stackTableShape } from '../../src/audit/table-shape.js';
import { V5_FORMAT } from '../../src/flowlog/format.js';
import { windowEndingAt } from '../../src/flowlog/layout.js';

/** The VPC blocks of the shipped sample (sample/flow-logs). */
export const SAMPLE_VPC_CIDRS = '172.31.0.0/16,2600:1f18:47b:a900::/56';

export function auditParameters(vpcCidrs: string, overrides: Partial<AuditParameters> = {}): AuditParameters {
  return {
    preset: 'egress-ports',
    vpcCidrs: parseCidrList(vpcCidrs),
    window: windowEndingAt(new Date(Date.UTC(2026, 10, 2)), 24),
    maxPorts: 10,
    source: stackTableShape({ database: 'vpc_port_audit', table: 'flow_logs' }, V5_FORMAT),
    ...overrides,
  };
}
