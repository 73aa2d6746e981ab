// mode deploy on a run of the default branch, as one plan: deploy the stack -> the stack-id and bucket outputs.

import * as core from '@actions/core';
import { createAwsClients } from '../aws/clients.js';
import { workgroupResultsBucket } from '../aws/lookups.js';
import type { ActionRun } from './action-run.js';
import { deployPipeline } from './audit-target.js';
import { redaction } from './audit-steps.js';

export async function runDeploy(run: ActionRun): Promise<void> {
  const clients = createAwsClients({ region: run.settings.region });
  const deployed = await deployPipeline(run.settings, clients);
  const { shown } = await redaction(run, clients, run.settings.vpcCidrs ?? [], [], deployed.stackId);
  core.setOutput('stack-id', shown(deployed.stackId));
  const bucket = await workgroupResultsBucket(clients.athena, deployed.outputs.WorkGroupName!);
  if (bucket) core.setOutput('bucket', shown(bucket));
}
