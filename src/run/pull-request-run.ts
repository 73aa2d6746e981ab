// A pull_request run of the repository's own branch, as one plan:
//   allowlist (the head's, the workspace) -> audit in the stack's pull-request workgroup -> the sticky
//   comment (the diff against the base's allowlist; report/pr-comment.ts) -> finish. Pull requests never deploy.

import { auditUnits } from './audit-units.js';
import * as core from '@actions/core';
import { context } from '@actions/github';
import { createAwsClients } from '../aws/clients.js';
import { tokenLogin } from '../github.js';
import { reportPullRequest } from '../report/pr-comment.js';
import { allowlistAtRef, gitHub, workspaceAllowlist, type ActionRun } from './action-run.js';
import { audit, finish } from './audit-steps.js';

export async function runPullRequest(run: ActionRun, pullNumber: number, baseSha: string | undefined): Promise<void> {
  const { settings } = run;
  const allowlist = await workspaceAllowlist(run);
  if (settings.mode !== 'audit') core.info('Only runs of the default branch deploy: auditing the stack as it is.');
  const clients = createAwsClients({ region: settings.region });
  const audited = await audit(run, clients, { pullRequest: true });
  const octokit = gitHub(run);
  const report = await reportPullRequest({
    octokit,
    repo: context.repo,
    pullNumber,
    baseAllowlist: await allowlistAtRef(octokit, settings.allowlistPath, baseSha, 'The comment compares against no base allowlist.'),
    headAllowlist: allowlist,
    allowlistPath: settings.allowlistPath,
    rows: audited.result.rows,
    units: auditUnits(audited.result),
    top: settings.top,
    observedAt: run.now.toISOString(),
    stackOrVpcKey: audited.reportKey.shown,
    earlierKeys: audited.reportKey.earlier,
    author: await tokenLogin(octokit),
    log: core,
  });
  core.setOutput('comment-id', String(report.commentId));
  await finish(run, audited, { newPorts: [], silent: false, unexplained: [], pullRequest: pullNumber, judgedBy: allowlist });
}
