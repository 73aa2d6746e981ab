// Redrive: the forwarder's failed batches, which Lambda keeps in the stack's failure queue as invocation records,
// sent into the delivery stream with the forwarder's own decoding (lambda/subscription.ts), packing
// (lambda/packing.ts) and delivery with retries (lambda/delivery.ts). A message is deleted only once every line
// it holds was accepted by Firehose, so a message whose delivery fails stays for the next run, and a second run
// finds nothing to send.

import { DeleteMessageCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { decodePayload, logLines, type SubscriptionEvent } from '../../lambda/subscription.js';
import { packLines } from '../../lambda/packing.js';
import { DEFAULT_RETRY_POLICY, DeliveryError, deliverRecords, type PutBatch, type RetryPolicy } from '../../lambda/delivery.js';
import { firehosePut } from '../../lambda/forwarder.js';
import type { AwsClients, RedriveClients } from '../aws/clients.js';
import { explainAwsError } from '../aws/errors.js';
import { describeStack } from '../aws/lookups.js';
import { InputError } from '../input-error.js';
import { stackPipeline } from './pipelines.js';

/**
 * The invocation record Lambda sends to an on-failure destination (Lambda Developer Guide, "Capturing records of
 * Lambda asynchronous invocations": version, timestamp, requestContext, requestPayload, responseContext,
 * responsePayload). Only the fields redrive reads. `requestPayload` is the event the function was given; Lambda
 * leaves it out when the record would exceed the destination's message size.
 */
interface InvocationRecord {
  readonly timestamp?: string;
  readonly requestContext?: { readonly requestId?: string; readonly condition?: string; readonly approximateInvokeCount?: number };
  readonly requestPayload?: SubscriptionEvent;
}

/** Counts of one redrive run. */
interface RedriveResult {
  /** Messages received from the queue (each counted once). */
  readonly messages: number;
  /** Messages whose lines were all delivered, and which were then deleted. */
  readonly redriven: number;
  /** Flow-log lines delivered, Firehose records and bytes sent, PutRecordBatch calls made. */
  readonly lines: number;
  readonly records: number;
  readonly bytes: number;
  readonly calls: number;
  /** Messages left in the queue because delivery still failed after the retries (the next run tries again). */
  readonly failed: number;
  /** Messages left in the queue because they hold no subscription event to replay (see InvocationRecord), or one that cannot be decoded. */
  readonly unreadable: number;
}

interface RedriveOptions {
  /** Seconds a received message stays hidden from other readers while it is delivered (the queue's own: 300). */
  readonly visibilityTimeoutSeconds?: number;
  readonly retry?: RetryPolicy;
  readonly log?: (line: string) => void;
}

/**
 * The flow-log lines a message carries, or why it has none to replay: a body that is not JSON, a record without
 * its event, or an event that cannot be decoded (not gzip JSON, or more than the forwarder's decompression limit).
 */
function linesOf(message: Message): { readonly lines: string[] } | { readonly unreadable: string } {
  let record: InvocationRecord;
  try {
    record = JSON.parse(message.Body ?? '') as InvocationRecord;
  } catch {
    return { unreadable: 'its body is not JSON' };
  }
  const event = record?.requestPayload;
  if (typeof event?.awslogs?.data !== 'string') return { unreadable: 'it holds no CloudWatch Logs event (requestPayload.awslogs.data)' };
  try {
    return { lines: logLines(decodePayload(event)) };
  } catch (error) {
    return { unreadable: `its CloudWatch Logs event cannot be decoded (${(error as Error).message})` };
  }
}

/**
 * Receives every message of the queue, delivers the lines of each through `put` and deletes it once delivered.
 * Throws what is no delivery failure (a queue or stream that is missing or denied): nothing is deleted for it.
 */
export async function redrive(
  sqs: Pick<SQSClient, 'send'>,
  queueUrl: string,
  put: PutBatch,
  options: RedriveOptions = {},
): Promise<RedriveResult> {
  const log = options.log ?? (() => undefined);
  const seen = new Set<string>();
  const counts = { messages: 0, redriven: 0, lines: 0, records: 0, bytes: 0, calls: 0, failed: 0, unreadable: 0 };
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        // Long polling asks every SQS server, so an empty answer means an empty queue (not an unlucky sample).
        WaitTimeSeconds: 1,
        VisibilityTimeout: options.visibilityTimeoutSeconds ?? 300,
      }),
    );
    const fresh = Messages.filter((m) => !seen.has(m.MessageId!));
    if (fresh.length === 0) break;
    for (const message of fresh) {
      seen.add(message.MessageId!);
      counts.messages++;
      const decoded = linesOf(message);
      if ('unreadable' in decoded) {
        counts.unreadable++;
        log(`message ${message.MessageId} kept: ${decoded.unreadable}.`);
        continue;
      }
      const { lines } = decoded;
      try {
        const stats = await deliverRecords(packLines(lines), put, options.retry ?? DEFAULT_RETRY_POLICY);
        counts.records += stats.records;
        counts.bytes += stats.bytes;
        counts.calls += stats.calls;
      } catch (error) {
        if (!(error instanceof DeliveryError)) throw error;
        counts.failed++;
        log(`message ${message.MessageId} kept: ${error.message}.`);
        continue;
      }
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      counts.redriven++;
      counts.lines += lines.length;
    }
  }
  return counts;
}

/** One line for people: what was sent and what is left. */
export function describeRedrive(result: RedriveResult, queue: string): string {
  const kept = result.failed + result.unreadable;
  return (
    `Redrive of ${queue}: ${result.messages} message(s); ${result.redriven} delivered and deleted ` +
    `(${result.lines} flow-log lines in ${result.records} Firehose records, ${result.bytes} bytes, ${result.calls} PutRecordBatch calls)` +
    (kept > 0 ? `; ${kept} kept in the queue (${result.failed} still failing, ${result.unreadable} without a readable flow-log event).` : '.')
  );
}

/** What redriving a stack did, or, for a pipeline without a forwarder, the one sentence saying there is nothing to do. */
type StackRedrive = (RedriveResult & { readonly queueUrl: string }) | { readonly nothingToRedrive: string };

/**
 * Redrives the failure queue of the pipeline stack `stackName` into its delivery stream (both read from the
 * stack's outputs FailureQueueUrl and DeliveryStreamName). An s3-parquet stack has neither (AWS delivers its flow
 * log to S3 itself): that is no error, and the answer says so. Throws an InputError when the stack does not exist
 * or predates the failure queue.
 */
export async function redriveStack(
  clients: Pick<AwsClients, 'cloudformation'> & RedriveClients,
  stackName: string,
  input: string,
  options: RedriveOptions = {},
): Promise<StackRedrive> {
  const stack = await describeStack(clients.cloudformation, stackName);
  if (!stack) throw new InputError(`${input}: stack ${stackName} does not exist in this region; give the name of a deployed pipeline stack.`);
  if (stackPipeline(stack.outputs) === 's3-parquet') {
    return {
      nothingToRedrive:
        `Nothing to redrive: stack ${stackName} runs the s3-parquet pipeline, where AWS delivers the flow log straight to S3 ` +
        'with no forwarder and no failure queue; its delivery status shows in the pipeline-health check.',
    };
  }
  const { FailureQueueUrl: queueUrl, DeliveryStreamName: stream } = stack.outputs;
  if (!queueUrl || !stream) {
    throw new InputError(
      `${input}: stack ${stackName} has no FailureQueueUrl or DeliveryStreamName output (it predates the failure queue); deploy it again first.`,
    );
  }
  try {
    return { ...(await redrive(clients.sqs, queueUrl, firehosePut(clients.firehose, stream), options)), queueUrl };
  } catch (error) {
    throw explainAwsError(error, `redriving ${queueUrl} into ${stream}`);
  }
}
