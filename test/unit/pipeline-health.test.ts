// The pipeline-health rules (health/judge.ts), the window-volume history in the port memory, and the section
// and hidden line the job summary and tracking issue show (report/pipeline-health.ts).

import { describe, expect, test } from '@jest/globals';
import { MAX_WINDOW_VOLUMES, parseMemory, recordWindowVolume, serializeMemory, updateMemory, type WindowVolume } from '../../src/audit/known-ports.js';
import { collectPipelineHealth, type PipelineReadings } from '../../src/health/collect.js';
import { AwsAccessError } from '../../src/aws/errors.js';
import { judgePipelineHealth, median, windowVolume, withCoverage } from '../../src/health/judge.js';
import { describeUnitCoverage, REJECT_ONLY_REASON, type UnitCoverage } from '../../src/audit/unit-coverage.js';
import { healthMarker, problemKindsIn, renderPipelineHealth } from '../../src/report/pipeline-health.js';
import { renderIssueBody } from '../../src/report/tracking-issue.js';
import { oneUnit, portRow } from '../support/report-fixtures.js';

const day = (n: number): WindowVolume => ({
  start: new Date(Date.UTC(2026, 10, n)).toISOString(),
  end: new Date(Date.UTC(2026, 10, n + 1)).toISOString(),
  records: 1000 * n,
  bytes: 100_000 * n,
});
const history = [day(1), day(2), day(3), day(4), day(5)]; // medians: 3,000 records, 300,000 bytes
const today = (records: number, bytes: number): WindowVolume => ({ ...day(6), records, bytes });
const judge = (volume: WindowVolume | undefined, readings?: PipelineReadings) =>
  judgePipelineHealth({ volume, history, dropThreshold: 0.1, readings, readingsSkipped: 'no stack' });

describe('median and window volume', () => {
  test('odd and even counts, none', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 10])).toBe(3.5);
    expect(median([])).toBeUndefined();
  });

  test('the volume of a window sums its top list', () => {
    const window = { start: new Date('2026-11-06T00:00:00Z'), end: new Date('2026-11-07T00:00:00Z') };
    expect(windowVolume([portRow(443, 6, 900), portRow(53, 17, 100)], window)).toEqual({
      start: '2026-11-06T00:00:00.000Z',
      end: '2026-11-07T00:00:00.000Z',
      records: 1000,
      bytes: portRow(443, 6, 900).bytes + portRow(53, 17, 100).bytes,
    });
  });
});

describe('the window-volume rules', () => {
  test('no flow logs after a baseline with traffic is a problem', () => {
    const health = judge(today(0, 0));
    expect(health.problems.map((p) => p.kind)).toEqual(['no-flow-logs']);
    expect(health.problems[0]!.detail).toBe(
      'No flow logs in this window, while the median of 5 earlier windows is 3,000 records, 293 KiB: the pipeline may be broken rather than the VPC quiet.',
    );
  });

  test('a drop below the threshold of the median, in records or in bytes, is a problem; at the threshold it is not', () => {
    expect(judge(today(299, 300_000)).problems.map((p) => [p.kind, p.detail.includes('the records fell below 10 %')])).toEqual([['volume-drop', true]]);
    expect(judge(today(3000, 29_999)).problems[0]!.detail).toContain('the bytes fell below 10 %');
    expect(judge(today(300, 30_000)).problems).toEqual([]);
    expect(judgePipelineHealth({ volume: today(1400, 140_000), history, dropThreshold: 0.5 }).problems.map((p) => p.kind)).toEqual(['volume-drop']);
  });

  test('no baseline yet, or one without traffic: nothing to compare with', () => {
    expect(judgePipelineHealth({ volume: today(0, 0), history: [], dropThreshold: 0.1 }).problems).toEqual([]);
    expect(judgePipelineHealth({ volume: today(0, 0), history: [{ ...day(1), records: 0, bytes: 0 }], dropThreshold: 0.1 }).problems).toEqual([]);
  });

  test("a rerun of a window is not compared with its own earlier entry", () => {
    const health = judgePipelineHealth({ volume: { ...day(5), records: 0, bytes: 0 }, history: [day(5)], dropThreshold: 0.1 });
    expect(health.problems).toEqual([]);
  });

  test('a window that starts before the flow logs is not judged; without readings the parts are skipped with the reason', () => {
    expect(judge(undefined).checks.map((c) => [c.part, c.state, c.detail])).toEqual([
      ['Window volume', 'skipped', 'The window starts before the flow logs do: its volume is not judged.'],
      ['Pipeline parts', 'skipped', 'no stack'],
    ]);
  });
});

describe('the part rules', () => {
  const readings = (over: Partial<PipelineReadings>): PipelineReadings => ({ skipped: [], ...over });

  test('an inactive flow log, and one whose delivery failed', () => {
    const inactive = judge(today(3000, 300_000), readings({ flowLog: { found: true, flowLogId: 'fl-1', status: 'INACTIVE' } }));
    expect(inactive.problems.map((p) => [p.kind, p.detail])).toEqual([['flow-log-inactive', 'Its status is INACTIVE, not ACTIVE.']]);
    const failed = judge(today(3000, 300_000), readings({ flowLog: { found: true, flowLogId: 'fl-1', status: 'ACTIVE', deliveryStatus: 'FAILED', deliveryError: 'Rate limited' } }));
    expect(failed.problems.map((p) => p.detail)).toEqual(['Delivery to CloudWatch Logs failed: Rate limited.']);
    // s3-parquet: the flow log delivers to S3 itself, and the sentence names where delivery failed.
    const s3 = judge(today(3000, 300_000), readings({ flowLog: { found: true, flowLogId: 'fl-2', status: 'ACTIVE', deliveryStatus: 'FAILED', deliveryError: 'Access error', destinationType: 's3' } }));
    expect(s3.problems.map((p) => [p.kind, p.detail])).toEqual([['flow-log-delivery', 'Delivery to S3 failed: Access error.']]);
  });

  test('metrics without datapoints are no problem', () => {
    const quiet = judge(today(3000, 300_000), readings({
      forwarderErrors: { resource: 'f' },
      forwarderThrottles: { resource: 'f' },
      deliverySuccess: { resource: 's' },
      failureQueueDepth: { resource: 'q' },
    }));
    expect(quiet.problems).toEqual([]);
    expect(quiet.checks.map((c) => c.detail)).toEqual([
      expect.stringContaining('3,000 records'),
      'No errors or throttles in the window.',
      'No S3 deliveries reported in the window.',
      'Empty.',
    ]);
  });
});

describe('reading errors', () => {
  // A role bootstrapped before the health check may lack its permissions: no server here refuses, so a stub does.
  const denied = (operation: string) => ({
    send: async () => {
      throw Object.assign(new Error(`User is not authorized to perform: ${operation}`), { name: operation.startsWith('ec2') ? 'UnauthorizedOperation' : 'AccessDenied' });
    },
  });
  const window = { start: new Date('2026-11-06T00:00:00Z'), end: new Date('2026-11-07T00:00:00Z') };

  test('a refused DescribeFlowLogs or GetMetricData becomes one sentence naming the call', async () => {
    const ok = { send: async () => ({ FlowLogs: [], MetricDataResults: [] }) };
    const flowLog = collectPipelineHealth({ ec2: denied('ec2:DescribeFlowLogs'), cloudwatch: ok }, { FlowLogId: 'fl-1' }, window);
    await expect(flowLog).rejects.toThrow(AwsAccessError);
    await expect(flowLog).rejects.toThrow(/^AWS denied describing flow log fl-1 to the role in use/);
    const metrics = collectPipelineHealth({ ec2: ok, cloudwatch: denied('cloudwatch:GetMetricData') }, { ForwarderFunctionName: 'f' }, window);
    await expect(metrics).rejects.toThrow(/^AWS denied reading the pipeline metrics \(GetMetricData\)/);
  });
});

describe('the window volumes in the memory', () => {
  const base = updateMemory(undefined, 'vpc-0abc1234', oneUnit([portRow(443, 6, 900)]), new Set(), new Date('2026-11-07T00:00:00Z'));

  test('kept oldest first, bounded, a rerun replacing its window, and carried through updateMemory', () => {
    let memory = base;
    for (let n = 1; n <= MAX_WINDOW_VOLUMES + 5; n++) memory = recordWindowVolume(memory, { ...day(1), start: new Date(Date.UTC(2026, 0, n)).toISOString(), records: n });
    expect(memory.volumes).toHaveLength(MAX_WINDOW_VOLUMES);
    expect(memory.volumes![0]!.records).toBe(6);
    const rerun = recordWindowVolume(memory, { ...memory.volumes!.at(-1)!, records: 0 });
    expect(rerun.volumes).toHaveLength(MAX_WINDOW_VOLUMES);
    expect(rerun.volumes!.at(-1)!.records).toBe(0);
    expect(updateMemory(rerun, 'vpc-0abc1234', oneUnit([]), new Set(), new Date('2026-11-08T00:00:00Z')).volumes).toEqual(rerun.volumes);
  });

  test('saved and loaded back; malformed entries dropped with a warning; memories without volumes still load', () => {
    const memory = recordWindowVolume(recordWindowVolume(base, day(1)), day(2));
    const parsed = parseMemory(serializeMemory(memory), 'vpc-0abc1234');
    expect(parsed).toEqual({ ok: true, memory, warnings: [] });

    const stored = JSON.parse(serializeMemory(memory));
    stored.volumes.push({ start: 'yesterday', end: day(3).end, records: -1, bytes: 1 });
    const damaged = parseMemory(JSON.stringify(stored), 'vpc-0abc1234');
    expect(damaged.ok && damaged.memory.volumes).toEqual([day(1), day(2)]);
    expect(damaged.ok && damaged.warnings).toEqual([expect.stringContaining('dropped the malformed window volume')]);

    const old = parseMemory(serializeMemory(base), 'vpc-0abc1234');
    expect(old.ok && old.memory.volumes).toBeUndefined();
    stored.volumes = 'many';
    const notAList = parseMemory(JSON.stringify(stored), 'vpc-0abc1234');
    expect(notAList.ok && notAList.warnings).toEqual(['dropped `volumes`: it is not a list']);
  });
});

describe('the health section and hidden line', () => {
  const broken = judge(today(0, 0), { skipped: [], flowLog: { found: false, flowLogId: 'fl-0<b>' } });

  test('the hidden line lists the problem kinds, sorted; none when healthy', () => {
    const marker = healthMarker(broken)!;
    expect(marker).toBe('<!-- vpc-port-audit:pipeline-health flow-log-missing no-flow-logs -->');
    expect(problemKindsIn(`text\n${marker}\nmore`)).toEqual(['flow-log-missing', 'no-flow-logs']);
    expect(healthMarker(judge(today(3000, 300_000)))).toBeUndefined();
    expect(problemKindsIn('no marker')).toEqual([]);
  });

  test('the section warns of each problem and tables every check, escaping what AWS returned', () => {
    const section = renderPipelineHealth(broken, '##');
    expect(section).toMatch(/^## Pipeline health\n\n> \[!WARNING\]\n> The pipeline has 2 problems/);
    expect(section).toContain('> - Window volume: No flow logs in this window');
    expect(section).toContain('Flow log fl-0&lt;b&gt;');
    expect(section).not.toContain('<b>');
    expect(section).toContain('| Flow log fl-0&lt;b&gt; | **problem** | The flow log no longer exists');
  });

  test('the tracking issue carries the section only while there are problems', () => {
    const input = { top: 10, stackOrVpcKey: 'vpc-0abc1234', unacknowledged: [], rows: [], newKeys: new Set<string>(), window: { start: new Date(0), end: new Date(3_600_000) }, allowlistPath: 'a.yml' };
    const sick = renderIssueBody({ ...input, health: broken });
    expect(sick).toContain('### Pipeline health');
    expect(problemKindsIn(sick)).toEqual(['flow-log-missing', 'no-flow-logs']);
    expect(sick).toContain("this issue stays open for the pipeline's health");
    const well = renderIssueBody({ ...input, health: judge(today(3000, 300_000)) });
    expect(well).not.toContain('Pipeline health');
    expect(problemKindsIn(well)).toEqual([]);
  });
});

describe('the coverage facts in the pipeline health (issue 21)', () => {
  const unit = (vpcId: string) => ({ account: '111122223333', region: 'eu-west-1', vpcId });
  const covered = (vpcId: string, accept: number, reject: number): UnitCoverage => ({
    unit: unit(vpcId), records: accept + reject, files: 1, formats: ['v5'], acceptRecords: accept, rejectRecords: reject,
    auditable: accept > 0, reason: accept > 0 ? null : REJECT_ONLY_REASON,
  });
  const healthy = { checks: [{ part: 'Window volume', state: 'ok' as const, detail: 'fine' }], problems: [] };

  test('an account/VPC that cannot be audited is a problem of kind not-auditable, with its sentence; all auditable is one ok check', () => {
    const judged = withCoverage(healthy, [covered('vpc-0000000a', 10, 0), covered('vpc-0000000b', 0, 40)]);
    expect(judged.problems).toEqual([{ part: 'Coverage', state: 'problem', kind: 'not-auditable', detail: describeUnitCoverage(covered('vpc-0000000b', 0, 40)) }]);
    expect(judged.checks.map((c) => c.part)).toEqual(['Window volume', 'Coverage']);
    const fine = withCoverage(healthy, [covered('vpc-0000000a', 10, 0)]);
    expect([fine.problems, fine.checks.at(-1)]).toEqual([[], { part: 'Coverage', state: 'ok', detail: "The window's one account/VPC has ACCEPT records to audit." }]);
  });
});
