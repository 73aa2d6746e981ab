// The egress-rules step of an auditing run (issue 23, input egress-rules): with the EC2 facts the scope looked up
// (the audited VPCs' interfaces and their security groups' rules, aws/egress-facts-lookup.ts), one observed-egress
// query on Athena over the audit's window and table, then the proposal (egress/proposal.ts) as a job-summary
// section and the egress-rules output (JSON, docs/egress-rules.schema.json). A proposal for a person to review:
// nothing is applied to AWS.

import * as core from '@actions/core';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Allowlist } from '../audit/allowlist.js';
import type { UnitCoverage } from '../audit/unit-coverage.js';
import { proposeEgressRules } from '../egress/proposal.js';
import { egressProposalJson, renderEgressMarkdown } from '../report/egress-rules.js';
import { timed, type ActionRun } from './action-run.js';
import type { Audit } from './audit-steps.js';

/**
 * A job's outputs hold at most 1 MB, "approximated based on UTF-16 encoding" (GitHub Docs, "Passing information between
 * jobs", https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/passing-information-between-jobs);
 * the proposal keeps room for the other outputs.
 */
const OUTPUT_LIMIT_BYTES = 900_000;
/** The size GitHub counts for an output: two bytes per UTF-16 code unit. */
const outputSize = (text: string) => text.length * 2;
/** The proposal's share of the step's job summary (at most 1024 KiB in all; see report/egress-rules.ts). */
const SUMMARY_SHARE_BYTES = 512 * 1024;

/**
 * Runs the proposal and publishes it (job summary section, `egress-rules` output), redacted where the run redacts.
 * Without facts (no vpc-id and no vpcs-file to read interfaces of) it warns and sets the output to `null`.
 * `coverage` refuses units that cannot be audited; `allowlist` marks ports it does not explain.
 */
export async function publishEgressRules(run: ActionRun, audited: Audit, coverage: readonly UnitCoverage[], allowlist: Allowlist | undefined): Promise<void> {
  const facts = audited.scope.egressFacts;
  if (!facts) {
    core.warning('egress-rules: neither vpc-id nor vpcs-file names a VPC whose network interfaces could be read, so no egress rules are proposed.');
    core.setOutput('egress-rules', 'null');
    return;
  }
  const options = { window: audited.parameters.window, minDays: run.settings.egressRules.minDays, allowlist, coverage };
  const proposed = await timed('The egress-rules query', () => proposeEgressRules(audited.engine, audited.parameters, facts, options));
  for (const warning of proposed.rejected) core.warning(warning);
  const proposal = audited.shown(proposed.proposal);
  if (!proposal.safeToApply) core.warning(`egress-rules: not yet safe to apply: ${proposal.notSafeReason}.`);
  const json = JSON.stringify(egressProposalJson(proposal));
  const path = join(process.env.RUNNER_TEMP || tmpdir(), 'vpc-port-audit-egress-rules.json');
  await writeFile(path, json);
  core.info(`Wrote the egress-rules proposal to ${path}.`);
  const tooLarge = outputSize(json) > OUTPUT_LIMIT_BYTES;
  if (tooLarge) core.warning(`egress-rules: the proposal's JSON counts ${outputSize(json)} bytes as an output, over what a job's outputs hold; the output is null and the JSON is in ${path}.`);
  core.setOutput('egress-rules', tooLarge ? 'null' : json);
  const fullListAt = `The whole proposal is the step's egress-rules output (and ${path} on the runner).`;
  await core.summary.addRaw(`${renderEgressMarkdown(proposal, { limit: SUMMARY_SHARE_BYTES, fullListAt })}\n\n`).write();
}
