// The drafted allowlist of `allowlist init`: every observed port with a REVIEW reason naming its IANA service, a
// file the audit reads back as it is, kept under the allowlist's size cap, and never written over a file.
import { describe, expect, test } from '@jest/globals';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { draftAllowlist, refuseExistingFile, writeAllowlistDraft } from '../../src/allowlist-init.js';
import { ALLOWLIST_MAX_BYTES, isAllowed, parseAllowlist, REVIEW_MARK } from '../../src/audit/allowlist.js';
import { InputError } from '../../src/input-error.js';
import { portRow, WINDOW } from '../support/report-fixtures.js';

const ROWS = [portRow(443, 6, 900), portRow(53, 17, 300), portRow(8333, 6, 3), portRow(0, 1, 5), portRow(0, 47, 2)];

describe('draftAllowlist', () => {
  test('lists every observed port, in rank order, as an allowlist the audit reads back; each reason is a draft marked REVIEW', () => {
    const draft = draftAllowlist(ROWS, WINDOW, ['10.0.0.0/16']);
    expect([draft.entries, draft.leftOut]).toEqual([ROWS.length, 0]);
    const allowlist = parseAllowlist(draft.text, 'draft.yml');
    // Read back, the unreviewed drafts are warned of (they explain their ports all the same).
    expect(allowlist.warnings).toEqual([expect.stringMatching(new RegExp(`^allowlist draft\\.yml: ${ROWS.length} entries still have their draft reason marked REVIEW: \\(lines 1?\\d, `))]);
    expect(allowlist.entries.map((e) => [e.port, e.protocol])).toEqual(ROWS.map((r) => [r.port, r.protocol]));
    expect(ROWS.every((r) => isAllowed(allowlist, r))).toBe(true);
    expect(allowlist.entries.every((e) => e.reason.startsWith(`${REVIEW_MARK} `))).toBe(true);
    expect(allowlist.entries[0]!.reason).toBe(`${REVIEW_MARK} https (IANA service name); 900 connections to 1 peer in the audited window`);
    expect(allowlist.entries[2]!.reason).toMatch(/^REVIEW: no IANA service name; 3 connections/);
    expect(draft.text).toMatch(/^# Drafted by `vpc-port-audit allowlist init` from the outbound ports of 10\.0\.0\.0\/16, 2026-11-01T00Z to 2026-11-02T00Z\.\n/);
    expect(draft.text).toContain('\nports:\n  - port: 443\n    protocol: tcp\n');
  });

  test('more ports than fit under the size cap: the busiest are kept, the file says how many were left out, and it is read back', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => portRow(10_000 + i, 6, 5000 - i));
    const draft = draftAllowlist(rows, WINDOW, ['10.0.0.0/16']);
    expect(draft.leftOut).toBeGreaterThan(0);
    expect(draft.entries + draft.leftOut).toBe(1000);
    expect(Buffer.byteLength(draft.text)).toBeLessThanOrEqual(ALLOWLIST_MAX_BYTES);
    expect(draft.text).toContain(`# ${draft.leftOut} quieter ports were left out to keep the file under 64 KiB`);
    expect(parseAllowlist(draft.text, 'draft.yml').entries.map((e) => e.port)).toEqual(rows.slice(0, draft.entries).map((r) => r.port));
  });
});

describe('writing the draft', () => {
  test('creates the folder, and never writes over an existing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'allowlist-init-'));
    const path = join(dir, '.github', 'outbound-ports.yml');
    const draft = draftAllowlist(ROWS, WINDOW, ['10.0.0.0/16']);
    await refuseExistingFile(path, '--out');
    await writeAllowlistDraft(path, draft, '--out');
    expect(await readFile(path, 'utf8')).toBe(draft.text);
    const refusal = new InputError(`--out: '${path}' already exists; allowlist init never overwrites a file: give a new path, or move the file away first.`);
    await expect(refuseExistingFile(path, '--out')).rejects.toThrow(refusal);
    await writeFile(path, 'ports: []\n');
    await expect(writeAllowlistDraft(path, draft, '--out')).rejects.toThrow(refusal);
    expect(await readFile(path, 'utf8')).toBe('ports: []\n');
  });
});
