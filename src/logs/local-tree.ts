// A FlowLogTree on local disk: a folder (a copy of a flow-log bucket or any folder of it) read with readdir.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../input-error.js';
import type { FlowLogTree, TreeEntry } from './tree.js';

export class LocalTree implements FlowLogTree {
  /**
   * @param root the folder; `input` names it in messages (e.g. `--logs`).
   */
  constructor(readonly root: string, private readonly input = 'logs') {}

  /** The local path of the entry at `segments` under the root. */
  path(segments: readonly string[]): string {
    return join(this.root, ...segments);
  }

  /** Fails with an InputError unless the root is a folder: it does not exist, is a file, or cannot be looked at. */
  async check(): Promise<void> {
    const what = 'give a folder of flow-log files (a copy of the bucket or any folder in it)';
    const info = await stat(this.root).catch((error: NodeJS.ErrnoException) => {
      const problem = error.code === 'ENOENT' ? 'does not exist' : error.code === 'ENOTDIR' ? 'is not a folder' : `cannot be read (${error.code ?? error.message})`;
      throw new InputError(`${this.input}: '${this.root}' ${problem}; ${what}.`);
    });
    if (!info.isDirectory()) throw new InputError(`${this.input}: '${this.root}' is a file, not a folder; ${what}.`);
  }

  async list(segments: readonly string[]): Promise<TreeEntry[]> {
    const dir = this.path(segments);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw new InputError(`${this.input}: folder '${dir}' cannot be read (${(error as Error).message}).`);
    }
    const visible = entries.filter((e) => !e.name.startsWith('.') && (e.isFile() || e.isDirectory()));
    const listed = await Promise.all(
      visible.map(async (e): Promise<TreeEntry> =>
        e.isDirectory() ? { name: e.name, kind: 'folder' } : { name: e.name, kind: 'file', size: (await stat(join(dir, e.name))).size },
      ),
    );
    return listed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
