// The trend section: mermaid xychart-beta charts of the memory's audited windows, the total connections per
// window (every port) and one line per port asked for, in the order asked, named under the chart (xychart-beta
// has no legend); bounded in size whatever the memory holds.

import { describe, expect, test } from '@jest/globals';
import { updateMemory, type PortMemory } from '../../src/audit/known-ports.js';
import { renderTrend, TREND_MAX_PORTS } from '../../src/report/trend-chart.js';
import { oneUnit, portRow } from '../support/report-fixtures.js';

const KEY = 'vpc-0abc1234';
const day = (n: number) => ({ start: new Date(Date.UTC(2026, 10, n)), end: new Date(Date.UTC(2026, 10, n + 1)) });

/** Windows 1..days: 443 every day (1000 + n connections), 8333 from day 3 on (48 a day). */
function memoryOver(days: number): PortMemory {
  let memory: PortMemory | undefined;
  for (let n = 1; n <= days; n++) {
    const rows = [portRow(443, 6, 1000 + n), ...(n >= 3 ? [portRow(8333, 6, 48)] : [])];
    memory = updateMemory(memory, KEY, oneUnit(rows), new Set(), day(n).end, day(n));
  }
  return memory!;
}

const mermaidBlocks = (text: string) => [...text.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('renderTrend', () => {
  test('bars of the total connections per window, a line per port with 0 where it was not seen, ports named in order', () => {
    const text = renderTrend(memoryOver(4), [{ port: 8333, protocol: 6 }, { port: 443, protocol: 6 }], '###', 'new ports');
    expect(text).toMatch(/^### Trend over the last 4 audited windows\n/);
    const [totals, lines] = mermaidBlocks(text);
    expect(totals).toContain('xychart-beta\n');
    expect(totals).toContain('    x-axis "Window end (UTC)" ["11-02 00h", "11-03 00h", "11-04 00h", "11-05 00h"]\n');
    expect(totals).toContain('    bar [1001, 1002, 1051, 1052]\n');
    expect(totals).toContain('    y-axis "Connections" 0 --> 1052\n');
    expect(lines).toContain('    title "Connections per window, new ports"\n');
    expect(lines!.match(/^ {4}line \[.*\]$/gm)).toEqual(['    line [0, 0, 48, 48]', '    line [1001, 1002, 1003, 1004]']);
    expect(text).toContain('Lines, in order: `8333/tcp`, `443/tcp`.');
  });

  test('nothing before the first audited window; only the totals without ports', () => {
    expect(renderTrend(updateMemory(undefined, KEY, oneUnit([portRow(443, 6, 9)]), new Set(), day(1).end), [], '###', 'new ports')).toBe('');
    const text = renderTrend(memoryOver(2), [], '###', 'new ports');
    expect(mermaidBlocks(text)).toHaveLength(1);
    expect(text).not.toContain('Lines, in order');
  });

  test(`at most ${TREND_MAX_PORTS} lines over at most 30 windows: a few kilobytes whatever the memory holds`, () => {
    let memory: PortMemory | undefined;
    const ports = Array.from({ length: 500 }, (_, i) => portRow(1000 + i, 6, 1_000_000_000 + i));
    for (let n = 1; n <= 40; n++) memory = updateMemory(memory, KEY, oneUnit(ports), new Set(), day(n).end, day(n));
    const text = renderTrend(memory!, ports, '###', 'new ports');
    expect(text).toContain('Trend over the last 30 audited windows');
    expect(mermaidBlocks(text)[1]!.match(/^ {4}line /gm)).toHaveLength(TREND_MAX_PORTS);
    expect(text).toContain(`Lines, in order (the first ${TREND_MAX_PORTS} of 500)`);
    expect(text.length).toBeLessThan(6000);
  });
});
