// The one place the action's AWS clients are created: region, the SDK's standard retry mode, and the endpoint.
// The SDK reads AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> itself, so no endpoint is set here unless the
// caller gives one explicitly (tests); credentials come from the SDK's default chain (OIDC env vars, profiles).
// Only the services the action calls are imported: each SDK client adds load time to the bundle's cold start.

import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';

interface AwsClientOptions {
  /** A validated region (see parseRegion in aws/names.ts). */
  readonly region: string;
  /** An explicit endpoint for every service (tests); leave unset so AWS_ENDPOINT_URL applies. */
  readonly endpoint?: string;
  /** Attempts per call, including the first, with the SDK's standard (throttling-aware) backoff. */
  readonly maxAttempts?: number;
  /** Static credentials (tests); unset means the SDK's default provider chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
}

export interface AwsClients {
  readonly athena: AthenaClient;
  readonly cloudformation: CloudFormationClient;
  /** Reads the pipeline's metrics (GetMetricData) for the health check. */
  readonly cloudwatch: CloudWatchClient;
  readonly ec2: EC2Client;
  /** Reads the definition of an existing flow-log table (GetTable). */
  readonly glue: GlueClient;
  readonly s3: S3Client;
  /** GetCallerIdentity: the account id that redaction labels (needs no permission). */
  readonly sts: STSClient;
}

/** The clients only `redrive` uses: PutRecordBatch into the delivery stream, the failure queue. */
export interface RedriveClients {
  readonly firehose: FirehoseClient;
  readonly sqs: SQSClient;
}

export const DEFAULT_MAX_ATTEMPTS = 5;

/** True when calls to S3 will go to a configured endpoint rather than AWS's own hosts. */
function s3EndpointOverridden(options: AwsClientOptions, env: NodeJS.ProcessEnv): boolean {
  return Boolean(options.endpoint || env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_S3);
}

function clientConfig(options: AwsClientOptions) {
  return {
    region: options.region,
    retryMode: 'standard',
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
}

function s3Client(options: AwsClientOptions, env: NodeJS.ProcessEnv, followRegionRedirects: boolean): S3Client {
  // AWS-compatible stores (moto, MinIO) address buckets by path, not by host name.
  return new S3Client({ ...clientConfig(options), forcePathStyle: s3EndpointOverridden(options, env), followRegionRedirects });
}

export function createAwsClients(options: AwsClientOptions, env: NodeJS.ProcessEnv = process.env): AwsClients {
  const config = clientConfig(options);
  return {
    athena: new AthenaClient(config),
    cloudformation: new CloudFormationClient(config),
    cloudwatch: new CloudWatchClient(config),
    ec2: new EC2Client(config),
    glue: new GlueClient(config),
    s3: s3Client(options, env, false),
    sts: new STSClient(config),
  };
}

/**
 * An EC2 client of its own (another region, or another account's credentials from sts:AssumeRole): the
 * inventory and flow-log look-ups of an organisation audit (aws/vpc-inventory-lookup.ts).
 */
export function createEc2Client(options: AwsClientOptions): EC2Client {
  return new EC2Client(clientConfig(options));
}

/**
 * The CLI's S3 client for reading a bucket the user names (`--logs s3://...`): region from AWS_REGION or
 * AWS_DEFAULT_REGION (us-east-1 when neither is set), and the SDK follows S3's redirect to the bucket's own
 * region, so the user need not know where the bucket lives.
 */
export function createCliS3Client(env: NodeJS.ProcessEnv = process.env, options: Partial<AwsClientOptions> = {}): S3Client {
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return s3Client({ ...options, region }, env, true);
}

/** The redrive clients, their SDK modules loaded only now: other runs do not pay their load time. */
export async function createRedriveClients(options: AwsClientOptions): Promise<RedriveClients> {
  const [{ FirehoseClient }, { SQSClient }] = await Promise.all([import('@aws-sdk/client-firehose'), import('@aws-sdk/client-sqs')]);
  const config = clientConfig(options);
  return { firehose: new FirehoseClient(config), sqs: new SQSClient(config) };
}
