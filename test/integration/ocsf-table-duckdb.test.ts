// Security Lake's OCSF VPC flow table, for real: a DuckDB table of exactly its Glue shape (structs, arrays,
// partitions as columns), holding a connection an instance opened through a NAT gateway as a VPC-wide flow
// log records it (AWS VPC User Guide, "Flow log record examples" > "Traffic through a NAT gateway",
// https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-records-examples.html), turned into OCSF as
// Security Lake's mapping does (github.com/ocsf/examples mappings/markdown/AWS/v1.1.0/VPC Flowlogs/README.md:
// ip is pkt-*addr, intermediate_ips the interface's own address when they differ; the interface's ids on the
// dst side for ingress, the src side for egress), plus a denied connection and one outside the window.
// The audit SQL built from the Glue definition runs on it; the right answer is written out per record.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { glueTableShape } from '../../src/audit/glue-table.js';
import { parseCidrList } from '../../src/audit/parameters.js';
import { buildAuditSql } from '../../src/audit/query.js';
import { DuckDbEngine, localViewShape } from '../../src/engines/duckdb.js';
import { readLocalLogs } from '../../src/engines/local-files.js';
import { InputError } from '../../src/input-error.js';
import { buildCli, cli } from '../support/cli-process.js';
import { useDuckDb } from '../support/duckdb.js';
import { SECURITY_LAKE_VPC_FLOW } from '../support/glue-tables.js';
import { duckType, HOST, NAT_GATEWAY_RECORDS, ocsfRow } from '../support/ocsf-records.js';

const connection = useDuckDb();
const definition = SECURITY_LAKE_VPC_FLOW.definition;
const ref = { database: definition.DatabaseName!, table: definition.Name! };
const WINDOW = { start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-11-02T00:00:00Z') };

describe('the Security Lake OCSF table on DuckDB', () => {
  test('a connection through a NAT gateway counts once; denied traffic and traffic outside the window do not count', async () => {
    const db = connection();
    const qualified = `"${ref.database}"."${ref.table}"`;
    const columns = [...definition.StorageDescriptor!.Columns!, ...definition.PartitionKeys!];
    await db.run(`CREATE SCHEMA "${ref.database}"`);
    await db.run(`CREATE TABLE ${qualified} (${columns.map((c) => `"${c.Name}" ${duckType(c.Type!)}`).join(', ')})`);
    for (const record of NAT_GATEWAY_RECORDS) await db.run(`INSERT INTO ${qualified} VALUES (${ocsfRow(record)})`);

    const sql = buildAuditSql({ preset: 'egress-ports', vpcCidrs: parseCidrList('10.0.0.0/16'), window: WINDOW, maxPorts: 10, source: glueTableShape(ref, definition) });
    const rows = (await db.runAndReadAll(sql)).getRowObjectsJS().map((r) => ({
      port: Number(r.port),
      connections: Number(r.connections),
      flows: Number(r.flows),
      peers: Number(r.peers),
      peer: r.peer_low,
    }));
    // One connection to 443: the instance's record and the NAT's translated copy are one, not two.
    expect(rows).toEqual([{ port: 443, connections: 1, flows: 1, peers: 1, peer: HOST }]);
  });
});

describe("Security Lake's OCSF Parquet files, audited locally", () => {
  /** Writes the table's rows as Security Lake stores them: Parquet per region/accountId/eventDay folder, partitions in the path only. */
  async function writeSecurityLakeTree(columns: readonly string[]): Promise<string> {
    const db = connection();
    const root = await mkdtemp(join(tmpdir(), 'security-lake-'));
    const qualified = `"${ref.database}"."${ref.table}"`;
    const days = (await db.runAndReadAll(`SELECT DISTINCT eventday FROM ${qualified} ORDER BY 1`)).getRowsJS().map((r) => String(r[0]));
    for (const day of days) {
      const folder = join(root, 'aws', 'VPC_FLOW', '2.0', 'region=eu-west-1', 'accountId=111122223333', `eventDay=${day}`);
      await mkdir(folder, { recursive: true });
      const file = join(folder, `${day}_0a1b2c3d.gz.parquet`);
      await db.run(`COPY (SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM ${qualified} WHERE eventday = '${day}') TO '${file}' (FORMAT parquet, COMPRESSION gzip)`);
    }
    // Another Security Lake source beside VPC_FLOW, never read.
    await mkdir(join(root, 'aws', 'ROUTE53', '2.0', 'region=eu-west-1', 'accountId=111122223333', 'eventDay=20261101'), { recursive: true });
    return root;
  }
  const fileColumns = definition.StorageDescriptor!.Columns!.map((c) => c.Name!);
  beforeAll(buildCli);

  test('are found by their eventDay folders, told by their schema, and count the NAT gateway connection once (denied and out-of-window not counted)', async () => {
    const root = await writeSecurityLakeTree(fileColumns);
    const logs = await readLocalLogs(root, WINDOW);
    // The window's day, and the next (a window ending at midnight reads it for late deliveries; it has no files here).
    expect(logs.files.map((f) => [f.layout, f.format.name, f.path.slice(root.length)])).toEqual([
      ['security-lake', 'ocsf', '/aws/VPC_FLOW/2.0/region=eu-west-1/accountId=111122223333/eventDay=20261101/20261101_0a1b2c3d.gz.parquet'],
    ]);
    const table = { database: 'vpc_port_audit', table: 'flow_logs' };
    const source = localViewShape(table, logs);
    expect(source.columns.get('account_id')).toBe('account_id');
    const result = await new DuckDbEngine({ logs }).runAudit({ preset: 'egress-ports', vpcCidrs: parseCidrList('10.0.0.0/16'), window: WINDOW, maxPorts: 10, source });
    expect(result.rows.map((r) => [r.port, r.protocol, r.connections, r.flows, r.peers])).toEqual([[443, 6, 1, 1, 1]]);
  });

  test('an OCSF Parquet file without a needed attribute is one sentence naming the file and the attributes', async () => {
    const root = await writeSecurityLakeTree(fileColumns.filter((c) => c !== 'traffic' && c !== 'action_id'));
    const read = readLocalLogs(root, WINDOW);
    await expect(read).rejects.toThrow(InputError);
    await expect(read).rejects.toThrow(
      /^logs: the OCSF Parquet file '\S+eventDay=20261101\/20261101_0a1b2c3d\.gz\.parquet' has no traffic\.packets, traffic\.bytes, action_id; a port audit reads src_endpoint\.ip\/\.port, .* has them\.$/,
    );
  });

  test('`audit --logs DIR` over them: exit 0, the one port, and an OCSF file missing an attribute is exit 2 with one sentence', async () => {
    const root = await writeSecurityLakeTree(fileColumns);
    const run = await cli(['audit', '--logs', root, '--vpc-cidr', '10.0.0.0/16', '--start', '2026-11-01', '--end', '2026-11-02', '--format', 'json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { ports: { port: number; connections: number }[] };
    expect(report.ports.map((p) => [p.port, p.connections])).toEqual([[443, 1]]);
    const broken = await cli(['audit', '--logs', await writeSecurityLakeTree(fileColumns.filter((c) => c !== 'traffic')), '--vpc-cidr', '10.0.0.0/16', '--start', '2026-11-01', '--end', '2026-11-02']);
    expect(broken.code).toBe(2);
    expect(broken.stdout).toBe('');
    expect(broken.stderr).toMatch(/^vpc-port-audit: --logs: the OCSF Parquet file '\S+' has no traffic\.packets, traffic\.bytes; [^\n]+\.\n$/);
  });
});
