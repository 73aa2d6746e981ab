// What the athena-bytes benchmark counts as scanned: the columns the audit SQL names (found in the SQL itself, not
// listed by hand) and their column-chunk bytes in S3-delivery-shaped Parquet written by the sample generator.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { columnsNamed, hiveParquetTable, parquetBytes } from '../../bench/parquet-scan.js';
import { glueTableShape } from '../../src/audit/glue-table.js';
import { parseCidrList } from '../../src/audit/parameters.js';
import { buildAuditSql } from '../../src/audit/query.js';
import { windowEndingAt } from '../../src/flowlog/layout.js';
import { V8_FORMAT } from '../../src/flowlog/format.js';
import { generateSample } from '../../src/flowlog/sample.js';

const END = new Date('2026-03-01T00:00:00Z');
const VPC = parseCidrList('10.0.0.0/16');
const TABLE = { database: 'vpc_port_audit', table: 'flow_logs' };
const shape = glueTableShape(TABLE, hiveParquetTable(V8_FORMAT));

describe('the Parquet table and the columns the audit names', () => {
  test('the Glue table has every field as a column and the Hive path keys as partitions', () => {
    const table = hiveParquetTable(V8_FORMAT);
    expect(table.StorageDescriptor?.Columns).toHaveLength(40);
    expect(table.PartitionKeys?.map((k) => k.Name)).toEqual(['aws-account-id', 'aws-service', 'aws-region', 'year', 'month', 'day', 'hour']);
    expect(shape.partitioning).toMatch(/^partitions year\/month\/day and hour/);
  });

  test('the egress audit names its 16 columns; the keyword END of its CASE is not the column "end"', () => {
    const sql = buildAuditSql({ preset: 'egress-ports', vpcCidrs: VPC, window: windowEndingAt(END, 24), maxPorts: 10, source: shape });
    expect(sql).toMatch(/\bEND\b/);
    // The counted fields, and the three that attribute each record to its unit (issue 21: account_id, region, vpc_id).
    expect(columnsNamed(sql, shape).sort()).toEqual(
      [
        'action', 'bytes', 'dstaddr', 'dstport', 'flow_direction', 'interface_id', 'log_status', 'packets', 'pkt_dstaddr', 'protocol', 'srcaddr', 'srcport', 'tcp_flags',
        'account_id', 'region', 'vpc_id',
      ].sort(),
    );
  });

  test('a quoted reserved column counts; a name inside a string literal does not', () => {
    expect(columnsNamed(`SELECT "end", 'srcaddr' AS x FROM t WHERE dstport_alias = 1`, shape)).toEqual(['end']);
  });
});

describe('column-chunk bytes of generated Parquet', () => {
  let paths: string[];
  beforeAll(async () => {
    const out = await mkdtemp(join(tmpdir(), 'parquet-scan-'));
    await generateSample({ out, vpcCidrs: VPC, end: END, days: 1, recordsPerHour: 40, seed: 3, filesPerHour: 1, layout: 's3-hive-hourly', fileFormat: 'parquet', format: V8_FORMAT });
    paths = (await readdir(out, { recursive: true, withFileTypes: true })).filter((e) => e.name.endsWith('.parquet')).map((e) => join(e.parentPath, e.name));
  });

  test('the named columns weigh what DuckDB reports per chunk, less than the whole files', async () => {
    expect(paths).toHaveLength(24);
    const bytes = await parquetBytes(paths, ['srcaddr', 'dstport']);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(
      `SELECT sum(total_compressed_size)::BIGINT AS b FROM parquet_metadata([${paths.map((p) => `'${p}'`).join(', ')}]) WHERE path_in_schema = 'srcaddr'`,
    );
    connection.closeSync();
    instance.closeSync();
    expect(bytes.byColumn.get('srcaddr')).toBe(Number(reader.getRowObjectsJS()[0]!.b));
    expect(bytes.columnChunks).toBe(bytes.byColumn.get('srcaddr')! + bytes.byColumn.get('dstport')!);
    expect(bytes.footers).toBeGreaterThan(0);
    expect(bytes.columnChunks + bytes.footers).toBeLessThan(bytes.files);
  });

  test('a column the files lack is an error, not zero bytes', async () => {
    await expect(parquetBytes(paths, ['srcaddr', 'no_such_column'])).rejects.toThrow('the Parquet files have no column no_such_column');
  });
});
