// Runs a composite action's steps as a GitHub runner does, for end-to-end tests of action.yml itself: each
// step's `if`, `with`, `env` and `run` expressions evaluated with GitHub's own expression library
// (@actions/expressions) over the `inputs`, `steps`, `env` and `github` contexts; `run` steps executed by bash as
// the runner runs them (`bash --noprofile --norc -eo pipefail FILE`) with their own GITHUB_ENV and GITHUB_OUTPUT
// files; what a step writes to GITHUB_ENV joins the job's environment for every later step (of the action and of
// the job), what it writes to GITHUB_OUTPUT becomes `steps.<id>.outputs`. A `uses:` step is run by a stand-in the
// test supplies (this machine cannot download actions), which returns what it exported and what it set as
// outputs. Afterwards `nextStep` runs a command as the job's next step would, with the job's environment.

import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import { truthy } from '@actions/expressions/result';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One step of a composite action, as action.yml declares it. */
export interface CompositeStep {
  readonly id?: string;
  readonly name?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly with?: Record<string, string | boolean | number>;
  readonly run?: string;
  readonly shell?: string;
  readonly env?: Record<string, string>;
}

/** What a stand-in for a `uses:` action did: variables it exported to the job, and its outputs. */
export interface StandInResult {
  readonly exported: Record<string, string>;
  readonly outputs: Record<string, string>;
}

/** Runs in place of the action `uses` names (`owner/repo@ref`), given its evaluated `with:` and the job's environment. */
export type StandIn = (inputs: Record<string, string>, env: Record<string, string>) => Promise<StandInResult>;

export interface CompositeRun {
  /** Exit code of the first failed `run` step, or 0. */
  readonly code: number;
  /** What the `run` steps printed, stdout and stderr together. */
  readonly log: string;
  /** The job's environment after the action: the environment given plus what steps exported. */
  readonly jobEnv: Record<string, string>;
  /** `steps.<id>.outputs` of every step with an id. */
  readonly steps: Record<string, Record<string, string>>;
  /** Ids (or names) of the steps that ran, in order. */
  readonly ran: readonly string[];
}

interface RunOptions {
  readonly steps: readonly CompositeStep[];
  /** The folder that holds action.yml (GITHUB_ACTION_PATH). */
  readonly actionPath: string;
  readonly inputs: Record<string, string>;
  /** The job's environment before the action (the runner's variables included). */
  readonly env: Record<string, string>;
  /** The `github` context (event_name, repository, event, ...). */
  readonly github: Record<string, unknown>;
  /** Stand-ins by action name (`owner/repo`, the ref left out). */
  readonly standIns: Record<string, StandIn>;
}

/** A GitHub Actions expression (without `${{ }}`) evaluated over the contexts. */
function evaluate(expression: string, contexts: Record<string, unknown>): data.ExpressionData {
  const { tokens } = new Lexer(expression).lex();
  const tree = new Parser(tokens, Object.keys(contexts), []).parse();
  const context = JSON.parse(JSON.stringify(contexts), data.reviver) as data.Dictionary;
  return new Evaluator(tree, context).evaluate();
}

/** A string with every `${{ expression }}` replaced by its value as text. */
function interpolate(text: string, contexts: Record<string, unknown>): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) => evaluate(expression.trim(), contexts).coerceString());
}

/** A GITHUB_ENV or GITHUB_OUTPUT file: `name=value` lines and `name<<DELIMITER` ... `DELIMITER` blocks. */
export function parseCommandFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=]+?)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      values[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      values[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return values;
}

/** Runs `script` with bash as the runner runs a `shell: bash` step; resolves with its exit code and output. */
async function bash(script: string, env: Record<string, string>, dir: string): Promise<{ code: number; output: string }> {
  const file = join(dir, `step-${Math.random().toString(36).slice(2)}.sh`);
  await writeFile(file, script);
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], { env });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  return { code, output };
}

/** Runs the composite action's steps in order; stops at the first failed step, as a runner does. */
export async function runComposite(options: RunOptions): Promise<CompositeRun> {
  const dir = await mkdtemp(join(tmpdir(), 'composite-'));
  const jobEnv = { ...options.env };
  const steps: Record<string, { outputs: Record<string, string> }> = {};
  const ran: string[] = [];
  let log = '';
  for (const [index, step] of options.steps.entries()) {
    const contexts = { inputs: options.inputs, steps, env: jobEnv, github: options.github };
    const condition = step.if === undefined || truthy(evaluate(step.if.replace(/^\s*\$\{\{([\s\S]*)\}\}\s*$/, '$1'), contexts));
    if (!condition) continue;
    ran.push(step.id ?? step.name ?? String(index));
    let exported: Record<string, string>;
    let outputs: Record<string, string>;
    if (step.uses) {
      const name = step.uses.split('@')[0]!;
      const standIn = options.standIns[name];
      if (!standIn) throw new Error(`no stand-in for ${step.uses}`);
      const inputs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, interpolate(String(v), contexts)]));
      ({ exported, outputs } = await standIn(inputs, { ...jobEnv }));
    } else {
      const files = { env: join(dir, `env-${index}`), output: join(dir, `output-${index}`) };
      await Promise.all([writeFile(files.env, ''), writeFile(files.output, '')]);
      const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, interpolate(v, contexts)]));
      const env = { ...jobEnv, ...stepEnv, GITHUB_ENV: files.env, GITHUB_OUTPUT: files.output, GITHUB_ACTION_PATH: options.actionPath };
      const result = await bash(interpolate(step.run ?? '', contexts), env, dir);
      log += result.output;
      if (result.code !== 0) return { code: result.code, log, jobEnv, steps: outputsOf(steps), ran };
      exported = parseCommandFile(await readFile(files.env, 'utf8'));
      outputs = parseCommandFile(await readFile(files.output, 'utf8'));
    }
    Object.assign(jobEnv, exported);
    if (step.id) steps[step.id] = { outputs };
  }
  return { code: 0, log, jobEnv, steps: outputsOf(steps), ran };
}

const outputsOf = (steps: Record<string, { outputs: Record<string, string> }>) =>
  Object.fromEntries(Object.entries(steps).map(([id, step]) => [id, step.outputs]));

/** Runs `script` as the job's next `run` step would (the job's environment, after the action). */
export async function nextStep(run: CompositeRun, script: string): Promise<{ code: number; output: string }> {
  return bash(script, run.jobEnv, await mkdtemp(join(tmpdir(), 'next-step-')));
}
