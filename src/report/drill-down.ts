// The drill-down of a port as text: one compact markdown table per port (who opened it, where it went) under a
// line with the port's IANA service name, its totals and first/last seen, for the CLI's markdown and table output (and the tracking issue).
// Every value from the logs is escaped (escapeMarkdown): a row cannot inject markup.

import { TRAFFIC_PATHS, type DrillDownDestination, type DrillDownSource, type PortDrillDown } from '../audit/drill-down.js';
import { portKey } from '../audit/port-row.js';
import { serviceName } from '../audit/service-names.js';
import { formatBytes } from '../format-bytes.js';
import { escapeMarkdown, formatCount, table, utcMinute } from './markdown.js';

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
  return `${formatCount(d.connections)} connections, ${formatCount(d.flows)} flows, ${formatBytes(d.bytes)}${seen}`;
}

/** The rows of the drill-down table: [side, who or where, connections, bytes]. */
function drillDownRows(d: PortDrillDown): string[][] {
  return [
    ...d.sources.map((s) => ['from', sourceText(s), formatCount(s.connections), formatBytes(s.bytes)]),
    ...d.destinations.map((t) => ['to', destinationText(t), formatCount(t.connections), formatBytes(t.bytes)]),
  ];
}

/** One port's drill-down as markdown: a bold heading line and a four-column table, every value escaped. */
export function renderDrillDownMarkdown(d: PortDrillDown): string {
  const rows = drillDownRows(d).map((row) => row.map(escapeMarkdown));
  const name = serviceName(d);
  return `**\`${portKey(d)}\`**${name ? ` (${escapeMarkdown(name)})` : ''}: ${escapeMarkdown(drillDownSummary(d))}\n\n${table(['', 'Source or destination', 'Connections', 'Bytes'], rows, [false, false, true, true])}`;
}

/** One port's drill-down as plain text for a terminal. */
export function renderDrillDownText(d: PortDrillDown): string {
  const rows = drillDownRows(d);
  const width = Math.max(0, ...rows.map((r) => r[1]!.length));
  return [`${portTitle(d)}: ${drillDownSummary(d)}`, ...rows.map(([side, what, connections, bytes]) => `  ${side!.padEnd(4)} ${what!.padEnd(width)}  ${connections} connections, ${bytes}`)].join('\n');
}
