// The sample generator: deterministic synthetic VPC flow logs in the Firehose S3 layout
// `DIR/YYYY/MM/DD/HH/<name>.gz` (UTC), with the ground truth of both audit presets counted from the
// generator's own event model (sample-traffic.ts), written beside the hour folders as ground-truth.json.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Cidr } from '../audit/cidr.js';
import { portKey, type PortRow } from '../audit/port-row.js';
import { InputError } from '../input-error.js';
import { hasColumns, V5_FORMAT, type FlowLogFormat } from './format.js';
import { HOUR_MS, hourPath } from './layout.js';
import { createRng, type Rng } from './prng.js';
import { formatRecord } from './record.js';
import { createNetwork, generateHour, type ModelRecord } from './sample-traffic.js';

const gzipAsync = promisify(gzip);

export const GROUND_TRUTH_FILE = 'ground-truth.json';

export interface SampleOptions {
  /** Root folder of the layout. */
  readonly out: string;
  /** The VPC's blocks: at least one IPv4 block; an IPv6 block adds IPv6 hosts. */
  readonly vpcCidrs: readonly Cidr[];
  /** The first hour after the sample (exclusive end), a whole UTC hour. */
  readonly end: Date;
  readonly days: number;
  readonly recordsPerHour: number;
  readonly seed: number;
  /** v2 or v5 (default v5). */
  readonly format?: FlowLogFormat;
  readonly filesPerHour?: number;
  /** Called after each hour is written (for a progress line). */
  readonly onHour?: (done: number, total: number) => void;
}

/** One (port, protocol) of a preset's answer, as the SQL would count it (sample peers aside). */
export type TruthRow = Omit<PortRow, 'samplePeers'>;

export interface GroundTruth {
  readonly format: string;
  readonly vpcCidrs: readonly string[];
  readonly window: { readonly start: string; readonly end: string };
  readonly records: number;
  readonly files: number;
  readonly compressedBytes: number;
  /**
   * egress-ports: per (dstport, protocol), the egress records of flows the VPC opened to outside it (every
   * interval), counted once per connection: a NAT gateway's translated copy is not a second connection.
   */
  readonly egressPorts: readonly TruthRow[];
  /** seed: per (srcport, protocol), every record sent from inside the VPC. */
  readonly seed: readonly TruthRow[];
  /** The NAT gateway's private address (what --nat-addresses takes where the format cannot tell its copies). */
  readonly natAddresses: readonly string[];
  /** The one host that opens the beacon port, and where it connects: what a drill-down of that port must name. */
  readonly beacon: {
    readonly port: number;
    readonly protocol: number;
    readonly instanceId: string;
    readonly interfaceId: string;
    readonly subnetId: string;
    readonly address: string;
    readonly peer: string;
  };
}

interface TallyRow {
  port: number;
  protocol: number;
  connections: Set<string>;
  flows: number;
  packets: number;
  bytes: number;
  peers: Set<string>;
}

/** Sums records per (port, protocol) with their distinct connections and destination addresses. */
class PortTally {
  private readonly rows = new Map<string, TallyRow>();

  add(port: number, protocol: number, connection: string, packets: number, bytes: number, peer: string): void {
    const key = portKey({ port, protocol });
    const row = this.rows.get(key) ?? { port, protocol, connections: new Set<string>(), flows: 0, packets: 0, bytes: 0, peers: new Set<string>() };
    row.connections.add(connection);
    row.flows++;
    row.packets += packets;
    row.bytes += bytes;
    row.peers.add(peer);
    this.rows.set(key, row);
  }

  /** Rows in the audit's rank order: connections descending, then flows, then port, then protocol. */
  result(): TruthRow[] {
    return [...this.rows.values()]
      .map(({ port, protocol, connections, flows, packets, bytes, peers }) => ({ port, protocol, connections: connections.size, flows, packets, bytes, peers: peers.size }))
      .sort((a, b) => b.connections - a.connections || b.flows - a.flows || a.port - b.port || a.protocol - b.protocol);
  }
}

function tally(egress: PortTally, seed: PortTally, model: ModelRecord): void {
  const r = model.record;
  const [packets, bytes, dst] = [Number(r.packets), Number(r.bytes), String(r.dstaddr)];
  const connection = `${r.srcaddr} ${r.srcport} ${r.dstaddr} ${r.dstport}`;
  if (model.outbound) egress.add(Number(r.dstport), Number(r.protocol), connection, packets, bytes, dst);
  if (model.fromVpc) seed.add(Number(r.srcport), Number(r.protocol), connection, packets, bytes, dst);
}

/** A Firehose-like object name for the hour, e.g. `vpc-flow-logs-1-2026-11-01-13-07-42-3f9a....gz`. */
function objectName(rng: Rng, hourStart: Date, index: number): string {
  const stamp = hourPath(hourStart).replaceAll('/', '-');
  const minute = String(Math.min(59, index)).padStart(2, '0');
  const id = Array.from({ length: 32 }, () => rng.int(0, 15).toString(16)).join('');
  return `vpc-flow-logs-1-${stamp}-${minute}-00-${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16)}.gz`;
}

/** Checks the options a user can get wrong before anything is written. */
function validate(options: SampleOptions): void {
  if (!options.vpcCidrs.some((c) => c.family === 4)) {
    throw new InputError('--vpc-cidr: a VPC always has an IPv4 block; give one, such as 10.0.0.0/16, optionally with an IPv6 block.');
  }
  if (options.end.getTime() % HOUR_MS !== 0) throw new InputError('--end: the sample must end on a whole UTC hour.');
}

/** Writes the sample and its ground truth; returns the ground truth. */
export async function generateSample(options: SampleOptions): Promise<GroundTruth> {
  validate(options);
  const format = options.format ?? V5_FORMAT;
  const filesPerHour = options.filesPerHour ?? 1;
  const hours = options.days * 24;
  const start = new Date(options.end.getTime() - hours * HOUR_MS);
  const network = createNetwork(createRng(options.seed, 0x7fffffff), options.vpcCidrs);
  const version = hasColumns(format, 'flow_direction') ? 5 : 2;
  const [egress, seed] = [new PortTally(), new PortTally()];
  let [records, files, compressedBytes] = [0, 0, 0];

  for (let h = 0; h < hours; h++) {
    const hourStart = new Date(start.getTime() + h * HOUR_MS);
    // Each hour has its own stream, so an hour's content does not depend on how many days are generated.
    const rng = createRng(options.seed, hourStart.getTime() / HOUR_MS);
    const models = generateHour(rng, network, {
      hourStart: hourStart.getTime() / 1000,
      target: options.recordsPerHour,
      version,
    });
    const buckets: string[][] = Array.from({ length: filesPerHour }, () => []);
    models.forEach((model, i) => {
      tally(egress, seed, model);
      buckets[i % filesPerHour]!.push(formatRecord(format, model.record));
    });
    const dir = join(options.out, hourPath(hourStart));
    await mkdir(dir, { recursive: true });
    for (const [index, lines] of buckets.entries()) {
      if (lines.length === 0) continue;
      const body = await gzipAsync(`${lines.join('\n')}\n`);
      await writeFile(join(dir, objectName(rng, hourStart, index)), body);
      compressedBytes += body.length;
      files++;
    }
    records += models.length;
    options.onHour?.(h + 1, hours);
  }

  const truth: GroundTruth = {
    format: format.name,
    vpcCidrs: options.vpcCidrs.map((c) => c.text),
    window: { start: start.toISOString(), end: options.end.toISOString() },
    records,
    files,
    compressedBytes,
    egressPorts: egress.result(),
    seed: seed.result(),
    natAddresses: [network.natGateway.address],
    beacon: {
      port: network.beacon.service.port,
      protocol: network.beacon.service.protocol,
      instanceId: network.beacon.client.instance!,
      interfaceId: network.beacon.client.eni,
      subnetId: network.beacon.client.subnet,
      address: network.beacon.client.address,
      peer: network.beacon.service.peers4[0]!,
    },
  };
  await writeFile(join(options.out, GROUND_TRUTH_FILE), truthJson(truth));
  return truth;
}

/** The ground truth as JSON text with one line per row, so it stays small and diffable. */
function truthJson(truth: GroundTruth): string {
  const rows = (list: readonly TruthRow[]) => `[\n${list.map((r) => `    ${JSON.stringify(r)}`).join(',\n')}\n  ]`;
  const { egressPorts, seed, ...head } = truth;
  const fields = Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `{\n${[...fields, `  "egressPorts": ${rows(egressPorts)}`, `  "seed": ${rows(seed)}`].join(',\n')}\n}\n`;
}
