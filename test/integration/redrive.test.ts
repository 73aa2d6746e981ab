// Failed batches, kept and replayed (issue 13), against moto_server: real CloudWatch Logs subscription payloads
// (moto's Logs delivers them to a subscribed capture stream) are given to the forwarder, whose Firehose calls
// all fail through the fault-injection proxy; the invocation record of each failed event goes into an SQS queue
// made like the bootstrap's FailureQueue; `redrive` then delivers every line of it exactly once into a moto Firehose
// stream (which writes to moto S3), deletes only what it delivered, and a second run sends nothing; a message
// whose event cannot be decoded (not gzip, a gzip bomb) is kept and counted while the good ones beside it are
// delivered. The CLI's `redrive --stack` does the same through a stack's outputs.
//
// What moto cannot do: it does not run Lambda's asynchronous invocation, its retries or its on-failure
// destination. That one step is done here as Lambda documents it: after the last failed attempt, Lambda sends
// an invocation record (version, timestamp, requestContext with condition RetriesExhausted and
// approximateInvokeCount, requestPayload = the event, responseContext with functionError, responsePayload = the
// error) to the destination queue (Lambda Developer Guide, "Capturing records of Lambda asynchronous
// invocations", invocation record example). Everything else is the real code against moto.

import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  PutSubscriptionFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startMoto, TEST_AWS_ENV, type MotoServer } from '../support/moto.js';
import { startFaultProxy, type FaultProxy } from '../support/firehose-fault-proxy.js';
import { gzipBombEvent } from '../support/gzip-bomb.js';
import { parseCfnTemplate } from '../../scripts/cfn-yaml.js';
import { createHandler, firehosePut } from '../../lambda/forwarder.js';
import type { SubscriptionEvent } from '../../lambda/subscription.js';
import type { RetryPolicy } from '../../lambda/delivery.js';
import { redrive } from '../../src/pipeline/redrive.js';
import { main } from '../../src/cli.js';
import { parseCidrList } from '../../src/audit/parameters.js';
import { generateSample } from '../../src/flowlog/sample.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROLE = 'arn:aws:iam::123456789012:role/test';
const CAPTURE_BUCKET = 'captured-payloads';
const DATA_BUCKET = 'flow-log-data';
const STREAM = 'pipeline-stream';
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:vpc-port-audit-Forwarder-bootstrap';
// The forwarder and its failure queue are the bootstrap's (issue 20).
const template: Json = parseCfnTemplate(readFileSync('cfn/github-oidc-role.yaml', 'utf8'));
const queueProperties: Json = template.Resources.FailureQueue.Properties;
const invokeConfig: Json = template.Resources.ForwarderInvokeConfig.Properties;

let moto: MotoServer;
let config: Json;
let s3: S3Client;
let sqs: SQSClient;
let firehose: FirehoseClient;
let proxy: FaultProxy;
let queueUrl: string;
/** The lines of each captured payload, and its event. */
const payloads: { lines: string[]; event: SubscriptionEvent }[] = [];

const instant = (maxAttempts: number): RetryPolicy => ({ maxAttempts, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined, random: () => 0 });

/** Realistic v5 flow-log lines from the sample generator (the files' header lines left out). */
async function sampleLines(count: number): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'redrive-'));
  try {
    await generateSample({ out: dir, vpcCidrs: parseCidrList('10.0.0.0/16', 'test'), end: new Date('2026-11-30T00:00:00Z'), days: 1, recordsPerHour: Math.ceil(count / 24), seed: 13 });
    const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.gz')).sort();
    const lines: string[] = [];
    for (const file of files) lines.push(...gunzipSync(await readFile(join(dir, file))).toString().split('\n').filter((l) => l !== '' && !l.startsWith('version ')));
    return lines.slice(0, count);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every line Firehose wrote to the data bucket so far, as one sorted list (a multiset). */
async function deliveredLines(): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: DATA_BUCKET, Prefix: 'flow-logs/' }));
  const lines: string[] = [];
  for (const { Key } of listed.Contents ?? []) {
    const object = await s3.send(new GetObjectCommand({ Bucket: DATA_BUCKET, Key }));
    lines.push(...(await object.Body!.transformToString()).split('\n').filter((l) => l !== ''));
  }
  return lines.sort();
}

const queueDepth = async () =>
  Number(
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] })))
      .Attributes!.ApproximateNumberOfMessages,
  );

/** What Lambda puts into the on-failure destination after the last failed attempt (see the header). */
function invocationRecord(event: SubscriptionEvent, error: Error): Json {
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: 'e4b46cbf-b738-4a8d-8880-a18cdf61200e',
      functionArn: `${FUNCTION_ARN}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: invokeConfig.MaximumRetryAttempts + 1,
    },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: error.name, errorMessage: error.message, trace: [] },
  };
}

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, TEST_AWS_ENV, { AWS_ENDPOINT_URL: moto.endpoint });
  config = { endpoint: moto.endpoint, region: TEST_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  s3 = new S3Client({ ...config, forcePathStyle: true });
  sqs = new SQSClient(config);
  firehose = new FirehoseClient(config);
  const logs = new CloudWatchLogsClient(config);
  for (const bucket of [CAPTURE_BUCKET, DATA_BUCKET]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const [name, bucket, prefix] of [['capture', CAPTURE_BUCKET, 'payloads/'], [STREAM, DATA_BUCKET, 'flow-logs/']] as const) {
    await firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: name,
        ExtendedS3DestinationConfiguration: { BucketARN: `arn:aws:s3:::${bucket}`, RoleARN: ROLE, Prefix: prefix },
      }),
    );
  }
  // The queue as the template makes it.
  queueUrl = (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: 'vpc-port-audit-FailureQueue-bootstrap',
        Attributes: {
          SqsManagedSseEnabled: String(queueProperties.SqsManagedSseEnabled),
          MessageRetentionPeriod: String(queueProperties.MessageRetentionPeriod),
          VisibilityTimeout: String(queueProperties.VisibilityTimeout),
          MaximumMessageSize: String(queueProperties.MaximumMessageSize),
        },
      }),
    )
  ).QueueUrl!;
  // Real subscription payloads: moto's Logs sends each PutLogEvents batch to the capture stream, gzip JSON.
  const capture = await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'capture' }));
  await logs.send(new CreateLogGroupCommand({ logGroupName: 'vpc-flow-logs' }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: 'vpc-flow-logs', logStreamName: 'eni-all' }));
  await logs.send(
    new PutSubscriptionFilterCommand({ logGroupName: 'vpc-flow-logs', filterName: 'capture', filterPattern: '', destinationArn: capture.DeliveryStreamDescription!.DeliveryStreamARN, roleArn: ROLE }),
  );
  const lines = await sampleLines(2400);
  const captured = new Set<string>();
  for (const part of [lines.slice(0, 2000), lines.slice(2000)]) {
    await logs.send(new PutLogEventsCommand({ logGroupName: 'vpc-flow-logs', logStreamName: 'eni-all', logEvents: part.map((message) => ({ timestamp: Date.now(), message })) }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: CAPTURE_BUCKET, Prefix: 'payloads/' }));
    const fresh = listed.Contents!.map((o) => o.Key!).filter((k) => !captured.has(k));
    expect(fresh).toHaveLength(1);
    const key = fresh[0]!;
    captured.add(key);
    const body = await (await s3.send(new GetObjectCommand({ Bucket: CAPTURE_BUCKET, Key: key }))).Body!.transformToByteArray();
    payloads.push({ lines: part, event: { awslogs: { data: Buffer.from(body).toString('base64') } } });
  }
  // Every PutRecordBatch through the proxy fails: a Firehose outage longer than Lambda's retries.
  proxy = await startFaultProxy(moto.endpoint, { failCall: () => true, failRecord: () => false });
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await moto?.stop();
});

describe('a batch the forwarder fails lands in the failure queue; redrive delivers it exactly once', () => {
  const failing = () => firehosePut(new FirehoseClient({ ...config, endpoint: proxy.endpoint, maxAttempts: 1 }), STREAM);
  const direct = () => firehosePut(new FirehoseClient({ ...config, maxAttempts: 1 }), STREAM);

  test('the forwarder fails each attempt through the fault proxy; its invocation records go to the queue', async () => {
    const handler = createHandler({ put: failing(), retry: instant(3), log: () => undefined });
    for (const { event } of payloads) {
      // Lambda's first attempt and its MaximumRetryAttempts retries: each one fails.
      let lastError: Error | undefined;
      for (let attempt = 0; attempt <= invokeConfig.MaximumRetryAttempts; attempt++) {
        lastError = await handler(event).then(() => undefined, (error: Error) => error);
        expect(lastError?.name).toBe('DeliveryError');
      }
      const body = JSON.stringify(invocationRecord(event, lastError!));
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(queueProperties.MaximumMessageSize);
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    }
    expect(proxy.counts.failedCalls).toBe(payloads.length * 3 * 3);
    expect(await deliveredLines()).toEqual([]);
    expect(await queueDepth()).toBe(2);
  });

  test('a redrive during the outage delivers nothing and keeps every message', async () => {
    const result = await redrive(sqs, queueUrl, failing(), { retry: instant(2), visibilityTimeoutSeconds: 1 });
    expect(result).toMatchObject({ messages: 2, redriven: 0, failed: 2, lines: 0 });
    expect(await deliveredLines()).toEqual([]);
    await new Promise((r) => setTimeout(r, 1500)); // the messages become visible again
    expect(await queueDepth()).toBe(2);
  });

  test('after the outage, redrive delivers every line exactly once and empties the queue', async () => {
    const logged: string[] = [];
    const result = await redrive(sqs, queueUrl, direct(), { retry: instant(3), log: (l) => logged.push(l) });
    const all = payloads.flatMap((p) => p.lines);
    expect(result).toMatchObject({ messages: 2, redriven: 2, failed: 0, unreadable: 0, lines: all.length });
    // The forwarder's packing: each payload fits one record (1,000 KiB), one call each.
    expect(result).toMatchObject({ records: 2, calls: 2 });
    expect(await deliveredLines()).toEqual([...all].sort());
    expect(await queueDepth()).toBe(0);
    expect(logged).toEqual([]);
  });

  test('a second redrive sends nothing', async () => {
    const before = await deliveredLines();
    const result = await redrive(sqs, queueUrl, direct(), { retry: instant(3) });
    expect(result).toEqual({ messages: 0, redriven: 0, lines: 0, records: 0, bytes: 0, calls: 0, failed: 0, unreadable: 0 });
    expect(await deliveredLines()).toEqual(before);
  });

  test('a record without its event (Lambda drops a payload too large for the queue) is kept and counted', async () => {
    const record = invocationRecord(payloads[1]!.event, new Error('x'));
    delete (record as Json).requestPayload;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(record) }));
    const logged: string[] = [];
    const result = await redrive(sqs, queueUrl, direct(), { retry: instant(3), visibilityTimeoutSeconds: 1, log: (l) => logged.push(l) });
    expect(result).toMatchObject({ messages: 1, redriven: 0, unreadable: 1, records: 0 });
    expect(logged.join('\n')).toMatch(/kept: it holds no CloudWatch Logs event/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await queueDepth()).toBe(1);
  });
});

describe('vpc-port-audit redrive --stack NAME', () => {
  const io = () => {
    const out = { stdout: '', stderr: '' };
    return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t), interactive: false } };
  };

  test('reads the queue and the stream from the stack outputs and prints the counts', async () => {
    // A stack with the two outputs redrive reads (moto's CloudFormation has no Firehose: the stream is named).
    const cfn = new CloudFormationClient(config);
    const stackTemplate = {
      Resources: { Placeholder: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'placeholder' } } },
      Outputs: { FailureQueueUrl: { Value: queueUrl }, DeliveryStreamName: { Value: STREAM } },
    };
    await cfn.send(new CreateStackCommand({ StackName: 'redrive-test', TemplateBody: JSON.stringify(stackTemplate) }));
    for (;;) {
      const status = (await cfn.send(new DescribeStacksCommand({ StackName: 'redrive-test' }))).Stacks![0]!.StackStatus!;
      if (!status.endsWith('_IN_PROGRESS')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const more = payloads[1]!;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(invocationRecord(more.event, new Error('x'))) }));
    const before = (await deliveredLines()).length;
    const { out, io: cliIo } = io();
    expect(await main(['redrive', '--stack', 'redrive-test', '--region', 'us-east-1'], cliIo)).toBe(0);
    // The record without an event is still there (kept by the previous test): one kept, one delivered.
    expect(out.stdout).toMatch(new RegExp(`2 message\\(s\\); 1 delivered and deleted \\(${more.lines.length} flow-log lines in 1 Firehose records`));
    expect(out.stdout).toMatch(/1 kept in the queue \(0 still failing, 1 without a readable flow-log event\)/);
    expect((await deliveredLines()).length).toBe(before + more.lines.length);
  });

  test('a stack that does not exist, or that has no failure queue, is bad input (exit 2)', async () => {
    const { out, io: cliIo } = io();
    expect(await main(['redrive', '--stack', 'no-such-stack', '--region', 'us-east-1'], cliIo)).toBe(2);
    expect(out.stderr).toMatch(/--stack: stack no-such-stack does not exist/);
    const cfn = new CloudFormationClient(config);
    await cfn.send(new CreateStackCommand({ StackName: 'old-stack', TemplateBody: JSON.stringify({ Resources: { Q: { Type: 'AWS::SQS::Queue' } } }) }));
    const second = io();
    expect(await main(['redrive', '--stack', 'old-stack', '--region', 'us-east-1'], second.io)).toBe(2);
    expect(second.out.stderr).toMatch(/has no FailureQueueUrl or DeliveryStreamName output .* deploy it again first/);
  });

  test('a stack on the s3-parquet pipeline has nothing to redrive: one sentence, and success', async () => {
    const cfn = new CloudFormationClient(config);
    const stackTemplate = { Resources: { Q: { Type: 'AWS::SQS::Queue' } }, Outputs: { Pipeline: { Value: 's3-parquet' }, FlowLogId: { Value: 'fl-0123456789abcdef0' } } };
    await cfn.send(new CreateStackCommand({ StackName: 'parquet-stack', TemplateBody: JSON.stringify(stackTemplate) }));
    const depth = await queueDepth();
    const { out, io: cliIo } = io();
    expect(await main(['redrive', '--stack', 'parquet-stack', '--region', 'us-east-1'], cliIo)).toBe(0);
    expect(out.stdout).toBe(
      'Nothing to redrive: stack parquet-stack runs the s3-parquet pipeline, where AWS delivers the flow log straight to S3 with no forwarder ' +
        'and no failure queue; its delivery status shows in the pipeline-health check.\n',
    );
    expect(out.stderr).toBe('');
    expect(await queueDepth()).toBe(depth);
  });
});

describe('mode redrive of the action (src/main.ts run, in process, with the environment a runner gives it)', () => {
  test('redrives the stack named by stack-name and sets the counts as outputs; a run that may not write does nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'redrive-action-'));
    const outputFile = join(dir, 'output');
    await writeFile(outputFile, '');
    const eventFile = join(dir, 'event.json');
    await writeFile(eventFile, JSON.stringify({ repository: { default_branch: 'main' } }));
    // A workflow_dispatch run of the default branch: a run that may write.
    Object.assign(process.env, {
      'INPUT_MODE': 'redrive',
      'INPUT_STACK-NAME': 'redrive-test',
      'INPUT_AWS-REGION': 'us-east-1',
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      GITHUB_EVENT_PATH: eventFile,
      GITHUB_REF: 'refs/heads/main',
      GITHUB_OUTPUT: outputFile,
      GITHUB_WORKSPACE: dir,
    });
    const more = payloads[0]!;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(invocationRecord(more.event, new Error('x'))) }));
    const before = (await deliveredLines()).length;
    const { run } = await import('../../src/main.js');
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await run();
    } finally {
      stdout.mockRestore();
    }
    const outputs = Object.fromEntries(
      [...(await readFile(outputFile, 'utf8')).matchAll(/^(.+?)<<(\S+)\n([\s\S]*?)\n\2$/gm)].map(([, name, , value]) => [name, value]),
    );
    // The record without an event that the CLI's run above kept is hidden for the queue's visibility timeout
    // (300 s) after that run received it: this run sees only the new message.
    expect(outputs).toEqual({ 'redriven-messages': '1', 'redriven-lines': String(more.lines.length), 'failure-queue-kept': '0' });
    expect(process.exitCode ?? 0).toBe(0);
    expect((await deliveredLines()).length).toBe(before + more.lines.length);

    // The same run on another branch may not write: it says so, and the queue keeps its message.
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(invocationRecord(more.event, new Error('x'))) }));
    const { context } = await import('@actions/github');
    context.ref = 'refs/heads/feature';
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((text) => (written.push(String(text)), true));
    try {
      await run();
    } finally {
      spy.mockRestore();
    }
    expect(written.join('')).toMatch(/::notice::mode redrive does nothing here: this workflow_dispatch run is on refs\/heads\/feature/);
    expect(await queueDepth()).toBe(1);
    expect((await deliveredLines()).length).toBe(before + more.lines.length);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('poison messages among good ones (issue 20)', () => {
  test('a message that is not gzip and a gzip bomb are kept and counted; the good messages around them are delivered', async () => {
    const poisonQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'poison-test', Attributes: { MaximumMessageSize: String(queueProperties.MaximumMessageSize) } }))).QueueUrl!;
    const notGzip = { awslogs: { data: Buffer.from('not gzip at all').toString('base64') } };
    const bodies = [payloads[0]!.event, notGzip, gzipBombEvent(), payloads[1]!.event].map((event) => JSON.stringify(invocationRecord(event, new Error('x'))));
    // One at a time, so the queue hands them out in this order (poison before the second good one).
    for (const MessageBody of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: poisonQueue, MessageBody }));
    const before = await deliveredLines();
    const logged: string[] = [];
    const result = await redrive(sqs, poisonQueue, firehosePut(new FirehoseClient({ ...config, maxAttempts: 1 }), STREAM), {
      retry: instant(3),
      log: (line) => logged.push(line),
    });
    const good = [...payloads[0]!.lines, ...payloads[1]!.lines];
    expect(result).toMatchObject({ messages: 4, redriven: 2, unreadable: 2, failed: 0, lines: good.length });
    expect(await deliveredLines()).toEqual([...before, ...good].sort());
    expect(logged).toHaveLength(2);
    expect(logged.join('\n')).toMatch(/kept: its CloudWatch Logs event cannot be decoded \(incorrect header check\)/);
    expect(logged.join('\n')).toMatch(/kept: its CloudWatch Logs event cannot be decoded \(the subscription payload decompresses to more than 16777216 bytes/);
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: poisonQueue, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    // The two poison messages stay in the queue (hidden for the visibility timeout after this run received them).
    expect(Number(attributes.Attributes!.ApproximateNumberOfMessages) + Number(attributes.Attributes!.ApproximateNumberOfMessagesNotVisible)).toBe(2);
  });
});
