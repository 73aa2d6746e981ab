// action.yml's first step (issue 22): the composite action runs dist/index.js with the runner's own `node`, so it
// first checks that one is there and new enough. Run as a runner runs it (test/support/composite-runner.ts) with a
// PATH that holds bash and either no node, an old node (a script that answers `--version` as Node 18 does), or this
// machine's node: the first two stop the action before any other step, in one sentence naming what was found and
// what is needed; the third lets the action go on.

import { describe, expect, test } from '@jest/globals';
import { chmod, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { runComposite, type CompositeStep } from '../support/composite-runner.js';

interface ActionYml {
  runs: { steps: CompositeStep[] };
}

const action = parse(await readFile('action.yml', 'utf8')) as ActionYml;
const engines = (JSON.parse(await readFile('package.json', 'utf8')) as { engines: { node: string } }).engines.node;

/** A folder for PATH holding bash (the runner's shell) and, when given, `node`: a link to a real one or a script. */
async function pathWith(node?: { link: string } | { script: string }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'runner-path-'));
  await symlink('/bin/bash', join(dir, 'bash'));
  if (node && 'link' in node) await symlink(node.link, join(dir, 'node'));
  if (node && 'script' in node) {
    await writeFile(join(dir, 'node'), `#!/bin/bash\n${node.script}\n`);
    await chmod(join(dir, 'node'), 0o755);
  }
  return dir;
}

/** Runs action.yml's steps (by default all of them) on a runner whose PATH is `path` only. */
async function runWithPath(path: string, steps: readonly CompositeStep[] = action.runs.steps) {
  return runComposite({
    steps,
    actionPath: resolve('.'),
    inputs: { 'role-to-assume': '' },
    env: { PATH: path, HOME: tmpdir(), GITHUB_ACTIONS: 'true' },
    github: { event_name: 'schedule', repository: 'octo/repo', event: {} },
    standIns: {},
  });
}

describe("the action checks the runner's Node.js first", () => {
  test('the version it needs is the package\'s engines', () => {
    const step = action.runs.steps[0]!;
    expect(step.id).toBe('node');
    expect(engines).toMatch(/^>=\d+$/);
    expect(step.run).toContain(`required=${engines.slice(2)}\n`);
  });

  test('no node on PATH: the action stops at its first step, naming what it needs', async () => {
    const run = await runWithPath(await pathWith());
    expect(run.code).toBe(1);
    expect(run.ran).toEqual(['node']);
    expect(run.log.trim()).toBe(
      '::error::vpc-port-audit needs Node.js 20 or newer, and the runner has no node on its PATH: add actions/setup-node with node-version 20 (or newer) before this action.',
    );
  });

  test('an old node (v18.20.4): the action stops at its first step, naming the version found and the one needed', async () => {
    const run = await runWithPath(await pathWith({ script: 'echo v18.20.4' }));
    expect(run.code).toBe(1);
    expect(run.ran).toEqual(['node']);
    expect(run.log.trim()).toBe(
      "::error::vpc-port-audit needs Node.js 20 or newer, and the runner's node is v18.20.4: add actions/setup-node with node-version 20 (or newer) before this action.",
    );
  });

  test('a node that prints no version is refused too', async () => {
    const run = await runWithPath(await pathWith({ script: 'exit 127' }));
    expect(run).toMatchObject({ code: 1, ran: ['node'] });
    expect(run.log).toContain("the runner's node is one that prints no version: add actions/setup-node");
  });

  test(`this machine's node (${process.version}) passes the check silently`, async () => {
    const run = await runWithPath(await pathWith({ link: process.execPath }), [action.runs.steps[0]!]);
    expect(run).toMatchObject({ code: 0, log: '', ran: ['node'] });
  });
});
