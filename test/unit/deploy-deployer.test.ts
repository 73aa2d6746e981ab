// The deployer's paths against a hand-written fake CloudFormation: create with termination protection,
// the two wordings of "nothing to change", update, failures named by their first failing resource,
// ROLLBACK_COMPLETE delete-and-recreate (with protection turned off first), refusals that touch nothing,
// event streaming without repeats, and waits of seconds on a fake clock.

import { describe, expect, test } from '@jest/globals';
import type { ResourceStatus, StackEvent } from '@aws-sdk/client-cloudformation';
import { CHANGE_SET_PREFIX, deployStack, DeployError, REPOSITORY_TAG, type DeployRequest } from '../../src/deploy/deployer.js';
import { AwsAccessError } from '../../src/aws/errors.js';
import { awsError, fakeClient, fakeClock, recordingLogger } from '../support/fake-aws.js';

type CloudFormation = Parameters<typeof deployStack>[0]['cloudformation'];

const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/audit/1111';
const NEW_STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/audit/2222';
const T0 = Date.UTC(2026, 10, 2);

const REQUEST: DeployRequest = {
  stackName: 'audit',
  templateBody: '{"Resources":{}}',
  parameters: { VpcId: 'vpc-0a1b2c3d', RetentionDays: '30' },
  tags: { team: 'network' },
  repository: 'octo/infra',
};

const stack = (StackStatus: string, extra: Record<string, unknown> = {}) => ({
  Stacks: [{ StackName: 'audit', StackId: STACK_ID, StackStatus, CreationTime: new Date(T0), ...extra }],
});
const notFound = () => {
  throw awsError('ValidationError', 'Stack with id audit does not exist');
};
/** Answers DescribeStacks with each item of `sequence` in turn, repeating the last. */
const sequence =
  (...answers: (() => unknown)[]) =>
  (_input: unknown, call: number) =>
    answers[Math.min(call, answers.length - 1)]();

let eventNumber = 0;
const event = (seconds: number, resource: string, status: string, reason?: string, type = 'AWS::S3::Bucket'): StackEvent => ({
  EventId: `e${++eventNumber}`,
  StackId: STACK_ID,
  StackName: 'audit',
  LogicalResourceId: resource,
  PhysicalResourceId: resource === 'audit' ? STACK_ID : `phys-${resource}`,
  ResourceType: resource === 'audit' ? 'AWS::CloudFormation::Stack' : type,
  ResourceStatus: status as ResourceStatus,
  ResourceStatusReason: reason,
  Timestamp: new Date(T0 + seconds * 1000),
});
/** DescribeStackEvents answers that reveal `batches` one more per call, newest first, as AWS does. */
const eventsRevealed =
  (...batches: StackEvent[][]) =>
  (_input: unknown, call: number) => ({ StackEvents: batches.slice(0, call + 1).flat().reverse() });

function run(handlers: Parameters<typeof fakeClient>[0], request: DeployRequest = REQUEST) {
  const { client, calls } = fakeClient<CloudFormation>({ DescribeStackEventsCommand: () => ({ StackEvents: [] }), ...handlers });
  const clock = fakeClock(T0);
  const log = recordingLogger();
  const result = deployStack({ cloudformation: client }, request, log, { clock });
  return { result, calls, clock, log, names: () => calls.map((c) => c.name) };
}

describe('create', () => {
  test('creates a missing stack with termination protection, parameters, tags, capability; streams events; returns outputs', async () => {
    const outputs = { Outputs: [{ OutputKey: 'Workgroup', OutputValue: 'vpc-port-audit' }, { OutputKey: 'Database', OutputValue: 'flowlogs' }] };
    const { result, calls, clock, log } = run({
      DescribeStacksCommand: sequence(notFound, () => stack('CREATE_IN_PROGRESS'), () => stack('CREATE_IN_PROGRESS'), () => stack('CREATE_COMPLETE', outputs)),
      CreateStackCommand: () => ({ StackId: STACK_ID }),
      DescribeStackEventsCommand: eventsRevealed(
        [event(1, 'audit', 'CREATE_IN_PROGRESS', 'User Initiated'), event(2, 'Bucket', 'CREATE_IN_PROGRESS')],
        [event(5, 'Bucket', 'CREATE_COMPLETE')],
        [event(6, 'audit', 'CREATE_COMPLETE')],
      ),
    });
    await expect(result).resolves.toEqual({
      stackId: STACK_ID,
      outputs: { Workgroup: 'vpc-port-audit', Database: 'flowlogs' },
      changed: true,
      action: 'create',
      changes: [],
      createdAt: new Date(T0),
    });
    const create = calls.find((c) => c.name === 'CreateStackCommand')!.input;
    expect(create).toMatchObject({
      StackName: 'audit',
      TemplateBody: REQUEST.templateBody,
      EnableTerminationProtection: true,
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      Parameters: [
        { ParameterKey: 'VpcId', ParameterValue: 'vpc-0a1b2c3d' },
        { ParameterKey: 'RetentionDays', ParameterValue: '30' },
      ],
      Tags: [
        { Key: 'team', Value: 'network' },
        { Key: REPOSITORY_TAG, Value: 'octo/infra' },
      ],
    });
    expect(clock.sleeps).toEqual([2000, 3000]);
    const streamed = log.lines.filter((l) => / \(AWS::/.test(l.message)).map((l) => l.message);
    expect(streamed).toEqual([
      '00:00:01 audit (AWS::CloudFormation::Stack) CREATE_IN_PROGRESS: User Initiated',
      '00:00:02 Bucket (AWS::S3::Bucket) CREATE_IN_PROGRESS',
      '00:00:05 Bucket (AWS::S3::Bucket) CREATE_COMPLETE',
      '00:00:06 audit (AWS::CloudFormation::Stack) CREATE_COMPLETE',
    ]);
  });

  test('a failed create names the first failing resource, not the ones cancelled after it', async () => {
    const { result } = run({
      DescribeStacksCommand: sequence(notFound, () => stack('ROLLBACK_IN_PROGRESS'), () => stack('ROLLBACK_COMPLETE')),
      CreateStackCommand: () => ({ StackId: STACK_ID }),
      DescribeStackEventsCommand: eventsRevealed(
        [event(1, 'Role', 'CREATE_IN_PROGRESS', undefined, 'AWS::IAM::Role')],
        [
          event(3, 'Role', 'CREATE_FAILED', 'Resource creation cancelled', 'AWS::IAM::Role'),
          event(3, 'Stream', 'CREATE_FAILED', 'Firehose is not available in this Region', 'AWS::KinesisFirehose::DeliveryStream'),
          event(4, 'audit', 'ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to create: [Stream, Role].'),
        ],
        [event(9, 'audit', 'ROLLBACK_COMPLETE')],
      ),
    });
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployError);
    expect((error as DeployError).message).toBe(
      'Stack audit ended ROLLBACK_COMPLETE instead of CREATE_COMPLETE; first failure: Stream (AWS::KinesisFirehose::DeliveryStream) CREATE_FAILED: Firehose is not available in this Region',
    );
    expect((error as DeployError).stackStatus).toBe('ROLLBACK_COMPLETE');
  });

  test('refuses a bad stack name before any call', async () => {
    const { result, calls } = run({}, { ...REQUEST, stackName: 'my_stack' });
    await expect(result).rejects.toThrow(/^stack-name: 'my_stack' is not a CloudFormation stack name/);
    expect(calls).toHaveLength(0);
  });

  test('refuses a template over 51,200 bytes before any call', async () => {
    const { result, calls } = run({}, { ...REQUEST, templateBody: 'x'.repeat(51_201) });
    await expect(result).rejects.toThrow('The template for audit is 51201 bytes; CloudFormation takes at most 51200 inline.');
    expect(calls).toHaveLength(0);
  });
});

describe('update', () => {
  test.each([
    "The submitted information didn't contain changes. Submit different information to create a change set.",
    'No updates are to be performed.',
  ])('"%s" is success: the change set is deleted and nothing executed', async (wording) => {
    const outputs = { Outputs: [{ OutputKey: 'Workgroup', OutputValue: 'wg' }] };
    const { result, names, log } = run({
      DescribeStacksCommand: () => stack('UPDATE_COMPLETE', outputs),
      CreateChangeSetCommand: () => ({ Id: 'cs-1' }),
      DescribeChangeSetCommand: sequence(() => ({ Status: 'CREATE_PENDING' }), () => ({ Status: 'FAILED', StatusReason: wording })),
      DeleteChangeSetCommand: () => ({}),
    });
    await expect(result).resolves.toEqual({ stackId: STACK_ID, outputs: { Workgroup: 'wg' }, changed: false, action: 'none', changes: [], createdAt: new Date(T0) });
    expect(names()).not.toContain('ExecuteChangeSetCommand');
    expect(names()).toContain('DeleteChangeSetCommand');
    expect(log.text()).toContain('Stack audit is up to date; nothing to change.');
  });

  test('an empty change set refused outright by CreateChangeSet (as moto does) is success too', async () => {
    const { result, names } = run({
      DescribeStacksCommand: () => stack('CREATE_COMPLETE'),
      CreateChangeSetCommand: () => {
        throw awsError('ValidationError', 'No updates are to be performed.');
      },
    });
    await expect(result).resolves.toMatchObject({ changed: false, action: 'none' });
    expect(names()).toEqual(['DescribeStacksCommand', 'CreateChangeSetCommand']);
  });

  test('an update runs through a change set with the same parameters, tags and capability, and logs the changes', async () => {
    const { result, calls, log } = run({
      DescribeStacksCommand: sequence(() => stack('CREATE_COMPLETE'), () => stack('UPDATE_IN_PROGRESS'), () => stack('UPDATE_COMPLETE')),
      CreateChangeSetCommand: () => ({ Id: 'cs-1' }),
      DescribeChangeSetCommand: () => ({
        Status: 'CREATE_COMPLETE',
        Changes: [{ ResourceChange: { Action: 'Modify', LogicalResourceId: 'Table', ResourceType: 'AWS::Glue::Table', Replacement: 'True' } }],
      }),
      ExecuteChangeSetCommand: () => ({}),
    });
    await expect(result).resolves.toMatchObject({
      changed: true,
      action: 'update',
      changes: [{ action: 'Modify', resource: 'Table', type: 'AWS::Glue::Table', replacement: true }],
    });
    const changeSet = calls.find((c) => c.name === 'CreateChangeSetCommand')!.input;
    expect(changeSet).toMatchObject({ ChangeSetType: 'UPDATE', StackName: 'audit', Capabilities: ['CAPABILITY_NAMED_IAM'] });
    expect(changeSet.Tags).toContainEqual({ Key: REPOSITORY_TAG, Value: 'octo/infra' });
    // Every change-set call names it by the deployer's prefix (the OIDC role's condition), never by its ARN.
    const name = `${CHANGE_SET_PREFIX}${T0}`;
    expect(changeSet.ChangeSetName).toBe(name);
    expect(calls.find((c) => c.name === 'DescribeChangeSetCommand')!.input).toEqual({ StackName: STACK_ID, ChangeSetName: name });
    expect(calls.find((c) => c.name === 'ExecuteChangeSetCommand')!.input).toEqual({ StackName: STACK_ID, ChangeSetName: name });
    expect(log.text()).toContain('  Modify Table (AWS::Glue::Table) (replacement)');
  });

  test('a change set that fails for another reason is deleted and reported', async () => {
    const { result, names } = run({
      DescribeStacksCommand: () => stack('UPDATE_COMPLETE'),
      CreateChangeSetCommand: () => ({ Id: 'cs-1' }),
      DescribeChangeSetCommand: () => ({ Status: 'FAILED', StatusReason: 'Template format error: Unresolved resource dependencies [Nope]' }),
      DeleteChangeSetCommand: () => ({}),
    });
    await expect(result).rejects.toThrow('The change set for stack audit failed: Template format error: Unresolved resource dependencies [Nope]');
    expect(names()).toContain('DeleteChangeSetCommand');
    expect(names()).not.toContain('ExecuteChangeSetCommand');
  });

  test("a rolled-back update names this run's failing resource, not one from the stack's history", async () => {
    const { result, log } = run({
      DescribeStacksCommand: sequence(() => stack('UPDATE_COMPLETE'), () => stack('UPDATE_ROLLBACK_COMPLETE')),
      CreateChangeSetCommand: () => ({ Id: 'cs-1' }),
      DescribeChangeSetCommand: () => ({ Status: 'CREATE_COMPLETE', Changes: [] }),
      ExecuteChangeSetCommand: () => ({}),
      DescribeStackEventsCommand: eventsRevealed(
        [event(-900, 'Bucket', 'UPDATE_FAILED', 'an old failure, already rolled back')],
        [event(2, 'Function', 'UPDATE_FAILED', 'The runtime parameter of nodejs16.x is no longer supported', 'AWS::Lambda::Function')],
      ),
    });
    await expect(result).rejects.toThrow(
      'Stack audit ended UPDATE_ROLLBACK_COMPLETE instead of UPDATE_COMPLETE; first failure: Function (AWS::Lambda::Function) UPDATE_FAILED: The runtime parameter of nodejs16.x is no longer supported',
    );
    expect(log.text()).not.toContain('an old failure');
  });
});

describe('ROLLBACK_COMPLETE', () => {
  test('is deleted (protection turned off first) and created again, and the log says so', async () => {
    const { result, names, log } = run({
      DescribeStacksCommand: sequence(
        () => stack('ROLLBACK_COMPLETE', { EnableTerminationProtection: true }),
        () => stack('DELETE_IN_PROGRESS'),
        () => stack('DELETE_COMPLETE'),
        () => ({ Stacks: [{ StackName: 'audit', StackId: NEW_STACK_ID, StackStatus: 'CREATE_COMPLETE' }] }),
      ),
      UpdateTerminationProtectionCommand: () => ({ StackId: STACK_ID }),
      DeleteStackCommand: () => ({}),
      CreateStackCommand: () => ({ StackId: NEW_STACK_ID }),
    });
    await expect(result).resolves.toMatchObject({ stackId: NEW_STACK_ID, action: 'create' });
    expect(names().filter((n) => n !== 'DescribeStackEventsCommand' && n !== 'DescribeStacksCommand')).toEqual([
      'UpdateTerminationProtectionCommand',
      'DeleteStackCommand',
      'CreateStackCommand',
    ]);
    expect(log.lines.find((l) => l.level === 'warning')?.message).toBe(
      'Stack audit is ROLLBACK_COMPLETE (its first creation failed and it holds no resources); deleting it to create it again.',
    );
  });
});

describe('refusals touch nothing', () => {
  test.each(['UPDATE_ROLLBACK_FAILED', 'UPDATE_IN_PROGRESS', 'REVIEW_IN_PROGRESS', 'DELETE_FAILED'])('%s', async (status) => {
    const { result, names } = run({ DescribeStacksCommand: () => stack(status) });
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployError);
    expect((error as Error).message).toMatch(new RegExp(`^Stack audit is ${status}.*nothing was changed\\.$`));
    expect(names()).toEqual(['DescribeStacksCommand']);
  });
});

test('access denied becomes one sentence naming the stack', async () => {
  const { result } = run({
    DescribeStacksCommand: () => {
      throw awsError('AccessDenied', 'User: arn:aws:sts::123456789012:assumed-role/ci is not authorized to perform: cloudformation:DescribeStacks');
    },
  });
  const error = await result.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AwsAccessError);
  expect((error as Error).message).toMatch(/^AWS denied deploying CloudFormation stack audit to the role in use \(.*\); grant that permission/);
});

describe('an import of a missing bootstrap export becomes one sentence saying which bootstrap to deploy', () => {
  // CloudFormation refuses a template whose Fn::ImportValue names no export ("No export named X found"); moto
  // answers it with an HTML error page, so the refusal is written here.
  test.each([
    ['audit-ParquetFlowLogId', /^Stack audit imports audit-ParquetFlowLogId, which no stack of this account and region exports: update the bootstrap stack with Pipeline=s3-parquet first/],
    ['audit-BucketName', /^Stack audit imports audit-BucketName, .*: deploy the bootstrap stack, or update it, with this release's dist\/github-oidc-role.yaml and PipelineStackName=audit first/],
    ['audit-ForwarderArn', /^Stack audit imports audit-ForwarderArn, .*: deploy the bootstrap stack, or update it, with this release's dist\/github-oidc-role.yaml .*exports no -ForwarderArn or -DeliveryStreamName\)/],
    ['audit-DeliveryStreamName', /^Stack audit imports audit-DeliveryStreamName, .*: deploy the bootstrap stack, or update it, with this release's dist\/github-oidc-role.yaml .*exports no -ForwarderArn or -DeliveryStreamName\)/],
  ])('on create: %s', async (exportName, message) => {
    const { result, names } = run({
      DescribeStacksCommand: notFound,
      CreateStackCommand: () => {
        throw awsError('ValidationError', `No export named ${exportName} found`);
      },
    });
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployError);
    expect((error as Error).message).toMatch(message);
    expect(names()).toEqual(['DescribeStacksCommand', 'CreateStackCommand']);
  });

  test("on update: a change set FAILED for it is deleted, and the same sentence names the stack's status", async () => {
    const { result, names } = run({
      DescribeStacksCommand: () => stack('UPDATE_COMPLETE'),
      CreateChangeSetCommand: () => ({}),
      DescribeChangeSetCommand: () => ({ Status: 'FAILED', StatusReason: 'No export named audit-ParquetFlowLogId found', Changes: [] }),
      DeleteChangeSetCommand: () => ({}),
    });
    const error = await result.catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^Stack audit imports audit-ParquetFlowLogId, .*update the bootstrap stack with Pipeline=s3-parquet first/);
    expect((error as DeployError).stackStatus).toBe('UPDATE_COMPLETE');
    expect(names()).toContain('DeleteChangeSetCommand');
    expect(names()).not.toContain('ExecuteChangeSetCommand');
  });
});

test('a stack that never settles is given up on after the timeout, on the fake clock', async () => {
  const { client } = fakeClient<CloudFormation>({
    DescribeStacksCommand: sequence(notFound, () => stack('CREATE_IN_PROGRESS')),
    CreateStackCommand: () => ({ StackId: STACK_ID }),
    DescribeStackEventsCommand: () => ({ StackEvents: [] }),
  });
  const clock = fakeClock(T0);
  const deploying = deployStack({ cloudformation: client }, REQUEST, recordingLogger(), { clock, timeoutMs: 120_000 });
  await expect(deploying).rejects.toThrow('Gave up waiting for the stack audit to reach CREATE_COMPLETE after 120 s; it is still running in AWS.');
  expect(Math.max(...clock.sleeps)).toBe(10_000);
});
