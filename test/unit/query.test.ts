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
    // Every port up to maxPorts, each row with the window's count of ports (what the cap left out is the difference).
    expect(sql).toContain('count(*) OVER () AS ports_in_window');
    expect(sql).toMatch(/GROUP BY port, protocol\nORDER BY connections DESC, flows DESC, port, protocol\nLIMIT 10$/);
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
    expect(sql).toContain('SELECT srcport AS port');
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
      const select = /\nSELECT ([\s\S]*?)\nFROM views/.exec(buildAuditSql(params({ preset })))![1]!;
      expect([...select.matchAll(/ AS (\w+)|(?:^|, )(port|protocol)(?=,)/g)].map((m) => m[1] ?? m[2])).toEqual([...RESULT_COLUMNS]);
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
