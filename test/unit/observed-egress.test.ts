// The observed-egress SQL of the egress-rules proposal (issue 23): it passes the Trino grammar (Athena's dialect) on
// each format with interface-id, with and without an inventory and on the Parquet table; a format without
// interface-id is refused in one sentence; result rows that are not what the query can return are left out.
import { describe, expect, test } from '@jest/globals';
import { parseCidrList } from '../../src/audit/parameters.js';
import type { AuditParameters } from '../../src/audit/query.js';
import { parseCidr } from '../../src/audit/cidr.js';
import { parquetStackTableShape } from '../../src/audit/parquet-stack-table.js';
import { stackTableShape } from '../../src/audit/table-shape.js';
import { parseLogFormat, V2_FORMAT, V5_FORMAT, V8_FORMAT, type FlowLogFormat } from '../../src/flowlog/format.js';
import { windowEndingAt } from '../../src/flowlog/layout.js';
import { buildObservedEgressSql, prefixListName, readObservedEgress, requireInterfaceId, type RawObservedEgressRow } from '../../src/egress/observed-egress.js';
import { InputError } from '../../src/input-error.js';
import { trinoSyntaxErrors } from '../support/trino-grammar.js';

const TABLE = { database: 'vpc_port_audit', table: 'flow_logs' };
const INVENTORY = [
  { account: '111122223333', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f67890', cidrs: [parseCidr('10.0.0.0/16')] },
  { account: '111122223333', region: 'eu-west-1', vpcId: 'vpc-0b1b2c3d4e5f67890', cidrs: [parseCidr('10.1.0.0/16'), parseCidr('2600:1f18:47b:a900::/56')] },
];

const params = (format: FlowLogFormat, over: Partial<AuditParameters> = {}): AuditParameters => ({
  preset: 'egress-ports',
  vpcCidrs: parseCidrList('10.0.0.0/16'),
  window: windowEndingAt(new Date('2026-11-02T00:00:00Z'), 24),
  maxPorts: 10,
  source: stackTableShape(TABLE, format),
  ...over,
});

describe('buildObservedEgressSql', () => {
  const cases: [string, AuditParameters][] = [
    ['v2', params(V2_FORMAT)],
    ['v5', params(V5_FORMAT)],
    ['v8 with an inventory', params(V8_FORMAT, { vpcCidrs: [], inventory: INVENTORY })],
    ['no CIDR at all (every destination outside)', params(V5_FORMAT, { vpcCidrs: [] })],
    ['the Parquet table with NAT addresses', params(V5_FORMAT, { source: parquetStackTableShape({ database: 'vpc_port_audit', table: 'flow_logs_parquet' }), natAddresses: ['10.0.0.220'] })],
  ];
  test.each(cases)('on %s it parses as Trino SQL', async (_name, p) => {
    expect(await trinoSyntaxErrors(buildObservedEgressSql(p))).toEqual([]);
  });

  test('keeps what the interfaces opened, leaves out NAT copies, and names destinations by the VPC and inventory CIDRs', () => {
    const sql = buildObservedEgressSql(params(V5_FORMAT, { inventory: INVENTORY }));
    expect(sql).toContain('WHERE opened AND NOT nat_copy');
    expect(sql).toContain("flow_direction = 'egress'");
    expect(sql).toContain("THEN '10.1.0.0/16'");
    expect(sql).toContain("THEN '2600:1f18:47b:a900::/56'");
    expect(sql).toContain("pkt_dst_aws_service IN ('S3', 'DYNAMODB')");
  });

  test('the grammar check catches a broken form of it', async () => {
    const sql = buildObservedEgressSql(params(V5_FORMAT)).replace('GROUP BY', 'GROUP');
    expect((await trinoSyntaxErrors(sql)).length).toBeGreaterThan(0);
  });

  test('the AWS-managed prefix lists are named per Region', () => {
    expect(prefixListName('S3', 'eu-west-1')).toBe('com.amazonaws.eu-west-1.s3');
    expect(prefixListName('DYNAMODB', 'us-east-2')).toBe('com.amazonaws.us-east-2.dynamodb');
  });
});

describe('requireInterfaceId', () => {
  test('a custom format without interface-id is refused in one sentence naming the input and what is accepted', () => {
    const custom = parseLogFormat('${version} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${action}');
    const call = () => requireInterfaceId(params(custom), '--logs');
    expect(call).toThrow(InputError);
    expect(call).toThrow(/^--logs: the flow logs' format has no interface-id field, .*accepted are formats with interface-id .*\$\{interface-id\}\)\.$/);
  });
  test('v2 has it', () => {
    expect(() => requireInterfaceId(params(V2_FORMAT), '--logs')).not.toThrow();
  });
});

describe('readObservedEgress', () => {
  const good: RawObservedEgressRow = {
    account_id: '111122223333', region: 'eu-west-1', vpc_id: 'vpc-0a1b2c3d4e5f67890', interface_id: 'eni-0a1b2c3d4e5f67890', srcaddr: '10.0.1.5',
    port: 443n, protocol: 6, destination_kind: 'internet', destination: '0.0.0.0/0', connections: 3n, flows: 4n, bytes: 900n, peers: 2n,
  };
  test('keeps a valid row and leaves out, one sentence each, rows with a bad id, address, destination or count', () => {
    const { rows, rejected } = readObservedEgress([
      good,
      { ...good, interface_id: "eni-x'; DROP" },
      { ...good, srcaddr: 'not-an-ip' },
      { ...good, destination_kind: 'aws-service', destination: 'EC2' },
      { ...good, destination: '10.0.0.1/16' },
      { ...good, port: 70000 },
    ]);
    expect(rows).toEqual([{ account: '111122223333', region: 'eu-west-1', vpcId: 'vpc-0a1b2c3d4e5f67890', interfaceId: 'eni-0a1b2c3d4e5f67890', sourceAddress: '10.0.1.5', port: 443, protocol: 6, destinationKind: 'internet', destination: '0.0.0.0/0', connections: 3, flows: 4, bytes: 900, peers: 2 }]);
    expect(rejected).toHaveLength(5);
    expect(rejected[0]).toMatch(/^Observed-egress row 2 was left out: interface_id .* is not valid\.$/);
    expect(rejected[3]).toMatch(/row 5 .*destination/);
  });
});
