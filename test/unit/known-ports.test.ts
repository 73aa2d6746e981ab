// The known-ports rules: what is new (first run, loaded, rebuilt memory), the memory update and its
// validation (corrupted text -> a problem, single bad entries dropped), and the pull-request allowlist diff.

import { describe, expect, test } from '@jest/globals';
import {
  assessPorts,
  diffAllowlists,
  markReported,
  MAX_WINDOW_VOLUMES,
  MEMORY_VERSION,
  parseMemory,
  parsePortKey,
  serializeMemory,
  unacknowledgedPorts,
  updateMemory,
} from '../../src/audit/known-ports.js';
import { entryKey } from '../../src/audit/allowlist.js';
import { renderPullRequestComment } from '../../src/report/pr-comment.js';
import { allowlistOf, portRow } from '../support/report-fixtures.js';

const KEY = 'vpc-0abc1234';
const HTTPS = portRow(443, 6, 900);
const DNS = portRow(53, 17, 300);
const SSH = portRow(22, 6, 40);
const T1 = new Date('2026-11-01T00:00:00Z');
const T2 = new Date('2026-11-02T00:00:00Z');
const HTTPS_ALLOWED = allowlistOf('  - {port: 443, protocol: tcp, reason: AWS APIs}');

describe('assessPorts', () => {
  test('a first run without an allowlist is a silent baseline', () => {
    expect(assessPorts([HTTPS, DNS], undefined, { kind: 'first-run' })).toEqual({ newPorts: [], silent: true });
  });

  test('a first run with an allowlist reports every port outside it', () => {
    expect(assessPorts([HTTPS, DNS, SSH], HTTPS_ALLOWED, { kind: 'first-run' })).toEqual({ newPorts: [DNS, SSH], silent: false });
  });

  test('with a memory, only ports neither remembered nor allowed are new', () => {
    const memory = updateMemory(undefined, KEY, [HTTPS, DNS], new Set(), T1);
    const udpSsh = portRow(22, 17, 3);
    const result = assessPorts([HTTPS, DNS, SSH, udpSsh], allowlistOf('  - {port: 22, protocol: udp, reason: test}'), { kind: 'loaded', memory });
    expect(result).toEqual({ newPorts: [SSH], silent: false });
  });

  test('a remembered port whose allowlist entry expired is new once: it was known only through the entry', () => {
    const memory = updateMemory(undefined, KEY, [HTTPS, SSH], new Set(), new Date('2026-11-01T00:00:00Z'));
    const expired = allowlistOf('  - {port: 443, protocol: tcp, reason: web, expires: 2020-01-31}', '  - {port: 22, protocol: tcp, reason: ssh}');
    expect(assessPorts([HTTPS, SSH], expired, { kind: 'loaded', memory })).toEqual({ newPorts: [HTTPS], silent: false });
    // Once reported, it stays in the issue's list (unacknowledged) rather than being new again on every run.
    const reported = updateMemory(memory, KEY, [HTTPS, SSH], new Set(['443/tcp']), new Date('2026-11-02T00:00:00Z'));
    expect(assessPorts([HTTPS, SSH], expired, { kind: 'loaded', memory: reported }).newPorts).toEqual([]);
    expect(unacknowledgedPorts(reported, expired).map((p) => p.port)).toEqual([443]);
  });

  test('a rebuild reports nothing, whatever the allowlist says', () => {
    expect(assessPorts([HTTPS, SSH], HTTPS_ALLOWED, { kind: 'rebuild', reason: 'corrupt' })).toEqual({ newPorts: [], silent: true });
  });
});

describe('updateMemory and unacknowledgedPorts', () => {
  test('keeps firstSeen and reported, refreshes lastSeen and numbers', () => {
    const first = updateMemory(undefined, KEY, [HTTPS, SSH], new Set(['22/tcp']), T1);
    const second = updateMemory(first, KEY, [portRow(443, 6, 1000)], new Set(), T2);
    expect(second.ports.get('443/tcp')).toMatchObject({ firstSeen: T1.toISOString(), lastSeen: T2.toISOString(), flows: 1000 });
    expect(second.ports.get('22/tcp')).toMatchObject({ lastSeen: T1.toISOString(), reported: T1.toISOString(), flows: 40 });
    expect(second.ports.get('443/tcp')!.reported).toBeUndefined();
    expect(unacknowledgedPorts(second, undefined).map((p) => p.port)).toEqual([22]);
    expect(unacknowledgedPorts(second, allowlistOf('  - {port: 22, protocol: tcp, reason: bastion}'))).toEqual([]);
  });

  test('each port keeps its connections per window over the memory\'s last 30 windows; a rerun of a window replaces its entry', () => {
    const day = (n: number) => ({ start: new Date(Date.UTC(2026, 9, n)), end: new Date(Date.UTC(2026, 9, n + 1)) });
    let memory = updateMemory(undefined, KEY, [HTTPS, SSH], new Set(), T1, day(1));
    for (let n = 2; n <= 31; n++) memory = updateMemory(memory, KEY, [portRow(443, 6, 900 + n)], new Set(), T2, day(n));
    const https = memory.ports.get('443/tcp')!.history;
    expect(https).toHaveLength(MAX_WINDOW_VOLUMES);
    expect(https[0]).toEqual({ start: day(2).start.toISOString(), end: day(2).end.toISOString(), connections: 902 });
    expect(https.at(-1)!.connections).toBe(931);
    // 22/tcp was seen only in the first window, which is now older than the last 30: its history is empty.
    expect(memory.ports.get('22/tcp')!.history).toEqual([]);
    const rerun = updateMemory(memory, KEY, [portRow(443, 6, 5)], new Set(), T2, day(31));
    expect(rerun.ports.get('443/tcp')!.history.at(-1)!.connections).toBe(5);
    expect(rerun.ports.get('443/tcp')!.history).toHaveLength(MAX_WINDOW_VOLUMES);
  });

  test('markReported keeps ports a tracking issue lists, even ones the memory forgot', () => {
    const memory = markReported(updateMemory(undefined, KEY, [HTTPS], new Set(), T1), ['443/tcp', '3306/tcp', 'bogus'], T2);
    expect(memory.ports.get('443/tcp')!.reported).toBe(T2.toISOString());
    expect(memory.ports.get('3306/tcp')).toMatchObject({ port: 3306, protocol: 6, reported: T2.toISOString(), flows: 0 });
    expect([...memory.ports.keys()].sort()).toEqual(['3306/tcp', '443/tcp']);
  });

  test('keys named like object properties (constructor, __proto__, toString) are ignored, not looked up', () => {
    const memory = markReported(updateMemory(undefined, KEY, [HTTPS], new Set(), T1), ['constructor', '__proto__', 'toString', '443/tcp'], T2);
    expect([...memory.ports.keys()]).toEqual(['443/tcp']);
    expect(unacknowledgedPorts(memory, undefined).map((p) => p.port)).toEqual([443]);
    expect(assessPorts([HTTPS], undefined, { kind: 'loaded', memory }).newPorts).toEqual([]);
  });
});

describe('parseMemory', () => {
  const good = updateMemory(undefined, KEY, [HTTPS, SSH], new Set(['22/tcp']), T1);

  test('round-trips the serialized memory', () => {
    const text = serializeMemory(good);
    expect(JSON.parse(text).version).toBe(MEMORY_VERSION);
    expect(parseMemory(text, KEY)).toEqual({ ok: true, memory: good, warnings: [] });
  });

  test.each([
    ['', /not valid JSON/],
    ['{"version": 1, "key": "vpc-0abc1234", "ports": {', /not valid JSON/],
    ['[1, 2]', /not a JSON object/],
    ['{"version": 3}', /version is 3, expected 2 \(or 1, which is migrated\)/],
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
    expect(parsed.memory.version).toBe(2);
    expect(parsed.memory.ports.get('22/tcp')).toEqual({ ...v1.ports['22/tcp'], history: [] });
    expect(parsed.memory.ports.get('443/tcp')!.history).toEqual([]);
    expect(parsed.memory.volumes).toEqual(v1.volumes);
    // The next run writes version 2, with this window's connections as the first entry of each history.
    const next = updateMemory(parsed.memory, KEY, [HTTPS], new Set(), T2, { start: T1, end: T2 });
    expect(JSON.parse(serializeMemory(next)).version).toBe(2);
    expect(next.ports.get('443/tcp')!.history).toEqual([{ start: T1.toISOString(), end: T2.toISOString(), connections: HTTPS.connections }]);
    expect(next.ports.get('22/tcp')!.history).toEqual([]);
  });

  test('a version-2 port whose history is malformed is dropped with a warning', () => {
    const data = JSON.parse(serializeMemory(good));
    data.ports['22/tcp'].history = [{ start: 'monday', end: T1.toISOString(), connections: 3 }];
    const parsed = parseMemory(JSON.stringify(data), KEY);
    expect(parsed.ok && [...parsed.memory.ports.keys()]).toEqual(['443/tcp']);
    expect(parsed.ok && parsed.warnings).toEqual(['dropped the malformed memory entry "22/tcp"']);
  });

  test('drops single malformed entries with a warning and keeps the rest', () => {
    const data = JSON.parse(serializeMemory(good));
    data.ports['22/tcp'].flows = 'many';
    data.ports['80/tcp'] = { port: 81, protocol: 6 };
    const parsed = parseMemory(JSON.stringify(data), KEY);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect([...parsed.memory.ports.keys()]).toEqual(['443/tcp']);
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
    expect(parsed.ok && [...parsed.memory.ports.keys()].sort()).toEqual(['22/tcp', '443/tcp']);
    expect(JSON.parse(serializeMemory(parsed.ok ? parsed.memory : good)).ports.constructor).toBe(Object);
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
