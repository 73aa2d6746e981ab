// The `vpc-port-audit` command line as a real process: src/cli.ts bundled with esbuild (packages stay external,
// so the bundle sits inside the repository's node_modules to resolve @duckdb/node-api) and run with node.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import type { PortRow } from '../../src/audit/port-row.js';

export const ROOT = new URL('../../', import.meta.url).pathname;
// One bundle per test process, so test files running side by side never overwrite each other's.
const CLI = join(ROOT, `node_modules/.cache/vpc-port-audit-test/cli-${process.pid}.mjs`);

/** Bundles the CLI; call from beforeAll. */
export async function buildCli(): Promise<void> {
  await build({ entryPoints: [join(ROOT, 'src/cli.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: CLI, logLevel: 'error' });
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the bundled CLI with `args` in `cwd` (default the repository root), with this test's process.env (jest
 * gives each test file its own copy, which a child would not otherwise see).
 */
export async function cli(args: readonly string[], cwd = ROOT): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [CLI, ...args], { cwd, env: process.env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A port of `--format json` as ground truths give it: its counts, without the names and the allowlist verdict. */
export type PortCounts = Omit<PortRow, 'samplePeers'>;

/** The counts of each port of a `--format json` document's `ports` (or `new`). */
export const portCounts = (ports: readonly PortCounts[]): PortCounts[] =>
  ports.map(({ port, protocol, connections, flows, packets, bytes, peers }) => ({ port, protocol, connections, flows, packets, bytes, peers }));
