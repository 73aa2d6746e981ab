// The port memory as a JSON file on disk: a real MemoryStore for the reporting tests that need no S3.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { serializeMemory, type PortMemory } from '../../src/audit/known-ports.js';
import { interpretStoredMemory, type MemoryLoad, type MemoryStore } from '../../src/state/memory-store.js';

export class FileMemoryStore implements MemoryStore {
  constructor(
    readonly location: string,
    private readonly stackOrVpcKey: string,
  ) {}

  async load(): Promise<MemoryLoad> {
    let text: string;
    try {
      text = await readFile(this.location, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
      throw error;
    }
    return interpretStoredMemory(text, this.stackOrVpcKey, this.location);
  }

  async save(memory: PortMemory): Promise<void> {
    await mkdir(dirname(this.location), { recursive: true });
    const temporary = `${this.location}.${randomUUID()}.tmp`;
    await writeFile(temporary, serializeMemory(memory), 'utf8');
    await rename(temporary, this.location);
  }
}
