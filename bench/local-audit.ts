// Benchmark: the local audit (discovery, per-file formats, the DuckDB view, the query builder's SQL) on one day
// of ~1M v5 flow-log lines laid out as each pipeline really writes them: Firehose with 300 s buffering (12
// headerless gzip objects an hour), S3 delivery's default daily layout (a file per 5 minutes per flow log, each
// starting with the header line) as text and as Parquet. Side by side in one run with the single-process gunzip
// floor (`gzip -dc` to /dev/null, wall and CPU time) and the shell pipeline a user would write; then the 24-hour
// audit over a 30-day copy in the daily layout against a copy of that one day (pruning by path). Where the
// time goes, in the same rounds: DuckDB reading the Firehose files as bare lines (its gzip reader), the view's
// scan with the audit's row filter, and the audit's SQL over the same records already in a DuckDB table (the
// query's own cost, which every file format pays). And the full-port audit (every port of the window, up to
// max-ports, as the CLI and action run it) against the earlier top-10 audit (LIMIT 10) on the same day.
// Run: node lib/bench/local-audit.js [--quick]

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DEFAULT_MAX_PORTS, parseCidrList } from '../src/audit/parameters.js';
import { buildAuditSql, type AuditParameters } from '../src/audit/query.js';
import { DuckDbEngine, localViewShape, tableDdl, TRINO_FUNCTION_MACROS } from '../src/engines/duckdb.js';
import { readLocalLogs, type LocalLogs } from '../src/engines/local-files.js';
import { V5_FORMAT } from '../src/flowlog/format.js';
import { windowEndingAt } from '../src/flowlog/layout.js';
import { GROUND_TRUTH_FILE, generateSample, type GroundTruth, type SampleOptions } from '../src/flowlog/sample.js';

const quick = process.argv.includes('--quick');
const OUT = join('bench', 'out', quick ? 'local-audit-quick' : 'local-audit');
const RESULTS = quick ? join(OUT, 'local-audit.md') : join('bench', 'results', 'local-audit.md');
const CIDR = '10.0.0.0/16';
const END = new Date('2026-11-02T00:00:00Z');
const SEED = 42;
const REPS = quick ? 2 : 5;
/** Rounds for the sub-second pruning pair, whose medians need more samples to stand above the machine's noise. */
const PRUNING_REPS = 4 * REPS;
/** Firehose (300 s buffering) writes about 12 objects an hour; S3 delivery a file every 5 minutes per flow log. */
const FILES_PER_HOUR = quick ? 2 : 12;
/** One day of ~1M lines; 30 days of ~100k lines a day in the daily layout (the window reads one day of it). */
const DAY = { days: 1, recordsPerHour: quick ? 2000 : 41_667, filesPerHour: FILES_PER_HOUR };
const MONTH = { days: quick ? 3 : 30, recordsPerHour: quick ? 300 : 4_167, filesPerHour: FILES_PER_HOUR };

const vpcCidrs = parseCidrList(CIDR);
const TABLE = { database: 'vpc_port_audit', table: 'flow_logs' };

type Shape = Pick<SampleOptions, 'days' | 'recordsPerHour' | 'filesPerHour' | 'layout' | 'fileFormat'>;

/** Generates a dataset unless the same one is already on disk; another one there is removed first, so no file counts twice. */
async function dataset(dir: string, shape: Shape): Promise<GroundTruth> {
  const truthFile = join(dir, GROUND_TRUTH_FILE);
  if (existsSync(truthFile)) {
    const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as GroundTruth;
    if (truth.records >= shape.days * 24 * shape.recordsPerHour && truth.files === shape.days * 24 * shape.filesPerHour!) return truth;
  }
  await rm(dir, { recursive: true, force: true });
  const started = performance.now();
  const truth = await generateSample({ out: dir, vpcCidrs, end: END, seed: SEED, format: V5_FORMAT, ...shape });
  console.error(`generated ${truth.records} lines in ${dir} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  return truth;
}

const auditParameters = (logs: LocalLogs, hours = 24, maxPorts = DEFAULT_MAX_PORTS): AuditParameters =>
  ({ preset: 'egress-ports', vpcCidrs, window: windowEndingAt(END, hours), maxPorts, source: localViewShape(TABLE, logs) });

/** The audit as the CLI runs it: discovery and formats, then the view's own TableShape; `maxPorts` 10 is the earlier top-10 audit. */
async function audit(dir: string, hours = 24, maxPorts = DEFAULT_MAX_PORTS) {
  const logs = await readLocalLogs(dir, windowEndingAt(END, hours));
  return new DuckDbEngine({ logs }).runAudit(auditParameters(logs, hours, maxPorts));
}

/** A DuckDB connection (made once, outside the timed runs) for the profile rows, with the engine's view over `logs`. */
async function viewConnection(logs: LocalLogs): Promise<DuckDBConnection> {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  for (const statement of [...TRINO_FUNCTION_MACROS, ...tableDdl(TABLE, logs.files)]) await connection.run(statement);
  return connection;
}

interface Timing {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Median CPU time (user + system) of the run's process(es), ms. */
  readonly cpu: number;
}

/** A timed run; returns the CPU time it used, ms. */
type Run = () => Promise<number> | number;

/** An in-process run: CPU time of this process (DuckDB's threads included). */
const inProcess = (work: () => Promise<unknown>): Run => async () => {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
};

/** A shell script over `files`; its children's CPU time from bash's `times`. */
const shell = (script: string, files: readonly string[]): Run => () => {
  const output = execFileSync('bash', ['-c', `${script}\ntimes`, 'bench', ...files], { maxBuffer: 1 << 24 }).toString().trim().split('\n');
  const [user, system] = [...output.at(-1)!.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60_000 + Number(m[2]) * 1000);
  return user! + system!;
};

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Times several runs side by side: one warm-up each, then `rounds` rounds in which every run goes once, so that
 * load from other work on the machine falls on all of them alike.
 */
async function timeSideBySide<K extends string>(runs: Record<K, Run>, rounds = REPS): Promise<Record<K, Timing>> {
  const names = Object.keys(runs) as K[];
  const walls = new Map<K, number[]>(names.map((n) => [n, []]));
  const cpu = new Map<K, number[]>(names.map((n) => [n, []]));
  for (const name of names) await runs[name](); // warm-up: page cache, JIT
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const started = performance.now();
      cpu.get(name)!.push(await runs[name]());
      walls.get(name)!.push(performance.now() - started);
    }
  }
  const timings = {} as Record<K, Timing>;
  for (const name of names) {
    const sorted = walls.get(name)!.sort((a, b) => a - b);
    timings[name] = { median: median(sorted), min: sorted[0]!, max: sorted[sorted.length - 1]!, cpu: median(cpu.get(name)!) };
    console.error(`${name}: median ${(timings[name].median / 1000).toFixed(3)} s, CPU ${(timings[name].cpu / 1000).toFixed(3)} s`);
  }
  return timings;
}

/** The pipeline a user would write for v5 lines: egress, accepted, from 10.0.0.0/16 to elsewhere, by dstport/protocol. */
const AWK_PIPELINE =
  `zcat "$@" | awk '$4 ~ /^10\\.0\\./ && $5 !~ /^10\\.0\\./ && $13 == "ACCEPT" && $28 == "egress" { print $7 "/" $8 }'` +
  ` | sort | uniq -c | sort -rn | head`;

const s = (ms: number) => (ms / 1000).toFixed(3);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
const row = (name: string, t: Timing, base: Timing) =>
  `| ${name.replaceAll('|', '\\|')} | ${s(t.median)} | ${s(t.min)}-${s(t.max)} | ${ratio(t.median, base.median)} | ${s(t.cpu)} | ${ratio(t.cpu, base.cpu)} |`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

async function main(): Promise<void> {
  const dirs = {
    firehose: join(OUT, 'day-firehose'),
    header: join(OUT, 'day-s3-text'),
    parquet: join(OUT, 'day-s3-parquet'),
    month: join(OUT, 'month-s3-daily'),
    lastDay: join(OUT, 'month-s3-daily-last-day'),
  };
  const firehose = await dataset(dirs.firehose, { ...DAY, layout: 'firehose' });
  const header = await dataset(dirs.header, { ...DAY, layout: 's3' });
  const parquet = await dataset(dirs.parquet, { ...DAY, layout: 's3', fileFormat: 'parquet' });
  const month = await dataset(dirs.month, { ...MONTH, layout: 's3' });
  // Every hour is generated from its own stream, so this is exactly the last day of the 30-day dataset.
  const lastDay = await dataset(dirs.lastDay, { ...MONTH, days: 1, layout: 's3' });

  const loadBefore = loadavg()[0]!;
  const firehoseLogs = await readLocalLogs(dirs.firehose, windowEndingAt(END, 24));
  const firehoseFiles = firehoseLogs.files.map((f) => f.path);
  const probe = await viewConnection(firehoseLogs);
  // A copy of the records in a table of the same name under another schema: the audit's SQL without reading files.
  await probe.run(`CREATE SCHEMA records; CREATE TABLE records.${TABLE.table} AS SELECT * FROM ${TABLE.database}.${TABLE.table}`);
  const parquetProbe = await viewConnection(await readLocalLogs(dirs.parquet, windowEndingAt(END, 24)));
  const fileList = `[${firehoseFiles.map((f) => `'${f}'`).join(', ')}]`;
  // Each line one VARCHAR (no tab in flow-log lines): DuckDB's gzip reader and line splitting, no fields.
  const linesSql = `SELECT count(*) FROM read_csv(${fileList}, columns = {'line': 'VARCHAR'}, delim = '\t', quote = '', escape = '', header = false, auto_detect = false, compression = 'gzip')`;
  // The records CTE's row filter for 10.0.0.0/16 (see the audit SQL), over the view: every field split, the filtered ones typed.
  const filterSql = `SELECT count(*) FROM ${TABLE.database}.${TABLE.table} WHERE starts_with(srcaddr, '10.0.') AND action = 'ACCEPT' AND log_status = 'OK'`;
  const onRecords = (sql: string) => sql.replace(`"${TABLE.database}"."${TABLE.table}"`, `records.${TABLE.table}`);
  const firehoseParameters = auditParameters(firehoseLogs);
  const querySql = onRecords(buildAuditSql(firehoseParameters));
  // The same query for a table without pkt-dstaddr: the builder then leaves out the window that finds NAT-gateway
  // interfaces (NAT copies would count twice), so the difference is that window's cost.
  const fullShape = firehoseParameters.source;
  const withoutPktDstaddr = { ...fullShape, columns: new Map([...fullShape.columns].filter(([name]) => name !== 'pkt_dstaddr')) };
  const noNatWindowSql = onRecords(buildAuditSql({ ...firehoseParameters, source: withoutPktDstaddr }));
  // The NAT-copy window partitions by interface (query.ts natCopyTerm); the per-unit windows stay in both.
  const natWindow = ' OVER (PARTITION BY interface_id)';
  if (!querySql.includes(natWindow) || noNatWindowSql.includes(natWindow)) throw new Error('the NAT-copy window is not where this benchmark expects it');
  const day = await timeSideBySide({
    floor: shell('gzip -dc "$@" > /dev/null', firehoseFiles),
    parallelFloor: shell(`printf '%s\\0' "$@" | xargs -0 -n 8 -P ${availableParallelism()} gzip -dc > /dev/null`, firehoseFiles),
    pipeline: shell(AWK_PIPELINE, firehoseFiles),
    firehose: inProcess(() => audit(dirs.firehose)),
    topTen: inProcess(() => audit(dirs.firehose, 24, 10)),
    header: inProcess(() => audit(dirs.header)),
    parquet: inProcess(() => audit(dirs.parquet)),
    cli: shell(`node lib/src/cli.js audit --logs "$1" --vpc-cidr ${CIDR} --end 2026-11-02T00 --format json > /dev/null`, [dirs.firehose]),
    lines: inProcess(() => probe.run(linesSql)),
    filter: inProcess(() => probe.run(filterSql)),
    parquetFilter: inProcess(() => parquetProbe.run(filterSql)),
    query: inProcess(() => probe.run(querySql)),
    noNatWindow: inProcess(() => probe.run(noNatWindowSql)),
  });
  probe.closeSync();
  parquetProbe.closeSync();
  const days = await timeSideBySide({
    oneDay: inProcess(() => audit(dirs.lastDay)),
    pruned: inProcess(() => audit(dirs.month)),
  }, PRUNING_REPS);
  const allDays = await timeSideBySide({ full: inProcess(() => audit(dirs.month, MONTH.days * 24)) });
  const tops = await Promise.all([dirs.firehose, dirs.header, dirs.parquet].map(async (dir) => (await audit(dir)).rows[0]));
  const duckdbVersion = execFileSync('node', ['-e', "import('@duckdb/node-api').then(m=>console.log(m.version?.() ?? ''))"]).toString().trim();
  const machine = `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), Node ${process.version}, DuckDB ${duckdbVersion || 'node-api'}`;
  const top = tops.map((t) => `${t?.port}/${t?.protocol} with ${t?.flows} flows`);

  const text = [
    `## local-audit${quick ? ' (quick run: tiny sizes, numbers mean nothing)' : ''}`,
    '',
    `Machine: ${machine}. Medians of ${REPS} rounds after one warm-up, each round running every row of a table once (min-max beside), files in the page cache; ` +
      `CPU is user + system time of the run's process (DuckDB's threads included) or of the shell's children. ` +
      `1-minute load average ${loadBefore.toFixed(1)} before and ${loadavg()[0]!.toFixed(1)} after the timed runs (other work on the machine inflates every row alike).`,
    '',
    `### One day, ${firehose.records.toLocaleString('en-US')} v5 lines, as each pipeline writes it`,
    '',
    `- Firehose (300 s buffering): ${firehose.files} headerless gzip objects in hour folders, ${mb(firehose.compressedBytes)}.`,
    `- S3 delivery, default daily layout, text: ${header.files} gzip files (one per 5 minutes) each starting with the header line, ${mb(header.compressedBytes)}.`,
    `- S3 delivery, default daily layout, Parquet (gzip): ${parquet.files} files, ${mb(parquet.compressedBytes)}.`,
    '',
    '| what | median s | min-max s | vs gzip -dc floor | CPU s | CPU vs floor |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row('`gzip -dc` of the Firehose files to /dev/null (floor)', day.floor, day.floor),
    row(`\`gzip -dc\` on ${availableParallelism()} processes at once (\`xargs -P ${availableParallelism()}\`)`, day.parallelFloor, day.floor),
    row('`zcat | awk <CIDR test> | sort | uniq -c | sort -rn | head` (Firehose files)', day.pipeline, day.floor),
    row(`audit of the Firehose text (in-process: discovery, formats, DuckDB; every port up to max-ports ${DEFAULT_MAX_PORTS})`, day.firehose, day.floor),
    row('the same audit as before issue 19: the top 10 only (LIMIT 10)', day.topTen, day.floor),
    row('audit of the S3 text with header lines (daily folder, filtered on start)', day.header, day.floor),
    row('audit of the S3 Parquet', day.parquet, day.floor),
    row('audit of the Firehose text (`node lib/src/cli.js audit`, whole process)', day.cli, day.floor),
    '',
    'Where the time goes (same rounds; the Firehose files unless said otherwise):',
    '',
    '| what | median s | min-max s | vs gzip -dc floor | CPU s | CPU vs floor |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row("DuckDB's gzip reader alone: every line as one text value, no fields (`read_csv` of one column)", day.lines, day.floor),
    row("the view's scan with the audit's row filter (srcaddr in the VPC, ACCEPT, OK): every field split, the audit's typed", day.filter, day.floor),
    row('the same filtered scan over the S3 Parquet files (the audit reads 14 of their columns, this 3)', day.parquetFilter, day.floor),
    row("the audit's SQL over the same records already in a DuckDB table (no file read: the query's own cost)", day.query, day.floor),
    row('the same SQL without the window that finds NAT-gateway interfaces (as built for a table without pkt-dstaddr)', day.noNatWindow, day.floor),
    '',
    `DuckDB decompresses and splits the lines in ${ratio(day.lines.cpu, day.floor.cpu)} the CPU of \`gzip -dc\`; splitting each line into its ` +
      `${V5_FORMAT.fields.length} fields and filtering brings that to ${ratio(day.filter.cpu, day.floor.cpu)}, and the audit's SQL then costs ` +
      `${s(day.query.cpu)} s of CPU on its own, whatever the files' format: ${s(day.query.cpu - day.noNatWindow.cpu)} s for the window that finds ` +
      `NAT-gateway interfaces (so that a NAT gateway's copy of a connection is not counted twice), the rest mostly the distinct connections and peers. ` +
      `So the Firehose audit needs at least ${s(day.filter.cpu + day.query.cpu)} s of CPU, ` +
      `${ratio(day.filter.cpu + day.query.cpu, day.floor.cpu)} the floor's; on ${availableParallelism()} cores used perfectly that is ` +
      `${ratio((day.filter.cpu + day.query.cpu) / availableParallelism(), day.floor.cpu)} the floor's time at best (more when other work holds a core; ` +
      `${ratio((day.filter.cpu + day.noNatWindow.cpu) / availableParallelism(), day.floor.cpu)} without the NAT window). ` +
      `Parquet saves reading, not the query: the S3 text audit's ${s(day.header.cpu)} s of CPU over the query's own ${s(day.query.cpu)} s bounds ` +
      `Parquet at ${(day.header.cpu / day.query.cpu).toFixed(1)}x faster in CPU even if reading it cost nothing; its filtered scan alone costs ` +
      `${s(day.parquetFilter.cpu)} s (S3 delivery's Parquet is gzip-compressed, in ${parquet.files} small files), and the audit reads more columns.`,
    '',
    `Firehose text vs the gzip -dc floor: ${ratio(day.firehose.median, day.floor.median)} (target <= 1.1x), CPU ${ratio(day.firehose.cpu, day.floor.cpu)}. ` +
      `Every port vs the top 10 only: ${ratio(day.firehose.median, day.topTen.median)} (target <= 1.1x), CPU ${ratio(day.firehose.cpu, day.topTen.cpu)}. ` +
      `S3 header text vs Firehose text: ${ratio(day.header.median, day.firehose.median)} (target <= 1.1x). ` +
      `Parquet vs S3 gzip text: ${(day.header.median / day.parquet.median).toFixed(1)}x faster (target >= 4x). ` +
      `DuckDB vs the shell pipeline: ${ratio(day.firehose.median, day.pipeline.median)}. ` +
      `Top port, Firehose / S3 text / Parquet: ${top.join(' / ')} (ground truth: ${firehose.egressPorts[0]?.port}/${firehose.egressPorts[0]?.protocol} with ${firehose.egressPorts[0]?.flows}).`,
    '',
    `### ${MONTH.days} days in S3 delivery's daily layout: ${month.records.toLocaleString('en-US')} v5 lines, ${month.files} files, ${mb(month.compressedBytes)}`,
    '',
    '| what | median s | min-max s | vs one-day copy | CPU s | CPU vs one-day copy |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row(`24-hour audit of a copy of the last day alone (${lastDay.records.toLocaleString('en-US')} lines)`, days.oneDay, days.oneDay),
    row(`24-hour audit of the ${MONTH.days}-day copy (only that day folder is opened)`, days.pruned, days.oneDay),
    row(`audit of all ${MONTH.days} days (what reading every file would cost; its own ${REPS} rounds, after the pair's)`, allDays.full, days.oneDay),
    '',
    `The first two rows ran side by side in ${PRUNING_REPS} rounds (sub-second runs need more samples). ` +
      `24-hour audit over ${MONTH.days} days vs one day: ${ratio(days.pruned.median, days.oneDay.median)} (target <= 1.2x), ` +
      `CPU ${ratio(days.pruned.cpu, days.oneDay.cpu)}.`,
    '',
  ].join('\n');
  await mkdir(join(RESULTS, '..'), { recursive: true });
  await writeFile(RESULTS, text);
  console.log(text);
}

await main();
