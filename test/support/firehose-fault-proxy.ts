// A loopback HTTP proxy in front of moto_server that injects Firehose faults into PutRecordBatch: whole calls
// answered 503 ServiceUnavailableException, or single records reported failed (FailedPutCount > 0 with a
// per-record ErrorCode) while the rest are forwarded to moto. Every other request passes through unchanged.

import { createServer, type IncomingMessage, type Server } from 'node:http';

/** The fault decision for one PutRecordBatch call (1-based call number). */
export interface FaultPlan {
  /** Answer the whole call with a 503. */
  failCall(call: number): boolean;
  /** Report record `index` of the call as failed (it is not forwarded). */
  failRecord(call: number, index: number): boolean;
}

export interface FaultProxy {
  readonly endpoint: string;
  /** PutRecordBatch calls seen, failed whole, and records reported failed. */
  readonly counts: { calls: number; failedCalls: number; failedRecords: number };
  close(): Promise<void>;
}

const readBody = (request: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

export async function startFaultProxy(target: string, plan: FaultPlan): Promise<FaultProxy> {
  const counts = { calls: 0, failedCalls: 0, failedRecords: 0 };

  const forward = async (request: IncomingMessage, body: Buffer) => {
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name)),
    ) as Record<string, string>;
    const response = await fetch(`${target}${request.url}`, {
      method: request.method,
      headers,
      body: ['GET', 'HEAD'].includes(request.method ?? 'GET') ? undefined : body,
    });
    return { status: response.status, type: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
  };

  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const target = String(request.headers['x-amz-target'] ?? '');
      if (!target.endsWith('.PutRecordBatch')) {
        const answer = await forward(request, body);
        response.writeHead(answer.status, answer.type ? { 'content-type': answer.type } : {}).end(answer.body);
        return;
      }
      const call = ++counts.calls;
      const json = { 'content-type': 'application/x-amz-json-1.1' };
      if (plan.failCall(call)) {
        counts.failedCalls++;
        response.writeHead(503, json).end(JSON.stringify({ __type: 'ServiceUnavailableException', message: 'Slow down.' }));
        return;
      }
      const input = JSON.parse(body.toString()) as { DeliveryStreamName: string; Records: { Data: string }[] };
      const failed = input.Records.map((_, i) => plan.failRecord(call, i));
      const kept = input.Records.filter((_, i) => !failed[i]);
      let ids: { RecordId: string }[] = [];
      if (kept.length > 0) {
        const answer = await forward(request, Buffer.from(JSON.stringify({ ...input, Records: kept })));
        if (answer.status !== 200) {
          response.writeHead(answer.status, json).end(answer.body);
          return;
        }
        ids = (JSON.parse(answer.body.toString()) as { RequestResponses: { RecordId: string }[] }).RequestResponses;
      }
      counts.failedRecords += failed.filter(Boolean).length;
      const responses = failed.map((f) =>
        f ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Injected record failure.' } : ids.shift()!,
      );
      response
        .writeHead(200, json)
        .end(JSON.stringify({ FailedPutCount: failed.filter(Boolean).length, Encrypted: false, RequestResponses: responses }));
    })().catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
