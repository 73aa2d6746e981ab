// The port memory as one versioned JSON object in the stack's S3 bucket, at a fixed key per VPC or stack.
// The S3 client is passed in (created in one place, pointed at moto in tests).

import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { serializeMemory, type PortMemory } from '../audit/known-ports.js';
import { explainAwsError } from '../aws/errors.js';
import { interpretStoredMemory, type MemoryLoad, type MemoryStore } from './memory-store.js';

/** The object key for a stack or VPC key: `vpc-port-audit/state/<key>/known-ports.json`. */
export function memoryObjectKey(stackOrVpcKey: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(stackOrVpcKey)) {
    throw new Error(`memory key '${stackOrVpcKey}' may only contain letters, digits, '.', '_' and '-'`);
  }
  return `vpc-port-audit/state/${stackOrVpcKey}/known-ports.json`;
}

export class S3MemoryStore implements MemoryStore {
  readonly location: string;
  private readonly objectKey: string;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly stackOrVpcKey: string,
  ) {
    this.objectKey = memoryObjectKey(stackOrVpcKey);
    this.location = `s3://${bucket}/${this.objectKey}`;
  }

  async load(): Promise<MemoryLoad> {
    let text: string;
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey }));
      text = (await response.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return { status: 'missing' };
      throw explainAwsError(error, `reading the port memory ${this.location}`);
    }
    return interpretStoredMemory(text, this.stackOrVpcKey, this.location);
  }

  async save(memory: PortMemory): Promise<void> {
    const put = new PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey, Body: serializeMemory(memory), ContentType: 'application/json' });
    try {
      await this.client.send(put);
    } catch (error) {
      throw explainAwsError(error, `writing the port memory ${this.location}`);
    }
  }
}
