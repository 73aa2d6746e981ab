// The npm package (issue 22): what `npm pack` would ship, and that the CLI's own import graph needs only the
// package's `dependencies` (what `npm install -g vpc-port-audit` installs), never a devDependency. .ci/run packs
// the package, installs the tarball into an empty prefix and runs the CLI from there; these checks say why early.

import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { build } from 'esbuild';
import semver from 'semver';

interface PackageJson {
  name: string;
  private?: boolean;
  bin: Record<string, string>;
  files: string[];
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

const loadPackage = async () => JSON.parse(await readFile('package.json', 'utf8')) as PackageJson;

/** The paths `npm pack` would put in the tarball (no scripts run, nothing written). */
function packedFiles(): string[] {
  const run = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' });
  expect(run.status).toBe(0);
  return (JSON.parse(run.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
}

/** The packages (name or @scope/name) that src/cli.ts reaches through its static and dynamic imports. */
async function packagesReachedByCli(): Promise<Set<string>> {
  const result = await build({
    entryPoints: ['src/cli.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    // Native bindings cannot be bundled; they are reached through @duckdb/node-api all the same.
    external: ['@duckdb/*'],
  });
  const reached = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    if (match) reached.add(match[1]!);
  }
  for (const output of Object.values(result.metafile.outputs)) {
    for (const { path, external } of output.imports) {
      if (external && !builtinModules.includes(path.replace(/^node:/, ''))) reached.add(path.split('/').slice(0, path.startsWith('@') ? 2 : 1).join('/'));
    }
  }
  return reached;
}

describe('the npm package', () => {
  test('is publishable, its bin is in the files it ships', async () => {
    const pkg = await loadPackage();
    expect(pkg.private).toBeUndefined();
    expect(pkg.bin['vpc-port-audit']).toBe('lib/src/cli.js');
    expect(pkg.files.some((entry) => pkg.bin['vpc-port-audit']!.startsWith(entry))).toBe(true);
  });

  test('ships the CLI, the sample and the licence; no sources, tests, bundle or tooling', () => {
    const files = packedFiles();
    for (const needed of ['package.json', 'LICENSE', 'README.md', 'CHANGELOG.md', 'sample/outbound-ports.yml']) expect(files).toContain(needed);
    expect(files.some((f) => f.startsWith('sample/flow-logs/'))).toBe(true);
    const unwanted = files.filter((f) => /^(src|test|bench|scripts|dist|cfn|lambda|node_modules|\.ci|\.github)\//.test(f) || f.endsWith('.ts') || f.endsWith('.tsbuildinfo'));
    expect(unwanted).toEqual([]);
  });

  test("the CLI's imports are all production dependencies (devDependencies are not installed for users)", async () => {
    const pkg = await loadPackage();
    const reached = await packagesReachedByCli();
    // The packages src/ imports itself (declared in package.json); the rest arrive as their dependencies.
    const declared = [...reached].filter((name) => name in pkg.dependencies || name in pkg.devDependencies);
    expect(declared).toEqual(expect.arrayContaining(['@duckdb/node-api', 'yaml', '@aws-sdk/client-s3']));
    expect(declared.filter((name) => !(name in pkg.dependencies))).toEqual([]);
  });

  test('the action-only packages are devDependencies: bundled into dist/ by ncc, never installed with the CLI', async () => {
    const pkg = await loadPackage();
    for (const name of ['@actions/core', '@actions/github', '@octokit/plugin-retry', '@octokit/plugin-throttling']) {
      expect(pkg.devDependencies).toHaveProperty([name]);
      expect(pkg.dependencies).not.toHaveProperty([name]);
    }
  });

  test('no locked package asks for a newer Node.js than this one (no EBADENGINE warning on npm ci)', async () => {
    const pkg = await loadPackage();
    const lock = JSON.parse(await readFile('package-lock.json', 'utf8')) as { packages: Record<string, { engines?: { node?: string } }> };
    expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true);
    const refused = Object.entries(lock.packages)
      .filter(([, entry]) => typeof entry.engines?.node === 'string' && !semver.satisfies(process.version, entry.engines.node))
      .map(([path, entry]) => `${path} asks for node ${entry.engines!.node}`);
    expect(refused).toEqual([]);
  });
});
