// Must show (issue 19): a port outside the allowlist that ranks below the top list is still judged and reported.
// A busy day of the shipped sample's network (its generator, seed and VPC blocks, 5,000 records an hour) puts
// the planted beacon (8333/tcp, two short connections an hour) below the top 10 by connections; the CLI, run as
// a process with the shipped allowlist, lists it in "New, below the top 10" with its rank and its drill-down, in
// the table and in JSON, and SARIF gives it a result like every other port outside the allowlist. The action's
// side (issue and job summary on moto and the local GitHub API) is in test/e2e/action.test.ts.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCidrList } from '../../src/audit/parameters.js';
import { generateSample, type GroundTruth } from '../../src/flowlog/sample.js';
import { buildCli, cli } from '../support/cli-process.js';
import { sarifSchemaErrors } from '../support/sarif-schema.js';
import { SAMPLE_VPC_CIDRS } from '../support/audit-parameters.js';

const END = new Date('2026-11-02T00:00:00Z');
let out: string;
let truth: GroundTruth;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'busy-day-'));
  [truth] = await Promise.all([
    generateSample({ out, vpcCidrs: parseCidrList(SAMPLE_VPC_CIDRS), end: END, days: 1, recordsPerHour: 5000, seed: 2026 }),
    buildCli(),
  ]);
}, 120_000);

afterAll(() => rm(out, { recursive: true, force: true }));

const audit = (...flags: string[]) =>
  cli(['audit', '--logs', out, '--vpc-cidr', SAMPLE_VPC_CIDRS, '--end', '2026-11-02T00', '--allowlist', 'sample/outbound-ports.yml', ...flags]);

describe('the planted beacon below the top 10', () => {
  test('ranks below the top 10 by connections in the ground truth', () => {
    const rank = truth.egressPorts.findIndex((p) => p.port === truth.beacon.port) + 1;
    expect(rank).toBeGreaterThan(10);
  });

  test('the table lists it in "New, below the top 10" with its rank, and its drill-down names the host that opened it', async () => {
    const { code, stdout } = await audit();
    expect(code).toBe(0);
    const rank = truth.egressPorts.findIndex((p) => p.port === truth.beacon.port) + 1;
    const [top, below] = stdout.split('\nNew, below the top 10:\n');
    expect(below).toBeDefined();
    // The top list holds 10 ports, none of them the beacon.
    expect(top!.split('\n').filter((line) => /^\s*\d+\s+\d+\s+(tcp|udp|icmp|icmpv6)\s/.test(line))).toHaveLength(10);
    expect(top).not.toMatch(/^\s*\d+\s+8333\s+tcp/m);
    const beacon = truth.egressPorts[rank - 1]!;
    expect(below).toMatch(new RegExp(`^\\s*${rank}\\s+8333\\s+tcp\\s+${beacon.connections}\\s+${beacon.flows}\\s.*NEW$`, 'm'));
    expect(below).toContain(`8333/tcp: ${beacon.connections} connections, ${beacon.flows} flows`);
    expect(below).toMatch(new RegExp(`\\n  from ${truth.beacon.instanceId} · ${truth.beacon.interfaceId} · ${truth.beacon.subnetId} · ${truth.beacon.address}  ${beacon.connections} connections`));
    // 25/tcp (outbound SMTP) is below the top 10 and outside the allowlist too.
    expect(below).toMatch(/^\s*\d+\s+25\s+tcp\s/m);
  }, 240_000);

  test('JSON: ports is the top 10, newBelowTop has the beacon with its rank and drill-down, new has every port outside the allowlist', async () => {
    const { code, stdout } = await audit('--format', 'json');
    expect(code).toBe(0);
    type Entry = { rank: number; port: number; protocol: number; connections: number; drillDown: { connections: number; sources: { instanceId: string }[] } | null };
    const json = JSON.parse(stdout) as { ports: { port: number }[]; new: Entry[]; newBelowTop: Entry[]; portsInWindow: number; portsLeftOut: number };
    const allowed = ['443/6', '80/6', '53/17', '123/17'];
    const outside = truth.egressPorts.filter((p) => !allowed.includes(`${p.port}/${p.protocol}`));
    expect(json.ports.map((p) => p.port)).toEqual(truth.egressPorts.slice(0, 10).map((p) => p.port));
    expect(json.new.map((p) => `${p.port}/${p.protocol}`)).toEqual(outside.map((p) => `${p.port}/${p.protocol}`));
    expect(json.newBelowTop.map((p) => p.rank)).toEqual(json.newBelowTop.map((p) => truth.egressPorts.findIndex((t) => t.port === p.port && t.protocol === p.protocol) + 1));
    expect(json.newBelowTop.every((p) => p.rank > 10)).toBe(true);
    const beacon = json.newBelowTop.find((p) => p.port === truth.beacon.port)!;
    expect(beacon.drillDown!.sources[0]!.instanceId).toBe(truth.beacon.instanceId);
    expect(beacon.drillDown!.connections).toBe(beacon.connections);
    expect([json.portsInWindow, json.portsLeftOut]).toEqual([truth.egressPorts.length, 0]);
  }, 240_000);

  test('SARIF: the beacon below the top 10 is a result on the allowlist, like every port outside it, in a log valid against SARIF 2.1.0', async () => {
    const { code, stdout } = await audit('--format', 'sarif');
    expect(code).toBe(0);
    const log = JSON.parse(stdout) as import('sarif').Log;
    expect(sarifSchemaErrors(log)).toEqual([]);
    const results = log.runs[0]!.results!;
    const beacon = results.find((r) => r.ruleId === `outbound-port/${truth.beacon.port}/tcp`);
    expect(beacon?.level).toBe('error');
    expect(beacon?.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe('sample/outbound-ports.yml');
    const allowed = ['443/6', '80/6', '53/17', '123/17'];
    expect(results).toHaveLength(truth.egressPorts.filter((p) => !allowed.includes(`${p.port}/${p.protocol}`)).length);
  }, 240_000);

  test('--max-ports below the window\'s count keeps the busiest and says how many were left out', async () => {
    const { code, stdout } = await audit('--format', 'json', '--max-ports', '12');
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as { newBelowTop: { rank: number }[]; portsInWindow: number; portsLeftOut: number };
    expect([json.portsInWindow, json.portsLeftOut]).toEqual([truth.egressPorts.length, truth.egressPorts.length - 12]);
    expect(json.newBelowTop.every((p) => p.rank <= 12)).toBe(true);
    const text = await audit('--max-ports', '12');
    expect(text.stdout).toContain(`The window has ${truth.egressPorts.length} ports: the ${truth.egressPorts.length - 12} least busy beyond --max-ports 12 were not judged.`);
    // Every format warns on stderr; with --top above the cap the heading says the list is the busiest, not all.
    expect(text.stderr).toContain(`warning: the window has ${truth.egressPorts.length} ports; the ${truth.egressPorts.length - 12} least busy beyond --max-ports 12 are neither reported nor judged against --allowlist`);
    const capped = await audit('--max-ports', '5', '--format', 'sarif');
    expect(capped.stderr).toContain('least busy beyond --max-ports 5 are neither reported nor judged');
    const heading = (await audit('--max-ports', '5', '--top', '10')).stdout.split('\n')[0];
    expect(heading).toMatch(new RegExp(`^The busiest 5 of ${truth.egressPorts.length} outbound ports \\(--max-ports 5\\) of `));
    const bad = await audit('--max-ports', '0');
    expect([bad.code, bad.stderr]).toEqual([2, "vpc-port-audit: --max-ports: '0' is not a whole number from 1 to 100000.\n"]);
  }, 240_000);
});
