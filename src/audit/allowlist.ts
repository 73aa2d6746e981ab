// The allowlist file (`.github/outbound-ports.yml` by default): ports the team expects, each with a reason.
// Parsed strictly; every mistake is reported with the file and line. Entries may name a port range, an owner
// and a last day (`expires`): from the day after, the entry no longer explains its ports. An allowlist that
// explains nothing, and every expired entry, is a warning the caller shows. An entry may hold only in some
// accounts (`accounts:`, 12-digit ids) and/or VPCs (`vpcs:`, VPC ids) of an organisation audit; without them it
// holds everywhere. Two entries may name the same port only where their scopes cannot meet.
//
//   ports:
//     - port: 443
//       protocol: tcp
//       reason: HTTPS to AWS APIs and package mirrors
//     - port: 8000-8100
//       protocol: tcp
//       reason: the build farm's agents
//       owner: platform-team
//       expires: 2026-12-31
//     - port: 5432
//       protocol: tcp
//       reason: the shared database of the payments accounts
//       accounts: [111122223333, 444455556666]
//       vpcs: [vpc-0a1b2c3d4e5f67890]

import { readFile, stat } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { AuditUnit } from './audit-unit.js';
import { InputError } from '../input-error.js';
import { ACCEPTED_PROTOCOLS, portKey, protocolName, protocolNumber } from './port-row.js';

export interface AllowlistEntry {
  /** The first port the entry explains (the only one unless it gives a range). */
  readonly port: number;
  /** The last port the entry explains: `port` itself, or the end of `port: FIRST-LAST`. */
  readonly lastPort: number;
  /** IANA protocol number. */
  readonly protocol: number;
  readonly reason: string;
  /** Who answers for the entry (a team or a person), when given. */
  readonly owner?: string;
  /** The last day (UTC, `YYYY-MM-DD`) the entry explains its ports, when given. */
  readonly expires?: string;
  /** The 12-digit account ids the entry holds in (`accounts:`); absent: every account. */
  readonly accounts?: readonly string[];
  /** The VPC ids the entry holds in (`vpcs:`); absent: every VPC. */
  readonly vpcs?: readonly string[];
  /** True when `expires` is before the day the allowlist was read: the entry then explains nothing. */
  readonly expired: boolean;
  /** 1-based line of the entry in the file. */
  readonly line: number;
}

export interface Allowlist {
  /** The file as messages name it (a path, or `path@ref` for another branch's). */
  readonly path: string;
  readonly entries: readonly AllowlistEntry[];
  /** One sentence each: an allowlist that explains no port, an entry that expired. */
  readonly warnings: readonly string[];
}

/** What an allowlist says of one observed port: the entry that explains it, one that did until it expired, or none. */
export type AllowlistMatch =
  | { readonly status: 'allowed' | 'expired'; readonly entry: AllowlistEntry }
  | { readonly status: 'unlisted' };

/** The keys of an entry, in the order messages name them. */
const ENTRY_KEYS = ['port', 'protocol', 'reason', 'owner', 'expires', 'accounts', 'vpcs'] as const;
const FORMAT_HINT = `the file holds one key, ports: a list of {${ENTRY_KEYS.join(', ')}}`;
/** ICMP (1) and ICMPv6 (58): flow logs record them with port 0, and the audit counts them as port 0. */
const PORTLESS_PROTOCOLS = new Set([1, 58]);
/** How `allowlist init` marks each draft reason; an entry still marked so is warned of until someone reviews it. */
export const REVIEW_MARK = 'REVIEW:';
const PORT_HINT = 'give a whole number from 0 to 65535 or a range FIRST-LAST such as 8000-8100';

/**
 * The largest allowlist read, in bytes: about 900 entries in block style, parsed in well under a second
 * (an 8 MB file took 11 s and 1.8 GB of memory). The file is measured before it is read.
 */
export const ALLOWLIST_MAX_BYTES = 64 * 1024;

/** The one sentence for an allowlist over the cap. */
function tooLarge(path: string, bytes: number): InputError {
  return new InputError(
    `allowlist ${path} is ${bytes.toLocaleString('en-US')} bytes, more than the ${ALLOWLIST_MAX_BYTES.toLocaleString('en-US')} bytes (about 900 entries) ` +
      'this action reads; list only the ports you expect.',
  );
}

/**
 * The scope lists: what each item must be (an AWS account id is 12 digits: AWS Account Management reference guide,
 * "View AWS account identifiers", https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html;
 * a VPC id is `vpc-` and 8 or 17 hex digits, as aws/names.ts parseVpcId accepts).
 */
const SCOPES = {
  accounts: { item: /^\d{12}$/, what: 'a 12-digit AWS account id', list: '12-digit AWS account ids', example: '111122223333', where: 'account' },
  vpcs: { item: /^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, what: 'a VPC id (vpc- and 8 or 17 hex digits)', list: 'VPC ids', example: 'vpc-0a1b2c3d4e5f67890', where: 'VPC' },
} as const;

/** The unit of a single-VPC audit that knows neither its account nor its VPC: only entries without a scope hold there. */
const UNKNOWN_UNIT: AuditUnit = { account: null, region: null, vpcId: null };

/**
 * Whether the entry holds in `unit`: an entry with `accounts:` only where the unit's account is one of them, with
 * `vpcs:` only where its VPC is one of them; one without either everywhere. A part the unit does not know (null)
 * is none of the listed ones: an entry scoped to accounts explains no port of a unit whose account is unknown.
 */
export function holdsIn(entry: Pick<AllowlistEntry, 'accounts' | 'vpcs'>, unit: AuditUnit): boolean {
  const within = (list: readonly string[] | undefined, part: string | null) => list === undefined || (part !== null && list.includes(part));
  return within(entry.accounts, unit.account) && within(entry.vpcs, unit.vpcId);
}

/** Whether two entries can both hold in one unit: unless both list accounts (or both VPCs) and no id is in both lists. */
function scopesMeet(a: AllowlistEntry, b: AllowlistEntry): boolean {
  const disjoint = (x?: readonly string[], y?: readonly string[]) => x !== undefined && y !== undefined && !x.some((id) => y.includes(id));
  return !disjoint(a.accounts, b.accounts) && !disjoint(a.vpcs, b.vpcs);
}

/** `443/tcp`, or `8000-8100/tcp` for a range: how messages and reports name an entry. */
export function entryKey(entry: Pick<AllowlistEntry, 'port' | 'lastPort' | 'protocol'>): string {
  return entry.lastPort === entry.port ? portKey(entry) : `${entry.port}-${entry.lastPort}/${protocolName(entry.protocol)}`;
}

/** Whether the entry names this port and protocol (expired or not). */
export const covers = (entry: AllowlistEntry, row: { port: number; protocol: number }): boolean =>
  entry.protocol === row.protocol && entry.port <= row.port && row.port <= entry.lastPort;

/** `2026-11-02`: the UTC day of `at`, as `expires` is written. */
const utcDay = (at: Date) => at.toISOString().slice(0, 10);

/** A `YYYY-MM-DD` that is a real calendar day. */
const isCalendarDay = (text: string) => /^\d{4}-\d\d-\d\d$/.test(text) && !Number.isNaN(Date.parse(text)) && utcDay(new Date(text)) === text;

/** The port or range of an entry's `port` value, or the sentence that says what is wrong with it. */
function parsePortValue(value: unknown): { port: number; lastPort: number } | string {
  if (value === undefined || value === null) return `port is missing; ${PORT_HINT}`;
  const isPort = (n: number) => Number.isInteger(n) && n >= 0 && n <= 65535;
  if (typeof value === 'number') return isPort(value) ? { port: value, lastPort: value } : `port '${value}' is not a whole number from 0 to 65535`;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return `port '${text}' is quoted text; write the number without quotes (port: ${text})`;
  const range = /^(\d{1,5})\s*-\s*(\d{1,5})$/.exec(text);
  if (range && isPort(Number(range[1])) && isPort(Number(range[2])) && Number(range[1]) < Number(range[2])) {
    return { port: Number(range[1]), lastPort: Number(range[2]) };
  }
  return `port '${text.slice(0, 40)}' is not a whole number from 0 to 65535 or a range FIRST-LAST with FIRST below LAST, such as 8000-8100`;
}

/** The ids of a scope list (`accounts:` or `vpcs:`), or the sentence that says what is wrong with it. */
function parseScope(key: keyof typeof SCOPES, node: unknown): string[] | string {
  const scope = SCOPES[key];
  const hint = `${key} must be a list of ${scope.list}, such as ${key}: [${scope.example}]`;
  if (!isSeq(node)) return hint;
  if (node.items.length === 0) return `${key} lists nothing; list the ids of each ${scope.where} the entry holds in, or leave the key out so that it holds in every ${scope.where}`;
  const ids: string[] = [];
  for (const item of node.items) {
    if (!isScalar(item)) return hint;
    // The source text: YAML reads 012345678901 as a number and would drop its leading zero.
    const id = (item.source ?? String(item.value)).trim();
    if (!scope.item.test(id)) return `${key} entry '${id.slice(0, 40)}' is not ${scope.what}, such as ${scope.example}`;
    if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

/**
 * Parses allowlist text. `path` is used only in messages; an entry whose `expires` day is before the UTC day of
 * `today` is expired. Throws an InputError naming the line of the first mistake.
 */
export function parseAllowlist(text: string, path: string, today: Date = new Date()): Allowlist {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > ALLOWLIST_MAX_BYTES) throw tooLarge(path, bytes);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined) => (node?.range ? lines.linePos(node.range[0]).line : 1);
  const fail = (line: number, message: string): never => {
    throw new InputError(`allowlist ${path} line ${line}: ${message}.`);
  };
  const explainsNothing = (why: string): Allowlist => ({
    path,
    entries: [],
    warnings: [`allowlist ${path} explains no port (${why}), so every observed port counts as unexplained; list the ports you expect under ports:.`],
  });
  const yamlError = doc.errors[0];
  if (yamlError) fail(yamlError.linePos?.[0].line ?? 1, `not valid YAML (${yamlError.message.split('\n')[0]})`);

  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return explainsNothing('the file is empty or only comments');
  if (!isMap(root)) return fail(lineOf(root), FORMAT_HINT);
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key !== 'ports') fail(lineOf(pair.key as Node), `unknown top-level key '${key.slice(0, 40)}'; ${FORMAT_HINT}`);
  }
  const list = root.items[0]?.value as Node | null | undefined;
  if (list === undefined || list === null || (isScalar(list) && list.value === null)) return explainsNothing('`ports:` lists nothing');
  if (!isSeq(list)) return fail(lineOf(list), `\`ports\` must be a list; ${FORMAT_HINT}`);
  if (list.items.length === 0) return explainsNothing('`ports:` lists nothing');

  const entries: AllowlistEntry[] = [];
  for (const item of list.items as Node[]) {
    const line = lineOf(item);
    if (!isMap(item)) fail(line, `each entry must be a mapping of ${ENTRY_KEYS.join(', ')}`);
    const fields = new Map<string, unknown>();
    const scopes: { accounts?: string[]; vpcs?: string[] } = {};
    for (const pair of (item as { items: { key: unknown; value: unknown }[] }).items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!(ENTRY_KEYS as readonly string[]).includes(key)) fail(line, `unknown key '${key.slice(0, 40)}'; accepted are ${ENTRY_KEYS.join(', ')}`);
      if (key === 'accounts' || key === 'vpcs') {
        const ids = parseScope(key, pair.value);
        if (typeof ids === 'string') return fail(pair.value ? lineOf(pair.value as Node) : line, ids);
        scopes[key] = ids;
        continue;
      }
      fields.set(key, isScalar(pair.value) ? pair.value.value : undefined);
    }
    const ports = parsePortValue(fields.get('port'));
    if (typeof ports === 'string') return fail(line, ports);
    const protocolText = fields.get('protocol');
    if (protocolText === undefined || protocolText === null) fail(line, `protocol is missing; accepted are ${ACCEPTED_PROTOCOLS}`);
    const protocol = protocolNumber(String(protocolText));
    if (protocol === undefined) return fail(line, `protocol '${String(protocolText)}' is not accepted; accepted are ${ACCEPTED_PROTOCOLS}`);
    if (PORTLESS_PROTOCOLS.has(protocol) && ports.lastPort !== 0) {
      fail(line, `${protocolName(protocol)} has no ports: the audit counts it as port 0, so an entry for it gives port: 0`);
    }
    const reason = fields.get('reason');
    if (typeof reason !== 'string' || reason.trim() === '') fail(line, 'every entry needs a reason (why this port is expected)');
    const owner = fields.get('owner');
    if (fields.has('owner') && (owner === null || owner === undefined || String(owner).trim() === '')) fail(line, 'owner is empty; give the team or person who answers for the entry, or leave the key out');
    const expires = fields.get('expires');
    if (fields.has('expires') && (typeof expires !== 'string' || !isCalendarDay(expires.trim()))) {
      fail(line, `expires '${String(expires).slice(0, 40)}' is not a day written YYYY-MM-DD, such as 2026-12-31`);
    }
    const entry: AllowlistEntry = {
      ...ports,
      protocol,
      reason: (reason as string).trim(),
      ...(fields.has('owner') ? { owner: String(owner).trim() } : {}),
      ...(fields.has('expires') ? { expires: (expires as string).trim() } : {}),
      ...scopes,
      expired: fields.has('expires') && (expires as string).trim() < utcDay(today),
      line,
    };
    const clash = entries.find((e) => e.protocol === entry.protocol && e.port <= entry.lastPort && entry.port <= e.lastPort && scopesMeet(e, entry));
    const where = entry.accounts || entry.vpcs || clash?.accounts || clash?.vpcs ? ' for an account or VPC both hold in' : '';
    if (clash && entryKey(clash) === entryKey(entry)) fail(line, `${entryKey(entry)} is already listed on line ${clash.line}${where}`);
    if (clash) fail(line, `${entryKey(entry)} overlaps ${entryKey(clash)} on line ${clash.line}${where}; list each port once`);
    entries.push(entry);
  }
  const warnings = entries.filter((e) => e.expired).map((e) => expiredWarning(path, e));
  const drafts = entries.filter((e) => e.reason.startsWith(REVIEW_MARK));
  if (drafts.length > 0) warnings.push(draftWarning(path, drafts));
  return { path, entries, warnings };
}

/** The warning for an expired entry: which ports it no longer explains, since when, and whose it is. */
function expiredWarning(path: string, entry: AllowlistEntry): string {
  const owner = entry.owner ? ` (owner: ${entry.owner})` : '';
  return `allowlist ${path} line ${entry.line}: ${entryKey(entry)}${owner} expired after ${entry.expires}, so it no longer explains its ports; renew expires or remove the entry.`;
}

/** The warning for entries whose reason is still the draft `allowlist init` wrote: they explain their ports unreviewed. */
function draftWarning(path: string, drafts: readonly AllowlistEntry[]): string {
  const lines = drafts.slice(0, 10).map((e) => e.line).join(', ') + (drafts.length > 10 ? `, and ${drafts.length - 10} more` : '');
  const what = drafts.length === 1 ? '1 entry still has its draft reason' : `${drafts.length} entries still have their draft reason`;
  return (
    `allowlist ${path}: ${what} marked ${REVIEW_MARK} (line${drafts.length === 1 ? '' : 's'} ${lines}), so nobody has said why those ports are expected; ` +
    `replace each ${REVIEW_MARK} reason with the reason, or remove the entry.`
  );
}

/**
 * Reads and parses the allowlist at `path` (see parseAllowlist for `today`); undefined when there is no such
 * file. A folder, an unreadable file or one over ALLOWLIST_MAX_BYTES is an InputError.
 */
export async function loadAllowlist(path: string, today: Date = new Date()): Promise<Allowlist | undefined> {
  let text: string;
  try {
    const file = await stat(path);
    if (file.isDirectory()) throw new InputError(`allowlist ${path} is a folder; give the path of a YAML file with a ports: list.`);
    if (file.size > ALLOWLIST_MAX_BYTES) throw tooLarge(path, file.size);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(`allowlist ${path}: cannot be read (${(error as Error).message}).`);
  }
  return parseAllowlist(text, path, today);
}

/**
 * What the allowlist says of this port and protocol in `unit` (entries that hold in one unit never overlap, so at
 * most one names it). Without a unit, the single-VPC audit's: a unit of nulls, where only entries without
 * `accounts:` or `vpcs:` hold (see holdsIn).
 */
export function allowlistMatch(allowlist: Allowlist | undefined, row: { port: number; protocol: number }, unit: AuditUnit = UNKNOWN_UNIT): AllowlistMatch {
  const entry = allowlist?.entries.find((e) => covers(e, row) && holdsIn(e, unit));
  if (!entry) return { status: 'unlisted' };
  return { status: entry.expired ? 'expired' : 'allowed', entry };
}

/** Whether an entry of the allowlist that has not expired names this port and protocol and holds in `unit` (default: see allowlistMatch). */
export function isAllowed(allowlist: Allowlist | undefined, row: { port: number; protocol: number }, unit: AuditUnit = UNKNOWN_UNIT): boolean {
  return allowlistMatch(allowlist, row, unit).status === 'allowed';
}

/**
 * Whether `entry` explains this port and protocol in `unit`: it names them, has not expired, and holds in the
 * unit (holdsIn: an entry scoped to accounts or VPCs explains nothing in a unit whose account or VPC is unknown).
 */
export const explains = (entry: AllowlistEntry, row: { port: number; protocol: number }, unit: AuditUnit): boolean =>
  !entry.expired && covers(entry, row) && holdsIn(entry, unit);
