// The built template: fresh (what `npm run build` would write now), under the inline template limit, and its
// inlined Lambda is a working CommonJS module that exports the handler.

import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildTemplate, TEMPLATE_OUTPUT } from '../../scripts/build-template.js';
import { MAX_INLINE_TEMPLATE_BYTES } from '../../src/deploy/deployer.js';
import { parseCfnTemplate } from '../../scripts/cfn-yaml.js';

const committed = readFileSync(TEMPLATE_OUTPUT, 'utf8');

test('dist/pipeline.yaml is what the build writes from the current sources (run npm run build if not)', async () => {
  expect(await buildTemplate(process.cwd())).toBe(committed);
}, 30_000);

test('the built template fits the 51,200-byte limit of a template sent inline', () => {
  expect(Buffer.byteLength(committed)).toBeLessThanOrEqual(MAX_INLINE_TEMPLATE_BYTES);
});

test('the inlined code loads as CommonJS index.js and exports an async handler', () => {
  const template = parseCfnTemplate(committed) as { Resources: Record<string, { Properties: Record<string, any> }> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  const code = template.Resources.Forwarder!.Properties.Code.ZipFile as string;
  const module = { exports: {} as Record<string, unknown> };
  const requireFromRepo = createRequire(`${process.cwd()}/package.json`);
  new Function('exports', 'require', 'module', code)(module.exports, requireFromRepo, module);
  expect(typeof module.exports.handler).toBe('function');
  expect(Object.keys(module.exports)).toEqual(['handler']);
});
