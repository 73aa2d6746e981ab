// Layout discovery on local trees: each layout of src/logs/layouts.ts from any starting folder, several accounts
// and regions, other AWS services skipped, only the window's dated folders listed, and one sentence when
// nothing fits.
import { describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { windowEndingAt } from '../../src/flowlog/layout.js';
import { dayFilesWithoutTime, discoverWindowFiles, requireWindowFiles } from '../../src/logs/discover.js';
import { LocalTree } from '../../src/logs/local-tree.js';
import type { FlowLogTree } from '../../src/logs/tree.js';
import { InputError } from '../../src/input-error.js';

const END = new Date('2026-11-01T12:00:00Z');

async function tree(paths: string[]): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'discovery-'));
  for (const path of paths) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), 'x'.repeat(path.length));
  }
  return root;
}

/** A tree that records every folder listed. */
function counting(inner: FlowLogTree): FlowLogTree & { listed: string[] } {
  const listed: string[] = [];
  return { root: inner.root, listed, list: (segments) => (listed.push(segments.join('/')), inner.list(segments)) };
}

const S3 = 'AWSLogs/123456789012/vpcflowlogs/us-east-1';
const S3_NAME = '123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261101T1005Z_a1b2c3d4.log.gz';

describe('discoverWindowFiles', () => {
  test('Firehose hourly layout: only the window hours are listed, files with their segments and size', async () => {
    const root = await tree(['flow-logs/2026/11/01/10/a.gz', 'flow-logs/2026/11/01/11/b.gz', 'flow-logs/2026/11/01/09/old.gz', 'flow-logs/2025/01/01/00/x.gz']);
    const t = counting(new LocalTree(root));
    const found = await discoverWindowFiles(t, windowEndingAt(END, 2));
    expect(found.files).toEqual([
      { segments: ['flow-logs', '2026', '11', '01', '10', 'a.gz'], size: 28, layout: 'firehose', granularity: 'hour', folderStart: new Date('2026-11-01T10:00:00Z') },
      { segments: ['flow-logs', '2026', '11', '01', '11', 'b.gz'], size: 28, layout: 'firehose', granularity: 'hour', folderStart: new Date('2026-11-01T11:00:00Z') },
    ]);
    expect([found.hourFolders, found.dayFolders, found.hoursCovered, found.hoursInWindow]).toEqual([2, 0, 2, 2]);
    expect(t.listed).not.toContain('flow-logs/2026/11/01/09');
    expect(t.listed).not.toContain('flow-logs/2025');
    expect(found.dated).toEqual({ before: '2026/11/01/09', after: undefined });
  });

  test('S3 default daily layout from the bucket, AWSLogs/, the account, the region and the day folder', async () => {
    const root = await tree([`${S3}/2026/11/01/${S3_NAME}`, `${S3}/2026/10/31/old.log.gz`, 'AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/01/trail.json.gz']);
    for (const start of ['', 'AWSLogs', 'AWSLogs/123456789012', S3, `${S3}/2026/11/01`]) {
      const found = await discoverWindowFiles(new LocalTree(join(root, start)), windowEndingAt(END, 1));
      expect(found.files.map((f) => [f.segments.at(-1), f.layout, f.granularity, f.folderStart.toISOString()])).toEqual([
        [S3_NAME, 's3', 'day', '2026-11-01T00:00:00.000Z'],
      ]);
      expect(found.files[0]!.segments.join('/')).toBe(`${S3}/2026/11/01/${S3_NAME}`.slice(start === '' ? 0 : start.length + 1));
      expect([found.dayFolders, found.hoursCovered]).toEqual([1, 1]);
    }
  });

  test('a window ending at midnight also reads the next day folder, where S3 delivery writes its last minutes; hour folders stay exact', async () => {
    const next = '123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261102T0005Z_e5f6a7b8.log.gz';
    const root = await tree([
      `${S3}/2026/11/01/${S3_NAME}`, `${S3}/2026/11/02/${next}`, `${S3}/2026/11/03/later.log.gz`,
      'flow-logs/2026/11/01/23/a.gz', 'flow-logs/2026/11/02/00/b.gz',
    ]);
    const atMidnight = await discoverWindowFiles(new LocalTree(root), windowEndingAt(new Date('2026-11-02T00:00:00Z'), 2));
    expect(atMidnight.files.map((f) => f.segments.at(-1)).sort()).toEqual([S3_NAME, next, 'a.gz'].sort());
    // Only the window's hours count as covered: the next day folder is read for its first minutes alone.
    expect([atMidnight.dayFolders, atMidnight.hoursCovered]).toEqual([2, 2]);
    const beforeMidnight = await discoverWindowFiles(new LocalTree(root), windowEndingAt(new Date('2026-11-01T23:00:00Z'), 2));
    expect(beforeMidnight.files.map((f) => f.segments.at(-1))).toEqual([S3_NAME]);
  });

  test('S3 hourly and Hive-compatible layouts, two accounts in two regions', async () => {
    const hive = (account: string, region: string, hour: string) =>
      `AWSLogs/aws-account-id=${account}/aws-service=vpcflowlogs/aws-region=${region}/year=2026/month=11/day=01/hour=${hour}/f.log.gz`;
    const root = await tree([
      `${S3}/2026/11/01/11/${S3_NAME}`,
      'AWSLogs/210987654321/vpcflowlogs/eu-west-1/2026/11/01/11/b.log.gz',
      hive('123456789012', 'us-east-1', '11'),
      hive('210987654321', 'eu-west-1', '11'),
      hive('210987654321', 'eu-west-1', '10'),
      'AWSLogs/aws-account-id=123456789012/aws-service=elasticloadbalancing/aws-region=us-east-1/year=2026/month=11/day=01/hour=11/elb.log.gz',
    ]);
    const found = await discoverWindowFiles(new LocalTree(root), windowEndingAt(END, 1));
    expect(found.files.map((f) => [f.segments.slice(0, 2).join('/'), f.layout, f.granularity])).toEqual([
      ['AWSLogs/123456789012', 's3-hourly', 'hour'],
      ['AWSLogs/210987654321', 's3-hourly', 'hour'],
      ['AWSLogs/aws-account-id=123456789012', 's3-hive-hourly', 'hour'],
      ['AWSLogs/aws-account-id=210987654321', 's3-hive-hourly', 'hour'],
    ]);
    expect([found.hourFolders, found.hoursCovered, found.hoursInWindow]).toEqual([4, 1, 1]);
  });

  test('an hour folder copied on its own is read as S3 hourly when its files carry S3 delivery names', async () => {
    const root = await tree([`logs/2026/11/01/10/${S3_NAME}`]);
    const found = await discoverWindowFiles(new LocalTree(join(root, 'logs')), windowEndingAt(END, 2));
    expect(found.files.map((f) => f.layout)).toEqual(['s3-hourly']);
  });

  test('no file for the window, and no known layout: one sentence each', async () => {
    const window = windowEndingAt(END, 1);
    const dated = new LocalTree(await tree(['2026/10/30/05/a.gz', '2026/10/31/23/b.gz']), '--logs');
    const none = await discoverWindowFiles(dated, window);
    expect(none.files).toEqual([]);
    expect(() => requireWindowFiles(none, dated, window, '--logs')).toThrow(
      /^--logs: '.*' has no flow-log files for 2026-11-01T11Z to 2026-11-01T12Z in its dated folders \(the nearest are 2026\/10 before it\); check --end and --lookback-hours\.$/,
    );
    const odd = new LocalTree(await tree(['exports/flows.csv', 'readme.txt']), '--logs');
    const unknown = await discoverWindowFiles(odd, window);
    expect(() => requireWindowFiles(unknown, odd, window, '--logs')).toThrow(InputError);
    expect(() => requireWindowFiles(unknown, odd, window, '--logs')).toThrow(
      /^--logs: '.*' holds no flow-log folders of a known layout; looked for PREFIX\/YYYY\/MM\/DD\/HH\/, AWSLogs\/.*\)\.$/,
    );
  });

  test('two copies of one flow-log file in the tree (same name and size in the same dated folder): one sentence', async () => {
    const window = windowEndingAt(END, 2);
    const root = await mkdtemp(join(tmpdir(), 'discovery-copies-'));
    const put = async (path: string, text: string) => {
      await mkdir(join(root, path, '..'), { recursive: true });
      await writeFile(join(root, path), text);
    };
    await put(`${S3}/2026/11/01/${S3_NAME}`, 'records');
    await put(`backup/${S3}/2026/11/01/${S3_NAME}`, 'records');
    const copied = new LocalTree(root, '--logs');
    const found = await discoverWindowFiles(copied, window);
    expect(found.files).toHaveLength(2);
    expect(() => requireWindowFiles(found, copied, window, '--logs')).toThrow(
      new InputError(
        `--logs: '${root}' holds two copies of the flow-log file '${S3_NAME}' (7 bytes), in '${S3}/2026/11/01' and in ` +
          `'backup/${S3}/2026/11/01', whose records would count twice; point --logs at one copy.`,
      ),
    );
    // The same name with other contents, or in another hour folder, is another file.
    const other = await mkdtemp(join(tmpdir(), 'discovery-not-copies-'));
    for (const [path, text] of [['a/2026/11/01/10/part-0.gz', 'one'], ['b/2026/11/01/10/part-0.gz', 'three'], ['a/2026/11/01/11/part-0.gz', 'one']]) {
      await mkdir(join(other, path!, '..'), { recursive: true });
      await writeFile(join(other, path!), text!);
    }
    const distinct = new LocalTree(other, '--logs');
    const files = await discoverWindowFiles(distinct, window);
    expect(files.files).toHaveLength(3);
    expect(() => requireWindowFiles(files, distinct, window, '--logs')).not.toThrow();
  });

  test('a missing root lists nothing; check() says it does not exist', async () => {
    const missing = new LocalTree('/nonexistent/flow-logs', '--logs');
    expect(await missing.list([])).toEqual([]);
    await expect(missing.check()).rejects.toThrow(/^--logs: '\/nonexistent\/flow-logs' does not exist; give a folder of flow-log files/);
  });

  test('discovery lists the hours of the window that the paths show covered: hour folders', async () => {
    const root = await mkdtemp(join(tmpdir(), 'hour-folders-'));
    for (const hour of ['2026/11/01/22', '2026/11/02/01']) {
      await mkdir(join(root, hour), { recursive: true });
      await writeFile(join(root, hour, 'part.gz'), 'x');
    }
    // An empty hour folder covers nothing.
    await mkdir(join(root, '2026/11/01/23'), { recursive: true });
    const found = await discoverWindowFiles(new LocalTree(root), { start: new Date('2026-11-01T22:00Z'), end: new Date('2026-11-02T02:00Z') });
    expect(found.hoursFromPaths.map((t) => new Date(t).toISOString())).toEqual(['2026-11-01T22:00:00.000Z', '2026-11-02T01:00:00.000Z']);
    expect(dayFilesWithoutTime(found.files)).toBe(false);
  });

  test('and day folders: the hours in which AWS published their files (S3 delivery names); a file named otherwise needs its records', async () => {
    const root = await mkdtemp(join(tmpdir(), 'day-folders-'));
    const day = join(root, 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/01');
    await mkdir(day, { recursive: true });
    for (const stamp of ['20261101T2205Z', '20261101T2255Z', '20261101T2355Z', '20261101T0105Z']) {
      await writeFile(join(day, `123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_${stamp}_0a1b2c3d.log.gz`), 'x');
    }
    const window = { start: new Date('2026-11-01T22:00Z'), end: new Date('2026-11-02T02:00Z') };
    const found = await discoverWindowFiles(new LocalTree(root), window);
    // 01:05 is before the window; 00:00-02:00 of the next day has no folder.
    expect(found.hoursFromPaths.map((t) => new Date(t).toISOString())).toEqual(['2026-11-01T22:00:00.000Z', '2026-11-01T23:00:00.000Z']);
    expect(found.files.map((f) => f.published?.toISOString())).toContain('2026-11-01T23:55:00.000Z');
    expect(dayFilesWithoutTime(found.files)).toBe(false);
    await writeFile(join(day, 'copied-by-hand.log.gz'), 'x');
    expect(dayFilesWithoutTime((await discoverWindowFiles(new LocalTree(root), window)).files)).toBe(true);
  });
});
