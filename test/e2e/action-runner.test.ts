// action.yml run as a runner runs it (test/support/composite-runner.ts): its steps' conditions and expressions
// evaluated, the credentials step (a stand-in for the pinned aws-actions/configure-aws-credentials that makes the
// real STS call on moto_server and exports what that version exports), then the bundled `node dist/index.js`
// through the action's own bash step, against moto_server and the local GitHub API. The job starts with no AWS
// credentials, so the audit can only succeed with the ones the credentials step handed to it; the job's next
// step must find none of them. On a public repository (the event says so) the tracking issue, the job summary and
// the outputs hold none of the VPC's addresses, instance and interface ids, Name tags or the account id, while the
// same run on a private repository shows them (issue 20).

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { CreateWorkGroupCommand } from '@aws-sdk/client-athena';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateNetworkInterfaceCommand, CreateSubnetCommand, CreateVpcCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../../src/aws/clients.js';
import type { RawDrillDownRow } from '../../src/audit/drill-down.js';
import { motoClients, startMoto, TEST_AWS_ENV, type MotoServer } from '../support/moto.js';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { queueAthenaResults, queueDrillDownResults } from '../support/moto-athena.js';
import { createGlueTable, STACK } from '../support/glue-tables.js';
import { portRow } from '../support/report-fixtures.js';
import { nextStep, runComposite, type CompositeStep } from '../support/composite-runner.js';
import { CONFIGURE_AWS_CREDENTIALS, configureAwsCredentialsStandIn } from '../support/configure-aws-credentials-stand-in.js';

interface ActionYml {
  inputs: Record<string, { default?: string }>;
  runs: { steps: CompositeStep[] };
}

const ROLE = 'arn:aws:iam::123456789012:role/vpc-port-audit-deploy';
const ROWS = [portRow(443, 6, 900, ['52.94.0.10']), portRow(25, 6, 40, ['198.51.100.7'])];

let moto: MotoServer;
let github: FakeGitHub;
let clients: AwsClients;
let action: ActionYml;
let vpcId: string;
let workspace: string;

beforeAll(async () => {
  [moto, github] = await Promise.all([startMoto(), startFakeGitHub()]);
  clients = motoClients(moto);
  action = parse(await readFile('action.yml', 'utf8')) as ActionYml;
  vpcId = (await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!.VpcId!;
  await clients.s3.send(new CreateBucketCommand({ Bucket: 'audit-results' }));
  await clients.athena.send(
    new CreateWorkGroupCommand({ Name: 'flowlogs', Configuration: { ResultConfiguration: { OutputLocation: 's3://audit-results/athena/' } } }),
  );
  await createGlueTable(clients.glue, STACK.definition);
  workspace = await mkdtemp(join(tmpdir(), 'workspace-'));
  await mkdir(join(workspace, '.github'));
  await writeFile(join(workspace, '.github', 'outbound-ports.yml'), 'ports:\n  - {port: 443, protocol: tcp, reason: AWS APIs}\n');
}, 120_000);

afterAll(async () => Promise.all([moto?.stop(), github?.stop()]));

interface RunOptions {
  /** The VPC audited (default: the one made in beforeAll); each VPC has its own memory and tracking issue. */
  readonly vpc?: string;
  /** The event payload's repository (default: a private one). */
  readonly repository?: { readonly visibility: string; readonly private: boolean };
  /** What the drill-down query returns, queued after the audit's top list (default: no drill-down answer). */
  readonly drillDown?: readonly RawDrillDownRow[];
  /** The steps to run (default: action.yml's). */
  readonly steps?: readonly CompositeStep[];
  /** Records the stand-in's STS calls. */
  readonly calls?: Parameters<typeof configureAwsCredentialsStandIn>[0];
  /** false: no role-to-assume, and the job holds credentials of its own (TEST_AWS_ENV). */
  readonly assumeRole?: boolean;
}

/** Runs action.yml's steps as a scheduled run of the default branch; by default with a role to assume and no credentials in the job. */
async function runAction({ steps = action.runs.steps, calls = [], assumeRole = true, vpc = vpcId, repository = { visibility: 'private', private: true }, drillDown }: RunOptions = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'runner-'));
  const files = { summary: join(dir, 'summary'), event: join(dir, 'event.json') };
  await Promise.all([writeFile(files.summary, ''), writeFile(files.event, JSON.stringify({ repository: { default_branch: 'main', ...repository } }))]);
  const defaults = Object.fromEntries(Object.entries(action.inputs).map(([name, input]) => [name, input.default ?? '']));
  const inputs = {
    ...defaults,
    'github-token': github.token,
    ...(assumeRole ? { 'role-to-assume': ROLE, 'role-duration-seconds': '1800', audience: 'sts.amazonaws.com' } : {}),
    mode: 'audit',
    'aws-region': TEST_AWS_ENV.AWS_REGION,
    'vpc-id': vpc,
    database: 'vpc_port_audit',
    table: 'flow_logs',
    workgroup: 'flowlogs',
  };
  // The runner's environment: no AWS credentials (unless the job brings its own), and no instance metadata to fall back on.
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    ...(assumeRole ? {} : TEST_AWS_ENV),
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'schedule',
    GITHUB_EVENT_PATH: files.event,
    GITHUB_REPOSITORY: `${github.owner}/${github.repo}`,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_WORKSPACE: workspace,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_API_URL: github.url,
  };
  const githubContext = { event_name: 'schedule', repository: `${github.owner}/${github.repo}`, event: {} };
  await queueAthenaResults(moto.endpoint, ROWS);
  if (drillDown) await queueDrillDownResults(moto.endpoint, drillDown);
  const summary = () => readFile(files.summary, 'utf8');
  const run = await runComposite({
    steps,
    actionPath: resolve('.'),
    inputs,
    env,
    github: githubContext,
    standIns: { [CONFIGURE_AWS_CREDENTIALS]: configureAwsCredentialsStandIn(calls) },
  });
  return { ...run, summary: await summary() };
}

/** The AWS credential variables a step's environment holds (`env` output), by name. */
const credentialVariables = (envOutput: string) =>
  envOutput.split('\n').filter((line) => /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|SECURITY_TOKEN)=./.test(line));

describe('the credentials reach the audit step only', () => {
  test('the audit runs with the assumed role; the next step of the job finds no AWS credentials', async () => {
    const calls: Parameters<typeof configureAwsCredentialsStandIn>[0] = [];
    const run = await runAction({ calls });
    expect(run.log).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    expect(run.ran).toEqual(['node', 'credentials', 'audit']);
    // role-to-assume, audience and role-duration-seconds reached the STS call.
    expect(calls).toEqual([expect.objectContaining({ RoleArn: ROLE, DurationSeconds: 1800, WebIdentityToken: 'oidc-token-for-sts.amazonaws.com' })]);
    const keys = run.steps.credentials!;
    expect(keys['aws-access-key-id']).toMatch(/^\w{16,}$/);
    // The job had no credentials: the audit read Athena and opened the issue with the ones handed to its step.
    expect(run.steps.audit!['issue-number']).toMatch(/^\d+$/);
    expect(github.openIssues()).toHaveLength(1);

    const next = await nextStep(run, 'env');
    expect(next.code).toBe(0);
    expect(credentialVariables(next.output)).toEqual([]);
    for (const secret of [keys['aws-access-key-id']!, keys['aws-secret-access-key']!, keys['aws-session-token']!]) expect(next.output).not.toContain(secret);
    expect(Object.keys(run.jobEnv).filter((name) => name.startsWith('AWS_')).sort()).toEqual(['AWS_EC2_METADATA_DISABLED', 'AWS_ENDPOINT_URL']);
  });

  test('the same step without output-env-credentials: false would hand them to every later step (what the check above catches)', async () => {
    const leaky = action.runs.steps.map((step) => {
      if (step.id !== 'credentials') return step;
      return { ...step, with: Object.fromEntries(Object.entries(step.with!).filter(([name]) => name !== 'output-env-credentials')) };
    });
    const run = await runAction({ steps: leaky });
    const next = await nextStep(run, 'env');
    expect(credentialVariables(next.output).map((line) => line.split('=')[0]).sort()).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']);
  });

  test("without role-to-assume the credentials step is skipped and the job's own credentials reach the audit", async () => {
    const run = await runAction({ assumeRole: false });
    expect(run.log).not.toMatch(/::error::/);
    expect(run).toMatchObject({ code: 0, ran: ['node', 'audit'] });
    expect(run.steps.audit!['top-ports']).toContain('"port":25');
  });
});

describe('public repositories', () => {
  const ACCOUNT = '123456789012'; // moto's account: GetCallerIdentity names it

  /** A VPC with a named instance and a described interface, and the drill-down rows of port 25 from them. */
  async function vpcWithSources(cidr: string) {
    const vpc = (await clients.ec2.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc!.VpcId!;
    const subnet = (await clients.ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: cidr.replace('.0.0/16', '.1.0/24') }))).Subnet!.SubnetId!;
    const instance = (await clients.ec2.send(
      new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1, SubnetId: subnet, TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'payroll-db' }] }] }),
    )).Instances![0]!;
    const eni = (await clients.ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet, Description: `billing relay of ${ACCOUNT}` }))).NetworkInterface!;
    const address = instance.PrivateIpAddress!;
    const drillDown: RawDrillDownRow[] = [{
      port: 25, protocol: 6, nat_copy: false, instance_id: instance.InstanceId!, interface_id: eni.NetworkInterfaceId!, subnet_id: subnet, srcaddr: address,
      dstaddr: '198.51.100.7', pkt_dst_aws_service: null, traffic_path: 8, connections: 40, flows: 40, bytes: 9000, first_seen: 1793536140, last_seen: 1793619000, port_total: false,
    }];
    return { vpc, subnet, instance: instance.InstanceId!, eni: eni.NetworkInterfaceId!, address, drillDown };
  }

  const issueOf = (run: { steps: Record<string, Record<string, string>> }) => github.issues.get(Number(run.steps.audit!['issue-number']))!;

  test('a private repository shows the sources (what the public run must hide)', async () => {
    const sources = await vpcWithSources('10.31.0.0/16');
    const run = await runAction({ vpc: sources.vpc, drillDown: sources.drillDown });
    expect(run.log).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    const body = issueOf(run).body;
    for (const shown of [sources.address, sources.instance, sources.eni, 'payroll-db', ACCOUNT]) expect(body).toContain(shown);
    expect(run.summary).not.toMatch(/Redacted/);
  });

  test('a public repository: the issue title and body, the summary and the outputs hold no inside address, id, Name tag or the account id', async () => {
    const sources = await vpcWithSources('10.32.0.0/16');
    const run = await runAction({ vpc: sources.vpc, drillDown: sources.drillDown, repository: { visibility: 'public', private: false } });
    expect(run.log).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    const { body, title } = issueOf(run);
    const outputs = JSON.stringify(run.steps.audit);
    for (const text of [body, run.summary, outputs]) {
      for (const hidden of ['10.32.', sources.instance, sources.eni, sources.subnet, 'payroll-db', ACCOUNT]) expect(text).not.toContain(hidden);
    }
    // The title and the hidden marker name the VPC by its label, as the body does.
    for (const text of [title, body]) expect(text).not.toContain(sources.vpc);
    expect(title).toMatch(/^Unexplained outbound ports in vpc-[0-9a-f]{6}$/);
    // What stays: the port, the outside peer, the counts; the sources as labels.
    expect(body).toMatch(/\| 25 \| tcp \|/);
    expect(body).toContain('198.51.100.7');
    expect(body).toMatch(/address-[0-9a-f]{6}/);
    expect(body).toMatch(/instance-[0-9a-f]{6}/);
    expect(run.summary).toMatch(/^> \[!NOTE\]\n> Redacted \(redact: auto\): this repository is public/);
  });
});
