// The S3 flow-log tree and the download cache against a real moto_server (through a recording proxy): listing
// at each level of each layout (Firehose, S3 delivery daily/hourly, with an organization folder, Hive-compatible),
// pagination past 1,000 entries, the s3:// URL rules, one-sentence errors for a missing bucket, an empty prefix,
// a denied prefix and bad credentials; downloads streamed into the cache, reused when unchanged, fetched again
// when changed, and nothing partial left behind by a failed download.

import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createCliS3Client } from '../../src/aws/clients.js';
import { InputError } from '../../src/input-error.js';
import { cachedPath, cacheObjects, defaultCacheDir } from '../../src/logs/s3-cache.js';
import { S3FlowLogTree } from '../../src/logs/s3-tree.js';
import { isS3Url, parseS3Url } from '../../src/logs/s3-url.js';
import { startMoto, TEST_AWS_ENV, type MotoServer } from '../support/moto.js';
import { startS3Proxy, type S3Proxy } from '../support/s3-proxy.js';

const BUCKET = 'flow-logs-123456789012';
const FILE = (hour: string) => `123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261101T${hour}55Z_a1b2c3d4.log.gz`;
// Documentation values: account 123456789012, organization o-a1b2c3d4e5.
const KEYS = [
  'firehose/2026/11/01/22/vpc-flow-logs-1-2026-11-01-22-00-00-aaaa.gz',
  'firehose/2026/11/01/23/vpc-flow-logs-1-2026-11-01-23-00-00-bbbb.gz',
  `AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/01/${FILE('23')}`,
  `AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/11/01/${FILE('22')}`,
  `AWSLogs/o-a1b2c3d4e5/123456789012/vpcflowlogs/us-east-1/2026/11/01/23/${FILE('23')}`,
  `AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2026/month=11/day=01/hour=23/${FILE('23')}`,
];

let moto: MotoServer;
let proxy: S3Proxy;
let s3: S3Client;

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startS3Proxy(moto.endpoint);
  s3 = createCliS3Client(TEST_AWS_ENV, { endpoint: proxy.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
});
afterAll(async () => {
  s3.destroy();
  await proxy.close();
  await moto.stop();
});
beforeEach(async () => {
  await moto.reset();
  proxy.deny(undefined);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await Promise.all(KEYS.map((Key) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: `body of ${Key}\n` }))));
  // The zero-byte "folder" object the S3 console creates, and a hidden file: neither is an entry.
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'AWSLogs/', Body: Buffer.alloc(0) }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'firehose/2026/11/01/23/.DS_Store', Body: 'x' }));
  proxy.requests.length = 0;
});

/** The error a promise is rejected with (the test fails when it resolves). */
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as Error,
  );
const tree = (url: string) => new S3FlowLogTree(s3, parseS3Url(url, '--logs'), '--logs');
const names = async (t: S3FlowLogTree, segments: string[]) => (await t.list(segments)).map((e) => `${e.name}${e.kind === 'folder' ? '/' : ''}`);

describe('S3FlowLogTree', () => {
  test('lists folders and files one level at a time in every layout, with one ListObjectsV2 per folder', async () => {
    const root = tree(`s3://${BUCKET}`);
    expect(root.root).toBe(`s3://${BUCKET}/`);
    expect(await names(root, [])).toEqual(['AWSLogs/', 'firehose/']);
    expect(await names(root, ['firehose', '2026', '11', '01'])).toEqual(['22/', '23/']);
    expect(await root.list(['firehose', '2026', '11', '01', '23'])).toEqual([
      { name: 'vpc-flow-logs-1-2026-11-01-23-00-00-bbbb.gz', kind: 'file', size: KEYS[1]!.length + 9 },
    ]);
    expect(await names(root, ['AWSLogs'])).toEqual(['123456789012/', 'aws-account-id=123456789012/', 'o-a1b2c3d4e5/']);
    expect(await names(root, ['AWSLogs', '123456789012', 'vpcflowlogs'])).toEqual(['eu-west-1/', 'us-east-1/']);
    expect(await names(root, ['AWSLogs', '123456789012', 'vpcflowlogs', 'us-east-1', '2026', '11', '01'])).toEqual([FILE('23')]);
    expect(await names(root, ['AWSLogs', 'o-a1b2c3d4e5', '123456789012', 'vpcflowlogs', 'us-east-1', '2026', '11', '01'])).toEqual(['23/']);
    const hive = ['AWSLogs', 'aws-account-id=123456789012', 'aws-service=vpcflowlogs', 'aws-region=us-east-1', 'year=2026', 'month=11'];
    expect(await names(root, hive)).toEqual(['day=01/']);
    expect(await names(root, [...hive, 'day=01', 'hour=23'])).toEqual([FILE('23')]);
    expect(await root.list(['no', 'such', 'folder'])).toEqual([]);
    expect(proxy.listedPrefixes()).toEqual([
      '',
      'firehose/2026/11/01/',
      'firehose/2026/11/01/23/',
      'AWSLogs/',
      'AWSLogs/123456789012/vpcflowlogs/',
      'AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/01/',
      'AWSLogs/o-a1b2c3d4e5/123456789012/vpcflowlogs/us-east-1/2026/11/01/',
      `${hive.join('/')}/`,
      `${hive.join('/')}/day=01/hour=23/`,
      'no/such/folder/',
    ]);
    expect(proxy.fetchedKeys()).toEqual([]);
  });

  test('a tree rooted at a prefix lists relative to it, and remembers what each listed file is', async () => {
    const region = tree(`s3://${BUCKET}/AWSLogs/123456789012/vpcflowlogs/us-east-1`);
    expect(region.root).toBe(`s3://${BUCKET}/AWSLogs/123456789012/vpcflowlogs/us-east-1/`);
    expect(await names(region, ['2026', '11', '01'])).toEqual([FILE('23')]);
    const object = region.object(['2026', '11', '01', FILE('23')]);
    expect(object).toMatchObject({ bucket: BUCKET, key: KEYS[2], size: KEYS[2]!.length + 9 });
    expect(object.lastModified).toBeInstanceOf(Date);
    expect(() => region.object(['2026', '11', '02', FILE('23')])).toThrow(/was not listed/);
  });

  test('a folder of more entries than one ListObjectsV2 call returns is read page by page', async () => {
    const keys = Array.from({ length: 5 }, (_, i) => `many/2026/11/01/00/part-${i}.gz`);
    await Promise.all([...keys, 'many/2026/11/01/00/sub/x.gz'].map((Key) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'x' }))));
    proxy.requests.length = 0;
    const entries = await new S3FlowLogTree(s3, parseS3Url(`s3://${BUCKET}/many/`, '--logs'), '--logs', 2).list(['2026', '11', '01', '00']);
    expect(entries.map((e) => e.name)).toEqual(['part-0.gz', 'part-1.gz', 'part-2.gz', 'part-3.gz', 'part-4.gz', 'sub']);
    expect(proxy.listedPrefixes()).toEqual(Array(3).fill('many/2026/11/01/00/'));
  });
});

describe('s3:// URLs', () => {
  test.each([
    ['s3://my-bucket', { bucket: 'my-bucket', prefix: '' }],
    ['s3://my-bucket/', { bucket: 'my-bucket', prefix: '' }],
    ['s3://my.bucket-1/AWSLogs', { bucket: 'my.bucket-1', prefix: 'AWSLogs/' }],
    ['S3://my-bucket/a/b/', { bucket: 'my-bucket', prefix: 'a/b/' }],
  ])('%s', (text, location) => {
    expect(isS3Url(text)).toBe(true);
    expect(parseS3Url(text, '--logs')).toEqual(location);
  });

  test.each([
    ['s3://', /is not an S3 location; give s3:\/\/BUCKET\/PREFIX\//],
    ['s3:///logs/', /is not an S3 location/],
    ['s3://My_Bucket/logs/', /is not an S3 location/],
    ['s3://ab/', /is not an S3 location/],
    ['s3://my..bucket/', /is not an S3 location/],
    ['s3://192.168.5.4/', /is not an S3 location/],
    ['s3://my-bucket//logs/', /has an empty, '\.' or '\.\.' folder/],
    ['s3://my-bucket/a/../b/', /has an empty, '\.' or '\.\.' folder/],
  ])('%s is refused in one sentence', (text, message) => {
    expect(() => parseS3Url(text, '--logs')).toThrow(InputError);
    expect(() => parseS3Url(text, '--logs')).toThrow(message);
    expect(isS3Url('/data/flow-logs')).toBe(false);
  });
});

describe('one sentence for what the user must fix', () => {
  const sentence = /^--logs: [^\n]+\.$/;

  test('a bucket that does not exist', async () => {
    const error = await failure(tree('s3://no-such-bucket-123/AWSLogs/').list([]));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(sentence);
    expect(error.message).toBe("--logs: the bucket 'no-such-bucket-123' of s3://no-such-bucket-123/AWSLogs/ does not exist; check the bucket name.");
  });

  test('a prefix with nothing under it', async () => {
    await expect(tree(`s3://${BUCKET}/AWSLog/`).checkRoot()).rejects.toThrow(
      `--logs: nothing is stored under s3://${BUCKET}/AWSLog/; give the prefix that holds the flow-log folders, such as s3://BUCKET/AWSLogs/.`,
    );
    await expect(tree(`s3://${BUCKET}/AWSLogs/`).checkRoot()).resolves.toBeUndefined();
  });

  test('a denied prefix names the URL and the permission', async () => {
    proxy.deny(BUCKET, 'AWSLogs/');
    const error = await failure(tree(`s3://${BUCKET}/AWSLogs/123456789012/`).list(['vpcflowlogs']));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(sentence);
    expect(error.message).toContain(`AWS denied s3:ListBucket on s3://${BUCKET}/AWSLogs/123456789012/vpcflowlogs/ to the credentials in use`);
  });

  test('credentials AWS does not know (moto with IAM checks on)', async () => {
    await fetch(`${moto.endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0', headers: { 'content-type': 'text/plain' } });
    try {
      const error = await failure(tree(`s3://${BUCKET}/`).list([]));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toMatch(sentence);
      expect(error.message).toMatch(/^--logs: no valid AWS credentials to read s3:\/\/flow-logs-123456789012\/ \(.*\); set AWS_PROFILE/);
    } finally {
      await fetch(`${moto.endpoint}/moto-api/reset-auth`, { method: 'POST', body: 'inf', headers: { 'content-type': 'text/plain' } });
    }
  });
});

describe('the download cache', () => {
  const listAll = async (t: S3FlowLogTree, folder: string[]) => (await t.list(folder)).map((e) => t.object([...folder, e.name]));

  test('downloads each object once into CACHE/s3/BUCKET/FOLDERS/HASH_NAME and reuses it while it is unchanged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cache-'));
    const root = tree(`s3://${BUCKET}/firehose/`);
    const objects = [...(await listAll(root, ['2026', '11', '01', '22'])), ...(await listAll(root, ['2026', '11', '01', '23']))];
    const progress: number[] = [];
    const starts: [number, number][] = [];
    proxy.requests.length = 0;
    const first = await cacheObjects(s3, objects, {
      dir,
      concurrency: 2,
      onStart: (n, bytes) => starts.push([n, bytes]),
      onProgress: (p) => progress.push(p),
    });
    expect(first).toMatchObject({ downloaded: 2, reused: 0, downloadedBytes: objects[0]!.size + objects[1]!.size });
    expect(starts).toEqual([[2, objects[0]!.size + objects[1]!.size]]);
    expect(progress.at(-1)).toBe(100);
    expect(progress).toEqual([...new Set(progress)].sort((a, b) => a - b)); // rising whole percents, each once
    expect(progress.every((p) => Number.isInteger(p))).toBe(true);
    expect(first.files.map((f) => f.path)).toEqual([cachedPath(dir, objects[0]!), cachedPath(dir, objects[1]!)]);
    expect(relative(dir, first.files[0]!.path)).toMatch(/^s3\/flow-logs-123456789012\/firehose\/2026\/11\/01\/22\/[0-9a-f]{20}_vpc-flow-logs-1-2026-11-01-22-00-00-aaaa\.gz$/);
    expect(await readFile(first.files[1]!.path, 'utf8')).toBe(`body of ${KEYS[1]}\n`);
    expect((await stat(first.files[1]!.path)).mtime.getTime()).toBe(objects[1]!.lastModified.getTime());
    expect(proxy.fetchedKeys().sort()).toEqual([KEYS[0], KEYS[1]]);

    proxy.requests.length = 0;
    const second = await cacheObjects(s3, objects, { dir, onStart: () => starts.push([-1, -1]) });
    expect(second).toMatchObject({ downloaded: 0, reused: 2, downloadedBytes: 0 });
    expect(proxy.fetchedKeys()).toEqual([]);
    expect(starts).toHaveLength(1);

    // A changed object (new size and LastModified) is fetched again.
    await new Promise((r) => setTimeout(r, 1100));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEYS[1], Body: 'rewritten\n' }));
    const fresh = tree(`s3://${BUCKET}/firehose/`);
    expect(await listAll(root, ['2026', '11', '01', '23'])).toEqual([objects[1]]); // a tree lists each folder once
    const relisted = [...(await listAll(fresh, ['2026', '11', '01', '22'])), ...(await listAll(fresh, ['2026', '11', '01', '23']))];
    proxy.requests.length = 0;
    const third = await cacheObjects(s3, relisted, { dir });
    expect(third).toMatchObject({ downloaded: 1, reused: 1 });
    expect(proxy.fetchedKeys()).toEqual([KEYS[1]]);
    expect(await readFile(third.files[1]!.path, 'utf8')).toBe('rewritten\n');
  });

  test('a refused download is one sentence and leaves no partial or temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cache-'));
    const root = tree(`s3://${BUCKET}/`);
    const daily = ['AWSLogs', '123456789012', 'vpcflowlogs'];
    const objects = [...(await listAll(root, [...daily, 'us-east-1', '2026', '11', '01'])), ...(await listAll(root, [...daily, 'eu-west-1', '2026', '11', '01']))];
    proxy.deny(BUCKET, 'AWSLogs/123456789012/vpcflowlogs/eu-west-1/');
    const error = await failure(cacheObjects(s3, objects, { dir, concurrency: 1 }));
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe(
      `--logs: AWS denied s3:GetObject on s3://${BUCKET}/${KEYS[3]} to the credentials in use; use credentials that are allowed s3:GetObject there, or another prefix.`,
    );
    const left = await readdir(join(dir, 's3', BUCKET), { recursive: true });
    expect(left.filter((f) => f.endsWith('.gz') || f.endsWith('.part'))).toEqual([relative(join(dir, 's3', BUCKET), cachedPath(dir, objects[0]!))]);
    expect(objects[0]!.key).toBe(KEYS[2]);
    await expect(stat(cachedPath(dir, objects[1]!))).rejects.toThrow(/ENOENT/);
  });

  test('the cache lives under XDG_CACHE_HOME, or ~/.cache', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/me' })).toBe('/var/cache/me/vpc-port-audit');
    expect(defaultCacheDir({ HOME: '/home/me' })).toMatch(/\.cache\/vpc-port-audit$/);
  });

  test('a cache path holds no glob character and no folder outside the bucket, and two keys never share a file', () => {
    const keys = ['firehose/2026/11/01/12/*', 'firehose/2026/11/01/12/?', 'firehose/2026/11/01/12/[ab].gz', 'firehose/2026/11/01/12/_', 'we*rd/{a,b}/x.gz', 'a/../../etc/passwd', 'a//b/./c'];
    const paths = keys.map((key) => cachedPath('/c', { bucket: BUCKET, key }));
    expect(new Set(paths).size).toBe(keys.length);
    for (const path of paths) {
      expect(path.startsWith(`/c/s3/${BUCKET}/`)).toBe(true);
      expect(path).toMatch(/^[A-Za-z0-9._=/-]+$/);
      expect(path.split('/').slice(1).every((segment) => !['', '.', '..'].includes(segment))).toBe(true);
    }
    // The layouts' dated folders are kept, so the engine still reads the hour from the folder.
    expect(paths[0]).toMatch(/^\/c\/s3\/flow-logs-123456789012\/firehose\/2026\/11\/01\/12\/[0-9a-f]{20}__$/);
    expect(cachedPath('/c', { bucket: BUCKET, key: KEYS[5]! })).toContain('/year=2026/month=11/day=01/hour=23/');
    // A name too long for a file system keeps its last 100 characters (its extension) after the hash.
    expect(cachedPath('/c', { bucket: BUCKET, key: `x/${'n'.repeat(300)}.log.gz` }).split('/').pop()).toMatch(/^[0-9a-f]{20}_n{93}\.log\.gz$/);
  });
});
