// One action run, read as a plan: read the settings, decide the kind of run (src/run/decide.ts decideRunKind),
// then run that kind's pipeline, one module each under src/run/:
//   fork-notice    a fork's pull request: a notice, nothing else (it has no OIDC token)
//   nothing        a mode with nothing to do on this run (deploy on a pull request or a read-only run): a notice
//   redrive        mode redrive: replay the stack's failed batches (runs of the default branch)   run/redrive-run.ts
//   deploy         mode deploy on the default branch: the stack, its outputs                       run/deploy-run.ts
//   pull-request   audit in the pull-request workgroup, then the sticky comment                    run/pull-request-run.ts
//   read-only      audit and decide as the default branch would, write nothing                     run/read-only-run.ts
//   trusted        (deploy,) audit, the tracking issue and the port memory                          run/trusted-run.ts
// The auditing pipelines share their steps (run/audit-target.ts, run/audit-steps.ts): target -> organisation
// scope (VPC inventory, REJECT-only flow logs) -> parameters -> redaction -> query -> report -> finish. Every
// user-caused problem ends the run with one clear message and a failed step.

import * as core from '@actions/core';
import { context } from '@actions/github';
import { InputError } from './input-error.js';
import type { PullRequestPayload } from './report/pr-comment.js';
import { judgeRun, type RunContext } from './report/run-trust.js';
import { decideRunKind } from './run/decide.js';
import { runDeploy } from './run/deploy-run.js';
import { runPullRequest } from './run/pull-request-run.js';
import { runReadOnly } from './run/read-only-run.js';
import { runRedrive } from './run/redrive-run.js';
import { runTrusted } from './run/trusted-run.js';
import { readSettings, SettingsError } from './settings.js';

/** Runs the action once; the step fails (exit code 1) on any error, with its message. */
export async function run(now: Date = new Date()): Promise<void> {
  try {
    const settings = readSettings((name) => core.getInput(name));
    const payload = context.payload as PullRequestPayload & RunContext['payload'];
    const trust = judgeRun({ eventName: context.eventName, ref: context.ref, payload });
    const kind = decideRunKind({ mode: settings.mode, eventName: context.eventName, trust, payload });
    const run = { settings, now, workspace: process.env.GITHUB_WORKSPACE ?? process.cwd() };
    switch (kind.kind) {
      case 'fork-notice':
      case 'nothing':
        return core.notice(kind.notice);
      case 'redrive':
        return await runRedrive(run, kind.trust);
      case 'deploy':
        return await runDeploy(run);
      case 'pull-request':
        return await runPullRequest(run, kind.pullNumber, kind.baseSha);
      case 'read-only':
        return await runReadOnly(run, kind.notice, kind.defaultBranch);
      case 'trusted':
        return await runTrusted(run);
    }
  } catch (error) {
    if (error instanceof SettingsError) {
      for (const problem of error.problems) core.error(problem);
    } else if (!(error instanceof InputError)) {
      core.debug(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
