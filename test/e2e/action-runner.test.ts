// action.yml run as a runner runs it (test/support/composite-runner.ts): its steps' conditions and expressions
// evaluated, the credentials step (a stand-in for the pinned aws-actions/configure-aws-credentials that makes the
// real STS call on moto_server and exports what that version exports), then the bundled `node dist/index.js`
// through the action's own bash step, against moto_server and the local GitHub API. The job starts with no AWS
// credentials, so the audit can only succeed with the ones the credentials step handed to it; the job's next
// step must find none of them (issue 20).

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { CreateWorkGroupCommand } from '@aws-sdk/client-athena';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateVpcCommand } from '@aws-sdk/client-ec2';
import type { AwsClients } from '../../src/aws/clients.js';
import { motoClients, startMoto, TEST_AWS_ENV, type MotoServer } from '../support/moto.js';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { queueAthenaResults } from '../support/moto-athena.js';
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
  /** The steps to run (default: action.yml's). */
  readonly steps?: readonly CompositeStep[];
  /** Records the stand-in's STS calls. */
  readonly calls?: Parameters<typeof configureAwsCredentialsStandIn>[0];
  /** false: no role-to-assume, and the job holds credentials of its own (TEST_AWS_ENV). */
  readonly assumeRole?: boolean;
}

/** Runs action.yml's steps as a scheduled run of the default branch; by default with a role to assume and no credentials in the job. */
async function runAction({ steps = action.runs.steps, calls = [], assumeRole = true }: RunOptions = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'runner-'));
  const files = { summary: join(dir, 'summary'), event: join(dir, 'event.json') };
  await Promise.all([writeFile(files.summary, ''), writeFile(files.event, JSON.stringify({ repository: { default_branch: 'main', private: true } }))]);
  const defaults = Object.fromEntries(Object.entries(action.inputs).map(([name, input]) => [name, input.default ?? '']));
  const inputs = {
    ...defaults,
    'github-token': github.token,
    ...(assumeRole ? { 'role-to-assume': ROLE, 'role-duration-seconds': '1800', audience: 'sts.amazonaws.com' } : {}),
    mode: 'audit',
    'aws-region': TEST_AWS_ENV.AWS_REGION,
    'vpc-id': vpcId,
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
  return runComposite({
    steps,
    actionPath: resolve('.'),
    inputs,
    env,
    github: githubContext,
    standIns: { [CONFIGURE_AWS_CREDENTIALS]: configureAwsCredentialsStandIn(calls) },
  });
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
    expect(run.ran).toEqual(['credentials', 'audit']);
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
    expect(run).toMatchObject({ code: 0, ran: ['audit'] });
    expect(run.steps.audit!['top-ports']).toContain('"port":25');
  });
});
