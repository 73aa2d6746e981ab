// The allowlist file (`.github/outbound-ports.yml` by default): ports the team expects, each with a reason.
// Parsed strictly; every problem is reported with the file and line.
//
//   ports:
//     - port: 443
//       protocol: tcp
//       reason: HTTPS to AWS APIs and package mirrors

import { readFile, stat } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { InputError } from '../input-error.js';
import { ACCEPTED_PROTOCOLS, portKey, protocolNumber } from './port-row.js';

export interface AllowlistEntry {
  readonly port: number;
  readonly protocol: number;
  readonly reason: string;
  readonly line: number;
}

export interface Allowlist {
  readonly path: string;
  readonly entries: readonly AllowlistEntry[];
}

const FORMAT_HINT = 'expected `ports:` with a list of {port, protocol, reason}';

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

/** Parses allowlist text; `path` is used only in messages. */
export function parseAllowlist(text: string, path: string): Allowlist {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > ALLOWLIST_MAX_BYTES) throw tooLarge(path, bytes);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined) => (node?.range ? lines.linePos(node.range[0]).line : 1);
  const fail = (line: number, message: string): never => {
    throw new InputError(`allowlist ${path} line ${line}: ${message}.`);
  };
  const yamlError = doc.errors[0];
  if (yamlError) fail(yamlError.linePos?.[0].line ?? 1, `not valid YAML (${yamlError.message.split('\n')[0]})`);

  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return { path, entries: [] };
  if (!isMap(root) || root.items.length !== 1 || !isScalar(root.items[0]!.key) || root.items[0]!.key.value !== 'ports') {
    fail(lineOf(root), FORMAT_HINT);
  }
  const list = (root as { items: { value: unknown }[] }).items[0]!.value as Node | null;
  if (list === null || (isScalar(list) && list.value === null)) return { path, entries: [] };
  if (!isSeq(list)) return fail(lineOf(list), `\`ports\` must be a list; ${FORMAT_HINT}`);

  const entries: AllowlistEntry[] = [];
  const seen = new Map<string, number>();
  for (const item of list.items as Node[]) {
    const line = lineOf(item);
    if (!isMap(item)) fail(line, `each entry must be a mapping of port, protocol and reason`);
    const fields = new Map<string, unknown>();
    for (const pair of (item as { items: { key: unknown; value: unknown }[] }).items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!['port', 'protocol', 'reason'].includes(key)) fail(line, `unknown key '${key}'; accepted are port, protocol, reason`);
      fields.set(key, isScalar(pair.value) ? pair.value.value : undefined);
    }
    const port = fields.get('port');
    if (port === undefined || port === null) fail(line, 'port is missing; give a whole number from 0 to 65535');
    if (typeof port === 'string' && /^\d+$/.test(port.trim())) fail(line, `port '${port}' is quoted text; write the number without quotes (port: ${port.trim()})`);
    if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) {
      fail(line, `port '${String(port)}' is not a whole number from 0 to 65535`);
    }
    const protocolText = fields.get('protocol');
    if (protocolText === undefined || protocolText === null) fail(line, `protocol is missing; accepted are ${ACCEPTED_PROTOCOLS}`);
    const protocol = protocolNumber(String(protocolText));
    if (protocol === undefined) fail(line, `protocol '${String(protocolText)}' is not accepted; accepted are ${ACCEPTED_PROTOCOLS}`);
    const reason = fields.get('reason');
    if (typeof reason !== 'string' || reason.trim() === '') fail(line, 'every entry needs a reason (why this port is expected)');
    const entry = { port: port as number, protocol: protocol!, reason: (reason as string).trim(), line };
    const key = portKey(entry);
    if (seen.has(key)) fail(line, `${key} is already listed on line ${seen.get(key)}`);
    seen.set(key, line);
    entries.push(entry);
  }
  return { path, entries };
}

/** Reads and parses the allowlist at `path`; undefined when there is no such file. */
export async function loadAllowlist(path: string): Promise<Allowlist | undefined> {
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
  return parseAllowlist(text, path);
}

/** Whether the allowlist names this port and protocol. */
export function isAllowed(allowlist: Allowlist | undefined, row: { port: number; protocol: number }): boolean {
  return allowlist?.entries.some((e) => e.port === row.port && e.protocol === row.protocol) ?? false;
}
