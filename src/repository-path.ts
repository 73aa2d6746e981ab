// Where a file sits in its git repository: its path from the repository's root (the nearest folder above it that
// holds `.git`, a folder or, in a worktree or submodule, a file), with `/` separators, as code scanning locates
// SARIF results. Outside any repository, its path from the working folder.

import { access } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** `file` (absolute, or relative to `cwd`) as a path from its repository's root: `.github/outbound-ports.yml`. */
export async function repositoryRelativePath(file: string, cwd: string = process.cwd()): Promise<string> {
  const absolute = resolve(cwd, file);
  let root = resolve(cwd);
  for (let dir = dirname(absolute); ; dir = dirname(dir)) {
    const found = await access(join(dir, '.git')).then(() => true, () => false);
    if (found) {
      root = dir;
      break;
    }
    if (dirname(dir) === dir) break;
  }
  return relative(root, absolute).split(sep).join('/');
}
