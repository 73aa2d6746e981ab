// A flow-log bucket prefix (`s3://bucket/prefix/`) as a FlowLogTree: each folder is listed with ListObjectsV2
// and the delimiter '/', so discovery opens only the folders a window needs and never lists a whole bucket.
// Also the one-sentence messages for a bucket, prefix or object that cannot be read.
// ListObjectsV2 (Amazon S3 API Reference, docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html): keys
// that share the text between Prefix and the next Delimiter are rolled up into one CommonPrefixes entry (a
// folder); Contents are the objects directly under Prefix; at most 1,000 entries per call, then a continuation
// token, which the SDK's paginator follows.

import { paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { awsRefusal, isUnreachable } from '../aws/errors.js';
import { InputError } from '../input-error.js';
import { s3Url, type S3Location } from './s3-url.js';
import type { FlowLogTree, TreeEntry } from './tree.js';

/** An object found by listing, with what the download cache needs to tell a changed object from a cached one. */
export interface S3ObjectInfo {
  readonly bucket: string;
  readonly key: string;
  /** Bytes. */
  readonly size: number;
  readonly lastModified: Date;
}

/** A name S3 may list that cannot be a folder or file on disk (or is hidden, as on disk). */
const unusableName = (name: string) => name === '' || name === '.' || name === '..' || name.startsWith('.');

/**
 * The one-sentence InputError for an S3 call on `url` that failed because of what the user gave (a missing
 * bucket, a refused permission, no credentials) or could not reach S3 (no network, a wrong AWS_ENDPOINT_URL);
 * any other error (S3 itself) is returned unchanged. `permission` is the IAM action the call needs, such as
 * `s3:ListBucket`.
 */
export function explainS3Error(error: unknown, url: string, permission: string, input: string): unknown {
  const { name } = (error ?? {}) as { name?: string };
  if (isUnreachable(error)) {
    return new InputError(
      `${input}: S3 could not be reached for ${url} (${(error as Error).message}); check the network connection, and AWS_ENDPOINT_URL when it is set.`,
      { cause: error },
    );
  }
  const bucket = /^s3:\/\/([^/]+)/.exec(url)?.[1];
  if (name === 'NoSuchBucket') {
    return new InputError(`${input}: the bucket '${bucket}' of ${url} does not exist; check the bucket name.`, { cause: error });
  }
  if (name === 'InvalidBucketName') {
    return new InputError(`${input}: S3 rejects '${bucket}' as a bucket name (${url}); check the bucket name.`, { cause: error });
  }
  const refusal = awsRefusal(error);
  if (refusal === 'denied') {
    return new InputError(
      `${input}: AWS denied ${permission} on ${url} to the credentials in use; use credentials that are allowed ${permission} there, or another prefix.`,
      { cause: error },
    );
  }
  if (refusal === 'credentials') {
    return new InputError(
      `${input}: no valid AWS credentials to read ${url} (${(error as Error).message}); set AWS_PROFILE or AWS access keys, or log in with aws sso login.`,
      { cause: error },
    );
  }
  return error;
}

export class S3FlowLogTree implements FlowLogTree {
  readonly root: string;
  private readonly objects = new Map<string, S3ObjectInfo>();
  /** Each folder is listed once per tree (a tree is one run's view of the bucket): checkRoot and discovery share the root's listing. */
  private readonly listings = new Map<string, Promise<TreeEntry[]>>();

  /**
   * `input` names the flag or setting the location came from, for messages; `pageSize` is the number of
   * entries per ListObjectsV2 call (S3 returns at most 1,000).
   */
  constructor(
    private readonly client: S3Client,
    readonly location: S3Location,
    private readonly input = '--logs',
    private readonly pageSize = 1000,
  ) {
    this.root = s3Url(location.bucket, location.prefix);
  }

  /** The folders (CommonPrefixes) and files (Contents) directly under `prefix/segments.../`, sorted by name. */
  list(segments: readonly string[]): Promise<TreeEntry[]> {
    const prefix = this.key(segments, '/');
    let listing = this.listings.get(prefix);
    if (!listing) {
      listing = this.listFolder(prefix);
      this.listings.set(prefix, listing);
    }
    return listing;
  }

  private async listFolder(prefix: string): Promise<TreeEntry[]> {
    const entries: TreeEntry[] = [];
    try {
      const pages = paginateListObjectsV2({ client: this.client, pageSize: this.pageSize }, { Bucket: this.location.bucket, Prefix: prefix, Delimiter: '/' });
      for await (const page of pages) {
        for (const common of page.CommonPrefixes ?? []) {
          const name = common.Prefix!.slice(prefix.length, -1);
          if (!unusableName(name)) entries.push({ name, kind: 'folder' });
        }
        for (const object of page.Contents ?? []) {
          const name = object.Key!.slice(prefix.length);
          // `prefix/` itself is the zero-byte "folder" object that the S3 console creates.
          if (unusableName(name)) continue;
          const info = { bucket: this.location.bucket, key: object.Key!, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
          this.objects.set(info.key, info);
          entries.push({ name, kind: 'file', size: info.size });
        }
      }
    } catch (error) {
      throw explainS3Error(error, s3Url(this.location.bucket, prefix), 's3:ListBucket', this.input);
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Fails with an InputError unless something is stored under the tree's prefix (S3 has no folders of its
   * own: a prefix with no objects is a prefix that does not exist).
   */
  async checkRoot(): Promise<void> {
    if ((await this.list([])).length > 0) return;
    throw new InputError(
      `${this.input}: nothing is stored under ${this.root}; give the prefix that holds the flow-log folders, such as s3://BUCKET/AWSLogs/.`,
    );
  }

  /** The object at `segments` (a file this tree has listed); throws when it was not listed. */
  object(segments: readonly string[]): S3ObjectInfo {
    const info = this.objects.get(this.key(segments, ''));
    if (!info) throw new Error(`${s3Url(this.location.bucket, this.key(segments, ''))} was not listed by this tree`);
    return info;
  }

  private key(segments: readonly string[], trailing: '/' | ''): string {
    return segments.length === 0 ? this.location.prefix : `${this.location.prefix}${segments.join('/')}${trailing}`;
  }
}
