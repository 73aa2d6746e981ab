// The us-east-1 list prices the benchmarks' cost tables use, each with where it was confirmed (or that it could not
// be), and the monthly cost of the s3-parquet pipeline (flow logs delivered straight to S3 as Parquet) from the
// figures bench/athena-bytes.ts measures, with its arithmetic written out.

import { athenaCostUsd, MINIMUM_BILLED_BYTES, PRICE_PER_TB_USD } from '../src/engines/athena.js';

/** When the prices below were last looked up. */
export const PRICES_CHECKED = '2026-11-30';

/**
 * USD, us-east-1, first volume tier (the cost tables stop at 10 TB a month, inside every first tier).
 *
 * Sources (the official pages, aws.amazon.com/cloudwatch/pricing/ > Logs > Vended Logs, /athena/pricing/,
 * /s3/pricing/ and /kinesis/data-firehose/pricing/, could not be opened from the machine that ran this; the
 * figures were confirmed against these copies instead):
 *  - vended logs (VPC flow logs) to CloudWatch Logs $0.50/GB, to S3 $0.25/GB, to Firehose $0.25/GB, first 10 TB
 *    each; Parquet conversion $0.03/GB; CloudWatch Logs storage $0.03/GB-month: an extract of the AWS Price List
 *    API for AmazonCloudWatch in us-east-1 (retrieved 2025-10-28, prices effective 2025-09-01), and the same tiers
 *    in aws-samples/sample-cfm-tips-mcp services/cloudwatch_service_vended_log.py. That flow logs published to S3 are
 *    billed as CloudWatch vended logs: https://docs.aws.amazon.com/vpc/latest/tgw/flow-logs-s3.html.
 *  - Firehose: $0.029/GB ingested in 5 KB units for Direct PUT (aws-samples/sample-cfm-tips-mcp, as above). For
 *    vended logs as the source, the Firehose pricing page says ingestion is billed per GB without 5 KB rounding;
 *    its price per GB could NOT be confirmed from a source here, so no table uses it.
 *  - Athena $5 per TB scanned, rounded up to the MB, 10 MB minimum per query (src/engines/athena.ts; confirmed by
 *    athena.guide "Athena Basics: Pricing Model" and Stanford's rcpedia Athena page).
 *  - S3 Standard $0.023/GB-month, first 50 TB (devnotes.tech "Understanding AWS S3 Pricing"; the same figure in
 *    aws-samples/sample-cfm-tips-mcp).
 *  - Lambda $0.20 per million requests and $0.0000133334 per GB-second on arm64: not re-checked in this pass.
 */
export const PRICES = {
  logsIngestPerGb: 0.5,
  logsStoragePerGbMonth: 0.03,
  vendedToS3PerGb: 0.25,
  vendedToFirehosePerGb: 0.25,
  parquetConversionPerGb: 0.03,
  lambdaPerMillionRequests: 0.2,
  lambdaPerGbSecondArm: 0.0000133334,
  firehosePerGb: 0.029,
  s3PerGbMonth: 0.023,
} as const;

/** The price list as one markdown paragraph (what the tables assume). */
export function priceList(): string {
  const p = PRICES;
  return (
    `List prices (us-east-1, looked up on ${PRICES_CHECKED}; the sources are named in bench/prices.ts): vended logs (VPC flow logs) delivered to CloudWatch Logs ` +
    `$${p.logsIngestPerGb}/GB, to S3 $${p.vendedToS3PerGb}/GB, to Firehose $${p.vendedToFirehosePerGb}/GB (first 10 TB each), Parquet conversion ` +
    `$${p.parquetConversionPerGb}/GB; CloudWatch Logs storage $${p.logsStoragePerGbMonth}/GB-month; Lambda $${p.lambdaPerMillionRequests}/M requests + ` +
    `$${p.lambdaPerGbSecondArm}/GB-s (arm64, not re-checked); Firehose $${p.firehosePerGb}/GB ingested in 5 KB units (Direct PUT; its price for vended ` +
    `logs as the source could not be confirmed); S3 Standard $${p.s3PerGbMonth}/GB-month; Athena $${PRICE_PER_TB_USD}/TB scanned, whole MB, ` +
    `${MINIMUM_BILLED_BYTES / 2 ** 20} MB minimum per query.`
  );
}

export const GIB = 2 ** 30;
/** The monthly volumes the cost tables show: GB of v5 flow-log text. */
export const MONTHLY_VOLUMES = [['1 GB', 1], ['100 GB', 100], ['10 TB', 10_240]] as const;
export const AUDITS_PER_MONTH = 30;
/** The stack's S3 expiration (days kept), the same for every pipeline. */
export const S3_EXPIRATION_DAYS = 90;

/** What bench/athena-bytes.ts measures on one day of the same records, per byte of v5 text. */
export interface ParquetFigures {
  /** Text bytes of the full field set per byte of v5 text (what vended delivery bills, for the same traffic). */
  readonly fullTextPerV5Text: number;
  /** Parquet bytes (S3 delivery's files) per byte of full-field-set text. */
  readonly parquetPerText: number;
  /** Bytes the daily audit scans in the Parquet files (the columns its SQL names) per byte of v5 text of the day. */
  readonly scannedPerV5Text: number;
  /** The local DuckDB audit's time over the Parquet files / its time over the gzip text, timed side by side. */
  readonly localTimeVsText: number;
}

/** The s3-parquet pipeline's month at `gbPerMonth` GB of v5 flow-log text, by part (USD), with its arithmetic. */
export interface ParquetMonth {
  readonly delivery: number;
  readonly conversion: number;
  readonly s3: number;
  readonly athena: number;
  readonly total: number;
  /** Bytes one daily audit scans. */
  readonly scannedPerAudit: number;
  /** `delivery 100 GB x 1.09 = ... ; ...`: every part as quantity x price = dollars. */
  readonly arithmetic: string;
}

const usd = (value: number) => `$${value < 0.01 ? value.toPrecision(2) : value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const gb = (value: number) => `${value.toLocaleString('en-US', { maximumFractionDigits: value < 10 ? 3 : 1 })} GB`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toLocaleString('en-US', { maximumFractionDigits: 1 })} MiB`;

export function s3ParquetMonth(gbPerMonth: number, f: ParquetFigures): ParquetMonth {
  const delivered = gbPerMonth * f.fullTextPerV5Text;
  const delivery = delivered * PRICES.vendedToS3PerGb;
  const conversion = delivered * PRICES.parquetConversionPerGb;
  const months = S3_EXPIRATION_DAYS / 30;
  const stored = delivered * f.parquetPerText * months;
  const s3 = stored * PRICES.s3PerGbMonth;
  const scannedPerAudit = ((gbPerMonth * GIB) / 30) * f.scannedPerV5Text;
  const perAudit = athenaCostUsd(scannedPerAudit);
  const athena = AUDITS_PER_MONTH * perAudit;
  const billed = Math.max(Math.ceil(scannedPerAudit / 2 ** 20) * 2 ** 20, MINIMUM_BILLED_BYTES);
  const total = delivery + conversion + s3 + athena;
  const arithmetic = [
    `delivery ${gb(gbPerMonth)} x ${f.fullTextPerV5Text.toFixed(3)} (full field set / v5 text) = ${gb(delivered)} x $${PRICES.vendedToS3PerGb} = ${usd(delivery)}`,
    `Parquet conversion ${gb(delivered)} x $${PRICES.parquetConversionPerGb} = ${usd(conversion)}`,
    `S3 ${gb(delivered)} x ${f.parquetPerText.toFixed(3)} (Parquet / text) x ${months} months kept = ${gb(stored)} x $${PRICES.s3PerGbMonth} = ${usd(s3)}`,
    `Athena ${AUDITS_PER_MONTH} audits x ${gb(gbPerMonth)} / 30 x ${f.scannedPerV5Text.toFixed(4)} (scanned / v5 text) = ${mib(scannedPerAudit)} ` +
      `(billed ${mib(billed)}) x $${PRICE_PER_TB_USD}/TB = ${AUDITS_PER_MONTH} x ${usd(perAudit)} = ${usd(athena)}`,
    `total ${usd(total)}`,
  ].join('; ');
  return { delivery, conversion, s3, athena, total, scannedPerAudit, arithmetic };
}
