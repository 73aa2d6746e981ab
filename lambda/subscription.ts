// Decodes a CloudWatch Logs subscription event (base64 of gzip of JSON) into the log lines it carries.
// CONTROL_MESSAGE payloads (sent when a subscription is set up) carry no flow-log data: zero lines.

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

export function decodePayload(event: SubscriptionEvent): SubscriptionPayload {
  const data = event?.awslogs?.data;
  if (typeof data !== 'string') throw new Error('not a CloudWatch Logs subscription event: awslogs.data is missing');
  return JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8')) as SubscriptionPayload;
}

/** The message of every log event, in order; none for a control message. */
export function logLines(payload: SubscriptionPayload): string[] {
  if (payload.messageType !== 'DATA_MESSAGE') return [];
  return payload.logEvents.map((e) => e.message);
}
