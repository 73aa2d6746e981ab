// The pipeline-health rules: from the readings of collect.ts and the window's volume against the median of
// earlier windows (kept in the port memory), which parts are fine, which failed and which were not checked.
// Pure: no AWS, no GitHub. A problem carries a stable `kind`, so the tracking issue can tell whether the
// set of problems changed without comparing numbers.

import type { WindowVolume } from '../audit/known-ports.js';
import type { HourWindow } from '../flowlog/layout.js';
import { formatBytes } from '../format-bytes.js';
import { formatCount as count } from '../report/markdown.js';
import type { PipelineReadings } from './collect.js';
import { unitLabel } from '../audit/audit-unit.js';
import { describeUnitCoverage, type UnitCoverage } from '../audit/unit-coverage.js';

export type ProblemKind =
  | 'no-flow-logs'
  | 'volume-drop'
  | 'flow-log-missing'
  | 'flow-log-inactive'
  | 'flow-log-delivery'
  | 'forwarder-errors'
  | 'forwarder-throttles'
  | 'firehose-delivery'
  | 'failure-queue'
  | 'not-auditable';

interface HealthCheck {
  /** What was checked, in words (`Flow log fl-0123`, `Window volume`). */
  readonly part: string;
  readonly state: 'ok' | 'problem' | 'skipped';
  /** One sentence of plain text (renderers escape it): what was found, or why it was not checked. */
  readonly detail: string;
  /** Set on problems: which rule found it. */
  readonly kind?: ProblemKind;
}

export interface PipelineHealth {
  readonly checks: readonly HealthCheck[];
  /** The checks in state 'problem'. */
  readonly problems: readonly HealthCheck[];
}

export interface HealthJudgeInput {
  readonly readings?: PipelineReadings;
  /** This window's volume; undefined when it is not judged (the window starts before the flow logs do). */
  readonly volume?: WindowVolume;
  /** Earlier windows' volumes from the memory (this window's own entry, on a rerun, is ignored). */
  readonly history: readonly WindowVolume[];
  /** A window below this fraction of the median (0 < f < 1) is a drop. */
  readonly dropThreshold: number;
  /** Why readings are missing when they are (no stack, an existing table). */
  readonly readingsSkipped?: string;
}

/** The median of `values` (the mean of the middle two for an even count); undefined for none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The window's volume: the outbound records (flows) and bytes summed over its top list. */
export function windowVolume(rows: readonly { readonly flows: number; readonly bytes: number }[], window: HourWindow): WindowVolume {
  return {
    start: window.start.toISOString(),
    end: window.end.toISOString(),
    records: rows.reduce((sum, r) => sum + r.flows, 0),
    bytes: rows.reduce((sum, r) => sum + r.bytes, 0),
  };
}

const percent = (f: number) => `${Math.round(f * 1000) / 10} %`;

/** Applies every rule; see the README's "Pipeline health" for what each one means. */
export function judgePipelineHealth(input: HealthJudgeInput): PipelineHealth {
  const checks = [volumeCheck(input), ...partChecks(input)];
  return { checks, problems: checks.filter((c) => c.state === 'problem') };
}

function volumeCheck({ volume, history, dropThreshold }: HealthJudgeInput): HealthCheck {
  const part = 'Window volume';
  if (!volume) return { part, state: 'skipped', detail: 'The window starts before the flow logs do: its volume is not judged.' };
  const earlier = history.filter((v) => v.start !== volume.start || v.end !== volume.end);
  const records = median(earlier.map((v) => v.records));
  const bytes = median(earlier.map((v) => v.bytes));
  const seen = `${count(volume.records)} records, ${formatBytes(volume.bytes)}`;
  if (records === undefined || bytes === undefined || records === 0) {
    return { part, state: 'ok', detail: `${seen}; no earlier window with traffic to compare with yet.` };
  }
  const baseline = `the median of ${earlier.length} earlier window${earlier.length === 1 ? '' : 's'} is ${count(records)} records, ${formatBytes(bytes)}`;
  if (volume.records === 0) {
    return { part, state: 'problem', kind: 'no-flow-logs', detail: `No flow logs in this window, while ${baseline}: the pipeline may be broken rather than the VPC quiet.` };
  }
  const low = [volume.records < dropThreshold * records ? 'records' : '', volume.bytes < dropThreshold * bytes ? 'bytes' : ''].filter(Boolean);
  if (low.length > 0) {
    return {
      part,
      state: 'problem',
      kind: 'volume-drop',
      detail: `${seen}: the ${low.join(' and ')} fell below ${percent(dropThreshold)} of the median (${baseline}).`,
    };
  }
  return { part, state: 'ok', detail: `${seen}; ${baseline}.` };
}

function partChecks({ readings, readingsSkipped }: HealthJudgeInput): HealthCheck[] {
  if (!readings) return [{ part: 'Pipeline parts', state: 'skipped', detail: readingsSkipped ?? 'Not checked.' }];
  const checks: HealthCheck[] = [];
  const { flowLog } = readings;
  if (flowLog && !flowLog.found) {
    checks.push({ part: `Flow log ${flowLog.flowLogId}`, state: 'problem', kind: 'flow-log-missing', detail: 'The flow log no longer exists: nothing is being logged. Deploy the stack again to recreate it.' });
  } else if (flowLog) {
    const part = `Flow log ${flowLog.flowLogId}`;
    if (flowLog.status !== undefined && flowLog.status !== 'ACTIVE') {
      checks.push({ part, state: 'problem', kind: 'flow-log-inactive', detail: `Its status is ${flowLog.status}, not ACTIVE.` });
    } else if (flowLog.deliveryStatus === 'FAILED') {
      const destination = DESTINATION_NAMES[flowLog.destinationType ?? 'cloud-watch-logs'] ?? flowLog.destinationType;
      checks.push({ part, state: 'problem', kind: 'flow-log-delivery', detail: `Delivery to ${destination} failed: ${flowLog.deliveryError ?? 'no error message'}.` });
    } else {
      checks.push({ part, state: 'ok', detail: `${flowLog.status ?? 'ACTIVE'}, delivery ${flowLog.deliveryStatus ?? 'not reported'}.` });
    }
  }
  const { forwarderErrors: errors, forwarderThrottles: throttles, deliverySuccess, failureQueueDepth: queue } = readings;
  if (errors) {
    const part = `Forwarder ${errors.resource}`;
    if ((errors.value ?? 0) > 0) checks.push({ part, state: 'problem', kind: 'forwarder-errors', detail: `${count(errors.value!)} failed invocations (Errors) in the window.` });
    if ((throttles?.value ?? 0) > 0) checks.push({ part, state: 'problem', kind: 'forwarder-throttles', detail: `${count(throttles!.value!)} throttled invocations (Throttles) in the window.` });
    if ((errors.value ?? 0) === 0 && (throttles?.value ?? 0) === 0) checks.push({ part, state: 'ok', detail: 'No errors or throttles in the window.' });
  }
  if (deliverySuccess) {
    const part = `Firehose ${deliverySuccess.resource}`;
    const ratio = deliverySuccess.value;
    if (ratio !== undefined && ratio < 1) {
      checks.push({ part, state: 'problem', kind: 'firehose-delivery', detail: `Only ${percent(ratio)} of its S3 puts succeeded (DeliveryToS3.Success); its error log group says why.` });
    } else {
      checks.push({ part, state: 'ok', detail: ratio === undefined ? 'No S3 deliveries reported in the window.' : 'Every S3 put succeeded.' });
    }
  }
  if (queue) {
    const part = `Failure queue ${queue.resource}`;
    if ((queue.value ?? 0) > 0) {
      checks.push({ part, state: 'problem', kind: 'failure-queue', detail: `${count(queue.value!)} failed batches wait in it: run \`vpc-port-audit redrive\` (or mode redrive) to deliver them.` });
    } else {
      checks.push({ part, state: 'ok', detail: 'Empty.' });
    }
  }
  for (const { part, output } of readings.skipped) {
    checks.push({ part: PART_NAMES[part], state: 'skipped', detail: `The stack has no ${output} output (an older stack): deploy it again to check this part.` });
  }
  return checks;
}

/** A flow log's LogDestinationType in words. */
const DESTINATION_NAMES: Readonly<Record<string, string>> = { 'cloud-watch-logs': 'CloudWatch Logs', s3: 'S3', 'kinesis-data-firehose': 'Firehose' };

const PART_NAMES = { flowLog: 'Flow log', forwarder: 'Forwarder', deliveryStream: 'Firehose', failureQueue: 'Failure queue' } as const;

/**
 * `health` with the coverage facts of an organisation audit (audit/unit-coverage.ts) as checks: each account/VPC that
 * cannot be audited for outbound ports is a problem (kind not-auditable, the unit's reason as its detail), so
 * fail-on-pipeline-problem gates it like a broken part; one ok check when every unit can be audited.
 */
export function withCoverage(health: PipelineHealth, coverage: readonly UnitCoverage[]): PipelineHealth {
  const blind = coverage.filter((c) => !c.auditable);
  const checks: HealthCheck[] =
    blind.length === 0
      ? [{ part: 'Coverage', state: 'ok', detail: coverage.length === 1 ? "The window's one account/VPC has ACCEPT records to audit." : `All ${count(coverage.length)} accounts/VPCs of the window have ACCEPT records to audit.` }]
      : blind.map((c) => ({ part: 'Coverage', state: 'problem', kind: 'not-auditable', detail: describeUnitCoverage(c) ?? `${unitLabel(c.unit)}: ${c.reason}.` }));
  return { checks: [...health.checks, ...checks], problems: [...health.problems, ...checks.filter((c) => c.state === 'problem')] };
}
