// The egress-rules step of an auditing run (issue 23, input egress-rules): with the EC2 facts the scope looked up
// (the audited VPCs' interfaces and their security groups' rules, aws/egress-facts-lookup.ts), one observed-egress
// query on Athena over the audit's window and table, then the proposal (egress/proposal.ts) as a job-summary
// section and the egress-rules output (JSON, docs/egress-rules.schema.json). A proposal for a person to review:
// nothing is applied to AWS.

import * as core from '@actions/core';
import type { Allowlist } from '../audit/allowlist.js';
import type { UnitCoverage } from '../audit/unit-coverage.js';
import { proposeEgressRules } from '../egress/proposal.js';
import { egressProposalJson, renderEgressMarkdown } from '../report/egress-rules.js';
import { timed, type ActionRun } from './action-run.js';
import type { Audit } from './audit-steps.js';

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
  core.setOutput('egress-rules', JSON.stringify(egressProposalJson(proposal)));
  await core.summary.addRaw(`${renderEgressMarkdown(proposal)}\n\n`).write();
}
