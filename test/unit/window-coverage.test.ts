// Window coverage (audit/window-coverage.ts): the hours of a window with files or records, the gaps named in
// one sentence, and the hours-with-records SQL run for real by DuckDB.
import { describe, expect, test } from '@jest/globals';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseCidrList } from '../../src/audit/parameters.js';
import { stackTableShape } from '../../src/audit/table-shape.js';
import { buildHoursWithRecordsSql, describePartialWindow, HOUR_START_COLUMN, isPartial, windowCoverage } from '../../src/audit/window-coverage.js';
import { V2_FORMAT } from '../../src/flowlog/format.js';
import { HOUR_MS } from '../../src/flowlog/layout.js';

const window = { start: new Date('2026-11-01T00:00Z'), end: new Date('2026-11-02T00:00Z') };
const hourOf = (h: number) => window.start.getTime() + h * HOUR_MS;

describe('windowCoverage', () => {
  test('every hour: not partial, no gaps', () => {
    const c = windowCoverage(window, Array.from({ length: 24 }, (_, h) => hourOf(h)));
    expect([c.hoursCovered, c.hoursInWindow, c.missing, isPartial(c)]).toEqual([24, 24, [], false]);
  });

  test('gaps become runs of hours; hours outside the window and repeats are ignored', () => {
    const covered = [0, 1, 2, 5, 6, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17].map(hourOf);
    const c = windowCoverage(window, [...covered, hourOf(-1), hourOf(30)]);
    expect(c.hoursCovered).toBe(16);
    expect(c.missing.map((m) => [m.start.toISOString().slice(11, 13), m.end.toISOString().slice(0, 13)])).toEqual([
      ['03', '2026-11-01T05'],
      ['18', '2026-11-02T00'],
    ]);
    expect(describePartialWindow(c)).toBe("the files read cover 16 of the window's 24 hours: none for 2026-11-01T03Z to 2026-11-01T05Z, 2026-11-01T18Z to 2026-11-02T00Z");
  });

  test('more than three gaps: the first three named, then how many more', () => {
    const c = windowCoverage(window, [1, 3, 5, 7, 9].map(hourOf));
    expect(c.missing).toHaveLength(6);
    expect(describePartialWindow(c)).toMatch(/: none for 2026-11-01T00Z to 2026-11-01T01Z, 2026-11-01T02Z to 2026-11-01T03Z, 2026-11-01T04Z to 2026-11-01T05Z and 3 more gaps$/);
  });
});

test('buildHoursWithRecordsSql: the distinct hours of the window with a record starting in them, on DuckDB', async () => {
  const source = stackTableShape({ database: 'db', table: 't' }, V2_FORMAT);
  const sql = buildHoursWithRecordsSql({ preset: 'egress-ports', vpcCidrs: parseCidrList('10.0.0.0/16'), window, maxPorts: 10, source });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run('CREATE SCHEMA db');
    const s = window.start.getTime() / 1000;
    // Two records in hour 0, one late in hour 5, one just before the window, one at its end (exclusive).
    const starts = [s + 10, s + 3000, s + 5 * 3600 + 3599, s - 1, s + 24 * 3600];
    await connection.run(`CREATE TABLE db.t AS SELECT unnest([${starts.join(', ')}]::BIGINT[]) AS start`);
    const rows = (await connection.runAndReadAll(sql)).getRowObjectsJS().map((r) => Number(r[HOUR_START_COLUMN]) * 1000);
    expect(rows.sort((a, b) => a - b)).toEqual([hourOf(0), hourOf(5)]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
});
