// The Athena engine's branches that moto cannot produce: the poll schedule, pagination over more than 1,000
// rows, FAILED queries, the workgroup's bytes-scanned cutoff, the timeout that cancels the query, and the
// cost rule (throttling is the client's job: test/integration/athena-throttling.test.ts). A hand-written fake client answers each command; a fake clock makes every wait instant.

import { describe, expect, test } from '@jest/globals';
import type { Row } from '@aws-sdk/client-athena';
import { AthenaEngine, AthenaQueryError, athenaCostUsd, type AthenaEngineOptions } from '../../src/engines/athena.js';
import { AwsAccessError } from '../../src/aws/errors.js';
import { RESULT_COLUMNS } from '../../src/audit/port-row.js';
import { buildDrillDownSql, DRILL_DOWN_COLUMNS } from '../../src/audit/drill-down.js';
import { awsError, fakeClient, fakeClock, recordingLogger } from '../support/fake-aws.js';
import { auditParameters } from '../support/audit-parameters.js';

type Athena = ConstructorParameters<typeof AthenaEngine>[0];

const PARAMETERS = auditParameters('10.0.0.0/16', { maxPorts: 20 });

const textRow = (values: (string | undefined)[]): Row => ({ Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })) });
const HEADER = textRow([...RESULT_COLUMNS]);
const dataRow = (port: number) => textRow([String(port), '6', '500', String(1000 - (port % 1000)), '10', '5000000000', '2', '1.1.1.1', '8.8.8.8']);

function execution(State: string, extra: Record<string, unknown> = {}) {
  return {
    QueryExecution: {
      QueryExecutionId: 'q-1',
      Status: { State, ...extra },
      Statistics: { DataScannedInBytes: 3 * 2 ** 30, EngineExecutionTimeInMillis: 1234 },
    },
  };
}

function engine(handlers: Parameters<typeof fakeClient>[0], options: Partial<AthenaEngineOptions> = {}) {
  const { client, calls } = fakeClient<Athena>({
    StartQueryExecutionCommand: () => ({ QueryExecutionId: 'q-1' }),
    GetQueryResultsCommand: () => ({ ResultSet: { Rows: [HEADER, dataRow(443)] } }),
    StopQueryExecutionCommand: () => ({}),
    ...handlers,
  });
  const clock = fakeClock();
  const log = recordingLogger();
  return { engine: new AthenaEngine(client, { workgroup: 'audit', clock, ...options }, log), calls, clock, log };
}

const states = (...sequence: string[]) => (_input: unknown, call: number) => execution(sequence[Math.min(call, sequence.length - 1)]);

test('polls QUEUED and RUNNING every 250 ms at first, then returns typed rows and statistics', async () => {
  const { engine: athena, calls, clock, log } = engine({
    GetQueryExecutionCommand: states('QUEUED', 'QUEUED', 'RUNNING', 'RUNNING', 'RUNNING', 'SUCCEEDED'),
  });
  const result = await athena.runAudit(PARAMETERS);
  expect(clock.sleeps).toEqual([250, 250, 250, 250, 250]);
  expect(result.rows).toEqual([
    { port: 443, protocol: 6, connections: 500, flows: 557, packets: 10, bytes: 5_000_000_000, peers: 2, samplePeers: ['1.1.1.1', '8.8.8.8'] },
  ]);
  expect(result.engine).toBe('athena');
  expect(result.sql).toContain('"vpc_port_audit"."flow_logs"');
  expect(result.statistics).toMatchObject({ bytesScanned: 3 * 2 ** 30, engineMs: 1234, queryExecutionId: 'q-1' });
  expect(result.statistics.costUsd).toBeCloseTo((3 / 1024) * 5, 10);
  const start = calls.find((c) => c.name === 'StartQueryExecutionCommand')!;
  expect(start.input).toMatchObject({ WorkGroup: 'audit', QueryString: result.sql });
  expect(start.input).not.toHaveProperty('ResultConfiguration');
  expect(log.text()).toMatch(/3\.00 GiB scanned, engine 1234 ms/);
});

test('then waits a tenth of the elapsed time between polls, never more than the longest delay', async () => {
  const running = Array.from({ length: 80 }, () => 'RUNNING');
  const { engine: athena, clock } = engine(
    { GetQueryExecutionCommand: states(...running, 'SUCCEEDED') },
    { poll: { firstMs: 250, maxMs: 2000 } },
  );
  await athena.runAudit(PARAMETERS);
  let elapsed = 0;
  for (const sleep of clock.sleeps) {
    expect(sleep).toBe(Math.min(2000, Math.max(250, Math.round(elapsed / 10))));
    elapsed += sleep;
  }
  expect(clock.sleeps.filter((ms) => ms > 250 && ms < 2000).length).toBeGreaterThan(10);
  expect(clock.sleeps.filter((ms) => ms === 2000).length).toBeGreaterThan(10);
});

test('reads every page of a 2,500-row result; only the first page starts with the header', async () => {
  const pages = [
    { ResultSet: { Rows: [HEADER, ...Array.from({ length: 999 }, (_, i) => dataRow(i + 1))] }, NextToken: 't1' },
    { ResultSet: { Rows: Array.from({ length: 1000 }, (_, i) => dataRow(i + 1000)) }, NextToken: 't2' },
    { ResultSet: { Rows: Array.from({ length: 501 }, (_, i) => dataRow(i + 2000)) } },
  ];
  const { engine: athena, calls } = engine({
    GetQueryExecutionCommand: states('SUCCEEDED'),
    GetQueryResultsCommand: (_input, call) => pages[call],
  });
  const { rows } = await athena.runAudit(PARAMETERS);
  expect(rows).toHaveLength(2500);
  expect(rows.map((r) => r.port)).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
  const tokens = calls.filter((c) => c.name === 'GetQueryResultsCommand').map((c) => c.input.NextToken);
  expect(tokens).toEqual([undefined, 't1', 't2']);
});

test('maps columns by the header, whatever their order, and empty cells to null', async () => {
  const order = ['vpc_id', 'ports_in_window', 'peer_high', 'peer_low', 'peers', 'bytes', 'packets', 'flows', 'connections', 'protocol', 'port', 'region', 'account_id'];
  const { engine: athena } = engine({
    GetQueryExecutionCommand: states('SUCCEEDED'),
    GetQueryResultsCommand: () => ({ ResultSet: { Rows: [textRow(order), textRow([undefined, '3', undefined, '9.9.9.9', '1', '60', '1', '1', '1', '17', '53', 'eu-west-1', '111122223333'])] } }),
  });
  const { rows, units, portsLeftOut } = await athena.runAudit(PARAMETERS);
  expect(rows).toEqual([{ port: 53, protocol: 17, connections: 1, flows: 1, packets: 1, bytes: 60, peers: 1, samplePeers: ['9.9.9.9'] }]);
  expect(units).toEqual([{ unit: { account: '111122223333', region: 'eu-west-1', vpcId: null }, rows, portsLeftOut: 2 }]);
  // The window had 3 ports; the query's cap returned 1.
  expect(portsLeftOut).toBe(2);
});

describe('failures', () => {
  test("a FAILED query surfaces Athena's StateChangeReason", async () => {
    const reason = "TABLE_NOT_FOUND: line 3:6: Table 'awsdatacatalog.vpc_port_audit.flow_logs' does not exist";
    const { engine: athena } = engine({ GetQueryExecutionCommand: () => execution('FAILED', { StateChangeReason: reason }) });
    await expect(athena.runAudit(PARAMETERS)).rejects.toThrow(`Athena query q-1 failed: ${reason}`);
  });

  test("the workgroup's bytes-scanned cutoff is explained in plain words", async () => {
    const { engine: athena } = engine({
      GetQueryExecutionCommand: () => execution('CANCELLED', { StateChangeReason: 'Query cancelled! : Bytes scanned limit was exceeded' }),
    });
    const error = await athena.runAudit(PARAMETERS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AthenaQueryError);
    expect((error as Error).message).toBe(
      "Athena stopped query q-1 after 3.00 GiB because workgroup audit caps the data one query may scan; shorten lookback-hours or raise the workgroup's per-query data limit.",
    );
  });

  test('a query cancelled by someone else says so', async () => {
    const { engine: athena } = engine({ GetQueryExecutionCommand: () => execution('CANCELLED', { StateChangeReason: 'Query cancelled by user' }) });
    await expect(athena.runAudit(PARAMETERS)).rejects.toThrow('Athena query q-1 was cancelled: Query cancelled by user');
  });

  test('a query still running at the timeout is stopped, after waiting on the (fake) clock for the whole timeout', async () => {
    const { engine: athena, calls, clock } = engine({ GetQueryExecutionCommand: states('RUNNING') }, { timeoutSeconds: 30 });
    await expect(athena.runAudit(PARAMETERS)).rejects.toThrow('Athena query q-1 did not finish within 30 s and was cancelled');
    expect(calls.filter((c) => c.name === 'StopQueryExecutionCommand').map((c) => c.input)).toEqual([{ QueryExecutionId: 'q-1' }]);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(30_000);
  });

  test('a failure to cancel at the timeout is logged; the timeout stays the error', async () => {
    const { engine: athena, log } = engine(
      {
        GetQueryExecutionCommand: states('RUNNING'),
        StopQueryExecutionCommand: () => {
          throw awsError('AccessDeniedException', 'not authorized to perform: athena:StopQueryExecution');
        },
      },
      { timeoutSeconds: 10 },
    );
    await expect(athena.runAudit(PARAMETERS)).rejects.toThrow('did not finish within 10 s and could not be cancelled');
    expect(log.lines.filter((l) => l.level === 'warning').map((l) => l.message)).toEqual([
      'Could not cancel Athena query q-1 (not authorized to perform: athena:StopQueryExecution); it may still run and be billed.',
    ]);
  });

  test('access denied names the workgroup and what to fix', async () => {
    const { engine: athena } = engine({
      StartQueryExecutionCommand: () => {
        throw awsError('AccessDeniedException', 'User is not authorized to perform: athena:StartQueryExecution');
      },
    });
    const error = await athena.runAudit(PARAMETERS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsAccessError);
    expect((error as Error).message).toMatch(/^AWS denied running the Athena query in workgroup audit .*grant that permission/);
  });
});

describe('cost: $5 per TB scanned, rounded up to whole MB, at least 10 MB', () => {
  const MB = 2 ** 20;
  test.each([
    [0, 10 * MB],
    [1, 10 * MB],
    [10 * MB, 10 * MB],
    [10 * MB + 1, 11 * MB],
    [2 ** 40, 2 ** 40],
  ])('%d bytes scanned are billed as %d bytes', (scanned, billed) => {
    expect(athenaCostUsd(scanned)).toBeCloseTo((billed / 2 ** 40) * 5, 12);
  });
});

test('poisoned result rows (NULL port, port 70000, markup as a peer) are left out, each with one warning; good rows stay', async () => {
  const { engine: athena } = engine({
    GetQueryExecutionCommand: states('SUCCEEDED'),
    GetQueryResultsCommand: () => ({
      ResultSet: {
        Rows: [
          textRow([...RESULT_COLUMNS]),
          textRow([undefined, '6', '3', '5', '5', '300', '1', '198.51.100.1', '198.51.100.1']),
          textRow(['70000', '6', '3', '5', '5', '300', '1', '198.51.100.1', '198.51.100.1']),
          textRow(['443', '6', '3', '9', '9', '900', '1', '@octocat', '198.51.100.1']),
          textRow(['22', '6', '3', '4', '4', '240', '1', '198.51.100.7', '198.51.100.7']),
        ],
      },
    }),
  });
  const { rows, rejected } = await athena.runAudit(PARAMETERS);
  expect(rows.map((r) => r.port)).toEqual([22]);
  expect(rejected).toEqual([
    'Result row 1 was left out of the report and the memory: port NULL is not a whole number from 0 to 65535.',
    'Result row 2 was left out of the report and the memory: port "70000" is not a whole number from 0 to 65535.',
    'Result row 3 was left out of the report and the memory: peer_low "@octocat" is not an IP address.',
  ]);
});

test('the drill-down is one more query: its rows are read by the header, NULL cells stay null, and it reports its own cost', async () => {
  const { engine: athena, calls } = engine({
    StartQueryExecutionCommand: () => ({ QueryExecutionId: 'q-drill' }),
    GetQueryExecutionCommand: () => ({ QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 2 ** 20, EngineExecutionTimeInMillis: 80 } } }),
    GetQueryResultsCommand: () => ({
      ResultSet: {
        Rows: [
          textRow([...DRILL_DOWN_COLUMNS]),
          textRow(['111122223333', 'us-east-1', 'vpc-0a1b2c3d', '8333', '6', 'false', 'i-0a1b2c3d4e5f60001', 'eni-0a1b2c3d4e5f60001', undefined, '10.0.1.5', '203.0.113.5', undefined, '8', '2', '3', '4096', '1793527260', '1793527380']),
        ],
      },
    }),
  });
  const result = await athena.runDrillDown(PARAMETERS, [{ port: 8333, protocol: 6 }]);
  expect(result.sql).toBe(buildDrillDownSql(PARAMETERS, [{ port: 8333, protocol: 6 }]));
  expect(calls.filter((c) => c.name === 'StartQueryExecutionCommand')).toHaveLength(1);
  expect(result.ports).toEqual([{
    port: 8333, protocol: 6, connections: 2, flows: 3, bytes: 4096, firstSeen: '2026-11-01T10:01:00.000Z', lastSeen: '2026-11-01T10:03:00.000Z',
    sources: [{ instanceId: 'i-0a1b2c3d4e5f60001', interfaceId: 'eni-0a1b2c3d4e5f60001', subnetId: null, address: '10.0.1.5', connections: 2, bytes: 4096 }],
    destinations: [{ address: '203.0.113.5', awsService: null, trafficPath: 8, connections: 2, bytes: 4096 }],
  }]);
  // The row's unit: its VPC's own drill-down is the same (one unit).
  expect(result.units).toEqual([{ unit: { account: '111122223333', region: 'us-east-1', vpcId: 'vpc-0a1b2c3d' }, ports: result.ports }]);
  expect(result.statistics).toMatchObject({ bytesScanned: 2 ** 20, queryExecutionId: 'q-drill', costUsd: athenaCostUsd(2 ** 20) });
});
