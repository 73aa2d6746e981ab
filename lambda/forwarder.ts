// The Lambda's wiring: subscription event -> lines -> packed records -> Firehose PutRecordBatch, and one
// summary log line per invocation (its error too: a payload that cannot be decoded, such as one that decompresses
// past the limit, is logged, then thrown, so that Lambda's on-failure destination, the stack's failure queue,
// keeps it after the retries). The Firehose client is created on first use (SDK v3 honours
// AWS_ENDPOINT_URL and AWS_REGION), so tests can point it at a local endpoint.

import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { decodePayload, logLines, type SubscriptionEvent, type SubscriptionPayload } from './subscription.js';
import { FIREHOSE_LIMITS, packLines, type FirehoseLimits } from './packing.js';
import { deliverRecords, DEFAULT_RETRY_POLICY, type DeliveryStats, type PutBatch, type RetryPolicy } from './delivery.js';

/** The environment variable that names the delivery stream. */
export const STREAM_ENV = 'DELIVERY_STREAM_NAME';

export interface ForwarderOptions {
  /** PutRecordBatch; by default a FirehoseClient call on the stream named by DELIVERY_STREAM_NAME. */
  readonly put?: PutBatch;
  readonly retry?: RetryPolicy;
  /** Record and call limits; Firehose's own by default. */
  readonly limits?: FirehoseLimits;
  readonly log?: (line: string) => void;
}

export interface InvocationSummary extends DeliveryStats {
  readonly messageType: string;
  readonly events: number;
}

/** A PutBatch over a real FirehoseClient. */
export function firehosePut(client: FirehoseClient, streamName: string): PutBatch {
  return async (records) => {
    const response = await client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: streamName, Records: records.map((Data) => ({ Data })) }),
    );
    const responses = response.RequestResponses ?? [];
    if (responses.length !== records.length) {
      throw new Error(`PutRecordBatch answered ${responses.length} results for ${records.length} records`);
    }
    return responses.map((r) => r.ErrorCode);
  };
}

function defaultPut(): PutBatch {
  const streamName = process.env[STREAM_ENV];
  if (!streamName) throw new Error(`${STREAM_ENV} is not set`);
  return firehosePut(new FirehoseClient({}), streamName);
}

export function createHandler(options: ForwarderOptions = {}) {
  let put = options.put;
  const log = options.log ?? ((line: string) => console.log(line));
  const limits = options.limits ?? FIREHOSE_LIMITS;
  return async (event: SubscriptionEvent): Promise<InvocationSummary> => {
    let payload: SubscriptionPayload | undefined;
    let lines: string[] = [];
    try {
      payload = decodePayload(event);
      lines = logLines(payload);
      put ??= defaultPut();
      const records = packLines(lines, limits.maxRecordBytes);
      const stats = await deliverRecords(records, put, options.retry ?? DEFAULT_RETRY_POLICY, limits);
      const summary = { messageType: payload.messageType, events: lines.length, ...stats };
      log(JSON.stringify(summary));
      return summary;
    } catch (error) {
      log(JSON.stringify({ messageType: payload?.messageType, events: lines.length, error: String(error) }));
      throw error;
    }
  };
}
