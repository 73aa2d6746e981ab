// docs/examples/*.md and docs/cli.md are what the renderers and the CLI's help produce now (scripts/examples.ts
// renders them again here from the shipped sample, with DuckDB running the real audit and drill-down SQL), so the
// README's examples never go stale; the README links each of them.

import { describe, expect, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { renderExamples, tableOfContents } from '../../scripts/examples.js';
import { COMMANDS, commandHelp } from '../../src/cli-args.js';

const rendered = await renderExamples();

describe('docs/examples and docs/cli.md', () => {
  test('are the files the script writes: the tracking issue, the PR comment, the job summary, the CLI reference', () => {
    expect(Object.keys(rendered).sort()).toEqual(['README.md', 'docs/cli.md', 'docs/examples/job-summary.md', 'docs/examples/pr-comment.md', 'docs/examples/tracking-issue.md']);
  });

  test.each(Object.keys(rendered))('%s equals what is rendered now (else: npm run examples)', async (path) => {
    expect(await readFile(path, 'utf8')).toBe(rendered[path]);
  });

  test('the examples show what a user gets from the sample: new ports with who opened them, the allowlist diff, the chart', () => {
    expect(rendered['docs/examples/tracking-issue.md']).toContain('<!-- vpc-port-audit:tracking-issue key=vpc-0a1b2c3d4e5f67890 -->');
    expect(rendered['docs/examples/tracking-issue.md']).toMatch(/\| 5432 \| tcp \|/);
    expect(rendered['docs/examples/tracking-issue.md']).toContain('### Who opened the new ports');
    expect(rendered['docs/examples/pr-comment.md']).toMatch(/\| 8333 \| tcp \|.*✅ Newly allowed by this PR \|/);
    expect(rendered['docs/examples/pr-comment.md']).toMatch(/\| 123 \| udp \|.*⚠️ No longer allowed by this PR \|/);
    expect(rendered['docs/examples/job-summary.md']).toContain('```mermaid');
  });

  test('the CLI reference holds the help of every command', () => {
    for (const name of Object.keys(COMMANDS) as (keyof typeof COMMANDS)[]) expect(rendered['docs/cli.md']).toContain(commandHelp(name).trimEnd());
  });

  test('the README links each of them, and its table of contents names every section', async () => {
    const readme = await readFile('README.md', 'utf8');
    for (const path of Object.keys(rendered).filter((p) => p.startsWith('docs/'))) expect(readme).toContain(`](${path})`);
    const toc = tableOfContents(readme);
    for (const heading of ['Quick start', 'Use it in a workflow', 'The allowlist', 'Releases and versions', 'The local audit (CLI)']) expect(toc).toContain(`[${heading}](#`);
    expect(toc).toContain('- [What it audits, and why not the original recipe\'s query](#what-it-audits-and-why-not-the-original-recipes-query)');
    expect(toc).toContain('  - [Outputs](#outputs)');
    expect(toc).not.toContain('the two role ARNs'); // a comment inside a code block is no heading
  });
});
