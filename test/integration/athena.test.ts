// The Athena engine against a real moto_server (clients from the one factory with an explicit endpoint):
// results set through /moto-api/static/athena/query-results, states stepped through
// /moto-api/state-manager/set-transition (QUEUED -> RUNNING -> SUCCEEDED), a query cancelled by someone
// else and one cancelled by the engine's timeout (StopQueryExecution). moto cannot fail a query, page
// results or throttle: test/unit/athena-engine.test.ts covers those. Last, the same rows from DuckDB (on the
// shipped sample) and from Athena (moto) feed one shared report path and render identically.

import { beforeEach, expect, test } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { CreateWorkGroupCommand, GetQueryExecutionCommand, StopQueryExecutionCommand } from '@aws-sdk/client-athena';
import { AthenaEngine, AthenaQueryError, athenaCostUsd } from '../../src/engines/athena.js';
import { DuckDbEngine } from '../../src/engines/duckdb.js';
import type { PortRow } from '../../src/audit/port-row.js';
import { renderTopListTable } from '../../src/report/audit-sections.js';
import { motoForFile } from '../support/moto-for-file.js';
import { fakeClock, recordingLogger } from '../support/fake-aws.js';
import { motoApi, queueAthenaResults } from '../support/moto-athena.js';
import { auditParameters } from '../support/audit-parameters.js';

const WORKGROUP = 'vpc-port-audit';
const PARAMETERS = auditParameters('172.31.0.0/16', { maxPorts: 20 });

const aws = motoForFile();

beforeEach(async () => {
  await succeedAtOnce();
  await aws.clients.athena.send(
    new CreateWorkGroupCommand({ Name: WORKGROUP, Configuration: { ResultConfiguration: { OutputLocation: 's3://audit-results/athena/' } } }),
  );
});

/** Each state holds for `polls` GetQueryExecution calls before the next (moto's manual progression). */
const holdEachState = (polls: number) =>
  motoApi(aws.moto.endpoint, '/moto-api/state-manager/set-transition', {
    model_name: 'athena::execution',
    transition: { progression: 'manual', times: polls },
  });
/** moto's default: a query has succeeded by the first time it is looked at. */
const succeedAtOnce = () =>
  motoApi(aws.moto.endpoint, '/moto-api/state-manager/set-transition', { model_name: 'athena::execution', transition: { progression: 'immediate' } });

const QUEUED_ROWS: PortRow[] = [
  { port: 443, protocol: 6, connections: 410, flows: 630, packets: 2_206_319, bytes: 2_491_606_930, peers: 50, samplePeers: ['13.32.0.1', '99.84.0.9'] },
  { port: 53, protocol: 17, connections: 279, flows: 279, packets: 5477, bytes: 4_385_953, peers: 1, samplePeers: ['8.8.8.8'] },
];

test('steps QUEUED -> RUNNING -> SUCCEEDED in the workgroup and returns the typed rows with statistics', async () => {
  await holdEachState(2);
  await queueAthenaResults(aws.moto.endpoint, QUEUED_ROWS);
  const log = recordingLogger();
  const engine = new AthenaEngine(aws.clients.athena, { workgroup: WORKGROUP, poll: { firstMs: 50, maxMs: 100 } }, log);
  const result = await engine.runAudit(PARAMETERS);
  expect(result.rows).toEqual(QUEUED_ROWS);
  const states = log.lines.filter((l) => l.level === 'debug').map((l) => l.message.split(': ')[1]);
  expect(states.filter((state, i) => state !== states[i - 1])).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
  expect(states.length).toBeGreaterThan(3); // it polled again while a state held
  expect(result.statistics.queryExecutionId).toMatch(/^[0-9a-f-]{36}$/);
  // moto scans nothing, so the query is billed at the 10 MB minimum.
  expect(result.statistics).toMatchObject({ bytesScanned: 0, costUsd: athenaCostUsd(10 * 2 ** 20) });
  const { QueryExecution } = await aws.clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: result.statistics.queryExecutionId }));
  expect(QueryExecution?.WorkGroup).toBe(WORKGROUP);
  expect(QueryExecution?.Query).toBe(result.sql);
});

test('a query cancelled by someone else while queued fails with the state Athena reports', async () => {
  await holdEachState(1000);
  let stopping: Promise<unknown> = Promise.resolve();
  const log = recordingLogger();
  const stopOnStart = {
    ...log,
    info: (message: string) => {
      const id = /^Athena query (\S+) started/.exec(message)?.[1];
      if (id) stopping = aws.clients.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
      log.info(message);
    },
  };
  const clock = { ...fakeClock(), sleep: () => stopping.then(() => undefined) };
  const engine = new AthenaEngine(aws.clients.athena, { workgroup: WORKGROUP, clock }, stopOnStart);
  const error = await engine.runAudit(PARAMETERS).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AthenaQueryError);
  expect((error as Error).message).toMatch(/^Athena query \S+ was cancelled: /);
});

test('a query still queued at the timeout is stopped in Athena (CANCELLED), on a fake clock', async () => {
  await holdEachState(1000);
  const clock = fakeClock();
  const engine = new AthenaEngine(aws.clients.athena, { workgroup: WORKGROUP, timeoutSeconds: 10, clock }, recordingLogger());
  const error = (await engine.runAudit(PARAMETERS).catch((e: unknown) => e)) as AthenaQueryError;
  expect(error.message).toMatch(/did not finish within 10 s and was cancelled/);
  const { QueryExecution } = await aws.clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: error.queryExecutionId }));
  expect(QueryExecution?.Status?.State).toBe('CANCELLED');
});

test('a workgroup that does not exist is reported by Athena before anything runs', async () => {
  const engine = new AthenaEngine(aws.clients.athena, { workgroup: 'no-such-workgroup' }, recordingLogger());
  await expect(engine.runAudit(PARAMETERS)).rejects.toThrow(/WorkGroup does not exist/);
});

test('the same rows from DuckDB (shipped sample) and from Athena (moto) feed one report path identically', async () => {
  const logsDir = fileURLToPath(new URL('../../sample/flow-logs', import.meta.url));
  const local = await new DuckDbEngine({ logsDir }).runAudit(PARAMETERS);
  expect(local.rows.length).toBeGreaterThan(3);

  await queueAthenaResults(aws.moto.endpoint, local.rows);
  const remote = await new AthenaEngine(aws.clients.athena, { workgroup: WORKGROUP, poll: { firstMs: 50, maxMs: 100 } }, recordingLogger()).runAudit(
    PARAMETERS,
  );
  expect(remote.sql).toBe(local.sql);
  expect(remote.rows).toEqual(local.rows);
  const newKeys = new Set(['443/tcp']);
  expect(renderTopListTable(remote.rows, newKeys)).toBe(renderTopListTable(local.rows, newKeys));
});
