// `s3://bucket/prefix/` locations as the user types them: recognised, checked against S3's bucket naming rules
// and split into a bucket and a folder-like key prefix. Kept apart from the S3 client so that parsing the
// command line does not load the AWS SDK.

import { InputError } from '../input-error.js';

/** A bucket and a key prefix that is empty or ends with '/'. */
export interface S3Location {
  readonly bucket: string;
  readonly prefix: string;
}

/** True when `text` names an S3 location rather than a folder on disk. */
export function isS3Url(text: string): boolean {
  return /^s3:\/\//i.test(text.trim());
}

// General purpose bucket naming rules (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html):
// 3 to 63 characters of lowercase letters, digits, '.' and '-', beginning and ending with a letter or digit,
// no two adjacent periods, not formatted as an IP address.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d+\.\d+\.\d+\.\d+$/;

/**
 * Parses `s3://bucket[/prefix[/]]`; the prefix is read as a folder (a '/' is added when missing). Throws an
 * InputError naming `input` when the URL is not of that form or the bucket name breaks S3's naming rules.
 */
export function parseS3Url(text: string, input: string): S3Location {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/i.exec(text.trim());
  const bucket = m?.[1] ?? '';
  if (!m || !BUCKET_NAME.test(bucket) || bucket.includes('..') || IP_ADDRESS.test(bucket)) {
    throw new InputError(
      `${input}: '${text}' is not an S3 location; give s3://BUCKET/PREFIX/ with a bucket name of 3 to 63 lowercase letters, digits, '.' or '-'.`,
    );
  }
  const path = m[2] ?? '';
  if (path.split('/').slice(0, -1).some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new InputError(`${input}: '${text}' has an empty, '.' or '..' folder in its prefix; give s3://BUCKET/PREFIX/ with plain folder names.`);
  }
  return { bucket, prefix: path === '' || path.endsWith('/') ? path : `${path}/` };
}

/** `s3://bucket/key`. */
export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
