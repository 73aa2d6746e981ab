// Flow-log record formats: the v2 default, the v5 custom format this action deploys, v8 (every field), and any format
// given as an AWS LogFormat string (`${version} ${srcaddr} ...`). A format is an ordered list of fields.

import { FLOW_LOG_FIELDS, fieldNamed, fieldOrText, type FlowLogField } from './fields.js';
import { InputError } from '../input-error.js';

export interface FlowLogFormat {
  /** `v2`, `v5`, `v8`, `custom` (a LogFormat string), `header` (a file's header line) or `parquet` (a Parquet schema). */
  readonly name: string;
  readonly fields: readonly FlowLogField[];
}

/** The AWS default format (version 2), 14 fields. */
export const V2_FORMAT: FlowLogFormat = { name: 'v2', fields: FLOW_LOG_FIELDS.filter((f) => f.version === 2) };

/** The custom format the pipeline stack logs: every field of versions 2 to 5, 29 fields. */
export const V5_FORMAT: FlowLogFormat = { name: 'v5', fields: FLOW_LOG_FIELDS.filter((f) => f.version! <= 5) };

/** Every field of versions 2 to 8, 40 fields: what the s3-parquet pipeline logs ("the full field set"). */
export const V8_FORMAT: FlowLogFormat = { name: 'v8', fields: FLOW_LOG_FIELDS };

/** The AWS `LogFormat` string of a format, e.g. `${version} ${account-id} ...`. */
export function logFormatString(format: FlowLogFormat): string {
  return format.fields.map((f) => `\${${f.field}}`).join(' ');
}

/** Whether the format carries every one of the given columns. */
export function hasColumns(format: FlowLogFormat, ...columns: string[]): boolean {
  return columns.every((c) => format.fields.some((f) => f.column === c));
}

/** The fields a port audit reads: every format must have them. */
export const AUDIT_FIELDS = ['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'action'] as const;

/** The audit fields a list of fields lacks. */
export function missingAuditFields(fields: readonly FlowLogField[]): string[] {
  return AUDIT_FIELDS.filter((name) => !fields.some((f) => f.field === name));
}

/**
 * The format that a header line (`version account-id ...`, as S3 delivery writes first in each text file) or
 * a Parquet file's column names give: known fields by name, unknown ones kept as text columns.
 */
export function namedFormat(name: 'header' | 'parquet', names: readonly string[]): FlowLogFormat {
  return { name, fields: names.map(fieldOrText) };
}

/**
 * Whether a line is a header line: every token a field name (lowercase letters, digits, `-`). A record with the
 * audit's fields never is one (its ports are numbers). A header may still name a field twice (see repeatedField).
 */
export function isHeaderLine(line: string): boolean {
  return line.trim().split(/\s+/).every((t) => /^[a-z][a-z0-9_-]*$/.test(t));
}

/**
 * Whether a header line's or Parquet schema's field names are a Transit Gateway flow log's: it names
 * `resource-type` or a `tgw-*` field (`tgw_*` in Parquet) and has no `interface-id` or `action`. AWS delivers these
 * files under the same `vpcflowlogs` prefix and file names as VPC flow logs; their default format is version 6, 36
 * fields (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-flow-logs.html, "Available fields").
 */
export function isTransitGatewayFormat(names: readonly string[]): boolean {
  const fields = names.map((n) => n.replaceAll('_', '-'));
  const tgw = fields.some((f) => f === 'resource-type' || f.startsWith('tgw-'));
  return tgw && !fields.includes('interface-id') && !fields.includes('action');
}

/** The first name that a list of field names (a header line's) holds twice, if any. */
export function repeatedField(names: readonly string[]): string | undefined {
  return names.find((name, i) => names.indexOf(name) !== i);
}

/** The formats a flag or input may name (`--log-format v8`); a headerless record's field count picks among them too. */
export const NAMED_FORMATS: readonly FlowLogFormat[] = [V2_FORMAT, V5_FORMAT, V8_FORMAT];

/** The named formats with their field counts, for messages about a headerless file: `v2 (14), v5 (29), v8 (40)`. */
export const NAMED_FORMAT_COUNTS = NAMED_FORMATS.map((f) => `${f.name} (${f.fields.length})`).join(', ');

/** What a log format may be, for messages: `accepted are ${ACCEPTED_FORMATS}.` */
const ACCEPTED_FORMATS = `${NAMED_FORMATS.map((f) => f.name).join(', ')}, or a LogFormat string of \${field} tokens among ${FLOW_LOG_FIELDS.map((f) => f.field).join(', ')}`;

/** Parses an AWS LogFormat string; every field must be a known one and appear once. */
export function parseLogFormat(text: string, input = 'log format'): FlowLogFormat {
  const tokens = text.trim().split(/\s+/);
  const fields: FlowLogField[] = [];
  for (const token of tokens) {
    const name = /^\$\{([a-z0-9-]+)\}$/.exec(token)?.[1];
    const found = name === undefined ? undefined : fieldNamed(name);
    if (!found) throw new InputError(`${input}: '${token}' is not a flow-log field; accepted are ${ACCEPTED_FORMATS}.`);
    if (fields.includes(found)) throw new InputError(`${input}: field '${found.field}' appears twice.`);
    fields.push(found);
  }
  const missing = missingAuditFields(fields)[0];
  if (missing) throw new InputError(`${input}: the format must include \${${missing}} for a port audit.`);
  return { name: 'custom', fields };
}

/** A named format (`v2`, `v5`, `v8`) or a LogFormat string (it has `${field}` tokens), as a format. */
export function resolveFormat(spec: string, input = 'log format'): FlowLogFormat {
  const named = NAMED_FORMATS.find((f) => f.name === spec);
  if (named) return named;
  if (!spec.includes('${')) throw new InputError(`${input}: '${spec.slice(0, 40)}' is not a log format; accepted are ${ACCEPTED_FORMATS}.`);
  return parseLogFormat(spec, input);
}

/** The named format whose field count is `count`, if any (used to detect the format of a headerless file). */
export function formatWithFieldCount(count: number): FlowLogFormat | undefined {
  return NAMED_FORMATS.find((f) => f.fields.length === count);
}
