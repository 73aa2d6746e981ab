// Coverage per audit unit (account, region, VPC; audit/audit-unit.ts): what the window holds of each unit, so that
// a unit that gave nothing to count is named instead of silently missing. One small grouped query over the audit's
// own table (the same TableShape, window and VPC terms; the same text on Athena and DuckDB) counts per unit the
// records and files in the window, the flow-log versions met, and the ACCEPT and REJECT records. A unit whose
// records are REJECT only cannot show which ports it connects out to (a flow log with TrafficType REJECT, as the
// CIS benchmark and Control Tower's flow-log automation set up, logs no accepted connection), and a VPC of the
// inventory with no record in the window is listed too: neither is ever reported as a quiet VPC.
//
// Attribution: the unit columns the table has (`account_id`, `region`, `vpc_id`; flowlog/fields.ts), else the account
// and Region of the S3 delivery path (logs/awslogs-path.ts), else, for the VPC, the inventory VPC of that account and
// Region whose CIDRs hold the record's source or destination address. A part nothing tells is NULL.

import { REJECT_ONLY } from './reject-only.js';
import { addressInCidrsSql } from './cidr-sql.js';
import { unitKey, unitLabel, type AuditUnit, type InventoryVpc } from './audit-unit.js';
import { recordTerms, type AuditParameters } from './query.js';
import { awsLogsAccountSql, awsLogsRegionSql, FILE_PATH_COLUMN } from '../logs/awslogs-path.js';

/** The flow-log versions counted apart (Amazon VPC user guide, "Flow log records": 2 to 8; 6 is Transit Gateway's). */
const VERSIONS = [2, 3, 4, 5, 7, 8] as const;

/** The coverage query's columns, in order. */
export const UNIT_COVERAGE_COLUMNS = [
  'account_id', 'region', 'vpc_id', 'records', 'files', 'accept_records', 'reject_records', ...VERSIONS.map((v) => `version_${v}`),
] as const;

/** Why a unit cannot be audited for outbound ports (null on an auditable one); REJECT-only in the words of audit/reject-only.ts. */
export const REJECT_ONLY_REASON = REJECT_ONLY;
export const NO_RECORDS_REASON = 'no records in the window';
export const NO_FLOWS_REASON = 'cannot be audited for outbound ports: its records in the window are NODATA or SKIPDATA only, which carry no flows';

/** What the window holds of one unit. */
export interface UnitCoverage {
  readonly unit: AuditUnit;
  /** Records in the window (every action and log-status). */
  readonly records: number;
  /** Distinct files (S3 objects) those records came from. */
  readonly files: number;
  /** The flow-log versions of those records (`v2`, `v5`, from the `version` field), oldest first; [] where the table has no version column. */
  readonly formats: readonly string[];
  readonly acceptRecords: number;
  readonly rejectRecords: number;
  /** False when the unit's records cannot show its outbound ports (see `reason`). */
  readonly auditable: boolean;
  /** REJECT_ONLY_REASON, NO_RECORDS_REASON or NO_FLOWS_REASON; null when auditable. */
  readonly reason: string | null;
}

/** A SQL string literal of validated text (account ids, Region codes, VPC ids). */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The SQL of a unit column: the table's own column, or (account, Region) the AWSLogs path where the table lacks or leaves it NULL. */
function partSql(p: AuditParameters, column: 'account_id' | 'region'): string {
  const own = p.source.columns.get(column);
  const fromPath = column === 'account_id' ? awsLogsAccountSql(FILE_PATH_COLUMN) : awsLogsRegionSql(FILE_PATH_COLUMN);
  return own === undefined ? fromPath : `coalesce(${own}, ${fromPath})`;
}

/** The VPC of a record: its `vpc_id`, else the inventory VPC of its account and Region whose CIDRs hold its source or destination. */
function vpcSql(p: AuditParameters, account: string, region: string, inventory: readonly InventoryVpc[]): string {
  const own = p.source.columns.get('vpc_id');
  if (inventory.length === 0) return own ?? 'CAST(NULL AS varchar)';
  const c = (name: string) => p.source.columns.get(name)!;
  const whens = inventory.map(
    (vpc) =>
      `WHEN ${account} = ${literal(vpc.account)} AND ${region} = ${literal(vpc.region)} AND ` +
      `(${addressInCidrsSql(c('srcaddr'), vpc.cidrs)} OR ${addressInCidrsSql(c('dstaddr'), vpc.cidrs)}) THEN ${literal(vpc.vpcId)}`,
  );
  const byCidr = `CASE ${whens.join(' ')} END`;
  return own === undefined ? byCidr : `coalesce(${own}, ${byCidr})`;
}

/**
 * The coverage query over the audit's table: one row of UNIT_COVERAGE_COLUMNS per unit with records in the
 * window (the audit's window and VPC terms), counts as bigint. `inventory` attributes records to VPCs where the
 * table has no vpc_id (see the header). Reads the file-path column (Athena's `$path`, the local view's) for files.
 */
export function buildUnitCoverageSql(p: AuditParameters, inventory: readonly InventoryVpc[] = []): string {
  const { columns, table } = p.source;
  const terms = recordTerms(p);
  const where = [...terms.window, ...terms.vpc];
  const account = partSql(p, 'account_id');
  const region = partSql(p, 'region');
  const action = columns.get('action')!;
  const version = columns.get('version');
  return [
    `SELECT ${account} AS account_id, ${region} AS region, ${vpcSql(p, account, region, inventory)} AS vpc_id,`,
    `  count(*) AS records, count(DISTINCT ${FILE_PATH_COLUMN}) AS files,`,
    `  count_if(${action} = 'ACCEPT') AS accept_records, count_if(${action} = 'REJECT') AS reject_records,`,
    `  ${VERSIONS.map((v) => `${version === undefined ? '0' : `count_if(${version} = ${v})`} AS version_${v}`).join(', ')}`,
    `FROM "${table.database}"."${table.table}"`,
    ...(where.length === 0 ? [] : [`WHERE ${where.join('\n  AND ')}`]),
    `GROUP BY 1, 2, 3`,
  ].join('\n');
}

/** Whether a unit with these counts can be audited, and why not. */
function verdict(records: number, accept: number, reject: number): Pick<UnitCoverage, 'auditable' | 'reason'> {
  if (records === 0) return { auditable: false, reason: NO_RECORDS_REASON };
  if (accept > 0) return { auditable: true, reason: null };
  return { auditable: false, reason: reject > 0 ? REJECT_ONLY_REASON : NO_FLOWS_REASON };
}

const text = (value: unknown) => (value === null || value === undefined || value === '' ? null : String(value));

/**
 * The inventory VPCs an audit covers: with AuditParameters.accounts, those of the audited accounts only (the others
 * are left out on purpose, never "without records"); else all.
 */
export function inventoryInScope(p: AuditParameters, inventory: readonly InventoryVpc[]): readonly InventoryVpc[] {
  return p.accounts === undefined ? inventory : inventory.filter((vpc) => p.accounts!.includes(vpc.account));
}

/**
 * The coverage of every unit: the query's rows (numbers may come as bigint or text), less the NODATA-only rows of
 * an account and Region whose VPCs are known, plus each VPC of `inventory` that has no row (NO_RECORDS_REASON),
 * sorted by unit key.
 */
export function readUnitCoverage(rows: readonly Readonly<Record<string, unknown>>[], inventory: readonly InventoryVpc[] = []): UnitCoverage[] {
  const seen = rows.map((row): UnitCoverage => {
    const count = (name: string) => Number(row[name] ?? 0);
    const [records, accept, reject] = [count('records'), count('accept_records'), count('reject_records')];
    return {
      unit: { account: text(row.account_id), region: text(row.region), vpcId: text(row.vpc_id) },
      records,
      files: count('files'),
      formats: VERSIONS.filter((v) => count(`version_${v}`) > 0).map((v) => `v${v}`),
      acceptRecords: accept,
      rejectRecords: reject,
      ...verdict(records, accept, reject),
    };
  });
  // NODATA and SKIPDATA records carry no addresses ('-'), so without a vpc-id field they join no VPC: where their
  // account and Region have VPCs of their own, they are those VPCs' idle intervals, not an unauditable unit.
  const located = (c: UnitCoverage) => seen.some((o) => o.unit.vpcId !== null && o.unit.account === c.unit.account && o.unit.region === c.unit.region);
  const kept = seen.filter((c) => !(c.unit.vpcId === null && c.reason === NO_FLOWS_REASON && located(c)));
  const keys = new Set(kept.map((c) => unitKey(c.unit)));
  const unseen = inventory
    .map((vpc): AuditUnit => ({ account: vpc.account, region: vpc.region, vpcId: vpc.vpcId }))
    .filter((unit) => !keys.has(unitKey(unit)))
    .map((unit): UnitCoverage => ({ unit, records: 0, files: 0, formats: [], acceptRecords: 0, rejectRecords: 0, ...verdict(0, 0, 0) }));
  return [...kept, ...unseen].sort((a, b) => unitKey(a.unit).localeCompare(unitKey(b.unit)));
}

/** A unit's coverage in the JSON's top-level `coverage` list: `{account, region, vpcId, records, files, formats, acceptRecords, rejectRecords, auditable, reason}`. */
export function coverageJson(c: UnitCoverage) {
  const { unit, ...counts } = c;
  return { account: unit.account, region: unit.region, vpcId: unit.vpcId, ...counts };
}

const count = (n: number, noun: string) => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;

/**
 * The sentence (with its period) for a unit that cannot be audited, for stderr and logs: `account 111122223333 in
 * eu-west-1 (VPC unknown) cannot be audited for outbound ports: its flow log records REJECT only (40 REJECT records
 * in 2 files, no ACCEPT); ...`. A flow log's TrafficType is ACCEPT, REJECT or ALL (Amazon EC2 API reference,
 * CreateFlowLogs, https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateFlowLogs.html). Undefined for an
 * auditable unit.
 */
export function describeUnitCoverage(c: UnitCoverage): string | undefined {
  const who = unitLabel(c.unit);
  if (c.reason === REJECT_ONLY_REASON) {
    return (
      `${who} ${c.reason} (${count(c.rejectRecords, 'REJECT record')} in ${count(c.files, 'file')}, no ACCEPT): ` +
      'its ports are not in this audit; give it a flow log with TrafficType ALL (or ACCEPT) to audit it.'
    );
  }
  if (c.reason === NO_RECORDS_REASON) return `${who}: ${c.reason}, so its ports are not in this audit; check that it has a flow log delivering to the logs read.`;
  if (c.reason === NO_FLOWS_REASON) return `${who} ${c.reason} (${count(c.records, 'record')} in ${count(c.files, 'file')}).`;
  return undefined;
}
