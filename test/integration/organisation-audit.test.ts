// The organisation audit (issue 21) run by DuckDB on a hand-made S3 delivery tree of three accounts
// (test/support/org-tree.ts): every counted connection attributed to its (account, region, VPC), "inside" per VPC
// with an inventory, a VPC no inventory lists counted by flow-direction and traffic-path, the per-unit cap, and the
// organisation-wide rows as the sum over units. The same SQL as Athena's (buildAuditSql).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCidrList } from '../../src/audit/parameters.js';
import { buildAuditSql, type AuditParameters } from '../../src/audit/query.js';
import { buildDrillDownSql } from '../../src/audit/drill-down.js';
import { trinoSyntaxErrors } from '../support/trino-grammar.js';
import { unitKey } from '../../src/audit/audit-unit.js';
import { portKey } from '../../src/audit/port-row.js';
import { DuckDbEngine, localViewShape } from '../../src/engines/duckdb.js';
import { readLocalLogs, type LocalLogs } from '../../src/engines/local-files.js';
import { windowEndingAt } from '../../src/flowlog/layout.js';
import type { AuditResult } from '../../src/engines/engine.js';
import { ORG_END, ORG_INVENTORY, VPC_A1, VPC_A2, VPC_B, VPC_C, writeOrgTree } from '../support/org-tree.js';

const TABLE = { database: 'vpc_port_audit', table: 'flow_logs' };
const WINDOW = windowEndingAt(ORG_END, 1);

let root: string;
let logs: LocalLogs;
beforeAll(async () => {
  root = await writeOrgTree(await mkdtemp(join(tmpdir(), 'org-audit-')));
  logs = await readLocalLogs(root, WINDOW);
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function audit(over: Partial<AuditParameters>): Promise<AuditResult> {
  const p: AuditParameters = { preset: 'egress-ports', vpcCidrs: [], window: WINDOW, maxPorts: 100, source: localViewShape(TABLE, logs), ...over };
  const result = await new DuckDbEngine({ logs }).runAudit(p);
  expect(result.sql).toBe(buildAuditSql(p));
  expect(result.rejected).toEqual([]);
  return result;
}

/** Each unit as `account/region/vpc` with its ports as `443/tcp:connections`. */
const byUnit = (result: AuditResult) =>
  Object.fromEntries(result.units.map((u) => [unitKey(u.unit), u.rows.map((r) => `${portKey(r)}:${r.connections}`)]));

describe('an organisation audit on DuckDB', () => {
  test('with the inventory: each VPC its own ports, a VPC-to-VPC connection egress of the first, the unlisted VPC by traffic-path', async () => {
    const result = await audit({ inventory: ORG_INVENTORY });
    expect(byUnit(result)).toEqual({
      // The custom format has no account-id or region: its path (AWSLogs/111122223333/vpcflowlogs/us-east-1/) says them.
      [`111122223333/us-east-1/${VPC_A1}`]: ['443/tcp:1', '5432/tcp:1'],
      [`111122223333/us-east-1/${VPC_A2}`]: ['22/tcp:1'],
      // The same CIDR and even the same addresses as vpc-0000000a: told apart by the account.
      [`444455556666/us-east-1/${VPC_B}`]: ['443/tcp:1', '8333/tcp:1'],
      // No CIDRs known: its egress that left the VPC (traffic-path 8) counts, the same-VPC one (1) does not.
      [`777788889999/us-east-1/${VPC_C}`]: ['80/tcp:1'],
    });
    // The sum over units, ranked by connections, flows, then port.
    expect(result.rows.map((r) => `${portKey(r)}:${r.connections}`)).toEqual(['443/tcp:2', '22/tcp:1', '80/tcp:1', '5432/tcp:1', '8333/tcp:1']);
    expect(result.rows.find((r) => r.port === 443)).toMatchObject({ flows: 2, packets: 20, bytes: 2000, peers: 2, samplePeers: ['203.0.113.10'] });
    expect(result.portsLeftOut).toBe(0);
  });

  test('without an inventory, --vpc-cidr applies to every account; units from the records and paths, the VPC unknown', async () => {
    const result = await audit({ vpcCidrs: parseCidrList('10.0.0.0/16') });
    expect(byUnit(result)).toEqual({
      // 10.1.0.0/16 is outside the one CIDR given: the connection to it counts, the ones from it are not read.
      '111122223333/us-east-1/-': ['443/tcp:1', '5432/tcp:1'],
      '444455556666/us-east-1/-': ['443/tcp:1', '8333/tcp:1'],
    });
  });

  test('max-ports caps each unit: its busiest ports, the rest counted as left out per unit', async () => {
    const result = await audit({ inventory: ORG_INVENTORY, maxPorts: 1 });
    expect(byUnit(result)).toEqual({
      [`111122223333/us-east-1/${VPC_A1}`]: ['443/tcp:1'],
      [`111122223333/us-east-1/${VPC_A2}`]: ['22/tcp:1'],
      [`444455556666/us-east-1/${VPC_B}`]: ['443/tcp:1'],
      [`777788889999/us-east-1/${VPC_C}`]: ['80/tcp:1'],
    });
    expect(result.units.map((u) => u.portsLeftOut)).toEqual([1, 0, 1, 0]);
    expect(result.portsLeftOut).toBe(2);
  });
});

describe('the drill-down of an organisation audit on DuckDB', () => {
  test('one query gives each VPC its own sources and destinations of a port, and the organisation-wide sum; its SQL parses as Trino', async () => {
    const p: AuditParameters = { preset: 'egress-ports', vpcCidrs: [], window: WINDOW, maxPorts: 100, source: localViewShape(TABLE, logs), inventory: ORG_INVENTORY };
    const ports = [{ port: 443, protocol: 6 }, { port: 22, protocol: 6 }];
    const result = await new DuckDbEngine({ logs }).runDrillDown(p, ports);
    expect(result.sql).toBe(buildDrillDownSql(p, ports));
    expect(await trinoSyntaxErrors(result.sql)).toEqual([]);
    expect(result.rejected).toEqual([]);
    // 443/tcp: the same address 10.0.1.5 in two accounts' VPCs on 10.0.0.0/16 is two sources, one per VPC.
    const perUnit = result.units.map((u) => [unitKey(u.unit), u.ports.map((d) => [portKey(d), d.connections, d.sources.map((s) => s.address), d.destinations.map((t) => t.address)])]);
    expect(perUnit).toEqual([
      [`111122223333/us-east-1/${VPC_A1}`, [['443/tcp', 1, ['10.0.1.5'], ['203.0.113.10']]]],
      [`111122223333/us-east-1/${VPC_A2}`, [['22/tcp', 1, ['10.1.2.3'], ['198.51.100.7']]]],
      [`444455556666/us-east-1/${VPC_B}`, [['443/tcp', 1, ['10.0.1.5'], ['203.0.113.10']]]],
    ]);
    // Organisation-wide, in the order asked: the units' totals summed (the one destination reached from both VPCs merged).
    expect(result.ports.map((d) => [portKey(d), d.connections, d.flows, d.bytes, d.destinations.map((t) => [t.address, t.connections])])).toEqual([
      ['443/tcp', 2, 2, 2000, [['203.0.113.10', 2]]],
      ['22/tcp', 1, 1, 1000, [['198.51.100.7', 1]]],
    ]);
  });
});
