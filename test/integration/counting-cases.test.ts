// The real-world counting cases (test/fixtures/cases/, vendored from the project's shared cases; each README
// names its public source), run by the DuckDB engine as the CLI's audit command runs them (v5, 10.0.0.0/16,
// the hour 10:00-11:00 of 2026-11-01), with their right answers:
//  - 11-nat-gateway-double-count: the NAT gateway's translated copy is not a second connection.
//  - 12-long-lived-connection: a connection opened before the window (tcp-flags 0) still counts.
import { describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parseCidrList } from '../../src/audit/parameters.js';
import type { AuditParameters } from '../../src/audit/query.js';
import { stackTableShape } from '../../src/audit/table-shape.js';
import { DuckDbEngine } from '../../src/engines/duckdb.js';
import { V5_FORMAT } from '../../src/flowlog/format.js';
import { windowEndingAt } from '../../src/flowlog/layout.js';

const CASES = new URL('../fixtures/cases/', import.meta.url).pathname;

/** The case's README command: `audit --logs logs --vpc-cidr 10.0.0.0/16 --end 2026-11-01T11 --lookback-hours 1`. */
async function audit(name: string, over: Partial<AuditParameters> = {}, logsDir = join(CASES, name, 'logs')) {
  const engine = new DuckDbEngine({ logsDir });
  const result = await engine.runAudit({
    preset: 'egress-ports',
    vpcCidrs: parseCidrList('10.0.0.0/16'),
    window: windowEndingAt(new Date('2026-11-01T11:00:00Z'), 1),
    maxPorts: 10,
    source: stackTableShape({ database: 'vpc_port_audit', table: 'flow_logs' }, V5_FORMAT),
    ...over,
  });
  return result.rows.map(({ samplePeers: _, ...row }) => row);
}

describe('real-world counting cases', () => {
  test('11-nat-gateway-double-count: 443 has 2 connections and 2 flows (not 4), 5432 has 3 and ranks first', async () => {
    const expected = [
      { port: 5432, protocol: 6, connections: 3, flows: 3, packets: 90, bytes: 15_600, peers: 1 },
      { port: 443, protocol: 6, connections: 2, flows: 2, packets: 20, bytes: 4000, peers: 1 },
    ];
    // Told by the records themselves: the NAT's interface received packets for 203.0.113.5 addressed to itself.
    expect(await audit('11-nat-gateway-double-count')).toEqual(expected);
    // The NAT's address given (as the action's DescribeNatGateways or the CLI's --nat-addresses give it): the same.
    expect(await audit('11-nat-gateway-double-count', { natAddresses: ['10.0.0.220'] })).toEqual(expected);
  });

  test('12-long-lived-connection: 9092 (opened the day before, flags 0, 1.5 MB egress) counts beside the fresh 443', async () => {
    expect(await audit('12-long-lived-connection')).toEqual([
      // One connection in six records: it ranks by its one connection, then by flows, never by its records alone.
      { port: 9092, protocol: 6, connections: 1, flows: 6, packets: 2400, bytes: 1_500_000, peers: 1 },
      { port: 443, protocol: 6, connections: 1, flows: 1, packets: 12, bytes: 3400, peers: 1 },
    ]);
  });
});

describe('the ranking unit: connections, then flows', () => {
  test('three short connections to 443 outrank one long connection to 9092 with six records (case 12 plus two more 443 connections)', async () => {
    const hour = '2026/11/01/10';
    const file = 'vpc-flow-logs-1-2026-11-01-10-05-00-0a1b2c3d-4e5f-6789-0abc-def012345678.gz';
    const lines = gunzipSync(await readFile(join(CASES, '12-long-lived-connection/logs', hour, file))).toString().trim().split('\n');
    // Two more short 443 connections: the fresh connection's two records from other source ports.
    const more = [45013, 45014].flatMap((port) => lines.slice(0, 2).map((line) => line.replaceAll(' 45012 ', ` ${port} `)));
    const dir = await mkdtemp(join(tmpdir(), 'ranking-'));
    await mkdir(join(dir, hour), { recursive: true });
    await writeFile(join(dir, hour, file), gzipSync(`${[...lines, ...more].join('\n')}\n`));
    const rows = await audit('12-long-lived-connection', {}, dir);
    expect(rows.map((r) => [r.port, r.connections, r.flows])).toEqual([
      [443, 3, 3],
      [9092, 1, 6],
    ]);
  });
});
