// Rendered markdown checked for content: the top-list table, the mermaid chart, the job summary, the issue
// body and comments, the PR comment, and shortening under GitHub's 65,536-character limit.

import { describe, expect, test } from '@jest/globals';
import { diffAllowlists, updateMemory, unacknowledgedPorts } from '../../src/audit/known-ports.js';
import { CHART_MAX_BARS, NEW_MARKER, renderCost, renderFlowsChart, renderTopListTable } from '../../src/report/audit-sections.js';
import { renderJobSummary } from '../../src/report/job-summary.js';
import { code, escapeMarkdown, fitToLimit, formatDollars, GITHUB_BODY_LIMIT, utcMinute } from '../../src/report/markdown.js';
import { formatBytes } from '../../src/format-bytes.js';
import { pullRequestMarker, renderPullRequestComment } from '../../src/report/pr-comment.js';
import { renderIssueBody, renderNewPortsComment, trackingMarker, unacknowledgedKeysIn } from '../../src/report/tracking-issue.js';
import { allowlistOf, auditResult, oneUnit, portRow, WINDOW } from '../support/report-fixtures.js';

const HTTPS = portRow(443, 6, 1_234_567, ['52.94.0.10', '54.239.0.20']);
const DNS = portRow(53, 17, 300);
const SSH = portRow(22, 6, 40, ['198.51.100.7']);

/** The data rows of the first markdown table in `text` (header and rule excluded). */
function tableRows(text: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('| '));
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.slice(2, -2).split(' | '));
  }
  return rows;
}

/** The mermaid blocks in `text`. */
function mermaidBlocks(text: string): string[] {
  return [...text.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
}

describe('numbers and cells', () => {
  test.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.50 KiB'],
    [12_345_678, '11.8 MiB'],
    [5 * 1024 ** 4, '5.00 TiB'],
  ])('formatBytes(%d) = %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));

  test.each([
    [0, '$0'],
    [0.0000617, '$0.000062'],
    [0.05, '$0.05'],
    [12.5, '$12.50'],
  ])('formatDollars(%d) = %s', (usd, text) => expect(formatDollars(usd)).toBe(text));

  test('utcMinute writes an ISO string or a Date to the minute, in one style', () => {
    expect(utcMinute('2026-11-01T00:29:59.999Z')).toBe('2026-11-01 00:29');
    expect(utcMinute(new Date('2026-11-01T23:48:00Z'))).toBe('2026-11-01 23:48');
  });
});

describe('escaping data values', () => {
  const ZWSP = '&#8203;';

  test('escapeMarkdown keeps a table row whole and renders no HTML', () => {
    expect(escapeMarkdown('a|b\nc <d> & e')).toBe('a\\|b c &lt;d&gt; &amp; e');
  });

  test.each([
    ['code', '`rm -rf`', '\\`rm -rf\\`'],
    ['emphasis', '*bold* _it_ ~~gone~~', '\\*bold\\* \\_it\\_ \\~\\~gone\\~\\~'],
    ['link', '[click](https://evil.example)', `\\[click\\]\\(https:${ZWSP}//evil.example\\)`],
    ['image', '![x](y)', '\\!\\[x\\]\\(y\\)'],
    ['mention', 'cc @octocat and @org/team', `cc @${ZWSP}octocat and @${ZWSP}org/team`],
    ['issue reference', 'fixes #1', `fixes #${ZWSP}1`],
    ['bare URLs', 'http://a.example www.b.example', `http:${ZWSP}//a.example www${ZWSP}.b.example`],
    ['HTML', '<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert\\(1\\)&gt;'],
    ['an entity', '&lt;', '&amp;lt;'],
    ['a backslash', 'a\\|b', 'a\\\\\\|b'],
    ['math (issue 20)', '$x^2$ and $$y$$', '<span>$</span>x^2<span>$</span> and <span>$</span><span>$</span>y<span>$</span><span>$</span>'],
    ['right-to-left override (issue 20)', 'web\u202Etxt.exe', 'web\\[U+202E\\]txt.exe'],
    ['every bidi control (issue 20)', '\u061C\u200E\u200F\u202A\u202B\u202C\u202D\u2066\u2067\u2068\u2069', '\\[U+061C\\]\\[U+200E\\]\\[U+200F\\]\\[U+202A\\]\\[U+202B\\]\\[U+202C\\]\\[U+202D\\]\\[U+2066\\]\\[U+2067\\]\\[U+2068\\]\\[U+2069\\]'],
  ])('escapeMarkdown neutralises %s', (_what, value, escaped) => {
    expect(escapeMarkdown(value)).toBe(escaped);
  });

  test.each([
    ['.github/outbound-ports.yml', '`.github/outbound-ports.yml`'],
    ['a`b', '``a`b``'],
    ['``x', '``` ``x ```'],
    ['ends with `', '`` ends with ` ``'],
    [' spaced ', '`  spaced  `'],
    ['two\nlines', '`two lines`'],
    ['', ''],
    ['db\u202Eprod', '`db[U+202E]prod`'],
  ])('code(%j) = %j: a span no backtick inside can end early', (value, span) => {
    expect(code(value)).toBe(span);
  });

  test('hostile values in the issue body, its comment and the PR comment stay inert text', () => {
    const hostile = portRow(443, 6, 10, ['`@octocat`', '[x](https://evil.example) <b>|']);
    const allowlistPath = 'ports`@octocat`.yml';
    const body = renderIssueBody({
      top: 10,
      stackOrVpcKey: 'vpc-0abc1234',
      unacknowledged: unacknowledgedPorts(updateMemory(undefined, 'k', oneUnit([hostile]), new Set(['443/tcp']), new Date('2026-11-02T00:00:00Z')), undefined),
      rows: [hostile],
      newKeys: new Set(['443/tcp']),
      window: WINDOW,
      allowlistPath,
    });
    const comment = renderNewPortsComment([hostile], WINDOW);
    const pr = renderPullRequestComment({ diff: diffAllowlists(undefined, undefined, [hostile]), ranked: [hostile], top: 10, stackOrVpcKey: 'vpc-0abc1234', allowlistPath });
    // What GitHub renders as markup: the text outside code spans, fenced blocks and HTML comments.
    const rendered = (text: string) =>
      text.replace(/<!--[\s\S]*?-->/g, '').replace(/```[a-z]*\n[\s\S]*?\n```/g, '').replace(/(?<![`\\])(`+)(?!`)[\s\S]*?[^`\\]\1(?!`)/g, '');
    for (const text of [body, pr]) expect(rendered(text)).toContain('octocat'); // escaped, not dropped
    for (const text of [body, comment, pr]) {
      expect(rendered(text)).not.toMatch(/@octocat|\]\(|<b>|https:\/\//);
      for (const row of tableRows(text)) expect(row.length).toBeGreaterThanOrEqual(6); // no cell was split by a pipe
    }
    expect(body).toContain('``ports`@octocat`.yml``');
    expect(comment).toContain('`` `@octocat` ``');
    expect(tableRows(body)[0]!.at(-1)).toBe(`\\\`@${ZWSP}octocat\\\`, \\[x\\]\\(https:${ZWSP}//evil.example\\) &lt;b&gt;\\|`);
  });
});

describe('top list and chart', () => {
  test('the table lists every port in rank order with formatted numbers, marking only the new ones', () => {
    const rows = tableRows(renderTopListTable([HTTPS, DNS, SSH], new Set(['22/tcp'])));
    expect(rows.map((r) => [r[0], r[1], r[2]])).toEqual([['1', '443', 'tcp'], ['2', '53', 'udp'], ['3', '22', 'tcp']]);
    expect(rows[0]![3]).toBe('1,234,567');
    expect(rows[0]![8]).toBe('52.94.0.10, 54.239.0.20');
    expect(rows.map((r) => r[9])).toEqual(['', '', NEW_MARKER]);
  });

  test('an empty top list says so instead of an empty table', () => {
    expect(renderTopListTable([], new Set())).toMatch(/No outbound traffic/);
    expect(renderFlowsChart([])).toBe('');
  });

  test('the chart is a valid xychart-beta block with one bar per label, busiest first, capped', () => {
    const rows = Array.from({ length: 20 }, (_, i) => portRow(1000 + i, 6, (i + 1) * 10));
    const [block] = mermaidBlocks(renderFlowsChart(rows));
    const lines = block!.split('\n');
    expect(lines[0]).toBe('xychart-beta');
    expect(lines[1]).toMatch(/^ {4}title "Flows per port \(busiest 15 of 20\)"$/);
    const labels = JSON.parse(lines[2]!.replace(/^ {4}x-axis /, '')) as string[];
    const bars = JSON.parse(lines[4]!.replace(/^ {4}bar /, '')) as number[];
    expect(labels).toHaveLength(CHART_MAX_BARS);
    expect(bars).toHaveLength(CHART_MAX_BARS);
    expect(labels[0]).toBe('1019/tcp');
    expect(bars[0]).toBe(200);
    expect(bars).toEqual([...bars].sort((a, b) => b - a));
    expect(lines[3]).toBe('    y-axis "Flows" 0 --> 200');
  });

  test('cost names bytes scanned and dollars for Athena, and no cost for DuckDB', () => {
    const { statistics } = auditResult([]);
    expect(renderCost('athena', statistics)).toBe('Athena scanned 11.8 MiB (12,345,678 bytes), billed $0.000062 (query `q-123`).');
    expect(renderCost('duckdb', statistics)).toMatch(/^DuckDB read 11.8 MiB locally \(no cost\)\.$/);
  });
});

describe('job summary', () => {
  test('shows the window, the cost, what is new, the chart and the whole top list', () => {
    const text = renderJobSummary({
      top: 10,
      result: auditResult([HTTPS, DNS, SSH]),
      window: WINDOW,
      newPorts: [SSH],
      silent: false,
      trackingIssue: { number: 7, url: 'https://github.example/o/r/issues/7' },
    });
    expect(text).toContain('2026-11-01 00:00 to 2026-11-02 00:00 UTC (24 h)');
    expect(text).toContain('12,345,678 bytes');
    expect(text).toContain('$0.000062');
    expect(text).toContain('**1 new port:** `22/tcp` (tracked in [#7](https://github.example/o/r/issues/7))');
    expect(mermaidBlocks(text)).toHaveLength(1);
    expect(tableRows(text)).toHaveLength(3);
  });

  test('names the table read and its partitioning next to the cost, when given', () => {
    const tableRead = 'flowlogs.vpc_flow_logs: not partitioned by time: every audit reads the whole table and keeps the window by start';
    const text = renderJobSummary({ top: 10, result: auditResult([HTTPS]), window: WINDOW, newPorts: [], silent: false, tableRead });
    expect(text).toMatch(/- Cost: Athena scanned [^\n]+\n- Table: flowlogs\.vpc_flow_logs: not partitioned by time/);
    expect(renderJobSummary({ top: 10, result: auditResult([HTTPS]), window: WINDOW, newPorts: [], silent: false })).not.toContain('- Table:');
  });

  test('a baseline run says that it recorded a baseline', () => {
    const text = renderJobSummary({ top: 10, result: auditResult([HTTPS]), window: WINDOW, newPorts: [], silent: true });
    expect(text).toMatch(/Baseline recorded/);
    expect(text).not.toMatch(/new port/i);
  });

  test('a run that saw no flows says so rather than claiming a baseline', () => {
    const text = renderJobSummary({ top: 10, result: auditResult([]), window: WINDOW, newPorts: [], silent: true });
    expect(text).toMatch(/No outbound flows in this window yet/);
    expect(text).not.toMatch(/Baseline recorded/);
  });

  test('a pull-request run points to its comment instead of claiming no new ports', () => {
    const text = renderJobSummary({ top: 10, result: auditResult([HTTPS, SSH]), window: WINDOW, newPorts: [], silent: false, pullRequest: 42 });
    expect(text).toMatch(/allowlist diff is in the comment on #42/);
    expect(text).not.toMatch(/No new ports/);
    expect(text).toContain('| 22 |');
  });

  test('a read-only run shows why nothing was written (escaped) and does not call its new ports reported', () => {
    const readOnly = 'Read-only run: this push run is on refs/heads/`@x`, not on the default branch main.';
    const text = renderJobSummary({ top: 10, result: auditResult([HTTPS, SSH]), window: WINDOW, newPorts: [SSH], silent: false, readOnly });
    expect(text).toContain('> [!NOTE]\n> Read-only run: this push run is on refs/heads/\\`@&#8203;x\\`, not on the default branch main.');
    expect(text).toContain('**1 port not seen before** (not reported by this read-only run): `22/tcp`.');
    expect(text).not.toMatch(/new port/);
  });
});

describe('tracking issue body and comments', () => {
  const memory = updateMemory(undefined, 'vpc-0abc1234', oneUnit([HTTPS, DNS, SSH]), new Set(['22/tcp', '53/udp']), WINDOW.end);
  const unacknowledged = unacknowledgedPorts(memory, undefined);

  test('carries both hidden markers and lists the unacknowledged ports with their numbers', () => {
    const body = renderIssueBody({ top: 10, stackOrVpcKey: 'vpc-0abc1234', unacknowledged, rows: [HTTPS, DNS, SSH], newKeys: new Set(['22/tcp']), window: WINDOW, allowlistPath: '.github/outbound-ports.yml' });
    expect(body.startsWith(trackingMarker('vpc-0abc1234'))).toBe(true);
    expect(unacknowledgedKeysIn(body).sort()).toEqual(['22/tcp', '53/udp']);
    const ports = tableRows(body.slice(body.indexOf('### Unacknowledged ports')));
    expect(ports.map((r) => `${r[0]}/${r[1]}`).sort()).toEqual(['22/tcp', '53/udp']);
    expect(ports.find((r) => r[0] === '22')!.slice(2)).toEqual(['2026-11-02 00:00', '2026-11-02 00:00', '40', '58.6 KiB', '198.51.100.7']);
    expect(body).toContain('`.github/outbound-ports.yml`');
    expect(mermaidBlocks(body)).toHaveLength(1);
  });

  test('the new-ports comment names exactly the new ports', () => {
    const comment = renderNewPortsComment([SSH], WINDOW);
    expect(comment).toContain('**1 new outbound port**');
    expect(comment).toContain('- `22/tcp`: 40 flows, 58.6 KiB, 1 peer (e.g. `198.51.100.7`)');
    expect(comment).not.toContain('443');
  });

  test('a body over the limit keeps the table head and its first rows, and says what was cut', () => {
    const peers = ['2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff', '2001:db8:ffff:eeee:dddd:cccc:bbbb:aaaa'];
    const rows = Array.from({ length: 2000 }, (_, i) => portRow(i + 1, 6, 5000 - i, peers));
    const body = renderIssueBody({ top: 2000, stackOrVpcKey: 'vpc-0abc1234', unacknowledged, rows, newKeys: new Set(), window: WINDOW, allowlistPath: 'a.yml' });
    expect(body.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    const top = body.slice(body.indexOf('### Current top list'));
    expect(top).toContain('| # | Port | Protocol | Connections | Flows |');
    const shown = tableRows(top);
    expect(shown.length).toBeGreaterThan(100);
    expect(shown.length).toBeLessThan(2000);
    expect(shown[0]![1]).toBe('1');
    expect(shown.at(-1)![0]).toBe(String(shown.length));
    expect(top).toContain(`Showing the first ${shown.length.toLocaleString('en-US')} of 2,000 ports of the top list`);
    expect(top).toContain("GitHub's 65,536-character limit");
    // The part that matters most survives whole: both unacknowledged ports and the markers.
    expect(unacknowledgedKeysIn(body).sort()).toEqual(['22/tcp', '53/udp']);
  });

  test('fitToLimit returns the longest render that fits, or throws when nothing fits', () => {
    const render = (n: number) => 'x'.repeat(10 + n * 3);
    expect(fitToLimit(100, render, 50).length).toBe(49);
    expect(fitToLimit(5, render, 50).length).toBe(25);
    expect(() => fitToLimit(5, render, 5)).toThrow(/does not fit/);
  });
});

describe('new ports below the top list', () => {
  test('the job summary shows the top list, then "New, below the top N" with each port\'s rank, and says how many ports max-ports left out', () => {
    const rows = [HTTPS, DNS, SSH, portRow(3306, 6, 12), portRow(8333, 6, 2)];
    const text = renderJobSummary({ top: 2, result: { ...auditResult(rows), portsLeftOut: 7 }, window: WINDOW, newPorts: [SSH, rows[4]!], silent: false });
    expect(text).toContain('- Ports in the window: 5 (and 7 less busy ones beyond max-ports, neither judged nor remembered); the top list shows 2');
    const [topPart, belowPart] = text.split('### New, below the top 2');
    expect(tableRows(topPart!).map((r) => r[1])).toEqual(['443', '53']);
    // 3306 ranks below the top list but is not new: only the new ones are listed, with their ranks.
    expect(tableRows(belowPart!).map((r) => [r[0], r[1]])).toEqual([['3', '22'], ['5', '8333']]);
  });

  test('the issue body puts the drill-downs of ports below the top list in their section, the others under "Who opened the new ports"', () => {
    const rows = [HTTPS, DNS, SSH];
    const drill = (port: number) => ({ port, protocol: 6, connections: 1, flows: 1, bytes: 1, firstSeen: null, lastSeen: null, sources: [], destinations: [] });
    const body = renderIssueBody({ top: 1, stackOrVpcKey: 'vpc-0abc1234', unacknowledged: [], rows, newKeys: new Set(['443/tcp', '22/tcp']), window: WINDOW, allowlistPath: 'a.yml', drillDown: [drill(443), drill(22)] });
    const [before, below] = body.split('### New, below the top 1');
    expect(before).toContain('**`443/tcp`**');
    expect(before).not.toContain('**`22/tcp`**');
    expect(below).toContain('**`22/tcp`**');
  });
});

describe('pull-request comment', () => {
  test('starts with its marker, counts each category, and gives every observed port its status', () => {
    const smtp = portRow(25, 6, 5);
    const base = allowlistOf('  - {port: 443, protocol: tcp, reason: a}', '  - {port: 25, protocol: tcp, reason: b}');
    const head = allowlistOf('  - {port: 443, protocol: tcp, reason: a}', '  - {port: 22, protocol: tcp, reason: c}', '  - {port: 9418, protocol: tcp, reason: git}');
    const body = renderPullRequestComment({
      diff: diffAllowlists(base, head, [HTTPS, DNS, SSH, smtp]),
      stackOrVpcKey: 'vpc-0abc1234',
      allowlistPath: '.github/outbound-ports.yml',
      observedAt: '2026-11-02T00:05:00.000Z',
      ranked: [HTTPS, DNS, SSH, smtp],
      top: 10,
    });
    expect(body.startsWith(pullRequestMarker('vpc-0abc1234'))).toBe(true);
    for (const line of ['Newly allowed by this PR: **1**', 'No longer allowed by this PR: **1**', 'Still unexplained: **1**', 'Allowed before and after: **1**']) {
      expect(body).toContain(line);
    }
    const status = Object.fromEntries(tableRows(body).map((r) => [`${r[0]}/${r[1]}`, r[5]]));
    expect(status).toEqual({
      '22/tcp': '✅ Newly allowed by this PR',
      '25/tcp': '⚠️ No longer allowed by this PR',
      '53/udp': '❓ Still unexplained',
      '443/tcp': '✔️ Allowed before and after',
    });
    expect(body).toContain('`9418/tcp` is added (line 4) but was not observed in the window.');
    expect(body).toContain('2026-11-02 00:05 UTC');
    expect(body).not.toContain('New, below the top');
  });

  test('ports ranked below the top list get their own section with their ranks, unless allowed before and after', () => {
    const smtp = portRow(25, 6, 5);
    const beacon = portRow(8333, 6, 2);
    const allowed = allowlistOf('  - {port: 443, protocol: tcp, reason: a}', '  - {port: 25, protocol: tcp, reason: b}');
    const ranked = [HTTPS, DNS, SSH, smtp, beacon];
    const body = renderPullRequestComment({ diff: diffAllowlists(allowed, allowed, ranked), ranked, top: 2, stackOrVpcKey: 'vpc-0abc1234', allowlistPath: 'a.yml' });
    const [topPart, belowPart] = body.split('#### New, below the top 2');
    expect(tableRows(topPart!).map((r) => r[0])).toEqual(['53', '443']);
    // 22 (3rd) and 8333 (5th) are unexplained; 25 (4th) is allowed before and after, so not listed.
    expect(tableRows(belowPart!).map((r) => [r[0], r[1]])).toEqual([['3', '22'], ['5', '8333']]);
  });
});
