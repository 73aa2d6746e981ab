// Small builders shared by the reporting tests: port rows, audit results, a window, a recording logger,
// allowlists, a scheduled-audit runner wired to the fake GitHub API, and the per-test setup of both.

import { afterEach, beforeEach } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllowlist, type Allowlist } from '../../src/audit/allowlist.js';
import type { UnitPorts } from '../../src/audit/audit-unit.js';
import { UNATTRIBUTED } from '../../src/audit/known-ports.js';
import type { PortRow } from '../../src/audit/port-row.js';
import type { AuditResult } from '../../src/engines/engine.js';
import type { HourWindow } from '../../src/flowlog/layout.js';
import { createGitHubClient, tokenLogin } from '../../src/github.js';
import type { Logger } from '../../src/log.js';
import { runScheduledAudit, type ScheduledAuditInput } from '../../src/run/scheduled-run.js';
import { FileMemoryStore } from './file-memory-store.js';
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from './fake-github.js';

/** A top-list row; numbers derive from `flows` so that each port differs. */
export function portRow(port: number, protocol: number, flows: number, peers: readonly string[] = ['203.0.113.10']): PortRow {
  return { port, protocol, connections: flows, flows, packets: flows * 3, bytes: flows * 1500, peers: peers.length, samplePeers: peers };
}

export function auditResult(rows: readonly PortRow[], engine: 'athena' | 'duckdb' = 'athena'): AuditResult {
  return {
    engine,
    sql: 'SELECT 1',
    rows,
    units: [{ unit: { account: null, region: null, vpcId: null }, rows, portsLeftOut: 0 }],
    rejected: [],
    portsLeftOut: 0,
    statistics: { elapsedMs: 1200, bytesScanned: 12_345_678, costUsd: 0.0000617, queryExecutionId: 'q-123' },
  };
}

export const WINDOW: HourWindow = { start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-11-02T00:00:00Z') };

export interface RecordingLogger extends Logger {
  readonly lines: string[];
  readonly warnings: string[];
}

export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const warnings: string[] = [];
  return {
    lines,
    warnings,
    info: (m) => lines.push(m),
    warning: (m) => {
      warnings.push(m);
      lines.push(`warning: ${m}`);
    },
    debug: () => undefined,
  };
}

export const KEY = 'vpc-0abc1234';
export const LABEL = 'vpc-port-audit';

/** Runs runScheduledAudit against the fake GitHub API with a file memory at `memoryPath`, as the token's account. */
export function scheduledRunner(github: FakeGitHub, memoryPath: string) {
  return async (
    rows: readonly PortRow[],
    allowlist?: Allowlist,
    log: RecordingLogger = recordingLogger(),
    collectingBaseline = false,
    health?: ScheduledAuditInput['health'],
    drillDown?: ScheduledAuditInput['drillDown'],
    units: readonly UnitPorts[] = oneUnit(rows),
  ) => {
    const octokit = createGitHubClient({ token: github.token, baseUrl: github.url, log, retryAfterBaseValue: 1 });
    return runScheduledAudit({
      octokit,
      repo: { owner: github.owner, repo: github.repo },
      result: auditResult(rows),
      units,
      top: 10,
      window: WINDOW,
      allowlist,
      allowlistPath: '.github/outbound-ports.yml',
      store: new FileMemoryStore(memoryPath, KEY),
      label: LABEL,
      stackOrVpcKey: KEY,
      issueKey: KEY,
      author: await tokenLogin(octokit),
      log,
      collectingBaseline,
      health,
      drillDown,
    });
  };
}

/** An allowlist from `ports:` entry lines. */
export function allowlistOf(...lines: string[]): Allowlist {
  return parseAllowlist(`ports:\n${lines.join('\n')}\n`, '.github/outbound-ports.yml');
}

export interface ScheduledBed {
  github: FakeGitHub;
  /** A fresh folder for the memory file. */
  dir: string;
  /** A scheduled-audit runner over `github` and `dir/known-ports.json`. */
  run: ReturnType<typeof scheduledRunner>;
}

/** Before each test: a fresh local GitHub API, a memory folder and a runner over both; removed after it. */
export function useScheduledBed(options?: FakeGitHubOptions): ScheduledBed {
  const bed = {} as ScheduledBed;
  beforeEach(async () => {
    bed.github = await startFakeGitHub(options);
    bed.dir = await mkdtemp(join(tmpdir(), 'port-memory-'));
    bed.run = scheduledRunner(bed.github, join(bed.dir, 'known-ports.json'));
  });
  afterEach(async () => {
    await bed.github.stop();
    await rm(bed.dir, { recursive: true, force: true });
  });
  return bed;
}

/** The audit units of a one-VPC audit (the unit of nulls, as auditUnits gives today) holding `rows`. */
export function oneUnit(rows: readonly PortRow[]): UnitPorts[] {
  return [{ unit: UNATTRIBUTED, rows, portsLeftOut: 0 }];
}
