// Security Lake's OCSF VPC flow table read from its Glue definition: the flow-log fields as expressions over the
// OCSF structs (as Security Lake's mapping fills them), its day partition and `time` for the window, its
// account and region partitions, the Trino grammar of every query over it, and one sentence for an OCSF table
// the audit cannot read. The same table runs on DuckDB in test/integration/ocsf-table-duckdb.test.ts.
import { describe, expect, test } from '@jest/globals';
import { glueTableShape, type GlueTableDefinition } from '../../src/audit/glue-table.js';
import { parseCidrList } from '../../src/audit/parameters.js';
import { buildAuditSql } from '../../src/audit/query.js';
import { buildDrillDownSql } from '../../src/audit/drill-down.js';
import { buildRecordCountsSql } from '../../src/audit/empty-audit.js';
import { InputError } from '../../src/input-error.js';
import { trinoSyntaxErrors } from '../support/trino-grammar.js';
import { SECURITY_LAKE_VPC_FLOW } from '../support/glue-tables.js';

const definition = SECURITY_LAKE_VPC_FLOW.definition;
const ref = { database: definition.DatabaseName!, table: definition.Name! };
const WINDOW = { start: new Date('2026-10-30T05:00:00Z'), end: new Date('2026-11-02T05:00:00Z') };
const parameters = (d: GlueTableDefinition = definition) => ({
  preset: 'egress-ports' as const,
  vpcCidrs: parseCidrList('10.0.0.0/16'),
  window: WINDOW,
  maxPorts: 10,
  source: glueTableShape(ref, d),
});

describe('the Security Lake OCSF table', () => {
  test('reads each flow-log field from the attribute the mapping fills, account and region from the partitions', () => {
    const { columns } = glueTableShape(ref, definition);
    expect(Object.fromEntries(columns)).toMatchObject({
      srcaddr: 'coalesce(array_min(src_endpoint.intermediate_ips), src_endpoint.ip)',
      dstaddr: 'coalesce(array_min(dst_endpoint.intermediate_ips), dst_endpoint.ip)',
      pkt_dstaddr: 'dst_endpoint.ip',
      dstport: 'dst_endpoint.port',
      protocol: 'connection_info.protocol_num',
      bytes: 'traffic.bytes',
      action: `CASE action_id WHEN 1 THEN 'ACCEPT' WHEN 2 THEN 'REJECT' END`,
      flow_direction: `CASE connection_info.direction_id WHEN 1 THEN 'ingress' WHEN 2 THEN 'egress' END`,
      interface_id: 'coalesce(src_endpoint.interface_uid, dst_endpoint.interface_uid)',
      vpc_id: 'coalesce(src_endpoint.vpc_uid, dst_endpoint.vpc_uid)',
      account_id: 'accountid',
      region: 'region',
    });
  });

  test('the window reads the eventday partitions (YYYYMMDD, one more day for late delivery) and cuts by time in milliseconds', () => {
    const sql = buildAuditSql(parameters());
    expect(sql).toContain(`WHERE eventday BETWEEN '20261030' AND '20261102'\n    AND "time" / 1000 >= 1793336400\n    AND "time" / 1000 < 1793595600`);
    expect(glueTableShape(ref, definition).partitioning).toBe('partition eventday (yyyyMMdd, assumed), daily: the window also filters start; region, accountid not filtered');
  });

  test('the audit, the drill-down and the empty-audit counts parse as Trino SQL', async () => {
    const p = parameters();
    for (const sql of [buildAuditSql(p), buildDrillDownSql(p, [{ port: 443, protocol: 6 }]), buildRecordCountsSql(p)]) expect(await trinoSyntaxErrors(sql)).toEqual([]);
  });

  test('an OCSF table missing a needed attribute is one sentence naming it', () => {
    const columns = definition.StorageDescriptor!.Columns!.map((c) =>
      c.Name === 'dst_endpoint' ? { ...c, Type: c.Type!.replace('port:int,', '') } : c,
    ).filter((c) => c.Name !== 'action_id');
    let error: unknown;
    try {
      glueTableShape(ref, { ...definition, StorageDescriptor: { Columns: columns } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(
      'table amazon_security_lake_glue_db_eu_west_1.amazon_security_lake_table_eu_west_1_vpc_flow_2_0 is an OCSF table without dst_endpoint.port, action_id; ' +
        'a port audit reads src_endpoint.ip/.port, dst_endpoint.ip/.port, connection_info.protocol_num, traffic.packets/.bytes, action_id and time, ' +
        "as Security Lake's VPC flow table (OCSF 1.1.0, source version 2) has them.",
    );
  });
});
