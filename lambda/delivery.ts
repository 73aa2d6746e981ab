// Sends records to Firehose batch by batch and retries only what failed (records that a call reported as
// failed, or every record of a call that failed as a whole) with capped exponential backoff and full jitter.
// Throws when records remain after the retry budget, so that the invocation fails and nothing is lost.

import { batchRecords, FIREHOSE_LIMITS, type FirehoseLimits } from './packing.js';

/**
 * One PutRecordBatch call: resolves with one entry per record, in order: undefined when it was accepted,
 * its error code when not. Rejects when the call as a whole failed.
 */
export type PutBatch = (records: readonly Uint8Array[]) => Promise<readonly (string | undefined)[]>;

export interface RetryPolicy {
  /** Calls per batch, the first one included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  /** A number in [0, 1), for jitter. */
  readonly random: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 100,
  maxDelayMs: 3000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

export interface DeliveryStats {
  readonly records: number;
  readonly bytes: number;
  /** PutRecordBatch calls made, retries included. */
  readonly calls: number;
  /** Records sent again after a failure. */
  readonly retriedRecords: number;
}

/** Thrown when records are still undelivered after the retry budget. */
export class DeliveryError extends Error {
  constructor(
    readonly undelivered: number,
    readonly lastError: string,
  ) {
    super(`${undelivered} Firehose record(s) still failing after the retry budget (last error: ${lastError})`);
    this.name = 'DeliveryError';
  }
}

/** Whether a failed call is worth repeating: throttling, 5xx, or no answer at all. */
export function isRetryableCallError(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const status = e?.$metadata?.httpStatusCode;
  if (status === undefined || status >= 500 || status === 429 || e.$retryable) return true;
  return /Throttl|ServiceUnavailable|LimitExceeded/.test(e.name ?? '');
}

/** The delay before retry number `retry` (1-based): full jitter over a capped exponential. */
export function backoffDelay(retry: number, policy: RetryPolicy): number {
  return Math.floor(policy.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1)));
}

async function deliverBatch(batch: readonly Uint8Array[], put: PutBatch, policy: RetryPolicy) {
  let pending = batch;
  let calls = 0;
  let retried = 0;
  let lastError = '';
  for (let attempt = 1; pending.length > 0 && attempt <= policy.maxAttempts; attempt++) {
    if (attempt > 1) {
      retried += pending.length;
      await policy.sleep(backoffDelay(attempt - 1, policy));
    }
    calls++;
    try {
      const outcome = await put(pending);
      const failed = pending.filter((_, i) => outcome[i] !== undefined);
      lastError = outcome.find((code) => code !== undefined) ?? lastError;
      pending = failed;
    } catch (error) {
      lastError = (error as Error).name || String(error);
      if (!isRetryableCallError(error)) throw error;
    }
  }
  return { undelivered: pending.length, calls, retried, lastError };
}

/** Delivers every record, batch after batch, or throws a DeliveryError. */
export async function deliverRecords(
  records: readonly Uint8Array[],
  put: PutBatch,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  limits: FirehoseLimits = FIREHOSE_LIMITS,
): Promise<DeliveryStats> {
  let calls = 0;
  let retriedRecords = 0;
  let bytes = 0;
  for (const batch of batchRecords(records, limits)) {
    const result = await deliverBatch(batch, put, policy);
    calls += result.calls;
    retriedRecords += result.retried;
    if (result.undelivered > 0) throw new DeliveryError(result.undelivered, result.lastError);
    for (const record of batch) bytes += record.length;
  }
  return { records: records.length, bytes, calls, retriedRecords };
}
