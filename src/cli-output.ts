// What the command line prints for an audit: a readable table, a markdown table, or the JSON object
// `{ports: [...], new: [...], ...}`, with sizes from format-bytes.ts.

import type { Allowlist } from './audit/allowlist.js';
import { formatBytes } from './format-bytes.js';
import { isAllowed } from './audit/allowlist.js';
import { portKey, portRowJson, protocolName } from './audit/port-row.js';
import { escapeMarkdown, formatCount, table } from './report/markdown.js';
import type { AuditResult } from './engines/engine.js';
import type { AuditCommand, OutputFormat } from './cli-args.js';

export interface AuditReport {
  readonly command: AuditCommand;
  readonly result: AuditResult;
  readonly allowlist?: Allowlist;
  readonly filesRead: number;
  readonly hoursFound: number;
  readonly hoursInWindow: number;
}

function toJson({ command, result, allowlist }: AuditReport): string {
  return JSON.stringify(
    {
      preset: command.preset,
      window: { start: command.window.start.toISOString(), end: command.window.end.toISOString() },
      vpcCidrs: command.vpcCidrs.map((c) => c.text),
      ports: result.rows.map(portRowJson),
      new: result.rows.filter((r) => !isAllowed(allowlist, r)).map(portRowJson),
      sql: result.sql,
      statistics: result.statistics,
    },
    null,
    2,
  );
}

const hour = (d: Date) => `${d.toISOString().slice(0, 13)}Z`;

function heading({ command }: AuditReport): string {
  const what = command.preset === 'egress-ports' ? 'outbound ports' : 'source ports (seed preset)';
  return `Top ${command.top} ${what} of ${command.vpcCidrs.map((c) => c.text).join(', ')}, ${hour(command.window.start)} to ${hour(command.window.end)}`;
}

/** Every column but protocol (2) and the new marker (8) holds a number and is right-aligned. */
const isNumericColumn = (column: number) => column !== 2 && column !== 8;

function cells(report: AuditReport): { header: string[]; rows: string[][] } {
  const marked = report.allowlist !== undefined;
  const header = ['#', 'port', 'protocol', 'connections', 'flows', 'packets', 'bytes', 'peers', ...(marked ? ['new'] : [])];
  const rows = report.result.rows.map((r, i) => [
    String(i + 1),
    String(r.port),
    protocolName(r.protocol),
    formatCount(r.connections),
    formatCount(r.flows),
    formatCount(r.packets),
    formatBytes(r.bytes),
    formatCount(r.peers),
    ...(marked ? [isAllowed(report.allowlist, r) ? '' : 'NEW'] : []),
  ]);
  return { header, rows };
}

function footer(report: AuditReport): string {
  const s = report.result.statistics;
  const allowlist = report.allowlist
    ? `NEW = not in ${report.allowlist.path}.`
    : 'Give --allowlist FILE to mark the ports you do not expect.';
  return (
    `${report.filesRead} files (${formatBytes(s.bytesScanned)}) from ${report.hoursFound} of ` +
    `${report.hoursInWindow} hour folders ` +
    `read in ${(s.elapsedMs / 1000).toFixed(2)} s. ${allowlist}`
  );
}

function toTable(report: AuditReport): string {
  if (report.result.rows.length === 0) return `${heading(report)}\n(no matching flows)\n${footer(report)}`;
  const { header, rows } = cells(report);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r.map((text, c) => (isNumericColumn(c) ? text.padStart(widths[c]!) : text.padEnd(widths[c]!))).join('  ').trimEnd();
  return [heading(report), '', line(header), ...rows.map(line), '', footer(report)].join('\n');
}

function toMarkdown(report: AuditReport): string {
  const { header, rows } = cells(report);
  const body = rows.length === 0 ? '_No matching flows._' : table(header, rows.map((r) => r.map(escapeMarkdown)), header.map((_, c) => isNumericColumn(c)));
  const newPorts = report.allowlist ? report.result.rows.filter((r) => !isAllowed(report.allowlist, r)).map(portKey) : [];
  const news = newPorts.length > 0 ? `\n\n**New ports:** ${newPorts.map((k) => `\`${k}\``).join(', ')}` : '';
  return `### ${heading(report)}\n\n${body}${news}\n\n${footer(report)}`;
}

/** The text printed on stdout for an audit in the chosen output format. */
export function renderAudit(report: AuditReport, format: OutputFormat): string {
  return { table: toTable, json: toJson, markdown: toMarkdown }[format](report);
}
