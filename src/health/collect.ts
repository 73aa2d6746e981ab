// The AWS reads of the pipeline-health check, from two calls: ec2:DescribeFlowLogs for the stack's flow log,
// and ONE cloudwatch:GetMetricData for the forwarder's errors and throttles, Firehose's S3 delivery success
// and the failure queue's depth over the audited window. Which resources to read comes from the stack's
// outputs: its Pipeline output says which parts the pipeline has (s3-parquet: the flow log alone, delivered by
// AWS with no forwarder, stream or queue), and a part an older stack does not name is skipped, said so.

import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { DescribeFlowLogsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { explainAwsError } from '../aws/errors.js';
import type { HourWindow } from '../flowlog/layout.js';
import { stackPipeline, type Pipeline } from '../pipeline/pipelines.js';

/** The stack outputs that name the pipeline's parts (cfn/pipeline.yaml). */
export const HEALTH_OUTPUTS = {
  flowLog: 'FlowLogId',
  forwarder: 'ForwarderFunctionName',
  deliveryStream: 'DeliveryStreamName',
  failureQueue: 'FailureQueueName',
} as const;

type PipelinePart = keyof typeof HEALTH_OUTPUTS;

/** The parts each pipeline has; only these are read, and only these are reported when the stack does not name them. */
const PIPELINE_PARTS: Readonly<Record<Pipeline, readonly PipelinePart[]>> = {
  'cloudwatch-firehose': ['flowLog', 'forwarder', 'deliveryStream', 'failureQueue'],
  's3-parquet': ['flowLog'],
};

/** What DescribeFlowLogs says of the flow log; `found: false` when it no longer exists. */
type FlowLogReading =
  | { readonly found: false; readonly flowLogId: string }
  | {
      readonly found: true;
      readonly flowLogId: string;
      /** FlowLogStatus: `ACTIVE` while it logs. */
      readonly status?: string;
      /** DeliverLogsStatus: `SUCCESS` or `FAILED`. */
      readonly deliveryStatus?: string;
      /** DeliverLogsErrorMessage: `Rate limited`, `Access error` or `Unknown error`. */
      readonly deliveryError?: string;
      /** LogDestinationType: `cloud-watch-logs`, `s3` or `kinesis-data-firehose`. */
      readonly destinationType?: string;
    };

/**
 * One metric over the window: `value` is undefined when CloudWatch has no datapoint (a part that did not
 * run publishes nothing). Counts are sums over the window; the delivery success is the window's average
 * ratio (0 to 1); the queue depth is its latest 5-minute maximum.
 */
interface MetricReading {
  readonly resource: string;
  readonly value?: number;
}

export interface PipelineReadings {
  readonly flowLog?: FlowLogReading;
  readonly forwarderErrors?: MetricReading;
  readonly forwarderThrottles?: MetricReading;
  readonly deliverySuccess?: MetricReading;
  readonly failureQueueDepth?: MetricReading;
  /** The parts not checked, with the stack output each would need. */
  readonly skipped: readonly { readonly part: PipelinePart; readonly output: string }[];
}

type MetricName = 'forwarderErrors' | 'forwarderThrottles' | 'deliverySuccess' | 'failureQueueDepth';

/**
 * The metrics, in AWS's own names. Sources: Lambda Developer Guide, "Types of metrics for Lambda functions"
 * (Errors, Throttles: invocation metrics, read with Sum; dimension FunctionName); Amazon Data Firehose
 * Developer Guide, "Monitor with CloudWatch metrics" (DeliveryToS3.Success: successful S3 put commands over all
 * S3 put commands; dimension DeliveryStreamName); Amazon SQS Developer Guide, "Available CloudWatch metrics for
 * Amazon SQS" (ApproximateNumberOfMessagesVisible, namespace AWS/SQS, dimension QueueName).
 */
const METRICS: readonly {
  readonly name: MetricName;
  readonly part: PipelinePart;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimension: string;
  readonly stat: 'Sum' | 'Average' | 'Maximum';
  /** 'window': one period over the whole window; 'latest': the newest 5-minute period. */
  readonly over: 'window' | 'latest';
}[] = [
  { name: 'forwarderErrors', part: 'forwarder', namespace: 'AWS/Lambda', metricName: 'Errors', dimension: 'FunctionName', stat: 'Sum', over: 'window' },
  { name: 'forwarderThrottles', part: 'forwarder', namespace: 'AWS/Lambda', metricName: 'Throttles', dimension: 'FunctionName', stat: 'Sum', over: 'window' },
  { name: 'deliverySuccess', part: 'deliveryStream', namespace: 'AWS/Firehose', metricName: 'DeliveryToS3.Success', dimension: 'DeliveryStreamName', stat: 'Average', over: 'window' },
  { name: 'failureQueueDepth', part: 'failureQueue', namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimension: 'QueueName', stat: 'Maximum', over: 'latest' },
];

const LATEST_PERIOD_SECONDS = 300;

/** Reads the health of the parts the stack's outputs name, over `window`. */
export async function collectPipelineHealth(
  clients: { readonly ec2: Pick<EC2Client, 'send'>; readonly cloudwatch: Pick<CloudWatchClient, 'send'> },
  outputs: Readonly<Record<string, string>>,
  window: HourWindow,
): Promise<PipelineReadings> {
  const named = (part: PipelinePart) => outputs[HEALTH_OUTPUTS[part]];
  const parts = PIPELINE_PARTS[stackPipeline(outputs)];
  const skipped = parts
    .filter((part) => !named(part))
    .map((part) => ({ part, output: HEALTH_OUTPUTS[part] }));
  const flowLogId = named('flowLog');
  const [flowLog, metrics] = await Promise.all([
    flowLogId ? readFlowLog(clients.ec2, flowLogId) : undefined,
    readMetrics(clients.cloudwatch, METRICS.filter((m) => parts.includes(m.part) && named(m.part)).map((m) => ({ ...m, resource: named(m.part)! })), window),
  ]);
  return { flowLog, ...metrics, skipped };
}

/** The flow log by id: FlowLogIds filters, so a deleted flow log comes back as an empty list. */
async function readFlowLog(ec2: Pick<EC2Client, 'send'>, flowLogId: string): Promise<FlowLogReading> {
  try {
    const { FlowLogs } = await ec2.send(new DescribeFlowLogsCommand({ FlowLogIds: [flowLogId] }));
    const flowLog = FlowLogs?.find((f) => f.FlowLogId === flowLogId);
    if (!flowLog) return { found: false, flowLogId };
    return {
      found: true,
      flowLogId,
      status: flowLog.FlowLogStatus,
      deliveryStatus: flowLog.DeliverLogsStatus,
      deliveryError: flowLog.DeliverLogsErrorMessage,
      destinationType: flowLog.LogDestinationType,
    };
  } catch (error) {
    throw explainAwsError(error, `describing flow log ${flowLogId}`);
  }
}

async function readMetrics(
  cloudwatch: Pick<CloudWatchClient, 'send'>,
  wanted: readonly ((typeof METRICS)[number] & { readonly resource: string })[],
  window: HourWindow,
): Promise<Partial<Record<MetricName, MetricReading>>> {
  if (wanted.length === 0) return {};
  const windowSeconds = Math.round((window.end.getTime() - window.start.getTime()) / 1000);
  const queries: MetricDataQuery[] = wanted.map((m) => ({
    Id: m.name.toLowerCase(),
    MetricStat: {
      Metric: { Namespace: m.namespace, MetricName: m.metricName, Dimensions: [{ Name: m.dimension, Value: m.resource }] },
      Period: m.over === 'window' ? windowSeconds : LATEST_PERIOD_SECONDS,
      Stat: m.stat,
    },
    ReturnData: true,
  }));
  const values = new Map<string, { timestamps: Date[]; values: number[] }>();
  // One request; NextToken is followed only if CloudWatch splits the datapoints (sent as a plain command, not
  // through the SDK's paginator, so test/unit/iam-permissions.test.ts sees the call it must grant).
  let token: string | undefined;
  try {
    do {
      const page = await cloudwatch.send(
        new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: window.start, EndTime: window.end, ScanBy: 'TimestampDescending', NextToken: token }),
      );
      for (const result of page.MetricDataResults ?? []) {
        const seen = values.get(result.Id!) ?? { timestamps: [], values: [] };
        seen.timestamps.push(...(result.Timestamps ?? []));
        seen.values.push(...(result.Values ?? []));
        values.set(result.Id!, seen);
      }
      token = page.NextToken;
    } while (token);
  } catch (error) {
    throw explainAwsError(error, 'reading the pipeline metrics (GetMetricData)');
  }
  const readings: Partial<Record<MetricName, MetricReading>> = {};
  for (const m of wanted) {
    const seen = values.get(m.name.toLowerCase());
    readings[m.name] = { resource: m.resource, value: seen && combine(m.stat, m.over, seen) };
  }
  return readings;
}

/** One number from a metric's datapoints: the newest for 'latest', else summed, averaged or maximised. */
function combine(stat: 'Sum' | 'Average' | 'Maximum', over: 'window' | 'latest', seen: { timestamps: Date[]; values: number[] }): number | undefined {
  if (seen.values.length === 0) return undefined;
  if (over === 'latest') {
    const newest = seen.timestamps.reduce((best, t, i) => (t.getTime() > seen.timestamps[best]!.getTime() ? i : best), 0);
    return seen.values[newest];
  }
  if (stat === 'Sum') return seen.values.reduce((a, b) => a + b, 0);
  if (stat === 'Maximum') return Math.max(...seen.values);
  return seen.values.reduce((a, b) => a + b, 0) / seen.values.length;
}
