// The committed action bundle, end to end: `node dist/index.js` as a child process with the environment a
// runner gives it (INPUT_*, GITHUB_* files and event), AWS_ENDPOINT_URL -> moto_server and GITHUB_API_URL ->
// the local GitHub API. Athena (moto) returns the top list that DuckDB computes from the shipped sample.
// Trust: runs off the default branch change nothing in GitHub or S3; planted markers, a 5xx after a create,
// poisoned rows and a poisoned issue body are handled. An s3-parquet stack deployed from the shipped template
// is audited, health-checked and (not) redriven from its outputs.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readFile, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CreateWorkGroupCommand, GetQueryExecutionCommand, ListQueryExecutionsCommand } from '@aws-sdk/client-athena';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateFlowLogsCommand, CreateNetworkInterfaceCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, DeleteFlowLogsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { AwsClients } from '../../src/aws/clients.js';
import { DuckDbEngine } from '../../src/engines/duckdb.js';
import { loadAllowlist, isAllowed } from '../../src/audit/allowlist.js';
import { portKey, type PortRow } from '../../src/audit/port-row.js';
import { motoClients, startMoto, TEST_AWS_ENV, type MotoServer } from '../support/moto.js';
import { isWrite, startFakeGitHub, STRANGER, type FakeGitHub } from '../support/fake-github.js';
import { pullRequestMarker } from '../../src/report/pr-comment.js';
import { queueAthenaResults, queueCoverageResults, queueDrillDownResults, queueObservedEgressResults } from '../support/moto-athena.js';
import { createGlueTable, PROJECTED_ACCID_REGION_DAY, STACK } from '../support/glue-tables.js';
import { createBootstrapOnMoto, createStackOnMoto, motoDeployable } from '../support/moto-template.js';
import { parseCfnTemplate } from '../../scripts/cfn-yaml.js';
import { auditParameters, SAMPLE_VPC_CIDRS } from '../support/audit-parameters.js';
import { generateSample, type GroundTruth } from '../../src/flowlog/sample.js';
import { sarifSchemaErrors } from '../support/sarif-schema.js';
import { parseCidrList } from '../../src/audit/parameters.js';

interface ActionRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

const BUCKET = 'audit-results';
const WORKGROUP = 'flowlogs';

let moto: MotoServer;
let github: FakeGitHub;
let clients: AwsClients;
let vpcId: string;
let workspace: string;
let sampleRows: PortRow[];
let defaults: Record<string, string>;

/** Every input of action.yml at its default, as the composite step passes them. */
async function actionDefaults(): Promise<Record<string, string>> {
  const action = parse(await readFile('action.yml', 'utf8')) as { inputs: Record<string, { default?: string }> };
  return Object.fromEntries(Object.entries(action.inputs).map(([name, input]) => [name, input.default ?? '']));
}

/** GITHUB_OUTPUT as @actions/core writes it: `name<<DELIMITER`, the value, `DELIMITER`. */
function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const pattern = /^(.+?)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const [, name, , value] of text.matchAll(pattern)) outputs[name!] = value!;
  return outputs;
}

async function runAction(options: {
  inputs?: Record<string, string>;
  event?: string;
  payload?: object;
  awsEndpoint?: string;
  /** GITHUB_REF (unset by default, as the schedule tests need none). */
  ref?: string;
  /** GITHUB_WORKSPACE (default: the checkout with the sample allowlist). */
  workspace?: string;
}): Promise<ActionRun> {
  const dir = await mkdtemp(join(tmpdir(), 'runner-'));
  const files = { output: join(dir, 'output'), summary: join(dir, 'summary'), event: join(dir, 'event.json') };
  await Promise.all([writeFile(files.output, ''), writeFile(files.summary, ''), writeFile(files.event, JSON.stringify(options.payload ?? {}))]);
  const inputs = { ...defaults, 'github-token': github.token, ...options.inputs };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    ...TEST_AWS_ENV,
    AWS_ENDPOINT_URL: options.awsEndpoint ?? moto.endpoint,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: options.event ?? 'schedule',
    GITHUB_EVENT_PATH: files.event,
    GITHUB_REPOSITORY: `${github.owner}/${github.repo}`,
    GITHUB_WORKSPACE: options.workspace ?? workspace,
    ...(options.ref ? { GITHUB_REF: options.ref } : {}),
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: dir,
    GITHUB_API_URL: github.url,
    ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])),
  };
  const child = spawn(process.execPath, ['dist/index.js'], { env });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    code,
    stdout,
    outputs: parseOutputFile(await readFile(files.output, 'utf8')),
    summary: await readFile(files.summary, 'utf8'),
  };
}

/** An HTTP endpoint that counts the requests it gets (none should arrive when inputs are rejected). */
async function startCountingEndpoint(): Promise<{ url: string; count: () => number; server: Server }> {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, count: () => requests, server };
}

const AUDIT_INPUTS = () => ({
  mode: 'audit',
  'aws-region': TEST_AWS_ENV.AWS_REGION,
  'vpc-id': vpcId,
  database: 'vpc_port_audit',
  table: 'flow_logs',
  workgroup: WORKGROUP,
});

/** How many Athena queries moto has seen started. */
const queriesStarted = async () => ((await clients.athena.send(new ListQueryExecutionsCommand({ WorkGroup: WORKGROUP }))).QueryExecutionIds ?? []).length;

const portsOf = (json: string | undefined) => JSON.parse(json ?? 'null') as { port: number; protocol: number }[];

beforeAll(async () => {
  [moto, github, defaults] = await Promise.all([startMoto(), startFakeGitHub(), actionDefaults()]);
  clients = motoClients(moto);
  vpcId = (await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!.VpcId!;
  await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await clients.athena.send(
    new CreateWorkGroupCommand({ Name: WORKGROUP, Configuration: { ResultConfiguration: { OutputLocation: `s3://${BUCKET}/athena/` } } }),
  );
  // The audit-only runs name this table: its definition in Glue says its columns and partitions.
  await createGlueTable(clients.glue, STACK.definition);
  workspace = await mkdtemp(join(tmpdir(), 'workspace-'));
  await mkdir(join(workspace, '.github'));
  await copyFile('sample/outbound-ports.yml', join(workspace, '.github', 'outbound-ports.yml'));
  const duckdb = new DuckDbEngine({ logsDir: 'sample/flow-logs' });
  const result = await duckdb.runAudit(auditParameters(SAMPLE_VPC_CIDRS));
  sampleRows = [...result.rows];
}, 120_000);

afterAll(async () => Promise.all([moto?.stop(), github?.stop()]));

describe('scheduled audit', () => {
  let first: ActionRun;

  test('opens the tracking issue for ports outside the allowlist and writes outputs and summary', async () => {
    await queueAthenaResults(moto.endpoint, sampleRows);
    // The drill-down's answer for the beacon port: the host the sample generator made open it.
    const { beacon } = JSON.parse(await readFile('sample/flow-logs/ground-truth.json', 'utf8')) as GroundTruth;
    await queueDrillDownResults(moto.endpoint, [{
      port: beacon.port, protocol: 6, nat_copy: false, instance_id: beacon.instanceId, interface_id: beacon.interfaceId, subnet_id: beacon.subnetId,
      srcaddr: beacon.address, dstaddr: beacon.peer, pkt_dst_aws_service: null, traffic_path: 8, connections: 48, flows: 48, bytes: 627712,
      first_seen: 1793536140, last_seen: 1793619000, port_total: false,
    }]);
    const queriesBefore = await queriesStarted();
    first = await runAction({ inputs: AUDIT_INPUTS() });
    // A run with new ports starts exactly one more query than the audit: the drill-down.
    expect(await queriesStarted()).toBe(queriesBefore + 2);
    expect(first.stdout).not.toMatch(/::error::/);
    // The SDK's Node.js support notice is turned off for the action's process (src/aws/node-support-notice.ts).
    expect(first.stdout).not.toMatch(/NodeVersionSupportWarning/);
    expect(first.code).toBe(0);

    const allowlist = await loadAllowlist(join(workspace, '.github', 'outbound-ports.yml'));
    const expectedNew = sampleRows.filter((row) => !isAllowed(allowlist, row));
    expect(expectedNew.length).toBeGreaterThan(0);

    const open = github.openIssues();
    expect(open).toHaveLength(1);
    expect(open[0]!.labels).toContain('outbound-ports');
    for (const row of expectedNew) expect(open[0]!.body).toContain(`${row.port}`);
    expect(first.outputs['issue-number']).toBe(String(open[0]!.number));
    // The SARIF file beside the job summary: valid SARIF 2.1.0, a result for each port outside the allowlist, on it.
    expect(first.outputs['sarif-file']).toMatch(new RegExp(`/runner-[^/]+/vpc-port-audit-${vpcId}\\.sarif$`));
    const sarif = JSON.parse(await readFile(first.outputs['sarif-file']!, 'utf8')) as import('sarif').Log;
    expect(sarifSchemaErrors(sarif)).toEqual([]);
    expect(sarif.runs[0]!.results!.map((r) => [r.ruleId, r.level, r.locations![0]!.physicalLocation!.artifactLocation!.uri])).toEqual(
      expectedNew.map((row) => [`outbound-port/${portKey(row)}`, 'error', '.github/outbound-ports.yml']),
    );
    expect(portsOf(first.outputs['top-ports'])).toEqual(sampleRows.map(({ port, protocol }) => expect.objectContaining({ port, protocol })));
    expect(portsOf(first.outputs['new-ports']).map((p) => `${p.port}/${p.protocol}`)).toEqual(expectedNew.map((p) => `${p.port}/${p.protocol}`));
    expect(first.outputs.bucket).toBe(BUCKET);
    expect(first.outputs['data-scanned-bytes']).toBe('0');

    // The SQL that ran used the CIDR looked up from the VPC, in the given workgroup.
    const { QueryExecution } = await clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: first.outputs['query-execution-id'] }));
    expect(QueryExecution?.WorkGroup).toBe(WORKGROUP);
    expect(QueryExecution?.Query).toContain("starts_with(srcaddr, '10.20.')");
    expect(QueryExecution?.Query).toContain('FROM "vpc_port_audit"."flow_logs"');

    expect(open[0]!.body).toContain(`| from | ${beacon.instanceId} · ${beacon.interfaceId} · ${beacon.subnetId} · ${beacon.address} | 48 |`);
    expect(open[0]!.body).toContain(`| to | ${beacon.peer} · internet gateway \\(Nitro\\) | 48 |`);
    expect(first.summary).toMatch(/\n- Drill-down of the new ports: Athena scanned /);
    expect(first.summary).toContain('VPC outbound ports');
    expect(first.summary).toContain('- Table: vpc_port_audit.flow_logs: partition dt (yyyy/MM/dd/HH)');
    expect(first.summary).toContain('```mermaid');
    for (const row of expectedNew) expect(first.summary).toContain(`${row.port}`);
  });

  test('a rerun with the same ports writes nothing to GitHub', async () => {
    const callsBefore = github.calls.length;
    await queueAthenaResults(moto.endpoint, sampleRows);
    const queriesBefore = await queriesStarted();
    const rerun = await runAction({ inputs: AUDIT_INPUTS() });
    expect(rerun.code).toBe(0);
    // Nothing new: the audit query only, no drill-down.
    expect(await queriesStarted()).toBe(queriesBefore + 1);
    expect(rerun.summary).not.toContain('Drill-down');
    const writes = github.calls.slice(callsBefore).filter(isWrite);
    expect(writes).toEqual([]);
    expect(github.openIssues()).toHaveLength(1);
    expect(portsOf(rerun.outputs['new-ports'])).toEqual([]);
    expect(rerun.outputs['issue-number']).toBe(first.outputs['issue-number']);
  });

  test('fail-on-new-port fails while ports stay unexplained, on every run until the allowlist explains them', async () => {
    await queueAthenaResults(moto.endpoint, sampleRows);
    const gated = await runAction({ inputs: { ...AUDIT_INPUTS(), 'fail-on-new-port': 'true' } });
    expect(gated.code).toBe(1);
    expect(gated.stdout).toMatch(/::error::fail-on-new-port: \d+ port\(s\) are not explained yet: .*5432\/tcp/);
    expect(gated.outputs['top-ports']).toBeDefined();
  });
});

describe('the allowlist format', () => {
  test('an expired entry is warned of and explains nothing; a range explains its ports; the SARIF file says which', async () => {
    // A VPC and label of its own, so this run's memory and issue are apart from the other tests'.
    const otherVpc = (await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }))).Vpc!.VpcId!;
    const otherWorkspace = await mkdtemp(join(tmpdir(), 'workspace-'));
    await mkdir(join(otherWorkspace, '.github'));
    const allowlistFile = join(otherWorkspace, '.github', 'outbound-ports.yml');
    await writeFile(allowlistFile, 'ports:\n  - port: 443\n    protocol: tcp\n    reason: HTTPS\n    owner: web-team\n    expires: 2020-01-31\n  - port: 0-65535\n    protocol: udp\n    reason: every UDP port\n');
    await queueAthenaResults(moto.endpoint, sampleRows);
    await queueDrillDownResults(moto.endpoint, []);
    const run = await runAction({ inputs: { ...AUDIT_INPUTS(), 'vpc-id': otherVpc, 'issue-label': 'allowlist-format' }, workspace: otherWorkspace });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`::warning::allowlist ${allowlistFile} line 2: 443/tcp (owner: web-team) expired after 2020-01-31, so it no longer explains its ports; renew expires or remove the entry.`);
    const sarif = JSON.parse(await readFile(run.outputs['sarif-file']!, 'utf8')) as import('sarif').Log;
    expect(sarifSchemaErrors(sarif)).toEqual([]);
    const results = sarif.runs[0]!.results!;
    expect(results.map((r) => r.ruleId)).toEqual(sampleRows.filter((row) => row.protocol !== 17).map((row) => `outbound-port/${portKey(row)}`));
    const https = results.find((r) => r.ruleId === 'outbound-port/443/tcp')!;
    expect([https.level, https.locations![0]!.physicalLocation!.region!.startLine]).toEqual(['warning', 2]);
    expect(portsOf(run.outputs['new-ports']).some((p) => p.port === 443 && p.protocol === 6)).toBe(true);
  });
});

describe('the stack as the source of the audit', () => {
  test('table, workgroup, bucket and VPC come from the stack when no input names them', async () => {
    const stackVpc = (await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16' }))).Vpc!.VpcId!;
    const template = {
      Parameters: { VpcId: { Type: 'String' } },
      Resources: { Marker: { Type: 'AWS::SQS::Queue' } },
      Outputs: Object.fromEntries(
        Object.entries({ BucketName: BUCKET, DatabaseName: 'vpc_port_audit', TableName: 'flow_logs', WorkGroupName: WORKGROUP }).map(([k, v]) => [k, { Value: v }]),
      ),
    };
    const { StackId } = await clients.cloudformation.send(
      new CreateStackCommand({ StackName: 'vpc-port-audit', TemplateBody: JSON.stringify(template), Parameters: [{ ParameterKey: 'VpcId', ParameterValue: stackVpc }] }),
    );
    await queueAthenaResults(moto.endpoint, sampleRows);
    const run = await runAction({ inputs: { mode: 'audit', 'aws-region': TEST_AWS_ENV.AWS_REGION } });
    expect(run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    expect(run.outputs['stack-id']).toBe(StackId);
    expect(run.outputs.bucket).toBe(BUCKET);
    const { QueryExecution } = await clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: run.outputs['query-execution-id'] }));
    expect(QueryExecution?.Query).toContain("starts_with(srcaddr, '10.30.')");
    // The stack's bucket admits every flow log of the account: its v5 table is kept to the stack's VPC.
    expect(QueryExecution?.Query).toContain(`AND vpc_id = '${stackVpc}'`);
    const memory = await clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `vpc-port-audit/state/${stackVpc}/known-ports.json` }));
    expect(JSON.parse(await memory.Body!.transformToString()).key).toBe(stackVpc);
    expect(github.openIssues().filter((i) => i.body.includes(`key=${stackVpc} `))).toHaveLength(1);
  });
});

describe('an s3-parquet stack (issue 14)', () => {
  test("the built template with Pipeline=s3-parquet: the audit reads its Parquet table by the hour, health reads its flow log only, redrive has nothing to do", async () => {
    const stackVpc = (await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }))).Vpc!.VpcId!;
    // The shipped template, as moto can create it (test/support/moto-template.ts), on its OIDC bootstrap deployed with
    // Pipeline=s3-parquet: the bootstrap's S3-delivering flow log is real; the Glue and Athena names stand for what moto's CloudFormation cannot create
    // (the workgroup's result location, so the port memory's bucket, is then this file's BUCKET).
    const { template } = motoDeployable(parseCfnTemplate(await readFile('dist/pipeline.yaml', 'utf8')), {
      GlueDatabase: 'vpc_port_audit', ParquetTable: 'flow_logs_parquet', WorkGroup: WORKGROUP, PullRequestWorkGroup: `${WORKGROUP}-pr`,
    });
    await createBootstrapOnMoto(moto.endpoint, 'parquet-stack', stackVpc, { Pipeline: 's3-parquet' });
    await createStackOnMoto(moto.endpoint, 'parquet-stack', template, { VpcId: stackVpc, Pipeline: 's3-parquet' });
    const stack = (await clients.cloudformation.send(new DescribeStacksCommand({ StackName: 'parquet-stack' }))).Stacks![0]!;
    const outputs = Object.fromEntries(stack.Outputs!.map((o) => [o.OutputKey!, o.OutputValue!]));
    expect(outputs).toMatchObject({ Pipeline: 's3-parquet', TableName: 'flow_logs_parquet', FlowLogId: expect.stringMatching(/^fl-/) });
    const inputs = { mode: 'audit', 'aws-region': TEST_AWS_ENV.AWS_REGION, 'stack-name': 'parquet-stack' };

    await queueAthenaResults(moto.endpoint, sampleRows);
    const run = await runAction({ inputs });
    expect(run.stdout).not.toMatch(/::(error|warning)::/);
    expect(run.code).toBe(0);
    expect(run.outputs.bucket).toBe(BUCKET);
    const { QueryExecution } = await clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: run.outputs['query-execution-id'] }));
    expect(QueryExecution?.WorkGroup).toBe(WORKGROUP);
    expect(QueryExecution?.Query).toContain('FROM "vpc_port_audit"."flow_logs_parquet"');
    // The window's hours as year/month/day(/hour) partition terms (one group per day it touches), no cut on start.
    expect(QueryExecution?.Query).toMatch(/WHERE \(*year = '\d{4}' AND month = '\d{2}' AND day (=|BETWEEN) '\d{2}'/);
    expect(QueryExecution?.Query).not.toMatch(/start >=/);
    expect(QueryExecution?.Query).toContain("starts_with(srcaddr, '10.40.')");
    expect(QueryExecution?.Query).toContain(`AND vpc_id = '${stackVpc}'`);
    expect(QueryExecution?.Query).not.toMatch(/\bdt\b/);
    expect(run.summary).toContain('- Table: vpc_port_audit.flow_logs_parquet: partitions year/month/day and hour');
    // The port memory lives in the bucket of the stack's workgroup; the tracking issue is keyed by the stack's VPC.
    const memory = await clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `vpc-port-audit/state/${stackVpc}/known-ports.json` }));
    expect(JSON.parse(await memory.Body!.transformToString()).key).toBe(stackVpc);
    expect(github.openIssues().filter((i) => i.body.includes(`key=${stackVpc} `))).toHaveLength(1);

    // Health reads the flow log and nothing else: with the flow log gone, that is the one problem, and no
    // forwarder, Firehose or failure queue is reported missing.
    await clients.ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [outputs.FlowLogId!] }));
    await queueAthenaResults(moto.endpoint, sampleRows);
    const broken = await runAction({ inputs });
    expect(broken.code).toBe(0);
    expect(broken.stdout.split('\n').filter((line) => line.startsWith('::warning::'))).toEqual([
      `::warning::Pipeline health: Flow log ${outputs.FlowLogId}: The flow log no longer exists: nothing is being logged. Deploy the stack again to recreate it.`,
    ]);
    expect(broken.summary).toContain('## Pipeline health');
    expect(broken.summary).toContain(`| Flow log ${outputs.FlowLogId} | **problem** |`);
    expect(broken.summary).not.toMatch(/Forwarder|Firehose|Failure queue|has no \w+ output/);

    const redrive = await runAction({ inputs: { mode: 'redrive', 'aws-region': TEST_AWS_ENV.AWS_REGION, 'stack-name': 'parquet-stack' } });
    expect(redrive.code).toBe(0);
    expect(redrive.stdout).toContain('::notice::Nothing to redrive: stack parquet-stack runs the s3-parquet pipeline');
    expect(redrive.outputs['redriven-messages']).toBeUndefined();
  });

  test("a bad pipeline input fails the step with one sentence naming the accepted values, before any AWS call", async () => {
    const counting = await startCountingEndpoint();
    try {
      const run = await runAction({ inputs: { ...AUDIT_INPUTS(), pipeline: 'parquet' }, awsEndpoint: counting.url });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain("::error::pipeline: 'parquet' is not a pipeline; accepted are cloudwatch-firehose, s3-parquet.");
      expect(counting.count()).toBe(0);
    } finally {
      counting.server.close();
    }
  });
});

describe('an Athena table of your own', () => {
  test("the SQL follows the table's Glue definition: the guide's projected accid/region/day table", async () => {
    await createGlueTable(clients.glue, PROJECTED_ACCID_REGION_DAY.definition);
    await queueAthenaResults(moto.endpoint, sampleRows);
    const run = await runAction({ inputs: { ...AUDIT_INPUTS(), database: 'flowlogs', table: 'test_table_vpclogs' } });
    expect(run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    const { QueryExecution } = await clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: run.outputs['query-execution-id'] }));
    expect(QueryExecution?.Query).toContain('FROM "flowlogs"."test_table_vpclogs"');
    expect(QueryExecution?.Query).toMatch(/WHERE day (=|BETWEEN) '\d{4}\/\d{2}\/\d{2}'.*\n {4}AND start >= \d+\n {4}AND start < \d+\n/);
    expect(run.summary).toContain('- Table: flowlogs.test_table_vpclogs: partition day (yyyy/MM/dd), daily: the window also filters start; accid, region not filtered');
  });

  test('a table Glue does not have fails the step with one sentence', async () => {
    const run = await runAction({ inputs: { ...AUDIT_INPUTS(), database: 'flowlogs', table: 'no_such_table' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('::error::database, table: the Glue Data Catalog has no table flowlogs.no_such_table in this region;');
    expect(run.outputs['query-execution-id']).toBeUndefined();
  });
});

describe('pull requests', () => {
  const prPayload = (number: number, headRepo: string) => ({
    pull_request: {
      number,
      head: { sha: 'b'.repeat(40), repo: { full_name: headRepo } },
      base: { sha: 'a'.repeat(40), repo: { full_name: `${github.owner}/${github.repo}` } },
    },
    repository: { full_name: `${github.owner}/${github.repo}`, name: github.repo, owner: { login: github.owner } },
  });

  test("on a stack, a pull_request run queries in the stack's pull-request workgroup, never the trusted one (issue 20)", async () => {
    const stackVpc = (await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.31.0.0/16' }))).Vpc!.VpcId!;
    const stackWith = (outputs: Record<string, string>) => ({
      Parameters: { VpcId: { Type: 'String' } },
      Resources: { Marker: { Type: 'AWS::SQS::Queue' } },
      Outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { Value: v }])),
    });
    const outputs = { DatabaseName: 'vpc_port_audit', TableName: 'flow_logs', WorkGroupName: 'trusted-only' };
    for (const [name, template] of [['pr-stack', stackWith({ ...outputs, PullRequestWorkGroupName: WORKGROUP })], ['old-stack', stackWith(outputs)]] as const) {
      await clients.cloudformation.send(
        new CreateStackCommand({ StackName: name, TemplateBody: JSON.stringify(template), Parameters: [{ ParameterKey: 'VpcId', ParameterValue: stackVpc }] }),
      );
    }
    const pr = github.addPullRequest('Check the workgroup');
    const payload = prPayload(pr.number, `${github.owner}/${github.repo}`);
    const inputs = (stack: string) => ({ mode: 'audit', 'aws-region': TEST_AWS_ENV.AWS_REGION, 'stack-name': stack });
    await queueAthenaResults(moto.endpoint, sampleRows);
    const run = await runAction({ inputs: inputs('pr-stack'), event: 'pull_request', payload });
    expect(run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    const { QueryExecution } = await clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: run.outputs['query-execution-id'] }));
    expect(QueryExecution?.WorkGroup).toBe(WORKGROUP);
    // A stack deployed before issue 20 has no pull-request workgroup: the run says so instead of using the trusted one.
    const old = await runAction({ inputs: inputs('old-stack'), event: 'pull_request', payload });
    expect(old.code).toBe(1);
    expect(old.stdout).toContain('::error::stack-name: stack old-stack has no PullRequestWorkGroupName output');
    expect(old.outputs['query-execution-id']).toBeUndefined();
  });

  test('a pull_request run writes one sticky comment and updates it in place', async () => {
    const trackingIssues = () => github.openIssues().filter((i) => !i.pull_request).map((i) => [i.number, i.body]);
    const issuesBefore = trackingIssues();
    const pr = github.addPullRequest('Allow Postgres');
    const payload = prPayload(pr.number, `${github.owner}/${github.repo}`);
    await queueAthenaResults(moto.endpoint, sampleRows, sampleRows);
    const firstRun = await runAction({ inputs: AUDIT_INPUTS(), event: 'pull_request', payload });
    expect(firstRun.stdout).not.toMatch(/::error::/);
    expect(firstRun.code).toBe(0);
    expect(github.commentsOn(pr.number)).toHaveLength(1);
    const comment = github.commentsOn(pr.number)[0]!;
    expect(comment.body).toMatch(/^<!-- vpc-port-audit:pr-comment /);
    expect(firstRun.outputs['comment-id']).toBe(String(comment.id));

    const secondRun = await runAction({ inputs: AUDIT_INPUTS(), event: 'pull_request', payload });
    expect(secondRun.code).toBe(0);
    expect(github.commentsOn(pr.number)).toHaveLength(1);
    expect(secondRun.outputs['comment-id']).toBe(String(comment.id));
    expect(trackingIssues()).toEqual(issuesBefore); // PR runs leave the tracking issues alone
  });

  test('mode deploy on a pull request does nothing, says so, and succeeds', async () => {
    const counting = await startCountingEndpoint();
    try {
      const run = await runAction({ inputs: { ...AUDIT_INPUTS(), mode: 'deploy' }, event: 'pull_request', payload: prPayload(998, `${github.owner}/${github.repo}`), awsEndpoint: counting.url });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/mode deploy does nothing on pull_request/);
      expect(counting.count()).toBe(0);
    } finally {
      counting.server.close();
    }
  });

  test('a pull request from a fork exits cleanly without calling AWS or GitHub, even with a broken allowlist', async () => {
    const counting = await startCountingEndpoint();
    const callsBefore = github.calls.length;
    // The fork's checkout is not read: its broken allowlist must not fail the notice.
    const forkWorkspace = await mkdtemp(join(tmpdir(), 'workspace-fork-'));
    await mkdir(join(forkWorkspace, '.github'));
    await writeFile(join(forkWorkspace, '.github', 'outbound-ports.yml'), 'ports: [\n  - {port: 1\n');
    try {
      const run = await runAction({ inputs: AUDIT_INPUTS(), event: 'pull_request', payload: prPayload(999, 'someone/fork'), awsEndpoint: counting.url, workspace: forkWorkspace });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/fork/);
      expect(counting.count()).toBe(0);
      expect(github.calls.length).toBe(callsBefore);
    } finally {
      counting.server.close();
    }
  });
});

describe('trust: only runs of the default branch write, and only what is ours', () => {
  /** The event payload's repository (GitHub sends default_branch with every event). */
  const repository = () => ({ full_name: `${github.owner}/${github.repo}`, name: github.repo, owner: { login: github.owner }, default_branch: 'main' });
  const memoryKey = () => `vpc-port-audit/state/${vpcId}/known-ports.json`;
  const memoryText = async () => (await clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: memoryKey() }))).Body!.transformToString();
  /** Everything a run could change: GitHub writes, issues and comments, the memory object. */
  const snapshot = async () => ({
    writes: github.writes().length,
    issues: JSON.stringify([...github.issues.values()]),
    comments: JSON.stringify([...github.comments.values()]),
    memory: await memoryText(),
  });
  let allowAll: string;

  beforeAll(async () => {
    // A workspace whose allowlist explains every port: what a fork or a feature branch could check in.
    allowAll = await mkdtemp(join(tmpdir(), 'workspace-allow-all-'));
    await mkdir(join(allowAll, '.github'));
    const entries = sampleRows.map((row) => `  - {port: ${row.port}, protocol: ${row.protocol}, reason: everything is fine}`);
    await writeFile(join(allowAll, '.github', 'outbound-ports.yml'), `ports:\n${entries.join('\n')}\n`);
    // The default branch's allowlist, as the contents API serves it: the sample's.
    github.setFile('main', '.github/outbound-ports.yml', await readFile('sample/outbound-ports.yml', 'utf8'));
  });

  test('pull_request_target from a fork, allowing everything in its workspace, changes nothing in GitHub or S3', async () => {
    const before = await snapshot();
    expect(github.openIssues().some((i) => i.body.includes(`key=${vpcId} `))).toBe(true);
    await queueAthenaResults(moto.endpoint, sampleRows);
    const payload = {
      pull_request: { number: 77, head: { repo: { full_name: 'someone/fork' } }, base: { sha: 'a'.repeat(40), repo: { full_name: repository().full_name } } },
      repository: repository(),
    };
    const run = await runAction({ inputs: { ...AUDIT_INPUTS(), 'fail-on-new-port': 'true' }, event: 'pull_request_target', payload, ref: 'refs/heads/main', workspace: allowAll });
    expect(run.stdout).toMatch(/::notice::Read-only run: pull_request_target runs may carry changes that are not on the default branch/);
    expect(run.summary).toContain('> [!NOTE]\n> Read-only run: pull\\_request\\_target runs may carry changes');
    expect(await snapshot()).toEqual(before);
    // Judged by the default branch's allowlist, not the workspace's: the ports it does not explain still fail the gate.
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::fail-on-new-port: \d+ port\(s\) are not explained yet: .*5432\/tcp/);
  });

  test('workflow_dispatch on a feature branch, allowing everything in its workspace, changes nothing in GitHub or S3', async () => {
    const before = await snapshot();
    await queueAthenaResults(moto.endpoint, sampleRows);
    const payload = { ref: 'refs/heads/feature', repository: repository() };
    const run = await runAction({ inputs: AUDIT_INPUTS(), event: 'workflow_dispatch', payload, ref: 'refs/heads/feature', workspace: allowAll });
    expect(run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/::notice::Read-only run: this workflow_dispatch run is on refs\/heads\/feature, not on the default branch main/);
    expect(await snapshot()).toEqual(before);
    expect(run.outputs['issue-number']).toBeUndefined();
  });

  test('a sticky comment another user planted with the marker is never edited; ours is posted once despite a 502 after creation', async () => {
    const pr = github.addPullRequest('Planted');
    const plantedBody = `${pullRequestMarker(vpcId)}\nEvery port is approved.`;
    const planted = github.addComment(pr.number, plantedBody, STRANGER);
    github.inject({ method: 'POST', path: new RegExp(`/issues/${pr.number}/comments$`), status: 502, times: 1, afterEffect: true });
    await queueAthenaResults(moto.endpoint, sampleRows);
    const payload = {
      pull_request: { number: pr.number, head: { repo: { full_name: repository().full_name } }, base: { sha: 'a'.repeat(40), repo: { full_name: repository().full_name } } },
      repository: repository(),
    };
    const run = await runAction({ inputs: AUDIT_INPUTS(), event: 'pull_request', payload, ref: `refs/pull/${pr.number}/merge` });
    expect(run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    expect(github.comments.get(planted.id)!.body).toBe(plantedBody);
    const comments = github.commentsOn(pr.number);
    expect(comments.map((c) => c.user.login)).toEqual([STRANGER.login, 'github-actions[bot]']);
    expect(run.outputs['comment-id']).toBe(String(comments[1]!.id));
    expect(run.stdout).toMatch(/::warning::Comment \d+ on #\d+ carries this action's marker but was written by mallory/);
  });

  test('poisoned Athena rows and a poisoned tracking-issue body crash nothing and are never stored', async () => {
    // A scheduled run with the sample's own allowlist reopens the issue for the ports it does not explain.
    await queueAthenaResults(moto.endpoint, sampleRows);
    expect((await runAction({ inputs: AUDIT_INPUTS() })).code).toBe(0);
    const issue = github.openIssues().find((i) => i.body.includes(`key=${vpcId} `))!;
    issue.body = issue.body.replace(/<!-- vpc-port-audit:unacknowledged [^>]*-->/, '<!-- vpc-port-audit:unacknowledged constructor __proto__ 70000/tcp `@x` -->');
    const poisoned = [
      { ...sampleRows[0]!, port: undefined },
      { ...sampleRows[0]!, port: 70000 },
      { ...sampleRows[0]!, port: 8443, samplePeers: ['`@octocat` [x](https://evil.example)'] },
      { ...sampleRows[0]!, port: 'ssh', protocol: 6 },
    ] as unknown as PortRow[];
    await queueAthenaResults(moto.endpoint, [...sampleRows, ...poisoned]);
    const run = await runAction({ inputs: AUDIT_INPUTS() });
    expect(run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    expect(run.stdout.match(/::warning::Result row \d+ was left out of the report and the memory/g)).toHaveLength(4);
    const memory = JSON.parse(await memoryText()) as { units: Record<string, { ports: Record<string, unknown> }> };
    expect(Object.keys(memory.units['-/-/-']!.ports).sort()).toEqual(sampleRows.map(portKey).sort());
    const body = github.issues.get(issue.number)!.body;
    expect(body).not.toMatch(/octocat|evil\.example|constructor|70000/);
  });

  test('workflow_dispatch on the default branch writes (the same run, trusted)', async () => {
    const before = github.writes().length;
    await queueAthenaResults(moto.endpoint, sampleRows);
    const payload = { ref: 'refs/heads/main', repository: repository() };
    const run = await runAction({ inputs: AUDIT_INPUTS(), event: 'workflow_dispatch', payload, ref: 'refs/heads/main', workspace: allowAll });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/Read-only run/);
    // Its allowlist explains every port: the tracking issue closes.
    expect(github.writes().length).toBeGreaterThan(before);
    expect(github.openIssues().some((i) => i.body.includes(`key=${vpcId} `))).toBe(false);
  });
});

describe('an organisation (issue 21): vpcs-file and member roles', () => {
  const MEMBER = '222233334444';

  /** A workspace whose .github/vpcs.yml holds `inventory`, beside the sample allowlist. */
  async function orgWorkspace(inventory: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'workspace-org-'));
    await mkdir(join(dir, '.github'));
    await copyFile('sample/outbound-ports.yml', join(dir, '.github', 'outbound-ports.yml'));
    await writeFile(join(dir, '.github', 'vpcs.yml'), inventory);
    return dir;
  }

  const ORG_INPUTS = () => ({ ...AUDIT_INPUTS(), 'vpc-id': '', 'stack-name': 'org-audit', 'issue-label': 'org-ports', 'vpcs-file': '.github/vpcs.yml', 'member-role-name': 'vpc-port-audit-member' });

  test("a member account's REJECT-only VPC is warned of and named in the job summary; inside is the inventory's blocks", async () => {
    // The member account's own VPC and REJECT-only flow log (moto keeps an assumed role's account apart).
    const { Credentials } = await clients.sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${MEMBER}:role/admin`, RoleSessionName: 'setup' }));
    const credentials = { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! };
    const member = { ec2: new EC2Client({ region: TEST_AWS_ENV.AWS_REGION, endpoint: moto.endpoint, credentials }), s3: new S3Client({ region: TEST_AWS_ENV.AWS_REGION, endpoint: moto.endpoint, forcePathStyle: true, credentials }) };
    const memberVpc = (await member.ec2.send(new CreateVpcCommand({ CidrBlock: '10.77.0.0/16' }))).Vpc!.VpcId!;
    await member.s3.send(new CreateBucketCommand({ Bucket: 'member-flow-logs' }));
    await member.ec2.send(new CreateFlowLogsCommand({ ResourceIds: [memberVpc], ResourceType: 'VPC', TrafficType: 'REJECT', LogDestinationType: 's3', LogDestination: 'arn:aws:s3:::member-flow-logs' }));
    const dir = await orgWorkspace(`- account: "${MEMBER}"\n  region: ${TEST_AWS_ENV.AWS_REGION}\n  vpc-id: ${memberVpc}\n  cidrs: [10.77.0.0/16]\n`);
    await queueAthenaResults(moto.endpoint, sampleRows);

    const run = await runAction({ inputs: { ...ORG_INPUTS(), redact: 'never' }, workspace: dir });

    expect(run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    const sentence = `${memberVpc} (${MEMBER}, ${TEST_AWS_ENV.AWS_REGION}) cannot be audited for outbound ports: its flow log records REJECT only.`;
    expect(run.stdout).toContain(`::warning::${sentence}`);
    expect(run.summary).toContain(`> [!WARNING]\n> ${sentence}`);
    expect(run.stdout).toMatch(/VPC inventory: \d+ VPC\(s\) in 2 account\(s\) \(1 from vpcs-file, \d+ looked up\)\./);
    // No vpc-id and no vpc-cidrs: inside is every block of the inventory, the member's and the audited account's.
    const { QueryExecution } = await clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: run.outputs['query-execution-id'] }));
    expect(QueryExecution?.Query).toContain("starts_with(srcaddr, '10.77.')");
    expect(QueryExecution?.Query).toContain("starts_with(srcaddr, '10.20.')");
  });

  test('the coverage query names a VPC whose records are REJECT only: warning, Coverage table, coverage output, a pipeline problem', async () => {
    const region = TEST_AWS_ENV.AWS_REGION;
    const blind = 'vpc-0000000000000aaaa';
    const dir = await orgWorkspace(`- account: "${MEMBER}"\n  region: ${region}\n  vpc-id: ${blind}\n  cidrs: [10.88.0.0/16]\n`);
    // The audit counts nothing (no new port, so no drill-down); the coverage query after it finds REJECT records only.
    await queueAthenaResults(moto.endpoint, []);
    await queueCoverageResults(moto.endpoint, [
      { account_id: MEMBER, region, vpc_id: blind, records: 40, files: 2, accept_records: 0, reject_records: 40, version_2: 40, version_5: 0 },
    ]);
    const run = await runAction({ inputs: { ...ORG_INPUTS(), 'member-role-name': '', redact: 'never', 'fail-on-pipeline-problem': 'true' }, workspace: dir });

    const sentence = `${blind} (${MEMBER}, ${region}) cannot be audited for outbound ports: its flow log records REJECT only (40 REJECT records in 2 files, no ACCEPT)`;
    expect(run.stdout).toContain(`::warning::${sentence}`);
    const coverage = JSON.parse(run.outputs.coverage!) as { vpcId: string; auditable: boolean; rejectRecords: number; formats: string[] }[];
    expect(coverage.find((c) => c.vpcId === blind)).toMatchObject({ auditable: false, rejectRecords: 40, formats: ['v2'] });
    expect(run.summary).toContain('## Coverage');
    expect(run.summary).toContain(`| Coverage | **problem** | ${blind} \\(${MEMBER}, ${region}\\) cannot be audited for outbound ports`);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`::error::fail-on-pipeline-problem: the pipeline has \\d+ problem\\(s\\): Coverage`));
    expect(run.stdout).not.toContain('::warning::Pipeline health: Coverage');
  });

  test('the same VPC id under two accounts fails the step with one sentence, before any query or GitHub write', async () => {
    const dir = await orgWorkspace(`- account: "${MEMBER}"\n  region: ${TEST_AWS_ENV.AWS_REGION}\n  vpc-id: ${vpcId}\n  cidrs: [10.20.0.0/16]\n`);
    const queriesBefore = await queriesStarted();
    const callsBefore = github.calls.length;
    const run = await runAction({ inputs: ORG_INPUTS(), workspace: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`::error::vpcs-file: ${vpcId} is under account ${MEMBER} in vpcs-file, but ec2:DescribeVpcs finds it in account \\d{12}; a VPC id belongs to one account`));
    expect(await queriesStarted()).toBe(queriesBefore);
    expect(github.calls.slice(callsBefore).filter(isWrite)).toEqual([]);
    expect(run.outputs['top-ports']).toBeUndefined();
  });

  test("a read-only run reads the default branch's vpcs-file, never its workspace's", async () => {
    // The workspace's file is broken (a bad CIDR); the default branch's, served by the contents API, is right.
    const dir = await orgWorkspace(`- account: "${MEMBER}"\n  region: ${TEST_AWS_ENV.AWS_REGION}\n  vpc-id: vpc-0a1b2c3d4e5f67890\n  cidrs: [10.0.0.1/16]\n`);
    github.setFile('main', '.github/vpcs.yml', `- account: "${MEMBER}"\n  region: ${TEST_AWS_ENV.AWS_REGION}\n  vpc-id: vpc-0a1b2c3d4e5f67890\n  cidrs: [10.88.0.0/16]\n`);
    await queueAthenaResults(moto.endpoint, sampleRows);
    const repository = { full_name: `${github.owner}/${github.repo}`, name: github.repo, owner: { login: github.owner }, default_branch: 'main' };
    const run = await runAction({ inputs: { ...ORG_INPUTS(), 'member-role-name': '' }, event: 'workflow_dispatch', payload: { ref: 'refs/heads/feature', repository }, ref: 'refs/heads/feature', workspace: dir });
    expect(run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/::notice::Read-only run: /);
    const { QueryExecution } = await clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: run.outputs['query-execution-id'] }));
    expect(QueryExecution?.Query).toContain("starts_with(srcaddr, '10.88.')");
  });

  test('a vpcs-file missing from the workspace fails the step with one sentence naming the input', async () => {
    const run = await runAction({ inputs: { ...ORG_INPUTS(), 'vpcs-file': '.github/no-such-vpcs.yml' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('::error::vpcs-file: there is no file .github/no-such-vpcs.yml in the workspace (did actions/checkout run before this step?);');
  });
});

describe('pipeline health', () => {
  const warningsIn = (run: ActionRun) => run.stdout.split('\n').filter((line) => line.startsWith('::warning::Pipeline health'));
  const issueOf = (key: string) => github.openIssues().find((i) => i.body.includes(`key=${key} `));

  test('after a baseline with traffic, a window without flow logs warns, in the summary and the issue; a healthy run clears it', async () => {
    const quietVpc = (await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!.VpcId!;
    const inputs = (more: Record<string, string> = {}) => ({ ...AUDIT_INPUTS(), 'vpc-id': quietVpc, ...more });

    // The baseline: a run with traffic over an earlier (longer) window; healthy, so nothing about health.
    await queueAthenaResults(moto.endpoint, sampleRows);
    const baseline = await runAction({ inputs: inputs({ 'lookback-hours': '48' }) });
    expect(baseline.code).toBe(0);
    expect(warningsIn(baseline)).toEqual([]);
    expect(baseline.summary).not.toContain('Pipeline health');
    expect(issueOf(quietVpc)!.body).not.toContain('Pipeline health');
    const memory = JSON.parse(
      await (await clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `vpc-port-audit/state/${quietVpc}/known-ports.json` }))).Body!.transformToString(),
    ) as { volumes: { records: number }[] };
    expect(memory.volumes.map((v) => v.records)).toEqual([sampleRows.reduce((sum, r) => sum + r.flows, 0)]);

    // The next window holds no flow logs: a warning annotation, a section in the summary and in the issue.
    await queueAthenaResults(moto.endpoint, []);
    const silent = await runAction({ inputs: inputs() });
    expect(silent.code).toBe(0);
    expect(warningsIn(silent)).toEqual([expect.stringContaining('Window volume: No flow logs in this window, while the median of 1 earlier window is')]);
    expect(silent.summary).toContain('## Pipeline health');
    expect(silent.summary).toContain('No flow logs in this window');
    // No stack names the parts (an existing table): the section says they were not checked.
    expect(silent.summary).toContain('not checked');
    const issue = issueOf(quietVpc)!;
    expect(issue.body).toContain('### Pipeline health');
    expect(issue.body).toContain('No flow logs in this window');
    expect(github.openIssues().filter((i) => i.body.includes(`key=${quietVpc} `))).toHaveLength(1);

    // fail-on-pipeline-problem fails the step while the problem lasts.
    await queueAthenaResults(moto.endpoint, []);
    const gated = await runAction({ inputs: inputs({ 'fail-on-pipeline-problem': 'true' }) });
    expect(gated.code).toBe(1);
    expect(gated.stdout).toMatch(/::error::fail-on-pipeline-problem: the pipeline has 1 problem\(s\): Window volume/);

    // Traffic again: no warning, nothing about health in the summary, and the issue's section is gone.
    await queueAthenaResults(moto.endpoint, sampleRows);
    const healthy = await runAction({ inputs: inputs() });
    expect(healthy.code).toBe(0);
    expect(warningsIn(healthy)).toEqual([]);
    expect(healthy.summary).not.toContain('Pipeline health');
    expect(issueOf(quietVpc)!.number).toBe(issue.number);
    expect(issueOf(quietVpc)!.body).not.toContain('Pipeline health');
  });

  test("a stack whose flow log was deleted: the parts its outputs name are read, and the missing flow log warns", async () => {
    const stackVpc = (await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!.VpcId!;
    const { FlowLogIds } = await clients.ec2.send(
      new CreateFlowLogsCommand({ ResourceIds: [stackVpc], ResourceType: 'VPC', TrafficType: 'ALL', LogGroupName: 'health-stack-FlowLogGroup', DeliverLogsPermissionArn: 'arn:aws:iam::123456789012:role/flow-logs' }),
    );
    await clients.ec2.send(new DeleteFlowLogsCommand({ FlowLogIds }));
    const outputs = {
      BucketName: BUCKET,
      DatabaseName: 'vpc_port_audit',
      TableName: 'flow_logs',
      WorkGroupName: WORKGROUP,
      FlowLogId: FlowLogIds![0]!,
      ForwarderFunctionName: 'health-stack-Forwarder',
      DeliveryStreamName: 'health-stack-DeliveryStream',
    };
    const template = {
      Parameters: { VpcId: { Type: 'String' } },
      Resources: { Marker: { Type: 'AWS::SQS::Queue' } },
      Outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { Value: v }])),
    };
    await clients.cloudformation.send(
      new CreateStackCommand({ StackName: 'health-stack', TemplateBody: JSON.stringify(template), Parameters: [{ ParameterKey: 'VpcId', ParameterValue: stackVpc }] }),
    );
    await queueAthenaResults(moto.endpoint, sampleRows);
    const run = await runAction({ inputs: { mode: 'audit', 'aws-region': TEST_AWS_ENV.AWS_REGION, 'stack-name': 'health-stack' } });
    expect(run.code).toBe(0);
    expect(warningsIn(run)).toEqual([`::warning::Pipeline health: Flow log ${FlowLogIds![0]}: The flow log no longer exists: nothing is being logged. Deploy the stack again to recreate it.`]);
    expect(run.summary).toContain('## Pipeline health');
    // The forwarder and the stream published nothing: fine. The stack names no failure queue: not checked, and said so.
    expect(run.summary).toContain('The stack has no FailureQueueName output');
    expect(issueOf(stackVpc)!.body).toContain('The flow log no longer exists');
  });
});

test('the bundle carries no DuckDB (only the CLI imports it)', async () => {
  const bundle = await readFile('dist/index.js', 'utf8');
  expect(bundle.length).toBeGreaterThan(100_000);
  expect(bundle).not.toMatch(/@duckdb\/node|duckdb\.node|DuckDBInstance/);
});

test('bad inputs exit non-zero, list every problem, and call neither AWS nor GitHub', async () => {
  const counting = await startCountingEndpoint();
  const callsBefore = github.calls.length;
  try {
    const run = await runAction({
      inputs: { ...AUDIT_INPUTS(), mode: 'destroy', top: 'ten', 'vpc-cidrs': '10.0.0.0/33', 'stack-name': 'my_stack' },
      awsEndpoint: counting.url,
    });
    expect(run.code).not.toBe(0);
    for (const input of ['mode', 'top', 'vpc-cidrs', 'stack-name']) expect(run.stdout).toMatch(new RegExp(`::error::${input}: `));
    expect(counting.count()).toBe(0);
    expect(github.calls.length).toBe(callsBefore);
  } finally {
    counting.server.close();
  }
});

describe('a new port below the top list (issue 19)', () => {
  test('the planted beacon, 15th by connections on a busy day, is new in the issue and the job summary, with its rank and drill-down', async () => {
    // A busy day of the sample's network: the beacon's two connections an hour rank it below the top 10.
    const out = await mkdtemp(join(tmpdir(), 'busy-day-'));
    const truth = await generateSample({ out, vpcCidrs: parseCidrList(SAMPLE_VPC_CIDRS), end: new Date('2026-11-02T00:00:00Z'), days: 1, recordsPerHour: 5000, seed: 2026 });
    const { rows } = await new DuckDbEngine({ logsDir: out }).runAudit(auditParameters(SAMPLE_VPC_CIDRS, { maxPorts: 2000 }));
    const rank = rows.findIndex((r) => r.port === truth.beacon.port) + 1;
    expect(rank).toBeGreaterThan(10);
    const beacon = rows[rank - 1]!;
    const busyVpc = (await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '172.31.0.0/16' }))).Vpc!.VpcId!;
    await queueAthenaResults(moto.endpoint, rows);
    await queueDrillDownResults(moto.endpoint, [{
      port: beacon.port, protocol: 6, nat_copy: false, instance_id: truth.beacon.instanceId, interface_id: truth.beacon.interfaceId,
      subnet_id: truth.beacon.subnetId, srcaddr: truth.beacon.address, dstaddr: truth.beacon.peer, pkt_dst_aws_service: null, traffic_path: 8,
      connections: beacon.connections, flows: beacon.flows, bytes: beacon.bytes, first_seen: 1793491260, last_seen: 1793577540, port_total: false,
    }]);
    const run = await runAction({ inputs: { ...AUDIT_INPUTS(), 'vpc-id': busyVpc } });
    expect(run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);

    // The outputs: the top list is the first 10; new-ports has every port outside the allowlist, the beacon included.
    expect(portsOf(run.outputs['top-ports'])).toHaveLength(10);
    expect(portsOf(run.outputs['new-ports']).map((p) => p.port)).toContain(truth.beacon.port);

    const issue = github.openIssues().find((i) => i.body.includes(`key=${busyVpc} `))!;
    const below = (text: string) => text.slice(text.indexOf('### New, below the top 10'));
    for (const text of [issue.body, run.summary]) {
      expect(text).toContain('### New, below the top 10');
      expect(below(text)).toMatch(new RegExp(`^\\| ${rank} \\| 8333 \\| tcp \\| ${beacon.connections} \\|`, 'm'));
      expect(below(text)).toContain(`| from | ${truth.beacon.instanceId} · ${truth.beacon.interfaceId} · ${truth.beacon.subnetId} · ${truth.beacon.address} | ${beacon.connections} |`);
      // The trend: this first window's connections, the beacon's line named under the chart.
      expect(text).toContain('Trend over the last 1 audited window');
      expect(text).toContain('xychart-beta');
    }
    // Lines for the busiest new ports, ranked as the table (the beacon is the 11th of 13 new ones, so it has none).
    expect(run.summary).toContain('Lines, in order (the first 5 of 13): `5432/tcp`, `22/tcp`, `0/icmp`, `6379/tcp`, `3306/tcp`.');
    // The memory keeps every port of the window, each with this window's connections.
    const stored = await clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `vpc-port-audit/state/${busyVpc}/known-ports.json` }));
    const memory = JSON.parse(await stored.Body!.transformToString()) as { version: number; units: Record<string, { ports: Record<string, { history: { connections: number }[] }> }> };
    expect(memory.version).toBe(3);
    const { ports } = memory.units['-/-/-']!;
    expect(Object.keys(ports)).toHaveLength(rows.length);
    expect(ports['8333/tcp']!.history.map((h) => h.connections)).toEqual([beacon.connections]);
  }, 240_000);
});

describe('egress-rules (issue 23)', () => {
  test('proposes each security group\'s egress rules from one observed-egress query: job summary section and egress-rules output', async () => {
    // A VPC of its own (its own memory key), one interface in one security group, which keeps the default allow-all egress.
    const vpc = (await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16' }))).Vpc!.VpcId!;
    const subnet = (await clients.ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.30.1.0/24' }))).Subnet!.SubnetId!;
    const group = (await clients.ec2.send(new CreateSecurityGroupCommand({ VpcId: vpc, GroupName: 'egress-app', Description: 'app servers' }))).GroupId!;
    const eni = (await clients.ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet, Groups: [group] }))).NetworkInterface!;
    const region = TEST_AWS_ENV.AWS_REGION;
    // The audit counts nothing (no drill-down); then the coverage query; then the observed-egress query.
    await queueAthenaResults(moto.endpoint, []);
    await queueCoverageResults(moto.endpoint, [{ account_id: eni.OwnerId!, region, vpc_id: vpc, records: 12, files: 1, accept_records: 12, reject_records: 0, version_5: 12 }]);
    await queueObservedEgressResults(moto.endpoint, [{
      account_id: eni.OwnerId!, region, vpc_id: vpc, interface_id: eni.NetworkInterfaceId!, srcaddr: eni.PrivateIpAddress!, port: 443, protocol: 6,
      destination_kind: 'internet', destination: '0.0.0.0/0', connections: 5, flows: 12, bytes: 9000, peers: 2,
    }]);

    const run = await runAction({ inputs: { ...AUDIT_INPUTS(), 'vpc-id': vpc, 'issue-label': 'egress-rules-e2e', 'egress-rules': 'true', 'egress-rules-min-days': '1', redact: 'never' } });

    expect(run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    const proposal = JSON.parse(run.outputs['egress-rules']!) as { groups: { groupId: string; rules: { fromPort: number; toPort: number; destination: unknown }[] }[] };
    expect(proposal.groups.map((g) => [g.groupId, g.rules.map((r) => [r.fromPort, r.toPort])])).toEqual([[group, [[443, 443]]]]);
    expect(run.summary).toContain('### Proposed egress rules');
    expect(run.summary).toContain(eni.NetworkInterfaceId!);
  });
});
