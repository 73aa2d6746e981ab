// cfn-lint (the CloudFormation linter, installed on the machine) reports nothing at all, errors or warnings,
// on the pipeline template's and the OIDC bootstrap's source and built forms and the organisation's member role.

import { expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';

const TEMPLATES = ['cfn/pipeline.yaml', 'dist/pipeline.yaml', 'cfn/github-oidc-role.yaml', 'dist/github-oidc-role.yaml', 'cfn/member-role.yaml'];

test('cfn-lint: zero errors and zero warnings', () => {
  const run = spawnSync('cfn-lint', ['--format', 'parseable', '--', ...TEMPLATES], { encoding: 'utf8' });
  if (run.error) throw new Error(`cfn-lint could not be run (install it: pip install cfn-lint): ${run.error.message}`);
  expect({ status: run.status, findings: run.stdout.trim(), stderr: run.stderr.trim() }).toEqual({
    status: 0,
    findings: '',
    stderr: '',
  });
}, 60_000);

test('cfn-lint does report a broken template (the check can fail)', () => {
  const broken = 'Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      NoSuchProperty: 1\n';
  const run = spawnSync('cfn-lint', ['--format', 'parseable'], { input: broken, encoding: 'utf8' });
  if (run.error) throw new Error(`cfn-lint could not be run: ${run.error.message}`);
  expect(run.status).not.toBe(0);
  expect(run.stdout).toMatch(/NoSuchProperty/);
}, 60_000);
