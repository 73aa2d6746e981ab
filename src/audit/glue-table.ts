// An existing Athena table, read from its Glue definition (the `Table` of Glue GetTable, which is also what
// `aws glue get-table` prints), as the TableShape the audit query reads. Columns are matched by name, case
// aside, as AWS's Athena guide names them (`srcaddr`, `dstport`, `start`, ...) or as the original recipe did
// (`sourceaddress`, `destinationport`, `starttime`, INT counters and all), or run together as AWS Security
// Analytics Bootstrap's multi-account table does (`flowdirection`, `tcpflags`). What each partition stands for
// (time, account, region) follows from its name, projection and location template (partition-roles.ts):
//  - a column of formatted hours, like this stack's `dt` (`yyyy/MM/dd/HH`, projection.dt.format);
//  - a daily DATE, or a daily string (`yyyy/MM/dd`, `yyyy-MM-dd`: the format comes from
//    projection.<column>.format when the table has it);
//  - `year`/`month`/`day` columns; any of these with an `hour` column;
//  - none (the query then reads the whole table).
// Account and region partitions are left unfiltered by the window and are the records' `account_id` and
// `region` (the attribution of an organisation audit). Where the partitions are coarser than an hour, the
// window also applies to `start`. Security Lake's OCSF tables are read by ocsf-table.ts.
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
import type { HourWindow } from '../flowlog/layout.js';
import { InputError } from '../input-error.js';
import { columnSql, REQUIRED_COLUMNS, type TableRef, type TableShape } from './table-shape.js';
import { isOcsfTable, ocsfTableShape } from './ocsf-table.js';
import { describeTarget, resourceLinkTarget, type TargetTable } from './resource-link.js';
import { describePartitioning, partitionRoles, windowTerms } from './partition-roles.js';
import { isHourly } from './time-partitions.js';

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
  /** Set on a Lake Formation resource link (no columns then): the table it points to (resource-link.ts). */
  readonly TargetTable?: TargetTable;
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

const NUMERIC_TYPES = new Set(['tinyint', 'smallint', 'int', 'integer', 'bigint']);

const lower = (text: string | undefined) => (text ?? '').trim().toLowerCase();

/**
 * Catalogue columns by their name without `_`, as AWS Security Analytics Bootstrap's table names the v3-v5 fields
 * (`vpcid`, `tcpflags`, `pktdstaddr`, `flowdirection`, `trafficpath`; its DDL, see partition-roles.ts).
 */
const RUN_TOGETHER = new Map([...CATALOGUE_COLUMNS].map((c) => [c.replaceAll('_', ''), c]));

/** The catalogue column a table column stands for, if any: `SourceAddress` -> srcaddr, `log-status` -> log_status, `flowdirection` -> flow_direction. */
function catalogueColumn(name: string): string | undefined {
  const key = lower(name).replaceAll('-', '_');
  if (CATALOGUE_COLUMNS.has(key)) return key;
  return RECIPE_NAMES[key] ?? RUN_TOGETHER.get(key);
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
    // The Bootstrap table declares trafficpath as text ('-' on ingress records): the drill-down reads it as a number.
    const text = key === 'traffic_path' && !NUMERIC_TYPES.has(lower(column.Type));
    found.set(key, text ? `try_cast(${columnSql(name)} AS integer)` : columnSql(name));
    if (NUMBER_COLUMNS.has(key) && !NUMERIC_TYPES.has(lower(column.Type))) notNumbers.push(`${name} ${lower(column.Type) || 'of no type'}`);
  }
  if (notNumbers.length > 0) {
    throw new InputError(
      `${described(ref)} declares ${notNumbers.join(', ')}; the audit compares and adds these as numbers, so they must be int or bigint (as in the Athena guide's DDL).`,
    );
  }
  return found;
}

/**
 * The TableShape of a Glue table definition, read as `ref` (the database and table the query names); an OCSF
 * table (Security Lake's) is read by ocsf-table.ts. Throws an InputError (one sentence naming the table, what it
 * has and what the audit needs) when a needed column is missing or not a number, the partitions are not a scheme
 * above, or the definition is a resource link's (follow it first: resource-link.ts).
 */
export function glueTableShape(ref: TableRef, definition: GlueTableDefinition): TableShape {
  const target = resourceLinkTarget(definition);
  if (target) {
    throw new InputError(`${described(ref)} is a resource link to ${describeTarget(target)}, which holds the columns; read the target's definition (resource-link.ts followResourceLink).`);
  }
  if (isOcsfTable(definition)) return ocsfTableShape(ref, definition);
  const columns = definition.StorageDescriptor?.Columns ?? [];
  const keys = definition.PartitionKeys ?? [];
  const parameters = definition.Parameters ?? {};
  const flowColumns = flowLogColumns(ref, columns);
  const roles = partitionRoles(described(ref), keys, parameters);
  const partitions = roles.time;
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
  // The account and region of a record: its partitions where the table has them (every record's path names
  // both; a v2 record has no region field), else its own fields.
  if (roles.account) flowColumns.set('account_id', columnSql(roles.account));
  if (roles.region) flowColumns.set('region', columnSql(roles.region));
  const vpcTerms = transitGatewayTerms(columns);
  return {
    table: ref,
    columns: flowColumns,
    ...(vpcTerms.length > 0 ? { vpcTerms } : {}),
    windowTerms: (window: HourWindow) => windowTerms(partitions, flowColumns.get('start')!, window),
    partitioning: describePartitioning(roles, parameters),
  };
}

/**
 * Transit Gateway flow logs share the `vpcflowlogs` prefix and file names with VPC flow logs, so a table over a
 * central bucket may hold both. Where its columns include the Transit Gateway field `resource-type` (which VPC flow
 * logs lack; its values are `TransitGateway` and `TransitGatewayAttachment`: https://docs.aws.amazon.com/vpc/latest/tgw/tgw-flow-logs.html,
 * "Available fields", and https://docs.aws.amazon.com/vpc/latest/tgw/flow-logs-api-cli.html), the term that keeps only
 * VPC records; none otherwise.
 */
function transitGatewayTerms(columns: readonly GlueColumn[]): string[] {
  const resourceType = columns.map((c) => lower(c.Name)).find((n) => n === 'resource_type' || n === 'resource-type' || n === 'resourcetype');
  if (resourceType === undefined) return [];
  const column = columnSql(resourceType);
  return [`(${column} IS NULL OR ${column} NOT IN ('TransitGateway', 'TransitGatewayAttachment'))`];
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
  // A resource link has no columns, only the TargetTable it points to.
  const link = isObject(table) && isObject(table.TargetTable) && typeof table.TargetTable.DatabaseName === 'string' && typeof table.TargetTable.Name === 'string';
  const valid =
    isObject(table) && typeof table.Name === 'string' && typeof table.DatabaseName === 'string' && ((Array.isArray(columns) && isColumnList(columns)) || link) &&
    isColumnList(table.PartitionKeys) &&
    (table.Parameters === undefined || (isObject(table.Parameters) && Object.values(table.Parameters).every((v) => typeof v === 'string')));
  if (!valid) {
    const found = isObject(json) ? `an object with ${Object.keys(json).slice(0, 8).join(', ') || 'no keys'}` : Array.isArray(json) ? 'a list' : `a ${typeof json}`;
    throw new InputError(
      `${input} is not a Glue table definition (found ${found}); give the output of aws glue get-table, a Table with Name, DatabaseName and StorageDescriptor.Columns (or a resource link's TargetTable).`,
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
