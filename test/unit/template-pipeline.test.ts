// Properties of the pipeline stack, read from the built template (dist/pipeline.yaml) and its source, with the
// parts of it the OIDC bootstrap creates (cfn/github-oidc-role.yaml, issue 20: the pipeline's roles, bucket and
// bucket policy): least-privilege IAM, a private TLS-only retained bucket, the schema columns and LogFormat from
// src/flowlog/, partition projection consistent with the Firehose layout, the Lambda runtime, and the stack's
// interface; the s3-parquet pipeline (issue 14): its resources under one condition, S3 delivery as Parquet in the
// Hive hourly layout with AWS's documented bucket policy, and its table's projection consistent with that layout.

import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { logFormatString, V5_FORMAT, V8_FORMAT } from '../../src/flowlog/format.js';
import { FLOW_LOG_FIELDS } from '../../src/flowlog/fields.js';
import { hourPath } from '../../src/flowlog/layout.js';
import { datedSegments, FIREHOSE_LAYOUT, s3DeliveryRegionSegments, S3_HIVE_HOURLY_LAYOUT, S3_HIVE_HOURLY_PROJECTION } from '../../src/logs/layouts.js';
import { PARQUET_TABLE_NAME } from '../../src/audit/parquet-stack-table.js';
import { PIPELINES } from '../../src/pipeline/pipelines.js';
import { STREAM_ENV } from '../../lambda/forwarder.js';
import { parseCfnTemplate } from '../../scripts/cfn-yaml.js';
import { buildBootstrap } from '../../scripts/build-template.js';
import { LOG_RETENTION_DAYS } from '../../src/settings.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const built: Json = parseCfnTemplate(readFileSync('dist/pipeline.yaml', 'utf8'));
const source: Json = parseCfnTemplate(readFileSync('cfn/pipeline.yaml', 'utf8'));
const resources = built.Resources as Json;
const props = (name: string): Json => resources[name].Properties;
const bootstrap: Json = parseCfnTemplate(readFileSync('cfn/github-oidc-role.yaml', 'utf8'));
/** The built bootstrap (issue 20: it owns the forwarder, with the bundled code inlined). */
const builtBootstrap: Json = parseCfnTemplate(await buildBootstrap(process.cwd()));
/** Properties of a resource the bootstrap creates for the pipeline. */
const bootstrapProps = (name: string): Json => bootstrap.Resources[name].Properties;
/** The pipeline's roles and bucket policy, as the bootstrap holds them. */
const PIPELINE_ACCESS = ['FlowLogDeliveryRole', 'DeliveryRole', 'ForwarderRole', 'BucketPolicy'];
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every IAM statement of these resources of the template, with the resource it belongs to. */
function statements(template: Json, names: readonly string[]): { owner: string; statement: Json }[] {
  const found: { owner: string; statement: Json }[] = [];
  for (const [name, resource] of Object.entries(template.Resources as Json).filter(([n]) => names.includes(n))) {
    const documents: Json[] = [];
    if (resource.Type === 'AWS::IAM::Role') {
      documents.push(resource.Properties.AssumeRolePolicyDocument);
      for (const policy of resource.Properties.Policies ?? []) documents.push(policy.PolicyDocument);
    }
    if (resource.Type === 'AWS::S3::BucketPolicy') documents.push(resource.Properties.PolicyDocument);
    for (const document of documents) {
      for (const statement of document.Statement) {
        // A statement under Fn::If (one pipeline's) is checked in each branch that holds one.
        const branches = statement['Fn::If'] ? (statement['Fn::If'] as unknown[]).slice(1) : [statement];
        for (const branch of branches as Json[]) if (branch.Effect) found.push({ owner: name, statement: branch });
      }
    }
  }
  return found;
}

/** The text of a resource entry: a plain string, or the template string of an Fn::Sub (in either form). */
const resourceText = (resource: unknown): string => {
  if (typeof resource === 'string') return resource;
  const sub = (resource as Json)['Fn::Sub'];
  return typeof sub === 'string' ? sub : Array.isArray(sub) ? String(sub[0]) : JSON.stringify(resource);
};
/** `Fn::ImportValue` of what the bootstrap exports for this stack, as the pipeline template writes it. */
const imported = (name: string) => ({ 'Fn::ImportValue': { 'Fn::Sub': `\${AWS::StackName}-${name}` } });

/** Formats a date with the Java date pattern letters Athena projection uses (yyyy MM dd HH). */
function formatJavaPattern(pattern: string, date: Date): string {
  const fields: Record<string, string> = {
    yyyy: String(date.getUTCFullYear()),
    MM: String(date.getUTCMonth() + 1).padStart(2, '0'),
    dd: String(date.getUTCDate()).padStart(2, '0'),
    HH: String(date.getUTCHours()).padStart(2, '0'),
  };
  return pattern.replace(/yyyy|MM|dd|HH/g, (token) => fields[token]!);
}

describe('IAM (the pipeline\'s roles and bucket policy, which the bootstrap creates)', () => {
  const all = statements(bootstrap, PIPELINE_ACCESS);

  test('the pipeline template has none; the bootstrap has the expected policy statements to check', () => {
    expect(statements(built, Object.keys(resources))).toEqual([]);
    expect(new Set(all.map((s) => s.owner))).toEqual(new Set(PIPELINE_ACCESS));
  });

  test('no Allow statement names a wildcard action', () => {
    for (const { statement } of all.filter((s) => s.statement.Effect === 'Allow')) {
      for (const action of list(statement.Action)) expect(action).not.toMatch(/\*/);
    }
  });

  test('no Allow statement grants on resource "*"; wildcards only in object keys, the stack\'s own names and DescribeLogGroups', () => {
    for (const { statement } of all.filter((s) => s.statement.Effect === 'Allow' && s.statement.Resource)) {
      for (const resource of list(statement.Resource)) {
        const text = resourceText(resource);
        expect(text).not.toBe('*');
        if (text.includes('*')) {
          // A prefix of the bucket, or (s3-parquet) this account's folder of S3 delivery under flow-logs/.
          const objectKeys = /^\$\{Bucket\.Arn\}\/([a-z-]+|flow-logs\/AWSLogs\/aws-account-id=\$\{AWS::AccountId\})\/\*$/.test(text);
          const logGroups = text.endsWith(':log-group:*') && list(statement.Action).join() === 'logs:DescribeLogGroups';
          // CloudFormation's generated names of the pipeline stack's own resources (`<stack>-<LogicalId>-<suffix>`).
          const stackScoped = /[:/]\$\{PipelineStackName\}-[A-Za-z]+-\*$/.test(text);
          expect({ text, allowed: objectKeys || logGroups || stackScoped }).toEqual({ text, allowed: true });
        }
      }
    }
  });

  test('each role trusts exactly its one service', () => {
    const trusted = (role: string) => bootstrapProps(role).AssumeRolePolicyDocument.Statement.map((s: Json) => s.Principal.Service);
    expect(trusted('FlowLogDeliveryRole')).toEqual(['vpc-flow-logs.amazonaws.com']);
    expect(trusted('DeliveryRole')).toEqual(['firehose.amazonaws.com']);
    expect(trusted('ForwarderRole')).toEqual(['lambda.amazonaws.com']);
  });

  test('the Lambda may only put record batches to its own stream', () => {
    const statement = bootstrapProps('ForwarderRole').Policies[0].PolicyDocument.Statement.find((s: Json) =>
      list(s.Action).some((a: string) => a.startsWith('firehose:')),
    );
    expect(statement.Action).toBe('firehose:PutRecordBatch');
    expect(statement.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:firehose:${AWS::Region}:${AWS::AccountId}:deliverystream/${PipelineStackName}-DeliveryStream-*' });
  });

  test('the stack passes the bootstrap\'s roles, which it imports', () => {
    expect(props('FlowLog').DeliverLogsPermissionArn).toEqual(imported('FlowLogDeliveryRoleArn'));
    // The forwarder and the delivery stream are the bootstrap's (issue 20), and run as its roles.
    expect(bootstrapProps('DeliveryStream').ExtendedS3DestinationConfiguration.RoleARN).toEqual({ 'Fn::GetAtt': ['DeliveryRole', 'Arn'] });
    expect(bootstrapProps('Forwarder').Role).toEqual({ 'Fn::GetAtt': ['ForwarderRole', 'Arn'] });
  });
});

describe('bucket (the bootstrap\'s, which the stack imports)', () => {
  test('public access fully blocked, encrypted, owner-enforced', () => {
    expect(bootstrapProps('Bucket').PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const encryption = bootstrapProps('Bucket').BucketEncryption.ServerSideEncryptionConfiguration;
    expect(encryption[0].ServerSideEncryptionByDefault.SSEAlgorithm).toMatch(/^(AES256|aws:kms)$/);
    expect(bootstrapProps('Bucket').OwnershipControls.Rules[0].ObjectOwnership).toBe('BucketOwnerEnforced');
  });

  test('kept when the stack is deleted or the bucket replaced', () => {
    expect(bootstrap.Resources.Bucket.DeletionPolicy).toBe('Retain');
    expect(bootstrap.Resources.Bucket.UpdateReplacePolicy).toBe('Retain');
  });

  test('the bucket policy denies every request without TLS, on the bucket and its objects', () => {
    const policy = bootstrapProps('BucketPolicy');
    expect(policy.Bucket).toEqual({ Ref: 'Bucket' });
    const deny = policy.PolicyDocument.Statement.find((s: Json) => s.Effect === 'Deny');
    expect(deny.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
    expect(deny.Principal).toBe('*');
    expect(deny.Action).toBe('s3:*');
    expect(list(deny.Resource).map(resourceText)).toEqual([
      JSON.stringify({ 'Fn::GetAtt': ['Bucket', 'Arn'] }),
      '${Bucket.Arn}/*',
    ]);
  });

  test('flow logs, delivery errors and query results expire', () => {
    const rules = bootstrapProps('Bucket').LifecycleConfiguration.Rules as Json[];
    const expiring = Object.fromEntries(rules.filter((r) => r.ExpirationInDays).map((r) => [r.Prefix, r.ExpirationInDays]));
    const firehose = bootstrapProps('DeliveryStream').ExtendedS3DestinationConfiguration;
    expect(expiring).toEqual({
      [firehose.Prefix]: { Ref: 'S3ExpirationDays' },
      [firehose.ErrorOutputPrefix]: { Ref: 'S3ExpirationDays' },
      'athena-results': { Ref: 'QueryResultExpirationDays' },
    });
    // The one query-result rule covers both workgroups' prefixes.
    for (const workgroup of ['WorkGroup', 'PullRequestWorkGroup']) {
      const results = resourceText(props(workgroup).WorkGroupConfiguration.ResultConfiguration.OutputLocation);
      expect(/^s3:\/\/\$\{Bucket\}\/(.+)$/.exec(results)![1]!.startsWith('athena-results')).toBe(true);
    }
  });

  test('versioned (the port memory can be restored), and old versions and bare delete markers expire', () => {
    expect(bootstrapProps('Bucket').VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const rules = bootstrapProps('Bucket').LifecycleConfiguration.Rules as Json[];
    const old = rules.filter((r) => r.NoncurrentVersionExpiration && !r.ExpirationInDays);
    expect(old).toHaveLength(1);
    // No prefix: the memory's versions and those that expiring flow logs leave behind.
    expect(old[0]).toMatchObject({ Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: { Ref: 'NoncurrentVersionDays' } }, ExpiredObjectDeleteMarker: true });
    expect(old[0].Prefix).toBeUndefined();
    // Expired flow logs, errors and results are not kept as old versions beyond a day (S3 honours the shorter).
    for (const rule of rules.filter((r) => r.ExpirationInDays)) expect(rule.NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 1 });
  });
});

describe('failed batches and alarms (issue 13; the forwarder and its queue are the bootstrap\'s, issue 20)', () => {
  test('the forwarder sends a failed event, after explicit retries and age, to an encrypted queue kept 14 days', () => {
    expect(bootstrapProps('ForwarderInvokeConfig')).toEqual({
      FunctionName: { Ref: 'Forwarder' },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['FailureQueue', 'Arn'] } } },
    });
    const queue = bootstrapProps('FailureQueue');
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(queue.MessageRetentionPeriod).toBeGreaterThanOrEqual(4 * 24 * 3600);
    expect(queue.MaximumMessageSize).toBe(1024 * 1024);
    expect(bootstrap.Resources.FailureQueue.Type).toBe('AWS::SQS::Queue');
    expect(resources.FailureQueue).toBeUndefined();
  });

  test('the forwarder role may send to that queue only (Lambda sends the record with it)', () => {
    const statements = bootstrapProps('ForwarderRole').Policies.flatMap((p: Json) => p.PolicyDocument.Statement) as Json[];
    expect(statements.filter((s) => list(s.Action).some((a) => a.startsWith('sqs:')))).toEqual([
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${PipelineStackName}-FailureQueue-*' } },
    ]);
  });

  test('alarms on a waiting failed batch and on forwarder errors notify the optional SNS topic', () => {
    const alarm = (name: string) => props(name);
    expect(alarm('FailureQueueAlarm')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: imported('FailureQueueName') }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(alarm('ForwarderErrorsAlarm')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: imported('ForwarderFunctionName') }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    for (const name of ['FailureQueueAlarm', 'ForwarderErrorsAlarm']) {
      expect(alarm(name).AlarmActions).toEqual({ 'Fn::If': ['HasAlarmTopic', [{ Ref: 'AlarmTopicArn' }], { Ref: 'AWS::NoValue' }] });
    }
    const topic = new RegExp(built.Parameters.AlarmTopicArn.AllowedPattern);
    expect(topic.test('arn:aws:sns:us-east-1:123456789012:pager')).toBe(true);
    expect(topic.test('')).toBe(true);
    expect(topic.test('arn:aws:sqs:us-east-1:123456789012:pager')).toBe(false);
  });
});

describe('schema from src/flowlog', () => {
  const table = props('GlueTable').TableInput;

  test('every v5 column is in the table with its type, in order, and dt is the only partition key', () => {
    expect(table.StorageDescriptor.Columns).toEqual(V5_FORMAT.fields.map((f) => ({ Name: f.column, Type: f.type })));
    expect(table.StorageDescriptor.Columns.find((c: Json) => c.Name === 'bytes').Type).toBe('bigint');
    expect(table.PartitionKeys).toEqual([{ Name: FIREHOSE_LAYOUT.partitionColumn, Type: 'string' }]);
  });

  test('the flow log writes the v5 format', () => {
    expect(props('FlowLog').LogFormat).toBe(logFormatString(V5_FORMAT));
    expect(props('FlowLog').LogFormat.split(' ')).toHaveLength(29);
  });

  test('the source template holds no hand-written copy of either', () => {
    const sourceTable = source.Resources.GlueTable.Properties.TableInput;
    expect(sourceTable.StorageDescriptor.Columns).toEqual([]);
    expect(source.Resources.FlowLog.Properties.LogFormat).toMatch(/^BUILD:/);
    expect(bootstrap.Resources.Forwarder.Properties.Code.ZipFile).toMatch(/^BUILD:/);
  });

  test('space-delimited gzip text, "-" read as NULL', () => {
    const storage = table.StorageDescriptor;
    expect(storage.InputFormat).toBe('org.apache.hadoop.mapred.TextInputFormat');
    expect(storage.SerdeInfo.SerializationLibrary).toBe('org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe');
    expect(storage.SerdeInfo.Parameters).toEqual({ 'field.delim': ' ', 'serialization.null.format': '-' });
    expect(bootstrapProps('DeliveryStream').ExtendedS3DestinationConfiguration.CompressionFormat).toBe('GZIP');
  });
});

describe('partition projection matches the Firehose layout (src/logs/layouts.ts is the source of truth)', () => {
  const parameters = props('GlueTable').TableInput.Parameters as Json;
  const firehose = bootstrapProps('DeliveryStream').ExtendedS3DestinationConfiguration;

  test('projection of dt by the hour: the Firehose layout\'s Glue parameters', () => {
    expect(parameters).toMatchObject(FIREHOSE_LAYOUT.glueParameters);
    expect(parameters[`projection.${FIREHOSE_LAYOUT.partitionColumn}.format`]).toBe(FIREHOSE_LAYOUT.partitionFormat);
    expect(parameters['projection.dt.range']).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\d{2},NOW$/);
  });

  test('the location template is the Firehose prefix followed by dt, in the same bucket', () => {
    // No expression in the prefix, so Firehose appends its default UTC hour path YYYY/MM/DD/HH/.
    expect(firehose.Prefix).toMatch(/^[a-z-]+\/$/);
    // The bootstrap's stream writes the bucket the stack's table reads (the bootstrap's, which the stack imports).
    expect(firehose.BucketARN).toEqual({ 'Fn::GetAtt': ['Bucket', 'Arn'] });
    expect(JSON.stringify(props('GlueTable').TableInput.StorageDescriptor.Location)).toContain(JSON.stringify({ Bucket: imported('BucketName') }));
    const location = `s3://\${Bucket}/${firehose.Prefix}`;
    // In the template, !Sub writes the literal ${dt} as ${!dt}.
    expect(resourceText(parameters['storage.location.template']).replace('${!', '${')).toBe(FIREHOSE_LAYOUT.locationTemplate(location));
    expect(resourceText(props('GlueTable').TableInput.StorageDescriptor.Location)).toBe(location);
  });

  test('for any hour, the dt value projected is the folder Firehose writes', () => {
    for (const iso of ['2026-01-01T00:00:00Z', '2026-11-02T09:30:00Z', '2027-12-31T23:59:59Z']) {
      const date = new Date(iso);
      const firehoseKey = `${firehose.Prefix}${hourPath(date)}/stream-1-2026-11-02-09-30-00-abc.gz`;
      const projected = `${firehose.Prefix}${formatJavaPattern(parameters['projection.dt.format'], date)}/`;
      expect(firehoseKey.startsWith(projected)).toBe(true);
    }
  });
});

describe('Lambda and wiring', () => {
  test('runtime nodejs22.x or newer, CommonJS inline code with index.handler (in the built bootstrap)', () => {
    const fn = builtBootstrap.Resources.Forwarder.Properties;
    expect(Number(/^nodejs(\d+)\.x$/.exec(fn.Runtime)![1])).toBeGreaterThanOrEqual(22);
    expect(fn.Handler).toBe('index.handler');
    expect(fn.Code.ZipFile).toMatch(/^"use strict";/);
    expect(fn.Code.ZipFile).toMatch(/require\("@aws-sdk\/client-firehose"\)/);
    expect(fn.Code.ZipFile).not.toMatch(/^import |\bexport /m);
    // The bootstrap's own stream, by its fixed name.
    expect(fn.Environment.Variables).toEqual({ [STREAM_ENV]: { 'Fn::Sub': '${PipelineStackName}-DeliveryStream-fixed' } });
    expect(bootstrapProps('DeliveryStream').DeliveryStreamName).toEqual({ 'Fn::Sub': '${PipelineStackName}-DeliveryStream-fixed' });
    expect(Object.values(resources).filter((r: Json) => /^AWS::(Lambda|KinesisFirehose)::/.test(r.Type))).toEqual([]);
  });

  test("the flow log group is subscribed to the bootstrap's Lambda, which CloudWatch Logs may invoke for that group only", () => {
    expect(props('FlowLog').LogGroupName).toEqual({ Ref: 'FlowLogGroup' });
    expect(props('FlowLogSubscription')).toMatchObject({
      LogGroupName: { Ref: 'FlowLogGroup' },
      DestinationArn: imported('ForwarderArn'),
    });
    expect(props('FlowLogGroup').LogGroupName).toEqual({ 'Fn::Sub': '${AWS::StackName}-FlowLogGroup-fixed' });
    expect(bootstrapProps('LogsInvokePermission')).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': ['Forwarder', 'Arn'] },
      Principal: 'logs.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: { 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${PipelineStackName}-FlowLogGroup-fixed:*' },
    });
  });

  test('both workgroups enforce an encrypted result location of their own and a scan cap of at least 10 MB', () => {
    for (const [workgroup, prefix] of [['WorkGroup', 'athena-results/'], ['PullRequestWorkGroup', 'athena-results-pr/']]) {
      const config = props(workgroup!).WorkGroupConfiguration;
      expect(config.EnforceWorkGroupConfiguration).toBe(true);
      expect(config.ResultConfiguration.EncryptionConfiguration.EncryptionOption).toBe('SSE_S3');
      expect(config.ResultConfiguration.OutputLocation).toEqual({ 'Fn::Sub': [`s3://\${Bucket}/${prefix}`, { Bucket: imported('BucketName') }] });
      expect(config.BytesScannedCutoffPerQuery).toEqual({ 'Fn::Sub': '${MaxScanMegabytes}000000' });
    }
    expect(built.Parameters.MaxScanMegabytes.MinValue).toBe(10);
  });
});

describe('stack interface', () => {
  test('the outputs the action reads', () => {
    expect(Object.keys(built.Outputs).sort()).toEqual(
      [
        'Pipeline', 'DatabaseName', 'DeliveryStreamName', 'LogGroupName', 'TableName', 'WorkGroupName', 'PullRequestWorkGroupName',
        // Pipeline health and redrive (issue 13): these names are read by other modules; keep them.
        'FlowLogId', 'ForwarderFunctionName', 'FailureQueueName', 'FailureQueueUrl',
      ].sort(),
    );
    // s3-parquet: the bootstrap's flow log (issue 20: only the administrator's template creates a delivery to S3).
    expect(built.Outputs.FlowLogId.Value).toEqual({ 'Fn::If': ['S3Parquet', imported('ParquetFlowLogId'), { Ref: 'FlowLog' }] });
    expect(built.Outputs.FlowLogId.Export).toBeUndefined();
    // The forwarder and its queue are the bootstrap's: the same outputs, imported.
    expect(built.Outputs.ForwarderFunctionName.Value).toEqual(imported('ForwarderFunctionName'));
    expect(built.Outputs.FailureQueueName.Value).toEqual(imported('FailureQueueName'));
    expect(built.Outputs.FailureQueueUrl.Value).toEqual(imported('FailureQueueUrl'));
    // So is the delivery stream.
    expect(built.Outputs.DeliveryStreamName.Value).toEqual(imported('DeliveryStreamName'));
  });

  test('parameters and defaults', () => {
    const defaults = Object.fromEntries(Object.entries(built.Parameters as Json).map(([k, v]) => [k, v.Default]));
    expect(defaults).toEqual({
      Pipeline: 'cloudwatch-firehose',
      VpcId: undefined,
      TrafficType: 'ALL',
      AggregationInterval: 600,
      LogRetentionDays: 3,
      MaxScanMegabytes: 10000,
      AlarmTopicArn: '',
    });
    expect(built.Parameters.AggregationInterval.AllowedValues).toEqual([60, 600]);
    // The action's log-retention-days input accepts exactly what the stack parameter accepts.
    expect(built.Parameters.LogRetentionDays.AllowedValues).toEqual(LOG_RETENTION_DAYS);
    expect(bootstrap.Parameters.ForwarderLogRetentionDays.AllowedValues).toEqual(LOG_RETENTION_DAYS);
    expect(built.Parameters.TrafficType.AllowedValues).toEqual(['ALL', 'ACCEPT', 'REJECT']);
    // The action's pipeline input accepts exactly what the stack parameter accepts.
    expect(built.Parameters.Pipeline.AllowedValues).toEqual([...PIPELINES]);
  });
});

describe('the s3-parquet pipeline (issue 14)', () => {
  const conditionOf = (name: string) => resources[name].Condition as string | undefined;

  test('every resource belongs to one pipeline, but for the database and the workgroups', () => {
    const shared = Object.keys(resources).filter((name) => !conditionOf(name));
    expect(shared.sort()).toEqual(['GlueDatabase', 'PullRequestWorkGroup', 'WorkGroup']);
    expect(Object.keys(resources).filter((name) => conditionOf(name) === 'S3Parquet').sort()).toEqual(['ParquetTable']);
    for (const name of Object.keys(resources)) expect([undefined, 'S3Parquet', 'CloudWatchFirehose']).toContain(conditionOf(name));
    expect(built.Conditions.S3Parquet).toEqual({ 'Fn::Equals': [{ Ref: 'Pipeline' }, 's3-parquet'] });
    expect(built.Conditions.CloudWatchFirehose).toEqual({ 'Fn::Equals': [{ Ref: 'Pipeline' }, 'cloudwatch-firehose'] });
  });

  test("the flow log is the bootstrap's (issue 20), delivered to the bucket under flow-logs/ as Parquet, Hive-compatible, hourly, every field v2 to v8", () => {
    expect(bootstrap.Resources.ParquetFlowLog.Condition).toBe('S3Parquet');
    expect(bootstrap.Conditions.S3Parquet).toEqual({ 'Fn::Equals': [{ Ref: 'Pipeline' }, 's3-parquet'] });
    // The bootstrap's Pipeline parameter takes exactly the action's pipeline input.
    expect(bootstrap.Parameters.Pipeline.AllowedValues).toEqual([...PIPELINES]);
    const flowLog = bootstrapProps('ParquetFlowLog');
    expect(flowLog).toMatchObject({
      ResourceType: 'VPC',
      ResourceId: { Ref: 'VpcId' },
      TrafficType: 'ALL',
      MaxAggregationInterval: { Ref: 'ParquetAggregationInterval' },
      LogDestinationType: 's3',
      LogDestination: { 'Fn::Sub': ['arn:${AWS::Partition}:s3:::${Bucket}/flow-logs/', { Bucket: { Ref: 'Bucket' } }] },
      DestinationOptions: { FileFormat: 'parquet', HiveCompatiblePartitions: true, PerHourPartition: true },
      // Not the stack's tag: the deploy role deletes only flow logs tagged vpc-port-audit:stack.
      Tags: [{ Key: 'vpc-port-audit:bootstrap', Value: { Ref: 'AWS::StackName' } }],
    });
    expect(flowLog.DeliverLogsPermissionArn).toBeUndefined();
    // The bootstrap is not built: its LogFormat is written out, and held equal to the catalogue's v8 format here.
    expect(flowLog.LogFormat).toBe(logFormatString(V8_FORMAT));
    expect(flowLog.LogFormat.split(' ')).toHaveLength(FLOW_LOG_FIELDS.length);
    // The bucket policy that lets S3 delivery write exists first.
    expect(bootstrap.Resources.ParquetFlowLog.DependsOn).toBe('BucketPolicy');
    expect(bootstrap.Outputs.ParquetFlowLogId).toMatchObject({ Condition: 'S3Parquet', Value: { Ref: 'ParquetFlowLog' }, Export: { Name: { 'Fn::Sub': '${PipelineStackName}-ParquetFlowLogId' } } });
    // Its objects expire with the other flow logs.
    const rules = bootstrapProps('Bucket').LifecycleConfiguration.Rules as Json[];
    expect(rules.find((r) => r.Prefix === 'flow-logs/')?.ExpirationInDays).toEqual({ Ref: 'S3ExpirationDays' });
  });

  // (For both pipelines: the deploy role cannot write a bucket policy when the pipeline switches.)
  test("the bootstrap's bucket policy lets delivery.logs.amazonaws.com write this account's deliveries, as AWS documents it", () => {
    const [, write, aclCheck, ...others] = bootstrapProps('BucketPolicy').PolicyDocument.Statement;
    expect(others).toEqual([]);
    const sourceArn = { ArnLike: { 'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*' } } };
    expect(write).toEqual({
      Sid: 'AWSLogDeliveryWrite',
      Effect: 'Allow',
      Principal: { Service: 'delivery.logs.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: { 'Fn::Sub': '${Bucket.Arn}/flow-logs/AWSLogs/aws-account-id=${AWS::AccountId}/*' },
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' }, 's3:x-amz-acl': 'bucket-owner-full-control' }, ...sourceArn },
    });
    expect(aclCheck).toEqual({
      Sid: 'AWSLogDeliveryAclCheck',
      Effect: 'Allow',
      Principal: { Service: 'delivery.logs.amazonaws.com' },
      Action: ['s3:GetBucketAcl', 's3:ListBucket'],
      Resource: { 'Fn::GetAtt': ['Bucket', 'Arn'] },
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ...sourceArn },
    });
  });

  test("the table: AWS's Parquet columns (every field, its type), Hive partitions year/month/day/hour projected as in src/logs/layouts.ts", () => {
    const table = props('ParquetTable').TableInput;
    expect(table.Name).toBe(PARQUET_TABLE_NAME);
    expect(table.StorageDescriptor.Columns).toEqual(V8_FORMAT.fields.map((f) => ({ Name: f.column, Type: f.type })));
    expect(table.PartitionKeys).toEqual(['year', 'month', 'day', 'hour'].map((Name) => ({ Name, Type: 'string' })));
    expect(table.Parameters).toMatchObject({ classification: 'parquet', ...S3_HIVE_HOURLY_PROJECTION.glueParameters });
    expect(table.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
    expect(table.StorageDescriptor.InputFormat).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');
    const sourceTable = source.Resources.ParquetTable.Properties.TableInput;
    expect([sourceTable.StorageDescriptor.Columns, sourceTable.PartitionKeys]).toEqual([[], []]);
  });

  test('for any hour, the projected location is the folder S3 delivery writes (the layout the sample generator and discovery use)', () => {
    const table = props('ParquetTable').TableInput;
    const regionFolder = `s3://\${Bucket}/flow-logs/${s3DeliveryRegionSegments('hive', '${AWS::AccountId}', '${AWS::Region}').join('/')}/`;
    expect(resourceText(table.StorageDescriptor.Location)).toBe(regionFolder);
    const template = resourceText(table.Parameters['storage.location.template']).replaceAll('${!', '${');
    expect(template).toBe(S3_HIVE_HOURLY_PROJECTION.locationTemplate(regionFolder));
    const parameters = table.Parameters as Record<string, string>;
    for (const iso of ['2026-01-01T00:00:00Z', '2026-11-02T09:30:00Z', '2027-12-31T23:59:59Z']) {
      const date = new Date(iso);
      // What projection substitutes: each key's integer, zero-padded to its digits, within its range.
      const values = { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour: date.getUTCHours() };
      const projected = template.replace(/\$\{(year|month|day|hour)\}/g, (_all, key: keyof typeof values) => {
        const [low, high] = parameters[`projection.${key}.range`]!.split(',').map(Number);
        expect(values[key]).toBeGreaterThanOrEqual(low!);
        expect(values[key]).toBeLessThanOrEqual(high!);
        return String(values[key]).padStart(Number(parameters[`projection.${key}.digits`] ?? 0), '0');
      });
      expect(projected).toBe(`${regionFolder}${datedSegments(S3_HIVE_HOURLY_LAYOUT.dateStyle, S3_HIVE_HOURLY_LAYOUT.granularity, date).join('/')}/`);
    }
  });

  test("the outputs name each pipeline's parts: the pipeline, its flow log and table; the forwarder's parts only for cloudwatch-firehose", () => {
    const outputs = built.Outputs as Json;
    expect(outputs.Pipeline.Value).toEqual({ Ref: 'Pipeline' });
    expect(outputs.TableName.Value).toEqual({ 'Fn::If': ['S3Parquet', { Ref: 'ParquetTable' }, { Ref: 'GlueTable' }] });
    const firehoseOnly = Object.keys(outputs).filter((name) => outputs[name].Condition === 'CloudWatchFirehose');
    expect(firehoseOnly.sort()).toEqual(['DeliveryStreamName', 'FailureQueueName', 'FailureQueueUrl', 'ForwarderFunctionName', 'LogGroupName']);
    expect(Object.values(outputs).filter((o: Json) => o.Condition && o.Condition !== 'CloudWatchFirehose')).toEqual([]);
  });
});
