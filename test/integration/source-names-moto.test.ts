// The drill-down's source names against a real moto_server: instances with Name tags (ec2:DescribeInstances)
// and interfaces with descriptions (ec2:DescribeNetworkInterfaces), looked up by id filter; ids that match
// nothing (a terminated instance from last week's logs) stay unnamed; and a scheduled run whose drill-down step
// looks the names up in moto opens a tracking issue on the local GitHub API that shows them. The refusal branch
// (a role without the grants) is a single warning; moto cannot refuse, so that one branch uses a fake client.
// An EC2 endpoint that fails (a local HTTP server answering 500, or closing the connection) is a warning too.
import { describe, expect, test } from '@jest/globals';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateNetworkInterfaceCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import type { PortDrillDown } from '../../src/audit/drill-down.js';
import { createAwsClients } from '../../src/aws/clients.js';
import { FILTER_VALUES_PER_REQUEST } from '../../src/aws/ec2-filters.js';
import { lookUpSourceNames, sourceIds, withSourceNames } from '../../src/aws/source-names.js';
import { createGitHubClient, tokenLogin } from '../../src/github.js';
import { renderDrillDownMarkdown } from '../../src/report/drill-down.js';
import { runScheduledAudit } from '../../src/run/scheduled-run.js';
import { startFakeGitHub } from '../support/fake-github.js';
import { FileMemoryStore } from '../support/file-memory-store.js';
import { allowlistOf, auditResult, KEY, LABEL, oneUnit, portRow, WINDOW } from '../support/report-fixtures.js';
import { awsError, fakeClient, recordingLogger } from '../support/fake-aws.js';
import { motoClients, TEST_AWS_ENV } from '../support/moto.js';
import { motoForFile } from '../support/moto-for-file.js';

const aws = motoForFile();

/** A drill-down of 443/tcp whose sources are the given (instance, interface) pairs. */
function drillDownFrom(sources: readonly { instanceId: string | null; interfaceId: string | null }[]): PortDrillDown {
  return {
    port: 443,
    protocol: 6,
    connections: 10 * sources.length,
    flows: 12 * sources.length,
    bytes: 4096 * sources.length,
    firstSeen: '2026-11-01T02:00:00.000Z',
    lastSeen: '2026-11-01T03:00:00.000Z',
    sources: sources.map((s, i) => ({ ...s, subnetId: null, address: `10.0.1.${10 + i}`, connections: 10, bytes: 4096 })),
    destinations: [{ address: '203.0.113.5', awsService: null, trafficPath: 8, connections: 10 * sources.length, bytes: 4096 * sources.length }],
  };
}

/** A subnet, a named instance in it, and a described interface: their ids. */
async function namedSources(): Promise<{ instanceId: string; unnamedInstanceId: string; interfaceId: string; undescribedInterfaceId: string }> {
  const vpcId = (await aws.clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
  const subnetId = (await aws.clients.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.1.0/24' }))).Subnet!.SubnetId!;
  const run = async (tags: { Key: string; Value: string }[]) =>
    (await aws.clients.ec2.send(
      new RunInstancesCommand({
        ImageId: 'ami-12c6146b',
        MinCount: 1,
        MaxCount: 1,
        SubnetId: subnetId,
        ...(tags.length ? { TagSpecifications: [{ ResourceType: 'instance', Tags: tags }] } : {}),
      }),
    )).Instances![0]!.InstanceId!;
  const instanceId = await run([{ Key: 'Name', Value: 'beacon-host' }, { Key: 'team', Value: 'payments' }]);
  const unnamedInstanceId = await run([{ Key: 'team', Value: 'payments' }]);
  const eni = async (description?: string) =>
    (await aws.clients.ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, ...(description ? { Description: description } : {}) }))).NetworkInterface!.NetworkInterfaceId!;
  return { instanceId, unnamedInstanceId, interfaceId: await eni('Interface for NAT Gateway nat-0abc'), undescribedInterfaceId: await eni() };
}

describe('lookUpSourceNames', () => {
  test("names each source's instance by its Name tag and its interface by its description; unknown ids stay bare", async () => {
    const ids = await namedSources();
    const drill = drillDownFrom([
      { instanceId: ids.instanceId, interfaceId: ids.interfaceId },
      { instanceId: ids.unnamedInstanceId, interfaceId: ids.undescribedInterfaceId },
      { instanceId: 'i-0123456789abcdef0', interfaceId: 'eni-0123456789abcdef0' },
    ]);
    const log = recordingLogger();
    const names = await lookUpSourceNames(aws.clients.ec2, [drill], log);
    expect(log.lines).toEqual([]);
    expect([...names.instances]).toEqual([[ids.instanceId, 'beacon-host']]);
    expect([...names.interfaces]).toEqual([[ids.interfaceId, 'Interface for NAT Gateway nat-0abc']]);

    const [named] = withSourceNames([drill], names);
    expect(named!.sources[0]).toMatchObject({ instanceName: 'beacon-host', interfaceDescription: 'Interface for NAT Gateway nat-0abc' });
    expect(named!.sources[1]).not.toHaveProperty('instanceName');
    expect(named!.sources[2]).not.toHaveProperty('interfaceDescription');
    const markdown = renderDrillDownMarkdown(named!);
    // Tags are anyone's text: escaped like every logged value.
    expect(markdown).toContain(`| from | ${ids.instanceId} \\(beacon-host\\) · ${ids.interfaceId} \\(Interface for NAT Gateway nat-0abc\\) · 10.0.1.10 |`);
    expect(markdown).toContain(`${ids.unnamedInstanceId} · ${ids.undescribedInterfaceId} · 10.0.1.11`);
  });

  test('more ids than one request takes are looked up in batches, and each id is asked once', async () => {
    const ids = await namedSources();
    const many = Array.from({ length: FILTER_VALUES_PER_REQUEST + 5 }, (_, i) => ({ instanceId: `i-${i.toString(16).padStart(17, '0')}`, interfaceId: null }));
    const drills = [drillDownFrom([...many, { instanceId: ids.instanceId, interfaceId: null }]), drillDownFrom([{ instanceId: ids.instanceId, interfaceId: null }])];
    expect(sourceIds(drills).instanceIds).toHaveLength(FILTER_VALUES_PER_REQUEST + 6);
    // The moto client, counting the ids each request filters on.
    const counted = motoClients(aws.moto).ec2;
    const send = counted.send.bind(counted) as (command: unknown) => Promise<unknown>;
    const filtered: number[] = [];
    counted.send = ((command: { input: { Filters: { Values: string[] }[] } }) => {
      filtered.push(command.input.Filters[0]!.Values.length);
      return send(command);
    }) as unknown as EC2Client['send'];
    const names = await lookUpSourceNames(counted, drills, recordingLogger());
    expect(filtered).toEqual([FILTER_VALUES_PER_REQUEST, 6]);
    expect([...names.instances]).toEqual([[ids.instanceId, 'beacon-host']]);
  });

  test('a role without either permission gets one warning naming both, and ids without names', async () => {
    const denied = (action: string) => () => {
      throw awsError('UnauthorizedOperation', `You are not authorized to perform this operation. User is not authorized to perform: ${action}`);
    };
    const { client: fake, calls } = fakeClient<EC2Client>({
      DescribeInstancesCommand: denied('ec2:DescribeInstances'),
      DescribeNetworkInterfacesCommand: denied('ec2:DescribeNetworkInterfaces'),
    });
    // The SDK's paginators take only an EC2Client: a real one whose send is the fake's.
    const client = new EC2Client({ region: TEST_AWS_ENV.AWS_REGION });
    client.send = fake.send.bind(fake) as EC2Client['send'];
    const log = recordingLogger();
    const drill = drillDownFrom([{ instanceId: 'i-0123456789abcdef0', interfaceId: 'eni-0123456789abcdef0' }]);
    const names = await lookUpSourceNames(client, [drill], log);
    expect(names.instances.size + names.interfaces.size).toBe(0);
    expect(calls.map((c) => c.name)).toEqual(['DescribeInstancesCommand', 'DescribeNetworkInterfacesCommand']);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toEqual({ level: 'warning', message: expect.stringMatching(/ec2:DescribeInstances.*ec2:DescribeNetworkInterfaces.*ids without names\.$/) });
  });

  test.each([
    ['answers 500', (res: ServerResponse) => res.writeHead(500, { 'content-type': 'text/xml' }).end('<Response><Errors><Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error></Errors></Response>'), /InternalError/],
    ['closes the connection', (res: ServerResponse) => res.socket?.destroy(), /socket hang up|ECONNRESET/],
  ])('an EC2 endpoint that %s gives one warning naming both look-ups and why, and ids without names', async (_what, answer, why) => {
    let requests = 0;
    const server: Server = createServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => answer(res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const { ec2 } = createAwsClients({ region: TEST_AWS_ENV.AWS_REGION, endpoint, maxAttempts: 1, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
      const log = recordingLogger();
      const drill = drillDownFrom([{ instanceId: 'i-0123456789abcdef0', interfaceId: 'eni-0123456789abcdef0' }]);
      const names = await lookUpSourceNames(ec2, [drill], log);
      expect(names.instances.size + names.interfaces.size).toBe(0);
      expect(requests).toBe(2);
      expect(log.lines).toHaveLength(1);
      expect(log.lines[0]!.level).toBe('warning');
      expect(log.lines[0]!.message).toMatch(/^ec2:DescribeInstances \(instance Name tags\) failed \(.+\)\. ec2:DescribeNetworkInterfaces \(interface descriptions\) failed \(.+\)\. The drill-down shows ids without names\.$/);
      expect(log.lines[0]!.message).toMatch(why);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a drill-down without instance or interface ids asks EC2 nothing', async () => {
    const { client: fake, calls } = fakeClient<EC2Client>({});
    const client = new EC2Client({ region: TEST_AWS_ENV.AWS_REGION });
    client.send = fake.send.bind(fake) as EC2Client['send'];
    const names = await lookUpSourceNames(client, [drillDownFrom([{ instanceId: null, interfaceId: null }])], recordingLogger());
    expect(calls).toEqual([]);
    expect(names.instances.size).toBe(0);
  });
});

test("a scheduled run's tracking issue names the instance and interface that opened its new port", async () => {
  const ids = await namedSources();
  const github = await startFakeGitHub();
  const dir = await mkdtemp(join(tmpdir(), 'port-memory-'));
  try {
    const log = recordingLogger();
    const octokit = createGitHubClient({ token: github.token, baseUrl: github.url, log, retryAfterBaseValue: 1 });
    const audit = auditResult([portRow(443, 6, 900), portRow(8333, 6, 48, ['198.51.100.7'])]);
    const report = await runScheduledAudit({
      octokit,
      repo: { owner: github.owner, repo: github.repo },
      result: audit,
      units: oneUnit(audit.rows),
      top: 10,
      window: WINDOW,
      allowlist: allowlistOf('  - port: 443', '    protocol: tcp', '    reason: web'),
      allowlistPath: '.github/outbound-ports.yml',
      store: new FileMemoryStore(join(dir, 'known-ports.json'), KEY),
      label: LABEL,
      stackOrVpcKey: KEY,
      issueKey: KEY,
      author: await tokenLogin(octokit),
      log,
      // The drill-down step as main runs it, with the query's answer given: the names come from moto.
      drillDown: async (newPorts) => {
        const ports = newPorts.map((p) => ({ ...drillDownFrom([{ instanceId: ids.instanceId, interfaceId: ids.interfaceId }]), port: p.port }));
        return { sql: 'SELECT 1', rejected: [], units: [], statistics: audit.statistics, ports: withSourceNames(ports, await lookUpSourceNames(aws.clients.ec2, ports, log)) };
      },
    });
    expect(report.issueAction).toBe('opened');
    expect(report.drillDown?.ports.map((d) => d.port)).toEqual([8333]);
    const [issue] = github.openIssues();
    expect(issue!.body).toContain(`| from | ${ids.instanceId} \\(beacon-host\\) · ${ids.interfaceId} \\(Interface for NAT Gateway nat-0abc\\) · 10.0.1.10 | 10 |`);
    expect(log.lines.filter((l) => l.level === 'warning')).toEqual([]);
  } finally {
    await github.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
