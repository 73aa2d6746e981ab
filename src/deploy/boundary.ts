// The permissions boundary the pipeline stack's roles carry (its PermissionsBoundaryArn parameter). The OIDC
// bootstrap (cfn/github-oidc-role.yaml) names its deploy role `<stack>-deploy-<region>` and the boundary policy
// `<stack>-boundary-<region>`; when the action runs as that deploy role, the boundary is that policy (and the
// role may create roles only with it). Under any other identity there is no boundary to pass.

import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { explainAwsError } from '../aws/errors.js';

/** `<stack>-deploy-<region>`: the bootstrap's deploy role for one pipeline stack in one region. */
export const deployRoleName = (stackName: string, region: string) => `${stackName}-deploy-${region}`;
/** `<stack>-boundary-<region>`: the bootstrap's permissions boundary for that stack's roles. */
export const boundaryPolicyName = (stackName: string, region: string) => `${stackName}-boundary-${region}`;

/**
 * The boundary policy ARN for a caller identity ARN (STS GetCallerIdentity's `Arn`, e.g.
 * `arn:aws:sts::123456789012:assumed-role/vpc-port-audit-deploy-eu-west-1/session`), or undefined when the
 * caller is not the bootstrap's deploy role for this stack and region.
 */
export function boundaryForCaller(callerArn: string, stackName: string, region: string): string | undefined {
  const match = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(callerArn);
  if (!match || match[3] !== deployRoleName(stackName, region)) return undefined;
  return `arn:${match[1]}:iam::${match[2]}:policy/${boundaryPolicyName(stackName, region)}`;
}

/** Asks STS who the caller is (a call that needs no permission) and returns boundaryForCaller's answer. */
export async function pipelineRoleBoundary(sts: Pick<STSClient, 'send'>, stackName: string, region: string): Promise<string | undefined> {
  try {
    const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
    return Arn ? boundaryForCaller(Arn, stackName, region) : undefined;
  } catch (error) {
    throw explainAwsError(error, 'asking STS which identity deploys the stack');
  }
}
