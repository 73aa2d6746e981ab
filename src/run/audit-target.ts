// What an action run audits, as named steps: deploy the stack (runs that may), resolve the target (table,
// workgroup and memory bucket: inputs win, the stack fills the rest), look up the organisation's scope (the VPC
// inventory and the REJECT-only flow logs, aws/vpc-inventory-lookup.ts and aws/flow-log-traffic.ts) and build
// the audit's parameters from them.

import * as core from '@actions/core';
import { context } from '@actions/github';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuditUnit, InventoryVpc } from '../audit/audit-unit.js';
import type { Cidr } from '../audit/cidr.js';
import { parquetStackTableShape } from '../audit/parquet-stack-table.js';
import type { AuditParameters } from '../audit/query.js';
import { onVpc, stackTableShape, type TableRef, type TableShape } from '../audit/table-shape.js';
import { parseVpcInventory } from '../audit/vpc-inventory.js';
import { createEc2Client, type AwsClients } from '../aws/clients.js';
import { lookUpRejectOnlyVpcs } from '../aws/flow-log-traffic.js';
import { describeStack, lookUpNatAddresses, lookUpTableShape, lookUpVpcCidrs, workgroupResultsBucket } from '../aws/lookups.js';
import { parseVpcId } from '../aws/names.js';
import { lookUpVpcInventory, type ReachedRegion } from '../aws/vpc-inventory-lookup.js';
import { deployStack } from '../deploy/deployer.js';
import { floorToHour, HOUR_MS, windowEndingAt } from '../flowlog/layout.js';
import { InputError } from '../input-error.js';
import { stackPipeline } from '../pipeline/pipelines.js';
import type { Settings } from '../settings.js';
import { timed, type ActionRun } from './action-run.js';
import { describeEgressFacts } from '../aws/egress-facts-lookup.js';
import type { EgressFacts } from '../egress/egress-facts.js';

/** The built pipeline template, shipped next to the bundle in dist/. */
const TEMPLATE_PATH = join(dirname(fileURLToPath(import.meta.url)), 'pipeline.yaml');
/** The outputs the audit needs from the pipeline stack. */
const REQUIRED_OUTPUTS = ['DatabaseName', 'TableName', 'WorkGroupName'];
/** Pull-request runs query in the stack's own pull-request workgroup (the audit role may use no other). */
const PULL_REQUEST_WORKGROUP_OUTPUT = 'PullRequestWorkGroupName';
/** How long after a stack's creation its first flow logs can be in S3 (aggregation, then Firehose buffering). */
const FIRST_DELIVERY_MS = HOUR_MS;

/** The stack as the audit needs it: from this run's deployment or from DescribeStacks. */
export interface StackInfo {
  readonly stackId: string;
  readonly outputs: Record<string, string>;
  readonly parameters?: Record<string, string>;
  readonly createdAt?: Date;
}

/** Where the audit reads and where its memory lives, from the stack or from the inputs. */
export interface AuditTarget {
  readonly database: string;
  readonly table: string;
  /** True when the database or table input names it (its shape then comes from Glue), false for the stack's. */
  readonly existingTable: boolean;
  readonly workgroup: string;
  readonly bucket: string;
  readonly vpcId?: string;
  readonly stackId?: string;
  /** When flow logs can first be in S3 (a stack this action deployed); unknown for existing tables. */
  readonly logsSince?: Date;
  /** The outputs of the stack read for this audit (they name the parts the health check reads); none for existing tables. */
  readonly stackOutputs?: Readonly<Record<string, string>>;
}

/** The organisation's scope of this audit: the VPC inventory, and the audited VPCs that cannot be audited. */
export interface OrganisationScope {
  /** The merged inventory (vpcs-file + ec2:DescribeVpcs); undefined unless vpcs-file or member-role-name is given. */
  readonly inventory?: readonly InventoryVpc[];
  /** The audited VPCs whose flow logs record REJECT only (ec2:DescribeFlowLogs TrafficType). */
  readonly rejectOnly: readonly AuditUnit[];
  /** The account ids the scope names (for redaction). */
  readonly accounts: readonly string[];
  /**
   * With the egress-rules input: the audited VPCs' interfaces and their security groups' rules, from every account
   * reached (aws/egress-facts-lookup.ts); undefined without the input or without a VPC to read (no vpc-id, no inventory).
   */
  readonly egressFacts?: EgressFacts;
}

/** Deploys (creates or updates) the pipeline stack from the shipped template. */
export async function deployPipeline(settings: Settings, clients: AwsClients): Promise<StackInfo> {
  const templateBody = await readFile(TEMPLATE_PATH, 'utf8');
  return timed('Deploying the stack', () =>
    deployStack(
      clients,
      {
        stackName: settings.stackName,
        templateBody,
        repository: `${context.repo.owner}/${context.repo.repo}`,
        parameters: {
          VpcId: settings.vpcId!,
          Pipeline: settings.deploy.pipeline,
          AggregationInterval: String(settings.deploy.aggregationIntervalSeconds),
          LogRetentionDays: String(settings.deploy.logRetentionDays),
          MaxScanMegabytes: String(settings.deploy.maxScanMegabytes),
          AlarmTopicArn: settings.deploy.alarmTopicArn ?? '',
        },
      },
      core,
    ),
  );
}

/** The stack's VpcId parameter, validated (it reaches the audit SQL through onVpc); undefined when there is none. */
function stackVpcId(stack: StackInfo | undefined): string | undefined {
  const vpcId = stack?.parameters?.VpcId;
  return vpcId ? parseVpcId(vpcId, 'the stack parameter VpcId') : undefined;
}

/**
 * The table, workgroup and memory bucket of the audit: inputs win, the stack fills the rest (a pull request's
 * workgroup is the stack's pull-request one; the bucket is the workgroup's result location).
 */
export async function resolveTarget(settings: Settings, clients: AwsClients, pullRequest: boolean, deployed?: StackInfo): Promise<AuditTarget> {
  const { existing } = settings;
  const needsStack = !(existing.database && existing.table && existing.workgroup);
  const stack: StackInfo | undefined = deployed ?? (needsStack ? await describeStack(clients.cloudformation, settings.stackName) : undefined);
  if (needsStack && !stack) {
    throw new InputError(
      `stack-name: stack ${settings.stackName} does not exist in ${settings.region}; deploy it (mode deploy-and-audit) ` +
        'or give database, table and workgroup of existing flow logs.',
    );
  }
  const outputs = stack?.outputs ?? {};
  const wanted = pullRequest && !existing.workgroup ? [...REQUIRED_OUTPUTS, PULL_REQUEST_WORKGROUP_OUTPUT] : REQUIRED_OUTPUTS;
  const missing = needsStack ? wanted.filter((name) => !outputs[name]) : [];
  if (missing.length > 0) {
    throw new InputError(
      `stack-name: stack ${settings.stackName} has no ${missing.join(', ')} output (is it being created, or rolled back?); ` +
        'run with mode deploy-and-audit to bring it up to date.',
    );
  }
  const workgroup = existing.workgroup ?? (pullRequest ? outputs[PULL_REQUEST_WORKGROUP_OUTPUT]! : outputs.WorkGroupName!);
  // A stack from before issue 20 names its bucket; the bootstrap's bucket is the workgroup's result location.
  const bucket = outputs.BucketName ?? (await workgroupResultsBucket(clients.athena, workgroup));
  if (!bucket) {
    throw new InputError(`workgroup: ${workgroup} has no query-result location, so there is no bucket to keep the port memory in; give a workgroup that has one.`);
  }
  return {
    database: existing.database ?? outputs.DatabaseName!,
    table: existing.table ?? outputs.TableName!,
    existingTable: Boolean(existing.database ?? existing.table),
    workgroup,
    bucket,
    vpcId: settings.vpcId ?? stackVpcId(stack),
    stackId: stack?.stackId,
    logsSince: stack?.createdAt ? new Date(stack.createdAt.getTime() + FIRST_DELIVERY_MS) : undefined,
    stackOutputs: stack?.outputs,
  };
}

/**
 * The organisation's scope: with vpcs-file or member-role-name, the merged inventory (aws/vpc-inventory-lookup.ts);
 * then, in every account and region reached, which audited VPCs (the inventory's there, and the target's VPC)
 * have REJECT-only flow logs, each warned of. `file` is the vpcs-file's text (action-run.ts vpcsFileText).
 */
export async function lookUpScope(run: ActionRun, clients: AwsClients, target: AuditTarget, file: { text: string; source: string } | undefined): Promise<OrganisationScope> {
  const { settings } = run;
  const ec2For = (region: string, credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken: string }) => createEc2Client({ region, credentials });
  let inventory: InventoryVpc[] | undefined;
  let reached: ReachedRegion[];
  if (file || settings.memberRoleName) {
    const lookup = await lookUpVpcInventory({
      sts: clients.sts,
      ec2: clients.ec2,
      region: settings.region,
      file: file ? parseVpcInventory(file.text, file.source) : [],
      memberRoleName: settings.memberRoleName,
      // RoleSessionName: 2 to 64 of [\w+=,.@-] (STS API Reference, AssumeRole); the run id says which run read.
      sessionName: `vpc-port-audit-${process.env.GITHUB_RUN_ID ?? 'local'}`.slice(0, 64),
      ec2For,
      log: core,
    });
    inventory = lookup.inventory;
    reached = lookup.reached;
  } else {
    if (!target.vpcId) return { rejectOnly: [], accounts: [] };
    const account = (await clients.sts.send(new GetCallerIdentityCommand({}))).Account!;
    reached = [{ account, region: settings.region, ec2: clients.ec2 }];
  }
  const audited = (place: ReachedRegion) => [
    ...(inventory ?? []).filter((vpc) => vpc.account === place.account && vpc.region === place.region).map((vpc) => vpc.vpcId),
    ...(place === reached[0] && target.vpcId ? [target.vpcId] : []),
  ];
  const rejectOnly = await lookUpRejectOnlyVpcs(reached, audited, core);
  const egressFacts = settings.egressRules.propose
    ? await timed('The egress-rules look-ups', () => describeEgressFacts({ reached, vpcIds: audited, memberRoleName: settings.memberRoleName, log: core }))
    : undefined;
  const accounts = [...new Set([...reached.map((place) => place.account), ...(inventory ?? []).map((vpc) => vpc.account)])];
  return { inventory, rejectOnly, accounts, ...(egressFacts ? { egressFacts } : {}) };
}

/**
 * The audit's parameters: the inside blocks (vpc-cidrs, else the target VPC's own, else every block of the
 * inventory), the table's shape, the NAT gateways' addresses and the window ending at the start of this hour.
 */
export async function auditParameters(run: ActionRun, clients: AwsClients, target: AuditTarget, scope: OrganisationScope): Promise<AuditParameters> {
  const { settings } = run;
  let vpcCidrs: readonly Cidr[] | undefined = settings.vpcCidrs;
  if (!vpcCidrs && target.vpcId) {
    vpcCidrs = await lookUpVpcCidrs(clients.ec2, target.vpcId, core);
    core.info(`VPC ${target.vpcId} has ${vpcCidrs.map((c) => c.text).join(', ')}.`);
  }
  if (!vpcCidrs && scope.inventory && scope.inventory.length > 0) vpcCidrs = scope.inventory.flatMap((vpc) => vpc.cidrs);
  if (!vpcCidrs) throw new InputError('vpc-cidrs: give the CIDR blocks of the VPC, or vpc-id to look them up, or vpcs-file with the VPCs of the organisation.');
  const table = { database: target.database, table: target.table };
  const source = target.existingTable ? await lookUpTableShape(clients.glue, table) : stackTable(target, table, settings.format);
  core.info(`Auditing ${table.database}.${table.table}: ${source.partitioning}.`);
  const natAddresses = target.vpcId ? await lookUpNatAddresses(clients.ec2, target.vpcId, core) : [];
  if (natAddresses.length > 0) core.info(`NAT gateways of ${target.vpcId}: ${natAddresses.join(', ')} (their records are translated copies, counted once).`);
  return {
    preset: settings.preset,
    vpcCidrs,
    window: windowEndingAt(floorToHour(run.now), settings.lookbackHours),
    maxPorts: settings.maxPorts,
    source,
    natAddresses,
    ...(scope.inventory ? { inventory: scope.inventory } : {}),
    ...(settings.accounts ? { accounts: settings.accounts } : {}),
  };
}

/**
 * The stack's own table, as its pipeline (the stack's Pipeline output) writes it, kept to the stack's VPC where the
 * format has vpc-id (onVpc): the stack's bucket admits every flow log of the account.
 */
function stackTable(target: AuditTarget, table: TableRef, format: Settings['format']): TableShape {
  const shape = stackPipeline(target.stackOutputs ?? {}) === 's3-parquet' ? parquetStackTableShape(table) : stackTableShape(table, format);
  return onVpc(shape, target.vpcId);
}
