// Benchmark: what the daily audit reads in Athena from one day of flow logs as this stack stores them (Firehose gzip
// text, v5, whole objects of the window's 24 hour partitions) and as S3 delivery stores the same records in Parquet
// (Hive-compatible hourly prefixes, a file per 5 minutes per flow log, the full field set): for Parquet, the
// compressed sizes of the column chunks of exactly the columns the audit SQL names (DuckDB parquet_metadata), the
// SQL being what src/audit/query.ts builds for the Parquet table's Glue shape. Also S3 delivery's gzip text of the
// full field set (its raw size gives the Parquet/text storage ratio), the local DuckDB audit timed over the text
// and the Parquet side by side, and the s3-parquet pipeline's monthly cost from these figures. The audit judges
// every port (up to max-ports); the earlier top-10 audit (LIMIT 10) names the same columns, so reads the same bytes.
// Run: node lib/bench/athena-bytes.js [--quick]

import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MAX_PORTS, parseCidrList } from '../src/audit/parameters.js';
import { buildAuditSql, type AuditParameters } from '../src/audit/query.js';
import { glueTableShape } from '../src/audit/glue-table.js';
import { athenaCostUsd } from '../src/engines/athena.js';
import { DuckDbEngine, localViewShape } from '../src/engines/duckdb.js';
import { readLocalLogs, type LocalLogFile } from '../src/engines/local-files.js';
import { V5_FORMAT, V8_FORMAT } from '../src/flowlog/format.js';
import { windowEndingAt } from '../src/flowlog/layout.js';
import { GROUND_TRUTH_FILE, generateSample, type GroundTruth, type SampleOptions } from '../src/flowlog/sample.js';
import { columnsNamed, hiveParquetTable, parquetBytes } from './parquet-scan.js';
import { MONTHLY_VOLUMES, s3ParquetMonth, type ParquetFigures } from './prices.js';
import { gunzippedSize, machine, quick, spread, timeInterleaved, writeResults } from './support.js';

/** About 1M lines a day (quick: 7,200); S3 delivery writes a file per 5 minutes per flow log: 12 an hour. */
const RECORDS_PER_HOUR = quick ? 300 : 41_667;
const FILES_PER_HOUR = quick ? 1 : 12;
const END = new Date('2026-11-02T00:00:00Z');
const SEED = 42;
const ROUNDS = quick ? 1 : 5;
/** The target: the Parquet audit reads at most this share of the gzip text's bytes. */
const TARGET_SHARE = 0.2;
const OUT = join('bench', 'out', quick ? 'athena-bytes-quick' : 'athena-bytes');
/** Figures bench/run-all.ts uses for the targets and the scale table. */
const FIGURES = join(OUT, 'athena-bytes.json');

const vpcCidrs = parseCidrList('10.0.0.0/16');
const window = windowEndingAt(END, 24);
const TABLE = { database: 'vpc_port_audit', table: 'flow_logs' };

type Shape = Pick<SampleOptions, 'layout' | 'fileFormat' | 'format'>;

/** Generates one day of the sample in `shape` unless the same one is already on disk. */
async function dataset(dir: string, shape: Shape): Promise<GroundTruth> {
  const truthFile = join(dir, GROUND_TRUTH_FILE);
  if (existsSync(truthFile)) {
    const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as GroundTruth;
    if (truth.records >= 24 * RECORDS_PER_HOUR && truth.files === 24 * FILES_PER_HOUR) return truth;
  }
  const started = performance.now();
  const truth = await generateSample({ out: dir, vpcCidrs, end: END, seed: SEED, days: 1, recordsPerHour: RECORDS_PER_HOUR, filesPerHour: FILES_PER_HOUR, ...shape });
  console.error(`generated ${truth.records} lines in ${dir} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  return truth;
}

/** The audit as the CLI runs it on a folder: discovery and formats, then the view's own TableShape. */
async function localAudit(dir: string) {
  const logs = await readLocalLogs(dir, window);
  return new DuckDbEngine({ logs }).runAudit({ preset: 'egress-ports', vpcCidrs, window, maxPorts: DEFAULT_MAX_PORTS, source: localViewShape(TABLE, logs) });
}

const total = (files: readonly LocalLogFile[]) => files.reduce((sum, f) => sum + f.size, 0);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const usd = (value: number) => `$${value.toFixed(6)}`;
const share = (part: number, whole: number) => `${(part / whole).toFixed(3)}x`;

async function main(): Promise<void> {
  const dirs = { text: join(OUT, 'day-firehose-v5'), parquet: join(OUT, 'day-s3-parquet-all-fields'), s3text: join(OUT, 'day-s3-text-all-fields') };
  const text = await dataset(dirs.text, { layout: 'firehose', format: V5_FORMAT });
  await dataset(dirs.parquet, { layout: 's3-hive-hourly', fileFormat: 'parquet', format: V8_FORMAT });
  await dataset(dirs.s3text, { layout: 's3-hive-hourly', format: V8_FORMAT });

  const textFiles = (await readLocalLogs(dirs.text, window)).files;
  const parquetFiles = (await readLocalLogs(dirs.parquet, window)).files;
  const s3textFiles = (await readLocalLogs(dirs.s3text, window)).files;
  const v5Raw = await gunzippedSize(textFiles.map((f) => f.path));
  const fullRaw = await gunzippedSize(s3textFiles.map((f) => f.path));
  // S3 delivery's text files each begin with the header line: count the records' text alone.
  const headerBytes = s3textFiles.length * (V8_FORMAT.fields.map((f) => f.field).join(' ').length + 1);
  const fullTextBytes = fullRaw.bytes - headerBytes;

  // The SQL Athena would run on the Parquet table, and the columns it names.
  const shape = glueTableShape(TABLE, hiveParquetTable(V8_FORMAT));
  const parameters: AuditParameters = { preset: 'egress-ports', vpcCidrs, window, maxPorts: DEFAULT_MAX_PORTS, source: shape };
  const sql = buildAuditSql(parameters);
  const columns = columnsNamed(sql, shape);
  const bytes = await parquetBytes(parquetFiles.map((f) => f.path), columns);
  // The audit before issue 19 (the top 10 only): its columns, hence its Parquet bytes (text reads whole objects either way).
  const topTenColumns = columnsNamed(buildAuditSql({ ...parameters, maxPorts: 10 }), shape);
  const topTenBytes = await parquetBytes(parquetFiles.map((f) => f.path), topTenColumns);
  const gzipText = total(textFiles);
  const scannedShare = bytes.columnChunks / gzipText;

  const loadBefore = loadavg()[0]!;
  const times = await timeInterleaved({ text: () => localAudit(dirs.text), parquet: () => localAudit(dirs.parquet) }, ROUNDS);
  const loadAfter = loadavg()[0]!;
  const [textTop, parquetTop] = await Promise.all([localAudit(dirs.text), localAudit(dirs.parquet)]);
  const rows = (r: typeof textTop) => r.rows.map((row) => `${row.port}/${row.protocol}:${row.connections}/${row.flows}`).join(',');
  const truth = text.egressPorts[0]!;
  const sameTop = rows(textTop) === rows(parquetTop) && textTop.rows[0]?.port === truth.port && textTop.rows[0]?.flows === truth.flows;

  const figures: ParquetFigures & Record<string, number> = {
    lines: v5Raw.lines,
    v5TextBytes: v5Raw.bytes,
    fullTextBytes,
    gzipTextBytes: gzipText,
    parquetBytes: bytes.files,
    scannedBytes: bytes.columnChunks,
    topTenScannedBytes: topTenBytes.columnChunks,
    footerBytes: bytes.footers,
    scannedShare,
    textAuditMs: times.text.median,
    parquetAuditMs: times.parquet.median,
    fullTextPerV5Text: fullTextBytes / v5Raw.bytes,
    parquetPerText: bytes.files / fullTextBytes,
    scannedPerV5Text: bytes.columnChunks / v5Raw.bytes,
    localTimeVsText: times.parquet.median / times.text.median,
  };
  await mkdir(OUT, { recursive: true });
  await writeFile(FIGURES, JSON.stringify(figures, null, 2));

  const perAudit = (b: number) => usd(athenaCostUsd(b));
  const bytesRow = (what: string, files: number, b: number) => `| ${what} | ${files} | ${mb(b)} | ${share(b, gzipText)} | ${perAudit(b)} |`;
  const result = [
    `## Athena bytes per daily audit: gzip text vs Parquet (\`bench/athena-bytes.ts\`)${quick ? ' (quick run: tiny sizes, numbers mean nothing)' : ''}`,
    '',
    `Machine: ${machine()}. One day of the sample generator (VPC 10.0.0.0/16, seed ${SEED}), ${text.records.toLocaleString('en-US')} records, the same records three ways:`,
    '',
    `- this stack's table (Firehose, v5, 29 fields): ${textFiles.length} headerless gzip objects in hour folders, ${mb(gzipText)} (${mb(v5Raw.bytes)} of text, ${(v5Raw.bytes / v5Raw.lines).toFixed(1)} bytes a line);`,
    `- S3 delivery, Parquet (the s3-parquet pipeline): Hive-compatible hourly prefixes, a file per ${60 / FILES_PER_HOUR} minutes per flow log (${FILES_PER_HOUR} an hour), ` +
      `the full field set (${V8_FORMAT.fields.length} fields), gzip-compressed columns: ${parquetFiles.length} files, ${mb(bytes.files)};`,
    `- S3 delivery, text, the full field set (for the text size the Parquet stands for): ${s3textFiles.length} gzip files, ${mb(total(s3textFiles))} (${mb(fullTextBytes)} of text without the header lines).`,
    '',
    `Bytes Athena reads: the whole gzip objects of the window's partitions for text; for Parquet, the compressed column chunks (parquet_metadata total_compressed_size, ` +
      `every row group of every file) of the ${columns.length} columns the audit SQL names: ${columns.join(', ')}. That SQL is buildAuditSql's for the Glue table AWS ` +
      `documents for this layout (${shape.partitioning}). Row groups are not assumed skipped; each file's footer is read too (a row below). $ per audit = athenaCostUsd (10 MB minimum).`,
    '',
    '| what the daily audit reads | files | bytes | vs gzip text | $ per audit |',
    '| --- | ---: | ---: | ---: | ---: |',
    bytesRow("gzip text, this stack's table (whole objects)", textFiles.length, gzipText),
    bytesRow(`Parquet, the ${columns.length} named columns' chunks`, parquetFiles.length, bytes.columnChunks),
    bytesRow(`Parquet, those chunks plus every footer`, parquetFiles.length, bytes.columnChunks + bytes.footers),
    bytesRow('Parquet, whole files (every column)', parquetFiles.length, bytes.files),
    bytesRow('S3 delivery gzip text, full field set (whole files)', s3textFiles.length, total(s3textFiles)),
    '',
    `Every port (max-ports ${DEFAULT_MAX_PORTS}) vs the top 10 only (LIMIT 10): Parquet bytes ${mb(bytes.columnChunks)} vs ${mb(topTenBytes.columnChunks)}, ` +
      `${(bytes.columnChunks / topTenBytes.columnChunks).toFixed(2)}x (target 1.0x; the same ${topTenColumns.length === columns.length ? columns.length : `${columns.length} vs ${topTenColumns.length}`} columns); gzip text: the same whole objects, 1.00x.`,
    '',
    `Per named column (compressed bytes): ${[...bytes.byColumn].sort((a, b) => b[1] - a[1]).map(([c, b]) => `${c} ${mb(b)}`).join(', ')}.`,
    '',
    `- Parquet vs gzip text, bytes per daily audit: ${scannedShare.toFixed(3)}x (target at most ${TARGET_SHARE}x: ${scannedShare <= TARGET_SHARE ? 'met' : `**missed** by ${(scannedShare / TARGET_SHARE).toFixed(2)}x`}); ` +
      `with the footers ${((bytes.columnChunks + bytes.footers) / gzipText).toFixed(3)}x.`,
    `- Storage: Parquet is ${figures.parquetPerText.toFixed(3)}x its text (${(bytes.files / gzipText).toFixed(2)}x this stack's v5 gzip); the full field set's text is ${figures.fullTextPerV5Text.toFixed(3)}x the v5 text of the same records.`,
    `- Local audit (DuckDB engine, discovery included; medians of ${ROUNDS} interleaved round${ROUNDS === 1 ? '' : 's'} after one warm-up, 1-minute load ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after): ` +
      `gzip text ${spread(times.text)}, Parquet ${spread(times.parquet)}: Parquet takes ${(times.parquet.median / times.text.median).toFixed(2)}x the text's time.`,
    `- Both return the same top list, and its first row is the ground truth's (${truth.port}/${truth.protocol}, ${truth.flows} flows): ${sameTop ? 'yes' : `**no** (text ${rows(textTop).slice(0, 80)}; Parquet ${rows(parquetTop).slice(0, 80)})`}.`,
    '',
    '### The s3-parquet pipeline a month, from these figures',
    '',
    '"GB of flow logs" is v5 text, as in the scale table: the same traffic logged with the full field set is more text, which delivery and conversion bill.',
    '',
    ...MONTHLY_VOLUMES.map(([label, gb]) => `- ${label}: ${s3ParquetMonth(gb, figures).arithmetic}.`),
    '',
  ].join('\n');
  await writeResults('athena-bytes', result);
}

await main();
