// Validates a SARIF log against the SARIF 2.1.0 JSON schema with Ajv (its draft-04 build: the schema is draft-04).
// The schema, test/fixtures/sarif/sarif-schema-2.1.0.json, is OASIS's, vendored from the SARIF TC's repository
// (github.com/oasis-tcs/sarif-spec, sarif-2.1/schema/sarif-schema-2.1.0.json, last changed in its commit
// a560296ca8c921f3bdb8d4a8db57ab83dae968a7); its `id` is the Errata 01 schema URI.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { ROOT } from './cli-process.js';

// Both packages are CommonJS: their module.exports, the ESM default import, carries the class and function as `default`.
const { default: Ajv } = ajvDraft04;
const { default: addFormats } = ajvFormats;

const schema = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

/** The schema's complaints about `log` (`/runs/0/results/1/level must be equal to one of the allowed values`); none when valid. */
export function sarifSchemaErrors(log: unknown): string[] {
  return validate(log) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}
