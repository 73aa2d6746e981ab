// Whether a run may write: the tracking issue and the port memory change only on runs of the default branch
// (schedule; workflow_dispatch and push on the default branch). Every other run (pull_request_target,
// workflow_dispatch or push on another branch, any other event) only reads, because its workspace (and so
// its allowlist) may hold anyone's changes: judging ports by it would let a branch close the tracking issue.

/** The parts of the workflow run this needs (@actions/github's context). */
export interface RunContext {
  readonly eventName: string;
  /** GITHUB_REF: `refs/heads/main`, `refs/pull/7/merge`, ... */
  readonly ref: string;
  readonly payload: { readonly repository?: { readonly default_branch?: string } };
}

export type RunTrust =
  | { readonly trusted: true }
  | {
      readonly trusted: false;
      /** Why this run does not write, as the end of a sentence: `pull_request_target runs ...`. */
      readonly reason: string;
      /** The default branch, when the event says (its allowlist is the one to judge by). */
      readonly defaultBranch?: string;
    };

/** Events whose runs may write when they run on the default branch. */
const WRITING_EVENTS = new Set(['schedule', 'workflow_dispatch', 'push']);

/** Decides whether this run may write the tracking issue and the memory, and if not, says why. */
export function judgeRun(run: RunContext): RunTrust {
  const { eventName, ref } = run;
  const defaultBranch = run.payload.repository?.default_branch || undefined;
  // GitHub runs scheduled workflows only on the latest commit of the default branch.
  if (eventName === 'schedule') return { trusted: true };
  if (!WRITING_EVENTS.has(eventName)) {
    return { trusted: false, reason: `${eventName} runs may carry changes that are not on the default branch`, defaultBranch };
  }
  if (!defaultBranch) return { trusted: false, reason: `the ${eventName} event does not name the repository's default branch` };
  if (ref !== `refs/heads/${defaultBranch}`) {
    return { trusted: false, reason: `this ${eventName} run is on ${ref || 'no ref'}, not on the default branch ${defaultBranch}`, defaultBranch };
  }
  return { trusted: true };
}
