// The known-ports rules: what is new (first run, loaded, rebuilt memory), the memory update and its
// validation (corrupted text -> a problem, single bad entries dropped), and the pull-request allowlist diff.

import { describe, expect, test } from '@jest/globals';
import {
  adoptUnattributed,
  assessUnits,
  diffAllowlists,
  markReported,
  MAX_WINDOW_VOLUMES,
  MEMORY_VERSION,
  parseMemory,
  parsePortKey,
  portsOf,
  serializeMemory,
  unacknowledgedPorts,
  UNATTRIBUTED,
  unacknowledgedByUnit,
  unitPortToken,
  updateMemory,
  type MemoryState,
} from '../../src/audit/known-ports.js';
import { entryKey } from '../../src/audit/allowlist.js';
import { renderPullRequestComment } from '../../src/report/pr-comment.js';
import { allowlistOf, oneUnit, portRow } from '../support/report-fixtures.js';
import type { AuditUnit } from '../../src/audit/audit-unit.js';
import type { PortRow } from '../../src/audit/port-row.js';

const KEY = 'vpc-0abc1234';
const HTTPS = portRow(443, 6, 900);
const DNS = portRow(53, 17, 300);
const SSH = portRow(22, 6, 40);
const T1 = new Date('2026-11-01T00:00:00Z');
const T2 = new Date('2026-11-02T00:00:00Z');
const HTTPS_ALLOWED = allowlistOf('  - {port: 443, protocol: tcp, reason: AWS APIs}');

/** The one-VPC assessment (the unit of nulls): its new ports and whether it only recorded a baseline. */
function assessPorts(rows: readonly PortRow[], allowlist: Parameters<typeof assessUnits>[1], state: MemoryState) {
  const [only] = assessUnits(oneUnit(rows), allowlist, state);
  return { newPorts: only!.newPorts, silent: only!.silent };
}

describe('assessUnits in a one-VPC audit', () => {
  test('a first run without an allowlist is a silent baseline', () => {
    expect(assessPorts([HTTPS, DNS], undefined, { kind: 'first-run' })).toEqual({ newPorts: [], silent: true });
  });

  test('a first run with an allowlist reports every port outside it', () => {
    expect(assessPorts([HTTPS, DNS, SSH], HTTPS_ALLOWED, { kind: 'first-run' })).toEqual({ newPorts: [DNS, SSH], silent: false });
  });

  test('with a memory, only ports neither remembered nor allowed are new', () => {
    const memory = updateMemory(undefined, KEY, oneUnit([HTTPS, DNS]), new Set(), T1);
    const udpSsh = portRow(22, 17, 3);
    const result = assessPorts([HTTPS, DNS, SSH, udpSsh], allowlistOf('  - {port: 22, protocol: udp, reason: test}'), { kind: 'loaded', memory });
    expect(result).toEqual({ newPorts: [SSH], silent: false });
  });

  test('a remembered port whose allowlist entry expired is new once: it was known only through the entry', () => {
    const memory = updateMemory(undefined, KEY, oneUnit([HTTPS, SSH]), new Set(), new Date('2026-11-01T00:00:00Z'));
    const expired = allowlistOf('  - {port: 443, protocol: tcp, reason: web, expires: 2020-01-31}', '  - {port: 22, protocol: tcp, reason: ssh}');
    expect(assessPorts([HTTPS, SSH], expired, { kind: 'loaded', memory })).toEqual({ newPorts: [HTTPS], silent: false });
    // Once reported, it stays in the issue's list (unacknowledged) rather than being new again on every run.
    const reported = updateMemory(memory, KEY, oneUnit([HTTPS, SSH]), new Set(['443/tcp']), new Date('2026-11-02T00:00:00Z'));
    expect(assessPorts([HTTPS, SSH], expired, { kind: 'loaded', memory: reported }).newPorts).toEqual([]);
    expect(unacknowledgedPorts(reported, expired).map((p) => p.port)).toEqual([443]);
  });

  test('a rebuild reports nothing, whatever the allowlist says', () => {
    expect(assessPorts([HTTPS, SSH], HTTPS_ALLOWED, { kind: 'rebuild', reason: 'corrupt' })).toEqual({ newPorts: [], silent: true });
  });
});

describe('updateMemory and unacknowledgedPorts', () => {
  test('keeps firstSeen and reported, refreshes lastSeen and numbers', () => {
    const first = updateMemory(undefined, KEY, oneUnit([HTTPS, SSH]), new Set(['22/tcp']), T1);
    const second = updateMemory(first, KEY, oneUnit([portRow(443, 6, 1000)]), new Set(), T2);
    expect(portsOf(second).get('443/tcp')).toMatchObject({ firstSeen: T1.toISOString(), lastSeen: T2.toISOString(), flows: 1000 });
    expect(portsOf(second).get('22/tcp')).toMatchObject({ lastSeen: T1.toISOString(), reported: T1.toISOString(), flows: 40 });
    expect(portsOf(second).get('443/tcp')!.reported).toBeUndefined();
    expect(unacknowledgedPorts(second, undefined).map((p) => p.port)).toEqual([22]);
    expect(unacknowledgedPorts(second, allowlistOf('  - {port: 22, protocol: tcp, reason: bastion}'))).toEqual([]);
  });

  test('each port keeps its connections per window over the memory\'s last 30 windows; a rerun of a window replaces its entry', () => {
    const day = (n: number) => ({ start: new Date(Date.UTC(2026, 9, n)), end: new Date(Date.UTC(2026, 9, n + 1)) });
    let memory = updateMemory(undefined, KEY, oneUnit([HTTPS, SSH]), new Set(), T1, day(1));
    for (let n = 2; n <= 31; n++) memory = updateMemory(memory, KEY, oneUnit([portRow(443, 6, 900 + n)]), new Set(), T2, day(n));
    const https = portsOf(memory).get('443/tcp')!.history;
    expect(https).toHaveLength(MAX_WINDOW_VOLUMES);
    expect(https[0]).toEqual({ start: day(2).start.toISOString(), end: day(2).end.toISOString(), connections: 902 });
    expect(https.at(-1)!.connections).toBe(931);
    // 22/tcp was seen only in the first window, which is now older than the last 30: its history is empty.
    expect(portsOf(memory).get('22/tcp')!.history).toEqual([]);
    const rerun = updateMemory(memory, KEY, oneUnit([portRow(443, 6, 5)]), new Set(), T2, day(31));
    expect(portsOf(rerun).get('443/tcp')!.history.at(-1)!.connections).toBe(5);
    expect(portsOf(rerun).get('443/tcp')!.history).toHaveLength(MAX_WINDOW_VOLUMES);
  });

  test('markReported keeps ports a tracking issue lists, even ones the memory forgot', () => {
    const memory = markReported(updateMemory(undefined, KEY, oneUnit([HTTPS]), new Set(), T1), ['443/tcp', '3306/tcp', 'bogus'], T2);
    expect(portsOf(memory).get('443/tcp')!.reported).toBe(T2.toISOString());
    expect(portsOf(memory).get('3306/tcp')).toMatchObject({ port: 3306, protocol: 6, reported: T2.toISOString(), flows: 0 });
    expect([...portsOf(memory).keys()].sort()).toEqual(['3306/tcp', '443/tcp']);
  });

  test('keys named like object properties (constructor, __proto__, toString) are ignored, not looked up', () => {
    const memory = markReported(updateMemory(undefined, KEY, oneUnit([HTTPS]), new Set(), T1), ['constructor', '__proto__', 'toString', '443/tcp'], T2);
    expect([...portsOf(memory).keys()]).toEqual(['443/tcp']);
    expect(unacknowledgedPorts(memory, undefined).map((p) => p.port)).toEqual([443]);
    expect(assessPorts([HTTPS], undefined, { kind: 'loaded', memory }).newPorts).toEqual([]);
  });
});

describe('parseMemory', () => {
  const good = updateMemory(undefined, KEY, oneUnit([HTTPS, SSH]), new Set(['22/tcp']), T1);

  test('round-trips the serialized memory', () => {
    const text = serializeMemory(good);
    expect(JSON.parse(text).version).toBe(MEMORY_VERSION);
    expect(parseMemory(text, KEY)).toEqual({ ok: true, memory: good, warnings: [] });
  });

  test.each([
    ['', /not valid JSON/],
    ['{"version": 1, "key": "vpc-0abc1234", "ports": {', /not valid JSON/],
    ['[1, 2]', /not a JSON object/],
    ['{"version": 4}', /version is 4, expected 3 \(or 1 or 2, which are migrated\)/],
    ['{"version": 3, "key": "vpc-0abc1234", "units": []}', /`units` is not an object/],
    ['{"version": 1, "key": "vpc-other"}', /belongs to "vpc-other"/],
    ['{"version": 1, "key": "vpc-0abc1234", "ports": []}', /`ports` is not an object/],
    ['{"version": 1, "key": "vpc-0abc1234", "ports": {}, "updatedAt": "yesterday"}', /`updatedAt` is not an ISO time/],
  ])('%j is a problem, not a crash', (text, problem) => {
    const parsed = parseMemory(text, KEY);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problem).toMatch(problem);
  });

  test('migrates a version-1 memory: every port, reported mark and window volume kept, each port with an empty history', () => {
    const v1 = {
      version: 1, key: KEY, updatedAt: T1.toISOString(),
      ports: {
        '443/tcp': { port: 443, protocol: 6, firstSeen: T1.toISOString(), lastSeen: T1.toISOString(), flows: 900, bytes: 1_350_000, samplePeers: ['203.0.113.10'] },
        '22/tcp': { port: 22, protocol: 6, firstSeen: T1.toISOString(), lastSeen: T1.toISOString(), flows: 40, bytes: 60_000, samplePeers: [], reported: T1.toISOString() },
      },
      volumes: [{ start: '2026-10-31T00:00:00.000Z', end: T1.toISOString(), records: 940, bytes: 1_410_000 }],
    };
    const parsed = parseMemory(JSON.stringify(v1), KEY);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.warnings).toEqual([]);
    expect(parsed.memory.version).toBe(3);
    expect([...parsed.memory.units.keys()]).toEqual(['-/-/-']);
    expect(portsOf(parsed.memory).get('22/tcp')).toEqual({ ...v1.ports['22/tcp'], history: [] });
    expect(portsOf(parsed.memory).get('443/tcp')!.history).toEqual([]);
    expect(parsed.memory.volumes).toEqual(v1.volumes);
    // The next run writes version 3, with this window's connections as the first entry of each history.
    const next = updateMemory(parsed.memory, KEY, oneUnit([HTTPS]), new Set(), T2, { start: T1, end: T2 });
    expect(JSON.parse(serializeMemory(next)).version).toBe(3);
    expect(portsOf(next).get('443/tcp')!.history).toEqual([{ start: T1.toISOString(), end: T2.toISOString(), connections: HTTPS.connections }]);
    expect(portsOf(next).get('22/tcp')!.history).toEqual([]);
  });

  test('a port whose history is malformed is dropped with a warning', () => {
    const data = JSON.parse(serializeMemory(good));
    data.units['-/-/-'].ports['22/tcp'].history = [{ start: 'monday', end: T1.toISOString(), connections: 3 }];
    const parsed = parseMemory(JSON.stringify(data), KEY);
    expect(parsed.ok && [...portsOf(parsed.memory).keys()]).toEqual(['443/tcp']);
    expect(parsed.ok && parsed.warnings).toEqual(['dropped the malformed memory entry "22/tcp"']);
  });

  test('drops single malformed entries with a warning and keeps the rest', () => {
    const data = JSON.parse(serializeMemory(good));
    data.units['-/-/-'].ports['22/tcp'].flows = 'many';
    data.units['-/-/-'].ports['80/tcp'] = { port: 81, protocol: 6 };
    const parsed = parseMemory(JSON.stringify(data), KEY);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect([...portsOf(parsed.memory).keys()]).toEqual(['443/tcp']);
    expect(parsed.warnings).toEqual([
      'dropped the malformed memory entry "22/tcp"',
      'dropped the malformed memory entry "80/tcp"',
    ]);
  });

  test('the tracking issue number round-trips; anything but a positive integer is dropped with a warning', () => {
    const named = { ...good, trackingIssue: 42 };
    expect(parseMemory(serializeMemory(named), KEY)).toEqual({ ok: true, memory: named, warnings: [] });
    for (const bad of [0, -3, 1.5, '42', null, { n: 42 }]) {
      const parsed = parseMemory(JSON.stringify({ ...JSON.parse(serializeMemory(good)), trackingIssue: bad }), KEY);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      expect(parsed.memory.trackingIssue).toBeUndefined();
      expect(parsed.warnings).toEqual([`dropped \`trackingIssue\` ${JSON.stringify(bad)}: it is not an issue number`]);
    }
  });

  test('stored keys named like object properties are dropped with a warning and change no prototype', () => {
    const text = serializeMemory(good).replace('"ports": {', '"ports": {"__proto__": {"port": 1}, "constructor": {"port": 2},');
    const parsed = parseMemory(text, KEY);
    expect(parsed.ok && parsed.warnings).toEqual(['dropped the malformed memory entry "__proto__"', 'dropped the malformed memory entry "constructor"']);
    expect(parsed.ok && [...portsOf(parsed.memory).keys()].sort()).toEqual(['22/tcp', '443/tcp']);
    expect(JSON.parse(serializeMemory(parsed.ok ? parsed.memory : good)).units['-/-/-'].ports.constructor).toBe(Object);
  });
});

test.each([
  ['443/tcp', { port: 443, protocol: 6 }],
  ['53/udp', { port: 53, protocol: 17 }],
  ['0/47', { port: 0, protocol: 47 }],
  ['70000/tcp', undefined],
  ['22/6', undefined],
  ['22/sctp', undefined],
  ['tcp/22', undefined],
])('parsePortKey(%j)', (text, expected) => {
  expect(parsePortKey(text)).toEqual(expected);
});

describe('diffAllowlists', () => {
  test('sorts every observed port into exactly one category, and names entries for ports not observed', () => {
    const smtp = portRow(25, 6, 5);
    const base = allowlistOf('  - {port: 443, protocol: tcp, reason: a}', '  - {port: 25, protocol: tcp, reason: b}', '  - {port: 8080, protocol: tcp, reason: c}');
    const head = allowlistOf('  - {port: 443, protocol: tcp, reason: a}', '  - {port: 22, protocol: tcp, reason: d}', '  - {port: 9418, protocol: tcp, reason: e}');
    const diff = diffAllowlists(base, head, [HTTPS, DNS, SSH, smtp]);
    expect(diff.newlyAllowed).toEqual([SSH]);
    expect(diff.noLongerAllowed).toEqual([smtp]);
    expect(diff.stillUnexplained).toEqual([DNS]);
    expect(diff.unchanged).toEqual([HTTPS]);
    expect(diff.addedNotObserved.map((e) => e.port)).toEqual([9418]);
    expect(diff.removedNotObserved.map((e) => e.port)).toEqual([8080]);
  });

  test('ranges and expiry: a widened range newly allows, an expired entry no longer allows, ranges are named whole', () => {
    const [inBoth, inHeadOnly] = [portRow(8080, 6, 3), portRow(8150, 6, 2)];
    const base = allowlistOf('  - {port: 8000-8100, protocol: tcp, reason: agents}', '  - {port: 443, protocol: tcp, reason: a}', '  - {port: 7000-7010, protocol: udp, reason: x}');
    const head = allowlistOf(
      '  - {port: 8000-8200, protocol: tcp, reason: agents}',
      '  - {port: 443, protocol: tcp, reason: a, expires: 2020-01-31}',
      '  - {port: 7000-7010, protocol: udp, reason: x}',
      '  - {port: 9000-9100, protocol: tcp, reason: y}',
    );
    const diff = diffAllowlists(base, head, [HTTPS, inBoth, inHeadOnly]);
    expect(diff.newlyAllowed).toEqual([inHeadOnly]);
    expect(diff.unchanged).toEqual([inBoth]);
    expect(diff.noLongerAllowed).toEqual([HTTPS]);
    expect(diff.addedNotObserved.map(entryKey)).toEqual(['9000-9100/tcp']);
    expect(diff.removedNotObserved).toEqual([]);
    expect(diff.expiredInHead.map(entryKey)).toEqual(['443/tcp']);
    const comment = renderPullRequestComment({ diff, ranked: [HTTPS, inBoth, inHeadOnly], top: 10, stackOrVpcKey: KEY, allowlistPath: '.github/outbound-ports.yml' });
    expect(comment).toContain('\n- `9000-9100/tcp` is added (line 5) but was not observed in the window.\n');
    expect(comment).toContain('\n- `443/tcp` (line 3) expired after 2020-01-31: it no longer explains its ports.\n');
  });

  test('with no allowlist on either side every port is unexplained', () => {
    const diff = diffAllowlists(undefined, undefined, [HTTPS, DNS]);
    expect(diff.stillUnexplained).toEqual([HTTPS, DNS]);
    expect([...diff.newlyAllowed, ...diff.noLongerAllowed, ...diff.unchanged]).toEqual([]);
  });
});

describe('memory per audit unit (issue 21)', () => {
  const A: AuditUnit = { account: '111122223333', region: 'eu-west-1', vpcId: 'vpc-0aaaaaaaaaaaaaaaa' };
  const B: AuditUnit = { account: '444455556666', region: 'eu-west-1', vpcId: 'vpc-0bbbbbbbbbbbbbbbb' };
  const units = (a: readonly PortRow[], b: readonly PortRow[]) => [{ unit: A, rows: a, portsLeftOut: 0 }, { unit: B, rows: b, portsLeftOut: 0 }];

  test('a port is new per unit: known in VPC A, it is still new in VPC B', () => {
    const memory = updateMemory(undefined, KEY, units([HTTPS, SSH], [HTTPS]), new Set(), T1);
    const assessed = assessUnits(units([HTTPS, SSH], [HTTPS, SSH]), undefined, { kind: 'loaded', memory });
    expect(assessed.map((a) => [a.unit.vpcId, a.newPorts.map((p) => p.port), a.silent, a.firstWindow])).toEqual([
      [A.vpcId, [], false, false],
      [B.vpcId, [22], false, false],
    ]);
  });

  test("a new VPC's first window is its baseline without an allowlist; with one, its ports outside it are reported", () => {
    const memory = updateMemory(undefined, KEY, units([HTTPS], []).slice(0, 1), new Set(), T1);
    const seen = units([HTTPS], [HTTPS, DNS, SSH]);
    const [a, b] = assessUnits(seen, undefined, { kind: 'loaded', memory });
    expect(a).toEqual({ unit: A, newPorts: [], silent: false, firstWindow: false });
    expect(b).toEqual({ unit: B, newPorts: [], silent: true, firstWindow: true });
    expect(assessUnits(seen, HTTPS_ALLOWED, { kind: 'loaded', memory })[1]).toEqual({ unit: B, newPorts: [DNS, SSH], silent: false, firstWindow: true });
    // Its ports are then known in B: the next window reports only what B had not seen.
    const next = updateMemory(memory, KEY, seen, new Set(), T2);
    expect([...portsOf(next, B).keys()]).toEqual(['443/tcp', '53/udp', '22/tcp']);
    expect(assessUnits(units([HTTPS], [HTTPS, portRow(3306, 6, 2)]), undefined, { kind: 'loaded', memory: next })[1]!.newPorts.map((p) => p.port)).toEqual([3306]);
  });

  test('reported marks, unacknowledged ports and issue tokens are per unit', () => {
    const memory = updateMemory(undefined, KEY, units([HTTPS, SSH], [SSH]), new Set([unitPortToken(B, SSH)]), T1);
    expect(portsOf(memory, A).get('22/tcp')!.reported).toBeUndefined();
    expect(portsOf(memory, B).get('22/tcp')!.reported).toBe(T1.toISOString());
    expect(unacknowledgedByUnit(memory, undefined).map((u) => [u.unit.vpcId, u.ports.map((p) => p.port)])).toEqual([[B.vpcId, [22]]]);
    expect(unitPortToken(B, SSH)).toBe('444455556666/eu-west-1/vpc-0bbbbbbbbbbbbbbbb:22/tcp');
    expect(unitPortToken(UNATTRIBUTED, SSH)).toBe('22/tcp');
    const marked = markReported(memory, [unitPortToken(A, HTTPS), unitPortToken(B, DNS), '-/eu-west-1/-:25/tcp', 'bad/unit:25/tcp'], T2);
    expect(portsOf(marked, A).get('443/tcp')!.reported).toBe(T2.toISOString());
    expect(portsOf(marked, B).get('53/udp')).toMatchObject({ reported: T2.toISOString(), flows: 0 });
    expect(portsOf(marked, { account: null, region: 'eu-west-1', vpcId: null }).get('25/tcp')!.reported).toBe(T2.toISOString());
    expect(marked.units.size).toBe(3);
  });

  test('two units round-trip through the stored JSON; a malformed unit is dropped with a warning', () => {
    const memory = updateMemory(undefined, KEY, units([HTTPS], [SSH]), new Set(), T1, { start: T1, end: T2 });
    const text = serializeMemory(memory);
    expect(Object.keys(JSON.parse(text).units)).toEqual(['111122223333/eu-west-1/vpc-0aaaaaaaaaaaaaaaa', '444455556666/eu-west-1/vpc-0bbbbbbbbbbbbbbbb']);
    expect(parseMemory(text, KEY)).toEqual({ ok: true, memory, warnings: [] });
    const data = JSON.parse(text);
    data.units['111122223333/eu-west-1/vpc-0aaaaaaaaaaaaaaaa'].account = '999999999999';
    data.units['444455556666/eu-west-1/vpc-0bbbbbbbbbbbbbbbb'].ports['22/tcp'].flows = -1;
    const parsed = parseMemory(JSON.stringify(data), KEY);
    expect(parsed.ok && [...parsed.memory.units.keys()]).toEqual(['444455556666/eu-west-1/vpc-0bbbbbbbbbbbbbbbb']);
    expect(parsed.ok && parsed.warnings).toEqual([
      'dropped the malformed memory unit "111122223333/eu-west-1/vpc-0aaaaaaaaaaaaaaaa"',
      'dropped the malformed memory entry "444455556666/eu-west-1/vpc-0bbbbbbbbbbbbbbbb:22/tcp"',
    ]);
  });

  test('a migrated (unit of nulls) memory is taken over by a run that attributes its traffic: its one unit, or the VPC of the memory key', () => {
    const v2 = updateMemory(undefined, 'vpc-0bbbbbbbbbbbbbbbb', oneUnit([HTTPS, SSH]), new Set(['22/tcp']), T1);
    const one = adoptUnattributed(v2, [A]);
    expect(one.bareUnit).toEqual(A);
    expect([...one.memory.units.keys()]).toEqual(['111122223333/eu-west-1/vpc-0aaaaaaaaaaaaaaaa']);
    expect(portsOf(one.memory, A).get('22/tcp')!.reported).toBe(T1.toISOString());
    expect(adoptUnattributed(v2, [A, B]).bareUnit).toEqual(B);
    // A run that still has unattributed traffic, or several units none of which is the key's VPC, keeps it as it is.
    expect(adoptUnattributed(v2, [UNATTRIBUTED, B]).memory).toBe(v2);
    expect(adoptUnattributed(v2, [A, { ...B, vpcId: 'vpc-0ccc' }]).memory).toBe(v2);
    // A memory that already holds attributed units is never moved.
    const two = updateMemory(v2, KEY, units([HTTPS], []), new Set(), T2);
    expect(adoptUnattributed(two, [A]).memory).toBe(two);
  });
});
