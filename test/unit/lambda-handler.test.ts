// The handler end to end in-process: a subscription event in, packed records to a fake PutRecordBatch out,
// control messages ignored, one summary log line per invocation; a gzip bomb refused at the output limit.

import { expect, test } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { createHandler } from '../../lambda/forwarder.js';
import type { PutBatch } from '../../lambda/delivery.js';
import { decodePayload, MAX_PAYLOAD_BYTES, PayloadTooLargeError } from '../../lambda/subscription.js';
import { gzipBombEvent } from '../support/gzip-bomb.js';

function subscriptionEvent(messageType: string, messages: string[]) {
  const payload = {
    messageType,
    owner: '123456789012',
    logGroup: 'flow-logs',
    logStream: 'eni-0123456789abcdef0-all',
    subscriptionFilters: ['to-firehose'],
    logEvents: messages.map((message, i) => ({ id: String(i), timestamp: 1_700_000_000_000 + i, message })),
  };
  return { awslogs: { data: gzipSync(JSON.stringify(payload)).toString('base64') } };
}

function recorder() {
  const sent: Buffer[] = [];
  const logs: string[] = [];
  const put: PutBatch = async (records) => {
    sent.push(...records.map((r) => Buffer.from(r)));
    return records.map(() => undefined);
  };
  return { sent, logs, handler: createHandler({ put, log: (line) => logs.push(line) }) };
}

test('forwards every message as one line, in order, and logs one summary line', async () => {
  const { sent, logs, handler } = recorder();
  const messages = Array.from({ length: 300 }, (_, i) => `5 123456789012 eni-1 10.0.0.${i % 250} 1.1.1.1 ${i} 443 6`);
  const summary = await handler(subscriptionEvent('DATA_MESSAGE', messages));
  expect(Buffer.concat(sent).toString()).toBe(messages.join('\n') + '\n');
  expect(sent).toHaveLength(1);
  expect(summary).toMatchObject({ messageType: 'DATA_MESSAGE', events: 300, records: 1, calls: 1, retriedRecords: 0 });
  expect(logs).toHaveLength(1);
  expect(JSON.parse(logs[0]!)).toEqual(summary);
});

test('a control message sends nothing', async () => {
  const { sent, logs, handler } = recorder();
  const summary = await handler(subscriptionEvent('CONTROL_MESSAGE', ['CWL CONTROL MESSAGE: Checking health of destination Firehose.']));
  expect(sent).toHaveLength(0);
  expect(summary).toMatchObject({ events: 0, records: 0, calls: 0 });
  expect(logs).toHaveLength(1);
});

test('an event that is not a subscription payload is refused', async () => {
  const { handler } = recorder();
  await expect(handler({} as never)).rejects.toThrow(/awslogs\.data/);
});

test('a delivery failure is logged once and rethrown', async () => {
  const logs: string[] = [];
  const handler = createHandler({
    put: async (records) => records.map(() => 'ServiceUnavailableException'),
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined, random: () => 0 },
    log: (line) => logs.push(line),
  });
  await expect(handler(subscriptionEvent('DATA_MESSAGE', ['a', 'b']))).rejects.toThrow(/1 Firehose record/);
  expect(logs).toHaveLength(1);
  expect(JSON.parse(logs[0]!).error).toMatch(/DeliveryError/);
});

test('a gzip bomb (about 200 KB that expands to 200 MiB) stops at the 16 MiB output limit: logged, thrown for the failure queue, nothing sent', async () => {
  const { sent, logs, handler } = recorder();
  const bomb = gzipBombEvent();
  expect(Buffer.from(bomb.awslogs.data, 'base64').length).toBeLessThan(256 * 1024);
  const error = await handler(bomb).then(() => undefined, (e: Error) => e);
  expect(error).toBeInstanceOf(PayloadTooLargeError);
  expect(error!.message).toBe(`the subscription payload decompresses to more than ${MAX_PAYLOAD_BYTES} bytes: not a CloudWatch Logs payload`);
  expect(sent).toHaveLength(0);
  expect(logs.map((line) => JSON.parse(line))).toEqual([{ events: 0, error: `PayloadTooLargeError: ${error!.message}` }]);
});

test('a payload just under the limit is decoded; one byte over is refused', () => {
  const payload = JSON.stringify({ messageType: 'CONTROL_MESSAGE', logGroup: 'g', logEvents: [] });
  const event = { awslogs: { data: gzipSync(payload).toString('base64') } };
  expect(decodePayload(event, payload.length).messageType).toBe('CONTROL_MESSAGE');
  expect(() => decodePayload(event, payload.length - 1)).toThrow(PayloadTooLargeError);
});
