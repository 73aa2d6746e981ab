// Markdown building blocks shared by the issue, the PR comment and the job summary: tables, numbers, times,
// escaping, and fitting a body under GitHub's 65,536-character limit by shortening a table from its tail.

/** GitHub rejects issue and comment bodies longer than this. */
export const GITHUB_BODY_LIMIT = 65_536;

/** A zero-width space as an HTML entity: it splits `@name`, `#12` and `://` without changing what a reader sees. */
const ZERO_WIDTH_SPACE = '&#8203;';

/**
 * Unicode's bidirectional controls (ALM U+061C, LRM/RLM U+200E-F, LRE/RLE/PDF/LRO/RLO U+202A-E, LRI/RLI/FSI/PDI
 * U+2066-9): in a Name tag they can reorder what a reader sees (`RLO` shows `exe.txt` for `txt.exe`).
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** Each bidirectional control shown as its code point, `[U+202E]`, so it reorders nothing and is seen. */
function showBidiControls(value: string): string {
  return value.replace(BIDI_CONTROLS, (c) => `[U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`);
}

/**
 * Escapes a data value for markdown text (a sentence or a table cell): newlines become spaces; bidirectional
 * controls are shown as `[U+202E]`; `&`, `<` and `>` become entities (no HTML); markdown punctuation gets a
 * backslash (no emphasis, code, links, images or cell breaks). GitHub turns `@name` and `#12` into mentions and
 * references even when backslash-escaped (github/markup#1168, github/cmark-gfm#181), so a zero-width space
 * follows `@` and `#`; it also breaks bare URLs (`://`, `www.`) that GitHub would make links. GitHub renders
 * `$...$` as math and a backslash does not stop it: a `$` goes inside `<span>` tags, as GitHub's documentation
 * says to write a dollar sign that is no delimiter
 * (https://docs.github.com/en/get-started/writing-on-github/working-with-advanced-formatting/writing-mathematical-expressions).
 */
export function escapeMarkdown(value: string): string {
  return showBidiControls(value)
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]()!|~]/g, '\\$&')
    .replace(/[@#]/g, `$&${ZERO_WIDTH_SPACE}`)
    .replace(/:\/\//g, `:${ZERO_WIDTH_SPACE}//`)
    .replace(/www\./gi, (www) => `${www.slice(0, 3)}${ZERO_WIDTH_SPACE}.`)
    .replace(/\$/g, '<span>$$</span>');
}

/**
 * A data value as an inline code span, whatever backticks it holds: the fence is one backtick longer than the
 * longest run inside, padded with a space where CommonMark would otherwise strip or merge one. Mentions, links,
 * math and HTML are not rendered inside code; bidirectional controls are shown as `[U+202E]`. Not for table
 * cells (a `|` would end the cell); use escapeMarkdown.
 */
export function code(value: string): string {
  const text = showBidiControls(value).replace(/\r\n|\r|\n/g, ' ');
  if (text === '') return '';
  const fence = '`'.repeat(Math.max(0, ...[...text.matchAll(/`+/g)].map((run) => run[0].length)) + 1);
  const pad = /^[` ]|[` ]$/.test(text) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A markdown table; `align` marks right-aligned (numeric) columns. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[] = []): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const rule = headers.map((_, i) => (numeric[i] ? '---:' : '---'));
  return [line(headers), line(rule), ...rows.map(line)].join('\n');
}

/** A time to the minute, in UTC: an ISO string or a Date -> `2026-11-01 00:29` (the caller says `UTC` once). */
export function utcMinute(time: string | Date): string {
  return (typeof time === 'string' ? time : time.toISOString()).slice(0, 16).replace('T', ' ');
}

/** 1234567 -> `1,234,567`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A count with its noun, singular for exactly one: `1 connection`, `1,024 flows`. */
export function countOf(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${Math.round(n) === 1 ? '' : 's'}`;
}

/** Dollars with enough decimals to show Athena's small per-query costs: `$0.000048`. */
export function formatDollars(usd: number): string {
  if (usd === 0) return '$0';
  return usd >= 0.01 ? `$${usd.toFixed(2)}` : `$${usd.toPrecision(2)}`;
}

/**
 * Renders a body whose long table may be shortened: `render(shown)` must produce the body with the first
 * `shown` of `total` table rows (and a note when shown < total). Returns the longest body within `limit`.
 */
export function fitToLimit(total: number, render: (shown: number) => string, limit = GITHUB_BODY_LIMIT): string {
  const full = render(total);
  if (full.length <= limit) return full;
  let low = 0;
  let high = total - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (render(middle).length <= limit) low = middle;
    else high = middle - 1;
  }
  const body = render(low);
  if (body.length > limit) throw new Error(`the report does not fit in ${limit} characters even without its table rows`);
  return body;
}

/** The note under a shortened table; `fullListAt` says where the rest can be read. */
export function truncationNote(shown: number, total: number, what: string, fullListAt?: string): string {
  return (
    `> [!NOTE]\n> Showing the first ${formatCount(shown)} of ${formatCount(total)} ${what}: ` +
    `${formatCount(total - shown)} more were cut to stay under GitHub's ${formatCount(GITHUB_BODY_LIMIT)}-character limit.` +
    (fullListAt ? ` ${fullListAt}` : '')
  );
}
