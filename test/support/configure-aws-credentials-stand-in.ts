// A stand-in for aws-actions/configure-aws-credentials at the commit action.yml pins
// (e6de054238d6b7531b4efff3b6587d9aade6a06c, v6.2.3), for the composite runner (this machine cannot download
// actions). It makes the real call, STS AssumeRoleWithWebIdentity (on moto), and then exports and sets what that
// version does, read from its source at that commit:
// - src/index.ts: `output-env-credentials` defaults to true unless `aws-profile` is given; `output-credentials`
//   to false (getBooleanInput);
// - src/helpers.ts exportRegion: AWS_DEFAULT_REGION and AWS_REGION are exported only when output-env-credentials;
// - src/helpers.ts exportCredentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN are exported
//   only when output-env-credentials; the outputs aws-access-key-id, aws-secret-access-key, aws-session-token and
//   aws-expiration are set only when output-credentials.
// The web identity token stands for the runner's OIDC token for `audience` (moto does not check it).

import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { StandIn } from './composite-runner.js';

/** The action's name in `uses:`, without its ref. */
export const CONFIGURE_AWS_CREDENTIALS = 'aws-actions/configure-aws-credentials';

/** getBooleanInput of that version: an empty input takes the default; otherwise true or false (YAML 1.2 core schema). */
function booleanInput(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new TypeError(`Input does not meet YAML 1.2 "Core Schema" specification: ${value}`);
}

/** The stand-in; `calls` records the AssumeRoleWithWebIdentity requests it made. */
export function configureAwsCredentialsStandIn(calls: { RoleArn?: string; DurationSeconds?: number; WebIdentityToken?: string }[] = []): StandIn {
  return async (inputs, env) => {
    const region = inputs['aws-region'] || env.AWS_REGION || '';
    const outputEnv = booleanInput(inputs['output-env-credentials'], !inputs['aws-profile']);
    const outputCredentials = booleanInput(inputs['output-credentials'], false);
    const request = {
      RoleArn: inputs['role-to-assume'],
      RoleSessionName: inputs['role-session-name'] || 'GitHubActions',
      DurationSeconds: Number(inputs['role-duration-seconds'] || 3600),
      WebIdentityToken: `oidc-token-for-${inputs.audience || 'sts.amazonaws.com'}`,
    };
    calls.push(request);
    const sts = new STSClient({ region, endpoint: env.AWS_ENDPOINT_URL });
    const { Credentials } = await sts.send(new AssumeRoleWithWebIdentityCommand(request));
    sts.destroy();
    const exported: Record<string, string> = {};
    const outputs: Record<string, string> = {};
    if (outputEnv) {
      Object.assign(exported, { AWS_DEFAULT_REGION: region, AWS_REGION: region });
      Object.assign(exported, { AWS_ACCESS_KEY_ID: Credentials!.AccessKeyId!, AWS_SECRET_ACCESS_KEY: Credentials!.SecretAccessKey!, AWS_SESSION_TOKEN: Credentials!.SessionToken! });
    }
    if (outputCredentials) {
      Object.assign(outputs, {
        'aws-access-key-id': Credentials!.AccessKeyId!,
        'aws-secret-access-key': Credentials!.SecretAccessKey!,
        'aws-session-token': Credentials!.SessionToken!,
        'aws-expiration': Credentials!.Expiration!.toISOString(),
      });
    }
    return { exported, outputs };
  };
}
