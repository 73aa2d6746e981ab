// The "Pipeline health" section of the job summary and of the tracking issue, and the hidden line that says
// which problems an issue body shows (so a run can tell whether the issue must change, and whether it is open
// only for the pipeline).

import type { HourWindow } from '../flowlog/layout.js';
import type { PipelineHealth, ProblemKind } from '../health/judge.js';
import { renderWindow } from './audit-sections.js';
import { escapeMarkdown, table } from './markdown.js';

const STATE_LABEL = { ok: 'ok', problem: '**problem**', skipped: 'not checked' } as const;
const HEALTH_MARKER = /<!-- vpc-port-audit:pipeline-health ([^>]*?) ?-->/;

/** The hidden line of an issue body that lists the problems it shows (none: the line is absent). */
export function healthMarker(health: PipelineHealth | undefined): string | undefined {
  const kinds = problemKinds(health);
  return kinds.length > 0 ? `<!-- vpc-port-audit:pipeline-health ${kinds.join(' ')} -->` : undefined;
}

/** The problem kinds of a health verdict, sorted and unique. */
export function problemKinds(health: PipelineHealth | undefined): ProblemKind[] {
  return [...new Set((health?.problems ?? []).map((p) => p.kind!))].sort();
}

/** The problem kinds an issue body shows; [] when it shows none. */
export function problemKindsIn(body: string): string[] {
  const match = HEALTH_MARKER.exec(body);
  return match ? match[1]!.split(' ').filter((k) => k !== '').sort() : [];
}

/** The comment that notifies an open issue's watchers of pipeline problems it did not show before. */
export function renderPipelineProblemsComment(health: PipelineHealth, window: HourWindow): string {
  const lines = health.problems.map((p) => `- ${escapeMarkdown(p.part)}: ${escapeMarkdown(p.detail)}`);
  return `**Pipeline health: ${health.problems.length} problem${health.problems.length === 1 ? '' : 's'}** in ${renderWindow(window)}:\n\n${lines.join('\n')}\n`;
}

/**
 * The section: a warning block naming each problem and what it means, then every check in a table.
 * `heading` is the markdown heading prefix (`##` in the job summary, `###` in the issue).
 */
export function renderPipelineHealth(health: PipelineHealth, heading: '##' | '###'): string {
  const rows = health.checks.map((c) => [escapeMarkdown(c.part), STATE_LABEL[c.state], escapeMarkdown(c.detail)]);
  const verdict =
    health.problems.length === 0
      ? 'Every checked part of the pipeline is healthy.'
      : [
          '> [!WARNING]',
          `> The pipeline has ${health.problems.length} problem${health.problems.length === 1 ? '' : 's'}: fewer or no flows may mean a broken pipeline, not a quiet VPC.`,
          ...health.problems.map((p) => `> - ${escapeMarkdown(p.part)}: ${escapeMarkdown(p.detail)}`),
        ].join('\n');
  return [`${heading} Pipeline health`, '', verdict, '', table(['Part', 'State', 'Detail'], rows), ''].join('\n');
}
