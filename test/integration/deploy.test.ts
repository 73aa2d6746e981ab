// The deployer against a real moto_server, through clients made by createAwsClients with no explicit
// endpoint (AWS_ENDPOINT_URL points the SDK at moto). moto 5.2 lacks three AWS behaviours the recovery paths
// need; deploy-moto/sitecustomize.py adds exactly those (rollback of a failed create, UpdateTerminationProtection,
// DeleteStack refusing a protected stack) and says so. The templates are small ones moto can run.

import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import {
  CreateChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import { createAwsClients, type AwsClients } from '../../src/aws/clients.js';
import { deployStack, DeployError, REPOSITORY_TAG, type DeployRequest } from '../../src/deploy/deployer.js';
import { startMoto, TEST_AWS_ENV, type MotoServer } from '../support/moto.js';
import { recordingLogger } from '../support/fake-aws.js';

/** Proves create/update/outputs: a queue named by a parameter; its URL (Ref) and ARN (GetAtt) as outputs. */
const QUEUE_TEMPLATE = JSON.stringify({
  Parameters: { QueueName: { Type: 'String' } },
  Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { Ref: 'QueueName' } } } },
  Outputs: { QueueUrl: { Value: { Ref: 'Queue' } }, QueueArn: { Value: { 'Fn::GetAtt': ['Queue', 'Arn'] } } },
});

/** Proves an update that adds a resource: the queue template plus a topic (and its ARN as an output). */
const QUEUE_AND_TOPIC_TEMPLATE = JSON.stringify({
  ...JSON.parse(QUEUE_TEMPLATE),
  Resources: { ...JSON.parse(QUEUE_TEMPLATE).Resources, Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'port-alerts' } } },
  Outputs: { ...JSON.parse(QUEUE_TEMPLATE).Outputs, TopicArn: { Value: { Ref: 'Topic' } } },
});

/** Proves the failed-create path: moto itself rejects this queue name (SQS allows no '!' or spaces). */
const BROKEN_TEMPLATE = JSON.stringify({
  Resources: { BadQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'not a valid name!' } } },
});

const FAST = { pollMs: { firstMs: 50, maxMs: 200 }, timeoutMs: 30_000 };

let moto: MotoServer;
let clients: AwsClients;
const savedEnv = { ...process.env };

beforeAll(async () => {
  process.env.PYTHONPATH = fileURLToPath(new URL('./deploy-moto', import.meta.url));
  moto = await startMoto();
  Object.assign(process.env, TEST_AWS_ENV, { AWS_ENDPOINT_URL: moto.endpoint });
  clients = createAwsClients({ region: TEST_AWS_ENV.AWS_REGION });
});

afterAll(async () => {
  process.env = savedEnv;
  await moto.stop();
});

const request = (stackName: string, templateBody: string, queueName: string): DeployRequest => ({
  stackName,
  templateBody,
  parameters: { QueueName: queueName },
  tags: { purpose: 'integration-test' },
  repository: 'octo/infra',
});

async function describe1(stackName: string) {
  const { Stacks } = await clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
  return Stacks![0];
}

describe('create -> no-op -> update -> delete', () => {
  test('each step does what it says, against moto', async () => {
    const log = recordingLogger();
    const created = await deployStack(clients, request('lifecycle', QUEUE_TEMPLATE, 'flow-q'), log, FAST);
    expect(created).toMatchObject({ changed: true, action: 'create' });
    expect(created.outputs).toEqual({
      QueueUrl: expect.stringMatching(/\/123456789012\/flow-q$/),
      QueueArn: 'arn:aws:sqs:us-east-1:123456789012:flow-q',
    });
    const stack = await describe1('lifecycle');
    expect(stack.EnableTerminationProtection).toBe(true);
    expect(stack.Tags).toEqual(
      expect.arrayContaining([
        { Key: REPOSITORY_TAG, Value: 'octo/infra' },
        { Key: 'purpose', Value: 'integration-test' },
      ]),
    );
    // Events were streamed while waiting.
    expect(log.text()).toMatch(/lifecycle \(AWS::CloudFormation::Stack\) CREATE_COMPLETE/);

    const again = await deployStack(clients, request('lifecycle', QUEUE_TEMPLATE, 'flow-q'), recordingLogger(), FAST);
    expect(again).toEqual({ ...created, changed: false, action: 'none' });

    const updateLog = recordingLogger();
    const updated = await deployStack(clients, request('lifecycle', QUEUE_AND_TOPIC_TEMPLATE, 'flow-q'), updateLog, FAST);
    expect(updated).toMatchObject({ stackId: created.stackId, changed: true, action: 'update' });
    expect(updated.changes).toEqual([{ action: 'Add', resource: 'Topic', type: 'AWS::SNS::Topic', replacement: false }]);
    // moto does not refresh a stack's outputs after a change set (AWS does), so the new resource is
    // checked among the stack's resources; the outputs still come back.
    const { StackResourceSummaries } = await clients.cloudformation.send(new ListStackResourcesCommand({ StackName: 'lifecycle' }));
    expect(StackResourceSummaries?.map((r) => r.LogicalResourceId).sort()).toEqual(['Queue', 'Topic']);
    expect(updated.outputs.QueueArn).toBe(created.outputs.QueueArn);
    expect(updateLog.text()).toMatch(/lifecycle \(AWS::CloudFormation::Stack\) UPDATE_COMPLETE/);
    expect(updateLog.text()).not.toMatch(/\) CREATE_(IN_PROGRESS|COMPLETE)/); // the create's events are history, not streamed again
    expect((await describe1('lifecycle')).StackStatus).toBe('UPDATE_COMPLETE');

    // Termination protection holds until a person turns it off; then the stack can go, and come back.
    await expect(clients.cloudformation.send(new DeleteStackCommand({ StackName: 'lifecycle' }))).rejects.toThrow(/TerminationProtection/);
    await clients.cloudformation.send(new UpdateTerminationProtectionCommand({ StackName: 'lifecycle', EnableTerminationProtection: false }));
    await clients.cloudformation.send(new DeleteStackCommand({ StackName: 'lifecycle' }));
    const recreated = await deployStack(clients, request('lifecycle', QUEUE_TEMPLATE, 'flow-q'), recordingLogger(), FAST);
    expect(recreated.action).toBe('create');
    expect(recreated.stackId).not.toBe(created.stackId);
  });
});

describe('ROLLBACK_COMPLETE', () => {
  test('a failed first create names the failing resource; the next run deletes the stack and creates it again', async () => {
    const failing = deployStack(clients, { ...request('rollback', BROKEN_TEMPLATE, 'unused'), parameters: {} }, recordingLogger(), FAST);
    const error = await failing.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployError);
    expect((error as Error).message).toMatch(
      /^Stack rollback ended ROLLBACK_COMPLETE instead of CREATE_COMPLETE; first failure: BadQueue \(AWS::SQS::Queue\) CREATE_FAILED: Can only include alphanumeric characters/,
    );
    const broken = await describe1('rollback');
    expect(broken).toMatchObject({ StackStatus: 'ROLLBACK_COMPLETE', EnableTerminationProtection: true });

    const log = recordingLogger();
    const recovered = await deployStack(clients, request('rollback', QUEUE_TEMPLATE, 'recovered-q'), log, FAST);
    expect(recovered.action).toBe('create');
    expect(recovered.stackId).not.toBe(broken.StackId);
    expect(recovered.outputs.QueueArn).toBe('arn:aws:sqs:us-east-1:123456789012:recovered-q');
    expect(log.lines.filter((l) => l.level === 'warning').map((l) => l.message)).toEqual([
      'Stack rollback is ROLLBACK_COMPLETE (its first creation failed and it holds no resources); deleting it to create it again.',
    ]);
    expect((await describe1('rollback')).StackStatus).toBe('CREATE_COMPLETE');
  });
});

describe('unhealthy stacks are refused and left alone', () => {
  test('REVIEW_IN_PROGRESS: another tool created a change set nobody executed (moto produces this state itself)', async () => {
    const { Id } = await clients.cloudformation.send(
      new CreateChangeSetCommand({ StackName: 'pending', ChangeSetName: 'someone-else', ChangeSetType: 'CREATE', TemplateBody: QUEUE_TEMPLATE, Parameters: [{ ParameterKey: 'QueueName', ParameterValue: 'x' }] }),
    );
    const attempt = deployStack(clients, request('pending', QUEUE_TEMPLATE, 'mine'), recordingLogger(), FAST);
    await expect(attempt).rejects.toThrow(/^Stack pending is REVIEW_IN_PROGRESS: another deployment or change set is under way; .*nothing was changed\.$/);
    expect((await describe1('pending')).StackStatus).toBe('REVIEW_IN_PROGRESS');
    const changeSet = await clients.cloudformation.send(new DescribeChangeSetCommand({ StackName: 'pending', ChangeSetName: Id }));
    expect(changeSet.ExecutionStatus).toBe('AVAILABLE');
  });
});
