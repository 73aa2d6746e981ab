// mode redrive, as one plan: the stack's failed forwarder batches into its delivery stream
// (src/pipeline/redrive.ts) -> the redriven-* outputs. Only runs that may write do it; others say so.

import * as core from '@actions/core';
import { createAwsClients, createRedriveClients } from '../aws/clients.js';
import type { RunTrust } from '../report/run-trust.js';
import type { ActionRun } from './action-run.js';

export async function runRedrive(run: ActionRun, trust: RunTrust): Promise<void> {
  const { settings } = run;
  if (!trust.trusted) {
    core.notice(`mode redrive does nothing here: ${trust.reason}, and redrive writes to the pipeline (runs of the default branch do). Nothing failed.`);
    return;
  }
  // Loaded here only: the SQS and Firehose SDK modules stay off every other run's cold start.
  const { describeRedrive, redriveStack } = await import('../pipeline/redrive.js');
  const clients = { ...createAwsClients({ region: settings.region }), ...(await createRedriveClients({ region: settings.region })) };
  const result = await redriveStack(clients, settings.stackName, 'stack-name', { log: (line) => core.warning(line) });
  if ('nothingToRedrive' in result) return core.notice(result.nothingToRedrive);
  core.info(describeRedrive(result, result.queueUrl));
  core.setOutput('redriven-messages', String(result.redriven));
  core.setOutput('redriven-lines', String(result.lines));
  core.setOutput('failure-queue-kept', String(result.failed + result.unreadable));
  if (result.failed > 0) {
    core.setFailed(`redrive: ${result.failed} failed batch(es) could still not be delivered to Firehose; they stay in the queue for the next run.`);
  }
}
