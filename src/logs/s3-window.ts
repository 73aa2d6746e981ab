// `--logs s3://bucket/prefix/`: the window's flow-log files found in the bucket by layout discovery (only the
// window's dated folders are listed) and fetched into the local cache, which keeps the bucket's layout under
// `CACHE/s3/BUCKET/`, so the local engine reads the copies exactly as it reads a folder on disk.

import type { S3Client } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import type { HourWindow } from '../flowlog/layout.js';
import { discoverWindowFiles, requireWindowFiles, type Discovery } from './discover.js';
import { cacheObjects, type CacheOptions, type CacheResult } from './s3-cache.js';
import { S3FlowLogTree } from './s3-tree.js';
import type { S3Location } from './s3-url.js';

interface S3Window {
  /** The window's files, their `segments` relative to the S3 prefix and to `localRoot` alike. */
  readonly discovery: Discovery;
  /** The cached copy of the prefix: `CACHE/s3/BUCKET/PREFIX`. */
  readonly localRoot: string;
  readonly cache: CacheResult;
}

/**
 * Finds the window's files under `location` and makes sure each has a current copy in `options.dir`.
 * InputErrors (one sentence naming the URL): a bucket that does not exist, a prefix with nothing under it,
 * refused access or missing credentials, no flow-log files of a known layout for the window.
 */
export async function fetchS3Window(client: S3Client, location: S3Location, window: HourWindow, options: CacheOptions): Promise<S3Window> {
  const input = options.input ?? '--logs';
  const tree = new S3FlowLogTree(client, location, input);
  await tree.checkRoot();
  const discovery = await discoverWindowFiles(tree, window);
  requireWindowFiles(discovery, tree, window, input);
  const cache = await cacheObjects(client, discovery.files.map((file) => tree.object(file.segments)), options);
  const prefixFolders = location.prefix.split('/').filter((s) => s !== '');
  return { discovery, localRoot: join(options.dir, 's3', location.bucket, ...prefixFolders), cache };
}
