// Decodes a CloudWatch Logs subscription event (base64 of gzip of JSON) into the log lines it carries.
// CONTROL_MESSAGE payloads (sent when a subscription is set up) carry no flow-log data: zero lines. The gunzip
// has an output limit, so a small payload that expands to hundreds of MiB (a gzip bomb) fails at once instead
// of exhausting the function's memory.

import { gunzipSync } from 'node:zlib';

/** The event CloudWatch Logs sends to a subscribed Lambda function. */
export interface SubscriptionEvent {
  readonly awslogs: { readonly data: string };
}

/** The decoded payload (only the fields this function reads). */
export interface SubscriptionPayload {
  readonly messageType: 'DATA_MESSAGE' | 'CONTROL_MESSAGE';
  readonly logGroup: string;
  readonly logEvents: readonly { readonly id: string; readonly timestamp: number; readonly message: string }[];
}

/**
 * Most bytes a payload may decompress to: 16 MiB. A real one is far smaller: an asynchronous invocation's event
 * is at most 1 MB (https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html), and a PutLogEvents batch at most
 * 1,048,576 bytes of messages (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html).
 */
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

/** Thrown for a payload that decompresses to more than the limit. */
export class PayloadTooLargeError extends Error {
  constructor(limit: number) {
    super(`the subscription payload decompresses to more than ${limit} bytes: not a CloudWatch Logs payload`);
    this.name = 'PayloadTooLargeError';
  }
}

/** The payload of `event`; throws for an event without awslogs.data, data that is not gzip JSON, or a PayloadTooLargeError. */
export function decodePayload(event: SubscriptionEvent, maxBytes = MAX_PAYLOAD_BYTES): SubscriptionPayload {
  const data = event?.awslogs?.data;
  if (typeof data !== 'string') throw new Error('not a CloudWatch Logs subscription event: awslogs.data is missing');
  let json: Buffer;
  try {
    json = gunzipSync(Buffer.from(data, 'base64'), { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new PayloadTooLargeError(maxBytes);
    throw error;
  }
  return JSON.parse(json.toString('utf8')) as SubscriptionPayload;
}

/** The message of every log event, in order; none for a control message. */
export function logLines(payload: SubscriptionPayload): string[] {
  if (payload.messageType !== 'DATA_MESSAGE') return [];
  return payload.logEvents.map((e) => e.message);
}
