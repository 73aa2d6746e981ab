// decideRunKind (src/run/decide.ts): the kind of an action run, decided before any step, for every mode and the
// events that differ (a fork's pull request, the repository's own, a run that may not write, one that may).

import { describe, expect, test } from '@jest/globals';
import { decideRunKind, type RunKind } from '../../src/run/decide.js';
import type { RunTrust } from '../../src/report/run-trust.js';

const TRUSTED: RunTrust = { trusted: true };
const UNTRUSTED: RunTrust = { trusted: false, reason: 'pull_request_target runs may carry changes that are not on the default branch', defaultBranch: 'main' };
const own = { pull_request: { number: 7, head: { repo: { full_name: 'o/r' } }, base: { sha: 'abc123', repo: { full_name: 'o/r' } } } };
const fork = { pull_request: { number: 8, head: { repo: { full_name: 'someone/r' } }, base: { sha: 'abc123', repo: { full_name: 'o/r' } } } };
const MODES = ['deploy-and-audit', 'deploy', 'audit', 'redrive'] as const;

describe('decideRunKind', () => {
  test.each(MODES)("a fork's pull request only gets its notice, in mode %s", (mode) => {
    const kind = decideRunKind({ mode, eventName: 'pull_request', trust: UNTRUSTED, payload: fork });
    expect(kind).toEqual({ kind: 'fork-notice', notice: expect.stringMatching(/^Pull request #8 comes from a fork \(someone\/r\)/) });
  });

  // [mode, event, trust, payload, the kind]
  const CASES: [(typeof MODES)[number], string, RunTrust, object, RunKind['kind']][] = [
    ['redrive', 'schedule', TRUSTED, {}, 'redrive'],
    ['redrive', 'pull_request_target', UNTRUSTED, {}, 'redrive'],
    ['deploy', 'pull_request', UNTRUSTED, own, 'nothing'],
    ['deploy', 'pull_request_target', UNTRUSTED, {}, 'nothing'],
    ['deploy', 'schedule', TRUSTED, {}, 'deploy'],
    ['deploy-and-audit', 'pull_request', UNTRUSTED, own, 'pull-request'],
    ['audit', 'pull_request', UNTRUSTED, own, 'pull-request'],
    ['audit', 'pull_request_target', UNTRUSTED, own, 'read-only'],
    ['deploy-and-audit', 'workflow_dispatch', UNTRUSTED, {}, 'read-only'],
    ['deploy-and-audit', 'schedule', TRUSTED, {}, 'trusted'],
    ['audit', 'push', TRUSTED, {}, 'trusted'],
  ];

  test.each(CASES)('mode %s on %s (%o) is a %s run', (mode, eventName, trust, payload, expected) => {
    expect(decideRunKind({ mode, eventName, trust, payload }).kind).toBe(expected);
  });

  test('each kind carries what its pipeline needs', () => {
    expect(decideRunKind({ mode: 'audit', eventName: 'pull_request', trust: UNTRUSTED, payload: own })).toEqual({ kind: 'pull-request', pullNumber: 7, baseSha: 'abc123' });
    expect(decideRunKind({ mode: 'redrive', eventName: 'push', trust: UNTRUSTED, payload: {} })).toEqual({ kind: 'redrive', trust: UNTRUSTED });
    const readOnly = decideRunKind({ mode: 'audit', eventName: 'pull_request_target', trust: UNTRUSTED, payload: {} });
    expect(readOnly).toEqual({
      kind: 'read-only',
      defaultBranch: 'main',
      notice: `Read-only run: ${(UNTRUSTED as { reason: string }).reason}, so this run neither deploys nor changes the tracking issue or the port memory; ports are judged against the memory and the default branch's allowlist. Runs of the default branch write.`,
    });
    // mode deploy on a read-only run says the same, and does nothing else.
    expect(decideRunKind({ mode: 'deploy', eventName: 'pull_request_target', trust: UNTRUSTED, payload: {} })).toEqual({ kind: 'nothing', notice: (readOnly as { notice: string }).notice });
    expect(decideRunKind({ mode: 'deploy', eventName: 'pull_request', trust: UNTRUSTED, payload: own })).toEqual({ kind: 'nothing', notice: 'mode deploy does nothing on pull_request: pull requests never deploy. Nothing failed.' });
  });
});
