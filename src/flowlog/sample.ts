// The sample generator: deterministic synthetic VPC flow logs in any layout of logs/layouts.ts: the Firehose
// layout `DIR/YYYY/MM/DD/HH/<name>.gz` (headerless text), or S3 delivery's `DIR/AWSLogs/ACCOUNT/vpcflowlogs/
// REGION/...` (default daily, hourly or Hive-compatible) as gzip text that starts with the header line, or as
// Parquet (written by DuckDB). The ground truth of both audit presets is counted from the generator's own event
// model (sample-traffic.ts) and written to DIR/ground-truth.json.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Cidr } from '../audit/cidr.js';
import { portKey, type PortRow } from '../audit/port-row.js';
import { writeParquet } from './sample-parquet.js';
import { InputError } from '../input-error.js';
import {
  datedSegments, FIREHOSE_LAYOUT, LAYOUTS, s3DeliveryFileName, s3DeliveryRegionSegments, type Layout, type LayoutName,
} from '../logs/layouts.js';
import { V5_FORMAT, type FlowLogFormat } from './format.js';
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
  /** v2, v5 (default) or v8. */
  readonly format?: FlowLogFormat;
  readonly filesPerHour?: number;
  /** The folder layout (default `firehose`). */
  readonly layout?: LayoutName;
  /** `text` (default) or `parquet` (S3 delivery layouts only). */
  readonly fileFormat?: SampleFileFormat;
  /** S3 delivery layouts: the account and region folders (default 123456789012, us-east-1) and flow log id. */
  readonly account?: string;
  readonly region?: string;
  readonly flowLogId?: string;
  /** Called after each hour is written (for a progress line). */
  readonly onHour?: (done: number, total: number) => void;
}

export const SAMPLE_FILE_FORMATS = ['text', 'parquet'] as const;
export type SampleFileFormat = (typeof SAMPLE_FILE_FORMATS)[number];

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
function firehoseName(rng: Rng, hourStart: Date, index: number): string {
  const stamp = hourPath(hourStart).replaceAll('/', '-');
  const minute = String(Math.min(59, index)).padStart(2, '0');
  const id = Array.from({ length: 32 }, () => rng.int(0, 15).toString(16)).join('');
  return `vpc-flow-logs-1-${stamp}-${minute}-00-${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16)}.gz`;
}

/** Where and how the sample's files are written: folder and file name of each file, header line, Parquet. */
interface Writer {
  readonly layout: Layout;
  readonly options: SampleOptions;
  readonly format: FlowLogFormat;
  readonly parquet: boolean;
  /** A scratch folder for the text DuckDB turns into Parquet. */
  readonly scratch?: string;
}

/** The folder (under `out`) and file name of file `index` of `files` in the hour that starts at `hourStart`. */
function place(writer: Writer, rng: Rng, hourStart: Date, index: number, files: number): { dir: string; name: string } {
  const { layout, options } = writer;
  if (layout.name === FIREHOSE_LAYOUT.name) return { dir: join(options.out, hourPath(hourStart)), name: firehoseName(rng, hourStart, index) };
  const account = options.account ?? '123456789012';
  const region = options.region ?? 'us-east-1';
  const folders = [...s3DeliveryRegionSegments(layout.dateStyle, account, region), ...datedSegments(layout.dateStyle, layout.granularity, hourStart)];
  // S3 delivery publishes a file per flow log every 5 minutes; the name carries the time it was written.
  const written = new Date(hourStart.getTime() + Math.floor((index * 60) / files) * 60_000);
  const hash = Array.from({ length: 8 }, () => rng.int(0, 15).toString(16)).join('');
  const name = s3DeliveryFileName(account, region, options.flowLogId ?? 'fl-0123456789abcdef0', written, hash, writer.parquet ? '.log.parquet' : '.log.gz');
  return { dir: join(options.out, ...folders), name };
}

/** Writes one file of records; returns its size in bytes. */
async function writeFileOf(writer: Writer, path: string, lines: readonly string[]): Promise<number> {
  // S3 delivery starts each text file with the header line naming its fields (Firehose copies records only).
  const header = writer.layout.s3Delivery ? [writer.format.fields.map((f) => f.field).join(' ')] : [];
  if (!writer.parquet) {
    const body = await gzipAsync(`${[...header, ...lines].join('\n')}\n`);
    await writeFile(path, body);
    return body.length;
  }
  const text = join(writer.scratch!, 'records.txt');
  await writeFile(text, `${lines.join('\n')}\n`);
  return writeParquet(text, writer.format, path);
}

/** Checks the options a user can get wrong before anything is written. */
function validate(options: SampleOptions): Layout {
  if (!options.vpcCidrs.some((c) => c.family === 4)) {
    throw new InputError('--vpc-cidr: a VPC always has an IPv4 block; give one, such as 10.0.0.0/16, optionally with an IPv6 block.');
  }
  if (options.end.getTime() % HOUR_MS !== 0) throw new InputError('--end: the sample must end on a whole UTC hour.');
  const layout = LAYOUTS.find((l) => l.name === (options.layout ?? FIREHOSE_LAYOUT.name));
  if (!layout) throw new InputError(`--layout: '${options.layout}' is not a layout; accepted are ${LAYOUTS.map((l) => l.name).join(', ')}.`);
  if (options.fileFormat === 'parquet' && !layout.s3Delivery) {
    throw new InputError(`--file-format: Parquet is written by S3 delivery only; give --layout ${LAYOUTS.filter((l) => l.s3Delivery).map((l) => l.name).join(', ')}.`);
  }
  return layout;
}

/** Writes the sample and its ground truth; returns the ground truth. */
export async function generateSample(options: SampleOptions): Promise<GroundTruth> {
  const layout = validate(options);
  const format = options.format ?? V5_FORMAT;
  const parquet = options.fileFormat === 'parquet';
  const writer: Writer = { layout, options, format, parquet, scratch: parquet ? await mkdtemp(join(tmpdir(), 'vpc-port-audit-sample-')) : undefined };
  const filesPerHour = options.filesPerHour ?? 1;
  const hours = options.days * 24;
  const start = new Date(options.end.getTime() - hours * HOUR_MS);
  const network = createNetwork(createRng(options.seed, 0x7fffffff), options.vpcCidrs);
  // A custom format's records carry the highest version among its fields (AWS, "Flow log records", the version
  // field: https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html).
  const version = Math.max(...format.fields.map((f) => f.version ?? 2));
  const [egress, seed] = [new PortTally(), new PortTally()];
  let [records, files, compressedBytes] = [0, 0, 0];

  try {
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
      for (const [index, lines] of buckets.entries()) {
        if (lines.length === 0) continue;
        const { dir, name } = place(writer, rng, hourStart, index, filesPerHour);
        await mkdir(dir, { recursive: true });
        compressedBytes += await writeFileOf(writer, join(dir, name), lines);
        files++;
      }
      records += models.length;
      options.onHour?.(h + 1, hours);
    }
  } finally {
    if (writer.scratch) await rm(writer.scratch, { recursive: true, force: true });
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
