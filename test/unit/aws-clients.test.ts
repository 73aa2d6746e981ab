// The client factory: the five services the action calls (athena, cloudformation, ec2, glue, s3), one region, the
// SDK's standard retry mode, no endpoint of its own unless given (so AWS_ENDPOINT_URL applies), path-style S3
// whenever an endpoint is overridden.

import { expect, test } from '@jest/globals';
import { createAwsClients, createCliS3Client, createRedriveClients, DEFAULT_MAX_ATTEMPTS } from '../../src/aws/clients.js';

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

test('every client gets the region, standard retries and the attempts', async () => {
  const clients = createAwsClients({ region: 'eu-central-2', credentials }, {});
  for (const client of Object.values(clients)) {
    expect(await client.config.region()).toBe('eu-central-2');
    expect(await client.config.maxAttempts()).toBe(DEFAULT_MAX_ATTEMPTS);
    expect(await client.config.retryStrategy()).toMatchObject({ mode: 'standard' });
  }
  expect(Object.keys(clients).sort()).toEqual(['athena', 'cloudformation', 'cloudwatch', 'ec2', 'glue', 's3', 'sts']);
});

test('the redrive clients are made on demand with the same settings', async () => {
  const clients = await createRedriveClients({ region: 'eu-central-2', credentials, endpoint: 'http://127.0.0.1:5000' });
  expect(Object.keys(clients).sort()).toEqual(['firehose', 'sqs']);
  for (const client of Object.values(clients)) {
    expect(await client.config.region()).toBe('eu-central-2');
    expect(await client.config.maxAttempts()).toBe(DEFAULT_MAX_ATTEMPTS);
    expect(await client.config.endpoint?.()).toMatchObject({ hostname: '127.0.0.1', port: 5000 });
  }
});

test('no endpoint is set unless one is given, so the SDK can apply AWS_ENDPOINT_URL itself', async () => {
  const plain = createAwsClients({ region: 'us-east-1', credentials }, {});
  expect(plain.athena.config.endpoint).toBeUndefined();
  expect(plain.s3.config.forcePathStyle).toBe(false);

  const explicit = createAwsClients({ region: 'us-east-1', credentials, endpoint: 'http://127.0.0.1:5000', maxAttempts: 2 }, {});
  expect(await explicit.athena.config.endpoint?.()).toMatchObject({ hostname: '127.0.0.1', port: 5000, protocol: 'http:' });
  expect(await explicit.athena.config.maxAttempts()).toBe(2);
  expect(explicit.s3.config.forcePathStyle).toBe(true);
});

test('an AWS_ENDPOINT_URL in the environment makes S3 address buckets by path', () => {
  const viaEnv = createAwsClients({ region: 'us-east-1', credentials }, { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' });
  expect(viaEnv.s3.config.forcePathStyle).toBe(true);
  expect(viaEnv.athena.config.endpoint).toBeUndefined();
});

test("the CLI's S3 client takes the region from the environment and follows S3's redirect to the bucket's region", async () => {
  const fromEnv = createCliS3Client({ AWS_REGION: 'ap-southeast-2' }, { credentials });
  expect(await fromEnv.config.region()).toBe('ap-southeast-2');
  expect(fromEnv.config.followRegionRedirects).toBe(true);
  expect(fromEnv.config.forcePathStyle).toBe(false);
  expect(await createCliS3Client({ AWS_DEFAULT_REGION: 'eu-west-3' }, { credentials }).config.region()).toBe('eu-west-3');
  expect(await createCliS3Client({}, { credentials }).config.region()).toBe('us-east-1');
  expect(createCliS3Client({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:5000' }, { credentials }).config.forcePathStyle).toBe(true);
  expect(createAwsClients({ region: 'us-east-1', credentials }, {}).s3.config.followRegionRedirects).toBe(false);
});
