// Runs every benchmark of bench/ in one command (`npm run bench [-- --quick]`), one after the other, and
// gathers their sections into bench/RESULTS.md (quick runs: bench/out/run-all-quick/RESULTS.md) with the
// machine, the date, each target met or its gap, and the scale-on-paper cost table built from the measured
// per-GB figures. Run: node lib/bench/run-all.js [--quick]

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { athenaCostUsd } from '../src/engines/athena.js';
import { AUDITS_PER_MONTH, GIB, MONTHLY_VOLUMES, priceList, PRICES, S3_EXPIRATION_DAYS, s3ParquetMonth, type ParquetFigures } from './prices.js';
import { machine, pollingTargetMs, quick } from './support.js';

/** In run order: the quick ones first, so a broken build fails early. */
const BENCHMARKS = ['firehose-billing', 'athena-scan', 'athena-bytes', 'local-audit', 'window-coverage', 'unit-coverage', 'organisation-audit', 'egress-rules', 'action-overhead', 'install-and-start'] as const;

const sectionPath = (name: string) => (quick ? join('bench', 'out', `${name}-quick`, `${name}.md`) : join('bench', 'results', `${name}.md`));
const figuresPath = (name: string) => join('bench', 'out', quick ? `${name}-quick` : name, `${name}.json`);

function runBenchmark(name: string): number {
  const started = performance.now();
  console.error(`\n=== ${name} ===`);
  const run = spawnSync(process.execPath, [join('lib', 'bench', `${name}.js`), ...(quick ? ['--quick'] : [])], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0) throw new Error(`benchmark ${name} failed (exit code ${run.status ?? run.signal})`);
  return (performance.now() - started) / 1000;
}

/** The first number a pattern captures in a section, or undefined when the section says it differently. */
function figure(section: string, pattern: RegExp, group = 1): number | undefined {
  const match = pattern.exec(section);
  return match ? Number(match[group]!.replaceAll(',', '')) : undefined;
}

interface Target {
  readonly what: string;
  readonly measured: number | undefined;
  readonly unit: string;
  /** Met when measured passes this test. */
  readonly met: (value: number) => boolean;
  readonly target: string;
  /** What would close the gap, when missed. */
  readonly closer: string;
}

function targetRow(t: Target): string {
  if (t.measured === undefined) return `| ${t.what} | not found in its section | ${t.target} | see the section |`;
  const value = `${t.measured}${t.unit}`;
  return `| ${t.what} | ${value} | ${t.target} | ${t.met(t.measured) ? 'met' : `**missed**: ${t.closer}`} |`;
}

// ---- scale on paper --------------------------------------------------------------------------------------

/** Assumptions the table states: CloudWatch Logs retention and S3 expiration (prices.ts) are the template's defaults. */
const LOG_RETENTION_DAYS = 3;
const EVENTS_PER_PAYLOAD = 100;
const LAMBDA_MEMORY_GB = 0.25;
const LAMBDA_NETWORK_MS = 20;

interface PerGb {
  readonly bytesPerLine: number;
  readonly gzipRatio: number;
  readonly packedBilled: number;
  readonly perLineBilled: number;
  readonly handlerEventsPerSecond: number;
  readonly duckdbMBps: number;
  /** The s3-parquet pipeline's figures, measured by athena-bytes on the same records. */
  readonly parquet: ParquetFigures;
}

interface OptionCost {
  readonly option: string;
  readonly delivery: number;
  readonly lambda: number;
  readonly firehose: number;
  readonly s3: number;
  readonly athena: number;
  readonly scannedPerAudit: number;
  /** The daily audit's local DuckDB time over this option's files / over the same day as gzip text (default 1). */
  readonly localTimeVsText?: number;
  /** The gzip text bytes of the day this option's audit covers (for the local time; default scannedPerAudit). */
  readonly gzipTextPerAudit?: number;
}

/** The scale table's s3-parquet row label. */
const S3_PARQUET = 'flow logs straight to S3 as Parquet (`pipeline: s3-parquet`, full field set), projected table; delivery + Parquet conversion';

function costs(gbPerMonth: number, m: PerGb): OptionCost[] {
  const lines = (gbPerMonth * GIB) / m.bytesPerLine;
  const invocations = lines / EVENTS_PER_PAYLOAD;
  const lambdaSeconds = invocations * ((EVENTS_PER_PAYLOAD / m.handlerEventsPerSecond) * 1000 + LAMBDA_NETWORK_MS) / 1000;
  const lambda = (invocations / 1e6) * PRICES.lambdaPerMillionRequests + lambdaSeconds * LAMBDA_MEMORY_GB * PRICES.lambdaPerGbSecondArm;
  const logs = gbPerMonth * PRICES.logsIngestPerGb + gbPerMonth * (LOG_RETENTION_DAYS / 30) * PRICES.logsStoragePerGbMonth;
  const storedGb = (gbPerMonth / m.gzipRatio) * (S3_EXPIRATION_DAYS / 30);
  const s3 = storedGb * PRICES.s3PerGbMonth;
  const dayBytes = (gbPerMonth * GIB) / 30 / m.gzipRatio;
  const projected = { athena: AUDITS_PER_MONTH * athenaCostUsd(dayBytes), scannedPerAudit: dayBytes };
  const unpartitioned = { athena: AUDITS_PER_MONTH * athenaCostUsd(dayBytes * S3_EXPIRATION_DAYS), scannedPerAudit: dayBytes * S3_EXPIRATION_DAYS };
  const parquet = s3ParquetMonth(gbPerMonth, m.parquet);
  return [
    { option: 'this stack: CloudWatch Logs + Lambda (packed) + Firehose, projected table', delivery: logs, lambda, firehose: gbPerMonth * m.packedBilled * PRICES.firehosePerGb, s3, ...projected },
    { option: 'flow logs straight to S3 as gzip text (vended delivery), projected table', delivery: gbPerMonth * PRICES.vendedToS3PerGb, lambda: 0, firehose: 0, s3, ...projected },
    {
      option: S3_PARQUET,
      delivery: parquet.delivery + parquet.conversion,
      lambda: 0,
      firehose: 0,
      s3: parquet.s3,
      athena: parquet.athena,
      scannedPerAudit: parquet.scannedPerAudit,
      localTimeVsText: m.parquet.localTimeVsText,
      gzipTextPerAudit: projected.scannedPerAudit,
    },
    { option: "the recipe: CloudWatch Logs + Lambda (one record per line) + Firehose, unpartitioned table", delivery: logs, lambda, firehose: gbPerMonth * m.perLineBilled * PRICES.firehosePerGb, s3, ...unpartitioned },
  ];
}

const dollars = (value: number) => (value === 0 ? '-' : value < 0.01 ? '<$0.01' : `$${value.toLocaleString('en-US', { maximumFractionDigits: value < 100 ? 2 : 0, minimumFractionDigits: value < 100 ? 2 : 0 })}`);
const size = (bytes: number) => (bytes >= 2 ** 40 ? `${(bytes / 2 ** 40).toFixed(1)} TiB` : bytes >= GIB ? `${(bytes / GIB).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`);
const duration = (seconds: number) => (seconds < 60 ? `${seconds.toFixed(1)} s` : seconds < 3600 ? `${(seconds / 60).toFixed(0)} min` : `${(seconds / 3600).toFixed(1)} h`);

function scaleTable(m: PerGb): string {
  const rows: string[] = [];
  for (const [label, gb] of MONTHLY_VOLUMES) {
    for (const c of costs(gb, m)) {
      const total = c.delivery + c.lambda + c.firehose + c.s3 + c.athena;
      const localSeconds = ((c.gzipTextPerAudit ?? c.scannedPerAudit) / 2 ** 20 / m.duckdbMBps) * (c.localTimeVsText ?? 1);
      rows.push(
        `| ${label} | ${c.option} | ${dollars(c.delivery)} | ${dollars(c.lambda)} | ${dollars(c.firehose)} | ${dollars(c.s3)} | ${dollars(c.athena)} | **${dollars(total)}** | ${size(c.scannedPerAudit)} | ${duration(localSeconds)} |`,
      );
    }
  }
  return [
    '| flow logs a month | pipeline | CloudWatch Logs or S3 delivery | Lambda | Firehose | S3 storage | Athena (30 audits) | total a month | read per daily audit | daily audit, local DuckDB (2 cores) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `Measured per-GB figures (this run): ${m.bytesPerLine.toFixed(1)} bytes per v5 line; gzip ratio ${m.gzipRatio.toFixed(2)}; Firehose billed ${m.packedBilled}x the raw bytes packed ` +
      `and ${m.perLineBilled}x one record per line (${EVENTS_PER_PAYLOAD} events per CloudWatch Logs payload); handler ${Math.round(m.handlerEventsPerSecond).toLocaleString('en-US')} events/s; ` +
      `local DuckDB audit ${m.duckdbMBps.toFixed(1)} MiB/s of gzip on 2 cores. "GB of flow logs" = raw v5 flow-log text (what CloudWatch Logs and vended delivery bill). ` +
      `s3-parquet, measured on one day of the same records (bench/athena-bytes.ts): the full field set is ${m.parquet.fullTextPerV5Text.toFixed(3)}x the v5 text, ` +
      `Parquet ${m.parquet.parquetPerText.toFixed(3)}x its text, the daily audit scans ${m.parquet.scannedPerV5Text.toFixed(4)}x the day's v5 text (the column chunks its SQL names), ` +
      `its local audit takes ${m.parquet.localTimeVsText.toFixed(2)}x the gzip text's time (timed side by side; the time column scales the gzip throughput by it). Its arithmetic:`,
    '',
    ...MONTHLY_VOLUMES.map(([label, gb]) => `- ${label}: ${s3ParquetMonth(gb, m.parquet).arithmetic}.`),
    '',
    priceList(),
    '',
    `Assumptions: CloudWatch Logs keeps ${LOG_RETENTION_DAYS} days (the template's default; stored bytes taken uncompressed, an upper bound), S3 keeps ${S3_EXPIRATION_DAYS} days ` +
      `(the template's default expiration; steady state, gzip as measured) in every option, so the recipe's unpartitioned table reads ${S3_EXPIRATION_DAYS} days per audit ` +
      `(the recipe sets no expiration: it reads more every day); one audit a day; Lambda ${LAMBDA_MEMORY_GB * 1024} MB (the template), ${EVENTS_PER_PAYLOAD} events per invocation, ` +
      `the measured handler time plus ${LAMBDA_NETWORK_MS} ms for PutRecordBatch (not measured here); straight-to-S3 as gzip text assumes hourly partitions ` +
      `under a projected table like this stack's (the action deploys S3 delivery as Parquet only, \`pipeline: s3-parquet\`; the text row is for comparison). Not counted: S3 requests, Athena result storage, data transfer, CloudWatch ` +
      `Logs tiers above 10 TB. Audit time is the local DuckDB engine's measured throughput, extrapolated linearly; Athena's own time was not measured (no AWS here).`,
  ].join('\n');
}

// ---- the page ----------------------------------------------------------------------------------------------

function readJson<T>(path: string): T {
  if (!existsSync(path)) throw new Error(`${path} is missing: the benchmark that writes it did not run`);
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

async function main(): Promise<void> {
  const started = new Date();
  const loadBefore = loadavg()[0]!;
  const durations = new Map<string, number>();
  for (const name of BENCHMARKS) durations.set(name, runBenchmark(name));
  const totalSeconds = (Date.now() - started.getTime()) / 1000;
  const sections = new Map(BENCHMARKS.map((name) => [name, readFileSync(sectionPath(name), 'utf8').trim()]));

  const athena = readJson<{ bytesPerLine: number; gzipRatio: number; duckdbMBps: number; costRatio: number; days: number }>(figuresPath('athena-scan'));
  interface Lag {
    queryMs: number;
    lagMs: number;
    missingShare: number;
  }
  const overhead = readJson<{
    coldStartMs: number;
    floorMs: number;
    polling: { queryMs: number; overheadMs: number }[];
    pollingWorst: Lag;
    baselineWorst: Lag & { polls30s: number; enginePolls30s: number };
  }>(figuresPath('action-overhead'));
  const parquet = readJson<ParquetFigures & { scannedShare: number; scannedBytes: number; topTenScannedBytes: number }>(figuresPath('athena-bytes'));
  const worst = overhead.pollingWorst;
  const baseline = overhead.baselineWorst;
  const firehose = sections.get('firehose-billing')!;
  const local = sections.get('local-audit')!;
  const v5Row = (strategy: string) => new RegExp(`\\| v5 \\| [^|]+\\| 100 \\|[^|]+\\| ${strategy} \\|[^|]+\\|[^|]+\\| ([\\d.]+)x \\|`);
  const perGb: PerGb = {
    bytesPerLine: athena.bytesPerLine,
    gzipRatio: athena.gzipRatio,
    packedBilled: figure(firehose, v5Row('packed')) ?? NaN,
    perLineBilled: figure(firehose, v5Row('one per line')) ?? NaN,
    handlerEventsPerSecond: figure(firehose, /\| handler: [^|]+\| ([\d,]+)/) ?? NaN,
    duckdbMBps: athena.duckdbMBps,
    parquet,
  };

  const r2 = (value: number | undefined) => (value === undefined ? undefined : Math.round(value * 100) / 100);
  const targets: Target[] = [
    { what: 'Athena: dollars per daily audit, unpartitioned vs projected', measured: r2(athena.costRatio), unit: 'x less', met: (v) => v >= 25, target: 'at least 25x less', closer: 'more days kept in S3 raise it; below 10 MB a day the minimum charge caps it' },
    {
      what: 'Athena: bytes per daily audit, S3 delivery Parquet (the columns the SQL names) vs this stack\'s gzip text',
      measured: Math.round(parquet.scannedShare * 1000) / 1000,
      unit: 'x',
      met: (v) => v <= 0.2,
      target: '<= 0.2x',
      closer: 'see the section: which columns weigh most',
    },
    {
      what: 'Athena: bytes per daily audit, every port (max-ports) vs the top 10 only (Parquet columns the SQL names)',
      measured: r2(parquet.scannedBytes / parquet.topTenScannedBytes),
      unit: 'x',
      met: (v) => v <= 1,
      target: '1.0x',
      closer: 'the two SQL texts name the same columns; only LIMIT differs',
    },
    { what: 'Firehose: billed / raw bytes, packed, full v5 payloads', measured: figure(firehose, /v5: full payloads bill ([\d.]+)x/), unit: 'x', met: (v) => v <= 1.02, target: '<= 1.02x', closer: 'larger CloudWatch Logs payloads' },
    { what: 'Lambda handler time vs the decode floor', measured: figure(firehose, /The handler takes ([\d.]+)x the time of the floor/), unit: 'x', met: (v) => v <= 1.5, target: '<= 1.5x', closer: 'see the section' },
    { what: 'Local audit: DuckDB vs the shell pipeline (one day, Firehose text)', measured: figure(local, /DuckDB vs the shell pipeline: ([\d.]+)x/), unit: 'x', met: (v) => v < 1, target: '< 1x', closer: 'see the section' },
    { what: 'Local audit: Firehose text (12 objects an hour) vs the gzip -dc floor', measured: figure(local, /Firehose text vs the gzip -dc floor: ([\d.]+)x/), unit: 'x', met: (v) => v <= 1.1, target: '<= 1.1x', closer: 'see the section' },
    { what: 'Local audit: every port (max-ports 2000) vs the top 10 only, one day of Firehose text', measured: figure(local, /Every port vs the top 10 only: ([\d.]+)x/), unit: 'x', met: (v) => v <= 1.1, target: '<= 1.1x', closer: 'see the section' },
    { what: 'Local audit: S3 text with header lines vs Firehose text', measured: figure(local, /S3 header text vs Firehose text: ([\d.]+)x/), unit: 'x', met: (v) => v <= 1.1, target: '<= 1.1x', closer: 'see the section' },
    { what: 'Local audit: Parquet vs S3 gzip text', measured: figure(local, /Parquet vs S3 gzip text: ([\d.]+)x faster/), unit: 'x faster', met: (v) => v >= 4, target: 'at least 4x faster', closer: 'see the section' },
    {
      what: 'Organisation audit: grouped by (account, region, VPC) vs the single list, one day of 50 accounts x 2 VPCs',
      measured: figure(sections.get('organisation-audit')!, /Grouped vs single list: ([\d.]+)x/),
      unit: 'x',
      met: (v) => v <= 1.3,
      target: '<= 1.3x',
      closer: 'see the section',
    },
    {
      what: 'Egress-rules proposal vs the plain audit of the same files, one day of about 1 M lines and 500 interfaces',
      measured: figure(sections.get('egress-rules')!, /Proposal vs audit: ([\d.]+)x/),
      unit: 'x',
      met: (v) => v <= 1.5,
      target: '<= 1.5x',
      closer: 'see the section',
    },
    { what: 'Local audit: 24 h of a 30-day daily-layout copy vs a one-day copy', measured: figure(local, /24-hour audit over \d+ days vs one day: ([\d.]+)x/), unit: 'x', met: (v) => v <= 1.2, target: '<= 1.2x', closer: 'see the section' },
    { what: 'Bundle cold start: spawn to first AWS request (slowest scenario)', measured: Math.round(overhead.coldStartMs), unit: ' ms', met: (v) => v < 300, target: '< 300 ms', closer: `dynamic import of the EC2 and CloudFormation clients, ncc --minify (measured about 40 ms less), Node 22's compile cache; Node's own start is ${Math.round(overhead.floorMs)} ms of it` },
    ...overhead.polling.map((p) => ({
      what: `Athena polling overhead at T = ${p.queryMs / 1000} s`,
      measured: Math.round(p.overheadMs),
      unit: ' ms',
      met: (v: number) => v < pollingTargetMs(p.queryMs),
      target: `< ${Math.round(pollingTargetMs(p.queryMs))} ms`,
      closer: 'see the section',
    })),
    {
      what: `Athena polling lag, worst query time from 0.1 to 120 s (schedule only; missed for ${Math.round(worst.missingShare * 100)} % of query times)`,
      measured: Math.round(worst.lagMs),
      unit: ` ms at T = ${worst.queryMs / 1000} s`,
      met: (v) => v < pollingTargetMs(worst.queryMs),
      target: `< ${Math.round(pollingTargetMs(worst.queryMs))} ms there`,
      closer:
        `baseline side by side, a delay growing 1.5x per poll: missed for ${Math.round(baseline.missingShare * 100)} % of query times, worst at T = ${baseline.queryMs / 1000} s ` +
        `(${Math.round(baseline.lagMs)} ms vs ${Math.round(pollingTargetMs(baseline.queryMs))} ms); the engine's tenth-of-elapsed schedule costs ${baseline.enginePolls30s} polls instead of ${baseline.polls30s} for a 30 s query`,
    },
  ];

  const text = [
    `# Benchmark results${quick ? ' (quick run: tiny sizes, numbers mean nothing)' : ''}`,
    '',
    `Machine: ${machine()}. Date: ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC. Command: \`npm run bench${quick ? ' -- --quick' : ''}\` ` +
      `(\`node lib/bench/run-all.js\`), ${duration(totalSeconds)} in all: ${BENCHMARKS.map((n) => `${n} ${duration(durations.get(n)!)}`).join(', ')} ` +
      `(generated datasets are kept in bench/out/ and reused; generating them adds several minutes to a first run). ` +
      `1-minute load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after: other work on this shared machine inflates times.`,
    '',
    '## Targets',
    '',
    '| what | measured | target | |',
    '| --- | ---: | --- | --- |',
    ...targets.map(targetRow),
    '',
    '## Scale on paper: monthly cost and daily audit for 1 GB, 100 GB and 10 TB of flow logs a month',
    '',
    scaleTable(perGb),
    '',
    ...BENCHMARKS.map((name) => `${sections.get(name)!}\n`),
  ].join('\n');
  const path = quick ? join('bench', 'out', 'run-all-quick', 'RESULTS.md') : join('bench', 'RESULTS.md');
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
  console.error(`\nwrote ${path} (${duration(totalSeconds)})`);
}

await main();
