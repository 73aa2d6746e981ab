// The observed-egress query on the Athena engine against moto_server: the rows DuckDB counts on the egress scenario
// (test/support/egress-scenario.ts) are what moto's Athena returns (every value as text, as Athena sends it, set through
// /moto-api/static/athena/query-results); the Athena engine sends the same SQL text, reads them back into the same
// rows, and the proposal built from them equals DuckDB's.
import { expect, test } from '@jest/globals';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateWorkGroupCommand, GetQueryExecutionCommand } from '@aws-sdk/client-athena';
import { stackTableShape } from '../../src/audit/table-shape.js';
import { parseVpcInventory } from '../../src/audit/vpc-inventory.js';
import { buildObservedEgressSql, OBSERVED_EGRESS_COLUMNS } from '../../src/egress/observed-egress.js';
import { buildProposal } from '../../src/egress/proposal.js';
import { AthenaEngine } from '../../src/engines/athena.js';
import { DuckDbEngine } from '../../src/engines/duckdb.js';
import { V5_FORMAT } from '../../src/flowlog/format.js';
import { windowEndingAt } from '../../src/flowlog/layout.js';
import { recordingLogger } from '../support/fake-aws.js';
import { motoApi } from '../support/moto-athena.js';
import { motoForFile } from '../support/moto-for-file.js';
import { END, inventoryYaml, scenarioFacts, writeScenarioLogs } from '../support/egress-scenario.js';

const aws = motoForFile();

test('Athena runs the same SQL and reads its text rows into the rows DuckDB gives; the proposals are equal', async () => {
  const window = windowEndingAt(END, 24);
  const parameters = {
    preset: 'egress-ports' as const, vpcCidrs: [], inventory: parseVpcInventory(inventoryYaml(), 'vpcs.yml'), window, maxPorts: 10,
    source: stackTableShape({ database: 'vpc_port_audit', table: 'flow_logs' }, V5_FORMAT),
  };
  const dir = await mkdtemp(join(tmpdir(), 'egress-athena-'));
  await writeScenarioLogs(dir);
  const raws: Record<string, unknown>[] = [];
  const duckdb = await new DuckDbEngine({ logsDir: dir }).runEgressObservation(parameters);
  for (const row of duckdb.rows) {
    raws.push({
      account_id: row.account, region: row.region, vpc_id: row.vpcId, interface_id: row.interfaceId, srcaddr: row.sourceAddress, port: row.port, protocol: row.protocol,
      destination_kind: row.destinationKind, destination: row.destination, connections: row.connections, flows: row.flows, bytes: row.bytes, peers: row.peers,
    });
  }
  await motoApi(aws.moto.endpoint, '/moto-api/static/athena/query-results', {
    results: [{
      rows: [OBSERVED_EGRESS_COLUMNS.map((c) => ({ VarCharValue: c })), ...raws.map((r) => OBSERVED_EGRESS_COLUMNS.map((c) => (r[c] === null ? {} : { VarCharValue: String(r[c]) })))].map((Data) => ({ Data })),
      column_info: OBSERVED_EGRESS_COLUMNS.map((Name) => ({ Name, Type: 'varchar' })),
    }],
  });
  await aws.clients.athena.send(new CreateWorkGroupCommand({ Name: 'vpc-port-audit', Configuration: { ResultConfiguration: { OutputLocation: 's3://audit-results/athena/' } } }));

  const athena = await new AthenaEngine(aws.clients.athena, { workgroup: 'vpc-port-audit', poll: { firstMs: 20, maxMs: 50 } }, recordingLogger()).runEgressObservation(parameters);
  expect(athena.rejected).toEqual([]);
  expect(athena.rows.length).toBeGreaterThan(5);
  expect(athena.rows).toEqual(duckdb.rows);
  const { QueryExecution } = await aws.clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: athena.statistics.queryExecutionId }));
  expect(QueryExecution?.Query).toBe(buildObservedEgressSql(parameters));
  expect(athena.sql).toBe(duckdb.sql);
  const options = { window };
  expect(buildProposal(athena.rows, scenarioFacts(), options)).toEqual(buildProposal(duckdb.rows, scenarioFacts(), options));
}, 60_000);
