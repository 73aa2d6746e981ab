// The drill-down run by the DuckDB engine on generated flow logs: the generator knows which host opens the
// beacon port (and to where), which clients sit behind the NAT gateway, and which long connections exist; the
// drill-down must name them. The SQL is the Athena SQL (Trino grammar) and its rows are validated.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDrillDownSql, summarizeDrillDown, DRILL_DOWN_COLUMNS, type RawDrillDownRow } from '../../src/audit/drill-down.js';
import { parseCidrList } from '../../src/audit/parameters.js';
import type { AuditParameters } from '../../src/audit/query.js';
import { stackTableShape } from '../../src/audit/table-shape.js';
import { DuckDbEngine } from '../../src/engines/duckdb.js';
import { V2_FORMAT, V5_FORMAT, type FlowLogFormat } from '../../src/flowlog/format.js';
import { windowEndingAt } from '../../src/flowlog/layout.js';
import { generateSample, type GroundTruth } from '../../src/flowlog/sample.js';
import { trinoSyntaxErrors } from '../support/trino-grammar.js';

const END = new Date('2026-11-02T00:00:00Z');
const HOURS = 6;
const CIDRS = '172.20.0.0/14';

const parameters = (format: FlowLogFormat): AuditParameters => ({
  preset: 'egress-ports', vpcCidrs: parseCidrList(CIDRS), window: windowEndingAt(END, HOURS), maxPorts: 10,
  source: stackTableShape({ database: 'vpc_port_audit', table: 'flow_logs' }, format),
});

async function sample(format: FlowLogFormat): Promise<{ out: string; truth: GroundTruth }> {
  const out = await mkdtemp(join(tmpdir(), 'drill-down-'));
  const truth = await generateSample({ out, vpcCidrs: parseCidrList(CIDRS), end: END, days: HOURS / 24, recordsPerHour: 400, seed: 7, format, filesPerHour: 1 });
  return { out, truth };
}

describe('drill-down on generated v5 logs', () => {
  let v5: { out: string; truth: GroundTruth };
  beforeAll(async () => {
    v5 = await sample(V5_FORMAT);
  });

  test('names the instance, interface, subnet and address that opened the beacon port, its destination and path, and when', async () => {
    const { beacon } = v5.truth;
    const result = await new DuckDbEngine({ logsDir: v5.out }).runDrillDown(parameters(V5_FORMAT), [{ port: beacon.port, protocol: beacon.protocol }]);
    expect(result.rejected).toEqual([]);
    expect(result.sql).toBe(buildDrillDownSql(parameters(V5_FORMAT), [{ port: beacon.port, protocol: beacon.protocol }]));
    const [drill] = result.ports;
    const truthRow = v5.truth.egressPorts.find((r) => r.port === beacon.port)!;
    expect(drill).toMatchObject({ port: beacon.port, protocol: 6, connections: HOURS * 2 });
    expect(drill!.connections).toBe(truthRow.connections);
    expect(drill!.bytes).toBe(truthRow.bytes);
    expect(drill!.sources).toEqual([
      { instanceId: beacon.instanceId, interfaceId: beacon.interfaceId, subnetId: beacon.subnetId, address: beacon.address, connections: HOURS * 2, bytes: truthRow.bytes },
    ]);
    expect(drill!.destinations).toEqual([{ address: beacon.peer, awsService: null, trafficPath: 8, connections: HOURS * 2, bytes: truthRow.bytes }]);
    expect(Date.parse(drill!.firstSeen!)).toBeGreaterThanOrEqual(END.getTime() - HOURS * 3_600_000);
    expect(Date.parse(drill!.lastSeen!)).toBeLessThanOrEqual(END.getTime() + 60_000);
    expect(Date.parse(drill!.lastSeen!)).toBeGreaterThan(Date.parse(drill!.firstSeen!));
  });

  test('through the NAT gateway, the sources are the instances, never the NAT; several ports in one query, in the order asked', async () => {
    const ports = [{ port: 443, protocol: 6 }, { port: 9092, protocol: 6 }, { port: 1, protocol: 6 }];
    const result = await new DuckDbEngine({ logsDir: v5.out }).runDrillDown(parameters(V5_FORMAT), ports);
    expect(result.ports.map((p) => p.port)).toEqual([443, 9092]);
    const https = result.ports[0]!;
    expect(https.connections).toBe(v5.truth.egressPorts.find((r) => r.port === 443)!.connections);
    expect(https.sources).toHaveLength(3);
    expect(https.sources.map((s) => s.address)).not.toContain(v5.truth.natAddresses[0]);
    expect(https.sources.every((s) => s.instanceId !== null)).toBe(true);
  });

  test('the seed preset drills into what it counts (source ports), and each drill-down agrees with its audit row', async () => {
    const seed = { ...parameters(V5_FORMAT), preset: 'seed' as const, maxPorts: 1000 };
    const engine = new DuckDbEngine({ logsDir: v5.out });
    const { rows } = await engine.runAudit(seed);
    expect(rows.map(({ port, protocol, connections, flows, bytes }) => ({ port, protocol, connections, flows, bytes })))
      .toEqual(v5.truth.seed.map(({ port, protocol, connections, flows, bytes }) => ({ port, protocol, connections, flows, bytes })));
    const result = await engine.runDrillDown(seed, rows);
    expect(result.sql).toContain('SELECT account_id, region, vpc_id, srcport AS port');
    expect(result.ports.map(({ port, protocol, connections, flows, bytes }) => ({ port, protocol, connections, flows, bytes })))
      .toEqual(rows.map(({ port, protocol, connections, flows, bytes }) => ({ port, protocol, connections, flows, bytes })));
  });

  test('the SQL parses as Trino SQL', async () => {
    for (const preset of ['egress-ports', 'seed'] as const) {
      expect(await trinoSyntaxErrors(buildDrillDownSql({ ...parameters(V5_FORMAT), preset }, [{ port: 8333, protocol: 6 }, { port: 53, protocol: 17 }]))).toEqual([]);
    }
  });
});

test('v2 logs show what they have: addresses and counts, no instance, subnet, service or path', async () => {
  const { out, truth } = await sample(V2_FORMAT);
  const { beacon } = truth;
  const result = await new DuckDbEngine({ logsDir: out, format: V2_FORMAT }).runDrillDown(parameters(V2_FORMAT), [{ port: beacon.port, protocol: 6 }]);
  const [drill] = result.ports;
  expect(drill!.sources).toEqual([expect.objectContaining({ instanceId: null, interfaceId: beacon.interfaceId, subnetId: null, address: beacon.address })]);
  expect(drill!.destinations).toEqual([expect.objectContaining({ address: beacon.peer, awsService: null, trafficPath: null })]);
});

test('poisoned rows are left out, each with one warning', () => {
  const good: RawDrillDownRow = {
    account_id: null, region: null, vpc_id: null, port: 8333, protocol: 6, nat_copy: false, instance_id: 'i-0a1b2c3d4e5f60001', interface_id: 'eni-0a1b2c3d4e5f60001', subnet_id: null,
    srcaddr: '10.0.1.5', dstaddr: '203.0.113.5', pkt_dst_aws_service: null, traffic_path: 8, connections: 2, flows: 2, bytes: 100n,
    first_seen: 1793527260, last_seen: 1793527320, port_total: false,
  };
  expect(Object.keys(good)).toEqual([...DRILL_DOWN_COLUMNS]);
  const { ports, rejected } = summarizeDrillDown(
    [good, { ...good, instance_id: '<img src=x>' }, { ...good, dstaddr: '@octocat' }, { ...good, port: 70000 }, { ...good, vpc_id: 'vpc-<b>' }],
    [{ port: 8333, protocol: 6 }],
  );
  expect(ports[0]).toMatchObject({ connections: 2, bytes: 100, firstSeen: '2026-11-01T10:01:00.000Z', lastSeen: '2026-11-01T10:02:00.000Z' });
  expect(rejected).toEqual([
    'Drill-down row 2 was left out: instance_id "<img src=x>" is not valid.',
    'Drill-down row 3 was left out: dstaddr "@octocat" is not an IP address.',
    'Drill-down row 4 was left out: port 70000 is not valid.',
    'Drill-down row 5 was left out: vpc_id "vpc-<b>" is not a VPC id (vpc- and up to 32 lowercase letters and digits).',
  ]);
});

test('a unit whose groups the row limit cut keeps its totals; the organisation-wide totals sum every unit', () => {
  const row = (vpc: string, total: boolean, connections: number): RawDrillDownRow => ({
    account_id: '111122223333', region: 'us-east-1', vpc_id: vpc, port: 22, protocol: 6, nat_copy: false,
    instance_id: null, interface_id: null, subnet_id: null, srcaddr: total ? null : '10.0.1.5', dstaddr: total ? null : '198.51.100.7',
    pkt_dst_aws_service: null, traffic_path: null, connections, flows: connections, bytes: connections * 100,
    first_seen: 1793527260, last_seen: 1793527320, port_total: total,
  });
  // vpc-0000000a has its totals and one group; vpc-0000000b only its totals (its groups were beyond the limit).
  const { ports, units } = summarizeDrillDown([row('vpc-0000000a', true, 5), row('vpc-0000000b', true, 7), row('vpc-0000000a', false, 5)], [{ port: 22, protocol: 6 }]);
  expect(units.map((u) => [u.unit.vpcId, u.ports[0]!.connections, u.ports[0]!.sources.length, u.ports[0]!.firstSeen])).toEqual([
    ['vpc-0000000a', 5, 1, '2026-11-01T10:01:00.000Z'],
    ['vpc-0000000b', 7, 0, '2026-11-01T10:01:00.000Z'],
  ]);
  expect(ports[0]).toMatchObject({ connections: 12, flows: 12, bytes: 1200 });
});
