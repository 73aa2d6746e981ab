// Which ports are new, and the memory of every port earlier audits saw that decides it: a versioned JSON
// document, validated on load, that rebuilds itself (with a warning) instead of crashing or re-alerting
// everything. Version 2 keeps each port's connections per audited window (its trend, over the last
// MAX_WINDOW_VOLUMES windows); a version-1 memory is migrated on load (its ports start with no trend).
// Also the pull-request diff: base allowlist vs the PR's allowlist, against the latest observed ports,
// and a bounded history of the audited windows' volumes (the pipeline-health baseline, see health/judge.ts).

import { allowlistMatch, covers, entryKey, isAllowed, type Allowlist, type AllowlistEntry } from './allowlist.js';
import { portKey, protocolNumber, type PortRow } from './port-row.js';
import type { HourWindow } from '../flowlog/layout.js';

export const MEMORY_VERSION = 2;

/** One audited window's connections to a port (see PortRow.connections). */
export interface PortWindow {
  /** ISO times of the window's first hour and of its end (exclusive). */
  readonly start: string;
  readonly end: string;
  readonly connections: number;
}

/** What the memory keeps of one port that an audit has seen. */
export interface RememberedPort {
  readonly port: number;
  readonly protocol: number;
  /** ISO time of the run that first saw it. */
  readonly firstSeen: string;
  /** ISO time of the latest run that saw it. */
  readonly lastSeen: string;
  /** Numbers from the latest run that saw it. */
  readonly flows: number;
  readonly bytes: number;
  readonly samplePeers: readonly string[];
  /** ISO time it was reported as new; absent for ports that were part of a silent baseline. */
  readonly reported?: string;
  /**
   * Its connections in each audited window that saw it, oldest first, among the memory's last MAX_WINDOW_VOLUMES
   * windows (a window without an entry saw none). Empty for ports migrated from version 1.
   */
  readonly history: readonly PortWindow[];
}

/** The outbound records and bytes one audited window held (the sums over its ports). */
export interface WindowVolume {
  /** ISO times of the window's first hour and of its end (exclusive). */
  readonly start: string;
  readonly end: string;
  readonly records: number;
  readonly bytes: number;
}

/** How many windows the memory keeps: a month of daily runs, or a day and more of hourly ones. */
export const MAX_WINDOW_VOLUMES = 30;

export interface PortMemory {
  readonly version: typeof MEMORY_VERSION;
  /** The stack or VPC this memory belongs to. */
  readonly key: string;
  readonly updatedAt: string;
  /** Keyed by portKey (`443/tcp`); a Map, so no stored or issue-supplied key is ever read as an object property. */
  readonly ports: ReadonlyMap<string, RememberedPort>;
  /** Earlier windows' volumes, oldest first, at most MAX_WINDOW_VOLUMES; absent in memories from before it. */
  readonly volumes?: readonly WindowVolume[];
  /**
   * The number of the tracking issue the runs of this memory opened, while it is open: the only issue a run
   * adopts, updates or closes (another issue with the label and marker, anyone's workflow may have written).
   * Absent: none is open, or the memory predates the field.
   */
  readonly trackingIssue?: number;
}

/**
 * Where the memory stands before a run:
 * - `first-run`: there has never been one (no memory, no tracking issue);
 * - `loaded`: a valid memory (possibly with some entries dropped, see warnings of parseMemory);
 * - `rebuild`: it was lost or corrupted; this run rebuilds it silently.
 */
export type MemoryState =
  | { readonly kind: 'first-run' }
  | { readonly kind: 'loaded'; readonly memory: PortMemory }
  | { readonly kind: 'rebuild'; readonly reason: string };

interface PortAssessment {
  /** Ports to alert on now, in top-list order. */
  readonly newPorts: readonly PortRow[];
  /** True when this run only records a baseline (first run without allowlist, or a rebuild). */
  readonly silent: boolean;
}

/** Decides which of the window's ports (every one the audit returned, whatever its rank) are new: outside the allowlist, or explained only by an expired entry. */
export function assessPorts(rows: readonly PortRow[], allowlist: Allowlist | undefined, state: MemoryState): PortAssessment {
  const unexplained = rows.filter((row) => !isAllowed(allowlist, row));
  switch (state.kind) {
    case 'first-run':
      return allowlist ? { newPorts: unexplained, silent: false } : { newPorts: [], silent: true };
    case 'rebuild':
      return { newPorts: [], silent: true };
    case 'loaded': {
      // A remembered port is new again when its allowlist entry expired and it was never reported: it was known
      // only because the entry explained it.
      const isNew = (row: PortRow) => {
        const known = state.memory.ports.get(portKey(row));
        return !known || (known.reported === undefined && allowlistMatch(allowlist, row).status === 'expired');
      };
      return { newPorts: unexplained.filter(isNew), silent: false };
    }
  }
}

/**
 * The memory after a run: every port of `rows` is remembered; `reportedKeys` are marked as reported. With the
 * audited `window`, each port's connections in it join its history (a rerun of the same window replaces them),
 * and every history keeps only the memory's last MAX_WINDOW_VOLUMES windows.
 */
export function updateMemory(
  previous: PortMemory | undefined,
  key: string,
  rows: readonly PortRow[],
  reportedKeys: ReadonlySet<string>,
  now: Date,
  window?: HourWindow,
): PortMemory {
  const at = now.toISOString();
  const ports = new Map(previous?.ports);
  const audited = window && { start: window.start.toISOString(), end: window.end.toISOString() };
  for (const row of rows) {
    const id = portKey(row);
    const before = ports.get(id);
    const reported = before?.reported ?? (reportedKeys.has(id) ? at : undefined);
    const earlier = (before?.history ?? []).filter((w) => !audited || w.start !== audited.start || w.end !== audited.end);
    ports.set(id, {
      port: row.port,
      protocol: row.protocol,
      firstSeen: before?.firstSeen ?? at,
      lastSeen: at,
      flows: row.flows,
      bytes: row.bytes,
      samplePeers: [...row.samplePeers],
      ...(reported ? { reported } : {}),
      history: audited ? [...earlier, { ...audited, connections: row.connections }].sort(byWindow) : earlier,
    });
  }
  return { version: MEMORY_VERSION, key, updatedAt: at, ports: keepLastWindows(ports), ...(previous?.volumes ? { volumes: previous.volumes } : {}) };
}

const byWindow = (a: { start: string; end: string }, b: { start: string; end: string }) => a.start.localeCompare(b.start) || a.end.localeCompare(b.end);
const windowId = (w: { start: string; end: string }) => `${w.start}/${w.end}`;

/** The memory's audited windows (any port's history names them), oldest first, at most MAX_WINDOW_VOLUMES. */
export function auditedWindows(ports: ReadonlyMap<string, RememberedPort>): { start: string; end: string }[] {
  const all = new Map<string, { start: string; end: string }>();
  for (const p of ports.values()) for (const { start, end } of p.history) all.set(windowId({ start, end }), { start, end });
  return [...all.values()].sort(byWindow).slice(-MAX_WINDOW_VOLUMES);
}

/** Every port's history cut to the memory's last MAX_WINDOW_VOLUMES windows. */
function keepLastWindows(ports: Map<string, RememberedPort>): Map<string, RememberedPort> {
  const kept = new Set(auditedWindows(ports).map(windowId));
  for (const [id, p] of ports) {
    if (p.history.some((w) => !kept.has(windowId(w)))) ports.set(id, { ...p, history: p.history.filter((w) => kept.has(windowId(w))) });
  }
  return ports;
}

/**
 * The memory with this window's volume recorded: a rerun of the same window replaces its entry; the oldest
 * entries go beyond MAX_WINDOW_VOLUMES.
 */
export function recordWindowVolume(memory: PortMemory, volume: WindowVolume): PortMemory {
  const others = (memory.volumes ?? []).filter((v) => v.start !== volume.start || v.end !== volume.end);
  const volumes = [...others, volume].sort((a, b) => a.start.localeCompare(b.start)).slice(-MAX_WINDOW_VOLUMES);
  return { ...memory, volumes };
}

/** Ports that were reported and are still not in the allowlist: what the tracking issue lists. */
export function unacknowledgedPorts(memory: PortMemory, allowlist: Allowlist | undefined): RememberedPort[] {
  return [...memory.ports.values()]
    .filter((p) => p.reported !== undefined && !isAllowed(allowlist, p))
    .sort((a, b) => a.reported!.localeCompare(b.reported!) || a.port - b.port || a.protocol - b.protocol);
}

type ParsedMemory =
  | { readonly ok: true; readonly memory: PortMemory; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly problem: string };

/** Serializes the memory as stable, readable JSON (`ports` as an object keyed by portKey). */
export function serializeMemory(memory: PortMemory): string {
  return `${JSON.stringify({ ...memory, ports: Object.fromEntries(memory.ports) }, null, 2)}\n`;
}

/**
 * Validates stored memory text. Unreadable JSON, an unknown version or another key is a problem (the caller
 * rebuilds); single bad entries are dropped with a warning, so one bad line does not cost the whole memory. A
 * version-1 memory is migrated: its ports are kept, each with an empty history (version 1 kept no trend).
 */
export function parseMemory(text: string, expectedKey: string): ParsedMemory {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `it is not valid JSON (${(error as Error).message})` };
  }
  if (!isRecord(data)) return { ok: false, problem: 'it is not a JSON object' };
  if (data.version !== MEMORY_VERSION && data.version !== 1) {
    return { ok: false, problem: `its version is ${JSON.stringify(data.version)}, expected ${MEMORY_VERSION} (or 1, which is migrated)` };
  }
  if (data.key !== expectedKey) return { ok: false, problem: `it belongs to ${JSON.stringify(data.key)}, not ${JSON.stringify(expectedKey)}` };
  if (!isRecord(data.ports)) return { ok: false, problem: '`ports` is not an object' };
  const updatedAt = typeof data.updatedAt === 'string' && isIsoTime(data.updatedAt) ? data.updatedAt : undefined;
  if (!updatedAt) return { ok: false, problem: '`updatedAt` is not an ISO time' };

  const warnings: string[] = [];
  const ports = new Map<string, RememberedPort>();
  for (const [id, value] of Object.entries(data.ports)) {
    const port = toRememberedPort(value, data.version === 1);
    if (port && portKey(port) === id) ports.set(id, port);
    else warnings.push(`dropped the malformed memory entry ${JSON.stringify(id)}`);
  }
  const volumes = parseVolumes(data.volumes, warnings);
  const trackingIssue = parseTrackingIssue(data.trackingIssue, warnings);
  const memory: PortMemory = { version: MEMORY_VERSION, key: expectedKey, updatedAt, ports, ...(volumes ? { volumes } : {}), ...(trackingIssue ? { trackingIssue } : {}) };
  return { ok: true, memory, warnings };
}

/**
 * The memory with `keys` marked as reported (ports a tracking issue still lists): a port leaves the issue only
 * through the allowlist, even when the memory forgot it. Keys missing from the memory are added without numbers.
 */
export function markReported(memory: PortMemory, keys: readonly string[], now: Date): PortMemory {
  const at = now.toISOString();
  const ports = new Map(memory.ports);
  for (const id of keys) {
    const known = ports.get(id);
    const parsed = parsePortKey(id);
    if (known) ports.set(id, { ...known, reported: known.reported ?? at });
    else if (parsed) ports.set(id, { ...parsed, firstSeen: at, lastSeen: at, flows: 0, bytes: 0, samplePeers: [], reported: at, history: [] });
  }
  return { ...memory, ports };
}

/** `443/tcp` -> {port, protocol}; undefined when malformed. */
export function parsePortKey(id: string): { port: number; protocol: number } | undefined {
  const match = /^(\d{1,5})\/([a-z0-9]+)$/.exec(id);
  if (!match) return undefined;
  const protocol = protocolNumber(match[2]!);
  const port = Number(match[1]);
  if (protocol === undefined || port > 65535) return undefined;
  return portKey({ port, protocol }) === id ? { port, protocol } : undefined;
}

export interface AllowlistDiff {
  /** Observed; allowed by the PR's allowlist, not by the base branch's. */
  readonly newlyAllowed: readonly PortRow[];
  /** Observed; allowed by the base branch's allowlist, not by the PR's. */
  readonly noLongerAllowed: readonly PortRow[];
  /** Observed; allowed by neither. */
  readonly stillUnexplained: readonly PortRow[];
  /** Observed; allowed by both. */
  readonly unchanged: readonly PortRow[];
  /** Entries the PR adds or removes for ports that were not observed. */
  readonly addedNotObserved: readonly AllowlistEntry[];
  readonly removedNotObserved: readonly AllowlistEntry[];
  /** Entries of the PR's allowlist whose `expires` day has passed: they explain nothing. */
  readonly expiredInHead: readonly AllowlistEntry[];
}

/** The port diff a pull request's allowlist change makes against the latest observed ports. */
export function diffAllowlists(base: Allowlist | undefined, head: Allowlist | undefined, rows: readonly PortRow[]): AllowlistDiff {
  const bucket = (inBase: boolean, inHead: boolean) => rows.filter((r) => isAllowed(base, r) === inBase && isAllowed(head, r) === inHead);
  // An entry (a port or a range) counts as added or removed when the other side has no entry of the same ports.
  const notObservedOnlyIn = (a: Allowlist | undefined, b: Allowlist | undefined) =>
    (a?.entries ?? []).filter((e) => !rows.some((r) => covers(e, r)) && !b?.entries.some((other) => entryKey(other) === entryKey(e)));
  return {
    newlyAllowed: bucket(false, true),
    noLongerAllowed: bucket(true, false),
    stillUnexplained: bucket(false, false),
    unchanged: bucket(true, true),
    addedNotObserved: notObservedOnlyIn(head, base),
    removedNotObserved: notObservedOnlyIn(base, head),
    expiredInHead: (head?.entries ?? []).filter((e) => e.expired),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIsoTime(value: unknown): value is string {
  return typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value) && !Number.isNaN(Date.parse(value));
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isPort = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535;
const isProtocol = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255;
const isPeerList = (v: unknown): v is string[] => Array.isArray(v) && v.every((p) => typeof p === 'string');

/** The stored tracking issue number (undefined when there is none); anything but a positive integer is dropped with a warning. */
function parseTrackingIssue(value: unknown, warnings: string[]): number | undefined {
  if (value === undefined) return undefined;
  if (Number.isSafeInteger(value) && (value as number) > 0) return value as number;
  warnings.push(`dropped \`trackingIssue\` ${JSON.stringify(value)?.slice(0, 100)}: it is not an issue number`);
  return undefined;
}

/** The stored window volumes (undefined when there are none); malformed entries are dropped with a warning. */
function parseVolumes(value: unknown, warnings: string[]): WindowVolume[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    warnings.push('dropped `volumes`: it is not a list');
    return undefined;
  }
  const volumes: WindowVolume[] = [];
  for (const entry of value.slice(-MAX_WINDOW_VOLUMES)) {
    const ok = isRecord(entry) && isIsoTime(entry.start) && isIsoTime(entry.end) && isCount(entry.records) && isCount(entry.bytes);
    if (ok) volumes.push({ start: entry.start as string, end: entry.end as string, records: entry.records as number, bytes: entry.bytes as number });
    else warnings.push(`dropped the malformed window volume ${JSON.stringify(entry)?.slice(0, 100)}`);
  }
  return volumes;
}

/** A stored port entry, checked; `migrating` a version-1 entry (no history: it starts empty). */
function toRememberedPort(value: unknown, migrating: boolean): RememberedPort | undefined {
  if (!isRecord(value)) return undefined;
  const { port, protocol, firstSeen, lastSeen, flows, bytes, samplePeers, reported } = value;
  if (!isPort(port) || !isProtocol(protocol) || !isIsoTime(firstSeen) || !isIsoTime(lastSeen)) return undefined;
  if (!isCount(flows) || !isCount(bytes) || !isPeerList(samplePeers)) return undefined;
  if (reported !== undefined && !isIsoTime(reported)) return undefined;
  const history = migrating ? [] : toHistory(value.history);
  if (!history) return undefined;
  return { port, protocol, firstSeen, lastSeen, flows, bytes, samplePeers, ...(reported ? { reported } : {}), history };
}

/** A stored history: a list of at most MAX_WINDOW_VOLUMES windows with their connections, else undefined. */
function toHistory(value: unknown): PortWindow[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_WINDOW_VOLUMES) return undefined;
  const ok = value.every((w) => isRecord(w) && isIsoTime(w.start) && isIsoTime(w.end) && isCount(w.connections));
  return ok ? value.map((w: PortWindow) => ({ start: w.start, end: w.end, connections: w.connections })) : undefined;
}
