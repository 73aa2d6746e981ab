export const id = 986;
export const ids = [986];
export const modules = {

/***/ 9986:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  describeRedrive: () => (/* binding */ describeRedrive),
  redriveStack: () => (/* binding */ redriveStack)
});

// UNUSED EXPORTS: redrive

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-sqs/dist-cjs/index.js
var dist_cjs = __webpack_require__(8868);
// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __webpack_require__(8522);
;// CONCATENATED MODULE: ./lib/lambda/subscription.js
// Decodes a CloudWatch Logs subscription event (base64 of gzip of JSON) into the log lines it carries.
// CONTROL_MESSAGE payloads (sent when a subscription is set up) carry no flow-log data: zero lines. The gunzip
// has an output limit, so a small payload that expands to hundreds of MiB (a gzip bomb) fails at once instead
// of exhausting the function's memory.

/**
 * Most bytes a payload may decompress to: 16 MiB. A real one is far smaller: an asynchronous invocation's event
 * is at most 1 MB (https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html), and a PutLogEvents batch at most
 * 1,048,576 bytes of messages (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html).
 */
const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
/** Thrown for a payload that decompresses to more than the limit. */
class PayloadTooLargeError extends Error {
    constructor(limit) {
        super(`the subscription payload decompresses to more than ${limit} bytes: not a CloudWatch Logs payload`);
        this.name = 'PayloadTooLargeError';
    }
}
/** The payload of `event`; throws for an event without awslogs.data, data that is not gzip JSON, or a PayloadTooLargeError. */
function subscription_decodePayload(event, maxBytes = MAX_PAYLOAD_BYTES) {
    const data = event?.awslogs?.data;
    if (typeof data !== 'string')
        throw new Error('not a CloudWatch Logs subscription event: awslogs.data is missing');
    let json;
    try {
        json = (0,external_node_zlib_.gunzipSync)(Buffer.from(data, 'base64'), { maxOutputLength: maxBytes });
    }
    catch (error) {
        if (error.code === 'ERR_BUFFER_TOO_LARGE')
            throw new PayloadTooLargeError(maxBytes);
        throw error;
    }
    return JSON.parse(json.toString('utf8'));
}
/** The message of every log event, in order; none for a control message. */
function subscription_logLines(payload) {
    if (payload.messageType !== 'DATA_MESSAGE')
        return [];
    return payload.logEvents.map((e) => e.message);
}

;// CONCATENATED MODULE: ./lib/lambda/packing.js
// Pure packing rules for Firehose: newline-terminated lines packed into as few records as the record size
// limit allows (a line is never split), and records grouped into PutRecordBatch calls within the call limits.
const packing_FIREHOSE_LIMITS = {
    maxRecordBytes: 1000 * 1024,
    maxBatchRecords: 500,
    maxBatchBytes: 4 * 1024 * 1024,
};
/**
 * Packs lines, each terminated by `\n`, into records of at most `maxRecordBytes` UTF-8 bytes, in order.
 * Throws for a line that cannot fit a record on its own (CloudWatch Logs events are at most 256 KiB).
 * Each record is sized first, then its lines are written straight into one buffer of that size (joining
 * the strings and encoding the result costs several times more).
 */
function packing_packLines(lines, maxRecordBytes = packing_FIREHOSE_LIMITS.maxRecordBytes) {
    const records = [];
    for (let start = 0; start < lines.length;) {
        let end = start;
        let bytes = 0;
        for (; end < lines.length; end++) {
            const size = Buffer.byteLength(lines[end], 'utf8') + 1;
            if (size > maxRecordBytes) {
                throw new Error(`log line ${end} is ${size} bytes: more than a Firehose record holds (${maxRecordBytes})`);
            }
            if (bytes + size > maxRecordBytes)
                break;
            bytes += size;
        }
        const record = Buffer.allocUnsafe(bytes);
        let offset = 0;
        for (let i = start; i < end; i++) {
            offset += record.write(lines[i], offset, 'utf8');
            record[offset++] = 0x0a;
        }
        if (offset !== bytes)
            throw new Error(`packed ${offset} bytes into a record sized ${bytes}`);
        records.push(record);
        start = end;
    }
    return records;
}
/** Groups records, in order, into batches of at most `maxBatchRecords` records and `maxBatchBytes` bytes. */
function batchRecords(records, limits = packing_FIREHOSE_LIMITS) {
    const batches = [];
    let batch = [];
    let bytes = 0;
    for (const record of records) {
        if (batch.length === limits.maxBatchRecords || (batch.length > 0 && bytes + record.length > limits.maxBatchBytes)) {
            batches.push(batch);
            batch = [];
            bytes = 0;
        }
        batch.push(record);
        bytes += record.length;
    }
    if (batch.length > 0)
        batches.push(batch);
    return batches;
}

;// CONCATENATED MODULE: ./lib/lambda/delivery.js
// Sends records to Firehose batch by batch and retries only what failed (records that a call reported as
// failed, or every record of a call that failed as a whole) with capped exponential backoff and full jitter.
// Throws when records remain after the retry budget, so that the invocation fails and nothing is lost.

const delivery_DEFAULT_RETRY_POLICY = {
    maxAttempts: 6,
    baseDelayMs: 100,
    maxDelayMs: 3000,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
};
/** Thrown when records are still undelivered after the retry budget. */
class DeliveryError extends Error {
    undelivered;
    lastError;
    constructor(undelivered, lastError) {
        super(`${undelivered} Firehose record(s) still failing after the retry budget (last error: ${lastError})`);
        this.undelivered = undelivered;
        this.lastError = lastError;
        this.name = 'DeliveryError';
    }
}
/** Whether a failed call is worth repeating: throttling, 5xx, or no answer at all. */
function isRetryableCallError(error) {
    const e = error;
    const status = e?.$metadata?.httpStatusCode;
    if (status === undefined || status >= 500 || status === 429 || e.$retryable)
        return true;
    return /Throttl|ServiceUnavailable|LimitExceeded/.test(e.name ?? '');
}
/** The delay before retry number `retry` (1-based): full jitter over a capped exponential. */
function backoffDelay(retry, policy) {
    return Math.floor(policy.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1)));
}
async function deliverBatch(batch, put, policy) {
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
        }
        catch (error) {
            lastError = error.name || String(error);
            if (!isRetryableCallError(error))
                throw error;
        }
    }
    return { undelivered: pending.length, calls, retried, lastError };
}
/** Delivers every record, batch after batch, or throws a DeliveryError. */
async function delivery_deliverRecords(records, put, policy = delivery_DEFAULT_RETRY_POLICY, limits = packing_FIREHOSE_LIMITS) {
    let calls = 0;
    let retriedRecords = 0;
    let bytes = 0;
    for (const batch of batchRecords(records, limits)) {
        const result = await deliverBatch(batch, put, policy);
        calls += result.calls;
        retriedRecords += result.retried;
        if (result.undelivered > 0)
            throw new DeliveryError(result.undelivered, result.lastError);
        for (const record of batch)
            bytes += record.length;
    }
    return { records: records.length, bytes, calls, retriedRecords };
}

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-firehose/dist-cjs/index.js
var client_firehose_dist_cjs = __webpack_require__(7442);
;// CONCATENATED MODULE: ./lib/lambda/forwarder.js
// The Lambda's wiring: subscription event -> lines -> packed records -> Firehose PutRecordBatch, and one
// summary log line per invocation (its error too: a payload that cannot be decoded, such as one that decompresses
// past the limit, is logged, then thrown, so that Lambda's on-failure destination, the stack's failure queue,
// keeps it after the retries). The Firehose client is created on first use (SDK v3 honours
// AWS_ENDPOINT_URL and AWS_REGION), so tests can point it at a local endpoint.




/** The environment variable that names the delivery stream. */
const STREAM_ENV = 'DELIVERY_STREAM_NAME';
/** A PutBatch over a real FirehoseClient. */
function firehosePut(client, streamName) {
    return async (records) => {
        const response = await client.send(new client_firehose_dist_cjs.PutRecordBatchCommand({ DeliveryStreamName: streamName, Records: records.map((Data) => ({ Data })) }));
        const responses = response.RequestResponses ?? [];
        if (responses.length !== records.length) {
            throw new Error(`PutRecordBatch answered ${responses.length} results for ${records.length} records`);
        }
        return responses.map((r) => r.ErrorCode);
    };
}
function defaultPut() {
    const streamName = process.env[STREAM_ENV];
    if (!streamName)
        throw new Error(`${STREAM_ENV} is not set`);
    return firehosePut(new FirehoseClient({}), streamName);
}
function createHandler(options = {}) {
    let put = options.put;
    const log = options.log ?? ((line) => console.log(line));
    const limits = options.limits ?? FIREHOSE_LIMITS;
    return async (event) => {
        let payload;
        let lines = [];
        try {
            payload = decodePayload(event);
            lines = logLines(payload);
            put ??= defaultPut();
            const records = packLines(lines, limits.maxRecordBytes);
            const stats = await deliverRecords(records, put, options.retry ?? DEFAULT_RETRY_POLICY, limits);
            const summary = { messageType: payload.messageType, events: lines.length, ...stats };
            log(JSON.stringify(summary));
            return summary;
        }
        catch (error) {
            log(JSON.stringify({ messageType: payload?.messageType, events: lines.length, error: String(error) }));
            throw error;
        }
    };
}

// EXTERNAL MODULE: ./lib/src/aws/errors.js
var errors = __webpack_require__(6929);
// EXTERNAL MODULE: ./lib/src/aws/lookups.js
var lookups = __webpack_require__(9135);
// EXTERNAL MODULE: ./lib/src/input-error.js
var input_error = __webpack_require__(8149);
// EXTERNAL MODULE: ./lib/src/pipeline/pipelines.js
var pipelines = __webpack_require__(2402);
;// CONCATENATED MODULE: ./lib/src/pipeline/redrive.js
// Redrive: the forwarder's failed batches, which Lambda keeps in the stack's failure queue as invocation records,
// sent into the delivery stream with the forwarder's own decoding (lambda/subscription.ts), packing
// (lambda/packing.ts) and delivery with retries (lambda/delivery.ts). A message is deleted only once every line
// it holds was accepted by Firehose, so a message whose delivery fails stays for the next run, and a second run
// finds nothing to send.









/**
 * The flow-log lines a message carries, or why it has none to replay: a body that is not JSON, a record without
 * its event, or an event that cannot be decoded (not gzip JSON, or more than the forwarder's decompression limit).
 */
function linesOf(message) {
    let record;
    try {
        record = JSON.parse(message.Body ?? '');
    }
    catch {
        return { unreadable: 'its body is not JSON' };
    }
    const event = record?.requestPayload;
    if (typeof event?.awslogs?.data !== 'string')
        return { unreadable: 'it holds no CloudWatch Logs event (requestPayload.awslogs.data)' };
    try {
        return { lines: subscription_logLines(subscription_decodePayload(event)) };
    }
    catch (error) {
        return { unreadable: `its CloudWatch Logs event cannot be decoded (${error.message})` };
    }
}
/**
 * Receives every message of the queue, delivers the lines of each through `put` and deletes it once delivered.
 * Throws what is no delivery failure (a queue or stream that is missing or denied): nothing is deleted for it.
 */
async function redrive(sqs, queueUrl, put, options = {}) {
    const log = options.log ?? (() => undefined);
    const seen = new Set();
    const counts = { messages: 0, redriven: 0, lines: 0, records: 0, bytes: 0, calls: 0, failed: 0, unreadable: 0 };
    for (;;) {
        const { Messages = [] } = await sqs.send(new dist_cjs.ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            // Long polling asks every SQS server, so an empty answer means an empty queue (not an unlucky sample).
            WaitTimeSeconds: 1,
            VisibilityTimeout: options.visibilityTimeoutSeconds ?? 300,
        }));
        const fresh = Messages.filter((m) => !seen.has(m.MessageId));
        if (fresh.length === 0)
            break;
        for (const message of fresh) {
            seen.add(message.MessageId);
            counts.messages++;
            const decoded = linesOf(message);
            if ('unreadable' in decoded) {
                counts.unreadable++;
                log(`message ${message.MessageId} kept: ${decoded.unreadable}.`);
                continue;
            }
            const { lines } = decoded;
            try {
                const stats = await delivery_deliverRecords(packing_packLines(lines), put, options.retry ?? delivery_DEFAULT_RETRY_POLICY);
                counts.records += stats.records;
                counts.bytes += stats.bytes;
                counts.calls += stats.calls;
            }
            catch (error) {
                if (!(error instanceof DeliveryError))
                    throw error;
                counts.failed++;
                log(`message ${message.MessageId} kept: ${error.message}.`);
                continue;
            }
            await sqs.send(new dist_cjs.DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
            counts.redriven++;
            counts.lines += lines.length;
        }
    }
    return counts;
}
/** One line for people: what was sent and what is left. */
function describeRedrive(result, queue) {
    const kept = result.failed + result.unreadable;
    return (`Redrive of ${queue}: ${result.messages} message(s); ${result.redriven} delivered and deleted ` +
        `(${result.lines} flow-log lines in ${result.records} Firehose records, ${result.bytes} bytes, ${result.calls} PutRecordBatch calls)` +
        (kept > 0 ? `; ${kept} kept in the queue (${result.failed} still failing, ${result.unreadable} without a readable flow-log event).` : '.'));
}
/**
 * Redrives the failure queue of the pipeline stack `stackName` into its delivery stream (both read from the
 * stack's outputs FailureQueueUrl and DeliveryStreamName). An s3-parquet stack has neither (AWS delivers its flow
 * log to S3 itself): that is no error, and the answer says so. Throws an InputError when the stack does not exist
 * or predates the failure queue.
 */
async function redriveStack(clients, stackName, input, options = {}) {
    const stack = await (0,lookups/* describeStack */.GO)(clients.cloudformation, stackName);
    if (!stack)
        throw new input_error/* InputError */.d(`${input}: stack ${stackName} does not exist in this region; give the name of a deployed pipeline stack.`);
    if ((0,pipelines/* stackPipeline */.J)(stack.outputs) === 's3-parquet') {
        return {
            nothingToRedrive: `Nothing to redrive: stack ${stackName} runs the s3-parquet pipeline, where AWS delivers the flow log straight to S3 ` +
                'with no forwarder and no failure queue; its delivery status shows in the pipeline-health check.',
        };
    }
    const { FailureQueueUrl: queueUrl, DeliveryStreamName: stream } = stack.outputs;
    if (!queueUrl || !stream) {
        throw new input_error/* InputError */.d(`${input}: stack ${stackName} has no FailureQueueUrl or DeliveryStreamName output (it predates the failure queue); deploy it again first.`);
    }
    try {
        return { ...(await redrive(clients.sqs, queueUrl, firehosePut(clients.firehose, stream), options)), queueUrl };
    }
    catch (error) {
        throw (0,errors/* explainAwsError */.Ni)(error, `redriving ${queueUrl} into ${stream}`);
    }
}


/***/ })

};
