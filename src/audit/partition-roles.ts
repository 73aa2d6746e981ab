// What each partition key of a Glue table stands for (time, account, region, or a constant such as the
// service), whatever it is called: from its name where AWS's DDLs fix it (`dt`, `date`, `day`, `year`/`month`/
// `day`/`hour`, `accid`, `region`, the Hive-style `aws-account-id`/`aws-service`/`aws-region`, Security Lake's
// `accountid`/`eventday`), else from the table's partition projection (`projection.<key>.type` date or an
// hour range, enum values that are all account ids or all regions) and from where `${key}` sits in its
// `storage.location.template` (`AWSLogs/${key}/vpcflowlogs/${key}/...`, `aws-account-id=${key}`). It also turns
// the time partitions into a window's WHERE terms and says in words how a table is partitioned.
//
// Sources: Athena partition projection types and properties (`date` with `projection.<key>.format`,
// `integer` with `range`, `enum` with `values`, `storage.location.template`),
// https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html and
// https://docs.aws.amazon.com/athena/latest/ug/partition-projection-setting-up.html; the S3 path of flow logs
// (`AWSLogs/[o-ORG/]ACCOUNT/vpcflowlogs/REGION/YYYY/MM/DD/`, Hive `aws-account-id=.../aws-service=vpcflowlogs/aws-region=...`),
// https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-path.html; AWS Security Analytics Bootstrap's
// multi-account table (`date_partition`, `region_partition`, `account_partition`, projection.date_partition.format
// yyyy/MM/dd), github.com/awslabs/aws-security-analytics-bootstrap AWSSecurityAnalyticsBootstrap/sql/ddl/create_tables/create_vpcflowlog_table.sql;
// Security Lake's `region`, `accountid`, `eventday` (text `YYYYMMDD`), same repository,
// AWSSecurityAnalyticsBootstrap/amazon_security_lake_queries/ocsf/amazon_security_lake_queries_vpcflow.md.

import type { GlueColumn } from './glue-table.js';
import { InputError } from '../input-error.js';
import { HOUR_MS, type HourWindow } from '../flowlog/layout.js';
import { isHourly, parseDatePattern, startTerms, timePartitionTerm, type DayPartition, type PartitionColumn, type TimePartitions } from './time-partitions.js';

/** The partitions of a table by role. */
export interface PartitionRoles {
  /** The time partitions, or undefined when the table has none. */
  readonly time?: TimePartitions;
  /** The partition holding the account id, if any. */
  readonly account?: string;
  /** The partition holding the region, if any. */
  readonly region?: string;
  /** Partitions the audit leaves unfiltered (the account, the region, the service), for summaries. */
  readonly unfiltered: readonly string[];
}

/** Day (or hour) columns by name, with the format assumed when the table gives none. */
const DAY_COLUMNS: Readonly<Record<string, string>> = { dt: 'yyyy-MM-dd', date: 'yyyy/MM/dd', day: 'yyyy/MM/dd', eventday: 'yyyyMMdd' };
const ACCOUNT_NAMES = new Set(['accid', 'account_id', 'accountid', 'aws-account-id']);
const REGION_NAMES = new Set(['region', 'aws-region']);
const SERVICE_NAMES = new Set(['aws-service']);
const NUMERIC_TYPES = new Set(['tinyint', 'smallint', 'int', 'integer', 'bigint']);
const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;

const lower = (text: string | undefined) => (text ?? '').trim().toLowerCase();

function partitionColumn(column: GlueColumn, parameters: Readonly<Record<string, string>>, width: number): PartitionColumn {
  const name = lower(column.Name);
  const digits = Number(parameters[`projection.${name}.digits`] ?? width);
  return { name, numeric: NUMERIC_TYPES.has(lower(column.Type)), digits: Number.isInteger(digits) && digits > 0 ? digits : width };
}

/** The path segment just before `${key}` in the location template (`AWSLogs`, `vpcflowlogs`, `aws-account-id=`). */
function segmentBefore(template: string, key: string): string | undefined {
  const at = template.indexOf(`\${${key}}`);
  if (at < 0) return undefined;
  const before = template.slice(0, at);
  if (before.endsWith('=')) return before.slice(before.lastIndexOf('/') + 1);
  const segments = before.split('/').filter(Boolean);
  // AWSLogs/o-ORG/${account}: the organisation id sits between AWSLogs and the account.
  const last = segments.at(-1);
  return last !== undefined && /^o-[a-z0-9]{10,32}$/.test(last) ? segments.at(-2) : last;
}

type Role = 'day' | 'hour' | 'ymd' | 'account' | 'region' | 'service';

/** The role of one partition key, or undefined when nothing tells it. */
function roleOf(key: GlueColumn, parameters: Readonly<Record<string, string>>): Role | undefined {
  const name = lower(key.Name);
  const projection = (property: string) => parameters[`projection.${name}.${property}`];
  if (name === 'hour') return 'hour';
  if (['year', 'month'].includes(name)) return 'ymd';
  if (name in DAY_COLUMNS || lower(key.Type) === 'date' || projection('type') === 'date') return 'day';
  if (ACCOUNT_NAMES.has(name)) return 'account';
  if (REGION_NAMES.has(name)) return 'region';
  if (SERVICE_NAMES.has(name)) return 'service';
  const before = segmentBefore(parameters['storage.location.template'] ?? '', name);
  if (before === 'AWSLogs' || before === 'aws-account-id=') return 'account';
  if (before === 'vpcflowlogs' || before === 'aws-region=') return 'region';
  if (before === 'aws-service=') return 'service';
  const values = projection('type') === 'enum' ? (projection('values') ?? '').split(',').map((v) => v.trim()) : [];
  if (values.length > 0 && values.every((v) => ACCOUNT_ID.test(v))) return 'account';
  if (values.length > 0 && values.every((v) => REGION.test(v))) return 'region';
  const range = projection('type') === 'integer' ? (projection('range') ?? '').split(',').map(Number) : [];
  if (range.length === 2 && range[0] === 0 && range[1] === 23) return 'hour';
  return undefined;
}

/**
 * The partitions of a table by role (see the header); `described` names the table in errors. An InputError
 * (one sentence naming the partitions found and what the audit reads) when a partition's role cannot be told,
 * or an hour partition has no day beside it.
 */
export function partitionRoles(described: string, keys: readonly GlueColumn[], parameters: Readonly<Record<string, string>>): PartitionRoles {
  const roles = new Map(keys.map((k) => [lower(k.Name), roleOf(k, parameters)] as const));
  const named = (role: Role) => keys.filter((k) => roles.get(lower(k.Name)) === role);
  const ymdKeys = ['year', 'month', 'day'].map((n) => keys.find((k) => lower(k.Name) === n));
  const ymd = ymdKeys.every(Boolean);
  // With year and month, `day` is the day of the month, not a whole date.
  if (ymd) roles.set('day', 'ymd');
  const days = named('day');
  const hourKey = named('hour')[0];
  const unknown = keys.filter((k) => roles.get(lower(k.Name)) === undefined || (roles.get(lower(k.Name)) === 'ymd' && !ymd));
  if (unknown.length > 0 || days.length > 1 || named('hour').length > 1 || (hourKey && !ymd && days.length === 0)) {
    const found = keys.map((k) => `${lower(k.Name)} ${lower(k.Type)}`).join(', ');
    throw new InputError(
      `${described}: the partitions (${found}) are not a scheme the audit can read; it reads one day or hour partition (dt, date, day, eventday, ` +
        'or any partition projected as a date), or year/month/day, each optionally with an hour, next to account and region partitions ' +
        '(accid, accountid, region, the aws-* Hive names, or any whose projection or storage.location.template places it after AWSLogs/ or vpcflowlogs/).',
    );
  }
  const hour = hourKey && partitionColumn(hourKey, parameters, 2);
  let day: DayPartition | undefined;
  if (ymd) {
    const [year, month, dayOfMonth] = ymdKeys.map((k, i) => partitionColumn(k!, parameters, i === 0 ? 4 : 2));
    day = { kind: 'ymd', year: year!, month: month!, day: dayOfMonth! };
  } else if (days.length === 1) {
    const key = days[0]!;
    const name = lower(key.Name);
    if (lower(key.Type) === 'date') day = { kind: 'date', column: name };
    else {
      const parameter = `projection.${name}.format`;
      const pattern = parameters[parameter] ?? DAY_COLUMNS[name];
      if (pattern === undefined) throw new InputError(`${described}: the date partition ${name} has no ${parameter}; give the table its projection format.`);
      day = { kind: 'text', column: name, format: parseDatePattern(pattern, `${described} (${parameter})`) };
    }
  }
  const account = named('account')[0] && lower(named('account')[0]!.Name);
  const region = named('region')[0] && lower(named('region')[0]!.Name);
  const unfiltered = keys.map((k) => lower(k.Name)).filter((n) => ['account', 'region', 'service'].includes(roles.get(n)!));
  return { time: day && { day, hour }, account, region, unfiltered };
}

/** The partitioning in words, for the job summary and the CLI. */
export function describePartitioning({ time: partitions, unfiltered }: PartitionRoles, parameters: Readonly<Record<string, string>>): string {
  const others = unfiltered.length > 0 ? `; ${unfiltered.join(', ')} not filtered` : '';
  if (!partitions) return `not partitioned by time: every audit reads the whole table and keeps the window by start${others}`;
  const { day, hour } = partitions;
  let what: string;
  if (day.kind === 'ymd') what = `partitions ${day.year.name}/${day.month.name}/${day.day.name}`;
  else if (day.kind === 'date') what = `partition ${day.column} (DATE)`;
  else {
    const source = parameters[`projection.${day.column}.format`] ? '' : ', assumed';
    what = `partition ${day.column} (${day.format.pattern}${source})`;
  }
  if (hour) what += ` and ${hour.name}`;
  return isHourly(partitions) ? `${what}${others}` : `${what}, daily: the window also filters start${others}`;
}

/**
 * The WHERE terms of a window on a table with these time partitions and the records' start (epoch seconds)
 * as `startSql`: the partition term alone where the partitions are hours; days cut by start; start alone
 * without time partitions.
 */
export function windowTerms(partitions: TimePartitions | undefined, startSql: string, window: HourWindow): string[] {
  if (!partitions) return startTerms(startSql, window);
  if (isHourly(partitions)) return [timePartitionTerm(partitions, window)];
  // Days, cut by start. A window ending at midnight also reads the next day's partition: flow logs of
  // its last minutes are delivered after midnight, into that day's folder.
  const delivered = { start: window.start, end: new Date(window.end.getTime() + HOUR_MS) };
  return [timePartitionTerm(partitions, delivered), ...startTerms(startSql, window)];
}
