// The s3-parquet stack's table, for real: Parquet flow logs with every field (v2 to v8), written by the sample
// generator in S3 delivery's Hive-compatible hourly layout, exposed to DuckDB as Athena sees the table (the Glue
// columns of PARQUET_TABLE, and the partitions read from the folders the table's location template names), and
// the audit SQL built from the stack's TableShape (parquetStackTableShape) run on it with the Trino macros. It
// must give the generator's ground truth, and leave out the records of the hours before and after the window;
// the drill-down (same records CTE) names the beacon's host; both parse as Trino SQL.
// Then the command line on a copy of such a stack's bucket (flow-logs/AWSLogs/..., Athena results, the port
// memory) gives the same answer.

import { beforeAll, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCidrList } from '../../src/audit/parameters.js';
import { parquetStackTableShape, PARQUET_TABLE, PARQUET_TABLE_NAME } from '../../src/audit/parquet-stack-table.js';
import { validatePortRows, type RawResultRow } from '../../src/audit/port-row.js';
import { buildAuditSql, type AuditParameters } from '../../src/audit/query.js';
import { buildDrillDownSql, summarizeDrillDown, type RawDrillDownRow } from '../../src/audit/drill-down.js';
import { trinoSyntaxErrors } from '../support/trino-grammar.js';
import { columnSql } from '../../src/audit/table-shape.js';
import { V8_FORMAT } from '../../src/flowlog/format.js';
import { HOUR_MS, windowEndingAt } from '../../src/flowlog/layout.js';
import { generateSample, type GroundTruth, type TruthRow } from '../../src/flowlog/sample.js';
import { s3DeliveryRegionSegments, S3_HIVE_HOURLY_LAYOUT, S3_HIVE_HOURLY_PROJECTION } from '../../src/logs/layouts.js';
import { useDuckDb } from '../support/duckdb.js';
import { buildCli, cli } from '../support/cli-process.js';

const connection = useDuckDb();

const END = new Date('2026-11-02T00:00:00Z');
const HOURS = 6;
const CIDRS = '10.0.0.0/16';
const TABLE = { database: 'vpc_port_audit', table: PARQUET_TABLE_NAME };
const DUCKDB_TYPES: Record<string, string> = { int: 'INTEGER', bigint: 'BIGINT', string: 'VARCHAR' };

/** A copy of an s3-parquet stack's bucket, and its flow-logs/ prefix, where S3 delivery writes (LogDestination). */
let bucket: string;
let out: string;
let inside: GroundTruth;
let before: GroundTruth;
let after: GroundTruth;

beforeAll(async () => {
  bucket = await mkdtemp(join(tmpdir(), 'parquet-stack-bucket-'));
  out = join(bucket, 'flow-logs');
  // What else the stack keeps in its bucket: Athena's results and the port memory.
  await mkdir(join(bucket, 'athena-results'), { recursive: true });
  await writeFile(join(bucket, 'athena-results', '1f2e3d4c.csv'), '"port","protocol"\n"443","6"\n');
  await mkdir(join(bucket, 'vpc-port-audit', 'state', 'vpc-0a1b2c3d4e5f67890'), { recursive: true });
  await writeFile(join(bucket, 'vpc-port-audit', 'state', 'vpc-0a1b2c3d4e5f67890', 'known-ports.json'), '{"version":1,"ports":[]}\n');
  await buildCli();
  const write = (end: Date, seed: number) =>
    generateSample({
      out, vpcCidrs: parseCidrList(CIDRS), end, days: HOURS / 24, recordsPerHour: 200, seed, filesPerHour: 2,
      layout: S3_HIVE_HOURLY_LAYOUT.name, fileFormat: 'parquet', format: V8_FORMAT,
    });
  // The window's six hours, and six hours of other traffic on each side of it, in the same bucket copy.
  inside = await write(END, 7);
  before = await write(new Date(END.getTime() - HOURS * HOUR_MS), 8);
  after = await write(new Date(END.getTime() + HOURS * HOUR_MS), 9);
}, 120_000);

/**
 * The table as Athena reads it: the Glue columns by name from the files, and year/month/day/hour from the folders
 * the location template names (its `${key}` placeholders as globs), kept as text as the partition keys declare.
 */
async function createTableView(): Promise<void> {
  const regionFolder = `${out}/${s3DeliveryRegionSegments('hive', '123456789012', 'us-east-1').join('/')}/`;
  const glob = `${S3_HIVE_HOURLY_PROJECTION.locationTemplate(regionFolder).replace(/\$\{\w+\}/g, '*')}*.parquet`;
  const columns = PARQUET_TABLE.StorageDescriptor.Columns!.map((c) => `CAST(${columnSql(c.Name!)} AS ${DUCKDB_TYPES[c.Type!]}) AS ${columnSql(c.Name!)}`);
  const partitions = PARQUET_TABLE.PartitionKeys.map((k) => columnSql(k.Name!));
  const db = connection();
  await db.run(`CREATE SCHEMA IF NOT EXISTS ${TABLE.database}`);
  await db.run(
    `CREATE OR REPLACE VIEW ${TABLE.database}.${TABLE.table} AS SELECT ${[...columns, ...partitions].join(', ')} ` +
      `FROM read_parquet('${glob}', hive_partitioning = true, hive_types_autocast = false)`,
  );
}

/** The daily audit of the window over the stack's Parquet table, through its TableShape. */
const PARAMETERS: AuditParameters = {
  preset: 'egress-ports', vpcCidrs: parseCidrList(CIDRS), window: windowEndingAt(END, HOURS), maxPorts: 1000, source: parquetStackTableShape(TABLE),
};

const flowsOf = (rows: readonly Pick<TruthRow, 'flows'>[]) => rows.reduce((sum, r) => sum + r.flows, 0);

test("the audit SQL for the stack's Parquet table gives the generator's ports, and nothing of the hours around the window", async () => {
  await createTableView();
  const db = connection();
  const stored = await db.runAndReadAll(`SELECT count(*), count(DISTINCT hour), count(reject_reason), count(ecs_cluster_arn) FROM ${TABLE.database}.${TABLE.table}`);
  // Every record of the three samples is in the table (18 hours), with the v8 columns present (and empty).
  expect(stored.getRowsJS()[0]!.map(Number)).toEqual([inside.records + before.records + after.records, 18, 0, 0]);

  const sql = buildAuditSql(PARAMETERS);
  // Partition terms only, on the hour folders: an hourly table is not cut by start.
  expect(sql).toContain("year = '2026' AND month = '11' AND day = '01' AND hour BETWEEN '18' AND '23'");
  const raws = (await db.runAndReadAll(sql)).getRowObjectsJS() as unknown as RawResultRow[];
  const { rows, rejected } = validatePortRows(raws);
  expect(rejected).toEqual([]);
  expect(rows.map(({ samplePeers: _, ...row }) => row)).toEqual(inside.egressPorts);
  // The hours around the window carry traffic the audit would count if it read them.
  expect(flowsOf(before.egressPorts)).toBeGreaterThan(0);
  expect(flowsOf(after.egressPorts)).toBeGreaterThan(0);
  expect(flowsOf(rows)).toBe(flowsOf(inside.egressPorts));
}, 60_000);

test("the drill-down over the same table names the host that opened the beacon port; both queries parse as Trino SQL", async () => {
  await createTableView();
  const { beacon } = inside;
  const ports = [{ port: beacon.port, protocol: beacon.protocol }];
  const sql = buildDrillDownSql(PARAMETERS, ports);
  const raws = (await connection().runAndReadAll(sql)).getRowObjectsJS() as unknown as RawDrillDownRow[];
  const { ports: drilled, rejected } = summarizeDrillDown(raws, ports);
  expect(rejected).toEqual([]);
  const truthRow = inside.egressPorts.find((r) => r.port === beacon.port)!;
  expect(drilled[0]!.connections).toBe(truthRow.connections);
  expect(drilled[0]!.sources).toEqual([expect.objectContaining({ instanceId: beacon.instanceId, interfaceId: beacon.interfaceId, address: beacon.address })]);
  expect(drilled[0]!.destinations).toEqual([expect.objectContaining({ address: beacon.peer })]);
  expect(await trinoSyntaxErrors(sql)).toEqual([]);
  expect(await trinoSyntaxErrors(buildAuditSql(PARAMETERS))).toEqual([]);
}, 60_000);

test("the command line on a copy of the stack's bucket gives the same ports", async () => {
  const run = await cli(['audit', '--logs', bucket, '--vpc-cidr', CIDRS, '--end', '2026-11-02T00', '--lookback-hours', String(HOURS), '--top', '1000', '--format', 'json']);
  expect(run.stderr).not.toMatch(/vpc-port-audit: /);
  expect(run.code).toBe(0);
  const { ports } = JSON.parse(run.stdout) as { ports: { port: number; protocol: number; flows: number }[] };
  expect(ports.map((r) => [r.port, r.protocol, r.flows])).toEqual(inside.egressPorts.map((r) => [r.port, r.protocol, r.flows]));
}, 60_000);
