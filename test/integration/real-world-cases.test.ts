// The real-world cases (test/fixtures/cases/, vendored from the project's shared cases; each README names its
// public source): the `vpc-port-audit` process runs each case's own command in its folder and gives its right answer.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, cli, portCounts, ROOT, type PortCounts } from '../support/cli-process.js';

const CASES = join(ROOT, 'test/fixtures/cases');

beforeAll(buildCli);

/** The README command of a case (`vpc-port-audit audit --logs logs ...`), run in the case's folder, as JSON. */
async function audit(name: string, flags: string[] = [], end = '2026-11-01T11', vpcCidr = '10.0.0.0/16') {
  const run = await cli(['audit', '--logs', 'logs', '--vpc-cidr', vpcCidr, '--end', end, '--lookback-hours', '1', '--format', 'json', ...flags], join(CASES, name));
  return { ...run, ports: run.code === 0 ? portCounts((JSON.parse(run.stdout) as { ports: PortCounts[] }).ports) : undefined };
}

/** The header files of cases 01 and 06 name no interface-id, flow-direction or pkt-dstaddr: NAT copies cannot be told. */
const NAT_WARNING =
  'warning: the file read (header) lacks one of interface-id, flow-direction, pkt-dstaddr, so a connection through a NAT gateway may count twice ' +
  "(from the instance, and translated from the NAT gateway); give --nat-addresses with the NAT gateways' private IPv4 addresses.\n";

const port443 = { port: 443, protocol: 6, connections: 1, flows: 1, packets: 12, bytes: 3400, peers: 1 };
const port5432 = { port: 5432, protocol: 6, connections: 1, flows: 1, packets: 30, bytes: 5200, peers: 1 };

describe('real-world cases', () => {
  test('01-s3-header-line: the header line S3 delivery writes first is the file\'s format, not a record: 443/tcp and 5432/tcp', async () => {
    const run = await audit('01-s3-header-line');
    expect([run.code, run.stderr]).toEqual([0, NAT_WARNING]);
    expect(run.ports).toEqual([port443, port5432]);
  });

  test('05-v8-reject-reason: a v8 format (30 fields, reject-reason) given as --log-format; the BPA REJECT does not count: 443/tcp', async () => {
    const format =
      '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ' +
      '${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${instance-id} ${tcp-flags} ${type} ${pkt-srcaddr} ' +
      '${pkt-dstaddr} ${region} ${az-id} ${sublocation-type} ${sublocation-id} ${pkt-src-aws-service} ${pkt-dst-aws-service} ' +
      '${flow-direction} ${traffic-path} ${reject-reason}';
    const run = await audit('05-v8-reject-reason', ['--log-format', format]);
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(run.ports).toEqual([port443]);
    // Without the format (and no header line in a Firehose file), the field count fits no default: one sentence.
    const guess = await audit('05-v8-reject-reason');
    expect(guess.code).toBe(2);
    expect(guess.stderr).toMatch(/^vpc-port-audit: --logs: the first record of '.*' has 30 fields, which is none of v2 \(14\), v5 \(29\), v8 \(40\), and the file has no header line; give --log-format [^\n]*\.\n$/);
  });

  test('06-s3-default-daily-layout: a copy of a region folder in the default daily layout, records filtered on start: 443/tcp and 5432/tcp', async () => {
    const run = await audit('06-s3-default-daily-layout');
    expect([run.code, run.stderr]).toEqual([0, NAT_WARNING]);
    expect(run.ports).toEqual([port443, port5432]);
    // The same day folder for the next hour: its records all start 10:01, outside 11:00-12:00.
    const later = await audit('06-s3-default-daily-layout', [], '2026-11-01T12');
    expect(later.code).toBe(0);
    expect(later.ports).toEqual([]);
    // That empty list is not a quiet VPC: stderr and the JSON say no record starts in the window, and the file's
    // name (published 10:05) already says that it covers none of the window's hour.
    const why = 'no record in the window: the files read hold 4 records, all starting 2026-11-01T10:01Z, none starting between 2026-11-01T11:00Z and 2026-11-01T12:00Z; check --end and --lookback-hours.';
    expect(later.stderr).toBe(
      "warning: the files read cover 0 of the window's 1 hour: none for 2026-11-01T11Z to 2026-11-01T12Z; the counts are for those 0 of 1 hour (--require-full-window makes this an error).\n" +
        `${NAT_WARNING}warning: nothing counted: ${why}\n`,
    );
    expect(JSON.parse(later.stdout)).toMatchObject({ nothingCounted: { reason: 'outside-window', sentence: why, records: { read: 4, inWindow: 0 } } });
  });

  test('16-lza-central-bucket-overlapping-cidrs: two accounts on one CIDR in an LZA central bucket: the organisation union and its one NEW port', async () => {
    // The case's organisation answer (expected.json `organisation`, `new_with_allowlist`); peers from its readable
    // files (443: 52.94.0.10, 52.94.0.11, 52.94.0.20). Its per-account/VPC answer (README table) follows below.
    const run = await audit('16-lza-central-bucket-overlapping-cidrs', ['--allowlist', 'allowlist.yml']);
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(run.ports).toEqual([
      { port: 443, protocol: 6, connections: 3, flows: 3, packets: 31, bytes: 6200, peers: 3 },
      { port: 53, protocol: 17, connections: 1, flows: 1, packets: 1, bytes: 70, peers: 1 },
      { port: 8333, protocol: 6, connections: 1, flows: 1, packets: 20, bytes: 4000, peers: 1 },
    ]);
    type Drill = { sources: { address: string }[]; destinations: { address: string }[] };
    const { new: news } = JSON.parse(run.stdout) as { new: { port: number; protocol: number; drillDown: Drill }[] };
    expect(news.map((n) => [n.port, n.protocol, n.drillDown.sources.map((x) => x.address), n.drillDown.destinations.map((x) => x.address)])).toEqual([
      [8333, 6, ['10.0.5.5'], ['203.0.113.50']],
    ]);
    // Issue 21: each account's VPC from the records' account-id, region and vpc-id (the CIDR is the same in both), and
    // the one NEW port attributed to account 222222222222's vpc-0bbbb2222bbbb2222.
    type Vpc = { account: string; region: string; vpcId: string; ports: PortCounts[]; new: { port: number; protocol: number }[] };
    const { vpcs } = JSON.parse(run.stdout) as { vpcs: Vpc[] };
    expect(vpcs.map((v) => [v.account, v.region, v.vpcId, portCounts(v.ports), v.new.map((n) => `${n.port}/${n.protocol}`)])).toEqual([
      ['111111111111', 'us-east-1', 'vpc-0aaaa1111aaaa1111', [
        { port: 443, protocol: 6, connections: 2, flows: 2, packets: 22, bytes: 4400, peers: 2 },
        { port: 53, protocol: 17, connections: 1, flows: 1, packets: 1, bytes: 70, peers: 1 },
      ], []],
      ['222222222222', 'us-east-1', 'vpc-0bbbb2222bbbb2222', [
        { port: 443, protocol: 6, connections: 1, flows: 1, packets: 9, bytes: 1800, peers: 1 },
        { port: 8333, protocol: 6, connections: 1, flows: 1, packets: 20, bytes: 4000, peers: 1 },
      ], ['8333/6']],
    ]);
  });

  test('20-network-account-tgw-and-vpc-mixed: a Transit Gateway flow-log file beside the egress VPC\'s is noted and left out: 443/tcp, never 5432', async () => {
    const TGW_NOTE =
      'note: 1 file of the window left out, not counted: it holds Transit Gateway flow logs (their header names resource-type and tgw-* fields, ' +
      'no action or interface-id), which this audit of VPC flow logs does not read.\n';
    const egress = await audit('20-network-account-tgw-and-vpc-mixed', [], '2026-11-01T11', '10.100.0.0/16');
    expect([egress.code, egress.stderr]).toEqual([0, TGW_NOTE]);
    expect(egress.ports).toEqual([{ port: 443, protocol: 6, connections: 1, flows: 1, packets: 10, bytes: 1500, peers: 1 }]);
    // The spoke's connections are in the TGW file only: nothing of it counts for the spoke CIDR.
    const spoke = await audit('20-network-account-tgw-and-vpc-mixed', [], '2026-11-01T11', '10.1.0.0/16');
    expect(spoke.code).toBe(0);
    expect(spoke.stderr).toMatch(new RegExp(`^${TGW_NOTE.replace(/[.*()]/g, '\\$&')}note: nothing counted: `));
    expect(spoke.ports).toEqual([]);
    expect(JSON.parse(spoke.stdout)).toMatchObject({ nothingCounted: { records: { read: 3 } } });
  });

  test('20-network-account-tgw-and-vpc-mixed: a folder of Transit Gateway flow logs only is one sentence, exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tgw-only-'));
    try {
      const day = 'AWSLogs/999900000000/vpcflowlogs/us-east-1/2026/11/01';
      const name = '999900000000_vpcflowlogs_us-east-1_fl-0tgw00000000000001_20261101T1000Z_c0ffee01.log.gz';
      await cp(join(CASES, '20-network-account-tgw-and-vpc-mixed/logs/network-flow-logs-999900000000', day, name), join(dir, 'logs', day, name));
      const run = await cli(['audit', '--logs', 'logs', '--vpc-cidr', '10.1.0.0/16', '--end', '2026-11-01T11', '--lookback-hours', '1'], dir);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        "vpc-port-audit: --logs: the window's only file under 'logs' holds Transit Gateway flow logs (their header names resource-type and tgw-* fields, " +
          "no action or interface-id), which this audit of VPC flow logs does not read; give the folder of a VPC's flow logs.\n",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
