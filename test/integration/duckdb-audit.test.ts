// The builder's SQL run by the DuckDB engine on generated flow logs equals the generator's ground truth, for
// both presets, v2 and v5, IPv4 VPCs that are not 10.0.0.0/16, IPv6, NODATA lines, long connections opened
// before the sample and traffic through a NAT gateway; and the engine reads only the window's hour folders.
import { describe, expect, test } from '@jest/globals';
import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parseCidrList } from '../../src/audit/parameters.js';
import { buildAuditSql, type AuditParameters, type Preset } from '../../src/audit/query.js';
import { onVpc, stackTableShape } from '../../src/audit/table-shape.js';
import { DuckDbEngine } from '../../src/engines/duckdb.js';
import { readLocalLogs } from '../../src/engines/local-files.js';
import { V2_FORMAT, V5_FORMAT, type FlowLogFormat } from '../../src/flowlog/format.js';
import { windowEndingAt } from '../../src/flowlog/layout.js';
import { generateSample, type GroundTruth } from '../../src/flowlog/sample.js';
import { EPHEMERAL_PORTS } from '../../src/flowlog/sample-traffic.js';
import { InputError } from '../../src/input-error.js';

const END = new Date('2026-11-02T00:00:00Z');
const HOURS = 6;
const TABLE = { database: 'vpc_port_audit', table: 'flow_logs' };

async function sample(cidrs: string, format: FlowLogFormat, seed = 3) {
  const out = await mkdtemp(join(tmpdir(), 'duckdb-audit-'));
  const truth = await generateSample({
    out, vpcCidrs: parseCidrList(cidrs), end: END, days: HOURS / 24, recordsPerHour: 400, seed, format, filesPerHour: 2,
  });
  return { out, truth };
}

const parameters = (cidrs: string, format: FlowLogFormat, preset: Preset, over: Partial<AuditParameters> = {}): AuditParameters => ({
  preset, vpcCidrs: parseCidrList(cidrs), window: windowEndingAt(END, HOURS), maxPorts: 1000, source: stackTableShape(TABLE, format), ...over,
});

const expected = (truth: GroundTruth, preset: Preset) => (preset === 'egress-ports' ? truth.egressPorts : truth.seed).slice(0, 1000);

describe('DuckDbEngine runs the Athena SQL and matches the ground truth', () => {
  const cases: [string, string, FlowLogFormat][] = [
    ['v5', '172.20.0.0/14,2600:1f18:47b:a900::/56', V5_FORMAT],
    ['v2', '172.20.0.0/14,2600:1f18:47b:a900::/56', V2_FORMAT],
    ['v5', '192.168.16.0/20', V5_FORMAT],
    ['v2', '100.64.0.0/10,10.1.0.0/16', V2_FORMAT],
  ];
  // The generated hours include NODATA/SKIPDATA lines, REJECTs, east-west traffic and server replies.
  test.each(cases)('%s logs of VPC %s, both presets', async (_name, cidrs, format) => {
    const { out, truth } = await sample(cidrs, format);
    const engine = new DuckDbEngine({ logsDir: out, format });
    for (const preset of ['egress-ports', 'seed'] as const) {
      // v5 tells the NAT gateway's copies by its records (pkt-dstaddr); v2 needs its address, as --nat-addresses gives it.
      const p = parameters(cidrs, format, preset, format === V2_FORMAT ? { natAddresses: truth.natAddresses } : {});
      const result = await engine.runAudit(p);
      expect(result.sql).toBe(buildAuditSql(p));
      expect(result.rows.map(({ samplePeers: _, ...row }) => row)).toEqual(expected(truth, preset));
      expect(result.portsLeftOut).toBe(0);
      expect(result.statistics.bytesScanned).toBe(truth.compressedBytes);
      expect(result.statistics.costUsd).toBe(0);
      expect(result.engine).toBe('duckdb');
    }
  });

  test('max-ports keeps the busiest ports, and the same query counts the ones it left out (a window count)', async () => {
    const cidrs = '172.20.0.0/14,2600:1f18:47b:a900::/56';
    const { out, truth } = await sample(cidrs, V5_FORMAT);
    const engine = new DuckDbEngine({ logsDir: out });
    for (const preset of ['egress-ports', 'seed'] as const) {
      const all = expected(truth, preset);
      const capped = await engine.runAudit(parameters(cidrs, V5_FORMAT, preset, { maxPorts: 5 }));
      expect(capped.rows.map(({ samplePeers: _, ...row }) => row)).toEqual(all.slice(0, 5));
      expect(capped.portsLeftOut).toBe(all.length - 5);
    }
  });

  test('server replies, ephemeral ports and IPv6 are told apart', async () => {
    const cidrs = '172.20.0.0/14,2600:1f18:47b:a900::/56';
    const { out } = await sample(cidrs, V5_FORMAT);
    const engine = new DuckDbEngine({ logsDir: out });
    const egress = (await engine.runAudit(parameters(cidrs, V5_FORMAT, 'egress-ports'))).rows;
    const seed = (await engine.runAudit(parameters(cidrs, V5_FORMAT, 'seed'))).rows;
    // The replies of servers in the VPC go to the visitors' ephemeral ports: none of them may count as outbound.
    expect(egress.filter((r) => r.port >= EPHEMERAL_PORTS.min)).toEqual([]);
    // 8080 is only served inside the VPC: it is a source port of replies (seed), never an outbound port.
    expect(seed.some((r) => r.port === 8080)).toBe(true);
    expect(egress.some((r) => r.port === 8080)).toBe(false);
    // The seed preset counts ephemeral source ports of outbound connections, as the original recipe did.
    expect(seed.filter((r) => r.port >= EPHEMERAL_PORTS.min).length).toBeGreaterThan(100);
    // IPv6: with only the IPv6 block, the audit still finds outbound ports and peers are IPv6 addresses.
    const v6 = (await engine.runAudit(parameters('2600:1f18:47b:a900::/56', V5_FORMAT, 'egress-ports'))).rows;
    expect(v6.length).toBeGreaterThan(0);
    expect(v6.flatMap((r) => r.samplePeers).every((peer) => peer.includes(':'))).toBe(true);
  });
});

describe('long connections and NAT gateways', () => {
  const cidrs = '172.20.0.0/14';

  test('a long connection opened before the sample (tcp-flags 0 in every record) counts once per window, in every window', async () => {
    const { out, truth } = await sample(cidrs, V5_FORMAT);
    const engine = new DuckDbEngine({ logsDir: out });
    const kafka = truth.egressPorts.find((r) => r.port === 9092)!;
    // Every hour of the sample has the long connection's six records on top of the short connections.
    expect(kafka.flows).toBeGreaterThanOrEqual(HOURS * 6);
    for (let hours = 1; hours <= HOURS; hours += 5) {
      const rows = (await engine.runAudit(parameters(cidrs, V5_FORMAT, 'egress-ports', { window: windowEndingAt(END, hours) }))).rows;
      expect(rows.find((r) => r.port === 9092)?.flows).toBeGreaterThanOrEqual(hours * 6);
    }
    // One long connection is one connection: flows (records) exceed connections by the long connection's intervals.
    expect(kafka.flows - kafka.connections).toBeGreaterThanOrEqual(HOURS * 6 - 1);
  });

  test('the NAT gateway\'s translated copies are not second connections; without its address v2 keeps the same ports', async () => {
    const { out, truth } = await sample(cidrs, V2_FORMAT);
    const engine = new DuckDbEngine({ logsDir: out, format: V2_FORMAT });
    const blind = (await engine.runAudit(parameters(cidrs, V2_FORMAT, 'egress-ports'))).rows;
    const told = (await engine.runAudit(parameters(cidrs, V2_FORMAT, 'egress-ports', { natAddresses: truth.natAddresses }))).rows;
    const key = (r: { port: number; protocol: number }) => `${r.port}/${r.protocol}`;
    expect(blind.map(key).sort()).toEqual(truth.egressPorts.map(key).sort());
    const https = (rows: readonly { port: number; connections: number }[]) => rows.find((r) => r.port === 443)!.connections;
    expect(https(blind)).toBeGreaterThan(https(truth.egressPorts));
    expect(https(told)).toBe(https(truth.egressPorts));
  });
});

describe('partition pruning and files', () => {
  test('hours outside the window are never read: corrupt files there change nothing', async () => {
    const cidrs = '192.168.16.0/20';
    const { out, truth } = await sample(cidrs, V5_FORMAT);
    for (const hour of ['2026/11/01/17', '2026/11/02/00', '2025/01/01/00']) {
      await mkdir(join(out, hour), { recursive: true });
      await writeFile(join(out, hour, 'corrupt.gz'), 'this is not gzip');
    }
    const result = await new DuckDbEngine({ logsDir: out }).runAudit(parameters(cidrs, V5_FORMAT, 'egress-ports'));
    expect(result.rows.map(({ samplePeers: _, ...row }) => row)).toEqual(truth.egressPorts);
    // A file inside the window that is not gzip at all is named before anything runs...
    await writeFile(join(out, '2026/11/01/20', 'corrupt.gz'), Buffer.from([0x1f, 0x8b, 0x00, 0x01, 0x02]));
    await expect(new DuckDbEngine({ logsDir: out }).runAudit(parameters(cidrs, V5_FORMAT, 'egress-ports'))).rejects.toThrow(
      /^logs: file '.*corrupt\.gz' cannot be read as gzip-compressed text flow logs \(.*\)\.$/,
    );
    // ...and one cut short after its first records fails the scan, as one sentence naming it.
    const hour = join(out, '2026/11/01/20');
    const whole = await readFile(join(hour, (await readdir(hour)).find((n) => n.startsWith('vpc-flow-logs'))!));
    await writeFile(join(hour, 'corrupt.gz'), whole.subarray(0, Math.floor(whole.length * 0.6)));
    await expect(new DuckDbEngine({ logsDir: out }).runAudit(parameters(cidrs, V5_FORMAT, 'egress-ports'))).rejects.toThrow(
      /^logs: file '.*\/2026\/11\/01\/20\/corrupt\.gz' cannot be read as gzip-compressed text flow logs \(line \d+ has \d+ fields, not 29; its gzip data ends early, so the file is cut short\); a flow-log text file is whole, gzip or plain, with one record per line: the 29 fields of v5, separated by single spaces\.$/,
    );
  });

  test('a shorter window reads only its hours', async () => {
    const cidrs = '192.168.16.0/20';
    const { out, truth } = await sample(cidrs, V5_FORMAT);
    const window = windowEndingAt(END, 2);
    const listing = await readLocalLogs(out, window);
    expect(listing.files.map((f) => f.path.slice(out.length + 1, out.length + 14))).toEqual([
      '2026/11/01/22', '2026/11/01/22', '2026/11/01/23', '2026/11/01/23',
    ]);
    const result = await new DuckDbEngine({ logsDir: out }).runAudit(parameters(cidrs, V5_FORMAT, 'egress-ports', { window }));
    expect(result.statistics.bytesScanned).toBe(listing.files.reduce((s, f) => s + f.size, 0));
    expect(result.statistics.bytesScanned).toBeLessThan(truth.compressedBytes / 2);
    const flows = (rows: readonly { flows: number }[]) => rows.reduce((s, r) => s + r.flows, 0);
    expect(flows(result.rows)).toBeLessThan(flows(truth.egressPorts));
    expect(flows(result.rows)).toBeGreaterThan(0);
  });

  test('a window with no folders gives no rows, and the same SQL still runs', async () => {
    const { out } = await sample('192.168.16.0/20', V5_FORMAT);
    const p = parameters('192.168.16.0/20', V5_FORMAT, 'egress-ports', { window: windowEndingAt(new Date('2020-01-01T00:00:00Z'), 24) });
    const result = await new DuckDbEngine({ logsDir: out }).runAudit(p);
    expect(result.rows).toEqual([]);
    expect(result.sql).toBe(buildAuditSql(p));
    expect(result.statistics.bytesScanned).toBe(0);
  });

  test('the format of a headerless file is told by the field count of its first record', async () => {
    for (const format of [V2_FORMAT, V5_FORMAT]) {
      const { out } = await sample('192.168.16.0/20', format);
      const { files } = await readLocalLogs(out, windowEndingAt(END, HOURS));
      expect(files.map((f) => f.format)).toEqual(files.map(() => format));
    }
    const dir = await mkdtemp(join(tmpdir(), 'odd-format-'));
    await mkdir(join(dir, '2026/11/01/23'), { recursive: true });
    await writeFile(join(dir, '2026/11/01/23', 'a.gz'), gzipSync('\n\n2 123456789012 eni-1 10.0.0.1 1.1.1.1 1 2\n'));
    await expect(readLocalLogs(dir, windowEndingAt(END, 1))).rejects.toThrow(
      /has 7 fields, which is none of v2 \(14\), v5 \(29\), v8 \(40\), and the file has no header line; give --log-format/,
    );
  });

  test('a missing folder is an InputError', async () => {
    await expect(readLocalLogs('/nonexistent/flow-logs', windowEndingAt(END, 1))).rejects.toThrow(InputError);
  });
});

describe("the stack's table holding a second VPC's records (its bucket admits every flow log of the account)", () => {
  /** The vpc-id field of a v5 sample's records (read from one of its files). */
  async function sampleVpcId(out: string): Promise<string> {
    const hour = join(out, '2026/11/01/20');
    const index = V5_FORMAT.fields.findIndex((f) => f.column === 'vpc_id');
    const lines = gunzipSync(await readFile(join(hour, (await readdir(hour))[0]!))).toString('utf8').split('\n');
    return lines.map((line) => line.split(' ')[index]!).find((id) => id?.startsWith('vpc-'))!;
  }

  test("filtered on the stack's vpc_id, the other VPC (same CIDR, another flow log) is not counted, in the audit nor the drill-down", async () => {
    const cidrs = '172.20.0.0/14';
    const { out, truth } = await sample(cidrs, V5_FORMAT);
    const other = await sample(cidrs, V5_FORMAT, 11);
    const vpcId = await sampleVpcId(out);
    expect(await sampleVpcId(other.out)).not.toBe(vpcId);
    // The other flow log's objects land in the same hour folders (Firehose object names differ).
    await cp(other.out, out, { recursive: true, filter: (path) => !path.endsWith('.json') });
    const engine = new DuckDbEngine({ logsDir: out });
    const onStack = parameters(cidrs, V5_FORMAT, 'egress-ports', { source: onVpc(stackTableShape(TABLE, V5_FORMAT), vpcId) });
    const result = await engine.runAudit(onStack);
    expect(result.sql).toContain(`vpc_id = '${vpcId}'`);
    expect(result.rows.map(({ samplePeers: _, ...row }) => row)).toEqual(truth.egressPorts);
    // Unfiltered, the second VPC's connections count as this VPC's.
    const all = (await engine.runAudit(parameters(cidrs, V5_FORMAT, 'egress-ports'))).rows;
    const connections = (rows: readonly { connections: number }[]) => rows.reduce((sum, r) => sum + r.connections, 0);
    expect(connections(all)).toBeGreaterThan(connections(truth.egressPorts));
    // The drill-down reads the same records: its connections of 443 are the filtered audit's.
    const https = truth.egressPorts.find((r) => r.port === 443)!;
    const drill = await engine.runDrillDown(onStack, [{ port: 443, protocol: 6 }]);
    expect(drill.ports[0]!.connections).toBe(https.connections);
  });
});
