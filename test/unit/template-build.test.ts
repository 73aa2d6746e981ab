// The built templates (dist/pipeline.yaml, dist/github-oidc-role.yaml): fresh (what `npm run build` would write
// now), under the inline template limit, and the bootstrap's inlined Lambda is a working CommonJS module that
// exports the handler.

import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BOOTSTRAP_OUTPUT, buildBootstrap, buildTemplate, TEMPLATE_OUTPUT } from '../../scripts/build-template.js';
import { MAX_INLINE_TEMPLATE_BYTES } from '../../src/deploy/deployer.js';
import { parseCfnTemplate } from '../../scripts/cfn-yaml.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const committed = readFileSync(TEMPLATE_OUTPUT, 'utf8');
const committedBootstrap = readFileSync(BOOTSTRAP_OUTPUT, 'utf8');

test('dist/pipeline.yaml and dist/github-oidc-role.yaml are what the build writes from the current sources (run npm run build if not)', async () => {
  expect(await buildTemplate(process.cwd())).toBe(committed);
  expect(await buildBootstrap(process.cwd())).toBe(committedBootstrap);
}, 30_000);

test('both built templates fit the 51,200-byte limit of a template sent inline', () => {
  expect(Buffer.byteLength(committed)).toBeLessThanOrEqual(MAX_INLINE_TEMPLATE_BYTES);
  expect(Buffer.byteLength(committedBootstrap)).toBeLessThanOrEqual(MAX_INLINE_TEMPLATE_BYTES);
});

test('the built bootstrap keeps every resource and statement of its source, with no comment but the header', () => {
  const source = parseCfnTemplate(readFileSync('cfn/github-oidc-role.yaml', 'utf8')) as Json;
  const built = parseCfnTemplate(committedBootstrap) as Json;
  built.Resources.Forwarder.Properties.Code.ZipFile = source.Resources.Forwarder.Properties.Code.ZipFile;
  expect(built).toEqual(source);
  expect(committedBootstrap.split('\n').filter((line) => /^\s*#/.test(line))).toHaveLength(2);
});

test('the inlined code loads as CommonJS index.js and exports an async handler', () => {
  const template = parseCfnTemplate(committedBootstrap) as Json;
  const code = template.Resources.Forwarder!.Properties.Code.ZipFile as string;
  const module = { exports: {} as Record<string, unknown> };
  const requireFromRepo = createRequire(`${process.cwd()}/package.json`);
  new Function('exports', 'require', 'module', code)(module.exports, requireFromRepo, module);
  expect(typeof module.exports.handler).toBe('function');
  expect(Object.keys(module.exports)).toEqual(['handler']);
});
