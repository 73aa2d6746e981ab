// Throttling is retried by the Athena client itself (the SDK's standard retry mode, configured once in
// aws/clients.ts), not by the engine: the real client from createAwsClients against a local HTTP endpoint
// that speaks Athena's JSON protocol and answers chosen calls with ThrottlingException/TooManyRequests.

import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { RESULT_COLUMNS } from '../../src/audit/port-row.js';
import { createAwsClients } from '../../src/aws/clients.js';
import { AthenaEngine } from '../../src/engines/athena.js';
import { recordingLogger } from '../support/fake-aws.js';
import { auditParameters } from '../support/audit-parameters.js';

const PARAMETERS = auditParameters('10.0.0.0/16');

interface Call {
  readonly operation: string;
  readonly body: Record<string, unknown>;
}

/** What the endpoint answers each operation (unless a failure is set for it). */
const ANSWERS: Record<string, unknown> = {
  StartQueryExecution: { QueryExecutionId: 'q-1' },
  GetQueryExecution: {
    QueryExecution: { QueryExecutionId: 'q-1', Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 1, EngineExecutionTimeInMillis: 5 } },
  },
  GetQueryResults: {
    ResultSet: {
      Rows: [RESULT_COLUMNS, ['443', '6', '2', '3', '30', '3000', '2', '1.1.1.1', '8.8.8.8']].map((row) => ({ Data: row.map((v) => ({ VarCharValue: v })) })),
    },
  },
};

let server: Server;
let endpoint: string;
let calls: Call[];
let failures: Map<string, { times: number; type: string; message: string }>;

beforeEach(async () => {
  calls = [];
  failures = new Map();
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').replace('AmazonAthena.', '');
      calls.push({ operation, body: JSON.parse(text || '{}') as Record<string, unknown> });
      const failure = failures.get(operation);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (failure && failure.times > 0) {
        failure.times--;
        res.writeHead(400).end(JSON.stringify({ __type: failure.type, message: failure.message }));
        return;
      }
      res.writeHead(200).end(JSON.stringify(ANSWERS[operation] ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterEach(() => new Promise((resolve) => server.close(resolve)));

function engine(maxAttempts?: number) {
  const { athena } = createAwsClients({ region: 'us-east-1', endpoint, maxAttempts, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  return new AthenaEngine(athena, { workgroup: 'audit', poll: { firstMs: 50, maxMs: 50 } }, recordingLogger());
}

const operations = () => calls.map((c) => c.operation);

test('a throttled start is retried by the client with the same ClientRequestToken', async () => {
  failures.set('StartQueryExecution', { times: 2, type: 'TooManyRequestsException', message: 'Rate exceeded' });
  const { rows } = await engine().runAudit(PARAMETERS);
  expect(rows.map((r) => r.port)).toEqual([443]);
  const starts = calls.filter((c) => c.operation === 'StartQueryExecution');
  expect(starts).toHaveLength(3);
  expect(new Set(starts.map((c) => c.body.ClientRequestToken)).size).toBe(1);
});

test('throttled polls and result pages are retried too', async () => {
  failures.set('GetQueryExecution', { times: 1, type: 'ThrottlingException', message: 'Rate exceeded' });
  failures.set('GetQueryResults', { times: 1, type: 'ThrottlingException', message: 'Rate exceeded' });
  const { rows } = await engine().runAudit(PARAMETERS);
  expect(rows.map((r) => r.port)).toEqual([443]);
  expect(operations()).toEqual(['StartQueryExecution', 'GetQueryExecution', 'GetQueryExecution', 'GetQueryResults', 'GetQueryResults']);
});

test('throttling that never ends gives up after the client\'s attempts', async () => {
  failures.set('StartQueryExecution', { times: 100, type: 'TooManyRequestsException', message: 'Rate exceeded' });
  await expect(engine(3).runAudit(PARAMETERS)).rejects.toThrow('Rate exceeded');
  expect(operations()).toEqual(['StartQueryExecution', 'StartQueryExecution', 'StartQueryExecution']);
});

test('other errors are not retried', async () => {
  failures.set('StartQueryExecution', { times: 1, type: 'InvalidRequestException', message: 'WorkGroup audit is not found.' });
  await expect(engine().runAudit(PARAMETERS)).rejects.toThrow('WorkGroup audit is not found.');
  expect(operations()).toEqual(['StartQueryExecution']);
});
