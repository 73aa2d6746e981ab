// The one-day dataset the coverage benchmarks share (window-coverage.ts, unit-coverage.ts): about 240,000 v5 lines
// (quick: 24,000) of one VPC in S3 delivery's daily layout, a file per 5 minutes as S3 delivery publishes them,
// generated once into a folder and reused; and the egress audit's parameters over it.

import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_MAX_PORTS, parseCidrList } from '../src/audit/parameters.js';
import type { AuditParameters } from '../src/audit/query.js';
import { localViewShape } from '../src/engines/duckdb.js';
import type { LocalLogs } from '../src/engines/local-files.js';
import { V5_FORMAT } from '../src/flowlog/format.js';
import { windowEndingAt } from '../src/flowlog/layout.js';
import { GROUND_TRUTH_FILE, generateSample, type GroundTruth } from '../src/flowlog/sample.js';
import { quick } from './support.js';

/** The day's window: 2026-11-01, 24 hours. */
export const WINDOW = windowEndingAt(new Date('2026-11-02T00:00:00Z'), 24);
/** Interleaved rounds the coverage benchmarks time. */
export const ROUNDS = quick ? 2 : 5;
/** The local view's name. */
export const TABLE = { database: 'vpc_port_audit', table: 'flow_logs' };
const SHAPE = { days: 1, recordsPerHour: quick ? 1000 : 10_000, filesPerHour: 12, layout: 's3' as const };
const vpcCidrs = parseCidrList('10.0.0.0/16');

/** The day's files in `dir` (generated unless a ground truth of the same size is there) and their ground truth. */
export async function oneDayS3Dataset(dir: string): Promise<GroundTruth> {
  const truthFile = join(dir, GROUND_TRUTH_FILE);
  const fresh = existsSync(truthFile) && (JSON.parse(readFileSync(truthFile, 'utf8')) as GroundTruth).records >= 24 * SHAPE.recordsPerHour;
  if (!fresh) {
    await rm(dir, { recursive: true, force: true });
    await generateSample({ out: dir, vpcCidrs, end: WINDOW.end, seed: 7, format: V5_FORMAT, ...SHAPE });
  }
  return JSON.parse(readFileSync(truthFile, 'utf8')) as GroundTruth;
}

/** The egress audit of the day over `logs`. */
export const oneDayParameters = (logs: LocalLogs): AuditParameters => ({
  preset: 'egress-ports',
  vpcCidrs,
  window: WINDOW,
  maxPorts: DEFAULT_MAX_PORTS,
  source: localViewShape(TABLE, logs),
});
