// The CLI as a process (issue 19, part B): exit codes a pipeline can use (3 for --fail-on-unexplained, 2 for a
// window the files cover in part under --require-full-window), a partial window said in the title and on stderr
// (hour folders, and day folders by their records' start), the NAT warning for formats that cannot tell NAT
// copies, "All N ports" when --top exceeds the list, and redrive without a reachable AWS as one sentence.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portKey, protocolName } from '../../src/audit/port-row.js';
import type { GroundTruth } from '../../src/flowlog/sample.js';
import { buildCli, cli as runCli, ROOT } from '../support/cli-process.js';

const SAMPLE = join(ROOT, 'sample/flow-logs');
const SAMPLE_CIDRS = '172.31.0.0/16,2600:1f18:47b:a900::/56';
const ALLOWLIST = 'sample/outbound-ports.yml';

const cli = (...args: string[]) => runCli(args);
const auditSample = (...flags: string[]) => cli('audit', '--logs', SAMPLE, '--vpc-cidr', SAMPLE_CIDRS, ...flags);

let truth: GroundTruth;
let work: string;

beforeAll(async () => {
  await buildCli();
  truth = JSON.parse(await readFile(join(SAMPLE, 'ground-truth.json'), 'utf8')) as GroundTruth;
  work = await mkdtemp(join(tmpdir(), 'cli-exit-'));
});

describe('exit codes', () => {
  test('--fail-on-unexplained: exit 3 with the report on stdout and the ports outside the allowlist on stderr', async () => {
    const { code, stdout, stderr } = await auditSample('--end', '2026-11-02', '--top', '1000', '--allowlist', ALLOWLIST, '--fail-on-unexplained');
    expect(code).toBe(3);
    expect(stdout).toMatch(/^All \d+ outbound ports of /);
    const allowed = ['443/tcp', '80/tcp', '53/udp', '123/udp'];
    const outside = truth.egressPorts.map(portKey).filter((k) => !allowed.includes(k));
    expect(outside.length).toBeGreaterThan(0);
    const listed = outside.slice(0, 10).join(', ') + (outside.length > 10 ? `, and ${outside.length - 10} more` : '');
    expect(stderr).toBe(`vpc-port-audit: ${outside.length} ports outside ${ALLOWLIST} (${listed}); exit 3 for --fail-on-unexplained.\n`);
  });

  test('--fail-on-unexplained with an allowlist that explains every port: exit 0', async () => {
    const file = join(work, 'every-port.yml');
    const entries = truth.egressPorts.map((p) => `  - port: ${p.port}\n    protocol: ${protocolName(p.protocol)}\n    reason: seen in the sample\n`);
    await writeFile(file, `ports:\n${entries.join('')}`);
    const { code, stdout, stderr } = await auditSample('--end', '2026-11-02', '--top', '1000', '--allowlist', file, '--fail-on-unexplained');
    expect([code, stderr]).toEqual([0, '']);
    expect(stdout).not.toMatch(/ NEW\n/);
  });

  test('--fail-on-unexplained with a --vpc-cidr that matches no record: exit 2, one sentence, no report (a gate never passes on nothing)', async () => {
    const { code, stdout, stderr } = await cli('audit', '--logs', SAMPLE, '--vpc-cidr', '10.0.0.0/16', '--end', '2026-11-02', '--allowlist', ALLOWLIST, '--fail-on-unexplained', '--format', 'sarif');
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toMatch(/^vpc-port-audit: --vpc-cidr: none of the [\d,]+ records in the window comes from 10\.0\.0\.0\/16 \(their sources include [\d.]+\); check --vpc-cidr: with --fail-on-unexplained an audit that counted nothing of the VPC is an error, not a pass\.\n$/m);
    // Without the gate it stays a warning and exit 0, as before.
    expect((await cli('audit', '--logs', SAMPLE, '--vpc-cidr', '10.0.0.0/16', '--end', '2026-11-02')).code).toBe(0);
  });

  test('--top beyond the ports counted says "All N", not "Top 1000"', async () => {
    const { code, stdout } = await auditSample('--end', '2026-11-02', '--top', '1000');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe(`All ${truth.egressPorts.length} outbound ports of ${SAMPLE_CIDRS.replace(',', ', ')}, 2026-11-01T00Z to 2026-11-02T00Z`);
    expect((await auditSample('--end', '2026-11-02', '--top', '3')).stdout).toMatch(/^Top 3 outbound ports of /);
  });
});

describe('a window the files cover in part', () => {
  test('hour folders: the title says "18 of 24 hours", stderr names the gap; --require-full-window exits 2 printing nothing', async () => {
    const partial = await auditSample('--end', '2026-11-02T06', '--format', 'json');
    expect(partial.code).toBe(0);
    expect(partial.stderr).toBe(
      "warning: the files read cover 18 of the window's 24 hours: none for 2026-11-02T00Z to 2026-11-02T06Z; the counts are for those 18 of 24 hours " +
        '(--require-full-window makes this an error).\n',
    );
    expect(JSON.parse(partial.stdout).window).toEqual({ start: '2026-11-01T06:00:00.000Z', end: '2026-11-02T06:00:00.000Z', hours: 24, hoursCovered: 18 });
    const table = await auditSample('--end', '2026-11-02T06');
    expect(table.stdout.split('\n')[0]).toMatch(/, 2026-11-01T06Z to 2026-11-02T06Z \(18 of 24 hours\)$/);
    const strict = await auditSample('--end', '2026-11-02T06', '--require-full-window');
    expect([strict.code, strict.stdout]).toEqual([2, '']);
    expect(strict.stderr).toBe(
      "vpc-port-audit: --require-full-window: the files read cover 18 of the window's 24 hours: none for 2026-11-02T00Z to 2026-11-02T06Z; " +
        'give a window the flow logs cover (--end, --lookback-hours), or leave out --require-full-window.\n',
    );
    // The whole window: no warning, no mark, and --require-full-window passes.
    const whole = await auditSample('--end', '2026-11-02', '--require-full-window');
    expect([whole.code, whole.stderr]).toEqual([0, '']);
    expect(whole.stdout.split('\n')[0]).toMatch(/2026-11-02T00Z$/);
  });

  test.each([
    ['by the times in S3 delivery\'s file names', false],
    ['by the records\' start when the files are named otherwise', true],
  ])('day folders (S3 delivery\'s default layout): coverage %s', async (_name, renamed) => {
    const out = join(work, `s3-daily-${renamed}`);
    const made = await cli('sample', '--out', out, '--layout', 's3', '--records-per-hour', '40', '--seed', '3', '--vpc-cidr', '10.0.0.0/16', '--end', '2026-11-02');
    expect(made.code).toBe(0);
    if (renamed) {
      const day = join(out, 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/01');
      const names = await readdir(day);
      expect(names).toHaveLength(24);
      await Promise.all(names.map((name, i) => rename(join(day, name), join(day, `part-${i}.log.gz`))));
    }
    const audit = (...flags: string[]) => cli('audit', '--logs', out, '--vpc-cidr', '10.0.0.0/16', '--format', 'json', ...flags);
    // A day folder for 2026-11-01 only: a window 10 hours into the next day has records in 14 of its 24 hours.
    const partial = await audit('--end', '2026-11-02T10');
    expect(partial.code).toBe(0);
    expect(partial.stderr).toMatch(/^warning: the files read cover 14 of the window's 24 hours: none for 2026-11-02T00Z to 2026-11-02T10Z; /);
    expect(JSON.parse(partial.stdout).window).toMatchObject({ hours: 24, hoursCovered: 14 });
    const strict = await audit('--end', '2026-11-02T10', '--require-full-window');
    expect([strict.code, strict.stdout]).toEqual([2, '']);
    const whole = await audit('--end', '2026-11-02', '--require-full-window');
    expect([whole.code, whole.stderr]).toEqual([0, '']);
    expect(JSON.parse(whole.stdout).window).toMatchObject({ hours: 24, hoursCovered: 24 });
  });
});

describe('NAT copies', () => {
  test('v2 logs without --nat-addresses warn that NAT connections may count twice; with them, or with v5 logs, no warning', async () => {
    const out = join(work, 'v2');
    const made = await cli('sample', '--out', out, '--log-format', 'v2', '--records-per-hour', '40', '--seed', '4', '--vpc-cidr', '10.0.0.0/16', '--end', '2026-11-02');
    expect(made.code).toBe(0);
    const v2Truth = JSON.parse(await readFile(join(out, 'ground-truth.json'), 'utf8')) as GroundTruth;
    const audit = (...flags: string[]) => cli('audit', '--logs', out, '--vpc-cidr', '10.0.0.0/16', '--end', '2026-11-02', ...flags);
    const warned = await audit();
    expect(warned.code).toBe(0);
    expect(warned.stderr).toBe(
      'warning: the 24 files read (v2) lack one of interface-id, flow-direction, pkt-dstaddr, so a connection through a NAT gateway may count twice ' +
        "(from the instance, and translated from the NAT gateway); give --nat-addresses with the NAT gateways' private IPv4 addresses.\n",
    );
    expect((await audit('--nat-addresses', v2Truth.natAddresses.join(','))).stderr).toBe('');
    // The seed preset counts source ports, where NAT copies are not told apart at all.
    expect((await audit('--preset', 'seed')).stderr).toBe('');
    expect((await auditSample('--end', '2026-11-02')).stderr).toBe('');
  });
});

describe('redrive without a reachable AWS', () => {
  test.each([
    ['a host name that does not resolve', 'http://no-such-host.invalid', /ENOTFOUND|EAI_AGAIN/],
    ['a port nothing listens on', 'http://127.0.0.1:9', /ECONNREFUSED/],
  ])('%s: exit 2 and one sentence, not "unexpected failure"', async (_name, endpoint, code) => {
    Object.assign(process.env, { AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_MAX_ATTEMPTS: '1' });
    try {
      const { code: exit, stdout, stderr } = await cli('redrive', '--stack', 'vpc-port-audit', '--region', 'eu-west-1');
      expect([exit, stdout]).toEqual([2, '']);
      expect(stderr).toMatch(/^vpc-port-audit: redrive: AWS could not be reached in eu-west-1 \([^\n]+\); check the network connection, --region, and AWS_ENDPOINT_URL when it is set\.\n$/);
      expect(stderr).toMatch(code);
    } finally {
      for (const name of ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_MAX_ATTEMPTS']) delete process.env[name];
    }
  });
});
