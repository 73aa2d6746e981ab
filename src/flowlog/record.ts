// One flow-log record as a line of text and back, in a given format. `-` stands for "does not apply"
// and becomes null.

import type { FlowLogFormat } from './format.js';

export type FieldValue = string | number | null;
/** A record keyed by column name (`srcaddr`, `flow_direction`, ...). */
export type FlowLogRecord = Record<string, FieldValue>;

/** Parses one space-separated line; returns undefined when the field count does not fit the format. */
export function parseRecord(format: FlowLogFormat, line: string): FlowLogRecord | undefined {
  const values = line.trim().split(' ');
  if (values.length !== format.fields.length) return undefined;
  const record: FlowLogRecord = {};
  format.fields.forEach((f, i) => {
    const text = values[i]!;
    record[f.column] = text === '-' ? null : f.type === 'string' ? text : Number(text);
  });
  return record;
}

/** Formats a record as one line; a missing or null column is written as `-`. */
export function formatRecord(format: FlowLogFormat, record: FlowLogRecord): string {
  return format.fields.map((f) => record[f.column] ?? '-').join(' ');
}
