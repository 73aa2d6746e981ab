// Benchmark: the local audit (DuckDB engine, the Athena SQL) on one day of ~1M v5 flow-log lines, side by
// side with the gunzip floor (`gzip -dc` to /dev/null) and the shell pipeline a user would write
// (`zcat | awk | sort | uniq -c | sort -rn | head`); and the 24-hour audit over 30 days (~10M lines) against
// the audit of that one day alone (partition pruning by path). Run: node lib/bench/local-audit.js [--quick]

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseCidrList } from '../src/audit/parameters.js';
import type { AuditParameters } from '../src/audit/query.js';
import { DuckDbEngine } from '../src/engines/duckdb.js';
import { listWindowFiles } from '../src/engines/local-files.js';
import { V5_FORMAT } from '../src/flowlog/format.js';
import { windowEndingAt } from '../src/flowlog/layout.js';
import { GROUND_TRUTH_FILE, generateSample, type GroundTruth } from '../src/flowlog/sample.js';

const quick = process.argv.includes('--quick');
const OUT = join('bench', 'out', quick ? 'local-audit-quick' : 'local-audit');
const RESULTS = quick ? join(OUT, 'local-audit.md') : join('bench', 'results', 'local-audit.md');
const CIDR = '10.0.0.0/16';
const END = new Date('2026-11-02T00:00:00Z');
const SEED = 42;
const REPS = quick ? 2 : 5;
/** One day of ~1M lines, and 30 days of ~10M lines. */
const DAY = { days: 1, recordsPerHour: quick ? 2000 : 41_667, filesPerHour: 4 };
const MONTH = { days: quick ? 3 : 30, recordsPerHour: quick ? 700 : 13_889, filesPerHour: 4 };

const vpcCidrs = parseCidrList(CIDR);
const window = windowEndingAt(END, 24);
const params = (hours = 24): AuditParameters => ({
  preset: 'egress-ports',
  vpcCidrs,
  window: windowEndingAt(END, hours),
  top: 10,
  format: V5_FORMAT,
  table: { database: 'vpc_port_audit', table: 'flow_logs' },
});

/** Generates a dataset unless the same one is already on disk. */
async function dataset(dir: string, shape: typeof DAY): Promise<GroundTruth> {
  const truthFile = join(dir, GROUND_TRUTH_FILE);
  if (existsSync(truthFile)) {
    const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as GroundTruth;
    if (truth.records >= shape.days * 24 * shape.recordsPerHour && truth.files === shape.days * 24 * shape.filesPerHour) return truth;
  }
  const started = performance.now();
  const truth = await generateSample({ out: dir, vpcCidrs, end: END, seed: SEED, format: V5_FORMAT, ...shape });
  console.error(`generated ${truth.records} lines in ${dir} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  return truth;
}

interface Timing {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

async function time(label: string, run: () => Promise<unknown> | unknown): Promise<Timing> {
  await run(); // warm-up: page cache, JIT
  const samples: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const result = { median: samples[Math.floor(samples.length / 2)]!, min: samples[0]!, max: samples[samples.length - 1]! };
  console.error(`${label}: median ${(result.median / 1000).toFixed(3)} s`);
  return result;
}

const shell = (script: string, files: readonly string[]) =>
  execFileSync('bash', ['-c', script, 'bench', ...files], { maxBuffer: 1 << 24 }).toString();

/** The pipeline a user would write for v5 lines: egress, accepted, from 10.0.0.0/16 to elsewhere, by dstport/protocol. */
const AWK_PIPELINE =
  `zcat "$@" | awk '$4 ~ /^10\\.0\\./ && $5 !~ /^10\\.0\\./ && $13 == "ACCEPT" && $28 == "egress" { print $7 "/" $8 }'` +
  ` | sort | uniq -c | sort -rn | head`;

const s = (ms: number) => (ms / 1000).toFixed(3);
const row = (name: string, t: Timing, base: Timing) =>
  `| ${name.replaceAll('|', '\\|')} | ${s(t.median)} | ${s(t.min)}-${s(t.max)} | ${(t.median / base.median).toFixed(2)}x |`;

async function main(): Promise<void> {
  const dayDir = join(OUT, 'day');
  const monthDir = join(OUT, 'month');
  const lastDayDir = join(OUT, 'month-last-day');
  const day = await dataset(dayDir, DAY);
  const month = await dataset(monthDir, MONTH);
  // Every hour is generated from its own stream, so this is exactly the last day of the 30-day dataset.
  const lastDay = await dataset(lastDayDir, { ...MONTH, days: 1 });

  const loadBefore = loadavg()[0]!;
  const dayFiles = (await listWindowFiles(dayDir, window)).files.map((f) => f.path);
  const engine = (dir: string) => new DuckDbEngine({ logsDir: dir });
  const floor = await time('gzip -dc floor', () => shell('gzip -dc "$@" > /dev/null', dayFiles));
  const pipeline = await time('shell pipeline', () => shell(AWK_PIPELINE, dayFiles));
  const duck = await time('duckdb audit', () => engine(dayDir).runAudit(params()));
  const cli = await time('duckdb audit (CLI process)', () =>
    execFileSync('node', ['lib/src/cli.js', 'audit', '--logs', dayDir, '--vpc-cidr', CIDR, '--end', '2026-11-02T00', '--format', 'json']),
  );
  const oneDay = await time('1-day audit', () => engine(lastDayDir).runAudit(params()));
  const pruned = await time('24 h of 30 days', () => engine(monthDir).runAudit(params()));
  const full = await time('whole 30 days', () => engine(monthDir).runAudit(params(MONTH.days * 24)));
  const [top] = (await engine(dayDir).runAudit(params())).rows;
  const duckdbVersion = execFileSync('node', ['-e', "import('@duckdb/node-api').then(m=>console.log(m.version?.() ?? ''))"]).toString().trim();

  const machine = `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), Node ${process.version}, DuckDB ${duckdbVersion || 'node-api'}`;
  const text = [
    `## local-audit${quick ? ' (quick run: tiny sizes, numbers mean nothing)' : ''}`,
    '',
    `Machine: ${machine}. Medians of ${REPS} runs after one warm-up (min-max beside), files in the page cache; ` +
      `1-minute load average ${loadBefore.toFixed(1)} before and ${loadavg()[0]!.toFixed(1)} after the timed runs (other work on the machine inflates every row alike).`,
    '',
    `### One day: ${day.records.toLocaleString('en-US')} v5 lines, ${day.files} files, ${(day.compressedBytes / 1e6).toFixed(1)} MB gzip`,
    '',
    '| what | median s | min-max s | vs gzip -dc floor |',
    '| --- | ---: | ---: | ---: |',
    row('`gzip -dc` of the files to /dev/null (floor)', floor, floor),
    row('`zcat | awk <CIDR test> | sort | uniq -c | sort -rn | head`', pipeline, floor),
    row('DuckDB audit (engine in-process, the Athena SQL)', duck, floor),
    row('DuckDB audit (`node lib/src/cli.js audit`, whole process)', cli, floor),
    '',
    `DuckDB vs the shell pipeline: ${(duck.median / pipeline.median).toFixed(2)}x (target < 1), vs the floor ${(duck.median / floor.median).toFixed(2)}x (target <= 1.3). ` +
      `Top port: ${top?.port}/${top?.protocol} with ${top?.flows} flows (ground truth: ${day.egressPorts[0]?.port}/${day.egressPorts[0]?.protocol} with ${day.egressPorts[0]?.flows}).`,
    '',
    `### ${MONTH.days} days: ${month.records.toLocaleString('en-US')} v5 lines, ${month.files} files, ${(month.compressedBytes / 1e6).toFixed(1)} MB gzip`,
    '',
    '| what | median s | min-max s | vs one-day audit |',
    '| --- | ---: | ---: | ---: |',
    row(`audit of that dataset's last day alone (${lastDay.records.toLocaleString('en-US')} lines)`, oneDay, oneDay),
    row(`24-hour audit over the ${MONTH.days}-day folder (pruned by path)`, pruned, oneDay),
    row(`audit of all ${MONTH.days} days (what a row filter would have to read)`, full, oneDay),
    '',
    `24-hour audit over ${MONTH.days} days vs one day: ${(pruned.median / oneDay.median).toFixed(2)}x (target <= 1.2).`,
    '',
  ].join('\n');
  await mkdir(join(RESULTS, '..'), { recursive: true });
  await writeFile(RESULTS, text);
  console.log(text);
}

await main();
