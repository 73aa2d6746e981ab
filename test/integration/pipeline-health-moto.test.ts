// The pipeline-health reads against a real moto_server: the flow log's status and delivery error from
// DescribeFlowLogs (an active one, one whose log group is missing, a deleted one), and the forwarder's
// errors and throttles, Firehose's S3 delivery success and the failure queue's depth from one GetMetricData,
// after PutMetricData wrote them; then the rules judge what was read. An s3-parquet stack's flow log (S3
// delivery) is read alone: its pipeline has no forwarder, stream or queue.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { GetMetricDataCommand, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateFlowLogsCommand, CreateVpcCommand, DeleteFlowLogsCommand } from '@aws-sdk/client-ec2';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js';
import { collectPipelineHealth, HEALTH_OUTPUTS } from '../../src/health/collect.js';
import { judgePipelineHealth } from '../../src/health/judge.js';
import { HOUR_MS } from '../../src/flowlog/layout.js';
import { startMoto, TEST_AWS_ENV, type MotoServer } from '../support/moto.js';

const FUNCTION = 'vpc-port-audit-Forwarder-A1B2C3D4E5F6';
const STREAM = 'vpc-port-audit-DeliveryStream-A1B2C3D4E5F6';
const QUEUE = 'vpc-port-audit-FailureQueue-A1B2C3D4E5F6';
const ROLE = 'arn:aws:iam::123456789012:role/vpc-port-audit-FlowLogDeliveryRole';

let moto: MotoServer;
let clients: AwsClients;
let logs: CloudWatchLogsClient;
let vpcId: string;
const end = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS);
const window = { start: new Date(end.getTime() - 24 * HOUR_MS), end };
const at = (hoursIn: number) => new Date(window.start.getTime() + hoursIn * HOUR_MS);

async function flowLogTo(logGroupName: string): Promise<string> {
  const created = await clients.ec2.send(
    new CreateFlowLogsCommand({ ResourceIds: [vpcId], ResourceType: 'VPC', TrafficType: 'ALL', LogGroupName: logGroupName, DeliverLogsPermissionArn: ROLE }),
  );
  return created.FlowLogIds![0]!;
}

async function putMetrics(namespace: string, dimension: string, value: string, data: readonly [string, number, Date][]): Promise<void> {
  const MetricData: MetricDatum[] = data.map(([MetricName, Value, Timestamp]) => ({ MetricName, Value, Timestamp, Dimensions: [{ Name: dimension, Value: value }] }));
  await clients.cloudwatch.send(new PutMetricDataCommand({ Namespace: namespace, MetricData }));
}

beforeAll(async () => {
  moto = await startMoto();
  const config = { region: TEST_AWS_ENV.AWS_REGION, endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  clients = createAwsClients(config);
  logs = new CloudWatchLogsClient(config);
  vpcId = (await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }))).Vpc!.VpcId!;
  await logs.send(new CreateLogGroupCommand({ logGroupName: 'vpc-port-audit-FlowLogGroup-A1B2C3D4E5F6' }));
}, 60_000);

afterAll(async () => {
  logs?.destroy();
  await moto?.stop();
});

describe('collectPipelineHealth against moto', () => {
  test('a healthy pipeline: an active flow log, no errors, every S3 put succeeded, an empty failure queue', async () => {
    const flowLogId = await flowLogTo('vpc-port-audit-FlowLogGroup-A1B2C3D4E5F6');
    const healthyFunction = `${FUNCTION}-healthy`;
    const healthyStream = `${STREAM}-healthy`;
    const healthyQueue = `${QUEUE}-healthy`;
    await putMetrics('AWS/Lambda', 'FunctionName', healthyFunction, [['Errors', 0, at(2)], ['Throttles', 0, at(2)]]);
    await putMetrics('AWS/Firehose', 'DeliveryStreamName', healthyStream, [['DeliveryToS3.Success', 1, at(3)], ['DeliveryToS3.Success', 1, at(9)]]);
    await putMetrics('AWS/SQS', 'QueueName', healthyQueue, [['ApproximateNumberOfMessagesVisible', 0, at(23)]]);
    const outputs = {
      [HEALTH_OUTPUTS.flowLog]: flowLogId,
      [HEALTH_OUTPUTS.forwarder]: healthyFunction,
      [HEALTH_OUTPUTS.deliveryStream]: healthyStream,
      [HEALTH_OUTPUTS.failureQueue]: healthyQueue,
    };

    const readings = await collectPipelineHealth(clients, outputs, window);
    expect(readings.flowLog).toEqual({ found: true, flowLogId, status: 'ACTIVE', deliveryStatus: 'SUCCESS', deliveryError: undefined, destinationType: 'cloud-watch-logs' });
    expect(readings.forwarderErrors).toEqual({ resource: healthyFunction, value: 0 });
    expect(readings.deliverySuccess).toEqual({ resource: healthyStream, value: 1 });
    expect(readings.failureQueueDepth).toEqual({ resource: healthyQueue, value: 0 });
    expect(readings.skipped).toEqual([]);
    const volume = { start: window.start.toISOString(), end: window.end.toISOString(), records: 900, bytes: 90_000 };
    const health = judgePipelineHealth({ readings, volume, history: [{ ...volume, start: at(-24).toISOString(), end: window.start.toISOString() }], dropThreshold: 0.1 });
    expect(health.problems).toEqual([]);
    expect(health.checks.map((c) => [c.part, c.state])).toEqual([
      ['Window volume', 'ok'],
      [`Flow log ${flowLogId}`, 'ok'],
      [`Forwarder ${healthyFunction}`, 'ok'],
      [`Firehose ${healthyStream}`, 'ok'],
      [`Failure queue ${healthyQueue}`, 'ok'],
    ]);
  });

  test('a broken pipeline: the flow log cannot deliver, the forwarder fails and is throttled, S3 puts fail, batches wait', async () => {
    const flowLogId = await flowLogTo('a-log-group-that-does-not-exist');
    await putMetrics('AWS/Lambda', 'FunctionName', FUNCTION, [
      ['Errors', 2, at(1)],
      ['Errors', 3, at(12)],
      ['Throttles', 4, at(5)],
      // Outside the window: not counted.
      ['Errors', 100, new Date(window.start.getTime() - HOUR_MS)],
    ]);
    await putMetrics('AWS/Firehose', 'DeliveryStreamName', STREAM, [['DeliveryToS3.Success', 1, at(3)], ['DeliveryToS3.Success', 0.5, at(4)]]);
    // The depth is the latest one: batches waited, then fewer after a partial redrive.
    await putMetrics('AWS/SQS', 'QueueName', QUEUE, [['ApproximateNumberOfMessagesVisible', 9, at(20)], ['ApproximateNumberOfMessagesVisible', 3, at(23.5)]]);
    const outputs = { FlowLogId: flowLogId, ForwarderFunctionName: FUNCTION, DeliveryStreamName: STREAM, FailureQueueName: QUEUE };

    const readings = await collectPipelineHealth(clients, outputs, window);
    expect(readings.flowLog).toEqual({ found: true, flowLogId, status: 'ACTIVE', deliveryStatus: 'FAILED', deliveryError: 'Access error', destinationType: 'cloud-watch-logs' });
    expect(readings.forwarderErrors).toEqual({ resource: FUNCTION, value: 5 });
    expect(readings.forwarderThrottles).toEqual({ resource: FUNCTION, value: 4 });
    expect(readings.deliverySuccess).toEqual({ resource: STREAM, value: 0.75 });
    expect(readings.failureQueueDepth).toEqual({ resource: QUEUE, value: 3 });

    const health = judgePipelineHealth({ readings, history: [], dropThreshold: 0.1 });
    expect(health.problems.map((p) => p.kind)).toEqual(['flow-log-delivery', 'forwarder-errors', 'forwarder-throttles', 'firehose-delivery', 'failure-queue']);
    expect(health.problems[0]!.detail).toContain('Access error');
    expect(health.problems[3]!.detail).toContain('75 %');
    expect(health.problems[4]!.detail).toMatch(/^3 failed batches/);
  });

  test('a deleted flow log is found missing; parts the stack does not name are skipped, with their outputs', async () => {
    const flowLogId = await flowLogTo('vpc-port-audit-FlowLogGroup-A1B2C3D4E5F6-deleted');
    await clients.ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [flowLogId] }));
    const readings = await collectPipelineHealth(clients, { FlowLogId: flowLogId, DeliveryStreamName: `${STREAM}-quiet` }, window);
    expect(readings.flowLog).toEqual({ found: false, flowLogId });
    // A stream that delivered nothing publishes no datapoint: no value, and no problem.
    expect(readings.deliverySuccess).toEqual({ resource: `${STREAM}-quiet`, value: undefined });
    expect(readings.skipped).toEqual([
      { part: 'forwarder', output: 'ForwarderFunctionName' },
      { part: 'failureQueue', output: 'FailureQueueName' },
    ]);
    const health = judgePipelineHealth({ readings, history: [], dropThreshold: 0.1 });
    expect(health.problems.map((p) => p.kind)).toEqual(['flow-log-missing']);
    expect(health.checks.filter((c) => c.state === 'skipped' && c.part !== 'Window volume').map((c) => c.detail)).toEqual([
      'The stack has no ForwarderFunctionName output (an older stack): deploy it again to check this part.',
      'The stack has no FailureQueueName output (an older stack): deploy it again to check this part.',
    ]);
  });

  test('an s3-parquet stack: the flow log delivering to S3 is read; no forwarder, Firehose or queue is asked for or reported missing', async () => {
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'parquet-stack-bucket' }));
    const created = await clients.ec2.send(
      new CreateFlowLogsCommand({ ResourceIds: [vpcId], ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 's3', LogDestination: 'arn:aws:s3:::parquet-stack-bucket' }),
    );
    const flowLogId = created.FlowLogIds![0]!;
    const sent: string[] = [];
    const counting = { send: (command: object) => (sent.push(command.constructor.name), clients.cloudwatch.send(command as GetMetricDataCommand)) };
    const readings = await collectPipelineHealth({ ec2: clients.ec2, cloudwatch: counting }, { Pipeline: 's3-parquet', FlowLogId: flowLogId }, window);
    expect(sent).toEqual([]);
    expect(readings).toEqual({ flowLog: { found: true, flowLogId, status: 'ACTIVE', deliveryStatus: 'SUCCESS', deliveryError: undefined, destinationType: 's3' }, skipped: [] });
    const health = judgePipelineHealth({ readings, history: [], dropThreshold: 0.1 });
    expect(health.checks.map((c) => [c.part, c.state])).toEqual([['Window volume', 'skipped'], [`Flow log ${flowLogId}`, 'ok']]);
    // Without its FlowLogId output, the flow log is the one part reported unchecked.
    expect((await collectPipelineHealth(clients, { Pipeline: 's3-parquet' }, window)).skipped).toEqual([{ part: 'flowLog', output: 'FlowLogId' }]);
  });

  test('all metrics come from ONE GetMetricData request', async () => {
    const sent: string[] = [];
    const counting = { send: (command: object) => (sent.push(command.constructor.name), clients.cloudwatch.send(command as GetMetricDataCommand)) };
    await collectPipelineHealth({ ec2: clients.ec2, cloudwatch: counting }, { ForwarderFunctionName: FUNCTION, DeliveryStreamName: STREAM, FailureQueueName: QUEUE }, window);
    expect(sent).toEqual(['GetMetricDataCommand']);
  });
});
