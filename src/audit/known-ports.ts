// Which ports are new, and the memory of every port earlier audits saw that decides it: a versioned JSON
// document, validated on load, that rebuilds itself (with a warning) instead of crashing or re-alerting
// everything. Version 3 keeps the ports of each audit unit (account, region, VPC: audit-unit.ts) apart, in one
// document: a port is new per unit (known in VPC A, it is still new in VPC B), and a unit's first window is its
// baseline. Each port keeps its connections per audited window (its trend, over the last MAX_WINDOW_VOLUMES
// windows). Version 1 and 2 memories (one VPC or stack each, no units) are migrated on load into the unit of
// nulls (see adoptUnattributed for how a run that attributes its traffic takes them over).
// Also the pull-request diff: base allowlist vs the PR's allowlist, against the latest observed ports,
// and a bounded history of the audited windows' volumes (the pipeline-health baseline, see health/judge.ts).

import { allowlistMatch, covers, entryKey, type Allowlist, type AllowlistEntry, type AllowlistMatch } from './allowlist.js';
import { unitKey, type AuditUnit, type UnitPorts } from './audit-unit.js';
import { portKey, protocolNumber, type PortRow } from './port-row.js';
import type { HourWindow } from '../flowlog/layout.js';

export const MEMORY_VERSION = 3;

/** The unit of nulls: traffic nothing attributed, and where version 1 and 2 memories migrate to. */
export const UNATTRIBUTED: AuditUnit = { account: null, region: null, vpcId: null };

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

/**
 * How the allowlist judges a port of a unit: the ONE place the memory and the pull-request diff ask it. An entry
 * scoped with `accounts:`/`vpcs:` holds only in the units it names (audit/allowlist.ts holdsIn).
 */
function matchIn(allowlist: Allowlist | undefined, unit: AuditUnit, port: { port: number; protocol: number }): AllowlistMatch {
  return allowlistMatch(allowlist, port, unit);
}

/** Whether an entry that has not expired explains the port in the unit. */
const allowedIn = (allowlist: Allowlist | undefined, unit: AuditUnit, port: { port: number; protocol: number }) => matchIn(allowlist, unit, port).status === 'allowed';

/** What the memory keeps of one audit unit: the ports its audits saw. */
export interface UnitMemory {
  readonly unit: AuditUnit;
  /** Keyed by portKey (`443/tcp`); a Map, so no stored or issue-supplied key is ever read as an object property. */
  readonly ports: ReadonlyMap<string, RememberedPort>;
}

export interface PortMemory {
  readonly version: typeof MEMORY_VERSION;
  /** The stack or VPC this memory belongs to (the S3 object's key, the tracking issue's marker). */
  readonly key: string;
  readonly updatedAt: string;
  /** One entry per audit unit, keyed by unitKey (`111122223333/eu-west-1/vpc-...`, `-/-/-` for the unit of nulls). */
  readonly units: ReadonlyMap<string, UnitMemory>;
  /** Earlier windows' volumes (over every unit), oldest first, at most MAX_WINDOW_VOLUMES; absent in memories from before it. */
  readonly volumes?: readonly WindowVolume[];
  /**
   * The number of the tracking issue the runs of this memory opened, while it is open: the only issue a run
   * adopts, updates or closes (another issue with the label and marker, anyone's workflow may have written).
   * Absent: none is open, or the memory predates the field.
   */
  readonly trackingIssue?: number;
}

/** The remembered ports of one unit (the unit of nulls by default); empty when the memory has none of it. */
export function portsOf(memory: PortMemory, unit: AuditUnit = UNATTRIBUTED): ReadonlyMap<string, RememberedPort> {
  return memory.units.get(unitKey(unit))?.ports ?? new Map();
}

/** How many ports the memory holds, over every unit. */
export function rememberedCount(memory: PortMemory): number {
  return [...memory.units.values()].reduce((sum, u) => sum + u.ports.size, 0);
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

/** What a run concludes of one unit's ports. */
export interface UnitAssessment {
  readonly unit: AuditUnit;
  /** Ports to alert on now, in the unit's top-list order. */
  readonly newPorts: readonly PortRow[];
  /** True when this run only records the unit's baseline (see assessUnits). */
  readonly silent: boolean;
  /** True when the memory had no entry of this unit yet (while it had others): the first window of a new VPC. */
  readonly firstWindow: boolean;
}

/**
 * Decides, unit by unit, which of the window's ports (every one the audit returned, whatever its rank) are new:
 * outside the allowlist, and not remembered in THIS unit (a port known in VPC A is still new in VPC B), or
 * explained only by an expired entry. A unit the memory does not hold yet is judged as a first run is: without an
 * allowlist its first window is a silent baseline (a new VPC's ports are not a flood of new ports); with one,
 * its ports outside it are reported, because the allowlist says what every VPC may use and a new VPC must not
 * bring an unexplained port in unseen. A rebuilt memory reports nothing.
 */
export function assessUnits(units: readonly UnitPorts[], allowlist: Allowlist | undefined, state: MemoryState): UnitAssessment[] {
  return units.map(({ unit, rows }) => {
    const unexplained = rows.filter((row) => !allowedIn(allowlist, unit, row));
    const known = state.kind === 'loaded' ? state.memory.units.get(unitKey(unit)) : undefined;
    const firstWindow = state.kind === 'loaded' && known === undefined;
    if (state.kind === 'rebuild') return { unit, newPorts: [], silent: true, firstWindow };
    if (!known) return allowlist ? { unit, newPorts: unexplained, silent: false, firstWindow } : { unit, newPorts: [], silent: true, firstWindow };
    // A remembered port is new again when its allowlist entry expired and it was never reported: it was known
    // only because the entry explained it.
    const isNew = (row: PortRow) => {
      const remembered = known.ports.get(portKey(row));
      return !remembered || (remembered.reported === undefined && matchIn(allowlist, unit, row).status === 'expired');
    };
    return { unit, newPorts: unexplained.filter(isNew), silent: false, firstWindow };
  });
}

/** A port of a unit, as the tracking issue's hidden line names it: `443/tcp` in the unit of nulls, else `<unitKey>:443/tcp`. */
export function unitPortToken(unit: AuditUnit, port: { port: number; protocol: number }): string {
  const key = unitKey(unit);
  return key === unitKey(UNATTRIBUTED) ? portKey(port) : `${key}:${portKey(port)}`;
}

/** The tokens of new ports, by unit: what updateMemory marks as reported. */
export function newPortTokens(assessments: readonly UnitAssessment[]): Set<string> {
  return new Set(assessments.flatMap((a) => a.newPorts.map((row) => unitPortToken(a.unit, row))));
}

/**
 * The memory after a run: every port of every unit is remembered in its unit; ports whose unitPortToken is in
 * `reportedTokens` are marked as reported. With the audited `window`, each port's connections in it join its
 * history (a rerun of the same window replaces them), and every history keeps only the memory's last
 * MAX_WINDOW_VOLUMES windows. Units this run did not see are kept as they were.
 */
export function updateMemory(
  previous: PortMemory | undefined,
  key: string,
  seen: readonly UnitPorts[],
  reportedTokens: ReadonlySet<string>,
  now: Date,
  window?: HourWindow,
): PortMemory {
  const at = now.toISOString();
  const units = new Map(previous?.units);
  const audited = window && { start: window.start.toISOString(), end: window.end.toISOString() };
  for (const { unit, rows } of seen) {
    const ports = new Map(units.get(unitKey(unit))?.ports);
    for (const row of rows) {
      const id = portKey(row);
      const before = ports.get(id);
      const reported = before?.reported ?? (reportedTokens.has(unitPortToken(unit, row)) ? at : undefined);
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
    units.set(unitKey(unit), { unit, ports });
  }
  return { version: MEMORY_VERSION, key, updatedAt: at, units: keepLastWindows(units), ...(previous?.volumes ? { volumes: previous.volumes } : {}) };
}

const byWindow = (a: { start: string; end: string }, b: { start: string; end: string }) => a.start.localeCompare(b.start) || a.end.localeCompare(b.end);
const windowId = (w: { start: string; end: string }) => `${w.start}/${w.end}`;

/** The memory's audited windows (any port's history, in any unit, names them), oldest first, at most MAX_WINDOW_VOLUMES. */
export function auditedWindows(units: ReadonlyMap<string, UnitMemory>): { start: string; end: string }[] {
  const all = new Map<string, { start: string; end: string }>();
  for (const u of units.values()) for (const p of u.ports.values()) for (const { start, end } of p.history) all.set(windowId({ start, end }), { start, end });
  return [...all.values()].sort(byWindow).slice(-MAX_WINDOW_VOLUMES);
}

/** Every port's history, in every unit, cut to the memory's last MAX_WINDOW_VOLUMES windows. */
function keepLastWindows(units: Map<string, UnitMemory>): Map<string, UnitMemory> {
  const kept = new Set(auditedWindows(units).map(windowId));
  for (const [id, u] of units) {
    if (![...u.ports.values()].some((p) => p.history.some((w) => !kept.has(windowId(w))))) continue;
    const ports = new Map([...u.ports].map(([k, p]) => [k, { ...p, history: p.history.filter((w) => kept.has(windowId(w))) }]));
    units.set(id, { ...u, ports });
  }
  return units;
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

/** A unit's ports that were reported and are still not in the allowlist. */
export interface UnitUnacknowledged {
  readonly unit: AuditUnit;
  readonly ports: readonly RememberedPort[];
}

/** Ports that were reported and are still not in the allowlist, per unit (units without any left out): what the tracking issue lists. */
export function unacknowledgedByUnit(memory: PortMemory, allowlist: Allowlist | undefined): UnitUnacknowledged[] {
  return [...memory.units.values()]
    .map(({ unit, ports }) => ({
      unit,
      ports: [...ports.values()]
        .filter((p) => p.reported !== undefined && !allowedIn(allowlist, unit, p))
        .sort((a, b) => a.reported!.localeCompare(b.reported!) || a.port - b.port || a.protocol - b.protocol),
    }))
    .filter((u) => u.ports.length > 0)
    .sort((a, b) => unitKey(a.unit).localeCompare(unitKey(b.unit)));
}

/** Every unit's unacknowledged ports in one list (unit after unit): the unit of nulls' alone in a one-VPC memory. */
export function unacknowledgedPorts(memory: PortMemory, allowlist: Allowlist | undefined): RememberedPort[] {
  return unacknowledgedByUnit(memory, allowlist).flatMap((u) => u.ports);
}

/**
 * The memory as a run that attributes its traffic takes it over. Version 1 and 2 memories were one per VPC or
 * stack (their key) and migrate into the unit of nulls, because loading cannot know which unit the run's audit
 * will attribute that VPC's traffic to (the unit of nulls while audits are unattributed; `account/region/vpc`
 * once the format or inventory tells). When the memory holds only the unit of nulls and the run saw no
 * unattributed traffic, those ports are the run's own VPC's: its only unit, or the unit whose VPC id is the
 * memory's key. They move there, so known ports stay known and reported ones stay reported (no silent
 * re-baseline, no port listed twice); otherwise the memory is kept as it is. `bareUnit` is the unit a bare
 * `443/tcp` of the tracking issue's hidden line then stands for.
 */
export function adoptUnattributed(memory: PortMemory, units: readonly AuditUnit[]): { memory: PortMemory; bareUnit: AuditUnit } {
  const nulls = unitKey(UNATTRIBUTED);
  const onlyNulls = memory.units.size === 1 && memory.units.has(nulls);
  const owner = units.length === 1 ? units[0] : units.find((u) => u.vpcId === memory.key);
  if (!onlyNulls || !owner || units.some((u) => unitKey(u) === nulls)) return { memory, bareUnit: UNATTRIBUTED };
  const { ports } = memory.units.get(nulls)!;
  return { memory: { ...memory, units: new Map([[unitKey(owner), { unit: owner, ports }]]) }, bareUnit: owner };
}

type ParsedMemory =
  | { readonly ok: true; readonly memory: PortMemory; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly problem: string };

/**
 * Serializes the memory as stable, readable JSON: `units` as an object keyed by unitKey, each with its unit's
 * `account`, `region`, `vpcId` and its `ports` keyed by portKey.
 */
export function serializeMemory(memory: PortMemory): string {
  const units = Object.fromEntries([...memory.units].map(([id, { unit, ports }]) => [id, { ...unit, ports: Object.fromEntries(ports) }]));
  return `${JSON.stringify({ ...memory, units }, null, 2)}\n`;
}

/**
 * Validates stored memory text. Unreadable JSON, an unknown version or another key is a problem (the caller
 * rebuilds); single bad entries are dropped with a warning, so one bad line does not cost the whole memory.
 * Version 1 and 2 memories are migrated into the unit of nulls (see adoptUnattributed): their ports are kept,
 * version 1's each with an empty history (it kept no trend).
 */
export function parseMemory(text: string, expectedKey: string): ParsedMemory {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `it is not valid JSON (${(error as Error).message})` };
  }
  if (!isRecord(data)) return { ok: false, problem: 'it is not a JSON object' };
  if (data.version !== MEMORY_VERSION && data.version !== 2 && data.version !== 1) {
    return { ok: false, problem: `its version is ${JSON.stringify(data.version)}, expected ${MEMORY_VERSION} (or 1 or 2, which are migrated)` };
  }
  if (data.key !== expectedKey) return { ok: false, problem: `it belongs to ${JSON.stringify(data.key)}, not ${JSON.stringify(expectedKey)}` };
  const stored = data.version === MEMORY_VERSION ? data.units : data.ports;
  if (!isRecord(stored)) return { ok: false, problem: `\`${data.version === MEMORY_VERSION ? 'units' : 'ports'}\` is not an object` };
  const updatedAt = typeof data.updatedAt === 'string' && isIsoTime(data.updatedAt) ? data.updatedAt : undefined;
  if (!updatedAt) return { ok: false, problem: '`updatedAt` is not an ISO time' };

  const warnings: string[] = [];
  const units = new Map<string, UnitMemory>();
  if (data.version === MEMORY_VERSION) {
    for (const [id, value] of Object.entries(stored)) {
      const unit = toUnit(value);
      const ports = isRecord(value) ? value.ports : undefined;
      if (unit && unitKey(unit) === id && isRecord(ports)) {
        // Warnings name a dropped port as the tracking issue does (unitPortToken): `22/tcp` in the unit of nulls.
        units.set(id, { unit, ports: parsePorts(ports, false, warnings, id === unitKey(UNATTRIBUTED) ? '' : `${id}:`) });
      } else warnings.push(`dropped the malformed memory unit ${JSON.stringify(id)}`);
    }
  } else {
    units.set(unitKey(UNATTRIBUTED), { unit: UNATTRIBUTED, ports: parsePorts(stored, data.version === 1, warnings, '') });
  }
  const volumes = parseVolumes(data.volumes, warnings);
  const trackingIssue = parseTrackingIssue(data.trackingIssue, warnings);
  const memory: PortMemory = { version: MEMORY_VERSION, key: expectedKey, updatedAt, units, ...(volumes ? { volumes } : {}), ...(trackingIssue ? { trackingIssue } : {}) };
  return { ok: true, memory, warnings };
}

/** A stored ports object, checked entry by entry (`migrating` version-1 entries); `where` prefixes the entry named in a warning. */
function parsePorts(stored: Record<string, unknown>, migrating: boolean, warnings: string[], where: string): Map<string, RememberedPort> {
  const ports = new Map<string, RememberedPort>();
  for (const [id, value] of Object.entries(stored)) {
    const port = toRememberedPort(value, migrating);
    if (port && portKey(port) === id) ports.set(id, port);
    else warnings.push(`dropped the malformed memory entry ${JSON.stringify(`${where}${id}`)}`);
  }
  return ports;
}

/** A stored unit's `account`, `region` and `vpcId` (each a string or null), else undefined. */
function toUnit(value: unknown): AuditUnit | undefined {
  if (!isRecord(value)) return undefined;
  const part = (v: unknown) => (v === null || (typeof v === 'string' && /^[A-Za-z0-9][A-Za-z0-9-]*$/.test(v)) ? (v as string | null) : undefined);
  const [account, region, vpcId] = [part(value.account), part(value.region), part(value.vpcId)];
  return account === undefined || region === undefined || vpcId === undefined ? undefined : { account, region, vpcId };
}

/**
 * The memory with the ports the tracking issue's hidden line lists (`tokens`, see unitPortToken) marked as
 * reported: a port leaves the issue only through the allowlist, even when the memory forgot it. Ports missing
 * from the memory are added without numbers; a bare `443/tcp` is a port of `bareUnit` (see adoptUnattributed).
 */
export function markReported(memory: PortMemory, tokens: readonly string[], now: Date, bareUnit: AuditUnit = UNATTRIBUTED): PortMemory {
  const at = now.toISOString();
  const units = new Map(memory.units);
  for (const token of tokens) {
    const colon = token.lastIndexOf(':');
    const unitId = colon < 0 ? unitKey(bareUnit) : token.slice(0, colon);
    const unit = colon < 0 ? bareUnit : (units.get(unitId)?.unit ?? parseUnitKey(unitId));
    const parsed = parsePortKey(token.slice(colon + 1));
    if (!unit || !parsed) continue;
    const ports = new Map(units.get(unitId)?.ports);
    const id = portKey(parsed);
    const known = ports.get(id);
    if (known) ports.set(id, { ...known, reported: known.reported ?? at });
    else ports.set(id, { ...parsed, firstSeen: at, lastSeen: at, flows: 0, bytes: 0, samplePeers: [], reported: at, history: [] });
    units.set(unitId, { unit, ports });
  }
  return { ...memory, units };
}

/** `111122223333/eu-west-1/vpc-0a1b` (unitKey, `-` for an unknown part) -> the unit; undefined when malformed. */
function parseUnitKey(id: string): AuditUnit | undefined {
  const parts = id.split('/');
  if (parts.length !== 3) return undefined;
  const [account, region, vpcId] = parts.map((p) => (p === '-' ? null : p));
  const unit = toUnit({ account, region, vpcId });
  return unit && unitKey(unit) === id ? unit : undefined;
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

/** The port diff a pull request's allowlist change makes against the latest observed ports of a unit (the unit of nulls by default). */
export function diffAllowlists(base: Allowlist | undefined, head: Allowlist | undefined, rows: readonly PortRow[], unit: AuditUnit = UNATTRIBUTED): AllowlistDiff {
  const bucket = (inBase: boolean, inHead: boolean) => rows.filter((r) => allowedIn(base, unit, r) === inBase && allowedIn(head, unit, r) === inHead);
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
