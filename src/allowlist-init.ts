// `vpc-port-audit allowlist init`: a starting allowlist from an audit, so nobody types forty entries by hand. Every
// observed port becomes an entry whose reason is a draft (its IANA service name and how busy it was), marked
// REVIEW; the file is written only where none exists, and it is one the audit reads back as it is.

import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Document } from 'yaml';
import { ALLOWLIST_MAX_BYTES, REVIEW_MARK } from './audit/allowlist.js';
import { protocolName, type PortRow } from './audit/port-row.js';
import { serviceName } from './audit/service-names.js';
import type { HourWindow } from './flowlog/layout.js';
import { InputError } from './input-error.js';
import { countOf } from './report/markdown.js';

/** The mark every drafted reason starts with: the team replaces each with why the port is expected. */

export interface AllowlistDraft {
  /** The file's text: a header comment, then `ports:` with one entry per port kept. */
  readonly text: string;
  /** How many ports it lists (the busiest first). */
  readonly entries: number;
  /** The quieter ports left out to keep the file under ALLOWLIST_MAX_BYTES. */
  readonly leftOut: number;
}

const hour = (d: Date) => `${d.toISOString().slice(0, 13)}Z`;

/** The drafted reason of one port: `REVIEW: https (IANA); 405 connections to 50 peers in the audited window`. */
function draftReason(row: PortRow): string {
  const service = serviceName(row);
  const named = service ? `${service} (IANA service name)` : 'no IANA service name';
  return `${REVIEW_MARK} ${named}; ${countOf(row.connections, 'connection')} to ${countOf(row.peers, 'peer')} in the audited window`;
}

/**
 * The draft allowlist of the observed ports (in rank order) of `vpcCidrs` over `window`. When every port does not
 * fit under ALLOWLIST_MAX_BYTES, the busiest that do are kept and the header says how many were left out.
 */
export function draftAllowlist(rows: readonly PortRow[], window: HourWindow, vpcCidrs: readonly string[]): AllowlistDraft {
  const render = (kept: readonly PortRow[]) => {
    const doc = new Document({ ports: kept.map((row) => ({ port: row.port, protocol: protocolName(row.protocol), reason: draftReason(row) })) });
    const leftOut = rows.length - kept.length;
    doc.commentBefore = [
      ` Drafted by \`vpc-port-audit allowlist init\` from the outbound ports of ${vpcCidrs.join(', ')}, ${hour(window.start)} to ${hour(window.end)}.`,
      ` Review every entry before committing: replace each ${REVIEW_MARK} reason with why the port is expected (add owner: and`,
      ' expires: YYYY-MM-DD where they help), and delete the ports you do not expect, so that they are reported.',
      ...(leftOut > 0 ? [` ${leftOut} quieter ports were left out to keep the file under ${ALLOWLIST_MAX_BYTES / 1024} KiB, the most the audit reads.`] : []),
    ].join('\n');
    return doc.toString({ lineWidth: 0 });
  };
  let kept = rows.length;
  let text = render(rows);
  while (Buffer.byteLength(text) > ALLOWLIST_MAX_BYTES) {
    // Entries are of about equal size: shrink in proportion, then by one, until the file fits.
    kept = Math.min(kept - 1, Math.floor((kept * ALLOWLIST_MAX_BYTES) / Buffer.byteLength(text)));
    text = render(rows.slice(0, kept));
  }
  return { text, entries: kept, leftOut: rows.length - kept };
}

const existsMessage = (input: string, path: string) =>
  `${input}: '${path}' already exists; allowlist init never overwrites a file: give a new path, or move the file away first.`;

/** Refuses, before any work, a `path` that already exists (writeAllowlistDraft checks again as it writes). */
export async function refuseExistingFile(path: string, input: string): Promise<void> {
  const exists = await access(path).then(() => true, () => false);
  if (exists) throw new InputError(existsMessage(input, path));
}

/**
 * Writes the draft to `path` (creating its folder), never over an existing file: the file is opened with `wx`, so
 * one that exists, even one created a moment before, is an InputError naming `input` and nothing is written.
 */
export async function writeAllowlistDraft(path: string, draft: AllowlistDraft, input: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, draft.text, { flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new InputError(existsMessage(input, path));
    throw new InputError(`${input}: '${path}' cannot be written (${code ?? (error as Error).message}); give a path in a folder you can write to.`);
  }
}
