// The egress-rules proposal (egress/proposal.ts) for people and scripts: a plain-text report for the terminal
// (`egress-rules --format table`), a markdown section for the job summary, and the JSON document whose schema is
// docs/egress-rules.schema.json. The code a reviewer pastes (CloudFormation, Terraform) is egress/egress-code.ts.
// Tables are the project's port tables (report/port-table.ts) with columns of their own.

import type { CurrentRule, EgressProposal, GroupProposal, ProposedRule, UnassignedTraffic } from '../egress/proposal.js';
import { destinationText, portsText } from '../egress/proposal.js';
import { unitLabel } from '../audit/audit-unit.js';
import { formatBytes } from '../format-bytes.js';
import { escapeMarkdown, fitToLimit, formatCount } from './markdown.js';
import { extraColumn, markdownPortTable, textPortTable, type Columns } from './port-table.js';

/** The version of the JSON document (`version`); a change that removes or renames a field raises it. */
export const EGRESS_JSON_VERSION = 1;

/** What the allowlist column says of a rule: nothing without an allowlist, else `listed` or the mark. */
const NOT_LISTED = 'NOT IN ALLOWLIST';
const allowlistCell = (rule: ProposedRule) => (rule.allowlisted === null ? '' : rule.allowlisted ? 'listed' : NOT_LISTED);

function ruleColumns(proposal: EgressProposal): Columns<ProposedRule> {
  const judged = [...proposal.groups.flatMap((g) => g.rules), ...proposal.unassigned.flatMap((u) => u.rules)].some((r) => r.allowlisted !== null);
  return [
    extraColumn('Ports', portsText),
    extraColumn('Destination', (r: ProposedRule) => destinationText(r.destination)),
    extraColumn('Connections', (r: ProposedRule) => formatCount(r.connections), true),
    extraColumn('Bytes', (r: ProposedRule) => formatBytes(r.bytes), true),
    extraColumn('Interfaces', (r: ProposedRule) => r.interfaces.join(', ')),
    ...(judged ? [extraColumn('Allowlist', allowlistCell)] : []),
  ];
}

const CURRENT_COLUMNS: Columns<CurrentRule> = [
  extraColumn('Current rule', (r: CurrentRule) => r.ruleId),
  extraColumn('Ports', (r: CurrentRule) => (r.ipProtocol === '-1' ? 'all traffic' : r.fromPort === null ? `all ${r.ipProtocol}` : `${r.fromPort === r.toPort ? r.fromPort : `${r.fromPort}-${r.toPort}`}/${r.ipProtocol}`)),
  extraColumn('Destination', (r: CurrentRule) => r.destination),
  extraColumn('In the window', (r: CurrentRule) => r.usage),
];

const hour = (iso: string) => `${iso.slice(0, 13)}Z`;
const days = (n: number) => `${Number.isInteger(n) ? n : n.toFixed(1)} day${n === 1 ? '' : 's'}`;

/** The proposal's first line: its window and whether it is safe to apply. */
function headline(p: EgressProposal): string {
  const span = `${hour(p.window.start)} to ${hour(p.window.end)} (${days(p.windowDays)})`;
  const safety = p.safeToApply ? `safe to apply after review (the window spans at least ${days(p.minDays)})` : `NOT YET SAFE TO APPLY: ${p.notSafeReason}`;
  return `Egress rules proposed from the flow logs of ${span}; ${safety}.`;
}

/** A group's title: `sg-0a1 (web) in vpc-0b2 (111122223333, eu-west-1)`. */
function groupTitle(g: GroupProposal): string {
  const where = [g.account, g.region].filter((x): x is string => x !== null);
  const vpc = g.vpcId === null ? '' : ` in ${g.vpcId}${where.length ? ` (${where.join(', ')})` : ''}`;
  return `${g.groupId}${g.groupName === null ? '' : ` (${g.groupName})`}${vpc}`;
}

const memberText = (g: GroupProposal) =>
  g.members.map((m) => `${m.interfaceId}${m.instanceId || m.subnetId ? ` (${[m.instanceId, m.subnetId].filter(Boolean).join(', ')})` : ''}`).join(', ');

const unassignedTitle = (u: UnassignedTraffic) => `${u.interfaceId ?? 'records without an interface'} in ${unitLabel(u.unit)}: ${u.why}`;

/** The terminal report: the headline, each group (verdict, members, proposed and current rules), unassigned traffic, refusals, notes. */
export function renderEgressTable(p: EgressProposal): string {
  const cols = ruleColumns(p);
  const groups = p.groups.flatMap((g) => [
    '',
    `== ${groupTitle(g)}: ${g.verdict} ==`,
    `members with outbound traffic: ${memberText(g)}`,
    ...(g.rules.length ? [textPortTable(g.rules, cols)] : []),
    ...(g.currentRules.length ? ['', textPortTable(g.currentRules, CURRENT_COLUMNS)] : ['(EC2 listed no current egress rule for it)']),
  ]);
  const unassigned = p.unassigned.flatMap((u) => ['', `== unassigned: ${unassignedTitle(u)} ==`, textPortTable(u.rules, cols)]);
  const empty = p.groups.length === 0 && p.unassigned.length === 0 ? ['', 'No interface opened a connection in the window: there is nothing to propose.'] : [];
  const refused = p.refusedUnits.map((r) => `refused: ${r}`);
  return [headline(p), ...groups, ...unassigned, ...empty, '', ...refused, ...p.notes.map((n) => `note: ${n}`)].join('\n');
}

/** How the markdown section may be shortened: at most `limit` characters, with `fullListAt` saying where the rest is. */
export interface EgressMarkdownOptions {
  readonly limit?: number;
  /** A sentence for the note of a shortened section, such as where the JSON output can be read. */
  readonly fullListAt?: string;
}

/**
 * The job summary's section (a `###` heading), every logged value escaped: the headline, each group and each
 * unassigned interface, then refusals and notes. Longer than `limit`: the last groups and interfaces are cut, and a
 * note says how many (a step's job summary holds at most 1024 KiB: the runner refuses a larger one, "supports content up to a
 * size of 1024k"; https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions#adding-a-markdown-summary).
 */
export function renderEgressMarkdown(p: EgressProposal, { limit = Number.POSITIVE_INFINITY, fullListAt }: EgressMarkdownOptions = {}): string {
  const cols = ruleColumns(p);
  const groups = p.groups.map((g) =>
    [
      `#### ${escapeMarkdown(groupTitle(g))}`,
      `**${escapeMarkdown(g.verdict)}.** Members with outbound traffic: ${escapeMarkdown(memberText(g))}.`,
      ...(g.rules.length ? [markdownPortTable(g.rules, cols)] : []),
      ...(g.currentRules.length ? [markdownPortTable(g.currentRules, CURRENT_COLUMNS)] : []),
    ].join('\n\n'),
  );
  const unassigned = p.unassigned.map((u) => `#### Unassigned: ${escapeMarkdown(unassignedTitle(u))}\n\n${markdownPortTable(u.rules, cols)}`);
  const sections = [...groups, ...unassigned];
  const lists = [
    ...p.refusedUnits.map((r) => `- **Refused:** ${escapeMarkdown(r)}`),
    ...p.notes.map((n) => `- ${escapeMarkdown(n)}`),
  ].join('\n');
  const render = (shown: number) => {
    const cut = shown < sections.length
      ? [`> [!NOTE]\n> Showing ${shown} of ${sections.length} security groups and unassigned interfaces: the rest were cut to stay under ${formatCount(limit)} characters.${fullListAt ? ` ${escapeMarkdown(fullListAt)}` : ''}`]
      : [];
    return ['### Proposed egress rules', escapeMarkdown(headline(p)), ...sections.slice(0, shown), ...cut, lists].filter((s) => s !== '').join('\n\n');
  };
  return fitToLimit(sections.length, render, limit);
}

/** The JSON document (docs/egress-rules.schema.json): the proposal with its version. */
export function egressProposalJson(p: EgressProposal) {
  return { version: EGRESS_JSON_VERSION, ...p };
}

export function renderEgressJson(p: EgressProposal): string {
  return JSON.stringify(egressProposalJson(p), null, 2);
}
