// The local copy of S3 flow-log objects: each object is kept at `CACHE/s3/BUCKET/FOLDERS/HASH_NAME` (its key's
// folders kept, so the copy has the bucket's dated layout; the file named from a hash of the whole key) with the
// object's LastModified as the file's modification time. DuckDB expands `*`, `?` and `[` in the paths it is
// given as globs, so no key's own characters reach a file name unchecked: a key `.../12/*` must be one file,
// not every file of its hour folder again.
// A file whose size and modification time match the listing is used as it is; anything else is downloaded
// (a few at a time, streamed to a hidden temporary name, renamed only once complete), so an interrupted run
// never leaves a partial file that a later run would take as complete.

import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InputError } from '../input-error.js';
import { explainS3Error, type S3ObjectInfo } from './s3-tree.js';
import { s3Url } from './s3-url.js';

/** Downloads in flight at once. */
const DEFAULT_DOWNLOAD_CONCURRENCY = 8;

/** `$XDG_CACHE_HOME/vpc-port-audit`, or `~/.cache/vpc-port-audit` when XDG_CACHE_HOME is unset. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.trim() !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'vpc-port-audit');
}

/** Characters a cache path may hold as they are: no glob (`*?[]{}`), separator, space or control character. */
const UNSAFE_PATH_CHARACTERS = /[^A-Za-z0-9._=-]/g;
/** Longest folder or name part kept from a key (file systems cap a name at 255 bytes). */
const MAX_NAME_PART = 100;

/** A key's folder or name with every unsafe character as `_`, and at most MAX_NAME_PART characters from its end. */
function safeName(segment: string): string {
  const safe = segment.replace(UNSAFE_PATH_CHARACTERS, '_').slice(-MAX_NAME_PART);
  return /^\.*$/.test(safe) ? `_${safe}` : safe; // '', '.' and '..' are no folder names
}

/**
 * Where an object's copy is: `CACHE/s3/BUCKET/FOLDER/.../HASH_NAME`, each of the key's folders with its unsafe
 * characters as `_` (the layouts' dated folders, `2026` or `year=2026`, are kept as they are), and the file
 * named by the first 20 hex digits of the key's SHA-256, `_`, then its own name made safe likewise: two keys never
 * share a file, and no path holds a glob character.
 */
export function cachedPath(cacheDir: string, object: Pick<S3ObjectInfo, 'bucket' | 'key'>): string {
  const segments = object.key.split('/');
  const name = segments.pop()!;
  const hash = createHash('sha256').update(object.key).digest('hex').slice(0, 20);
  return join(cacheDir, 's3', object.bucket, ...segments.map(safeName), `${hash}_${safeName(name)}`);
}

interface CacheFile {
  readonly object: S3ObjectInfo;
  /** The complete local copy. */
  readonly path: string;
}

export interface CacheResult {
  /** One per object asked for, in the same order. */
  readonly files: readonly CacheFile[];
  /** Objects downloaded by this call, and their bytes. */
  readonly downloaded: number;
  readonly downloadedBytes: number;
  /** Objects whose cached copy was current. */
  readonly reused: number;
}

export interface CacheOptions {
  /** The cache folder (see defaultCacheDir); created when missing. */
  readonly dir: string;
  /** The flag or setting the cache folder came from, for messages (default `--cache-dir`). */
  readonly dirInput?: string;
  readonly concurrency?: number;
  /** The flag or setting the objects came from, for messages (default `--logs`). */
  readonly input?: string;
  /** Called before the first download with the objects and bytes to fetch, if any. */
  readonly onStart?: (objects: number, bytes: number) => void;
  /** Called as bytes arrive with the whole percent of the bytes to fetch that is done, 0 to 100, once per value. */
  readonly onProgress?: (percent: number) => void;
}

/** True when the file at `path` is a complete copy of `object` (same size, modification time = LastModified). */
async function isCurrent(path: string, object: S3ObjectInfo): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info !== undefined && info.isFile() && info.size === object.size && info.mtime.getTime() === object.lastModified.getTime();
}

/**
 * Makes sure every object has a current local copy, downloading the missing or changed ones. On an error no
 * new download is started, the ones in flight finish or are removed, and the first error is thrown (an
 * InputError for a cache folder that cannot be made, or a refused or missing object); every file left in the
 * cache is complete.
 */
export async function cacheObjects(client: S3Client, objects: readonly S3ObjectInfo[], options: CacheOptions): Promise<CacheResult> {
  const input = options.input ?? '--logs';
  await mkdir(options.dir, { recursive: true }).catch((error: unknown) => {
    throw new InputError(
      `${options.dirInput ?? '--cache-dir'}: '${options.dir}' cannot be made a folder (${(error as Error).message}); give a writable folder.`,
    );
  });
  const files = objects.map((object) => ({ object, path: cachedPath(options.dir, object) }));
  const stale: CacheFile[] = [];
  for (const file of files) if (!(await isCurrent(file.path, file.object))) stale.push(file);
  const totalBytes = stale.reduce((sum, f) => sum + f.object.size, 0);
  if (stale.length > 0) options.onStart?.(stale.length, totalBytes);

  let receivedBytes = 0;
  let shownPercent = -1;
  const received = (bytes: number) => {
    receivedBytes += bytes;
    // Called per chunk; reported once per whole percent.
    const percent = totalBytes === 0 ? 100 : Math.floor((100 * receivedBytes) / totalBytes);
    if (percent === shownPercent) return;
    shownPercent = percent;
    options.onProgress?.(percent);
  };
  let failure: { error: unknown } | undefined;
  let next = 0;
  const worker = async () => {
    while (failure === undefined && next < stale.length) {
      const file = stale[next++]!;
      try {
        await download(client, file, received, input);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? DEFAULT_DOWNLOAD_CONCURRENCY, stale.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure) throw failure.error;
  return { files, downloaded: stale.length, downloadedBytes: receivedBytes, reused: files.length - stale.length };
}

/** Streams one object to a hidden temporary file beside its cache path, then renames it into place. */
async function download(client: S3Client, file: CacheFile, received: (bytes: number) => void, input: string): Promise<void> {
  const { bucket, key } = file.object;
  const url = s3Url(bucket, key);
  await mkdir(dirname(file.path), { recursive: true });
  const temporary = join(dirname(file.path), `.${basename(file.path)}.${process.pid}-${randomBytes(4).toString('hex')}.part`);
  try {
    let response;
    try {
      response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') {
        throw new InputError(`${input}: ${url} was deleted while it was being read; run the audit again.`, { cause: error });
      }
      throw explainS3Error(error, url, 's3:GetObject', input);
    }
    let bytes = 0;
    const cutShort = (detail: string) =>
      new InputError(
        `${input}: the download of ${url} stopped after ${bytes}${response.ContentLength === undefined ? '' : ` of ${response.ContentLength}`} bytes (${detail}); ` +
          'check the network connection and run the audit again (the objects fetched whole stay in the cache).',
      );
    await pipeline(
      response.Body as Readable,
      async function* count(source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          bytes += chunk.length;
          received(chunk.length);
          yield chunk;
        }
      },
      createWriteStream(temporary, { flags: 'wx' }),
    ).catch((error: NodeJS.ErrnoException) => {
      // A file-system error names its path (the cache's to report as it is); any other is the connection's.
      throw error.path === undefined ? cutShort(error.message) : error;
    });
    if (response.ContentLength !== undefined && bytes !== response.ContentLength) throw cutShort('the body ended early');
    const lastModified = response.LastModified ?? file.object.lastModified;
    await utimes(temporary, lastModified, lastModified);
    await rename(temporary, file.path);
  } finally {
    await rm(temporary, { force: true });
  }
}
