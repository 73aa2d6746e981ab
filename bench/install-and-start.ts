// Issue 22's numbers, side by side with the tree before it (BASE_COMMIT, its files from `git archive` in a
// temporary folder, sharing this tree's node_modules), in the same rounds:
// - `npm start` on an unchanged tree: before, a full `tsc -p` and template build on every run; now `tsc -b`,
//   which finds nothing to do; then the same audit of the sample;
// - the cold start of dist/index.js: spawn to exit on a bad input (the bundle loaded, the inputs validated, no
//   network), beside `node -e ''`, Node's own start;
// - what a user installs for the CLI: before, a clone's node_modules after `npm ci` (the package was private),
//   and the production dependencies of its package.json; now the packed tarball installed into an empty prefix.
// Wall and CPU (user + system, from /usr/bin/time) per run; on a loaded shared machine the CPU is the steadier
// figure. --quick: one round of "now" only (no base, no installs: CI proves it runs).
// Run: node lib/bench/install-and-start.js [--quick]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { machine, quick, summarize, writeResults, type Summary } from './support.js';

/** The commit before issue 22's work. */
const BASE_COMMIT = '963c206';
const ROUNDS = quick ? 1 : 3;
const COLD_ROUNDS = quick ? 1 : 10;

interface Timed {
  readonly wall: Summary;
  readonly cpu: Summary;
}

/** Runs `command` in `cwd`, `rounds` times after one untimed run; wall and CPU seconds from /usr/bin/time. */
function timeCommand(cwd: string, command: readonly string[], env: NodeJS.ProcessEnv, expectStatus: number): { wall: number; cpu: number } {
  const run = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S', ...command], { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== expectStatus) throw new Error(`${command.join(' ')} in ${cwd}: exit ${run.status}\n${run.stderr}`);
  const [wall, user, system] = /TIME (\S+) (\S+) (\S+)\s*$/.exec(run.stderr)!.slice(1).map(Number) as [number, number, number];
  return { wall, cpu: user + system };
}

/** Several commands timed side by side: one untimed run of each, then `rounds` rounds in which each runs once. */
function interleaved<K extends string>(runs: Record<K, () => { wall: number; cpu: number }>, rounds: number): Record<K, Timed> {
  const names = Object.keys(runs) as K[];
  for (const name of names) runs[name]();
  const samples = new Map(names.map((name) => [name, { wall: [] as number[], cpu: [] as number[] }]));
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const { wall, cpu } = runs[name]();
      samples.get(name)!.wall.push(wall);
      samples.get(name)!.cpu.push(cpu);
    }
  }
  return Object.fromEntries(names.map((name) => [name, { wall: summarize(samples.get(name)!.wall), cpu: summarize(samples.get(name)!.cpu) }])) as Record<K, Timed>;
}

/** Kilobytes a folder takes on disk (`du -sk`, links not followed). */
function diskKiB(path: string): number {
  const run = spawnSync('du', ['-sk', path], { encoding: 'utf8' });
  return Number(run.stdout.split('\t')[0]);
}

const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
const seconds = (s: Summary) => `${s.median.toFixed(2)} s (${s.min.toFixed(2)}-${s.max.toFixed(2)})`;
const ratio = (now: Summary, before: Summary) => `${(now.median / before.median).toFixed(2)}x`;

function npm(cwd: string, args: readonly string[]): string {
  const run = spawnSync('npm', args, { cwd, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`npm ${args.join(' ')} in ${cwd}: exit ${run.status}\n${run.stderr}`);
  return run.stdout.trim();
}

async function main(): Promise<void> {
  const root = resolve('.');
  const scratch = mkdtempSync(join(tmpdir(), 'bench-install-'));
  // --quick leaves the base out: each of its starts is a full build (minutes on a loaded machine), and CI's clone
  // is shallow (no BASE_COMMIT to archive).
  const base = join(scratch, 'base');
  if (!quick) {
    spawnSync('mkdir', ['-p', base]);
    const archive = spawnSync('sh', ['-c', `git archive ${BASE_COMMIT} | tar -x -C '${base}'`], { cwd: root, encoding: 'utf8' });
    if (archive.status !== 0) throw new Error(`git archive ${BASE_COMMIT} (a full clone is needed): ${archive.stderr}`);
    symlinkSync(join(root, 'node_modules'), join(base, 'node_modules'));
  }
  const beforeRun = (command: readonly string[], env: NodeJS.ProcessEnv, status: number) => () =>
    quick ? { wall: NaN, cpu: NaN } : timeCommand(base, command, env, status);
  const load = loadavg()[0]!.toFixed(1);

  // npm start on an unchanged tree (the first, untimed run of each builds what it needs).
  const start = interleaved(
    {
      before: beforeRun(['npm', 'start', '--silent'], process.env, 0),
      now: () => timeCommand(root, ['npm', 'start', '--silent'], process.env, 0),
      audit: () => timeCommand(root, ['node', 'lib/src/cli.js', ...startArguments(root)], process.env, 0),
    },
    ROUNDS,
  );

  // Cold start of the action's bundle, to its input errors (exit 1) with no network.
  const badInput = { PATH: process.env.PATH, INPUT_MODE: 'bogus', GITHUB_ACTIONS: 'true' };
  const cold = interleaved(
    {
      node: () => timeCommand(root, ['node', '-e', ''], badInput, 0),
      before: beforeRun(['node', 'dist/index.js'], badInput, 1),
      now: () => timeCommand(root, ['node', 'dist/index.js'], badInput, 1),
    },
    COLD_ROUNDS,
  );

  let sizes = '| (not measured with --quick: installs take a minute; .ci/run installs the package every run) | | |';
  if (!quick) {
    const tarball = npm(root, ['pack', '--silent', '--ignore-scripts', '--pack-destination', scratch]);
    npm(scratch, ['install', '-g', '--prefix', join(scratch, 'prefix'), '--no-audit', '--no-fund', '--prefer-offline', join(scratch, tarball)]);
    const prod = join(scratch, 'base-production');
    spawnSync('mkdir', ['-p', prod]);
    for (const file of ['package.json', 'package-lock.json']) spawnSync('cp', [join(base, file), prod]);
    npm(prod, ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline']);
    const clone = diskKiB(join(root, 'node_modules'));
    sizes = [
      `| before: a clone's node_modules after \`npm ci\` (the only way to run the CLI; the package was private) | ${mib(clone)} | 1.00x |`,
      `| before: the production dependencies of ${BASE_COMMIT}'s package.json (\`npm ci --omit=dev\`) | ${mib(diskKiB(join(prod, 'node_modules')))} | ${(diskKiB(join(prod, 'node_modules')) / clone).toFixed(2)}x |`,
      `| now: \`npm install -g\` of the packed ${tarball} (${diskKiB(join(scratch, tarball))} KiB) into an empty prefix | ${mib(diskKiB(join(scratch, 'prefix')))} | ${(diskKiB(join(scratch, 'prefix')) / clone).toFixed(2)}x |`,
    ].join('\n');
  }
  rmSync(scratch, { recursive: true, force: true });

  const text = [
    '## Install size, npm start and the cold start (issue 22)',
    '',
    `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. 1-minute load average ${load} at the start ` +
      `(a shared machine: wall times are inflated and noisy, CPU times are the steadier figure). "Before" is commit ${BASE_COMMIT} ` +
      `(git archive, this tree's node_modules), timed in the same rounds as "now". Command: \`node lib/bench/install-and-start.js\`${quick ? ' --quick' : ''}.`,
    '',
    `### \`npm start --silent\` on an unchanged tree (${ROUNDS} rounds after one untimed run)`,
    '',
    '| what | wall | CPU (user + system) | CPU vs before |',
    '| --- | ---: | ---: | ---: |',
    `| before: \`npm run build\` (full tsc, template build) then the audit | ${seconds(start.before.wall)} | ${seconds(start.before.cpu)} | 1.00x |`,
    `| now: \`tsc -b\` (nothing to do) then the audit | ${seconds(start.now.wall)} | ${seconds(start.now.cpu)} | ${ratio(start.now.cpu, start.before.cpu)} |`,
    `| the audit alone (\`node lib/src/cli.js audit ...\`), the floor | ${seconds(start.audit.wall)} | ${seconds(start.audit.cpu)} | ${ratio(start.audit.cpu, start.before.cpu)} |`,
    '',
    `### Cold start of dist/index.js: spawn to exit on bad inputs, no network (${COLD_ROUNDS} rounds)`,
    '',
    '| what | wall | CPU (user + system) | CPU vs before |',
    '| --- | ---: | ---: | ---: |',
    `| \`node -e ''\`: Node's own start | ${seconds(cold.node.wall)} | ${seconds(cold.node.cpu)} | |`,
    `| before: ${BASE_COMMIT}'s dist/index.js | ${seconds(cold.before.wall)} | ${seconds(cold.before.cpu)} | 1.00x |`,
    `| now: dist/index.js of this tree (\`npm run bundle\`) | ${seconds(cold.now.wall)} | ${seconds(cold.now.cpu)} | ${ratio(cold.now.cpu, cold.before.cpu)} |`,
    '',
    '### What a user installs for the CLI',
    '',
    '| what | on disk | vs before |',
    '| --- | ---: | ---: |',
    sizes,
  ].join('\n');
  await writeResults('install-and-start', text);
}

/** The audit arguments of package.json's start script (after `node lib/src/cli.js`). */
function startArguments(root: string): string[] {
  const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  return start.slice(start.indexOf('lib/src/cli.js') + 'lib/src/cli.js'.length).trim().split(/\s+/);
}

await main();
