// The sample generator: deterministic output in the Firehose layout, records that look like the traffic the
// design describes (opener flags, ephemeral ports, server replies, NODATA, IPv6), and a ground truth.
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { cidrContains } from '../../src/audit/cidr.js';
import { parseCidrList } from '../../src/audit/parameters.js';
import { V2_FORMAT, V5_FORMAT, type FlowLogFormat } from '../../src/flowlog/format.js';
import { createRng } from '../../src/flowlog/prng.js';
import { parseRecord, type FlowLogRecord } from '../../src/flowlog/record.js';
import { GROUND_TRUTH_FILE, generateSample, type SampleOptions } from '../../src/flowlog/sample.js';
import { EPHEMERAL_PORTS } from '../../src/flowlog/sample-traffic.js';

const END = new Date('2026-03-01T02:00:00Z');
const VPC = parseCidrList('192.168.16.0/20,2600:1f18:47b:a900::/56');

async function generate(over: Partial<SampleOptions> = {}) {
  const out = await mkdtemp(join(tmpdir(), 'sample-'));
  const truth = await generateSample({ out, vpcCidrs: VPC, end: END, days: 1, recordsPerHour: 150, seed: 9, ...over });
  return { out, truth };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

async function digest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await filesUnder(dir)) hash.update(file).update(await readFile(join(dir, file)));
  return hash.digest('hex');
}

async function records(dir: string, format: FlowLogFormat): Promise<FlowLogRecord[]> {
  const files = (await filesUnder(dir)).filter((f) => f.endsWith('.gz'));
  const lines = (await Promise.all(files.map(async (f) => gunzipSync(await readFile(join(dir, f))).toString()))).flatMap((t) => t.trimEnd().split('\n'));
  return lines.map((line) => {
    const record = parseRecord(format, line);
    if (!record) throw new Error(`line has the wrong field count: ${line}`);
    return record;
  });
}

const inVpc = (address: unknown) => typeof address === 'string' && VPC.some((c) => cidrContains(c, address));

describe('createRng', () => {
  test('is deterministic per seed and stream, and spreads over [0, 1)', () => {
    const draw = (seed: number, stream: number) => Array.from({ length: 5 }, createRng(seed, stream).next);
    expect(draw(1, 2)).toEqual(draw(1, 2));
    expect(draw(1, 2)).not.toEqual(draw(1, 3));
    expect(draw(1, 2)).not.toEqual(draw(2, 2));
    const rng = createRng(7);
    const values = Array.from({ length: 10_000 }, rng.next);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((a, b) => a + b) / values.length).toBeCloseTo(0.5, 1);
  });

  test('the generator sources never use Math.random', async () => {
    for (const file of ['prng.ts', 'sample.ts', 'sample-traffic.ts']) {
      expect(await readFile(new URL(`../../src/flowlog/${file}`, import.meta.url), 'utf8')).not.toContain('Math.random');
    }
  });
});

describe('generateSample', () => {
  test('the same options give byte-identical files; another seed gives other files', async () => {
    const [a, b, c] = await Promise.all([generate(), generate(), generate({ seed: 10 })]);
    expect(await digest(a.out)).toBe(await digest(b.out));
    expect(await digest(a.out)).not.toBe(await digest(c.out));
  });

  test('writes DIR/YYYY/MM/DD/HH/<name>.gz for each UTC hour, ground truth beside the hour folders', async () => {
    const { out, truth } = await generate({ filesPerHour: 3, end: new Date('2026-03-01T02:00:00Z') });
    const files = await filesUnder(out);
    expect(files).toContain(GROUND_TRUTH_FILE);
    const gz = files.filter((f) => f !== GROUND_TRUTH_FILE);
    expect(gz.every((f) => /^\d{4}\/\d{2}\/\d{2}\/\d{2}\/[\w-]+\.gz$/.test(f))).toBe(true);
    const hours = [...new Set(gz.map((f) => f.slice(0, 13)))];
    expect(hours).toHaveLength(24);
    expect(hours[0]).toBe('2026/02/28/02');
    expect(hours[23]).toBe('2026/03/01/01');
    expect(gz).toHaveLength(72);
    expect(truth.files).toBe(72);
    expect(truth.window).toEqual({ start: '2026-02-28T02:00:00.000Z', end: '2026-03-01T02:00:00.000Z' });
    expect(JSON.parse(await readFile(join(out, GROUND_TRUTH_FILE), 'utf8'))).toEqual(truth);
  });

  test('each hour holds about records-per-hour lines and its records start inside that hour', async () => {
    const { out, truth } = await generate();
    expect(truth.records).toBeGreaterThanOrEqual(24 * 150);
    expect(truth.records).toBeLessThan(24 * 160);
    for (const hourDir of ['2026/02/28/02', '2026/03/01/01']) {
      const hourStart = Date.parse(`${hourDir.replaceAll('/', '-').replace(/-(\d\d)$/, 'T$1')}:00:00Z`) / 1000;
      const hour = await records(join(out, hourDir), V5_FORMAT);
      expect(hour.every((r) => (r.start as number) >= hourStart && (r.end as number) <= hourStart + 3600)).toBe(true);
    }
  });

  test('v5 records carry the traffic the audit must tell apart', async () => {
    const { out } = await generate();
    const all = await records(out, V5_FORMAT);
    const ok = all.filter((r) => r.log_status === 'OK');
    const outbound = ok.filter((r) => r.flow_direction === 'egress' && inVpc(r.srcaddr) && !inVpc(r.dstaddr) && r.action === 'ACCEPT');
    const openers = outbound.filter((r) => r.protocol === 6 && ((r.tcp_flags as number) & 18) === 2 && r.instance_id !== null);
    // Opener SYNs of instances come from ephemeral ports, 2 or 3 (SYN+FIN in one interval).
    expect(openers.length).toBeGreaterThan(100);
    expect(openers.every((r) => (r.srcport as number) >= EPHEMERAL_PORTS.min && (r.srcport as number) <= EPHEMERAL_PORTS.max)).toBe(true);
    expect(new Set(openers.map((r) => r.tcp_flags))).toEqual(new Set([2, 3]));
    // Long connections continue with flags 0/1; replies of the far side carry 18/19 on ingress.
    expect(outbound.some((r) => r.protocol === 6 && (r.tcp_flags === 0 || r.tcp_flags === 1))).toBe(true);
    // The connections opened before the sample: to 9092 and 5432, flags 0 every 10 minutes of every hour.
    for (const port of [9092, 5432]) {
      const unflagged = outbound.filter((r) => r.dstport === port && r.tcp_flags === 0 && (r.start as number) % 600 === 0);
      expect(new Set(unflagged.map((r) => Math.floor((r.start as number) / 3600))).size).toBe(24);
    }
    // Through the NAT gateway: its interface (no instance) receives the request addressed to itself, pkt-dstaddr
    // keeping the outside address, and sends the translated copy from its own address.
    const natIn = ok.filter((r) => r.flow_direction === 'ingress' && r.instance_id === null && r.pkt_dstaddr !== r.dstaddr);
    expect(natIn.length).toBeGreaterThan(50);
    expect(natIn.every((r) => inVpc(r.srcaddr) && inVpc(r.dstaddr) && !inVpc(r.pkt_dstaddr))).toBe(true);
    const natAddress = natIn[0]!.dstaddr;
    expect(outbound.filter((r) => r.srcaddr === natAddress).length).toBe(natIn.length);
    expect(ok.some((r) => r.flow_direction === 'ingress' && !inVpc(r.srcaddr) && (r.tcp_flags === 18 || r.tcp_flags === 19))).toBe(true);
    // Servers in the VPC answer from their service port with SYN-ACK.
    const serverReplies = outbound.filter((r) => ((r.tcp_flags as number) & 18) === 18);
    expect(serverReplies.length).toBeGreaterThan(10);
    expect(serverReplies.every((r) => (r.srcport as number) < 10_000 && (r.dstport as number) >= EPHEMERAL_PORTS.min)).toBe(true);
    // East-west, REJECT, NODATA/SKIPDATA, IPv6, UDP DNS and NTP, ICMP.
    expect(ok.some((r) => inVpc(r.srcaddr) && inVpc(r.dstaddr))).toBe(true);
    expect(all.some((r) => r.action === 'REJECT')).toBe(true);
    expect(all.filter((r) => r.log_status === 'NODATA' || r.log_status === 'SKIPDATA').every((r) => r.srcaddr === null && r.bytes === null)).toBe(true);
    expect(new Set(all.map((r) => r.log_status))).toEqual(new Set(['OK', 'NODATA', 'SKIPDATA']));
    expect(ok.some((r) => r.type === 'IPv6' && inVpc(r.srcaddr) && String(r.srcaddr).startsWith('2600:1f18:47b:a9'))).toBe(true);
    expect(outbound.some((r) => r.protocol === 17 && r.dstport === 53)).toBe(true);
    expect(outbound.some((r) => r.protocol === 17 && r.dstport === 123 && r.srcport === 123)).toBe(true);
    expect(outbound.some((r) => r.protocol === 1)).toBe(true);
    expect(all.every((r) => r.version === 5 && r.account_id === '123456789012')).toBe(true);
  });

  test('v2 writes the 14 default fields with version 2', async () => {
    const { out, truth } = await generate({ format: V2_FORMAT, days: 1 });
    const all = await records(out, V2_FORMAT);
    expect(all.length).toBe(truth.records);
    expect(all.every((r) => r.version === 2)).toBe(true);
    expect(truth.format).toBe('v2');
  });

  test('ground truth: egress ports are service ports, seed ports include the ephemeral ones', async () => {
    const { truth } = await generate();
    expect(truth.egressPorts[0]).toMatchObject({ port: 443, protocol: 6 });
    expect(truth.egressPorts.every((r) => r.port < EPHEMERAL_PORTS.min)).toBe(true);
    expect(truth.seed.some((r) => r.port >= EPHEMERAL_PORTS.min)).toBe(true);
    const connections = truth.egressPorts.map((r) => r.connections);
    expect(connections).toEqual([...connections].sort((a, b) => b - a));
    expect(truth.egressPorts.every((r) => r.flows >= r.connections)).toBe(true);
    expect(truth.natAddresses).toHaveLength(1);
  });

  test('S3 delivery layouts: AWSLogs paths, S3 file names every 5 minutes, the header line first; Hive-compatible folders', async () => {
    const { out, truth } = await generate({ layout: 's3', filesPerHour: 12, days: 1 / 24, account: '111122223333', region: 'eu-west-1' });
    const files = (await filesUnder(out)).filter((f) => f !== GROUND_TRUTH_FILE);
    expect(files).toHaveLength(12);
    expect(files.every((f) => /^AWSLogs\/111122223333\/vpcflowlogs\/eu-west-1\/2026\/03\/01\/111122223333_vpcflowlogs_eu-west-1_fl-[0-9a-f]+_20260301T01(\d\d)Z_[0-9a-f]{8}\.log\.gz$/.test(f))).toBe(true);
    expect(files.map((f) => /T01(\d\d)Z/.exec(f)![1]).sort()).toEqual(['00', '05', '10', '15', '20', '25', '30', '35', '40', '45', '50', '55']);
    const text = gunzipSync(await readFile(join(out, files[0]!))).toString().split('\n');
    expect(text[0]).toBe(V5_FORMAT.fields.map((f) => f.field).join(' '));
    expect(parseRecord(V5_FORMAT, text[1]!)).toBeDefined();
    expect(truth.files).toBe(12);
    const hive = (await filesUnder((await generate({ layout: 's3-hive-hourly', days: 1 / 24 })).out)).filter((f) => f !== GROUND_TRUTH_FILE);
    expect(hive[0]).toMatch(/^AWSLogs\/aws-account-id=123456789012\/aws-service=vpcflowlogs\/aws-region=us-east-1\/year=2026\/month=03\/day=01\/hour=01\/[^/]+\.log\.gz$/);
  });

  test('Parquet is written by S3 delivery layouts only; an unknown layout is refused', async () => {
    await expect(generate({ fileFormat: 'parquet' })).rejects.toThrow(/^--file-format: Parquet is written by S3 delivery only; give --layout s3, s3-hourly, s3-hive, s3-hive-hourly\.$/);
    await expect(generate({ layout: 'gcs' as never })).rejects.toThrow(/--layout: 'gcs' is not a layout/);
    const { out } = await generate({ layout: 's3-hourly', fileFormat: 'parquet', days: 1 / 24 });
    const parquet = (await filesUnder(out)).filter((f) => f.endsWith('.log.parquet'));
    expect(parquet).toHaveLength(1);
    expect((await readFile(join(out, parquet[0]!))).subarray(0, 4).toString()).toBe('PAR1');
  });

  test('a VPC needs an IPv4 block', async () => {
    await expect(generate({ vpcCidrs: parseCidrList('2600:1f18:47b:a900::/56') })).rejects.toThrow(/IPv4 block/);
  });
});
