// `vpc-port-audit audit --logs s3://...` in process (main() with an io object) against a real moto_server behind
// a recording proxy. The bucket holds one generated day inside the window and one before it, each in two layouts
// (written by the sample generator): Firehose `firehose/YYYY/MM/DD/HH/` and S3 delivery's daily
// `AWSLogs/ACCOUNT/vpcflowlogs/REGION/YYYY/MM/DD/` with header lines. Only the window's folders are listed and only its objects downloaded; the ports equal the
// generator's ground truth (twice the flows: the same day is stored in both layouts); a second run downloads
// nothing; bad input exits 2 with one sentence and leaves no partial file in the cache.

import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseCidrList } from '../../src/audit/parameters.js';
import { main } from '../../src/cli.js';
import { V5_FORMAT } from '../../src/flowlog/format.js';
import { generateSample, GROUND_TRUTH_FILE, type GroundTruth, type TruthRow } from '../../src/flowlog/sample.js';
import { s3DeliveryRegionSegments } from '../../src/logs/layouts.js';
import { cachedPath } from '../../src/logs/s3-cache.js';
import { startMoto, TEST_AWS_ENV, type MotoServer } from '../support/moto.js';
import { buildCli, cli as processCli, portCounts } from '../support/cli-process.js';
import { startS3Proxy, type S3Proxy } from '../support/s3-proxy.js';

const BUCKET = 'flow-logs-123456789012';
const CIDRS = '10.20.0.0/16';
const END = new Date('2026-11-02T00:00:00Z');
const DAILY = s3DeliveryRegionSegments('plain', '123456789012', 'eu-west-1').join('/');

let moto: MotoServer;
let proxy: S3Proxy;
let s3: S3Client;
let work: string;
let truth: GroundTruth;
/** The keys of the objects inside the window (the in-window day in both layouts). */
const inWindow: string[] = [];
const savedEnv = { ...process.env };

/** Uploads every file a sample wrote under `dir` (not its ground truth) to `prefix` + its path; returns the keys. */
async function upload(dir: string, prefix: string): Promise<string[]> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && e.name !== GROUND_TRUTH_FILE);
  const keys = files.map((e) => `${prefix}${relative(dir, join(e.parentPath, e.name))}`);
  await Promise.all(files.map((e, i) => readFile(join(e.parentPath, e.name)).then((Body) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: keys[i], Body })))));
  return keys;
}

async function cli(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), interactive: false });
  return { code, stdout, stderr };
}

const audit = (logs: string, ...flags: string[]) =>
  cli('audit', '--logs', logs, '--vpc-cidr', CIDRS, '--end', '2026-11-02T00', '--lookback-hours', '24', '--format', 'json', '--top', '1000', ...flags);

/** The truth's rows with flows, packets and bytes times `n` (the same records stored `n` times). */
const times = (rows: readonly TruthRow[], n: number) => rows.map((r) => ({ ...r, flows: r.flows * n, packets: r.packets * n, bytes: r.bytes * n }));

beforeAll(async () => {
  await buildCli();
  moto = await startMoto();
  proxy = await startS3Proxy(moto.endpoint);
  Object.assign(process.env, TEST_AWS_ENV, { AWS_ENDPOINT_URL: proxy.endpoint });
  s3 = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true, region: TEST_AWS_ENV.AWS_REGION });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  work = await mkdtemp(join(tmpdir(), 'cli-s3-'));
  // The same generated day (same seed) in both layouts, and the day before it, also in both.
  const sample = (out: string, layout: 'firehose' | 's3', end: Date, seed: number) =>
    generateSample({ vpcCidrs: parseCidrList(CIDRS), days: 1, recordsPerHour: 40, format: V5_FORMAT, out: join(work, out), end, seed, layout, region: 'eu-west-1' });
  truth = await sample('in-firehose', 'firehose', END, 11);
  expect((await sample('in-s3', 's3', END, 11)).egressPorts).toEqual(truth.egressPorts);
  const dayBefore = new Date(END.getTime() - 86_400_000);
  await sample('before-firehose', 'firehose', dayBefore, 12);
  await sample('before-s3', 's3', dayBefore, 12);
  inWindow.push(...(await upload(join(work, 'in-firehose'), 'firehose/')), ...(await upload(join(work, 'in-s3'), '')));
  await upload(join(work, 'before-firehose'), 'firehose/');
  await upload(join(work, 'before-s3'), '');
});
afterAll(async () => {
  process.env = savedEnv;
  s3.destroy();
  await proxy.close();
  await moto.stop();
});
beforeEach(() => {
  proxy.deny(undefined);
  proxy.cut(undefined);
  proxy.requests.length = 0;
});

describe('audit --logs s3://', () => {
  test('lists only the window, downloads only its objects, gives the ground truth, then downloads nothing', async () => {
    const cache = join(work, 'xdg', 'vpc-port-audit');
    const first = await audit(`s3://${BUCKET}/`, '--cache-dir', cache);
    expect(first.stderr).toMatch(new RegExp(`^downloading 48 objects \\([\\d.]+ KiB\\) from s3://${BUCKET}/ to ${cache}: \\d+%\\n`));
    expect(first.code).toBe(0);
    expect(portCounts(JSON.parse(first.stdout).ports)).toEqual(times(truth.egressPorts, 2));

    expect(proxy.fetchedKeys().sort()).toEqual([...inWindow].sort());
    // One ListObjectsV2 per folder: the root, firehose/2026/11/01 (4) and its 24 hours, and
    // AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/11/01 (7); nothing of 2026/10/31.
    const listed = proxy.listedPrefixes();
    expect(listed).toHaveLength(36);
    expect(new Set(listed).size).toBe(36);
    expect(listed).toContain('firehose/2026/11/01/23/');
    expect(listed).toContain(`${DAILY}/2026/11/01/`);
    expect(listed.filter((p) => p.includes('2026/10/31'))).toEqual([]);
    const cached = (await readdir(join(cache, 's3', BUCKET), { recursive: true })).filter((f) => f.endsWith('.gz'));
    expect(cached.sort()).toEqual(inWindow.map((key) => relative(join(cache, 's3', BUCKET), cachedPath(cache, { bucket: BUCKET, key }))).sort());

    proxy.requests.length = 0;
    const again = await audit(`s3://${BUCKET}/`, '--cache-dir', cache);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).ports).toEqual(JSON.parse(first.stdout).ports);
    expect(proxy.fetchedKeys()).toEqual([]);
    expect(again.stderr).not.toMatch(/downloading/);
  });

  test('a key `*` in each hour folder is one more file, not every file of its folder again (issue 20)', async () => {
    // DuckDB expands `*` in a path as a glob: were the cached copy named `.../12/*`, each hour would count three times.
    const keys = await upload(join(work, 'in-firehose'), 'globs/');
    const folders = new Set(keys.map((key) => key.replace(/[^/]+$/, '')));
    expect(folders.size).toBe(keys.length); // one file per hour folder: the `*` beside it is an exact second copy
    for (const key of keys) {
      const body = await readFile(join(work, 'in-firehose', key.replace(/^globs\//, '')));
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key.replace(/[^/]+$/, '*'), Body: body }));
    }
    const result = await audit(`s3://${BUCKET}/globs/`, '--cache-dir', join(work, 'globs-cache'));
    expect(result.code).toBe(0);
    expect(portCounts(JSON.parse(result.stdout).ports)).toEqual(times(truth.egressPorts, 2));
  });

  test('a prefix of one layout reads that copy alone, from the cache in XDG_CACHE_HOME', async () => {
    process.env.XDG_CACHE_HOME = join(work, 'xdg');
    try {
      const { code, stdout } = await audit(`s3://${BUCKET}/${DAILY}`);
      expect(code).toBe(0);
      expect(portCounts(JSON.parse(stdout).ports)).toEqual(times(truth.egressPorts, 1));
      expect(proxy.fetchedKeys()).toEqual([]);
      expect(proxy.listedPrefixes().every((p) => p.startsWith(`${DAILY}/`))).toBe(true);
    } finally {
      delete process.env.XDG_CACHE_HOME;
    }
  });

  test('a day folder as the prefix, run as a real process (the bundled CLI, AWS settings from the environment)', async () => {
    const { code, stdout, stderr } = await processCli([
      'audit', '--logs', `s3://${BUCKET}/${DAILY}/2026/11/01/`, '--vpc-cidr', CIDRS, '--end', '2026-11-02T00', '--format', 'json', '--top', '1000',
      '--cache-dir', join(work, 'process-cache'),
    ]);
    expect([code, stderr]).toEqual([0, expect.stringMatching(/^downloading 24 objects \([\d.]+ KiB\) from s3:\/\/.*: \d+%$/m)]);
    expect(stderr).not.toMatch(/vpc-port-audit:/);
    // The AWS SDK's Node.js support notice (printed on Node.js < 22) is switched off by the SDK's own variable.
    expect(stderr).not.toMatch(/NodeVersionSupportWarning/);
    expect(portCounts(JSON.parse(stdout).ports)).toEqual(times(truth.egressPorts, 1));
    expect(proxy.fetchedKeys()).toHaveLength(24);
  });

  test('sql --logs s3:// prints the SQL for the files found there', async () => {
    const { code, stdout } = await cli('sql', '--logs', `s3://${BUCKET}/firehose/`, '--vpc-cidr', CIDRS, '--end', '2026-11-02T00', '--cache-dir', join(work, 'sql-cache'));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^SELECT/m);
    expect(proxy.fetchedKeys()).toHaveLength(24);
  });
});

describe('bad input: exit 2, one sentence, nothing half-done', () => {
  const oneSentence = (result: { code: number; stdout: string; stderr: string }, message: RegExp) => {
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(message) });
    expect(result.stdout).toBe('');
    const lines = result.stderr.split('\n').filter((l) => !/^downloading /.test(l));
    expect(lines.join('\n')).toMatch(/^vpc-port-audit: --logs: [^\n]+\.\n?$/);
    expect(result.stderr).toMatch(message);
  };

  test('a malformed s3 URL', async () => {
    oneSentence(await audit('s3://Flow_Logs/'), /--logs: 's3:\/\/Flow_Logs\/' is not an S3 location; give s3:\/\/BUCKET\/PREFIX\//);
    expect(proxy.requests).toEqual([]);
  });

  test('a bucket that does not exist', async () => {
    oneSentence(await audit('s3://no-such-bucket-123/AWSLogs/', '--cache-dir', join(work, 'c1')), /the bucket 'no-such-bucket-123' of s3:\/\/no-such-bucket-123\/AWSLogs\/ does not exist/);
  });

  test('a prefix with nothing under it', async () => {
    oneSentence(await audit(`s3://${BUCKET}/AWSLog/`, '--cache-dir', join(work, 'c2')), /nothing is stored under s3:\/\/flow-logs-123456789012\/AWSLog\//);
  });

  test('a prefix with objects but no flow logs for the window', async () => {
    oneSentence(
      await cli('audit', '--logs', `s3://${BUCKET}/firehose/`, '--vpc-cidr', CIDRS, '--end', '2026-12-02T00', '--cache-dir', join(work, 'c3')),
      /'s3:\/\/flow-logs-123456789012\/firehose\/' has no flow-log files for 2026-12-01T00Z to 2026-12-02T00Z/,
    );
    expect(proxy.fetchedKeys()).toEqual([]);
  });

  test('two copies of the same objects under the prefix: one sentence, nothing downloaded', async () => {
    await upload(join(work, 'in-s3'), 'copies/a/');
    await upload(join(work, 'in-s3'), 'copies/b/');
    oneSentence(
      await audit(`s3://${BUCKET}/copies/`, '--cache-dir', join(work, 'c6')),
      /'s3:\/\/flow-logs-123456789012\/copies\/' holds two copies of the flow-log file '123456789012_vpcflowlogs_eu-west-1_.*\.log\.gz' \(\d+ bytes\), in 'a\/AWSLogs\/.*\/2026\/11\/01' and in 'b\/AWSLogs\/.*\/2026\/11\/01', whose records would count twice; point --logs at one copy/,
    );
    expect(proxy.fetchedKeys()).toEqual([]);
  });

  test('an S3 endpoint that cannot be reached', async () => {
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:1';
    try {
      oneSentence(
        await audit(`s3://${BUCKET}/firehose/`, '--cache-dir', join(work, 'c7')),
        /--logs: S3 could not be reached for s3:\/\/flow-logs-123456789012\/firehose\/ \(.*ECONNREFUSED.*\); check the network connection, and AWS_ENDPOINT_URL when it is set/,
      );
    } finally {
      process.env.AWS_ENDPOINT_URL = proxy.endpoint;
    }
  });

  test('a cache folder that cannot be made', async () => {
    await writeFile(join(work, 'a-file'), 'x');
    const result = await audit(`s3://${BUCKET}/firehose/`, '--cache-dir', join(work, 'a-file', 'cache'));
    expect([result.code, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toMatch(/^vpc-port-audit: --cache-dir: '.*a-file\/cache' cannot be made a folder \(.*\); give a writable folder\.\n$/);
    expect(proxy.fetchedKeys()).toEqual([]);
  });

  test('a denied prefix', async () => {
    proxy.deny(BUCKET, 'AWSLogs/');
    oneSentence(await audit(`s3://${BUCKET}/AWSLogs/`, '--cache-dir', join(work, 'c4')), /AWS denied s3:ListBucket on s3:\/\/flow-logs-123456789012\/AWSLogs\/ to the credentials in use/);
  });

  test('a download that stops halfway (the connection drops): one sentence, exit 2, no partial file in the cache', async () => {
    const cache = join(work, 'c8');
    proxy.cut(BUCKET, 'firehose/2026/11/01/13/');
    oneSentence(
      await audit(`s3://${BUCKET}/firehose/`, '--cache-dir', cache),
      // The drop lands in the body (most runs) or, on a loaded machine, before the response's headers.
      /--logs: (the download of s3:\/\/flow-logs-123456789012\/firehose\/2026\/11\/01\/13\/.*\.gz stopped after \d+ of \d+ bytes \(.+\); check the network connection and run the audit again \(the objects fetched whole stay in the cache\)|S3 could not be reached for s3:\/\/flow-logs-123456789012\/firehose\/2026\/11\/01\/13\/.*\.gz \(.*socket hang up\); check the network connection)/,
    );
    const left = await readdir(join(cache, 's3', BUCKET), { recursive: true, withFileTypes: true });
    expect(left.filter((e) => e.isFile() && (e.parentPath.includes('/13') || e.name.endsWith('.part'))).map((e) => e.name)).toEqual([]);
  });

  test('a denied object stops the downloads and leaves only complete files in the cache', async () => {
    const cache = join(work, 'c5');
    proxy.deny(BUCKET, 'firehose/2026/11/01/12/', 'get');
    oneSentence(await audit(`s3://${BUCKET}/firehose/`, '--cache-dir', cache), /AWS denied s3:GetObject on s3:\/\/flow-logs-123456789012\/firehose\/2026\/11\/01\/12\/.*\.gz to the credentials in use/);
    const left = await readdir(join(cache, 's3', BUCKET), { recursive: true, withFileTypes: true });
    const files = left.filter((e) => e.isFile()).map((e) => relative(join(cache, 's3', BUCKET), join(e.parentPath, e.name)));
    expect(files.filter((f) => f.includes('/12/') || f.endsWith('.part'))).toEqual([]);
    const keyOf = new Map(inWindow.map((key) => [cachedPath(cache, { bucket: BUCKET, key }), key]));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const original = await readFile(join(work, 'in-firehose', keyOf.get(join(cache, 's3', BUCKET, file))!.replace(/^firehose\//, '')));
      expect((await stat(join(cache, 's3', BUCKET, file))).size).toBe(original.length);
    }
  });
});
