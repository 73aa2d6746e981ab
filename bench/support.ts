// What the benchmarks in bench/ share: the `--quick` flag, the machine line, medians with min-max of timed
// samples, and where a benchmark writes its markdown section (bench/results/<name>.md; quick runs go to
// bench/out/<name>-quick/ so they never overwrite a recorded result).

import { createReadStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createGunzip } from 'node:zlib';

export const quick = process.argv.includes('--quick');

/** Issue 7's target for the Athena engine's polling overhead: under 10 % of the query's time plus 0.5 s. */
export const pollingTargetMs = (queryMs: number): number => 0.1 * queryMs + 500;

export const machine = (): string => `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), Node ${process.version}`;

/**
 * The first line of a one-day benchmark's results over S3 delivery's daily layout: the machine, the records and
 * files, the rounds, and the 1-minute load average before (`loadBefore`) and now.
 */
export function oneDaySetupLine(truth: { readonly records: number; readonly files: number }, rounds: number, loadBefore: number): string {
  return (
    `Machine: ${machine()}. One day of ${truth.records.toLocaleString('en-US')} v5 lines in S3 delivery's daily layout, ${truth.files} gzip files; ` +
    `medians of ${rounds} interleaved rounds after a warm-up (min-max in brackets); 1-minute load average ${loadBefore.toFixed(1)} before and ` +
    `${loadavg()[0]!.toFixed(1)} after (other work on the machine inflates every row alike).`
  );
}

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('summarize: no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: sorted.length };
}

/** Runs `work` `runs` times (after `warmups` untimed runs) and summarizes the wall times in ms. */
export async function timeRuns(runs: number, work: () => Promise<unknown>, warmups = 0): Promise<Summary> {
  for (let i = 0; i < warmups; i++) await work();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  return summarize(samples);
}

/**
 * Times several runs side by side: `warmups` untimed runs of each, then `rounds` rounds in which every run goes
 * once, so that load from other work on the machine falls on all of them alike. Wall times in ms per run.
 */
export async function timeInterleaved<K extends string>(runs: Record<K, () => Promise<unknown>>, rounds: number, warmups = 1): Promise<Record<K, Summary>> {
  const names = Object.keys(runs) as K[];
  for (let i = 0; i < warmups; i++) for (const name of names) await runs[name]();
  const samples = new Map<K, number[]>(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const started = performance.now();
      await runs[name]();
      samples.get(name)!.push(performance.now() - started);
    }
  }
  return Object.fromEntries(names.map((name) => [name, summarize(samples.get(name)!)])) as Record<K, Summary>;
}

/** Uncompressed bytes and lines (newlines) of gzip files. */
export async function gunzippedSize(paths: readonly string[]): Promise<{ bytes: number; lines: number }> {
  let [bytes, lines] = [0, 0];
  for (const path of paths) {
    for await (const chunk of createReadStream(path).pipe(createGunzip())) {
      const buffer = chunk as Buffer;
      bytes += buffer.length;
      for (let i = buffer.indexOf(10); i >= 0; i = buffer.indexOf(10, i + 1)) lines++;
    }
  }
  return { bytes, lines };
}

/** `median (min-max)` with a unit and fixed decimals. */
export const spread = (s: Summary, decimals = 0, unit = ' ms'): string =>
  `${s.median.toFixed(decimals)}${unit} (${s.min.toFixed(decimals)}-${s.max.toFixed(decimals)})`;

/** Writes the benchmark's markdown section and prints it; returns the path written. */
export async function writeResults(name: string, text: string): Promise<string> {
  const path = quick ? join('bench', 'out', `${name}-quick`, `${name}.md`) : join('bench', 'results', `${name}.md`);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text.endsWith('\n') ? text : `${text}\n`);
  console.log(text);
  return path;
}
