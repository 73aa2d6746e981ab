// Deploys one CloudFormation stack from a template body: creates it (with termination protection) when
// missing, deletes and creates it again after a failed first create (ROLLBACK_COMPLETE), updates it through
// a change set otherwise (an empty change set is success), refuses stacks a person must look at, streams
// events while it waits, and returns the stack's outputs.

import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  ExecuteChangeSetCommand,
  UpdateTerminationProtectionCommand,
  type CloudFormationClient,
  type DescribeChangeSetCommandOutput,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { nextDelay, realClock, type Clock } from '../aws/clock.js';
import { explainAwsError } from '../aws/errors.js';
import { findStack, outputsOf } from '../aws/lookups.js';
import { parseStackName } from '../aws/names.js';
import type { Logger } from '../log.js';
import { StackEventStream } from './stack-events.js';
import { isSettled, planFor } from './stack-status.js';

export interface DeployRequest {
  /** A validated stack name (parseStackName). */
  readonly stackName: string;
  /** The template text (YAML or JSON), at most 51,200 bytes when sent inline. */
  readonly templateBody: string;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly tags?: Readonly<Record<string, string>>;
  /** `owner/name` of the repository that deploys the stack; tagged on the stack. */
  readonly repository: string;
}

interface DeployOptions {
  readonly clock?: Clock;
  /** First and longest delay between status checks while waiting (default 2 s, 10 s). */
  readonly pollMs?: { readonly firstMs: number; readonly maxMs: number };
  /** Give up waiting for a stack operation after this long (default 60 minutes). */
  readonly timeoutMs?: number;
}

interface DeployResult {
  readonly stackId: string;
  readonly outputs: Record<string, string>;
  /** False when the template and parameters were already deployed. */
  readonly changed: boolean;
  readonly action: 'create' | 'update' | 'none';
  /** What an update's change set did, for a summary (empty for a create or no change). */
  readonly changes: readonly ResourceChangeSummary[];
  /** When the stack was first created: flow logs exist only from (about an hour after) then. */
  readonly createdAt?: Date;
}

interface ResourceChangeSummary {
  /** Add, Modify, Remove, Import, Dynamic. */
  readonly action: string;
  readonly resource: string;
  readonly type: string;
  /** True when CloudFormation replaces the resource (a new physical resource; data in it may be lost). */
  readonly replacement: boolean;
}

/** A deployment that failed or was refused; the message names the stack, its status and the cause. */
export class DeployError extends Error {
  override readonly name = 'DeployError';
  constructor(
    message: string,
    readonly stackStatus?: string,
  ) {
    super(message);
  }
}

export const REPOSITORY_TAG = 'vpc-port-audit:repository';
/** Change sets are named `<prefix><epoch ms>`; the OIDC deploy role may touch only change sets with this prefix. */
export const CHANGE_SET_PREFIX = 'vpc-port-audit-';
const CAPABILITIES = ['CAPABILITY_NAMED_IAM'] as const;
/** CloudFormation's limit for a template sent inline (TemplateBody). */
export const MAX_INLINE_TEMPLATE_BYTES = 51_200;
const NO_CHANGES = [/didn't contain changes/i, /No updates are to be performed/i];
const isNoChange = (message: string) => NO_CHANGES.some((pattern) => pattern.test(message));

type CloudFormation = Pick<CloudFormationClient, 'send'>;

export async function deployStack(
  clients: { readonly cloudformation: CloudFormation },
  request: DeployRequest,
  log: Logger,
  options: DeployOptions = {},
): Promise<DeployResult> {
  parseStackName(request.stackName);
  const bytes = Buffer.byteLength(request.templateBody);
  if (bytes > MAX_INLINE_TEMPLATE_BYTES) {
    throw new DeployError(`The template for ${request.stackName} is ${bytes} bytes; CloudFormation takes at most ${MAX_INLINE_TEMPLATE_BYTES} inline.`);
  }
  const deployer = new Deployer(clients.cloudformation, request, log, options);
  try {
    return await deployer.run();
  } catch (error) {
    throw missingBootstrapExport(error, request.stackName) ?? explainAwsError(error, `deploying CloudFormation stack ${request.stackName}`);
  }
}

/**
 * The one sentence for a stack whose Fn::ImportValue names an export no stack has (CloudFormation's "No export
 * named X found", from CreateStack, a change set's StatusReason or a failed resource): the OIDC bootstrap
 * (dist/github-oidc-role.yaml) is missing or older than the stack (the forwarder's and the delivery stream's exports), or, for `<stack>-ParquetFlowLogId`, was deployed without
 * Pipeline=s3-parquet (that flow log is the bootstrap's). Undefined for any other error.
 */
function missingBootstrapExport(error: unknown, stackName: string): DeployError | undefined {
  const name = error instanceof Error ? /No export named (\S+?) found/.exec(error.message)?.[1] : undefined;
  if (name === undefined) return undefined;
  const fix = name === `${stackName}-ParquetFlowLogId`
    ? 'update the bootstrap stack with Pipeline=s3-parquet first (the s3-parquet flow log is the bootstrap\'s)'
    : `deploy the bootstrap stack, or update it, with this release's dist/github-oidc-role.yaml and PipelineStackName=${stackName} first (a bootstrap from before the forwarder and the delivery stream moved into it exports no -ForwarderArn or -DeliveryStreamName)`;
  const stackStatus = error instanceof DeployError ? error.stackStatus : undefined;
  return new DeployError(`Stack ${stackName} imports ${name}, which no stack of this account and region exports: ${fix}; README, "One-time AWS setup".`, stackStatus);
}

class Deployer {
  private readonly clock: Clock;
  private readonly poll: { firstMs: number; maxMs: number };
  private readonly timeoutMs: number;

  constructor(
    private readonly cfn: CloudFormation,
    private readonly request: DeployRequest,
    private readonly log: Logger,
    options: DeployOptions,
  ) {
    this.clock = options.clock ?? realClock;
    this.poll = options.pollMs ?? { firstMs: 2_000, maxMs: 10_000 };
    this.timeoutMs = options.timeoutMs ?? 60 * 60_000;
  }

  async run(): Promise<DeployResult> {
    const name = this.request.stackName;
    const existing = await findStack(this.cfn, name);
    const plan = planFor(name, existing?.StackStatus);
    switch (plan.kind) {
      case 'refuse':
        throw new DeployError(plan.reason, existing?.StackStatus);
      case 'recreate':
        await this.deleteFailedCreate(existing as Stack);
        return this.create();
      case 'create':
        return this.create();
      case 'update':
        return this.update(existing as Stack);
    }
  }

  private get parameters() {
    return Object.entries(this.request.parameters ?? {}).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
  }

  private get tags() {
    const all = { ...this.request.tags, [REPOSITORY_TAG]: this.request.repository };
    return Object.entries(all).map(([Key, Value]) => ({ Key, Value }));
  }

  private async create(): Promise<DeployResult> {
    const name = this.request.stackName;
    this.log.info(`Creating stack ${name} (termination protection on).`);
    // CreateStack, not a CREATE change set: it sets termination protection in the same call, so no
    // stack of ours ever exists without it.
    const { StackId } = await this.cfn.send(
      new CreateStackCommand({
        StackName: name,
        TemplateBody: this.request.templateBody,
        Parameters: this.parameters,
        Tags: this.tags,
        Capabilities: [...CAPABILITIES],
        EnableTerminationProtection: true,
        OnFailure: 'ROLLBACK',
      }),
    );
    const stackId = StackId ?? name;
    const stack = await this.waitForStack(new StackEventStream(this.cfn, stackId, this.log), stackId, 'CREATE_COMPLETE');
    return this.result(stack, true, 'create');
  }

  private async update(stack: Stack): Promise<DeployResult> {
    const name = this.request.stackName;
    const stackId = stack.StackId ?? name;
    const changeSetName = `${CHANGE_SET_PREFIX}${this.clock.now()}`;
    this.log.info(`Stack ${name} is ${stack.StackStatus}; creating change set ${changeSetName}.`);
    if (!(await this.createChangeSet(changeSetName))) return this.unchanged(stack);
    // Every call names the change set (not its ARN): the OIDC role allows change sets by name prefix only.
    const changeSet = await this.waitForChangeSet(stackId, changeSetName);
    if (changeSet.Status === 'FAILED') {
      await this.cfn.send(new DeleteChangeSetCommand({ StackName: stackId, ChangeSetName: changeSetName }));
      const reason = changeSet.StatusReason ?? 'no reason given';
      if (isNoChange(reason)) return this.unchanged(stack);
      throw new DeployError(`The change set for stack ${name} failed: ${reason}`, stack.StackStatus);
    }
    const changes = summarize(changeSet);
    for (const c of changes) this.log.info(`  ${c.action} ${c.resource} (${c.type})${c.replacement ? ' (replacement)' : ''}`);
    const events = await StackEventStream.fromNow(this.cfn, stackId, this.log);
    await this.cfn.send(new ExecuteChangeSetCommand({ StackName: stackId, ChangeSetName: changeSetName }));
    const updated = await this.waitForStack(events, stackId, 'UPDATE_COMPLETE');
    return { ...this.result(updated, true, 'update'), changes };
  }

  /** False when the endpoint refused the change set at once for having no changes. */
  private async createChangeSet(changeSetName: string): Promise<boolean> {
    try {
      await this.cfn.send(
        new CreateChangeSetCommand({
          StackName: this.request.stackName,
          ChangeSetName: changeSetName,
          ChangeSetType: 'UPDATE',
          TemplateBody: this.request.templateBody,
          Parameters: this.parameters,
          Tags: this.tags,
          Capabilities: [...CAPABILITIES],
        }),
      );
      return true;
    } catch (error) {
      // Some endpoints (moto, and CloudFormation for some requests) reject an empty change set outright.
      if (error instanceof Error && error.name === 'ValidationError' && isNoChange(error.message)) return false;
      throw error;
    }
  }

  private unchanged(stack: Stack): DeployResult {
    this.log.info(`Stack ${this.request.stackName} is up to date; nothing to change.`);
    return this.result(stack, false, 'none');
  }

  /** A failed first create leaves an empty stack that CloudFormation will not update: delete it. */
  private async deleteFailedCreate(stack: Stack): Promise<void> {
    const name = this.request.stackName;
    const stackId = stack.StackId ?? name;
    this.log.warning(`Stack ${name} is ROLLBACK_COMPLETE (its first creation failed and it holds no resources); deleting it to create it again.`);
    if (stack.EnableTerminationProtection) {
      await this.cfn.send(new UpdateTerminationProtectionCommand({ StackName: stackId, EnableTerminationProtection: false }));
    }
    const events = await StackEventStream.fromNow(this.cfn, stackId, this.log);
    await this.cfn.send(new DeleteStackCommand({ StackName: stackId }));
    await this.waitForStack(events, stackId, 'DELETE_COMPLETE');
  }

  private async waitForChangeSet(stackId: string, changeSetName: string): Promise<DescribeChangeSetCommandOutput> {
    return this.waitUntil(`change set for ${this.request.stackName}`, async () => {
      const changeSet = await this.cfn.send(new DescribeChangeSetCommand({ StackName: stackId, ChangeSetName: changeSetName }));
      const pending = changeSet.Status === 'CREATE_PENDING' || changeSet.Status === 'CREATE_IN_PROGRESS';
      return pending ? undefined : changeSet;
    });
  }

  /** Waits for the operation to settle, streaming events; throws with the first failure unless `goal`. */
  private async waitForStack(events: StackEventStream, stackId: string, goal: string): Promise<Stack> {
    const stack = await this.waitUntil(`stack ${this.request.stackName} to reach ${goal}`, async () => {
      await events.poll();
      const current = await findStack(this.cfn, stackId);
      if (!current?.StackStatus) {
        const gone: Stack = { StackId: stackId, StackName: this.request.stackName, StackStatus: 'DELETE_COMPLETE', CreationTime: undefined };
        if (goal === gone.StackStatus) return gone;
        throw new DeployError(`Stack ${this.request.stackName} disappeared while waiting for ${goal}.`);
      }
      return isSettled(current.StackStatus) ? current : undefined;
    });
    if (stack.StackStatus === goal) return stack;
    await events.poll();
    const failure = events.firstFailure();
    const cause = failure
      ? `${failure.resource} (${failure.type}) ${failure.status}: ${failure.reason}`
      : (stack.StackStatusReason ?? 'no resource reported a reason');
    throw new DeployError(`Stack ${this.request.stackName} ended ${stack.StackStatus} instead of ${goal}; first failure: ${cause}`, stack.StackStatus);
  }

  private async waitUntil<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
    const deadline = this.clock.now() + this.timeoutMs;
    let delay = this.poll.firstMs;
    for (;;) {
      const done = await check();
      if (done !== undefined) return done;
      if (this.clock.now() >= deadline) {
        throw new DeployError(`Gave up waiting for the ${what} after ${Math.round(this.timeoutMs / 1000)} s; it is still running in AWS.`);
      }
      await this.clock.sleep(delay);
      delay = nextDelay(delay, this.poll.maxMs);
    }
  }

  private result(stack: Stack, changed: boolean, action: DeployResult['action']): DeployResult {
    const outputs = outputsOf(stack);
    this.log.info(`Stack ${this.request.stackName}: ${action === 'none' ? 'unchanged' : `${action}d`}, ${Object.keys(outputs).length} outputs.`);
    return { stackId: stack.StackId ?? this.request.stackName, outputs, changed, action, changes: [], createdAt: stack.CreationTime };
  }
}

function summarize(changeSet: DescribeChangeSetCommandOutput): ResourceChangeSummary[] {
  return (changeSet.Changes ?? []).flatMap(({ ResourceChange: r }) =>
    r ? [{ action: r.Action ?? '?', resource: r.LogicalResourceId ?? '?', type: r.ResourceType ?? '?', replacement: r.Replacement === 'True' }] : [],
  );
}
