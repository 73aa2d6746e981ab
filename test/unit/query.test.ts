// The audit SQL: its shape for each preset and format, that no input but validated values reaches it, and
// that every preset x format x address family passes the Trino grammar (Athena's dialect).
import { describe, expect, test } from '@jest/globals';
import { parseCidrList } from '../../src/audit/parameters.js';
import { buildAuditSql, PRESETS, type AuditParameters } from '../../src/audit/query.js';
import { RESULT_COLUMNS } from '../../src/audit/port-row.js';
import { parseLogFormat, V2_FORMAT, V5_FORMAT, type FlowLogFormat } from '../../src/flowlog/format.js';
import { buildDrillDownSql } from '../../src/audit/drill-down.js';
import { buildRecordCountsSql } from '../../src/audit/empty-audit.js';
import { parquetStackTableShape } from '../../src/audit/parquet-stack-table.js';
import { onVpc, stackTableShape, type TableShape } from '../../src/audit/table-shape.js';
import { windowEndingAt } from '../../src/flowlog/layout.js';
import type { InventoryVpc } from '../../src/audit/audit-unit.js';
import { trinoSyntaxErrors } from '../support/trino-grammar.js';

const CUSTOM = parseLogFormat('${version} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${action} ${tcp-flags}');
const FORMATS = [V2_FORMAT, V5_FORMAT, CUSTOM];
const CIDRS = {
  ipv4: '172.20.0.0/14',
  ipv6: '2600:1f18:47b:a900::/56',
  both: '10.0.0.0/16,100.64.0.0/10,2600:1f18:47b:a900::/56',
};

const TABLE = { database: 'vpc_port_audit', table: 'flow_logs' };
const onFormat = (format: FlowLogFormat) => ({ source: stackTableShape(TABLE, format) });

const params = (over: Partial<AuditParameters> = {}): AuditParameters => ({
  preset: 'egress-ports',
  vpcCidrs: parseCidrList(CIDRS.both),
  window: windowEndingAt(new Date('2026-11-02T00:00:00Z'), 24),
  maxPorts: 10,
  ...onFormat(V5_FORMAT),
  ...over,
});

describe('buildAuditSql shapes', () => {
  test('egress-ports on v5 groups destination ports of egress records the VPC opened, ranked by connections', () => {
    const sql = buildAuditSql(params());
    expect(sql).toMatch(/^WITH records AS \(\n {2}SELECT srcaddr, srcport, dstaddr, dstport, protocol, packets, bytes,\n/);
    expect(sql).toContain(`FROM "vpc_port_audit"."flow_logs"`);
    expect(sql).toContain(`dt BETWEEN '2026/11/01/00' AND '2026/11/01/23'`);
    expect(sql).toContain(`flow_direction = 'egress'`);
    // Opening interval (SYN without SYN-ACK) or a later one (neither) towards the lower, service-side port.
    expect(sql).toContain('(bitwise_and(tcp_flags, 18) = 2 OR bitwise_and(tcp_flags, 18) = 0 AND dstport <= srcport)');
    expect(sql).toContain(`action = 'ACCEPT'`);
    expect(sql).toContain(`log_status = 'OK'`);
    expect(sql).toMatch(/NOT \(/);
    // The NAT gateway's interfaces are told by the records: translated packets received for outside addresses.
    expect(sql).toMatch(/max\(CASE WHEN flow_direction = 'ingress' AND .* AND NOT .*pkt_dstaddr.* THEN 1 ELSE 0 END\) OVER \(PARTITION BY interface_id\) = 1\) AS nat_copy/);
    expect(sql).toContain('count(DISTINCT concat(srcaddr, \' \', CAST(srcport AS varchar), \' \', dstaddr, \' \', CAST(dstport AS varchar))) AS connections');
    // Each record's unit from the format's own fields (v5: account-id, region, vpc-id).
    expect(sql).toContain('\n    account_id, region, vpc_id,\n');
    // Every port of each unit up to maxPorts, each row with its unit's count of ports (what the cap left out is the difference).
    expect(sql).toContain('GROUP BY account_id, region, vpc_id, dstport, protocol, nat_copy');
    expect(sql).toContain('count(*) OVER (PARTITION BY account_id, region, vpc_id) AS ports_in_window');
    expect(sql).toContain('row_number() OVER (PARTITION BY account_id, region, vpc_id ORDER BY max(connections) DESC, max(flows) DESC, port, protocol) AS port_rank');
    expect(sql).toMatch(/\nWHERE port_rank <= 10\nORDER BY account_id, region, vpc_id, port_rank$/);
  });

  test('egress-ports on v2 falls back to the port order and never mentions v3+ columns; NAT addresses given mark its copies', () => {
    const sql = buildAuditSql(params(onFormat(V2_FORMAT)));
    expect(sql).toContain('dstport <= srcport');
    expect(sql).toContain('false AS nat_copy');
    expect(sql).not.toMatch(/tcp_flags|flow_direction|pkt_dstaddr/);
    const told = buildAuditSql(params({ ...onFormat(V2_FORMAT), natAddresses: ['10.0.0.220', '10.0.1.9'] }));
    expect(told).toContain(`(srcaddr IN ('10.0.0.220', '10.0.1.9')) AS nat_copy`);
  });

  test('seed groups source ports of records from the VPC, with no direction terms', () => {
    const sql = buildAuditSql(params({ preset: 'seed', vpcCidrs: parseCidrList(CIDRS.ipv4) }));
    expect(sql).toContain('SELECT account_id, region, vpc_id, srcport AS port');
    expect(sql).toContain(`starts_with(srcaddr, '172.')`);
    expect(sql).toContain(`BETWEEN 20 AND 23`);
    expect(sql).not.toMatch(/starts_with\(dstaddr|flow_direction|ACCEPT|LIKE/);
  });

  test('the window names exactly its first and last hour, across a month end', () => {
    const sql = buildAuditSql(params({ window: windowEndingAt(new Date('2026-12-01T02:00:00Z'), 3) }));
    expect(sql).toContain(`dt BETWEEN '2026/11/30/23' AND '2026/12/01/01'`);
  });

  test('every preset selects the shared result columns', () => {
    for (const preset of PRESETS) {
      const select = /\nSELECT ([\s\S]*?)\nFROM ports/.exec(buildAuditSql(params({ preset })))![1]!;
      expect(select.split(', ')).toEqual([...RESULT_COLUMNS]);
    }
  });

  test('IPv6 blocks use an anchored pattern on the printed address', () => {
    const sql = buildAuditSql(params({ vpcCidrs: parseCidrList(CIDRS.ipv6) }));
    expect(sql).toContain(`regexp_like(srcaddr, '^2600:1f18:47b:a9[0-9a-f]{2}(?::|$)')`);
  });
});

describe('Trino grammar', () => {
  const cases = PRESETS.flatMap((preset) =>
    FORMATS.flatMap((format) => Object.entries(CIDRS).map(([family, cidrs]) => [preset, format.name, family, format, cidrs] as const)),
  );
  test.each(cases)('%s on %s with %s blocks parses as Trino SQL', async (preset, _name, _family, format, cidrs) => {
    const sql = buildAuditSql(params({ preset, ...onFormat(format), vpcCidrs: parseCidrList(cidrs), maxPorts: 1000 }));
    expect(await trinoSyntaxErrors(sql)).toEqual([]);
  });

  test('the grammar check does reject broken SQL', async () => {
    const sql = buildAuditSql(params()).replace('GROUP BY', 'GROUP');
    expect((await trinoSyntaxErrors(sql)).length).toBeGreaterThan(0);
  });
});

describe("the stack's own table kept to its VPC (onVpc)", () => {
  const VPC = 'vpc-0a1b2c3d4e5f67890';
  const shapes: [string, TableShape][] = [
    ['v5 (Firehose)', onVpc(stackTableShape(TABLE, V5_FORMAT), VPC)],
    ['Parquet (s3-parquet)', onVpc(parquetStackTableShape({ database: 'vpc_port_audit', table: 'flow_logs_parquet' }), VPC)],
  ];

  test.each(shapes)('%s: the audit, the drill-down and the record counts filter on vpc_id, and parse as Trino SQL', async (_name, source) => {
    const p = params({ source });
    const forms = [buildAuditSql(p), buildDrillDownSql(p, [{ port: 443, protocol: 6 }]), buildRecordCountsSql(p)];
    for (const sql of forms) {
      expect(sql).toContain(`vpc_id = '${VPC}'`);
      expect(await trinoSyntaxErrors(sql)).toEqual([]);
    }
  });

  test('a format without vpc-id (v2), or no VPC id, leaves the table as it is', () => {
    const v2 = stackTableShape(TABLE, V2_FORMAT);
    expect(onVpc(v2, VPC)).toBe(v2);
    const v5 = stackTableShape(TABLE, V5_FORMAT);
    expect(onVpc(v5, undefined)).toBe(v5);
    expect(buildAuditSql(params({ source: v5 }))).not.toContain('vpc_id =');
  });

  test('only a VPC id reaches the SQL', () => {
    expect(() => onVpc(stackTableShape(TABLE, V5_FORMAT), "vpc-0a1b2c3d' OR '1'='1")).toThrow("onVpc: 'vpc-0a1b2c3d' OR '1'='1' is not a VPC id");
  });
});

describe('an organisation audit with a VPC inventory (issue 21)', () => {
  const inventory: InventoryVpc[] = [
    { account: '111122223333', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f67890', cidrs: parseCidrList('10.0.0.0/16') },
    { account: '444455556666', region: 'eu-west-1', vpcId: 'vpc-11112222', cidrs: parseCidrList('10.0.0.0/16,2600:1f18:47b:a900::/56') },
  ];

  test('each record joins its inventory VPC (its own vpc-id, else account, region and source address), and "inside" is that VPC\'s', () => {
    const sql = buildAuditSql(params({ inventory, vpcCidrs: [] }));
    expect(sql).toContain(
      `LEFT JOIN (VALUES ('vpc-0a1b2c3d4e5f67890', '111122223333', 'eu-west-1', 0), ('vpc-11112222', '444455556666', 'eu-west-1', 1)) ` +
        'AS inventory (inventory_vpc, inventory_account, inventory_region, inventory_cidr_set)',
    );
    expect(sql).toContain(
      `ON inventory_vpc = coalesce(vpc_id, CASE\n      WHEN (account_id IS NULL OR account_id = '111122223333') AND (region IS NULL OR region = 'eu-west-1') AND (starts_with(srcaddr, '10.0.')) THEN 'vpc-0a1b2c3d4e5f67890'`,
    );
    expect(sql).toContain(') AS located');
    // Units: the record's own fields first, the inventory's where the record has none.
    expect(sql).toContain('coalesce(account_id, inventory_account) AS account_id');
    expect(sql).toContain('coalesce(vpc_id, inventory_vpc) AS vpc_id');
    // Counted when the destination is outside the record's own VPC (another VPC of the organisation is outside).
    expect(sql).toContain(`NOT (CASE inventory_cidr_set WHEN 0 THEN (starts_with(dstaddr, '10.0.')) WHEN 1 THEN ((starts_with(dstaddr, '10.0.')) OR (regexp_like(dstaddr,`);
    // A VPC nobody listed: egress that the format says left the VPC (traffic-path other than 1).
    expect(sql).toContain(`CASE WHEN inventory_vpc IS NULL THEN coalesce(traffic_path <> 1, false) ELSE NOT (CASE inventory_cidr_set`);
    expect(sql).toContain(`inventory_vpc IS NULL AND flow_direction = 'egress'`);
  });

  test('VPCs with the same CIDRs share one "inside" test, so its size follows the distinct CIDR lists, not the VPCs', () => {
    const reused: InventoryVpc[] = Array.from({ length: 100 }, (_, i) => ({
      account: String(100000000000 + Math.floor(i / 2)),
      region: 'eu-west-1',
      vpcId: `vpc-${String(i).padStart(8, '0')}`,
      cidrs: parseCidrList(i % 2 === 0 ? '10.0.0.0/16' : '10.1.0.0/16'),
    }));
    const sql = buildAuditSql(params({ inventory: reused, vpcCidrs: [] }));
    expect(sql).toContain(`(CASE inventory_cidr_set WHEN 0 THEN (starts_with(srcaddr, '10.0.')) WHEN 1 THEN (starts_with(srcaddr, '10.1.')) ELSE false END)`);
    expect(sql).not.toContain('WHEN 2 THEN');
    expect(sql).toContain(`('vpc-00000099', '100000000049', 'eu-west-1', 1)`);
  });

  test('accounts keep only those accounts\' records: on the account column, else by the address of their inventory VPCs', () => {
    const onV5 = buildAuditSql(params({ inventory, vpcCidrs: [], accounts: ['444455556666'] }));
    expect(onV5).toContain(`AND (account_id IN ('444455556666') OR account_id IS NULL AND ((starts_with(srcaddr, '10.0.')) OR (regexp_like(srcaddr,`);
    expect(buildAuditSql(params({ vpcCidrs: [], accounts: ['111122223333'] }))).toContain(`AND account_id IN ('111122223333')`);
    // A format that names no account: only the inventory can tell, and without one the audit refuses.
    const custom = { source: stackTableShape(TABLE, CUSTOM) };
    expect(buildAuditSql(params({ inventory, accounts: ['111122223333'], ...custom }))).toContain(`AND (starts_with(srcaddr, '10.0.'))\n`);
    expect(() => buildAuditSql(params({ accounts: ['111122223333'], ...custom }))).toThrow(
      "accounts: flow_logs tells no record's account (no account-id field, account partition or AWSLogs path); give a VPC inventory (--vpcs, the action's vpcs-file) so that records are attributed to accounts by address, or audit every account.",
    );
  });

  test('--vpc-cidr applies to every VPC of the inventory; a format without vpc-id is matched on the address alone', () => {
    const sql = buildAuditSql(params({ inventory, vpcCidrs: parseCidrList('100.64.0.0/10'), ...onFormat(V2_FORMAT) }));
    expect(sql).toContain(`ON inventory_vpc = CASE\n      WHEN (account_id IS NULL OR account_id = '111122223333') AND (starts_with(srcaddr, '10.0.')) THEN 'vpc-0a1b2c3d4e5f67890'`);
    expect(sql).toContain(`WHEN 0 THEN ((starts_with(dstaddr, '10.0.')) OR (starts_with(dstaddr, '100.') AND`);
    expect(sql).toContain('inventory_vpc AS vpc_id');
    // v2 has no flow-direction: records of no known VPC are not audited.
    expect(sql).not.toContain('traffic_path');
  });

  test.each(FORMATS.map((f) => [f.name, f] as const))('on %s the audit, the drill-down and the record counts parse as Trino SQL', async (_name, format) => {
    for (const vpcCidrs of [[], parseCidrList(CIDRS.both)]) {
      const p = params({ inventory, vpcCidrs, ...onFormat(format) });
      for (const sql of [buildAuditSql(p), buildDrillDownSql(p, [{ port: 443, protocol: 6 }]), buildRecordCountsSql(p)]) {
        expect(await trinoSyntaxErrors(sql)).toEqual([]);
      }
    }
  });
});
