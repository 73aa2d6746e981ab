// Where the memory of earlier top lists lives between runs (runners are ephemeral): the contract a store
// meets (S3 in the action, a file in tests), and how a stored text becomes a MemoryLoad.

import { parseMemory, type PortMemory } from '../audit/known-ports.js';

/** What a store found: nothing yet, a valid memory (with warnings for dropped entries), or a corrupted one. */
export type MemoryLoad =
  | { readonly status: 'missing' }
  | { readonly status: 'ok'; readonly memory: PortMemory; readonly warnings: readonly string[] }
  | { readonly status: 'corrupt'; readonly problem: string };

export interface MemoryStore {
  /** Where the memory is, for log lines: `s3://bucket/key` or a file path. */
  readonly location: string;
  load(): Promise<MemoryLoad>;
  save(memory: PortMemory): Promise<void>;
}

/** Turns stored text (undefined when there is none) into a MemoryLoad for the given stack or VPC key. */
export function interpretStoredMemory(text: string | undefined, key: string, location: string): MemoryLoad {
  if (text === undefined) return { status: 'missing' };
  const parsed = parseMemory(text, key);
  if (!parsed.ok) return { status: 'corrupt', problem: `the port memory at ${location} is unusable: ${parsed.problem}` };
  return { status: 'ok', memory: parsed.memory, warnings: parsed.warnings.map((w) => `port memory at ${location}: ${w}`) };
}
