// Each documented table shape, for real: a DuckDB table with exactly that shape's columns and types (its
// partition keys as ordinary columns holding what the S3 path would), records inside and outside the window
// by partition and by start time, and the audit SQL built from the Glue definition run on it with the
// Trino macros. The right answer is written out per record, not computed by the code under test.
import { describe, expect, test } from '@jest/globals';
import { glueTableShape } from '../../src/audit/glue-table.js';
import { parseCidrList } from '../../src/audit/parameters.js';
import { buildAuditSql } from '../../src/audit/query.js';
import { useDuckDb } from '../support/duckdb.js';
import * as tables from '../support/glue-tables.js';

const connection = useDuckDb();

/** 2026-10-30T05 to 2026-11-02T05 (UTC): across a month end, starting and ending inside a day. */
const WINDOW = { start: new Date('2026-10-30T05:00:00Z'), end: new Date('2026-11-02T05:00:00Z') };

interface TestRecord {
  readonly dstport: number;
  /** When the flow started (the record's `start`). */
  readonly start: string;
  /** When it was delivered, which names its partition; the start time when not given. */
  readonly at?: string;
  readonly counted: boolean;
}

const RECORDS: TestRecord[] = [
  { dstport: 443, start: '2026-10-30T05:10:00Z', counted: true }, // first hour of the window
  { dstport: 8443, start: '2026-10-31T12:00:00Z', counted: true }, // a whole day inside
  { dstport: 5432, start: '2026-11-02T04:50:00Z', counted: true }, // last hour of the window
  { dstport: 22, start: '2026-10-30T04:50:00Z', counted: false }, // the first day, an hour before the window
  { dstport: 3306, start: '2026-11-02T05:10:00Z', counted: false }, // the last day, an hour after the window
  { dstport: 25, start: '2026-10-29T12:00:00Z', counted: false }, // the day before
  { dstport: 1433, start: '2026-10-31T12:00:00Z', at: '2026-10-20T12:00:00Z', counted: false }, // inside by start, outside by partition
];

const iso = (at: Date) => at.toISOString();
const ymd = (at: Date, sep: string) => [iso(at).slice(0, 4), iso(at).slice(5, 7), iso(at).slice(8, 10)].join(sep);
const hh = (at: Date) => iso(at).slice(11, 13);

/** What each table's partition columns hold for a record delivered at `at`, as the S3 path names it. */
const PARTITION_VALUES: Record<string, (at: Date) => Record<string, string>> = {
  [tables.DAILY_DATE.name]: (at) => ({ date: ymd(at, '-') }),
  [tables.PROJECTED_ACCID_REGION_DAY.name]: (at) => ({ accid: '123456789012', region: 'us-east-1', day: ymd(at, '/') }),
  [tables.PARQUET_REGION_DATE_HOUR.name]: (at) => ({ region: 'us-east-1', date: ymd(at, '/'), hour: hh(at) }),
  [tables.PARQUET_HIVE_HOURLY.name]: (at) => ({
    'aws-account-id': '123456789012',
    'aws-service': 'vpcflowlogs',
    'aws-region': 'us-east-1',
    year: iso(at).slice(0, 4),
    month: iso(at).slice(5, 7),
    day: iso(at).slice(8, 10),
    hour: hh(at),
  }),
  [tables.RECIPE.name]: () => ({}),
  [tables.GUIDE_2019_DT.name]: (at) => ({ dt: ymd(at, '-') }),
  [tables.STACK.name]: (at) => ({ dt: `${ymd(at, '/')}/${hh(at)}` }),
  [tables.BOOTSTRAP.name]: (at) => ({ date_partition: ymd(at, '/'), region_partition: 'us-east-1', account_partition: '111122223333' }),
  [tables.STACK_PARQUET.name]: (at) => ({ year: iso(at).slice(0, 4), month: iso(at).slice(5, 7), day: iso(at).slice(8, 10), hour: hh(at) }),
};

/** The recipe's (and the 2019 guide's) names for the fields a record sets. */
const RECIPE_NAMES: Record<string, string> = {
  srcaddr: 'sourceaddress',
  dstaddr: 'destinationaddress',
  srcport: 'sourceport',
  dstport: 'destinationport',
  start: 'starttime',
  end: 'endtime',
  log_status: 'logstatus',
  account_id: 'account',
  interface_id: 'interfaceid',
  // AWS Security Analytics Bootstrap's run-together names.
  tcp_flags: 'tcpflags',
  flow_direction: 'flowdirection',
  traffic_path: 'trafficpath',
};

/** One egress TCP connection opened from the VPC (SYN, no SYN-ACK), by field name. */
function fields(record: TestRecord, i: number): Record<string, string | number> {
  const start = Date.parse(record.start) / 1000;
  return {
    version: 5,
    account_id: '123456789012',
    interface_id: 'eni-0a1b2c3d4e5f60001',
    srcaddr: '10.0.1.5',
    dstaddr: `203.0.113.${10 + i}`,
    srcport: 49152 + i,
    dstport: record.dstport,
    protocol: 6,
    packets: 10,
    numpackets: 10,
    bytes: 5000,
    numbytes: 5000,
    start,
    end: start + 60,
    action: 'ACCEPT',
    log_status: 'OK',
    tcp_flags: 2,
    type: 'IPv4',
    flow_direction: 'egress',
    traffic_path: 8,
  };
}

const DUCKDB_TYPES: Record<string, string> = { smallint: 'SMALLINT', int: 'INTEGER', bigint: 'BIGINT', string: 'VARCHAR', date: 'DATE' };
const name = (text: string) => `"${text}"`;
const value = (v: string | number) => (typeof v === 'number' ? String(v) : `'${v}'`);

describe.each(tables.DOCUMENTED_TABLES)('$name on DuckDB', (documented) => {
  const { definition } = documented;
  const ref = { database: definition.DatabaseName!, table: definition.Name! };
  const qualified = `${name(ref.database)}.${name(ref.table)}`;
  const columns = [...definition.StorageDescriptor!.Columns!, ...definition.PartitionKeys!];
  const unpartitioned = definition.PartitionKeys!.length === 0;

  test('the audit counts exactly the records of the window', async () => {
    const db = connection();
    await db.run(`DROP SCHEMA IF EXISTS ${name(ref.database)} CASCADE`);
    await db.run(`CREATE SCHEMA ${name(ref.database)}`);
    await db.run(`CREATE TABLE ${qualified} (${columns.map((c) => `${name(c.Name!)} ${DUCKDB_TYPES[c.Type!]}`).join(', ')})`);
    // An unpartitioned table has no partition to misfile a record in.
    const records = RECORDS.filter((r) => !(unpartitioned && r.at));
    for (const [i, record] of records.entries()) {
      const byField = fields(record, i);
      const row: Record<string, string | number> = { ...PARTITION_VALUES[documented.name]!(new Date(record.at ?? record.start)) };
      for (const column of definition.StorageDescriptor!.Columns!) {
        const field = Object.keys(RECIPE_NAMES).find((f) => RECIPE_NAMES[f] === column.Name) ?? column.Name!;
        if (byField[field] !== undefined) row[column.Name!] = byField[field];
      }
      const names = Object.keys(row);
      await db.run(`INSERT INTO ${qualified} (${names.map(name).join(', ')}) VALUES (${names.map((n) => value(row[n]!)).join(', ')})`);
    }
    const stored = await db.runAndReadAll(`SELECT count(*) FROM ${qualified}`);
    expect(Number(stored.getRowsJS()[0]![0])).toBe(records.length);

    const sql = buildAuditSql({ preset: 'egress-ports', vpcCidrs: parseCidrList('10.0.0.0/16'), window: WINDOW, maxPorts: 10, source: glueTableShape(ref, definition) });
    const rows = (await db.runAndReadAll(sql)).getRowObjectsJS();
    expect(rows.map((r) => Number(r.port)).sort((a, b) => a - b)).toEqual(RECORDS.filter((r) => r.counted).map((r) => r.dstport).sort((a, b) => a - b));
    expect(rows.map((r) => [Number(r.flows), Number(r.packets), Number(r.bytes)])).toEqual([
      [1, 10, 5000],
      [1, 10, 5000],
      [1, 10, 5000],
    ]);
  });
});

describe('a table holding Transit Gateway records too', () => {
  test('the Transit Gateway records (resource_type set, no action) count in no preset', async () => {
    const db = connection();
    const definition = {
      ...tables.PARQUET_HIVE_HOURLY.definition,
      Name: 'vpc_and_tgw',
      StorageDescriptor: { Columns: [...tables.PARQUET_HIVE_HOURLY.definition.StorageDescriptor!.Columns!, ...tables.columns('resource_type string, tgw_id string')] },
    };
    const ref = { database: definition.DatabaseName!, table: definition.Name };
    const qualified = `${name(ref.database)}.${name(ref.table)}`;
    const columns = [...definition.StorageDescriptor.Columns, ...definition.PartitionKeys!];
    await db.run(`CREATE SCHEMA IF NOT EXISTS ${name(ref.database)}`);
    await db.run(`CREATE OR REPLACE TABLE ${qualified} (${columns.map((c) => `${name(c.Name!)} ${DUCKDB_TYPES[c.Type!]}`).join(', ')})`);
    const at = '2026-10-31T12:00:00Z';
    const partitions = PARTITION_VALUES[tables.PARQUET_HIVE_HOURLY.name]!(new Date(at));
    const vpc = { ...fields({ dstport: 443, start: at, counted: true }, 0), ...partitions };
    // A Transit Gateway record: the attachment's traffic from the same addresses, no action or interface-id (TGW format, version 6).
    const tgw = { ...vpc, dstport: 5432, srcport: 40000, action: 'NULL', interface_id: 'NULL', resource_type: 'TransitGatewayAttachment', tgw_id: 'tgw-0a1b2c3d4e5f60001' };
    for (const row of [vpc, tgw] as Record<string, string | number>[]) {
      const names = Object.keys(row).filter((n) => columns.some((c) => c.Name === n));
      await db.run(`INSERT INTO ${qualified} (${names.map(name).join(', ')}) VALUES (${names.map((n) => (row[n] === 'NULL' ? 'NULL' : value(row[n]!))).join(', ')})`);
    }
    for (const preset of ['egress-ports', 'seed'] as const) {
      const sql = buildAuditSql({ preset, vpcCidrs: parseCidrList('10.0.0.0/16'), window: WINDOW, maxPorts: 10, source: glueTableShape(ref, definition) });
      const ports = (await db.runAndReadAll(sql)).getRowObjectsJS().map((r) => Number(r.port));
      expect(ports).toEqual([preset === 'seed' ? Number(vpc.srcport) : 443]);
    }
  });
});
