// action.yml and the workflows pass the GitHub Actions linters (action-validator for the action, actionlint
// for workflows), and the composite step hands every declared input to the node step as INPUT_<NAME>.

import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);

/** Runs the actionlint (wasm) CLI on a glob of workflow files. */
function actionlint(pattern: string) {
  const cli = join('node_modules', '@tktco', 'node-actionlint', 'bin', 'node-actionlint.js');
  return spawnSync(process.execPath, [cli, pattern], { encoding: 'utf8' });
}

interface ActionDefinition {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: { id?: string; uses?: string; env?: Record<string, string> }[] };
}

const loadAction = async () => parse(await readFile('action.yml', 'utf8')) as ActionDefinition;

describe('action.yml', () => {
  test('passes action-validator', () => {
    const cli = require.resolve('@action-validator/cli/cli.mjs');
    const run = spawnSync(process.execPath, [cli, 'action.yml'], { encoding: 'utf8' });
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  test('passes every input to the node step as INPUT_<NAME>, and besides them only the credentials step\'s outputs', async () => {
    const action = await loadAction();
    const nodeStep = action.runs.steps.find((s) => s.id === 'audit')!;
    const expected = Object.keys(action.inputs).map((name) => [`INPUT_${name.toUpperCase()}`, `\${{ inputs.${name} }}`]);
    const credentials = ['access-key-id', 'secret-access-key', 'session-token'].map((name) => [
      `CREDENTIALS_${name.toUpperCase().replaceAll('-', '_')}`,
      `\${{ steps.credentials.outputs.aws-${name} }}`,
    ]);
    expect(Object.entries(nodeStep.env ?? {}).sort()).toEqual([...expected, ...credentials].sort());
  });

  test('the credentials step sets its credentials as outputs only, never in the job environment (issue 20)', async () => {
    const action = await loadAction();
    const step = action.runs.steps.find((s) => s.id === 'credentials') as { with?: Record<string, unknown> };
    expect(step.with).toMatchObject({
      'output-credentials': true,
      'output-env-credentials': false,
      audience: '${{ inputs.audience }}',
      'role-duration-seconds': '${{ inputs.role-duration-seconds }}',
    });
  });

  test('pins the credentials action to a full commit SHA', async () => {
    const action = await loadAction();
    const uses = action.runs.steps.flatMap((s) => (s.uses ? [s.uses] : []));
    expect(uses.length).toBeGreaterThan(0);
    for (const ref of uses) expect(ref).toMatch(/^[\w-]+\/[\w-]+@[0-9a-f]{40}$/);
  });

  test("every input and output is a row of the README's Inputs / Outputs table, and every row names one", async () => {
    const action = await loadAction();
    const readme = await readFile('README.md', 'utf8');
    /** The names in the first column of the table under `heading` (a cell may name several: `a`, `b`). */
    const rows = (heading: string) => {
      const section = readme.slice(readme.indexOf(`\n${heading}\n`) + heading.length + 2);
      const table = section.slice(0, section.indexOf('\n\n')).split('\n').slice(2);
      return table.flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1]!)).sort();
    };
    expect(rows('### Inputs')).toEqual(Object.keys(action.inputs).sort());
    expect(rows('### Outputs')).toEqual(Object.keys(action.outputs).sort());
    expect(rows('### Inputs')).toEqual(expect.arrayContaining(['egress-rules', 'egress-rules-min-days']));
  });

  test('every output comes from the node step', async () => {
    const action = await loadAction();
    for (const [name, output] of Object.entries(action.outputs)) {
      expect(output.value).toBe(`\${{ steps.audit.outputs.${name} }}`);
    }
  });
});

describe('workflows', () => {
  test('pass actionlint', async () => {
    const files = (await readdir('.github/workflows')).filter((f) => f.endsWith('.yml'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    const run = actionlint('.github/workflows/*.yml');
    expect(run.stdout).toContain(`Checking ${files.length} workflow file(s)`);
    expect(run.stdout).toContain('passed lint checks');
    expect(run.status).toBe(0);
  });

  test('actionlint does catch a broken workflow (the check above can fail)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'actionlint-'));
    await writeFile(join(dir, 'broken.yml'), 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n');
    const run = actionlint(`${dir}/*.yml`);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/nope/);
  });
});
