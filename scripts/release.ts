// The version bump of a release (run by .github/workflows/release.yml, and by its test on a scratch clone): in the
// git repository given, the next version from package.json and a bump (major, minor, patch, or X.Y.Z); CHANGELOG.md's
// Unreleased section becomes that version's entry (the commit subjects since the last release when it is empty),
// under a new empty Unreleased; package.json and package-lock.json take the version; one commit "Release vX.Y.Z",
// the immutable tag vX.Y.Z, and the floating major tag vX moved to it. Nothing is pushed: the workflow pushes.
// GitHub's guidance for actions: a vX.Y.Z tag per release and a major tag moved to the latest of its major
// (https://docs.github.com/en/actions/creating-actions/about-custom-actions#using-tags-for-release-management).

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

/** What a release made: the version, its tag, the major tag moved to it, and the changelog entry (markdown). */
export interface Release {
  readonly version: string;
  readonly tag: string;
  readonly majorTag: string;
  readonly notes: string;
}

/** A bump or a version that cannot be released: one sentence for the workflow's log. */
export class ReleaseError extends Error {}

const UNRELEASED = '## [Unreleased]';

/** `git ARGS` in `repo`; its stdout, trimmed. */
const git = (repo: string, ...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();

/** The version after `current` for a bump (`major`, `minor`, `patch`) or an explicit `X.Y.Z` above it. */
export function nextVersion(current: string, bump: string): string {
  if (bump === 'major' || bump === 'minor' || bump === 'patch') return semver.inc(current, bump)!;
  const explicit = semver.valid(bump);
  if (explicit === null || semver.prerelease(explicit) !== null) {
    throw new ReleaseError(`bump: '${bump}' is not a release; accepted are major, minor, patch or a version X.Y.Z.`);
  }
  if (!semver.gt(explicit, current)) throw new ReleaseError(`bump: ${explicit} is not above the current version ${current}.`);
  return explicit;
}

/**
 * CHANGELOG.md with its Unreleased section released as `version` on `date` (YYYY-MM-DD), and the entry's text.
 * `fallback` is the entry when Unreleased holds nothing; the compare links at the bottom follow when present.
 */
export function releaseChangelog(text: string, version: string, previous: string, date: string, fallback: string): { text: string; notes: string } {
  const start = text.indexOf(UNRELEASED);
  if (start < 0) throw new ReleaseError(`CHANGELOG.md has no '${UNRELEASED}' section to release.`);
  const bodyStart = start + UNRELEASED.length;
  const next = text.slice(bodyStart).search(/^## \[/m);
  const linksAt = text.slice(bodyStart).search(/^\[[^\]]+\]: /m);
  const bodyEnd = bodyStart + [next, linksAt].filter((i) => i >= 0).reduce((a, b) => Math.min(a, b), text.length - bodyStart);
  const notes = text.slice(bodyStart, bodyEnd).trim() || fallback;
  let released = `${text.slice(0, start)}${UNRELEASED}\n\n## [${version}] - ${date}\n\n${notes}\n\n${text.slice(bodyEnd)}`;
  const unreleasedLink = /^\[Unreleased\]: (\S+)\/compare\/v(\S+)\.\.\.HEAD$/m.exec(released);
  if (unreleasedLink) {
    const base = unreleasedLink[1]!;
    released = released.replace(unreleasedLink[0], `[Unreleased]: ${base}/compare/v${version}...HEAD\n[${version}]: ${base}/compare/v${previous}...v${version}`);
  }
  return { text: released.replace(/\n{3,}/g, '\n\n'), notes };
}

/** The commit subjects since the last vX.Y.Z tag (all commits when there is none), as a changelog list. */
function commitsSinceLastRelease(repo: string): string {
  let range = 'HEAD';
  try {
    range = `${git(repo, 'describe', '--tags', '--abbrev=0', '--match', 'v[0-9]*.[0-9]*.[0-9]*')}..HEAD`;
  } catch {
    // No release yet: every commit.
  }
  const subjects = git(repo, 'log', '--no-merges', '--format=%s', range).split('\n').filter(Boolean);
  return ['### Changed', '', ...subjects.map((s) => `- ${s}`)].join('\n');
}

/** Sets `version` in a package.json or package-lock.json text, keeping its layout. */
function withVersion(file: string, version: string): void {
  const json = JSON.parse(readFileSync(file, 'utf8')) as { version: string; packages?: Record<string, { version?: string }> };
  json.version = version;
  if (json.packages?.['']) json.packages[''].version = version;
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}

/** Releases `repo` (a clean work tree): bump, changelog, commit, tags. See the file header. */
export function release(repo: string, bump: string, date: string): Release {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new ReleaseError(`date: '${date}' is not a day YYYY-MM-DD.`);
  if (git(repo, 'status', '--porcelain') !== '') throw new ReleaseError(`the work tree of ${repo} has uncommitted changes; release from a clean checkout.`);
  const current = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
  const version = nextVersion(current, bump);
  const tag = `v${version}`;
  const majorTag = `v${semver.major(version)}`;
  if (git(repo, 'tag', '--list', tag) !== '') throw new ReleaseError(`the tag ${tag} exists already.`);
  const changelog = releaseChangelog(readFileSync(join(repo, 'CHANGELOG.md'), 'utf8'), version, current, date, commitsSinceLastRelease(repo));
  writeFileSync(join(repo, 'CHANGELOG.md'), changelog.text);
  withVersion(join(repo, 'package.json'), version);
  withVersion(join(repo, 'package-lock.json'), version);
  git(repo, 'add', 'CHANGELOG.md', 'package.json', 'package-lock.json');
  git(repo, 'commit', '--quiet', '-m', `Release ${tag}`);
  git(repo, 'tag', '-a', tag, '-m', tag);
  git(repo, 'tag', '--force', '-a', majorTag, '-m', `${majorTag}: the latest release of ${majorTag}, ${tag}`);
  return { version, tag, majorTag, notes: changelog.notes };
}

/** `node lib/scripts/release.js BUMP [--date YYYY-MM-DD] [--notes FILE]`: prints version=, tag=, major-tag= lines. */
function main(argv: string[]): number {
  const [bump, ...rest] = argv;
  const option = (name: string) => (rest.includes(name) ? rest[rest.indexOf(name) + 1] : undefined);
  try {
    if (bump === undefined) throw new ReleaseError('usage: release.js major|minor|patch|X.Y.Z [--date YYYY-MM-DD] [--notes FILE]');
    const made = release(process.cwd(), bump, option('--date') ?? new Date().toISOString().slice(0, 10));
    const notesFile = option('--notes');
    if (notesFile) writeFileSync(notesFile, `${made.notes}\n`);
    console.log(`version=${made.version}\ntag=${made.tag}\nmajor-tag=${made.majorTag}`);
    return 0;
  } catch (error) {
    if (!(error instanceof ReleaseError)) throw error;
    console.error(`release: ${error.message}`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replaceAll('\\', '/'))) process.exitCode = main(process.argv.slice(2));
