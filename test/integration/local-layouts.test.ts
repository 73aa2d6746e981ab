// The local audit over flow logs shaped as AWS writes them, made by the sample generator: every layout, S3
// delivery's header lines, Parquet, a v7 (ECS) format with a field newer than the catalogue, a window whose files
// change format, a whole-bucket copy with two accounts in two regions, and records outside the window inside a
// daily file. Each runs the query builder's SQL on DuckDB over the local view and must equal the ground truth.
// Bad input (no known layout, a header that is not flow-log fields, a gzip file cut short, a corrupt, empty or
// non-Parquet *.parquet file) exits 2 with one sentence.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parseCidrList } from '../../src/audit/parameters.js';
import { portKey } from '../../src/audit/port-row.js';
import { buildAuditSql, type AuditParameters } from '../../src/audit/query.js';
import { DuckDbEngine, localViewShape, tableDdl } from '../../src/engines/duckdb.js';
import { readLocalLogs } from '../../src/engines/local-files.js';
import { parquetColumnNames } from '../../src/engines/parquet-schema.js';
import { V2_FORMAT, V5_FORMAT, V8_FORMAT } from '../../src/flowlog/format.js';
import { windowEndingAt, type HourWindow } from '../../src/flowlog/layout.js';
import { generateSample, type GroundTruth, type SampleOptions, type TruthRow } from '../../src/flowlog/sample.js';
import type { LayoutName } from '../../src/logs/layouts.js';
import { InputError } from '../../src/input-error.js';
import { buildCli, cli } from '../support/cli-process.js';
import { useDuckDb } from '../support/duckdb.js';

const END = new Date('2026-11-02T00:00:00Z');
const HOURS = 6;
const CIDRS = '10.0.0.0/16';
const TABLE = { database: 'vpc_port_audit', table: 'flow_logs' };

const newDir = () => mkdtemp(join(tmpdir(), 'local-layouts-'));

async function sample(over: Partial<SampleOptions> & { out?: string } = {}): Promise<{ out: string; truth: GroundTruth }> {
  const out = over.out ?? (await newDir());
  const truth = await generateSample({
    out, vpcCidrs: parseCidrList(CIDRS), end: END, days: HOURS / 24, recordsPerHour: 300, seed: 11, filesPerHour: 3, ...over,
  });
  return { out, truth };
}

/** The egress audit of `dir` for `window` through the local view's own TableShape, as the CLI runs it. */
async function audit(dir: string, window: HourWindow = windowEndingAt(END, HOURS), natAddresses: readonly string[] = []) {
  const logs = await readLocalLogs(dir, window);
  const parameters: AuditParameters = { preset: 'egress-ports', vpcCidrs: parseCidrList(CIDRS), window, maxPorts: 1000, natAddresses, source: localViewShape(TABLE, logs) };
  const result = await new DuckDbEngine({ logs }).runAudit(parameters);
  expect(result.sql).toBe(buildAuditSql(parameters));
  return { logs, result, rows: result.rows.map(({ samplePeers: _, ...row }) => row) };
}

const withoutPeers = (rows: readonly TruthRow[]) => rows.map(({ peers: _, ...row }) => row);

/**
 * Two ground truths of disjoint records (samples of different seeds: different hosts, so different connections)
 * added up, in the audit's rank order; distinct peers cannot be added, so they are left out.
 */
function addTruths(a: readonly TruthRow[], b: readonly TruthRow[]): Omit<TruthRow, 'peers'>[] {
  const sum = new Map<string, Omit<TruthRow, 'peers'>>();
  for (const row of withoutPeers([...a, ...b])) {
    const seen = sum.get(portKey(row));
    const added = seen && { connections: seen.connections + row.connections, flows: seen.flows + row.flows, packets: seen.packets + row.packets, bytes: seen.bytes + row.bytes };
    sum.set(portKey(row), { ...row, ...added });
  }
  return [...sum.values()].sort((x, y) => y.connections - x.connections || y.flows - x.flows || x.port - y.port || x.protocol - y.protocol);
}


describe('each layout, as written by the sample generator, audits to the ground truth', () => {
  const layouts: [LayoutName, 'text' | 'parquet'][] = [
    ['firehose', 'text'], ['s3', 'text'], ['s3-hourly', 'text'], ['s3-hive', 'text'], ['s3-hive-hourly', 'text'],
    ['s3-hourly', 'parquet'], ['s3', 'parquet'],
  ];
  test.each(layouts)('%s layout, %s files', async (layout, fileFormat) => {
    const { out, truth } = await sample({ layout, fileFormat });
    const { logs, rows, result } = await audit(out);
    expect(rows).toEqual(truth.egressPorts);
    expect(new Set(logs.files.map((f) => f.layout))).toEqual(new Set([layout]));
    expect(new Set(logs.files.map((f) => f.reader))).toEqual(new Set([fileFormat]));
    expect(logs.files).toHaveLength(truth.files);
    expect(result.statistics.bytesScanned).toBe(truth.compressedBytes);
    // S3 delivery text files start with the header line; Firehose objects hold records only.
    if (fileFormat === 'text') expect(new Set(logs.files.map((f) => f.skip))).toEqual(new Set([layout === 'firehose' ? 0 : 1]));
  });

  test('Parquet files carry the fields as S3 delivery names them (account_id, log_status, ...), typed as AWS documents', async () => {
    const { out } = await sample({ layout: 's3-hive-hourly', fileFormat: 'parquet', days: 1 / 24 });
    const { files } = await readLocalLogs(out, windowEndingAt(END, 1));
    const columns = await parquetColumnNames([files[0]!.path]);
    expect(columns.get(files[0]!.path)).toEqual(V5_FORMAT.fields.map((f) => f.column));
    expect(files[0]!.format.fields).toEqual(V5_FORMAT.fields);
  });

  test.each(['parquet', 'text'] as const)('v8 (every field v2-v8, as the s3-parquet stack logs), %s files: the fields and the ground truth', async (fileFormat) => {
    const { out, truth } = await sample({ layout: 's3-hive-hourly', fileFormat, format: V8_FORMAT });
    const { logs, rows } = await audit(out);
    expect(truth.format).toBe('v8');
    expect(rows).toEqual(truth.egressPorts);
    expect(new Set(logs.files.map((f) => f.format.fields.map((x) => x.column).join()))).toEqual(new Set([V8_FORMAT.fields.map((f) => f.column).join()]));
    // A custom format's records carry the highest version among its fields.
    if (fileFormat === 'text') expect(gunzipSync(await readFile(logs.files[0]!.path)).toString().split('\n')[1]).toMatch(/^8 123456789012 eni-/);
  });
});

describe('shapes of real buckets', () => {
  const connection = useDuckDb();

  test('a v7 (ECS) format with a header naming a field newer than the catalogue: that field is kept as a text column', async () => {
    const dir = await newDir();
    const hour = join(dir, 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/01/23');
    await mkdir(hour, { recursive: true });
    const fields = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status ' +
      'tcp-flags flow-direction ecs-cluster-name ecs-service-name ecs-task-id resource-id';
    const start = END.getTime() / 1000 - 1800;
    const records = [
      `7 123456789012 eni-0a1b2c3d4e5f60001 10.0.1.20 198.51.100.20 41000 6379 6 8 900 ${start} ${start + 60} ACCEPT OK 2 egress web-cluster checkout 0a1b2c3d4e5f67890 vpc-0a1b2c3d4e5f67890`,
      `7 123456789012 eni-0a1b2c3d4e5f60001 198.51.100.20 10.0.1.20 6379 41000 6 7 700 ${start} ${start + 60} ACCEPT OK 18 ingress web-cluster checkout 0a1b2c3d4e5f67890 vpc-0a1b2c3d4e5f67890`,
      `7 123456789012 eni-0a1b2c3d4e5f60002 10.0.1.21 192.0.2.5 42000 443 6 5 500 ${start} ${start + 60} ACCEPT OK 3 egress - - - -`,
    ];
    await writeFile(join(hour, '123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261101T2330Z_0a1b2c3d.log.gz'), gzipSync(`${fields}\n${records.join('\n')}\n`));
    const window = windowEndingAt(END, 1);
    const { logs, rows } = await audit(dir, window);
    expect(logs.files[0]!.format.fields.map((f) => [f.column, f.version])).toEqual(
      fields.split(' ').map((name) => [name.replaceAll('-', '_'), name === 'resource-id' ? undefined : name.startsWith('ecs-') ? 7 : expect.any(Number)]),
    );
    expect(rows).toEqual([
      { port: 443, protocol: 6, connections: 1, flows: 1, packets: 5, bytes: 500, peers: 1 },
      { port: 6379, protocol: 6, connections: 1, flows: 1, packets: 8, bytes: 900, peers: 1 },
    ]);
    // The ECS fields and the unknown field are read as columns of the view.
    for (const statement of tableDdl(TABLE, logs.files)) await connection().run(statement);
    const read = await connection().runAndReadAll(`SELECT ecs_cluster_name, ecs_task_id, resource_id FROM "vpc_port_audit"."flow_logs" WHERE dstport = 6379`);
    expect(read.getRowObjectsJS()).toEqual([{ ecs_cluster_name: 'web-cluster', ecs_task_id: '0a1b2c3d4e5f67890', resource_id: 'vpc-0a1b2c3d4e5f67890' }]);
  });

  test('a window whose files change format (v2 Firehose objects, then v5 with tcp-flags and flow-direction)', async () => {
    const { out, truth: before } = await sample({ format: V2_FORMAT, end: new Date(END.getTime() - 3 * 3_600_000), days: 3 / 24 });
    const { truth: after } = await sample({ out, format: V5_FORMAT, days: 3 / 24, seed: 12 });
    // v2 records cannot tell a NAT gateway's translated copy: its address is given, as --nat-addresses would.
    const { logs, rows, result } = await audit(out, undefined, [...before.natAddresses, ...after.natAddresses]);
    expect(new Set(logs.files.map((f) => f.format.name))).toEqual(new Set(['v2', 'v5']));
    // Each row is audited as its own format says: v2 rows by the lower port, v5 rows by flow-direction and SYN.
    expect(result.sql).toContain('flow_direction IS NULL');
    expect(withoutPeers(rows)).toEqual(addTruths(before.egressPorts, after.egressPorts));
  });

  test('a whole-bucket copy: two accounts in two regions, default and Hive-compatible layouts, other services beside', async () => {
    const { out, truth: a } = await sample({ layout: 's3', account: '111122223333', region: 'us-east-1', seed: 21 });
    const { truth: b } = await sample({ out, layout: 's3-hive-hourly', account: '444455556666', region: 'eu-west-1', seed: 22 });
    await mkdir(join(out, 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/01'), { recursive: true });
    await writeFile(join(out, 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/01/trail.json.gz'), gzipSync('{"Records":[]}'));
    const { logs, rows } = await audit(out);
    expect(new Set(logs.files.map((f) => f.segments.slice(0, 4).join('/')))).toEqual(
      new Set(['AWSLogs/111122223333/vpcflowlogs/us-east-1', 'AWSLogs/aws-account-id=444455556666/aws-service=vpcflowlogs/aws-region=eu-west-1']),
    );
    expect(withoutPeers(rows)).toEqual(addTruths(a.egressPorts, b.egressPorts));
    // Starting from one account's region folder reads that flow log only.
    expect((await audit(join(out, 'AWSLogs/111122223333/vpcflowlogs/us-east-1'))).rows).toEqual(a.egressPorts);
  });

  test('records outside the window inside a daily file are left out: equal to the hourly layout of the same records', async () => {
    const day = await sample({ layout: 's3', days: 1 });
    const hourly = await sample({ layout: 'firehose', days: 1 });
    const window = windowEndingAt(new Date('2026-11-01T15:00:00Z'), 5);
    const daily = await audit(day.out, window);
    expect(daily.logs.discovery.dayFolders).toBe(1);
    // The whole day's files are read, and the start terms keep only the window's records.
    expect(daily.logs.files).toHaveLength(day.truth.files);
    expect(daily.result.sql).toMatch(new RegExp(`start >= ${window.start.getTime() / 1000}\\s+AND start < ${window.end.getTime() / 1000}`));
    const reference = await audit(hourly.out, window);
    expect(reference.logs.files.length).toBe(15);
    expect(daily.rows).toEqual(reference.rows);
    expect(daily.rows.reduce((s, r) => s + r.flows, 0)).toBeLessThan(day.truth.egressPorts.reduce((s, r) => s + r.flows, 0));
    expect(daily.rows.length).toBeGreaterThan(0);
  });
});

describe('bad input: exit 2 with one sentence, nothing printed on stdout', () => {
  beforeAll(buildCli);

  const run = (logs: string) => cli(['audit', '--logs', logs, '--vpc-cidr', CIDRS, '--end', '2026-11-02T00', '--lookback-hours', '6']);
  const expectOneSentence = (result: { code: number; stdout: string; stderr: string }, message: RegExp) => {
    expect([result.code, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toMatch(/^vpc-port-audit: [^\n]+\.\n$/);
    expect(result.stderr).toMatch(message);
  };

  test('a tree with files of no known layout names the layouts looked for', async () => {
    const dir = await newDir();
    await mkdir(join(dir, 'exports'), { recursive: true });
    await writeFile(join(dir, 'exports/flows.csv'), 'srcaddr,dstaddr\n');
    expectOneSentence(await run(dir), /--logs: '.*' holds no flow-log folders of a known layout; looked for PREFIX\/YYYY\/MM\/DD\/HH\/, AWSLogs\//);
  });

  test('a header line that is not flow-log fields', async () => {
    const { out } = await sample({ layout: 's3-hourly' });
    const hour = join(out, 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/01/22');
    await writeFile(join(hour, 'app.log.gz'), gzipSync('timestamp level message\n2026-11-01T22:00:00Z info started\n'));
    expectOneSentence(await run(out), /the first line of '.*app\.log\.gz' \(timestamp level message\) is not a flow-log header line; a header names/);
  });

  const V2_HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
  const v2Record = (dstaddr: string, dstport: string, packets = '10') => `2 123456789012 eni-0a1b2c3d4e5f60001 10.0.1.20 ${dstaddr} 41000 ${dstport} 6 ${packets} 900 1793662200 1793662260 ACCEPT OK`;
  /** One S3-delivered file of `lines` in the hour folder of 23:00; returns the tree and the file's name. */
  const fileOf = async (lines: readonly string[]) => {
    const dir = await newDir();
    const hour = join(dir, 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/01/23');
    const name = '123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261101T2330Z_0a1b2c3d.log.gz';
    await mkdir(hour, { recursive: true });
    await writeFile(join(hour, name), gzipSync(`${lines.join('\n')}\n`));
    return { dir, name: name.replaceAll('.', '\\.') };
  };
  const TEXT_RULE = 'a flow-log text file is whole, gzip or plain, with one record per line: the 14 fields its header line names, separated by single spaces\\.\\n$';

  test.each([
    ['a dstport that is not a number', v2Record('198.51.100.20', 'https'), 'line 3: dstport is "https", not a whole number'],
    ['a value too large for its column', v2Record('198.51.100.20', '99999999999'), 'line 3: dstport is "99999999999", too large for INTEGER'],
    ['a long bad value, shortened', v2Record('198.51.100.20', 'x'.repeat(80)), `line 3: dstport is "${'x'.repeat(39)}…", not a whole number`],
    [
      'two spaces in a row (14 fields by eye)',
      v2Record(' 198.51.100.20', '443'),
      'line 3: srcport is "198\\.51\\.100\\.20", not a whole number; the line has two spaces in a row \\(or starts with one\\), an empty field that shifts the fields after it',
    ],
  ])('%s: the sentence says what is wrong with that line', async (_name, bad, detail) => {
    const { dir, name } = await fileOf([V2_HEADER, v2Record('198.51.100.20', '443'), bad]);
    expectOneSentence(await run(dir), new RegExp(`^vpc-port-audit: --logs: file '.*/2026/11/01/23/${name}' cannot be read as gzip-compressed text flow logs \\(${detail}\\); ${TEXT_RULE}`));
  });

  test('a header line that names a field twice says so (not that the file has no header line)', async () => {
    const { dir, name } = await fileOf([V2_HEADER.replace('srcaddr', 'srcaddr srcaddr'), v2Record('198.51.100.20', '443')]);
    expectOneSentence(
      await run(dir),
      new RegExp(`^vpc-port-audit: --logs: the header line of '.*/2026/11/01/23/${name}' names the field srcaddr twice; a flow-log header line names each of the file's fields once, in order\\.\\n$`),
    );
  });

  test('a gzip file cut short after its first records (a partial download) is named, with what a file must be', async () => {
    const { out } = await sample({ layout: 's3-hourly' });
    const hour = join(out, 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/01/21');
    const name = (await readdir(hour))[0]!;
    const whole = await readFile(join(hour, name));
    await writeFile(join(hour, name), whole.subarray(0, Math.floor(whole.length * 0.6)));
    expectOneSentence(
      await run(out),
      new RegExp(
        `--logs: file '.*/2026/11/01/21/${name.replaceAll('.', '\\.')}' cannot be read as gzip-compressed text flow logs \\(line \\d+ has \\d+ fields, not 29; ` +
          'its gzip data ends early, so the file is cut short\\); a flow-log text file is whole, gzip or plain, with one record per line: the 29 fields its header line names',
      ),
    );
  });

  test('a corrupt Parquet file', async () => {
    const { out } = await sample({ layout: 's3-hourly', fileFormat: 'parquet' });
    const hour = join(out, 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/01/21');
    const file = join(hour, (await readdir(hour))[0]!);
    // The magic PAR1 stays, the rest is garbage.
    await writeFile(file, Buffer.concat([(await readFile(file)).subarray(0, 4), Buffer.alloc(64, 7)]));
    expectOneSentence(await run(out), /--logs: file '.*\.log\.parquet' is not a readable Parquet file \(.*\); S3 delivery writes/);
  });

  // Header and footer intact, 20 bytes of a page flipped: DuckDB's Parquet reader fails naming no file ("Failed to
  // decompress GZIP block", "Out of buffer", ...), so the engine reads the window's Parquet files one at a time to name it.
  test.each([500, 2000, 3000])('a Parquet file with 20 bytes flipped at offset %i is named, with what a Parquet flow-log file must be', async (offset) => {
    const { out } = await sample({ layout: 's3-hourly', fileFormat: 'parquet', recordsPerHour: 3000, filesPerHour: 1 });
    const hour = join(out, 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/01/21');
    const name = (await readdir(hour))[0]!;
    const bytes = await readFile(join(hour, name));
    for (let i = offset; i < offset + 20; i++) bytes[i] ^= 0xff;
    await writeFile(join(hour, name), bytes);
    expectOneSentence(
      await run(out),
      new RegExp(
        `^vpc-port-audit: --logs: file '.*/2026/11/01/21/${name.replaceAll('.', '\\.')}' cannot be read as Parquet flow logs \\([^)]+\\); ` +
          'a Parquet flow-log file must be whole and intact as S3 delivery wrote it \\(a column per flow-log field in gzip-compressed pages\\), so this copy is damaged: fetch it again\\.\\n$',
      ),
    );
  });

  test.each([
    ['empty (zero bytes)', Buffer.alloc(0), 'it is empty'],
    ['text, not Parquet', gzipSync('version account-id interface-id srcaddr\n'), 'it does not start with PAR1, the magic number of every Parquet file'],
  ])('a *.parquet file that is %s is named, not skipped or read as text', async (_name, bytes, detail) => {
    const { out } = await sample({ layout: 's3-hourly', fileFormat: 'parquet' });
    const hour = join(out, 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/01/21');
    const name = (await readdir(hour))[0]!;
    await writeFile(join(hour, name), bytes);
    expectOneSentence(
      await run(out),
      new RegExp(`^vpc-port-audit: --logs: file '.*/2026/11/01/21/${name.replaceAll('.', '\\.')}' is not a Parquet file \\(${detail}\\); S3 delivery writes Parquet flow logs as whole \\*\\.parquet files\\.\\n$`),
    );
  });
});

describe('errors that are not the input\'s', () => {
  test('an error that is not a file\'s (here SQL naming a column the view lacks) still propagates as it is, after every Parquet file reads', async () => {
    const { out } = await sample({ layout: 's3-hourly', fileFormat: 'parquet' });
    const window = windowEndingAt(END, HOURS);
    const logs = await readLocalLogs(out, window);
    const shape = localViewShape(TABLE, logs);
    const source = { ...shape, windowTerms: () => ['no_such_column = 1'] };
    const parameters: AuditParameters = { preset: 'egress-ports', vpcCidrs: parseCidrList(CIDRS), window, maxPorts: 10, source };
    const failure = await new DuckDbEngine({ logs }).runAudit(parameters).catch((error: unknown) => error as Error);
    // DuckDB's own error (another realm's Error under jest), not an InputError naming a file or the folder.
    expect(failure).not.toBeInstanceOf(InputError);
    expect((failure as Error).message).toMatch(/^Binder Error: .*no_such_column/);
  });
});
