// An existing Athena table, read from its Glue definition (the `Table` of Glue GetTable, which is also what
// `aws glue get-table` prints), as the TableShape the audit query reads. Columns are matched by name, case
// aside, as AWS's Athena guide names them (`srcaddr`, `dstport`, `start`, ...) or as the original recipe did
// (`sourceaddress`, `destinationport`, `starttime`, INT counters and all). Time partitions understood:
//  - a column of formatted hours, like this stack's `dt` (`yyyy/MM/dd/HH`, projection.dt.format);
//  - a daily `date` of type DATE, or a daily `date`/`dt`/`day` string (`yyyy/MM/dd`, `yyyy-MM-dd`: the
//    format comes from projection.<column>.format when the table has it);
//  - `year`/`month`/`day` columns; any of these with an `hour` column;
//  - none (the query then reads the whole table).
// `accid`, `region` and the Hive-style `aws-account-id`/`aws-service`/`aws-region` partitions are left
// unfiltered. Where the partitions are coarser than an hour, the window also applies to `start`.
//
// The shapes, from the Amazon Athena User Guide, "Querying Amazon VPC flow logs":
//  - daily `date` DATE: https://docs.aws.amazon.com/athena/latest/ug/vpc-flow-logs-create-table-statement.html
//    (`PARTITIONED BY (\`date\` date)`, partitions added as `date`='YYYY-MM-dd');
//  - projected accid/region/day: https://docs.aws.amazon.com/athena/latest/ug/vpc-flow-logs-partition-projection.html
//    (`PARTITIONED BY (accid string, region string, day string)`, "projection.day.format" = "yyyy/MM/dd");
//  - Parquet region/date/hour: https://docs.aws.amazon.com/athena/latest/ug/vpc-flow-logs-partition-projection-parquet-example.html
//    (`PARTITIONED BY (region string, date string, hour string)`, "projection.date.format" = "yyyy/MM/dd",
//    "projection.hour.digits" = "2");
//  - Hive-compatible Parquet: https://docs.aws.amazon.com/athena/latest/ug/vpc-flow-logs-parquet.html
//    (`aws-account-id`, `aws-service`, `aws-region`, `year`, `month`, `day`, `hour`, all string);
//  - the guide's earlier table (awsdocs/amazon-athena-user-guide, doc_source/vpc-flow-logs.md, 2019):
//    `PARTITIONED BY (dt string)` with dt='YYYY-MM-dd', and the counters `numpackets`, `numbytes`.

import { FLOW_LOG_FIELDS } from '../flowlog/fields.js';
import { HOUR_MS, type HourWindow } from '../flowlog/layout.js';
import { InputError } from '../input-error.js';
import { columnSql, REQUIRED_COLUMNS, type TableRef, type TableShape } from './table-shape.js';
import { isHourly, parseDatePattern, startTerms, timePartitionTerm, type DayPartition, type PartitionColumn, type TimePartitions } from './time-partitions.js';

/** A column of a Glue table definition. */
export interface GlueColumn {
  readonly Name?: string;
  readonly Type?: string;
}

/** The fields of a Glue `Table` (GetTable's answer) that the audit reads; the SDK's Table type fits it. */
export interface GlueTableDefinition {
  readonly Name?: string;
  readonly DatabaseName?: string;
  readonly TableType?: string;
  readonly StorageDescriptor?: { readonly Columns?: readonly GlueColumn[] };
  readonly PartitionKeys?: readonly GlueColumn[];
  readonly Parameters?: Readonly<Record<string, string>>;
}

/** Column names of the original recipe (and of the Athena guide's earlier table) for catalogue columns. */
const RECIPE_NAMES: Readonly<Record<string, string>> = {
  account: 'account_id',
  interfaceid: 'interface_id',
  sourceaddress: 'srcaddr',
  destinationaddress: 'dstaddr',
  sourceport: 'srcport',
  destinationport: 'dstport',
  numpackets: 'packets',
  numbytes: 'bytes',
  starttime: 'start',
  endtime: 'end',
  logstatus: 'log_status',
};

const CATALOGUE_COLUMNS = new Set(FLOW_LOG_FIELDS.map((f) => f.column));

/** Partitions the audit leaves unfiltered: accounts, regions, the service. */
const UNFILTERED_PARTITIONS = new Set(['accid', 'account_id', 'aws-account-id', 'aws-service', 'region', 'aws-region']);
/** Single columns that can hold the day (or hour) of a record, with the format assumed when the table gives none. */
const DAY_COLUMNS: Readonly<Record<string, string>> = { dt: 'yyyy-MM-dd', date: 'yyyy/MM/dd', day: 'yyyy/MM/dd' };
const NUMERIC_TYPES = new Set(['tinyint', 'smallint', 'int', 'integer', 'bigint']);

const lower = (text: string | undefined) => (text ?? '').trim().toLowerCase();

/** The catalogue column a table column stands for, if any: `SourceAddress` -> srcaddr, `log-status` -> log_status. */
function catalogueColumn(name: string): string | undefined {
  const key = lower(name).replaceAll('-', '_');
  if (CATALOGUE_COLUMNS.has(key)) return key;
  return RECIPE_NAMES[key];
}

const described = (ref: TableRef) => `table ${ref.database}.${ref.table}`;

/** Columns the audit compares or adds as numbers: text there would compare as text and give wrong ports. */
const NUMBER_COLUMNS = new Set(['srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'tcp_flags']);

/**
 * The flow-log columns of the table, keyed by catalogue name, each as SQL naming the table's own column;
 * an InputError when one the audit reads as a number has another type.
 */
function flowLogColumns(ref: TableRef, columns: readonly GlueColumn[]): Map<string, string> {
  const found = new Map<string, string>();
  const notNumbers: string[] = [];
  for (const column of columns) {
    const name = lower(column.Name);
    const key = catalogueColumn(name);
    if (key === undefined || found.has(key)) continue;
    found.set(key, columnSql(name));
    if (NUMBER_COLUMNS.has(key) && !NUMERIC_TYPES.has(lower(column.Type))) notNumbers.push(`${name} ${lower(column.Type) || 'of no type'}`);
  }
  if (notNumbers.length > 0) {
    throw new InputError(
      `${described(ref)} declares ${notNumbers.join(', ')}; the audit compares and adds these as numbers, so they must be int or bigint (as in the Athena guide's DDL).`,
    );
  }
  return found;
}

function partitionColumn(column: GlueColumn, parameters: Readonly<Record<string, string>>, width: number): PartitionColumn {
  const name = lower(column.Name);
  const digits = Number(parameters[`projection.${name}.digits`] ?? width);
  return { name, numeric: NUMERIC_TYPES.has(lower(column.Type)), digits: Number.isInteger(digits) && digits > 0 ? digits : width };
}

/** The table's time partitions, or undefined when it has none; an InputError for partitions it cannot filter. */
function timePartitions(ref: TableRef, keys: readonly GlueColumn[], parameters: Readonly<Record<string, string>>): TimePartitions | undefined {
  const byName = new Map(keys.map((k) => [lower(k.Name), k]));
  const hourKey = byName.get('hour');
  const hour = hourKey && partitionColumn(hourKey, parameters, 2);
  const ymd = ['year', 'month', 'day'].map((n) => byName.get(n));
  const dayNames = Object.keys(DAY_COLUMNS).filter((n) => byName.has(n));
  const timeNames = new Set(['hour', ...(ymd.every(Boolean) ? ['year', 'month', 'day'] : dayNames.slice(0, 1))]);
  const unknown = [...byName.keys()].filter((n) => !timeNames.has(n) && !UNFILTERED_PARTITIONS.has(n));
  if (unknown.length > 0 || (hour && timeNames.size === 1)) {
    const found = keys.map((k) => `${lower(k.Name)} ${lower(k.Type)}`).join(', ');
    throw new InputError(
      `${described(ref)}: the partitions (${found}) are not a scheme the audit can filter by time; it reads dt, date or day ` +
        '(a day or hour as DATE or text), year/month/day, each optionally with hour, next to accid, region, aws-account-id, aws-service or aws-region.',
    );
  }
  let day: DayPartition;
  if (ymd.every(Boolean)) {
    const [year, month, dayOfMonth] = ymd.map((k, i) => partitionColumn(k!, parameters, i === 0 ? 4 : 2));
    day = { kind: 'ymd', year: year!, month: month!, day: dayOfMonth! };
  } else if (dayNames.length > 0) {
    const name = dayNames[0]!;
    const key = byName.get(name)!;
    if (lower(key.Type) === 'date') day = { kind: 'date', column: name };
    else {
      const parameter = `projection.${name}.format`;
      day = { kind: 'text', column: name, format: parseDatePattern(parameters[parameter] ?? DAY_COLUMNS[name]!, `${described(ref)} (${parameter})`) };
    }
  } else return undefined;
  return { day, hour };
}

/** The partitioning in words, for the job summary and the CLI. */
function describePartitioning(partitions: TimePartitions | undefined, keys: readonly GlueColumn[], parameters: Readonly<Record<string, string>>): string {
  const unfiltered = keys.map((k) => lower(k.Name)).filter((n) => UNFILTERED_PARTITIONS.has(n));
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
 * The TableShape of a Glue table definition, read as `ref` (the database and table the query names).
 * Throws an InputError (one sentence naming the table, what it has and what the audit needs) when a needed
 * column is missing or not a number, or the partitions are not a scheme above.
 */
export function glueTableShape(ref: TableRef, definition: GlueTableDefinition): TableShape {
  const columns = definition.StorageDescriptor?.Columns ?? [];
  const keys = definition.PartitionKeys ?? [];
  const parameters = definition.Parameters ?? {};
  const flowColumns = flowLogColumns(ref, columns);
  const partitions = timePartitions(ref, keys, parameters);
  const needed = [...REQUIRED_COLUMNS, ...(partitions && isHourly(partitions) ? [] : ['start'])];
  const missing = needed.filter((c) => !flowColumns.has(c));
  if (missing.length > 0) {
    const found = columns.map((c) => lower(c.Name)).filter(Boolean);
    const shown = found.length > 30 ? `${found.slice(0, 30).join(', ')}, ...` : found.join(', ') || 'none';
    throw new InputError(
      `${described(ref)} has no column for ${missing.join(', ')} (its columns: ${shown}); a port audit needs ${needed.join(', ')}, ` +
        'named as in the Athena guide or as the original recipe (sourceaddress, destinationaddress, sourceport, destinationport, starttime).',
    );
  }
  return {
    table: ref,
    columns: flowColumns,
    windowTerms: (window: HourWindow) => {
      if (!partitions) return startTerms(flowColumns.get('start')!, window);
      if (isHourly(partitions)) return [timePartitionTerm(partitions, window)];
      // Days, cut by start. A window ending at midnight also reads the next day's partition: flow logs of
      // its last minutes are delivered after midnight, into that day's folder.
      const delivered = { start: window.start, end: new Date(window.end.getTime() + HOUR_MS) };
      return [timePartitionTerm(partitions, delivered), ...startTerms(flowColumns.get('start')!, window)];
    },
    partitioning: describePartitioning(partitions, keys, parameters),
  };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isColumnList = (value: unknown) => value === undefined || (Array.isArray(value) && value.every((c) => isObject(c) && typeof c.Name === 'string'));

/**
 * Reads the JSON that `aws glue get-table` prints (`{"Table": {...}}`, or the Table object alone) into a
 * definition and the table's name. `input` names the source in errors (`--glue-table file.json`).
 */
export function parseGetTableJson(text: string, input: string): { ref: TableRef; definition: GlueTableDefinition } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InputError(`${input} is not JSON; give the output of aws glue get-table --database-name DB --name TABLE.`);
  }
  const table = isObject(json) && isObject(json.Table) ? json.Table : json;
  const columns = isObject(table) && isObject(table.StorageDescriptor) ? table.StorageDescriptor.Columns : undefined;
  const valid =
    isObject(table) && typeof table.Name === 'string' && typeof table.DatabaseName === 'string' && Array.isArray(columns) && isColumnList(columns) && isColumnList(table.PartitionKeys) &&
    (table.Parameters === undefined || (isObject(table.Parameters) && Object.values(table.Parameters).every((v) => typeof v === 'string')));
  if (!valid) {
    const found = isObject(json) ? `an object with ${Object.keys(json).slice(0, 8).join(', ') || 'no keys'}` : Array.isArray(json) ? 'a list' : `a ${typeof json}`;
    throw new InputError(
      `${input} is not a Glue table definition (found ${found}); give the output of aws glue get-table, a Table with Name, DatabaseName and StorageDescriptor.Columns.`,
    );
  }
  const definition = table as GlueTableDefinition;
  const ref = { database: lower(definition.DatabaseName), table: lower(definition.Name) };
  for (const name of [ref.database, ref.table]) {
    if (!/^[a-z0-9_]{1,255}$/.test(name)) {
      throw new InputError(`${input}: '${name}' is not an Athena table or database name; use lowercase letters, digits and underscores.`);
    }
  }
  return { ref, definition };
}
