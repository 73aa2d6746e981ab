// Reading a file at a ref (the allowlist of a pull request's base or of the default branch) through the real
// Octokit against the local GitHub API: a file's text, undefined when absent, and a folder at that path is an
// InputError (the caller warns and reads no allowlist) naming the path, the ref and what is accepted.

import { expect, test } from '@jest/globals';
import { createGitHubClient, readFileAtRef } from '../../src/github.js';
import { InputError } from '../../src/input-error.js';
import { recordingLogger, useScheduledBed } from '../support/report-fixtures.js';

const bed = useScheduledBed();
const SHA = '0123456789abcdef0123456789abcdef01234567';

function client() {
  return createGitHubClient({ token: bed.github.token, baseUrl: bed.github.url, log: recordingLogger(), retryAfterBaseValue: 1 });
}
const repo = () => ({ owner: bed.github.owner, repo: bed.github.repo });

test("a file's text at a ref; undefined where there is none", async () => {
  bed.github.setFile(SHA, '.github/outbound-ports.yml', 'ports: []\n');
  expect(await readFileAtRef(client(), repo(), '.github/outbound-ports.yml', SHA)).toBe('ports: []\n');
  expect(await readFileAtRef(client(), repo(), '.github/other.yml', SHA)).toBeUndefined();
});

test('a folder at the path is an InputError naming the path, the ref and that a file is accepted', async () => {
  bed.github.setFile(SHA, '.github/outbound-ports/web.yml', 'ports: []\n');
  const read = readFileAtRef(client(), repo(), '.github/outbound-ports', SHA);
  await expect(read).rejects.toBeInstanceOf(InputError);
  await expect(read).rejects.toThrow(
    '.github/outbound-ports on 0123456789ab is a folder, not a file; the path must name a file.',
  );
});
