// The allowlist file: valid entries, and every kind of mistake reported with the file and its line.
import { describe, expect, test } from '@jest/globals';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALLOWLIST_MAX_BYTES, allowlistMatch, entryKey, explains, holdsIn, isAllowed, loadAllowlist, parseAllowlist } from '../../src/audit/allowlist.js';
import type { AuditUnit } from '../../src/audit/audit-unit.js';
import { InputError } from '../../src/input-error.js';

describe('parseAllowlist', () => {
  const TODAY = new Date('2026-11-02T10:00:00Z');

  test('reads ports with protocol names or numbers', () => {
    const list = parseAllowlist('ports:\n  - port: 443\n    protocol: tcp\n    reason: HTTPS\n  - port: 53\n    protocol: 17\n    reason: DNS\n', 'a.yml');
    expect(list.entries).toEqual([
      { port: 443, lastPort: 443, protocol: 6, reason: 'HTTPS', expired: false, line: 2 },
      { port: 53, lastPort: 53, protocol: 17, reason: 'DNS', expired: false, line: 5 },
    ]);
    expect(list.warnings).toEqual([]);
    expect(isAllowed(list, { port: 53, protocol: 17 })).toBe(true);
    expect(isAllowed(list, { port: 53, protocol: 6 })).toBe(false);
    expect(isAllowed(undefined, { port: 443, protocol: 6 })).toBe(false);
  });

  test('a range explains every port from its first to its last, of its protocol only', () => {
    const list = parseAllowlist('ports:\n  - port: 8000-8100\n    protocol: tcp\n    reason: build agents\n    owner: platform-team\n', 'a.yml');
    expect(list.entries[0]).toMatchObject({ port: 8000, lastPort: 8100, owner: 'platform-team' });
    expect(entryKey(list.entries[0]!)).toBe('8000-8100/tcp');
    expect([7999, 8000, 8050, 8100, 8101].map((port) => isAllowed(list, { port, protocol: 6 }))).toEqual([false, true, true, true, false]);
    expect(isAllowed(list, { port: 8050, protocol: 17 })).toBe(false);
  });

  test('an entry explains its ports through its expires day (UTC); from the next day it is expired and a warning names it', () => {
    const text =
      'ports:\n  - port: 443\n    protocol: tcp\n    reason: HTTPS\n    expires: 2026-11-02\n' +
      '  - port: 25\n    protocol: tcp\n    reason: mail relay\n    owner: mail-team\n    expires: 2026-11-01\n';
    const list = parseAllowlist(text, 'a.yml', TODAY);
    expect(allowlistMatch(list, { port: 443, protocol: 6 })).toEqual({ status: 'allowed', entry: list.entries[0] });
    expect(allowlistMatch(list, { port: 25, protocol: 6 })).toEqual({ status: 'expired', entry: list.entries[1] });
    expect(allowlistMatch(list, { port: 22, protocol: 6 })).toEqual({ status: 'unlisted' });
    expect(isAllowed(list, { port: 25, protocol: 6 })).toBe(false);
    expect(list.warnings).toEqual([
      'allowlist a.yml line 6: 25/tcp (owner: mail-team) expired after 2026-11-01, so it no longer explains its ports; renew expires or remove the entry.',
    ]);
    // The day after, 443 has expired too.
    expect(parseAllowlist(text, 'a.yml', new Date('2026-11-03T00:00:00Z')).entries.map((e) => e.expired)).toEqual([true, true]);
  });

  test.each([
    ['', 'the file is empty or only comments'],
    ['# only a comment\n', 'the file is empty or only comments'],
    ['ports:\n', '`ports:` lists nothing'],
    ['ports: []\n', '`ports:` lists nothing'],
    ['{}\n', '`ports:` lists nothing'],
  ])('%j explains no port, and says so in a warning', (text, why) => {
    const list = parseAllowlist(text, 'a.yml');
    expect(list.entries).toEqual([]);
    expect(list.warnings).toEqual([`allowlist a.yml explains no port (${why}), so every observed port counts as unexplained; list the ports you expect under ports:.`]);
  });

  test.each([
    ['ports: [\n', 2, /not valid YAML/],
    ['ports: 443\n', 1, /`ports` must be a list/],
    ['allowed:\n  - port: 1\n', 1, /unknown top-level key 'allowed'; the file holds one key, ports: a list of \{port, protocol, reason, owner, expires, accounts, vpcs\}\.$/],
    ['ports:\n  - port: 1\n    protocol: tcp\n    reason: a\nport: 2\n', 5, /unknown top-level key 'port'; the file holds one key, ports:/],
    ['- port: 1\n', 1, /the file holds one key, ports:/],
    ['ports:\n  - 443\n', 2, /each entry must be a mapping/],
    ['ports:\n  - port: 443\n    protocol: tcp\n    reason: ok\n  - port: 70000\n    protocol: tcp\n    reason: x\n', 5, /port '70000' is not a whole number from 0 to 65535/],
    ['ports:\n  - port: "443; DROP TABLE x"\n    protocol: tcp\n    reason: x\n', 2, /is not a whole number/],
    ['ports:\n\n  - port: 22\n    protocol: sctp\n    reason: x\n', 3, /protocol 'sctp' is not accepted; accepted are tcp, udp, icmp, icmpv6 or a number from 0 to 255\.$/],
    ['ports:\n  - port: 22\n    protocol: tcp\n', 2, /needs a reason/],
    ['ports:\n  - port: 22\n    protocol: tcp\n    reason: a\n    onwer: me\n', 2, /unknown key 'onwer'; accepted are port, protocol, reason, owner, expires, accounts, vpcs\.$/],
    ['ports:\n  - port: 22\n    protocol: tcp\n    reason: a\n    owner:\n', 2, /owner is empty; give the team or person who answers for the entry, or leave the key out\.$/],
    ['ports:\n  - port: 22\n    protocol: tcp\n    reason: a\n    expires: 2026-02-30\n', 2, /expires '2026-02-30' is not a day written YYYY-MM-DD, such as 2026-12-31\.$/],
    ['ports:\n  - port: 22\n    protocol: tcp\n    reason: a\n    expires: next year\n', 2, /expires 'next year' is not a day/],
    ['ports:\n  - port: 8100-8000\n    protocol: tcp\n    reason: a\n', 2, /port '8100-8000' is not a whole number from 0 to 65535 or a range FIRST-LAST with FIRST below LAST, such as 8000-8100\.$/],
    ['ports:\n  - port: 8000-70000\n    protocol: tcp\n    reason: a\n', 2, /port '8000-70000' is not a whole number/],
    ['ports:\n  - port: 8000-8100\n    protocol: tcp\n    reason: a\n  - port: 8080\n    protocol: tcp\n    reason: b\n', 5, /8080\/tcp overlaps 8000-8100\/tcp on line 2; list each port once\.$/],
    ['ports:\n  - port: 8000-8100\n    protocol: tcp\n    reason: a\n  - port: 8000-8100\n    protocol: tcp\n    reason: b\n', 5, /8000-8100\/tcp is already listed on line 2\.$/],
    ['ports:\n  - port: 22\n    protocol: tcp\n    reason: a\n  - port: 22\n    protocol: 6\n    reason: b\n', 5, /22\/tcp is already listed on line 2/],
    ['ports:\n  - port: 22\n    port: 23\n    protocol: tcp\n    reason: a\n', 3, /not valid YAML \(Map keys must be unique/],
    ['ports:\n  - port: 22\n    protocol: 300\n    reason: a\n', 2, /protocol '300' is not accepted; accepted are tcp, /],
    // ICMP has no ports (the audit counts it as port 0): an entry with another port could never explain anything.
    ['ports:\n  - port: 8\n    protocol: icmp\n    reason: ping\n', 2, /icmp has no ports: the audit counts it as port 0, so an entry for it gives port: 0\.$/],
    ['ports:\n  - port: 0-255\n    protocol: icmpv6\n    reason: nd\n', 2, /icmpv6 has no ports: /],
    // A quoted number, a missing port or protocol: each named as such, not as a bad value.
    ['ports:\n  - port: "443"\n    protocol: tcp\n    reason: a\n', 2, /port '443' is quoted text; write the number without quotes \(port: 443\)\.$/],
    ['ports:\n  - protocol: tcp\n    reason: a\n', 2, /: port is missing; give a whole number from 0 to 65535 or a range FIRST-LAST such as 8000-8100\.$/],
    ['ports:\n  - port: 443\n    reason: a\n', 2, /: protocol is missing; accepted are tcp, udp, icmp, icmpv6 or a number from 0 to 255\.$/],
    ['ports:\n  - port: 443\n    protocol:\n    reason: a\n', 2, /: protocol is missing; /],
  ])('%j fails on line %i', (text, line, message) => {
    let error: unknown;
    try {
      parseAllowlist(text, '.github/outbound-ports.yml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(new RegExp(`^allowlist \\.github/outbound-ports\\.yml line ${line}: `));
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message.trim().endsWith('.')).toBe(true);
  });
});

describe('loadAllowlist', () => {
  test('reads a file, gives undefined for a missing one, and refuses a folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'allowlist-'));
    const path = join(dir, 'ports.yml');
    await writeFile(path, 'ports:\n  - port: 443\n    protocol: tcp\n    reason: HTTPS\n');
    expect((await loadAllowlist(path))?.entries.map((e) => e.port)).toEqual([443]);
    expect(await loadAllowlist(join(dir, 'missing.yml'))).toBeUndefined();
    // A folder is named as one, whatever size its directory entry has.
    await expect(loadAllowlist(dir)).rejects.toThrow(new InputError(`allowlist ${dir} is a folder; give the path of a YAML file with a ports: list.`));
  });

  test('a file over the size cap is refused in one sentence before it is read; one at the cap is read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'allowlist-'));
    const entry = '  - port: 443\n    protocol: tcp\n    reason: HTTPS\n';
    const atCap = `ports:\n${entry}#${'x'.repeat(ALLOWLIST_MAX_BYTES - 9 - entry.length)}\n`;
    expect(Buffer.byteLength(atCap)).toBe(ALLOWLIST_MAX_BYTES);
    await writeFile(join(dir, 'at-cap.yml'), atCap);
    expect((await loadAllowlist(join(dir, 'at-cap.yml')))?.entries).toHaveLength(1);
    const big = join(dir, 'big.yml');
    await writeFile(big, `ports:\n${entry.repeat(200_000)}`);
    const started = performance.now();
    await expect(loadAllowlist(big)).rejects.toThrow(
      new InputError(`allowlist ${big} is 10,000,007 bytes, more than the 65,536 bytes (about 900 entries) this action reads; list only the ports you expect.`),
    );
    expect(performance.now() - started).toBeLessThan(500);
    expect(() => parseAllowlist(`${atCap}#`, 'base@abc')).toThrow(/^allowlist base@abc is 65,537 bytes, more than the 65,536 bytes /);
  });
});

describe('allowlist scopes: accounts and vpcs', () => {
  const A = '111122223333';
  const B = '012345678901';
  const VPC = 'vpc-0a1b2c3d4e5f67890';
  const unit = (account: string | null, vpcId: string | null = null): AuditUnit => ({ account, region: 'eu-west-1', vpcId });
  const entry = (extra: string, port = 5432) => `  - port: ${port}\n    protocol: tcp\n    reason: the shared database\n${extra}`;

  test('an entry with accounts: holds only in those accounts; without a scope, everywhere; an unknown account is none of them', () => {
    const list = parseAllowlist(`ports:\n${entry(`    accounts: [${A}, ${B}]\n`)}${entry('', 443)}`, 'a.yml');
    // The leading zero of 012345678901 is kept (YAML alone would read a number).
    expect(list.entries[0]).toMatchObject({ accounts: [A, B], line: 2 });
    expect(list.entries[1]).not.toHaveProperty('accounts');
    const port = { port: 5432, protocol: 6 };
    expect([unit(A), unit(B), unit('444455556666'), unit(null)].map((u) => isAllowed(list, port, u))).toEqual([true, true, false, false]);
    expect([unit(A), unit('444455556666'), unit(null)].map((u) => isAllowed(list, { port: 443, protocol: 6 }, u))).toEqual([true, true, true]);
    // The single-VPC audit (no unit) knows no account: the scoped entry does not explain there, the unscoped one does.
    expect(allowlistMatch(list, port)).toEqual({ status: 'unlisted' });
    expect(isAllowed(list, { port: 443, protocol: 6 })).toBe(true);
    expect(explains(list.entries[0]!, port, unit(B))).toBe(true);
    expect(explains(list.entries[0]!, { port: 5433, protocol: 6 }, unit(B))).toBe(false);
  });

  test('accounts and vpcs together: both must hold; vpcs alone: the VPC, whatever the account', () => {
    const list = parseAllowlist(`ports:\n${entry(`    accounts: [${A}]\n    vpcs:\n      - ${VPC}\n`)}${entry(`    vpcs: [vpc-0a1b2c3d]\n`, 25)}`, 'a.yml');
    expect(list.entries[0]).toMatchObject({ accounts: [A], vpcs: [VPC] });
    expect([unit(A, VPC), unit(A, null), unit(A, 'vpc-0a1b2c3d'), unit('444455556666', VPC)].map((u) => holdsIn(list.entries[0]!, u))).toEqual([true, false, false, false]);
    expect([unit(null, 'vpc-0a1b2c3d'), unit(A, 'vpc-0a1b2c3d'), unit(A, VPC)].map((u) => holdsIn(list.entries[1]!, u))).toEqual([true, true, false]);
  });

  test('an expired scoped entry is expired where it holds, unlisted elsewhere', () => {
    const list = parseAllowlist(`ports:\n${entry(`    accounts: [${A}]\n    expires: 2026-11-01\n`)}`, 'a.yml', new Date('2026-11-02T10:00:00Z'));
    expect(allowlistMatch(list, { port: 5432, protocol: 6 }, unit(A)).status).toBe('expired');
    expect(allowlistMatch(list, { port: 5432, protocol: 6 }, unit(B)).status).toBe('unlisted');
    expect(explains(list.entries[0]!, { port: 5432, protocol: 6 }, unit(A))).toBe(false);
  });

  test('the same port twice is fine where the scopes cannot meet, a mistake where they can', () => {
    const apart = parseAllowlist(`ports:\n${entry(`    accounts: [${A}]\n`)}${entry(`    accounts: [${B}]\n`)}`, 'a.yml');
    expect(apart.entries.map((e) => e.accounts)).toEqual([[A], [B]]);
    expect(isAllowed(apart, { port: 5432, protocol: 6 }, unit(B))).toBe(true);
    expect(() => parseAllowlist(`ports:\n${entry(`    accounts: [${A}]\n`)}${entry(`    vpcs: [${VPC}]\n`)}`, 'a.yml')).toThrow(
      new InputError('allowlist a.yml line 6: 5432/tcp is already listed on line 2 for an account or VPC both hold in.'),
    );
    expect(() => parseAllowlist(`ports:\n${entry('')}${entry(`    accounts: [${A}]\n`)}`, 'a.yml')).toThrow(/line 5: 5432\/tcp is already listed on line 2/);
  });

  test.each([
    ['an account id that is not 12 digits', `    accounts: [${A}, 12345]\n`, "line 5: accounts entry '12345' is not a 12-digit AWS account id, such as 111122223333."],
    ['an account id quoted with letters', `    accounts: ['1111-2222-3333']\n`, "line 5: accounts entry '1111-2222-3333' is not a 12-digit AWS account id, such as 111122223333."],
    ['a VPC entry that is not a VPC id', `    vpcs: [subnet-0a1b2c3d]\n`, "line 5: vpcs entry 'subnet-0a1b2c3d' is not a VPC id (vpc- and 8 or 17 hex digits), such as vpc-0a1b2c3d4e5f67890."],
    ['an empty accounts list', `    accounts: []\n`, 'line 5: accounts lists nothing; list the ids of each account the entry holds in, or leave the key out so that it holds in every account.'],
    ['an empty vpcs list', `    vpcs: []\n`, 'line 5: vpcs lists nothing; list the ids of each VPC the entry holds in, or leave the key out so that it holds in every VPC.'],
    ['accounts as one id, not a list', `    accounts: ${A}\n`, 'line 5: accounts must be a list of 12-digit AWS account ids, such as accounts: [111122223333].'],
  ])('%s: one sentence naming the file, line and what is accepted', (_name, scope, message) => {
    expect(() => parseAllowlist(`ports:\n${entry(scope)}`, 'a.yml')).toThrow(new InputError(`allowlist a.yml ${message}`));
  });
});
