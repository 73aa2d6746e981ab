// What every pipeline of an action run shares: the run itself (settings, clock, event, workspace), timing of
// its slow steps, and the repository files it reads (the allowlist, the VPC inventory) from the workspace or,
// for runs that must not trust their workspace, from another ref through the contents API.

import * as core from '@actions/core';
import { context } from '@actions/github';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadAllowlist, parseAllowlist, type Allowlist } from '../audit/allowlist.js';
import { createGitHubClient, readFileAtRef, type GitHubClient } from '../github.js';
import { InputError } from '../input-error.js';
import type { Settings } from '../settings.js';

/** One action run, as every pipeline step sees it. */
export interface ActionRun {
  readonly settings: Settings;
  /** The run's clock: the audited window ends at the start of its hour. */
  readonly now: Date;
  /** GITHUB_WORKSPACE (the checkout), else the working directory. */
  readonly workspace: string;
}

/** Runs `work`, then logs how long it took. */
export async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    core.info(`${what} took ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  }
}

/** The run's GitHub client (the github-token input). */
export function gitHub(run: ActionRun): GitHubClient {
  return createGitHubClient({ token: run.settings.githubToken, log: core });
}

/** Warns of an allowlist that explains nothing and of each expired entry (see Allowlist.warnings); returns it. */
function warnOfAllowlist<T extends Allowlist | undefined>(allowlist: T): T {
  for (const warning of allowlist?.warnings ?? []) core.warning(warning);
  return allowlist;
}

/**
 * The workspace's allowlist (trusted runs, and pull requests, whose comment is about it); a notice when there is
 * none. A broken one fails the run (InputError).
 */
export async function workspaceAllowlist(run: ActionRun): Promise<Allowlist | undefined> {
  const { allowlistPath } = run.settings;
  const allowlist = warnOfAllowlist(await loadAllowlist(resolve(run.workspace, allowlistPath), run.now));
  if (!allowlist) core.notice(`No allowlist at ${allowlistPath} (did actions/checkout run before this step?): ports are judged only against earlier runs.`);
  return allowlist;
}

/**
 * The allowlist on another ref (a pull request's base, the default branch); a broken one is reported but
 * does not fail the run. `without` ends the warning: what the run does instead.
 */
export async function allowlistAtRef(octokit: GitHubClient, path: string, ref: string | undefined, without: string): Promise<Allowlist | undefined> {
  if (!ref) return undefined;
  try {
    const text = await readFileAtRef(octokit, context.repo, path, ref);
    return text === undefined ? undefined : warnOfAllowlist(parseAllowlist(text, `${path}@${ref.slice(0, 12)}`));
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    core.warning(`${error.message} ${without}`);
    return undefined;
  }
}

/**
 * The vpcs-file's text and the name messages give it, or undefined without the input. Runs that trust their
 * workspace read the checkout; a read-only run reads the default branch's file (`ref`), as it does the allowlist,
 * since its workspace may be anyone's. InputError when the file is missing.
 */
export async function vpcsFileText(run: ActionRun, ref?: { readonly octokit: GitHubClient; readonly branch?: string }): Promise<{ text: string; source: string } | undefined> {
  const path = run.settings.vpcsFile;
  if (!path) return undefined;
  if (ref) {
    const text = ref.branch ? await readFileAtRef(ref.octokit, context.repo, path, ref.branch) : undefined;
    if (text === undefined) throw new InputError(`vpcs-file: ${path} is not on the default branch${ref.branch ? ` ${ref.branch}` : ' (the event names none)'}; a read-only run reads the inventory there. Commit it, or leave vpcs-file empty.`);
    return { text, source: `${path}@${ref.branch}` };
  }
  try {
    return { text: await readFile(resolve(run.workspace, path), 'utf8'), source: path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new InputError(`vpcs-file: there is no file ${path} in the workspace (did actions/checkout run before this step?); give the path of the VPC inventory relative to the repository's root.`);
  }
}
