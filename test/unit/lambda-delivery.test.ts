// Delivery to Firehose with retries of only the failed records, backoff with jitter, and a hard failure
// beyond the retry budget; the put function is a scripted fake, the sleep records its delays.

import { describe, expect, test } from '@jest/globals';
import {
  backoffDelay,
  deliverRecords,
  DeliveryError,
  isRetryableCallError,
  type PutBatch,
  type RetryPolicy,
} from '../../lambda/delivery.js';

const records = (count: number) => Array.from({ length: count }, (_, i) => Buffer.from(`record ${i}\n`));

function policy(delays: number[], overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    maxAttempts: 4,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  };
}

/** A fake Firehose that keeps what it accepted and fails records on a script. */
function fakeFirehose(failures: (call: number, record: string) => string | undefined) {
  const accepted: string[] = [];
  const calls: string[][] = [];
  const put: PutBatch = async (batch) => {
    const texts = batch.map((r) => Buffer.from(r).toString());
    calls.push(texts);
    return texts.map((text) => {
      const code = failures(calls.length, text);
      if (code === undefined) accepted.push(text);
      return code;
    });
  };
  return { put, accepted, calls };
}

describe('deliverRecords', () => {
  test('sends everything once when nothing fails', async () => {
    const firehose = fakeFirehose(() => undefined);
    const input = records(1200);
    const stats = await deliverRecords(input, firehose.put, policy([]));
    expect(firehose.accepted).toEqual(input.map(String));
    expect(firehose.calls.map((c) => c.length)).toEqual([500, 500, 200]);
    expect(stats).toEqual({ records: 1200, bytes: input.reduce((n, r) => n + r.length, 0), calls: 3, retriedRecords: 0 });
  });

  test('retries only the records that failed, until none is left', async () => {
    // Call 1 fails every third record, call 2 fails one of them again, call 3 accepts the rest.
    const firehose = fakeFirehose((call, text) => {
      const n = Number(/\d+/.exec(text)![0]);
      if (call === 1 && n % 3 === 0) return 'ServiceUnavailableException';
      if (call === 2 && n === 3) return 'InternalFailure';
      return undefined;
    });
    const delays: number[] = [];
    const stats = await deliverRecords(records(10), firehose.put, policy(delays));
    expect(firehose.calls[1]).toEqual(['record 0\n', 'record 3\n', 'record 6\n', 'record 9\n']);
    expect(firehose.calls[2]).toEqual(['record 3\n']);
    expect([...firehose.accepted].sort()).toEqual(records(10).map(String).sort());
    expect(stats.retriedRecords).toBe(5);
    expect(stats.calls).toBe(3);
    expect(delays).toEqual([50, 100]); // random 0.5 of 100, 200
  });

  test('a call that fails as a whole (throttling, 5xx) is repeated', async () => {
    let calls = 0;
    const accepted: number[] = [];
    const put: PutBatch = async (batch) => {
      calls++;
      if (calls <= 2) {
        throw Object.assign(new Error('slow down'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
      }
      accepted.push(batch.length);
      return batch.map(() => undefined);
    };
    const stats = await deliverRecords(records(3), put, policy([]));
    expect(accepted).toEqual([3]);
    expect(stats.retriedRecords).toBe(6);
  });

  test('throws when records remain after the retry budget', async () => {
    const firehose = fakeFirehose((_, text) => (text === 'record 1\n' ? 'ServiceUnavailableException' : undefined));
    const error = await deliverRecords(records(3), firehose.put, policy([])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).undelivered).toBe(1);
    expect((error as Error).message).toMatch(/ServiceUnavailableException/);
    expect(firehose.calls).toHaveLength(4);
  });

  test('a non-retryable call error (e.g. a missing stream) fails at once', async () => {
    let calls = 0;
    const put: PutBatch = async () => {
      calls++;
      throw Object.assign(new Error('no such stream'), {
        name: 'ResourceNotFoundException',
        $metadata: { httpStatusCode: 400 },
      });
    };
    await expect(deliverRecords(records(2), put, policy([]))).rejects.toThrow('no such stream');
    expect(calls).toBe(1);
  });
});

describe('backoff', () => {
  test('full jitter over a capped exponential', () => {
    const p = policy([], { random: () => 0.999 });
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, p))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, policy([], { random: () => 0 }))).toBe(0);
  });

  test('which call errors are retried', () => {
    const error = (name: string, status?: number) =>
      Object.assign(new Error(name), { name, $metadata: status === undefined ? undefined : { httpStatusCode: status } });
    expect(isRetryableCallError(error('ServiceUnavailableException', 503))).toBe(true);
    expect(isRetryableCallError(error('InternalFailure', 500))).toBe(true);
    expect(isRetryableCallError(error('ThrottlingException', 400))).toBe(true);
    expect(isRetryableCallError(error('ECONNRESET'))).toBe(true);
    expect(isRetryableCallError(error('ResourceNotFoundException', 400))).toBe(false);
    expect(isRetryableCallError(error('AccessDeniedException', 403))).toBe(false);
  });
});
