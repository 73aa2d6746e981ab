// The Lambda against moto_server: real CloudWatch Logs subscription payloads (moto's Logs delivers them to a
// subscribed Firehose stream, which writes them to S3, where this test reads them back) are given to the
// handler, which sends to a second moto Firehose stream configured like the template's, into moto S3.
// Proves every line arrives exactly once and in order, control messages send nothing, the built (inlined)
// code behaves the same, and with injected Firehose faults nothing is lost or duplicated within the retry
// budget while the invocation fails beyond it. (moto stores Firehose data uncompressed: GZIP is not applied.)

import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  PutSubscriptionFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startMoto, TEST_AWS_ENV, type MotoServer } from '../support/moto.js';
import { startFaultProxy, type FaultPlan } from '../support/firehose-fault-proxy.js';
import { parseCfnTemplate } from '../../scripts/cfn-yaml.js';
import { hourPath } from '../../src/flowlog/layout.js';
import { V5_FORMAT } from '../../src/flowlog/format.js';
import type { SubscriptionEvent } from '../../lambda/subscription.js';
import type { InvocationSummary } from '../../lambda/forwarder.js';
import type { RetryPolicy } from '../../lambda/delivery.js';
import { FIREHOSE_LIMITS, packLines } from '../../lambda/packing.js';

type Handler = (event: SubscriptionEvent) => Promise<InvocationSummary>;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROLE = 'arn:aws:iam::123456789012:role/test';
const CAPTURE_BUCKET = 'captured-payloads';
const DATA_BUCKET = 'flow-log-data';
const STREAM = 'pipeline-stream';
// The delivery stream is the bootstrap's (issue 20).
const template: Json = parseCfnTemplate(readFileSync('dist/github-oidc-role.yaml', 'utf8'));
const destination: Json = template.Resources.DeliveryStream.Properties.ExtendedS3DestinationConfiguration;

let moto: MotoServer;
let s3: S3Client;
let logs: CloudWatchLogsClient;
let firehose: FirehoseClient;
const seenKeys = new Set<string>();
/** Captured real payloads by number of events. */
const payloads = new Map<number, { lines: string[]; event: SubscriptionEvent }>();

/** A v5 flow-log line (29 fields) that carries a unique tag in its bytes field; about 250 bytes. */
function flowLine(payload: number, seq: number): string {
  const values: Record<string, string> = {
    version: '5', 'account-id': '123456789012', 'interface-id': 'eni-0a1b2c3d4e5f60718', srcaddr: `10.0.${seq % 256}.${(seq >> 8) % 256}`,
    dstaddr: '52.94.236.248', srcport: String(32768 + (seq % 28000)), dstport: '443', protocol: '6', packets: '12',
    bytes: String(payload * 1_000_000 + seq), start: '1764183600', end: '1764183660', action: 'ACCEPT', 'log-status': 'OK',
    'vpc-id': 'vpc-0a1b2c3d4e5f60718', 'subnet-id': 'subnet-0a1b2c3d4e5f60718', 'instance-id': 'i-0a1b2c3d4e5f60718',
    'tcp-flags': '2', type: 'IPv4', 'pkt-srcaddr': '10.0.1.5', 'pkt-dstaddr': '52.94.236.248', region: 'us-east-1',
    'az-id': 'use1-az1', 'sublocation-type': '-', 'sublocation-id': '-', 'pkt-src-aws-service': '-',
    'pkt-dst-aws-service': 'S3', 'flow-direction': 'egress', 'traffic-path': '8',
  };
  return V5_FORMAT.fields.map((f) => values[f.field]).join(' ');
}

async function newObjects(bucket: string, prefix: string): Promise<{ key: string; body: Buffer }[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const fresh = (listed.Contents ?? []).map((o) => o.Key!).filter((k) => !seenKeys.has(k));
  const objects = [];
  for (const key of fresh) {
    seenKeys.add(key);
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    objects.push({ key, body: Buffer.from(await object.Body!.transformToByteArray()) });
  }
  return objects;
}

/** Puts `count` events into the subscribed log group and reads back the payload moto's Logs delivered. */
async function captureRealPayload(payloadNo: number, count: number) {
  const lines = Array.from({ length: count }, (_, i) => flowLine(payloadNo, i));
  const now = Date.now();
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: 'vpc-flow-logs',
      logStreamName: 'eni-0a1b2c3d4e5f60718-all',
      logEvents: lines.map((message) => ({ timestamp: now, message })),
    }),
  );
  const objects = await newObjects(CAPTURE_BUCKET, 'payloads/');
  expect(objects).toHaveLength(1);
  return { lines, event: { awslogs: { data: objects[0]!.body.toString('base64') } } };
}

/** The hour folders in which objects written between `before` and now may land. */
const hourFolders = (before: number) => new Set([hourPath(new Date(before)), hourPath(new Date())]);

async function invokeAndCollect(handler: Handler, event: SubscriptionEvent) {
  const before = Date.now();
  const summary = await handler(event);
  const objects = await newObjects(DATA_BUCKET, destination.Prefix);
  for (const { key } of objects) {
    const folder = key.slice(destination.Prefix.length).split('/').slice(0, 4).join('/');
    expect(hourFolders(before)).toContain(folder);
  }
  return { summary, objects };
}

const instantRetry = (maxAttempts: number, random: () => number): RetryPolicy => ({
  maxAttempts,
  baseDelayMs: 100,
  maxDelayMs: 1000,
  sleep: async () => undefined,
  random,
});

/** A seeded PRNG (mulberry32), so fault patterns are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, TEST_AWS_ENV, { AWS_ENDPOINT_URL: moto.endpoint, DELIVERY_STREAM_NAME: STREAM });
  const config = { endpoint: moto.endpoint, region: TEST_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  s3 = new S3Client({ ...config, forcePathStyle: true });
  logs = new CloudWatchLogsClient(config);
  firehose = new FirehoseClient(config);
  for (const bucket of [CAPTURE_BUCKET, DATA_BUCKET]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: 'capture',
      ExtendedS3DestinationConfiguration: { BucketARN: `arn:aws:s3:::${CAPTURE_BUCKET}`, RoleARN: ROLE, Prefix: 'payloads/' },
    }),
  );
  await firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: STREAM,
      DeliveryStreamType: 'DirectPut',
      ExtendedS3DestinationConfiguration: {
        BucketARN: `arn:aws:s3:::${DATA_BUCKET}`,
        RoleARN: ROLE,
        Prefix: destination.Prefix,
        ErrorOutputPrefix: destination.ErrorOutputPrefix,
        CompressionFormat: destination.CompressionFormat,
        BufferingHints: destination.BufferingHints,
      },
    }),
  );
  const capture = await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'capture' }));
  await logs.send(new CreateLogGroupCommand({ logGroupName: 'vpc-flow-logs' }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: 'vpc-flow-logs', logStreamName: 'eni-0a1b2c3d4e5f60718-all' }));
  await logs.send(
    new PutSubscriptionFilterCommand({
      logGroupName: 'vpc-flow-logs',
      filterName: 'to-firehose',
      filterPattern: '',
      destinationArn: capture.DeliveryStreamDescription!.DeliveryStreamARN,
      roleArn: ROLE,
    }),
  );
  // 1 event, 100 events, and close to the 1,048,576-byte PutLogEvents maximum (3,700 x ~250 bytes + 26 each).
  for (const [payloadNo, count] of [1, 100, 3700].entries()) payloads.set(count, await captureRealPayload(payloadNo + 1, count));
}, 60_000);

afterAll(async () => moto?.stop());

test('moto delivers real subscription payloads: gzip JSON, DATA_MESSAGE, every event in order', () => {
  const big = payloads.get(3700)!;
  const decoded = JSON.parse(gunzipSync(Buffer.from(big.event.awslogs.data, 'base64')).toString()) as Json;
  expect(decoded.messageType).toBe('DATA_MESSAGE');
  expect(decoded.logGroup).toBe('vpc-flow-logs');
  expect(decoded.logEvents.map((e: Json) => e.message)).toEqual(big.lines);
  const bytes = big.lines.reduce((n, l) => n + Buffer.byteLength(l) + 26, 0);
  expect(bytes).toBeGreaterThan(900_000);
  expect(bytes).toBeLessThanOrEqual(1_048_576);
});

describe('the handler (lambda/index.ts) against moto Firehose and S3', () => {
  let handler: Handler;
  const logged: string[] = [];
  beforeAll(async () => {
    ({ handler } = await import('../../lambda/index.js'));
    jest.spyOn(console, 'log').mockImplementation((line: string) => void logged.push(line));
  });
  afterAll(() => {
    jest.restoreAllMocks();
  });

  test.each([1, 100, 3700])('a payload of %i event(s): every line exactly once, in order', async (count) => {
    const { lines, event } = payloads.get(count)!;
    logged.length = 0;
    const { summary, objects } = await invokeAndCollect(handler, event);
    expect(Buffer.concat(objects.map((o) => o.body)).toString()).toBe(lines.join('\n') + '\n');
    expect(summary).toMatchObject({ messageType: 'DATA_MESSAGE', events: count, records: 1, calls: 1, retriedRecords: 0 });
    expect(summary.bytes).toBe(Buffer.byteLength(lines.join('\n') + '\n'));
    expect(logged.map((line) => JSON.parse(line))).toEqual([summary]);
  });

  test('a control message sends nothing', async () => {
    const control = {
      messageType: 'CONTROL_MESSAGE',
      owner: 'CloudwatchLogs',
      logGroup: '',
      logStream: '',
      subscriptionFilters: [],
      logEvents: [{ id: '', timestamp: Date.now(), message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' }],
    };
    const { summary, objects } = await invokeAndCollect(handler, {
      awslogs: { data: gzipSync(JSON.stringify(control)).toString('base64') },
    });
    expect(objects).toEqual([]);
    expect(summary).toMatchObject({ messageType: 'CONTROL_MESSAGE', events: 0, records: 0, calls: 0 });
  });
});

test('the built code inlined in dist/github-oidc-role.yaml (the bootstrap owns the forwarder) behaves the same', async () => {
  const module = { exports: {} as { handler?: Handler } };
  const bootstrap: Json = parseCfnTemplate(readFileSync('dist/github-oidc-role.yaml', 'utf8'));
  new Function('exports', 'require', 'module', bootstrap.Resources.Forwarder.Properties.Code.ZipFile)(
    module.exports,
    createRequire(`${process.cwd()}/package.json`),
    module,
  );
  const { lines, event } = payloads.get(100)!;
  const { summary, objects } = await invokeAndCollect(module.exports.handler!, event);
  expect(Buffer.concat(objects.map((o) => o.body)).toString()).toBe(lines.join('\n') + '\n');
  expect(summary.events).toBe(100);
});

describe('with Firehose faults injected by a proxy in front of moto', () => {
  /** Small records (16 KiB), so that one payload makes calls of many records and faults can hit a share. */
  const smallRecords = { ...FIREHOSE_LIMITS, maxRecordBytes: 16 * 1024 };

  async function handlerBehind(plan: FaultPlan, retry: RetryPolicy) {
    const proxy = await startFaultProxy(moto.endpoint, plan);
    const { createHandler, firehosePut } = await import('../../lambda/forwarder.js');
    // SDK retries off: the forwarder's own retry policy is the budget under test.
    const client = new FirehoseClient({ endpoint: proxy.endpoint, maxAttempts: 1 });
    return { proxy, handler: createHandler({ put: firehosePut(client, STREAM), retry, limits: smallRecords, log: () => undefined }) };
  }

  test('failed records and failed calls are retried: no line lost or duplicated', async () => {
    const random = seeded(7);
    const { proxy, handler } = await handlerBehind(
      { failCall: (call) => call === 1 || random() < 0.3, failRecord: () => random() < 0.4 },
      instantRetry(20, seeded(11)),
    );
    try {
      const events = [payloads.get(3700)!, payloads.get(100)!, payloads.get(3700)!, payloads.get(1)!, payloads.get(3700)!];
      for (const { lines, event } of events) {
        const { summary, objects } = await invokeAndCollect(handler, event);
        const received = Buffer.concat(objects.map((o) => o.body)).toString().split('\n').slice(0, -1);
        // Exactly once: the same multiset of (unique) lines. In order within each record: every received
        // line is followed by its successor in the payload unless a record (or a retried one) ended there.
        expect(received.length).toBe(lines.length);
        expect([...received].sort()).toEqual([...lines].sort());
        const position = new Map(lines.map((line, i) => [line, i]));
        const recordStarts = received.filter((line, i) => i === 0 || position.get(received[i - 1]!)! + 1 !== position.get(line));
        expect(recordStarts.length).toBeLessThanOrEqual(summary.records);
        expect(summary.events).toBe(lines.length);
      }
      expect(proxy.counts.failedCalls).toBeGreaterThan(0);
      expect(proxy.counts.failedRecords).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  });

  test('beyond the retry budget the invocation throws (calls failing)', async () => {
    const { proxy, handler } = await handlerBehind({ failCall: () => true, failRecord: () => false }, instantRetry(3, Math.random));
    try {
      await expect(handler(payloads.get(100)!.event)).rejects.toThrow(/^2 Firehose record\(s\) still failing .*ServiceUnavailable/);
      expect(proxy.counts.calls).toBe(3);
      expect(await newObjects(DATA_BUCKET, destination.Prefix)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  test('beyond the retry budget the invocation throws (records failing)', async () => {
    const { proxy, handler } = await handlerBehind({ failCall: () => false, failRecord: () => true }, instantRetry(4, Math.random));
    try {
      await expect(handler(payloads.get(3700)!.event)).rejects.toThrow(/still failing/);
      const records = packLines(payloads.get(3700)!.lines, smallRecords.maxRecordBytes).length;
      expect(proxy.counts).toEqual({ calls: 4, failedCalls: 0, failedRecords: 4 * records });
      expect(await newObjects(DATA_BUCKET, destination.Prefix)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
