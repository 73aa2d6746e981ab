// The folder layouts flow logs are written in, as ONE value each: what the path looks like, how fine its
// dated folders are (an hour or a day), and, for the Firehose layout this stack writes, the Glue partition
// projection that reads it. Discovery (discover.ts) walks a tree with these; the sample generator writes them;
// the template's table parameters are checked against FIREHOSE_LAYOUT.
//
// Sources: Firehose's default S3 prefix `YYYY/MM/DD/HH/` (UTC) (Amazon Data Firehose developer guide, "Custom
// prefixes for Amazon S3 objects"); S3 delivery of flow logs: `AWSLogs/[o-ORG/]ACCOUNT/vpcflowlogs/REGION/
// YYYY/MM/DD/[HH/]` and the Hive-compatible `AWSLogs/[o-ORG/]aws-account-id=A/aws-service=vpcflowlogs/
// aws-region=R/year=Y/month=M/day=D/[hour=H/]`, file names `ACCOUNT_vpcflowlogs_REGION_FLOWLOGID_
// YYYYMMDDTHHmmZ_HASH.log.gz` (Amazon VPC user guide, "Flow log files",
// https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-path.html).

import { REGION_CODE } from '../aws/names.js';
import { hourPath } from '../flowlog/layout.js';

/** The name of a layout. */
export type LayoutName = 'firehose' | 's3' | 's3-hourly' | 's3-hive' | 's3-hive-hourly' | 'security-lake';

/** How fine a layout's dated folders are: a folder per UTC hour, or per UTC day. */
export type Granularity = 'hour' | 'day';

/**
 * How the dated folder names are spelled: `2026/11/01/10`, `year=2026/month=11/day=01/hour=10`, or Security Lake's one
 * day folder `eventDay=20261101`.
 */
export type DateStyle = 'plain' | 'hive' | 'event-day';

export interface Layout {
  readonly name: LayoutName;
  /** The path pattern, for messages and the README. */
  readonly pattern: string;
  readonly granularity: Granularity;
  readonly dateStyle: DateStyle;
  /** Whether the layout is one of S3 delivery's (AWSLogs/..., header lines, Parquet possible). */
  readonly s3Delivery: boolean;
}

export const FIREHOSE_LAYOUT = {
  name: 'firehose',
  pattern: 'PREFIX/YYYY/MM/DD/HH/',
  granularity: 'hour',
  dateStyle: 'plain',
  s3Delivery: false,
  /** The Glue partition column that holds the `YYYY/MM/DD/HH` path of the hour Firehose wrote the object. */
  partitionColumn: 'dt',
  /** That path's date format, in the Java notation of Athena partition projection (`projection.dt.format`). */
  partitionFormat: 'yyyy/MM/dd/HH',
  /**
   * The Glue table parameters of partition projection on `dt`, one partition per hour (the template's table
   * must carry these; `projection.dt.range` is the template's choice). Athena user guide, "Partition projection
   * with Amazon Athena" (date type: format, interval, interval.unit; storage.location.template).
   */
  glueParameters: {
    'projection.enabled': 'true',
    'projection.dt.type': 'date',
    'projection.dt.format': 'yyyy/MM/dd/HH',
    'projection.dt.interval': '1',
    'projection.dt.interval.unit': 'HOURS',
  },
  /** `storage.location.template`: the table's location (`s3://bucket/prefix/`) followed by the `dt` value. */
  locationTemplate: (location: string) => `${location}\${dt}`,
} as const satisfies Layout & Record<string, unknown>;

const S3_DAILY_LAYOUT: Layout = {
  name: 's3',
  pattern: 'AWSLogs/[o-ORG/]ACCOUNT/vpcflowlogs/REGION/YYYY/MM/DD/',
  granularity: 'day',
  dateStyle: 'plain',
  s3Delivery: true,
};

const S3_HOURLY_LAYOUT: Layout = {
  name: 's3-hourly',
  pattern: 'AWSLogs/[o-ORG/]ACCOUNT/vpcflowlogs/REGION/YYYY/MM/DD/HH/',
  granularity: 'hour',
  dateStyle: 'plain',
  s3Delivery: true,
};

const S3_HIVE_LAYOUT: Layout = {
  name: 's3-hive',
  pattern: 'AWSLogs/[o-ORG/]aws-account-id=ACCOUNT/aws-service=vpcflowlogs/aws-region=REGION/year=YYYY/month=MM/day=DD/',
  granularity: 'day',
  dateStyle: 'hive',
  s3Delivery: true,
};

export const S3_HIVE_HOURLY_LAYOUT: Layout = {
  name: 's3-hive-hourly',
  pattern: `${S3_HIVE_LAYOUT.pattern}hour=HH/`,
  granularity: 'hour',
  dateStyle: 'hive',
  s3Delivery: true,
};

/** The keys of Hive-style dated folders, coarsest first. */
export const HIVE_KEYS = ['year', 'month', 'day', 'hour'] as const;

/**
 * The Glue table of the s3-parquet pipeline over S3_HIVE_HOURLY_LAYOUT: partition keys year, month, day and
 * hour as text (the folder values, zero-padded), projected as integers, so that a query reads only the hours
 * it names with no partition loader. The account and region folders are the stack's own and fixed in the
 * location template. Athena user guide, "Partition projection with Amazon Athena" ("Integer type":
 * range, digits); partition columns as in "Create tables for flow logs in Apache Parquet format"
 * (https://docs.aws.amazon.com/athena/latest/ug/vpc-flow-logs-parquet.html: `year`, `month`, `day`, `hour` string).
 */
export const S3_HIVE_HOURLY_PROJECTION = {
  partitionKeys: HIVE_KEYS.map((name) => ({ Name: name, Type: 'string' })),
  glueParameters: {
    'projection.enabled': 'true',
    'projection.year.type': 'integer',
    'projection.year.range': '2024,2099',
    'projection.month.type': 'integer',
    'projection.month.range': '1,12',
    'projection.month.digits': '2',
    'projection.day.type': 'integer',
    'projection.day.range': '1,31',
    'projection.day.digits': '2',
    'projection.hour.type': 'integer',
    'projection.hour.range': '0,23',
    'projection.hour.digits': '2',
  } as Readonly<Record<string, string>>,
  /** `storage.location.template`: the region folder (`s3://bucket/prefix/AWSLogs/aws-account-id=.../aws-region=R/`) and the dated folders. */
  locationTemplate: (regionFolder: string) => `${regionFolder}${HIVE_KEYS.map((k) => `${k}=\${${k}}/`).join('')}`,
} as const;

/**
 * Amazon Security Lake's copy of VPC flow logs (OCSF Parquet, engines/local-files.ts): `.../VPC_FLOW/2.0/region=R/
 * accountId=A/eventDay=YYYYMMDD/` (the partitions AWS's Security Lake queries use, audit/partition-roles.ts). Discovery
 * reads it; the sample generator does not write it, so it is not in LAYOUTS.
 */
export const SECURITY_LAKE_LAYOUT: Layout = {
  name: 'security-lake',
  pattern: '[aws/VPC_FLOW/2.0/]region=REGION/accountId=ACCOUNT/eventDay=YYYYMMDD/',
  granularity: 'day',
  dateStyle: 'event-day',
  s3Delivery: false,
};

/** Every layout discovery knows, in the order messages list them. */
export const LAYOUTS: readonly Layout[] = [FIREHOSE_LAYOUT, S3_DAILY_LAYOUT, S3_HOURLY_LAYOUT, S3_HIVE_LAYOUT, S3_HIVE_HOURLY_LAYOUT];

/** The layouts' patterns as one phrase for messages. */
export function layoutPatterns(): string {
  return [...LAYOUTS, SECURITY_LAKE_LAYOUT].map((l) => l.pattern).join(', ');
}

/** The S3 delivery file name: `ACCOUNT_vpcflowlogs_REGION_FLOWLOGID_YYYYMMDDTHHmmZ_HASH.log.gz`. */
export const S3_DELIVERY_FILE_NAME = /^\d{12}_vpcflowlogs_[a-z0-9-]+_fl-[0-9a-f]+_\d{8}T\d{4}Z_[0-9a-f]+\.log(?:\.gz|\.parquet)?$/;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * The folder segments of a dated folder in a layout's date style: `['2026', '11', '01', '10']` or
 * `['year=2026', 'month=11', 'day=01', 'hour=10']` for the hour (or day, for daily layouts) that starts at `time`.
 */
export function datedSegments(style: DateStyle, granularity: Granularity, time: Date): string[] {
  const parts = hourPath(time).split('/');
  const kept = granularity === 'hour' ? parts : parts.slice(0, 3);
  return style === 'plain' ? kept : kept.map((v, i) => `${HIVE_KEYS[i]}=${v}`);
}

/** The file name S3 delivery gives a file of `account`'s flow log `flowLogId` in `region` written at `time`. */
export function s3DeliveryFileName(account: string, region: string, flowLogId: string, time: Date, hash: string, extension: string): string {
  const stamp = `${time.getUTCFullYear()}${pad(time.getUTCMonth() + 1)}${pad(time.getUTCDate())}T${pad(time.getUTCHours())}${pad(time.getUTCMinutes())}Z`;
  return `${account}_vpcflowlogs_${region}_${flowLogId}_${stamp}_${hash}${extension}`;
}

/**
 * The time in an S3 delivery file name (`..._20261101T1205Z_...`), undefined for another name. AWS publishes a
 * file every 5 minutes with the records of the traffic recorded in the previous 5 minutes, and the name's time is
 * the publication's, before the upload (Amazon VPC user guide, "Flow log files",
 * https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-path.html).
 */
export function s3DeliveryFileTime(name: string): Date | undefined {
  if (!S3_DELIVERY_FILE_NAME.test(name)) return undefined;
  const [, y, mo, d, h, mi] = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_/.exec(name)!.map(Number) as number[];
  const time = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!));
  return time.getUTCDate() === d && time.getUTCHours() === h && time.getUTCMinutes() === mi ? time : undefined;
}

/**
 * The folder segments from an S3 delivery bucket's root down to a region folder:
 * `AWSLogs/ACCOUNT/vpcflowlogs/REGION` or its Hive-compatible form.
 */
export function s3DeliveryRegionSegments(style: DateStyle, account: string, region: string): string[] {
  return style === 'plain'
    ? ['AWSLogs', account, 'vpcflowlogs', region]
    : ['AWSLogs', `aws-account-id=${account}`, 'aws-service=vpcflowlogs', `aws-region=${region}`];
}

/**
 * `AWSLogs/[o-ORG/]ACCOUNT/vpcflowlogs/REGION/` or its Hive-compatible form, anywhere in a path: group 1 the account,
 * group 2 the Region. Also the SQL pattern of logs/awslogs-path.ts (its source is valid RE2 and Java regex alike).
 */
export const S3_DELIVERY_REGION_FOLDER = new RegExp(
  String.raw`(?:^|/)AWSLogs/(?:o-[a-z0-9]{10,32}/)?(?:aws-account-id=)?(\d{12})/(?:aws-service=)?vpcflowlogs/(?:aws-region=)?(${REGION_CODE})/`,
);

/**
 * The account and region of an S3 delivery file from its (absolute, `/`-separated) path: the folders
 * `AWSLogs/[o-ORG/]ACCOUNT/vpcflowlogs/REGION/` (or `aws-account-id=ACCOUNT/aws-service=vpcflowlogs/aws-region=REGION/`);
 * undefined when the path has no such folders.
 */
export function s3DeliveryPathUnit(path: string): { readonly account: string; readonly region: string } | undefined {
  const match = S3_DELIVERY_REGION_FOLDER.exec(path);
  return match ? { account: match[1]!, region: match[2]! } : undefined;
}
