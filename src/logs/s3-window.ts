// `--logs s3://bucket/prefix/`: the window's flow-log files found in the bucket by layout discovery (only the
// window's dated folders are listed) and fetched into the local cache, which keeps the bucket's dated folders under
// `CACHE/s3/BUCKET/` (see s3-cache.ts), so the local engine reads the copies as it reads a folder on disk.

import type { S3Client } from '@aws-sdk/client-s3';
import type { HourWindow } from '../flowlog/layout.js';
import { discoverWindowFiles, requireWindowFiles, type Discovery, type WindowFile } from './discover.js';
import { cacheObjects, type CacheOptions, type CacheResult } from './s3-cache.js';
import { S3FlowLogTree } from './s3-tree.js';
import type { S3Location } from './s3-url.js';

interface S3Window {
  /** The window's files, their `segments` relative to the S3 prefix. */
  readonly discovery: Discovery;
  /** The local copy of one of `discovery.files`. */
  readonly pathOf: (file: WindowFile) => string;
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
  const paths = new Map(discovery.files.map((file, i) => [file, cache.files[i]!.path]));
  return { discovery, pathOf: (file) => paths.get(file)!, cache };
}
