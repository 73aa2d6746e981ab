// Packing lines into Firehose records and records into PutRecordBatch calls: limits, order, no split lines.

import { describe, expect, test } from '@jest/globals';
import { batchRecords, FIREHOSE_LIMITS, packLines } from '../../lambda/packing.js';

const linesOf = (count: number, width: number) =>
  Array.from({ length: count }, (_, i) => `${i} `.padEnd(width - 1, 'x') + 'é'.repeat(i % 3));

const joinedLines = (records: Buffer[]) => Buffer.concat(records).toString('utf8').split('\n').slice(0, -1);

describe('packLines', () => {
  test('no lines make no records', () => {
    expect(packLines([])).toEqual([]);
  });

  test('every record ends with a newline and holds whole lines, in order', () => {
    const lines = linesOf(1000, 120);
    const records = packLines(lines, 4096);
    expect(joinedLines(records)).toEqual(lines);
    for (const record of records) {
      expect(record.length).toBeLessThanOrEqual(4096);
      expect(record[record.length - 1]).toBe(0x0a);
    }
  });

  test('records are filled: no two neighbours could have been one record', () => {
    const lines = linesOf(500, 97);
    const max = 1000;
    const records = packLines(lines, max);
    for (let i = 1; i < records.length; i++) {
      const firstLineOfNext = records[i]!.indexOf(0x0a) + 1;
      expect(records[i - 1]!.length + firstLineOfNext).toBeGreaterThan(max);
    }
  });

  test('counts UTF-8 bytes, not characters', () => {
    const line = 'é'.repeat(10); // 20 bytes + newline
    const records = packLines([line, line, line], 42);
    expect(records.map((r) => r.length)).toEqual([42, 21]);
  });

  test('a line exactly the size of a record fits; one byte more is refused', () => {
    expect(packLines(['a'.repeat(99)], 100)).toHaveLength(1);
    expect(() => packLines(['a'.repeat(100)], 100)).toThrow(/line 0 is 101 bytes/);
  });

  test('the default record limit is 1,000 KiB', () => {
    const lines = linesOf(9000, 250);
    const records = packLines(lines);
    expect(records.every((r) => r.length <= 1000 * 1024)).toBe(true);
    expect(records.length).toBe(Math.ceil(Buffer.concat(records).length / (1000 * 1024)));
    expect(joinedLines(records).join('\n')).toBe(lines.join('\n'));
  });
});

describe('batchRecords', () => {
  const record = (bytes: number) => Buffer.alloc(bytes);

  test('at most 500 records per call', () => {
    const batches = batchRecords(Array.from({ length: 1201 }, () => record(10)));
    expect(batches.map((b) => b.length)).toEqual([500, 500, 201]);
  });

  test('at most 4 MiB per call, order kept', () => {
    const records = Array.from({ length: 10 }, (_, i) => Buffer.alloc(FIREHOSE_LIMITS.maxRecordBytes, i));
    const batches = batchRecords(records);
    for (const batch of batches) {
      expect(batch.reduce((n, r) => n + r.length, 0)).toBeLessThanOrEqual(FIREHOSE_LIMITS.maxBatchBytes);
    }
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(batches.flat().every((r, i) => r === records[i])).toBe(true);
  });

  test('no records, no calls', () => {
    expect(batchRecords([])).toEqual([]);
  });
});
