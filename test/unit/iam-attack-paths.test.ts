// Issue 20's attack paths, each evaluated on the bootstrap's roles as written (test/support/iam-policy.ts), under
// both revisions of the Service Authorization Reference's condition keys: what a holder of the deploy role
// (a job of the deploy environment with a script-injection bug or a compromised dependency) could build to
// outlast its one-hour session, and what a pull-request run could do to the trusted run's results. Requests
// sent through CloudFormation carry aws:CalledViaFirst = cloudformation.amazonaws.com (a change set of the
// stack: the role may send any template), direct ones do not.

import { describe, expect, test } from '@jest/globals';
import {
  ACCOUNT,
  bootstrapTemplate,
  boundaryArn,
  bucketName,
  bootstrapRoleName,
  failureQueueArn,
  pipelineTemplate,
  REGION,
  resolveBootstrap,
  resolvePipeline,
  rolePolicies,
  STACK,
  VIA_CLOUDFORMATION,
  VPC_ID,
} from '../support/iam-needs.js';
import { CONDITION_KEYS, REVISIONS } from '../support/iam-condition-keys.js';
import { evaluate, type Decision, type Policy } from '../support/iam-policy.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const bootstrap = resolveBootstrap(bootstrapTemplate());
const deployRole = rolePolicies(bootstrap, 'DeployRole');
const auditRole = rolePolicies(bootstrap, 'AuditRole');
const boundary = bootstrap.PipelineRoleBoundary.Properties.PolicyDocument as Policy;
const pipeline = resolvePipeline(pipelineTemplate());
const OTHER_ACCOUNT = '999999999999';
const bucket = `arn:aws:s3:::${bucketName()}`;
const role = (id: string) => `arn:aws:iam::${ACCOUNT}:role/${bootstrapRoleName(id)}`;
const forwarder = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${bootstrap.Forwarder.Properties.FunctionName}`;
const stream = `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/${bootstrap.DeliveryStream.Properties.DeliveryStreamName}`;
const inAccount = { 'aws:ResourceAccount': ACCOUNT };
const viaStack = { ...inAccount, ...VIA_CLOUDFORMATION };

describe.each(REVISIONS)('under the %s Service Authorization Reference', (revision) => {
  const decide = (policies: Policy[], action: string, resource: string, context: Record<string, string> = inAccount, bound?: Policy): Decision =>
    evaluate(policies, { action, resource, context }, bound, CONDITION_KEYS[revision]);
  const denied = (decision: Decision) => expect(decision).not.toBe('allow');

  describe('the deploy role builds nothing that outlasts its session', () => {
    test('1. no role of its own making, no trust edit: CreateRole (boundary and all) and UpdateAssumeRolePolicy are refused, directly or through the stack', () => {
      const boundaryContext = { 'iam:PermissionsBoundary': boundaryArn() };
      for (const context of [inAccount, viaStack]) {
        for (const name of [`${STACK}-ForwarderRole-EVIL`, bootstrapRoleName('ForwarderRole'), 'anything']) {
          const target = `arn:aws:iam::${ACCOUNT}:role/${name}`;
          expect(decide(deployRole, 'iam:CreateRole', target, { ...context, ...boundaryContext })).toBe('explicit-deny');
          expect(decide(deployRole, 'iam:UpdateAssumeRolePolicy', target, { ...context, ...boundaryContext })).toBe('explicit-deny');
          expect(decide(deployRole, 'iam:PutRolePolicy', target, { ...context, ...boundaryContext })).toBe('explicit-deny');
          expect(decide(deployRole, 'iam:AttachRolePolicy', target, { ...context, ...boundaryContext })).toBe('explicit-deny');
        }
      }
      // Nothing on IAM but passing the bootstrap's flow-log role to its service.
      const iamAllows = deployRole.flatMap((p) => p.Statement).filter((s) => s.Effect === 'Allow' && [s.Action].flat().some((a) => a.startsWith('iam:')));
      expect(iamAllows.flatMap((s) => [s.Action].flat()).sort()).toEqual(['iam:PassRole']);
    });

    test('2. no one but CloudWatch Logs may invoke the forwarder: AddPermission for any principal is refused, on any function', () => {
      for (const principal of ['logs.amazonaws.com', '*', OTHER_ACCOUNT, `arn:aws:iam::${OTHER_ACCOUNT}:root`, 's3.amazonaws.com']) {
        for (const context of [inAccount, viaStack]) {
          expect(decide(deployRole, 'lambda:AddPermission', forwarder, { ...context, 'lambda:Principal': principal })).toBe('explicit-deny');
          denied(decide(deployRole, 'lambda:AddPermission', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:other`, { ...context, 'lambda:Principal': principal }));
        }
      }
      // The one permission there is, the bootstrap's: CloudWatch Logs of this account, for the pipeline's flow-log group.
      const permission = bootstrap.LogsInvokePermission.Properties;
      expect(permission).toEqual({
        Action: 'lambda:InvokeFunction',
        FunctionName: forwarder,
        Principal: 'logs.amazonaws.com',
        SourceAccount: ACCOUNT,
        SourceArn: pipeline.resources.FlowLogGroup!.arn,
      });
    });

    test("3. what the forwarder runs is the administrator's: the deploy role cannot create, update, reconfigure, redirect or re-permission it, directly or through the stack", () => {
      expect(forwarder).toBe(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:${STACK}-Forwarder-bootstrap`);
      const writes = [
        'lambda:CreateFunction', 'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:PutFunctionEventInvokeConfig',
        'lambda:UpdateFunctionEventInvokeConfig', 'lambda:AddPermission', 'lambda:RemovePermission', 'lambda:DeleteFunction', 'lambda:PublishVersion',
        'lambda:CreateAlias', 'lambda:UpdateAlias', 'lambda:PutFunctionConcurrency',
      ];
      for (const action of writes) {
        for (const context of [inAccount, viaStack]) {
          for (const target of [forwarder, `${forwarder}:$LATEST`, `${forwarder}:1`]) expect({ action, target, decision: decide(deployRole, action, target, context) }).toEqual({ action, target, decision: 'explicit-deny' });
          // Nor a function of its own making, under any name: no Lambda write is allowed at all, and the forwarder
          // role may not be passed to Lambda.
          denied(decide(deployRole, action, `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${STACK}-Forwarder-EVIL`, context));
        }
      }
      expect(deployRole.flatMap((p) => p.Statement).filter((s) => s.Effect === 'Allow' && [s.Action].flat().some((a) => a.startsWith('lambda:')))).toEqual([]);
      denied(decide(deployRole, 'iam:PassRole', role('ForwarderRole'), { ...viaStack, 'iam:PassedToService': 'lambda.amazonaws.com' }));
      // The pipeline stack holds no Lambda resource (nor the failure queue); its subscription names the bootstrap's function.
      expect(Object.values(pipeline.resources).filter((r) => /^AWS::(Lambda|SQS)::/.test(r.type)).map((r) => r.logicalId)).toEqual([]);
      expect(pipeline.resources.FlowLogSubscription!.properties.DestinationArn).toBe(forwarder);
      // The function runs as the bootstrap's forwarder role, whatever its code: the boundary keeps it to the stream,
      // its log group and the failure queue.
      const wide: Policy = { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
      denied(decide([wide], 's3:GetObject', `${bucket}/vpc-port-audit/state/x`, inAccount, boundary));
      denied(decide([wide], 'sts:AssumeRole', `arn:aws:iam::${OTHER_ACCOUNT}:role/x`, inAccount, boundary));
    });

    test('4. flow logs only on the bootstrap\'s VPC, delivered with the bootstrap\'s role only, never to S3 or Firehose', () => {
      const vpc = (id: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc/${id}`;
      expect(decide(deployRole, 'ec2:CreateFlowLogs', vpc(VPC_ID), viaStack)).toBe('allow');
      denied(decide(deployRole, 'ec2:CreateFlowLogs', vpc('vpc-0fedcba9876543210'), viaStack));
      denied(decide(deployRole, 'ec2:CreateFlowLogs', `arn:aws:ec2:${REGION}:${ACCOUNT}:subnet/subnet-0123456789abcdef0`, viaStack));
      denied(decide(deployRole, 'ec2:CreateFlowLogs', vpc(VPC_ID)));
      // A cloud-watch-logs flow log delivers with the role it passes: only the bootstrap's, which writes only the stack's log groups.
      const pass = (target: string) => decide(deployRole, 'iam:PassRole', target, { ...viaStack, 'iam:PassedToService': 'vpc-flow-logs.amazonaws.com' });
      expect(pass(role('FlowLogDeliveryRole'))).toBe('allow');
      for (const other of [role('DeliveryRole'), role('DeployRole'), `arn:aws:iam::${ACCOUNT}:role/admin`, `arn:aws:iam::${OTHER_ACCOUNT}:role/x`]) denied(pass(other));
      const flowLogRole = rolePolicies(bootstrap, 'FlowLogDeliveryRole');
      denied(decide(flowLogRole, 'logs:PutLogEvents', `arn:aws:logs:${REGION}:${OTHER_ACCOUNT}:log-group:${STACK}-FlowLogGroup-x:log-stream:s`, inAccount, boundary));
      denied(decide(flowLogRole, 'logs:PutLogEvents', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:other:log-stream:s`, inAccount, boundary));
      // An S3 or Firehose destination (another account's bucket or stream included) is a log delivery: its creator
      // needs logs:CreateLogDelivery (CloudWatch Logs user guide, "Logs sent to Amazon S3" / "Logs sent to Firehose"),
      // which no role of the bootstrap has, directly or through the stack. The s3-parquet flow log is the bootstrap's.
      for (const id of ['DeployRole', 'AuditRole']) {
        for (const context of [inAccount, viaStack]) denied(decide(rolePolicies(bootstrap, id), 'logs:CreateLogDelivery', '*', context));
      }
      const bootstrapFlowLogs = Object.entries(bootstrapTemplate().Resources as Json).filter(([, r]) => r.Type === 'AWS::EC2::FlowLog');
      expect(bootstrapFlowLogs.map(([id, r]) => [id, r.Properties.LogDestinationType, r.Properties.LogDestination])).toEqual([
        ['ParquetFlowLog', 's3', { 'Fn::Sub': ['arn:${AWS::Partition}:s3:::${Bucket}/flow-logs/', { Bucket: { Ref: 'Bucket' } }] }],
      ]);
      // Nor can the deploy role stop the bootstrap's flow log: it deletes only flow logs tagged with the stack.
      const bootstrapFlowLog = `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc-flow-log/fl-0b00751fa9a1e2c3d`;
      denied(decide(deployRole, 'ec2:DeleteFlowLogs', bootstrapFlowLog, { ...inAccount, [`aws:ResourceTag/vpc-port-audit:bootstrap`]: `${STACK}-github` }));
      expect(decide(deployRole, 'ec2:DeleteFlowLogs', bootstrapFlowLog, { ...inAccount, [`aws:ResourceTag/vpc-port-audit:stack`]: STACK })).toBe('allow');
    });

    test('5. the bucket cannot be opened or locked: policy, ACL, public access block, ownership and object lock writes are refused', () => {
      for (const action of ['s3:PutBucketPolicy', 's3:DeleteBucketPolicy', 's3:PutBucketAcl', 's3:PutBucketPublicAccessBlock', 's3:PutBucketOwnershipControls', 's3:PutBucketObjectLockConfiguration']) {
        expect(decide(deployRole, action, bucket)).toBe('explicit-deny');
        expect(decide(deployRole, action, bucket, viaStack)).toBe('explicit-deny');
      }
      denied(decide(deployRole, 's3:PutObjectAcl', `${bucket}/flow-logs/x`));
    });

    test('6. the log group cannot be subscribed to another account\'s destination, nor to another function', () => {
      const logGroup = pipeline.resources.FlowLogGroup!.arn;
      expect(decide(deployRole, 'logs:PutSubscriptionFilter', logGroup, viaStack)).toBe('allow');
      denied(decide(deployRole, 'logs:PutSubscriptionFilter', `arn:aws:logs:${REGION}:${OTHER_ACCOUNT}:destination:exfiltrate`, viaStack));
      denied(decide(deployRole, 'logs:PutSubscriptionFilter', `arn:aws:logs:${REGION}:${ACCOUNT}:destination:any`, viaStack));
      // A Lambda destination must let logs.amazonaws.com invoke it: the role may grant that on no function (2).
      denied(decide(deployRole, 'lambda:AddPermission', `arn:aws:lambda:${REGION}:${OTHER_ACCOUNT}:function:exfiltrate`, { ...viaStack, 'lambda:Principal': 'logs.amazonaws.com' }));
    });

    test("7. no look-alike bucket: the delivery role's policy cannot be changed, and neither it nor its boundary reaches another account's bucket", () => {
      expect(decide(deployRole, 'iam:PutRolePolicy', role('DeliveryRole'), viaStack)).toBe('explicit-deny');
      const deliveryRole = rolePolicies(bootstrap, 'DeliveryRole');
      expect(decide(deliveryRole, 's3:PutObject', `${bucket}/flow-logs/2026/01/01/00/x.gz`, inAccount, boundary)).toBe('allow');
      for (const lookAlike of [`arn:aws:s3:::${bucketName()}-2`, `arn:aws:s3:::${STACK}-bucket-evil`, bucket]) {
        denied(decide(deliveryRole, 's3:PutObject', `${lookAlike}/flow-logs/x.gz`, { 'aws:ResourceAccount': OTHER_ACCOUNT }, boundary));
        // The boundary alone (say a policy were widened): every S3 statement needs the account too.
        const wide: Policy = { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
        denied(decide([wide], 's3:PutObject', `${lookAlike}/flow-logs/x.gz`, { 'aws:ResourceAccount': OTHER_ACCOUNT }, boundary));
      }
      // Nor can it give Firehose a role of its choosing: it may pass none to Firehose (the stream is the bootstrap's, 9).
      for (const id of ['DeliveryRole', 'ForwarderRole', 'FlowLogDeliveryRole']) denied(decide(deployRole, 'iam:PassRole', role(id), { ...viaStack, 'iam:PassedToService': 'firehose.amazonaws.com' }));
    });

    test("9. the flow logs go only where the administrator's delivery stream sends them: the deploy role cannot create, redirect, re-encrypt or delete it, directly or through the stack", () => {
      expect(stream).toBe(`arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/${STACK}-DeliveryStream-fixed`);
      // Each Firehose action but the record puts and the reads (Service Authorization Reference, Amazon Kinesis Firehose,
      // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonkinesisfirehose.html).
      const writes = [
        'firehose:CreateDeliveryStream', 'firehose:UpdateDestination', 'firehose:DeleteDeliveryStream', 'firehose:StartDeliveryStreamEncryption',
        'firehose:StopDeliveryStreamEncryption', 'firehose:TagDeliveryStream', 'firehose:UntagDeliveryStream',
      ];
      for (const action of writes) {
        for (const context of [inAccount, viaStack]) {
          expect({ action, decision: decide(deployRole, action, stream, context) }).toEqual({ action, decision: 'explicit-deny' });
          // Nor a stream of its own making, under any name (say one the forwarder's role could also reach): no Firehose write is allowed at all.
          for (const other of [`${STACK}-DeliveryStream-EVIL`, 'exfiltrate']) denied(decide(deployRole, action, `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/${other}`, context));
        }
      }
      // Redrive puts records into it, and that is all the deploy role does with Firehose.
      expect(decide(deployRole, 'firehose:PutRecordBatch', stream)).toBe('allow');
      const firehoseAllows = deployRole.flatMap((p) => p.Statement).filter((s) => s.Effect === 'Allow' && [s.Action].flat().some((a) => a.startsWith('firehose:')));
      expect(firehoseAllows.flatMap((s) => [s.Action].flat())).toEqual(['firehose:PutRecordBatch']);
      // Through the stack: the pipeline holds no delivery stream (a change set that adds or changes one is refused as
      // above); the bootstrap's stream writes only the bucket of this account, with the delivery role.
      expect(Object.values(pipeline.resources).filter((r) => r.type.startsWith('AWS::KinesisFirehose::'))).toEqual([]);
      expect(pipeline.template.Outputs.DeliveryStreamName.Value).toEqual({ 'Fn::ImportValue': { 'Fn::Sub': '${AWS::StackName}-DeliveryStreamName' } });
      const destination = bootstrap.DeliveryStream.Properties.ExtendedS3DestinationConfiguration;
      expect({ bucket: destination.BucketARN, role: destination.RoleARN }).toEqual({ bucket, role: role('DeliveryRole') });
      expect(Object.keys(bootstrap.DeliveryStream.Properties).filter((k) => k.endsWith('DestinationConfiguration'))).toEqual(['ExtendedS3DestinationConfiguration']);
      // Nor can it delete the stream's error log group, or anything of the bootstrap's log groups.
      for (const action of ['logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:PutSubscriptionFilter']) {
        denied(decide(deployRole, action, `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${bootstrap.DeliveryLogGroup.Properties.LogGroupName}:*`, viaStack));
      }
    });

    test('8. (beyond the issue) no other resource policy and no service role: the failure queue\'s policy and a role passed to CloudFormation are refused', () => {
      const queue = failureQueueArn();
      for (const context of [inAccount, viaStack]) {
        expect(decide(deployRole, 'sqs:SetQueueAttributes', queue, context)).toBe('explicit-deny');
        expect(decide(deployRole, 'sqs:AddPermission', queue, context)).toBe('explicit-deny');
        // The queue is the bootstrap's (issue 20): no queue of its own making (with a policy in CreateQueue's
        // attributes), and the bootstrap's cannot be deleted and made again.
        for (const action of ['sqs:CreateQueue', 'sqs:DeleteQueue']) {
          denied(decide(deployRole, action, `arn:aws:sqs:${REGION}:${ACCOUNT}:${STACK}-FailureQueue-EVIL`, context));
          denied(decide(deployRole, action, queue, context));
        }
      }
      // Redrive empties it: receiving and deleting messages are all the deploy role does there.
      expect(decide(deployRole, 'sqs:ReceiveMessage', queue)).toBe('allow');
      // A change set run by a service role (cloudformation:RoleArn) would act with that role's rights: passing one is refused.
      for (const target of [role('DeployRole'), `arn:aws:iam::${ACCOUNT}:role/cloudformation-admin`]) {
        denied(decide(deployRole, 'iam:PassRole', target, { ...inAccount, 'iam:PassedToService': 'cloudformation.amazonaws.com' }));
      }
    });
  });

  describe('a pull-request run cannot touch what the trusted run reads', () => {
    const trusted = `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${STACK}-audit`;
    const pullRequest = `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${STACK}-pull-request`;
    const trustedResult = `${bucket}/athena-results/11111111-2222-3333-4444-555555555555.csv`;

    test('the audit role can neither overwrite nor read a trusted result, nor stop, read or start a trusted query', () => {
      for (const action of ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:DeleteObject']) {
        denied(decide(auditRole, action, trustedResult));
      }
      for (const action of ['athena:StopQueryExecution', 'athena:GetQueryResults', 'athena:GetQueryExecution', 'athena:StartQueryExecution', 'athena:GetWorkGroup']) {
        denied(decide(auditRole, action, trusted));
        expect(decide(auditRole, action, pullRequest)).toBe('allow');
      }
      expect(decide(auditRole, 's3:PutObject', `${bucket}/athena-results-pr/x.csv`)).toBe('allow');
    });

    test('of every role the bootstrap creates, only the deploy role writes the trusted results', () => {
      const roles = Object.keys(bootstrap).filter((id) => bootstrap[id].Type === 'AWS::IAM::Role');
      expect(roles.sort()).toEqual(['AuditRole', 'DeliveryRole', 'DeployRole', 'FlowLogDeliveryRole', 'ForwarderRole']);
      const writers = roles.filter((id) => {
        const bound = bootstrap[id].Properties.PermissionsBoundary ? boundary : undefined;
        return decide(rolePolicies(bootstrap, id), 's3:PutObject', trustedResult, inAccount, bound) === 'allow';
      });
      expect(writers).toEqual(['DeployRole']);
    });

    test('the stack gives each its own workgroup and result prefix', () => {
      const location = (id: string) => (pipeline.resources[id]!.properties as Json).WorkGroupConfiguration.ResultConfiguration.OutputLocation;
      expect(pipeline.resources.WorkGroup!.arn).toBe(trusted);
      expect(pipeline.resources.PullRequestWorkGroup!.arn).toBe(pullRequest);
      expect(location('WorkGroup')).toBe(`s3://${bucketName()}/athena-results/`);
      expect(location('PullRequestWorkGroup')).toBe(`s3://${bucketName()}/athena-results-pr/`);
      expect(pipeline.template.Outputs.PullRequestWorkGroupName.Value).toEqual({ Ref: 'PullRequestWorkGroup' });
    });
  });
});
