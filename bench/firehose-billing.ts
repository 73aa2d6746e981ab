// Benchmark: the Lambda's Firehose cost and speed. (1) For the same stream of realistic flow-log lines cut
// into CloudWatch Logs payloads, the records and billed 5 KB units of this Lambda's packing vs the
// one-record-per-line strategy of the original recipe (written here as the baseline), v5 and v2 lines.
// (2) Events/s of the handler with PutRecordBatch answered in-process vs the floor of base64 + gunzip +
// JSON.parse of the same payloads. Run: node lib/bench/firehose-billing.js [--quick]

import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parseCidrList } from '../src/audit/parameters.js';
import { V2_FORMAT, V5_FORMAT, type FlowLogFormat } from '../src/flowlog/format.js';
import { createRng } from '../src/flowlog/prng.js';
import { formatRecord } from '../src/flowlog/record.js';
import { createNetwork, generateHour } from '../src/flowlog/sample-traffic.js';
import { batchRecords, packLines } from '../lambda/packing.js';
import { createHandler } from '../lambda/forwarder.js';
import type { SubscriptionEvent } from '../lambda/subscription.js';

const quick = process.argv.includes('--quick');
const RESULTS = quick ? join('bench', 'out', 'firehose-billing-quick', 'firehose-billing.md') : join('bench', 'results', 'firehose-billing.md');
const LINES = quick ? 20_000 : 300_000;
const REPS = quick ? 2 : 7;
/** Firehose bills each record rounded up to 5 KB. */
const BILLING_UNIT = 5 * 1024;
/** CloudWatch Logs sends at most ~1 MB of events per subscription payload (26 bytes counted per event). */
const MAX_PAYLOAD_BYTES = 1_048_576;
const EVENT_OVERHEAD = 26;

/** Realistic flow-log lines from the project's sample traffic model. */
function flowLines(format: FlowLogFormat, count: number): string[] {
  const network = createNetwork(createRng(42, 0x7fffffff), parseCidrList('10.0.0.0/16'));
  const lines: string[] = [];
  const version = format === V5_FORMAT ? 5 : 2;
  for (let hour = 0; lines.length < count; hour++) {
    const models = generateHour(createRng(42, hour), network, {
      hourStart: 1_793_577_600 + hour * 3600,
      target: Math.min(50_000, count - lines.length),
      version,
    });
    for (const model of models) if (lines.length < count) lines.push(formatRecord(format, model.record));
  }
  return lines;
}

/** Cuts lines into payloads of `eventsPerPayload` events, never over the CloudWatch Logs payload maximum. */
function payloadsOf(lines: readonly string[], eventsPerPayload: number): string[][] {
  const payloads: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line) + EVENT_OVERHEAD;
    if (current.length === eventsPerPayload || bytes + size > MAX_PAYLOAD_BYTES) {
      payloads.push(current);
      current = [];
      bytes = 0;
    }
    current.push(line);
    bytes += size;
  }
  if (current.length > 0) payloads.push(current);
  return payloads;
}

/** The baseline: the original recipe's strategy, one Firehose record per log event (line + newline). */
function oneRecordPerLine(lines: readonly string[]): Buffer[] {
  return lines.map((line) => Buffer.from(`${line}\n`));
}

interface Billing {
  readonly records: number;
  readonly calls: number;
  readonly rawBytes: number;
  readonly billedBytes: number;
}

function billing(payloads: readonly string[][], strategy: (lines: readonly string[]) => Buffer[]): Billing {
  let [records, calls, rawBytes, billedBytes] = [0, 0, 0, 0];
  for (const payload of payloads) {
    const packed = strategy(payload);
    records += packed.length;
    calls += batchRecords(packed).length;
    for (const record of packed) {
      rawBytes += record.length;
      billedBytes += Math.ceil(record.length / BILLING_UNIT) * BILLING_UNIT;
    }
  }
  return { records, calls, rawBytes, billedBytes };
}

/** A subscription event as CloudWatch Logs builds it: base64 of gzip of the JSON payload. */
function subscriptionEvent(lines: readonly string[], first: number): SubscriptionEvent {
  const payload = {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: 'vpc-port-audit-FlowLogGroup-AbCdEf123456',
    logStream: 'eni-0a1b2c3d4e5f60718-all',
    subscriptionFilters: ['vpc-port-audit-FlowLogSubscription-AbCdEf123456'],
    logEvents: lines.map((message, i) => ({
      id: String(first + i).padStart(56, '3'),
      timestamp: 1_793_577_600_000 + i,
      message,
    })),
  };
  return { awslogs: { data: gzipSync(JSON.stringify(payload)).toString('base64') } };
}

interface Timing {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

const summarize = (values: number[]): Timing => {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted[sorted.length - 1]! };
};

async function throughput(events: readonly SubscriptionEvent[], totalEvents: number) {
  let sink = 0;
  const floor = async () => {
    for (const event of events) {
      const payload = JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8')) as { logEvents: unknown[] };
      sink += payload.logEvents.length;
    }
  };
  const handler = createHandler({
    put: async (records) => {
      sink += records.length;
      return records.map(() => undefined);
    },
    log: () => undefined,
  });
  const lambda = async () => {
    for (const event of events) sink += (await handler(event)).events;
  };
  const rates: Record<'floor' | 'lambda', number[]> = { floor: [], lambda: [] };
  for (let rep = 0; rep <= REPS; rep++) {
    for (const [name, run] of [['floor', floor], ['lambda', lambda]] as const) {
      const started = performance.now();
      await run();
      const seconds = (performance.now() - started) / 1000;
      if (rep > 0) rates[name].push(totalEvents / seconds); // rep 0 warms up
    }
  }
  if (sink === 0) throw new Error('nothing processed');
  // Each run's handler time over the floor time of the same run: the pair shares the machine's load.
  const paired = rates.floor.map((floorRate, i) => floorRate / rates.lambda[i]!);
  return { floor: summarize(rates.floor), lambda: summarize(rates.lambda), paired: summarize(paired) };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ratio = (n: number) => `${n.toFixed(2)}x`;
const range = (t: Timing) => `${fmt(t.median)} (${fmt(t.min)}-${fmt(t.max)})`;

async function main(): Promise<void> {
  const out: string[] = [];
  const machine = `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), Node ${process.version}`;
  out.push('## Firehose billing and Lambda throughput (`bench/firehose-billing.ts`)', '');
  out.push(`Machine: ${machine}. ${fmt(LINES)} lines of the sample traffic model per format${quick ? ' (--quick)' : ''}.`, '');

  out.push('### Billed 5 KB units: packed records (this Lambda) vs one record per line (the recipe)', '');
  out.push('Firehose bills every record rounded up to 5 KB (5,120 bytes). Raw = the bytes of the lines with their newlines.', '');
  out.push('| format | avg line | events per payload | payloads | strategy | records | PutRecordBatch calls | billed / raw bytes |');
  out.push('|---|---:|---:|---:|---|---:|---:|---:|');
  const headline: string[] = [];
  for (const format of [V5_FORMAT, V2_FORMAT]) {
    const lines = flowLines(format, LINES);
    const average = lines.reduce((n, l) => n + Buffer.byteLength(l), 0) / lines.length;
    for (const perPayload of [10, 100, 1000, Number.MAX_SAFE_INTEGER]) {
      const payloads = payloadsOf(lines, perPayload);
      const label = perPayload === Number.MAX_SAFE_INTEGER ? 'full (~1 MB)' : fmt(perPayload);
      const packed = billing(payloads, (l) => packLines(l));
      const baseline = billing(payloads, oneRecordPerLine);
      for (const [strategy, b] of [['packed', packed], ['one per line', baseline]] as const) {
        const factor = b.billedBytes / b.rawBytes;
        out.push(`| ${format.name} | ${average.toFixed(0)} B | ${label} | ${fmt(payloads.length)} | ${strategy} | ${fmt(b.records)} | ${fmt(b.calls)} | ${factor.toFixed(3)}x |`);
      }
      if (perPayload === Number.MAX_SAFE_INTEGER) {
        headline.push(
          `${format.name}: full payloads bill ${(packed.billedBytes / packed.rawBytes).toFixed(3)}x the raw bytes packed vs ` +
            `${ratio(baseline.billedBytes / baseline.rawBytes)} one per line (${ratio(baseline.billedBytes / packed.billedBytes)} less billed, target <= 1.02x).`,
        );
      }
    }
  }
  out.push('', ...headline.map((h) => `- ${h}`), '');

  const lines = flowLines(V5_FORMAT, LINES);
  const events = payloadsOf(lines, Number.MAX_SAFE_INTEGER).map((p, i) => subscriptionEvent(p, i * 10_000));
  const speed = await throughput(events, lines.length);
  out.push('### Events per second: the handler vs the decode floor', '');
  out.push(
    `${fmt(events.length)} full v5 payloads (${fmt(lines.length)} events), PutRecordBatch answered in-process; medians of ${REPS} runs after one warm-up (min-max).`,
    '',
  );
  out.push('| | events/s |', '|---|---:|');
  out.push(`| floor: base64 + gunzip + JSON.parse | ${range(speed.floor)} |`);
  out.push(`| handler: decode + pack + batch + put (in-process) | ${range(speed.lambda)} |`);
  out.push(
    '',
    `- The handler takes ${ratio(speed.floor.median / speed.lambda.median)} the time of the floor (ratio of medians; ` +
      `per-run paired ratio: median ${ratio(speed.paired.median)}, ${ratio(speed.paired.min)}-${ratio(speed.paired.max)}; target <= 1.5x).`,
    '',
  );

  const text = out.join('\n');
  await mkdir(dirname(RESULTS), { recursive: true });
  await writeFile(RESULTS, text);
  console.log(text);
  console.log(`\nwritten to ${RESULTS}`);
}

await main();
