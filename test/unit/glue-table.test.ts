// Existing Athena tables read from their Glue definition: for each documented shape (the Athena guide's DDLs,
// the original recipe's table, this stack's), the window terms the SQL gets, its Trino grammar, and one
// sentence for each definition the audit cannot read. The same shapes run on DuckDB in
// test/integration/glue-table-duckdb.test.ts.
import { describe, expect, test } from '@jest/globals';
import { glueTableShape, parseGetTableJson, type GlueTableDefinition } from '../../src/audit/glue-table.js';
import { parseCidrList } from '../../src/audit/parameters.js';
import { buildAuditSql, PRESETS, type Preset } from '../../src/audit/query.js';
import { buildDrillDownSql } from '../../src/audit/drill-down.js';
import { stackTableShape, type TableRef } from '../../src/audit/table-shape.js';
import { V5_FORMAT } from '../../src/flowlog/format.js';
import { InputError } from '../../src/input-error.js';
import { trinoSyntaxErrors } from '../support/trino-grammar.js';
import * as tables from '../support/glue-tables.js';

const refOf = (d: GlueTableDefinition): TableRef => ({ database: d.DatabaseName!, table: d.Name! });
const shapeOf = (d: GlueTableDefinition) => glueTableShape(refOf(d), d);
/** 2026-10-30T05 to 2026-11-02T05: three days across a month end, starting and ending inside a day. */
const WINDOW = { start: new Date('2026-10-30T05:00:00Z'), end: new Date('2026-11-02T05:00:00Z') };
const START = 1793336400; // 2026-10-30T05:00:00Z in epoch seconds
const END = 1793595600; // 2026-11-02T05:00:00Z

const sqlFor = (d: GlueTableDefinition, preset: Preset = 'egress-ports', window = WINDOW) =>
  buildAuditSql({ preset, vpcCidrs: parseCidrList('10.0.0.0/16,2600:1f18:47b:a900::/56'), window, maxPorts: 10, source: shapeOf(d) });
/** The window terms: the WHERE terms before the first on the source address. */
const whereOf = (sql: string) => {
  const terms = /\n {2}WHERE ([\s\S]*?)\n\), views/.exec(sql)![1]!.split('\n    AND ');
  return terms.slice(0, terms.findIndex((t) => /srcaddr|sourceaddress/.test(t)));
};

describe('documented table shapes', () => {
  test('the daily DATE partition takes the window days as DATE literals, then start in epoch seconds', () => {
    expect(new Date(START * 1000)).toEqual(WINDOW.start);
    expect(new Date(END * 1000)).toEqual(WINDOW.end);
    expect(whereOf(sqlFor(tables.DAILY_DATE.definition))).toEqual([
      `"date" BETWEEN DATE '2026-10-30' AND DATE '2026-11-02'`,
      `start >= ${START}`,
      `start < ${END}`,
    ]);
  });

  test('the projected accid/region/day table filters day in its projection.day.format and leaves accid and region alone', () => {
    const shape = shapeOf(tables.PROJECTED_ACCID_REGION_DAY.definition);
    expect(whereOf(sqlFor(tables.PROJECTED_ACCID_REGION_DAY.definition))).toEqual([`day BETWEEN '2026/10/30' AND '2026/11/02'`, `start >= ${START}`, `start < ${END}`]);
    expect(shape.partitioning).toBe('partition day (yyyy/MM/dd), daily: the window also filters start; accid, region not filtered');
  });

  test("the Security Analytics Bootstrap table: date_partition by its projection format, account and region from the partitions the location template places", async () => {
    const d = tables.BOOTSTRAP.definition;
    const shape = shapeOf(d);
    expect(whereOf(sqlFor(d))).toEqual([`date_partition BETWEEN '2026/10/30' AND '2026/11/02'`, `starttime >= ${START}`, `starttime < ${END}`]);
    expect(shape.partitioning).toBe('partition date_partition (yyyy/MM/dd), daily: the window also filters start; region_partition, account_partition not filtered');
    expect([shape.columns.get('account_id'), shape.columns.get('region')]).toEqual(['account_partition', 'region_partition']);
    // Run-together names of the v3-v5 fields.
    expect([shape.columns.get('flow_direction'), shape.columns.get('tcp_flags'), shape.columns.get('pkt_dstaddr'), shape.columns.get('vpc_id')]).toEqual([
      'flowdirection',
      'tcpflags',
      'pktdstaddr',
      'vpcid',
    ]);
    // Declared as text ('-' on ingress records), read as the number the drill-down expects.
    expect(shape.columns.get('traffic_path')).toBe('try_cast(trafficpath AS integer)');
    const drillDown = buildDrillDownSql({ preset: 'egress-ports', vpcCidrs: parseCidrList('10.0.0.0/16'), window: WINDOW, maxPorts: 10, source: shape }, [{ port: 443, protocol: 6 }]);
    expect(drillDown).toContain('try_cast(trafficpath AS integer) AS traffic_path');
    expect(await trinoSyntaxErrors(drillDown)).toEqual([]);
  });

  test('--accounts names the Bootstrap table\'s account partition in the WHERE (Athena reads only those partitions), as Trino SQL', async () => {
    const shape = shapeOf(tables.BOOTSTRAP.definition);
    const sql = buildAuditSql({ preset: 'egress-ports', vpcCidrs: parseCidrList('10.0.0.0/16'), window: WINDOW, maxPorts: 10, source: shape, accounts: ['444455556666'] });
    expect(whereOf(sql)).toContain(`account_partition IN ('444455556666')`);
    expect(await trinoSyntaxErrors(sql)).toEqual([]);
  });

  test('partitions of any name take their role from projection enum values or the Hive-style location template', () => {
    const d = tables.BOOTSTRAP.definition;
    const byValues = {
      ...d,
      PartitionKeys: tables.columns('d string, h string, a string, r string'),
      Parameters: {
        'projection.d.type': 'date',
        'projection.d.format': 'yyyy-MM-dd',
        'projection.h.type': 'integer',
        'projection.h.range': '0,23',
        'projection.h.digits': '2',
        'projection.a.type': 'enum',
        'projection.a.values': '111122223333,444455556666',
        'projection.r.type': 'enum',
        'projection.r.values': 'eu-west-1,us-gov-west-1',
      },
    };
    const shape = shapeOf(byValues);
    expect([shape.columns.get('account_id'), shape.columns.get('region')]).toEqual(['a', 'r']);
    expect(whereOf(sqlFor(byValues))[0]).toBe(
      `((d = '2026-10-30' AND h BETWEEN '05' AND '23') OR (d BETWEEN '2026-10-31' AND '2026-11-01') OR (d = '2026-11-02' AND h BETWEEN '00' AND '04'))`,
    );
    const hive = {
      ...d,
      PartitionKeys: tables.columns('acct string, svc string, rgn string, d string'),
      Parameters: { 'projection.d.type': 'date', 'projection.d.format': 'yyyy/MM/dd', 'storage.location.template': 's3://b/AWSLogs/aws-account-id=${acct}/aws-service=${svc}/aws-region=${rgn}/${d}' },
    };
    expect([shapeOf(hive).columns.get('account_id'), shapeOf(hive).columns.get('region')]).toEqual(['acct', 'rgn']);
    const organisation = { ...hive, Parameters: { ...hive.Parameters, 'storage.location.template': 's3://b/AWSLogs/o-abcdefghij/${acct}/vpcflowlogs/${rgn}/${d}' }, PartitionKeys: tables.columns('acct string, rgn string, d string') };
    expect([shapeOf(organisation).columns.get('account_id'), shapeOf(organisation).columns.get('region')]).toEqual(['acct', 'rgn']);
  });

  test('a window ending at midnight also reads the next day, where its last minutes were delivered', () => {
    const window = { start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-11-02T00:00:00Z') };
    expect(whereOf(sqlFor(tables.PROJECTED_ACCID_REGION_DAY.definition, 'egress-ports', window))).toEqual([
      `day BETWEEN '2026/11/01' AND '2026/11/02'`,
      'start >= 1793491200',
      'start < 1793577600',
    ]);
    const hourEarlier = { start: new Date('2026-10-31T23:00:00Z'), end: new Date('2026-11-01T23:00:00Z') };
    expect(whereOf(sqlFor(tables.PROJECTED_ACCID_REGION_DAY.definition, 'egress-ports', hourEarlier))[0]).toBe(`day BETWEEN '2026/10/31' AND '2026/11/01'`);
  });

  test('a day format from the table parameters wins over the assumed one', () => {
    const d = tables.PROJECTED_ACCID_REGION_DAY.definition;
    const dashed = { ...d, Parameters: { ...d.Parameters, 'projection.day.format': 'yyyy-MM-dd' } };
    expect(whereOf(sqlFor(dashed))[0]).toBe(`day BETWEEN '2026-10-30' AND '2026-11-02'`);
  });

  test('the Parquet region/date/hour table names the hours of the first and last day and whole days between', () => {
    expect(whereOf(sqlFor(tables.PARQUET_REGION_DATE_HOUR.definition))).toEqual([
      `(("date" = '2026/10/30' AND hour BETWEEN '05' AND '23') OR ("date" BETWEEN '2026/10/31' AND '2026/11/01') OR ("date" = '2026/11/02' AND hour BETWEEN '00' AND '04'))`,
    ]);
  });

  test('the Hive-compatible year/month/day/hour table groups whole days per month, with no start terms', () => {
    const where = whereOf(sqlFor(tables.PARQUET_HIVE_HOURLY.definition));
    expect(where).toEqual([
      "((year = '2026' AND month = '10' AND day = '30' AND hour BETWEEN '05' AND '23') OR (year = '2026' AND month = '10' AND day = '31')" +
        " OR (year = '2026' AND month = '11' AND day = '01') OR (year = '2026' AND month = '11' AND day = '02' AND hour BETWEEN '00' AND '04'))",
    ]);
    expect(shapeOf(tables.PARQUET_HIVE_HOURLY.definition).partitioning).toContain('aws-account-id, aws-service, aws-region not filtered');
  });

  test('integer year/month/day/hour partitions compare as numbers', () => {
    const d = tables.PARQUET_HIVE_HOURLY.definition;
    const ints = { ...d, PartitionKeys: d.PartitionKeys!.map((k) => (['year', 'month', 'day', 'hour'].includes(k.Name!) ? { ...k, Type: 'int' } : k)) };
    const window = { start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-11-03T00:00:00Z') };
    expect(whereOf(sqlFor(ints, 'egress-ports', window))).toEqual(['year = 2026 AND month = 11 AND day BETWEEN 1 AND 2']);
  });

  test("the recipe's table is read by its own column names, unpartitioned, window on starttime", () => {
    const sql = sqlFor(tables.RECIPE.definition);
    expect(sql).toMatch(/^WITH records AS \(\n {2}SELECT sourceaddress AS srcaddr, sourceport AS srcport, destinationaddress AS dstaddr, destinationport AS dstport/);
    expect(whereOf(sql)).toEqual([`starttime >= ${START}`, `starttime < ${END}`]);
    expect(sql).toContain(`starts_with(sourceaddress, '10.0.')`);
    expect(sql).toContain(`logstatus = 'OK'`);
    expect(sql).toContain('destinationport <= sourceport');
    expect(shapeOf(tables.RECIPE.definition).partitioning).toMatch(/^not partitioned by time: every audit reads the whole table/);
  });

  test("the guide's 2019 table: dt as YYYY-MM-dd (its ADD PARTITION form) and numpackets/numbytes", () => {
    const sql = sqlFor(tables.GUIDE_2019_DT.definition);
    expect(whereOf(sql)[0]).toBe(`dt BETWEEN '2026-10-30' AND '2026-11-02'`);
    expect(sql).toContain('numpackets AS packets, numbytes AS bytes');
    expect(shapeOf(tables.GUIDE_2019_DT.definition).partitioning).toContain('yyyy-MM-dd, assumed');
  });

  test("this stack's table through Glue gives the same SQL as its built-in shape", () => {
    const d = tables.STACK.definition;
    const builtIn = buildAuditSql({ preset: 'egress-ports', vpcCidrs: parseCidrList('10.0.0.0/16'), window: WINDOW, maxPorts: 10, source: stackTableShape(refOf(d), V5_FORMAT) });
    const viaGlue = buildAuditSql({ preset: 'egress-ports', vpcCidrs: parseCidrList('10.0.0.0/16'), window: WINDOW, maxPorts: 10, source: shapeOf(d) });
    expect(viaGlue).toBe(builtIn);
    expect(viaGlue).toContain(`dt BETWEEN '2026/10/30/05' AND '2026/11/02/04'`);
  });

  test('column names match case-insensitively and with hyphens', () => {
    const d = tables.RECIPE.definition;
    const shouting = { ...d, StorageDescriptor: { Columns: d.StorageDescriptor!.Columns!.map((c) => ({ ...c, Name: c.Name!.toUpperCase() })) } };
    expect(sqlFor(shouting)).toBe(sqlFor(d));
    const hyphens = { ...tables.DAILY_DATE.definition, StorageDescriptor: { Columns: [...tables.DAILY_DATE.definition.StorageDescriptor!.Columns!.map((c) => ({ ...c, Name: c.Name!.replaceAll('_', '-') }))] } };
    expect(sqlFor(hyphens)).toContain(`"log-status" = 'OK'`);
  });

  const cases = [...tables.DOCUMENTED_TABLES, tables.SECURITY_LAKE_VPC_FLOW].flatMap((t) => PRESETS.map((preset) => [t.name, preset, t.definition] as const));
  test.each(cases)('%s with %s parses as Trino SQL', async (_name, preset, definition) => {
    expect(await trinoSyntaxErrors(sqlFor(definition, preset))).toEqual([]);
  });
});

describe('tables the audit cannot read', () => {
  const message = (d: GlueTableDefinition) => {
    try {
      shapeOf(d);
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      return (error as Error).message;
    }
    throw new Error('no error');
  };

  test('missing columns are named with the columns found and the ones needed', () => {
    const d = { ...tables.RECIPE.definition, StorageDescriptor: { Columns: [{ Name: 'sourceaddress', Type: 'string' }, { Name: 'message', Type: 'string' }] } };
    const text = message(d);
    expect(text).toMatch(/^table flowlogs\.vpc_flow_logs has no column for dstaddr, srcport, dstport, protocol, packets, bytes, action, start \(its columns: sourceaddress, message\); a port audit needs srcaddr, /);
    expect(text.split('. ').length).toBe(1);
  });

  test('ports and counters declared as text are refused: they would compare as text', () => {
    const d = tables.DAILY_DATE.definition;
    const text = { ...d, StorageDescriptor: { Columns: d.StorageDescriptor!.Columns!.map((c) => (['dstport', 'bytes'].includes(c.Name!) ? { ...c, Type: 'string' } : c)) } };
    expect(message(text)).toBe(
      "table flowlogs.vpc_flow_logs declares dstport string, bytes string; the audit compares and adds these as numbers, so they must be int or bigint (as in the Athena guide's DDL).",
    );
  });

  test('an unpartitioned table without start cannot keep a window', () => {
    const d = tables.RECIPE.definition;
    const noStart = { ...d, StorageDescriptor: { Columns: d.StorageDescriptor!.Columns!.filter((c) => c.Name !== 'starttime') } };
    expect(message(noStart)).toMatch(/has no column for start /);
  });

  test('an unknown partition scheme names the partitions found and the schemes read', () => {
    const d = { ...tables.DAILY_DATE.definition, PartitionKeys: [{ Name: 'ingest_ts', Type: 'timestamp' }] };
    expect(message(d)).toBe(
      'table flowlogs.vpc_flow_logs: the partitions (ingest_ts timestamp) are not a scheme the audit can read; it reads one day or hour partition (dt, date, day, eventday, ' +
        'or any partition projected as a date), or year/month/day, each optionally with an hour, next to account and region partitions ' +
        '(accid, accountid, region, the aws-* Hive names, or any whose projection or storage.location.template places it after AWSLogs/ or vpcflowlogs/).',
    );
    expect(message({ ...d, PartitionKeys: [{ Name: 'hour', Type: 'string' }] })).toMatch(/partitions \(hour string\) are not a scheme/);
    // A partition whose name, projection and place in the location template say nothing of its role.
    const template = { 'storage.location.template': 's3://b/AWSLogs/${acct}/vpcflowlogs/${rgn}/${shard}/${d}', 'projection.d.type': 'date', 'projection.d.format': 'yyyy/MM/dd' };
    expect(message({ ...d, PartitionKeys: tables.columns('acct string, rgn string, shard string, d string'), Parameters: template })).toMatch(/partitions \(acct string, rgn string, shard string, d string\) are not a scheme/);
  });

  test('a day format that does not sort by time is refused', () => {
    const d = tables.PROJECTED_ACCID_REGION_DAY.definition;
    expect(message({ ...d, Parameters: { ...d.Parameters, 'projection.day.format': 'dd/MM/yyyy' } })).toBe(
      "table flowlogs.test_table_vpclogs (projection.day.format): the date format 'dd/MM/yyyy' does not sort by time as text; accepted are yyyy, MM, dd and optionally HH in that order, such as yyyy/MM/dd or yyyy-MM-dd.",
    );
  });
});

describe('parseGetTableJson', () => {
  const json = JSON.stringify({ Table: tables.PROJECTED_ACCID_REGION_DAY.definition });

  test('reads the Table that aws glue get-table prints, or the Table alone', () => {
    const { ref, definition } = parseGetTableJson(json, '--glue-table t.json');
    expect(ref).toEqual({ database: 'flowlogs', table: 'test_table_vpclogs' });
    expect(definition).toEqual(tables.PROJECTED_ACCID_REGION_DAY.definition);
    expect(parseGetTableJson(JSON.stringify(tables.PROJECTED_ACCID_REGION_DAY.definition), 'x').ref).toEqual(ref);
  });

  test.each([
    ['not JSON', '{"Table": ', /^--glue-table t\.json is not JSON; give the output of aws glue get-table/],
    ['a table list', JSON.stringify({ TableList: [] }), /^--glue-table t\.json is not a Glue table definition \(found an object with TableList\)/],
    ['a list', '[]', /\(found a list\)/],
    ['a table without columns', JSON.stringify({ Table: { Name: 'v', DatabaseName: 'd', TableType: 'VIRTUAL_VIEW' } }), /\(found an object with Table\)/],
    ['a parameter that is not text', JSON.stringify({ Table: { ...tables.RECIPE.definition, Parameters: { a: 1 } } }), /is not a Glue table definition/],
    ['a name SQL cannot quote', JSON.stringify({ Table: { ...tables.RECIPE.definition, Name: 'x"; DROP' } }), /'x"; drop' is not an Athena table or database name/],
  ])('%s is refused in one sentence', (_what, text, pattern) => {
    expect(() => parseGetTableJson(text, '--glue-table t.json')).toThrow(pattern);
    expect(() => parseGetTableJson(text, '--glue-table t.json')).toThrow(InputError);
  });
});

describe('Transit Gateway records in a table', () => {
  test('a table with the Transit Gateway field resource_type keeps only VPC records, whatever the window', async () => {
    const d = tables.PARQUET_HIVE_HOURLY.definition;
    const mixed = { ...d, StorageDescriptor: { Columns: [...d.StorageDescriptor!.Columns!, ...tables.columns('resource_type string, tgw_id string')] } };
    const sql = sqlFor(mixed);
    expect(sql).toContain(`\n    AND (resource_type IS NULL OR resource_type NOT IN ('TransitGateway', 'TransitGatewayAttachment'))\n`);
    expect(await trinoSyntaxErrors(sql)).toEqual([]);
    expect(sqlFor(d)).not.toContain('resource_type');
  });
});
