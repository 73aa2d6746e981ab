// The drill-down of a port as text: one compact markdown table per port (who opened it, where it went) under a
// line with the port's IANA service name, its totals and first/last seen, for the CLI's markdown and table output (and the tracking issue).
// Every value from the logs is escaped (escapeMarkdown): a row cannot inject markup.

import { TRAFFIC_PATHS, type DrillDownDestination, type DrillDownSource, type PortDrillDown } from '../audit/drill-down.js';
import { portKey } from '../audit/port-row.js';
import { serviceName } from '../audit/service-names.js';
import { formatBytes } from '../format-bytes.js';
import { countOf, escapeMarkdown, formatCount, table, utcMinute } from './markdown.js';

const joined = (parts: readonly (string | null)[]) => parts.filter((p): p is string => p !== null).join(' · ');

const named = (id: string | null, name: string | undefined) => (id !== null && name ? `${id} (${name})` : id);

/** `i-... (web-1) · eni-... (Primary network interface) · subnet-... · 10.0.1.5`: what the format has of the source, with the names the action looked up. */
const sourceText = (s: DrillDownSource) =>
  joined([named(s.instanceId, s.instanceName), named(s.interfaceId, s.interfaceDescription), s.subnetId, s.address]);

/** `203.0.113.5 · S3 · internet gateway (Nitro)`: what the format has of the destination. */
const destinationText = (d: DrillDownDestination) =>
  joined([d.address, d.awsService, d.trafficPath === null ? null : (TRAFFIC_PATHS[d.trafficPath] ?? `traffic-path ${d.trafficPath}`)]);

/** `5432/tcp (postgresql)`: the port with its IANA service name, where one is registered. */
function portTitle(ref: { port: number; protocol: number }): string {
  const name = serviceName(ref);
  return name ? `${portKey(ref)} (${name})` : portKey(ref);
}

/** The totals line: connections, flows, bytes, first and last seen. */
function drillDownSummary(d: PortDrillDown): string {
  const seen = d.firstSeen && d.lastSeen ? `, seen ${utcMinute(d.firstSeen)} to ${utcMinute(d.lastSeen)} UTC` : '';
  return `${countOf(d.connections, 'connection')}, ${countOf(d.flows, 'flow')}, ${formatBytes(d.bytes)}${seen}`;
}

/** The entries of the drill-down: its top sources, then its top destinations. */
function drillDownEntries(d: PortDrillDown): { side: 'from' | 'to'; what: string; connections: number; bytes: number }[] {
  return [
    ...d.sources.map((s) => ({ side: 'from' as const, what: sourceText(s), connections: s.connections, bytes: s.bytes })),
    ...d.destinations.map((t) => ({ side: 'to' as const, what: destinationText(t), connections: t.connections, bytes: t.bytes })),
  ];
}

/** One port's drill-down as markdown: a bold heading line and a four-column table, every value escaped. */
export function renderDrillDownMarkdown(d: PortDrillDown): string {
  const rows = drillDownEntries(d).map((e) => [e.side, e.what, formatCount(e.connections), formatBytes(e.bytes)].map(escapeMarkdown));
  const name = serviceName(d);
  return `**\`${portKey(d)}\`**${name ? ` (${escapeMarkdown(name)})` : ''}: ${escapeMarkdown(drillDownSummary(d))}\n\n${table(['', 'Source or destination', 'Connections', 'Bytes'], rows, [false, false, true, true])}`;
}

/** One port's drill-down as plain text for a terminal. */
export function renderDrillDownText(d: PortDrillDown): string {
  const entries = drillDownEntries(d);
  const width = Math.max(0, ...entries.map((e) => e.what.length));
  const lines = entries.map((e) => `  ${e.side.padEnd(4)} ${e.what.padEnd(width)}  ${countOf(e.connections, 'connection')}, ${formatBytes(e.bytes)}`);
  return [`${portTitle(d)}: ${drillDownSummary(d)}`, ...lines].join('\n');
}
