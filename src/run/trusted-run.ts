// A run of the default branch (schedule; workflow_dispatch and push there), as one plan:
//   allowlist (workspace) -> deploy (unless mode audit) -> audit -> health -> tracking issue and memory
//   (src/run/scheduled-run.ts, with the drill-down of new ports) -> finish.

import * as core from '@actions/core';
import type { PortRow } from '../audit/port-row.js';
import { createAwsClients, type AwsClients } from '../aws/clients.js';
import { lookUpSourceNames, withSourceNames } from '../aws/source-names.js';
import type { DrillDownResult } from '../engines/engine.js';
import { timed, workspaceAllowlist, type ActionRun } from './action-run.js';
import { deployPipeline } from './audit-target.js';
import { audit, checkPipelineHealth, finish, scheduledInput, type Audit } from './audit-steps.js';
import { runScheduledAudit } from './scheduled-run.js';

export async function runTrusted(run: ActionRun): Promise<void> {
  const allowlist = await workspaceAllowlist(run);
  const clients = createAwsClients({ region: run.settings.region });
  const deployed = run.settings.mode === 'audit' ? undefined : await deployPipeline(run.settings, clients);
  const audited = await audit(run, clients, { pullRequest: false, deployed });
  const health = audited.shown(await checkPipelineHealth(run, clients, audited.target, audited.parameters.window));
  const input = await scheduledInput(run, clients, audited, allowlist, health);
  const report = await runScheduledAudit({ ...input, drillDown: async (newPorts) => audited.shown(await drillDownNewPorts(clients, audited, newPorts)) });
  const trackingIssue = report.issueNumber === undefined ? undefined : { number: report.issueNumber, url: report.issueUrl };
  if (trackingIssue) core.setOutput('issue-number', String(trackingIssue.number));
  const { newPorts, silent, unexplained, drillDown, memory, units } = report;
  await finish(run, audited, { newPorts, silent, unexplained, trackingIssue, health: report.health, drillDown, memory, units, judgedBy: allowlist });
}

/** The drill-down step: one more Athena query for the new ports, then their sources' names (where the role may). */
async function drillDownNewPorts(clients: AwsClients, audited: Audit, newPorts: readonly PortRow[]): Promise<DrillDownResult> {
  const drillDown = await timed('The drill-down query', () => audited.engine.runDrillDown(audited.parameters, newPorts));
  for (const warning of drillDown.rejected) core.warning(warning);
  // Each VPC's busiest sources need not be the organisation's: names are looked up for both at once.
  const names = await lookUpSourceNames(clients.ec2, [...drillDown.ports, ...drillDown.units.flatMap((u) => u.ports)], core);
  return { ...drillDown, ports: withSourceNames(drillDown.ports, names), units: drillDown.units.map((u) => ({ ...u, ports: withSourceNames(u.ports, names) })) };
}
