// The release's version bump (scripts/release.ts, what .github/workflows/release.yml runs) as a dry run on a
// scratch clone, without network: a git repository holding this project's own CHANGELOG.md, package.json and
// package-lock.json, released as v1.0.0 with its floating v1 tag; then a minor, a patch and a major release,
// read back from git: the tags, where they point, the changelog entry, the versions, the commit.

import { beforeEach, describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { parse } from 'yaml';
import { nextVersion, release, releaseChangelog, ReleaseError } from '../../scripts/release.js';

const git = (repo: string, ...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
const commitOf = (repo: string, ref: string) => git(repo, 'rev-parse', `${ref}^{commit}`);
const versionIn = async (repo: string, file: string) => (JSON.parse(await readFile(join(repo, file), 'utf8')) as { version: string }).version;

let repo: string;

/** A scratch clone: the project's release files at 1.0.0, tagged v1.0.0 and v1, then one commit of work. */
beforeEach(async () => {
  repo = await mkdtemp(join(tmpdir(), 'release-'));
  git(repo, 'init', '--quiet', '--initial-branch=main');
  git(repo, 'config', 'user.name', 'Release Test');
  git(repo, 'config', 'user.email', 'release@example.com');
  for (const file of ['CHANGELOG.md', 'package.json', 'package-lock.json']) await copyFile(file, join(repo, file));
  git(repo, 'add', '.');
  git(repo, 'commit', '--quiet', '-m', 'The project at 1.0.0');
  const pkg = await versionIn(repo, 'package.json');
  git(repo, 'tag', '-a', `v${pkg}`, '-m', `v${pkg}`);
  git(repo, 'tag', '-a', `v${pkg.split('.')[0]}`, '-m', 'major');
  await writeFile(join(repo, 'feature.txt'), 'a feature\n');
  git(repo, 'add', 'feature.txt');
  git(repo, 'commit', '--quiet', '-m', 'A feature worth a minor release');
});

describe('a release on a scratch clone', () => {
  test('minor: v1.1.0 on a new commit, v1 moved to it, v1.0.0 left where it was; the Unreleased notes become 1.1.0', async () => {
    const before = { v100: commitOf(repo, 'v1.0.0'), unreleased: (await readFile('CHANGELOG.md', 'utf8')).split('## [Unreleased]')[1]!.split('\n## [')[0]!.trim() };
    expect(before.unreleased).not.toBe('');
    const made = release(repo, 'minor', '2026-12-07');

    expect(made).toMatchObject({ version: '1.1.0', tag: 'v1.1.0', majorTag: 'v1', notes: before.unreleased });
    expect(git(repo, 'tag', '--list').split('\n').sort()).toEqual(['v1', 'v1.0.0', 'v1.1.0']);
    expect(commitOf(repo, 'v1.1.0')).toBe(commitOf(repo, 'HEAD'));
    expect(commitOf(repo, 'v1')).toBe(commitOf(repo, 'HEAD'));
    expect(commitOf(repo, 'v1.0.0')).toBe(before.v100);
    expect(git(repo, 'log', '-1', '--format=%s')).toBe('Release v1.1.0');
    expect(git(repo, 'status', '--porcelain')).toBe('');

    const changelog = await readFile(join(repo, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toContain(`## [Unreleased]\n\n## [1.1.0] - 2026-12-07\n\n${before.unreleased}\n\n## [1.0.0] - `);
    expect(changelog).toContain('[Unreleased]: https://github.com/vpc-port-audit/vpc-port-audit/compare/v1.1.0...HEAD\n');
    expect(changelog).toContain('[1.1.0]: https://github.com/vpc-port-audit/vpc-port-audit/compare/v1.0.0...v1.1.0\n');
    expect(await versionIn(repo, 'package.json')).toBe('1.1.0');
    expect(await versionIn(repo, 'package-lock.json')).toBe('1.1.0');
    expect((JSON.parse(await readFile(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> }).packages['']!.version).toBe('1.1.0');
  });

  test('patch with nothing under Unreleased: the entry lists the commits since the last release', async () => {
    release(repo, 'minor', '2026-12-07');
    await writeFile(join(repo, 'fix.txt'), 'a fix\n');
    git(repo, 'add', 'fix.txt');
    git(repo, 'commit', '--quiet', '-m', 'Fix: a port counted twice');
    const made = release(repo, 'patch', '2026-12-08');

    expect(made).toMatchObject({ tag: 'v1.1.1', majorTag: 'v1', notes: '### Changed\n\n- Fix: a port counted twice' });
    const changelog = await readFile(join(repo, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toContain('## [Unreleased]\n\n## [1.1.1] - 2026-12-08\n\n### Changed\n\n- Fix: a port counted twice\n\n## [1.1.0] - 2026-12-07');
    expect(commitOf(repo, 'v1')).toBe(commitOf(repo, 'v1.1.1'));
  });

  test('major: v2.0.0 and a new v2; v1 stays on the last v1 release', async () => {
    const v1 = commitOf(repo, 'v1');
    const made = release(repo, 'major', '2026-12-09');
    expect(made).toMatchObject({ version: '2.0.0', tag: 'v2.0.0', majorTag: 'v2' });
    expect(commitOf(repo, 'v2')).toBe(commitOf(repo, 'v2.0.0'));
    expect(commitOf(repo, 'v1')).toBe(v1);
  });

  test('the script as the workflow runs it: step outputs on stdout, the notes file; a bad bump exits 2 in one sentence', async () => {
    // The workflow runs the compiled lib/scripts/release.js; here the same source, bundled by esbuild.
    const script = join(await mkdtemp(join(tmpdir(), 'release-script-')), 'release.mjs');
    await build({ entryPoints: ['scripts/release.ts'], bundle: true, platform: 'node', format: 'esm', outfile: script, logLevel: 'silent' });
    const notes = join(tmpdir(), `release-notes-${process.pid}.md`);
    const run = spawnSync(process.execPath, [script, 'minor', '--date', '2026-12-07', '--notes', notes], { cwd: repo, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('version=1.1.0\ntag=v1.1.0\nmajor-tag=v1\n');
    expect(run.status).toBe(0);
    expect(await readFile(notes, 'utf8')).toContain('### Added\n\n- A licence (MIT)');

    const bad = spawnSync(process.execPath, [script, 'next'], { cwd: repo, encoding: 'utf8' });
    expect(bad).toMatchObject({ status: 2, stdout: '', stderr: "release: bump: 'next' is not a release; accepted are major, minor, patch or a version X.Y.Z.\n" });
  });

  test('a dirty tree, a tag that exists and a bump that is not one are refused in one sentence, nothing changed', async () => {
    const head = commitOf(repo, 'HEAD');
    await writeFile(join(repo, 'feature.txt'), 'changed\n');
    expect(() => release(repo, 'minor', '2026-12-07')).toThrow(new ReleaseError(`the work tree of ${repo} has uncommitted changes; release from a clean checkout.`));
    git(repo, 'checkout', '--quiet', '--', 'feature.txt');
    git(repo, 'tag', 'v1.1.0');
    expect(() => release(repo, 'minor', '2026-12-07')).toThrow('the tag v1.1.0 exists already.');
    expect(() => nextVersion('1.0.0', 'huge')).toThrow("bump: 'huge' is not a release; accepted are major, minor, patch or a version X.Y.Z.");
    expect(() => nextVersion('1.2.0', '1.1.9')).toThrow('bump: 1.1.9 is not above the current version 1.2.0.');
    expect(nextVersion('1.2.0', '1.3.0')).toBe('1.3.0');
    expect(commitOf(repo, 'HEAD')).toBe(head);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  test('a changelog without an Unreleased section is refused', () => {
    expect(() => releaseChangelog('# Changelog\n\n## [1.0.0] - 2026-12-06\n', '1.1.0', '1.0.0', '2026-12-07', '')).toThrow("CHANGELOG.md has no '## [Unreleased]' section to release.");
  });
});

describe('the release workflow', () => {
  interface Workflow {
    on: { workflow_dispatch: { inputs: { bump: { options: string[] } } } };
    jobs: { release: { steps: { id?: string; uses?: string; run?: string; env?: Record<string, string> }[] } };
  }

  test('runs the script with a bump it accepts, pushes the tags it prints, pins every action by commit SHA', async () => {
    const workflow = parse(await readFile('.github/workflows/release.yml', 'utf8')) as Workflow;
    const steps = workflow.jobs.release.steps;
    for (const bump of workflow.on.workflow_dispatch.inputs.bump.options) expect(() => nextVersion('1.0.0', bump)).not.toThrow();
    const bumpStep = steps.find((step) => step.id === 'bump')!;
    expect(bumpStep.run).toContain('node lib/scripts/release.js "$BUMP" --notes "$RUNNER_TEMP/release-notes.md" >> "$GITHUB_OUTPUT"');
    const pushed = JSON.stringify(steps.filter((step) => step.run?.includes('git push')).map((step) => step.env));
    expect(pushed).toContain('steps.bump.outputs.tag');
    expect(pushed).toContain('steps.bump.outputs.major-tag');
    expect(steps.some((step) => step.run?.includes('gh release create "$TAG" --verify-tag'))).toBe(true);
    const uses = steps.flatMap((step) => (step.uses ? [step.uses] : []));
    expect(uses.length).toBeGreaterThan(0);
    for (const ref of uses) expect(ref).toMatch(/^[\w-]+\/[\w-]+@[0-9a-f]{40}$/);
  });
});
