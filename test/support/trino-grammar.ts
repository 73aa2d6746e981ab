// The Trino grammar check for Athena SQL, from npm dt-sql-parser (TrinoSQL). The package ships ES modules
// with extensionless imports that Node cannot load, so it is bundled once per test worker with esbuild into a temporary file.

import { build } from 'esbuild';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface TrinoParser {
  validate(sql: string): { message: string; startLine: number; startColumn: number }[];
}

let parser: Promise<TrinoParser> | undefined;

async function loadParser(): Promise<TrinoParser> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('dt-sql-parser');
  const outDir = await mkdtemp(join(tmpdir(), 'trino-grammar-'));
  const outfile = join(outDir, 'trino-grammar.mjs');
  await build({
    stdin: { contents: `export { TrinoSQL } from ${JSON.stringify(entry)};`, resolveDir: outDir },
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile,
    logLevel: 'error',
  });
  const { TrinoSQL } = (await import(pathToFileURL(outfile).href)) as { TrinoSQL: new () => TrinoParser };
  return new TrinoSQL();
}

/** The Trino grammar errors of `sql` (empty when it parses). */
export async function trinoSyntaxErrors(sql: string): Promise<string[]> {
  parser ??= loadParser();
  return (await parser).validate(sql).map((e) => `${e.startLine}:${e.startColumn} ${e.message}`);
}
