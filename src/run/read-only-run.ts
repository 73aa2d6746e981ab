// A run that may not write (pull_request_target, other branches; see report/run-trust.ts), as one plan:
//   notice -> audit (inventory from the default branch) -> health -> load and decide as the default branch
//   would (its allowlist, never this workspace's; src/run/scheduled-run.ts with readOnly) -> finish.

import * as core from '@actions/core';
import { createAwsClients } from '../aws/clients.js';
import { allowlistAtRef, gitHub, type ActionRun } from './action-run.js';
import { audit, checkPipelineHealth, finish, scheduledInput } from './audit-steps.js';
import { runScheduledAudit } from './scheduled-run.js';

export async function runReadOnly(run: ActionRun, notice: string, defaultBranch: string | undefined): Promise<void> {
  core.notice(notice);
  if (run.settings.mode !== 'audit') core.info('Only runs of the default branch deploy: auditing the stack as it is.');
  const clients = createAwsClients({ region: run.settings.region });
  const audited = await audit(run, clients, { pullRequest: false, vpcsFileRef: { octokit: gitHub(run), branch: defaultBranch } });
  const health = audited.shown(await checkPipelineHealth(run, clients, audited.target, audited.parameters.window));
  const input = await scheduledInput(run, clients, audited, undefined, health);
  const allowlist = await allowlistAtRef(input.octokit, run.settings.allowlistPath, defaultBranch, 'Ports are judged against the memory alone.');
  if (!defaultBranch) core.info('The event names no default branch, so its allowlist cannot be read: ports are judged against the memory alone.');
  const report = await runScheduledAudit({ ...input, allowlist, readOnly: true });
  const trackingIssue = report.issueNumber === undefined ? undefined : { number: report.issueNumber, url: report.issueUrl };
  const { newPorts, silent, unexplained, health: judged, memory, units } = report;
  await finish(run, audited, { newPorts, silent, unexplained, trackingIssue, readOnly: notice, health: judged, memory, units, judgedBy: allowlist });
}
