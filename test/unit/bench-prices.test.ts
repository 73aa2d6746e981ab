// The s3-parquet month of bench/prices.ts: each part is quantity x list price, the Athena part honours the 10 MB
// minimum per query, and the arithmetic it prints is the arithmetic it did.
import { describe, expect, test } from '@jest/globals';
import { PRICES, s3ParquetMonth } from '../../bench/prices.js';
import { athenaCostUsd } from '../../src/engines/athena.js';

const FIGURES = { fullTextPerV5Text: 1.1, parquetPerText: 0.2, scannedPerV5Text: 0.05, localTimeVsText: 0.5 };

describe('s3ParquetMonth', () => {
  test('100 GB of v5 text: delivery and conversion on the full field set, storage of the Parquet kept 90 days', () => {
    const m = s3ParquetMonth(100, FIGURES);
    expect(m.delivery).toBeCloseTo(110 * PRICES.vendedToS3PerGb, 10);
    expect(m.conversion).toBeCloseTo(110 * PRICES.parquetConversionPerGb, 10);
    expect(m.s3).toBeCloseTo(110 * 0.2 * 3 * PRICES.s3PerGbMonth, 10);
    expect(m.scannedPerAudit).toBeCloseTo(((100 * 2 ** 30) / 30) * 0.05, 3);
    expect(m.athena).toBeCloseTo(30 * athenaCostUsd(m.scannedPerAudit), 12);
    expect(m.total).toBeCloseTo(m.delivery + m.conversion + m.s3 + m.athena, 12);
    expect(m.arithmetic).toContain('delivery 100 GB x 1.100 (full field set / v5 text) = 110 GB x $0.25 = $27.50');
    expect(m.arithmetic).toContain('Parquet conversion 110 GB x $0.03 = $3.30');
    expect(m.arithmetic).toContain(`total $${m.total.toFixed(2)}`);
  });

  test('1 GB: each daily audit is billed the 10 MB minimum', () => {
    const m = s3ParquetMonth(1, FIGURES);
    expect(m.scannedPerAudit).toBeLessThan(10 * 2 ** 20);
    expect(m.athena).toBeCloseTo(30 * athenaCostUsd(0), 12);
    expect(m.arithmetic).toContain('(billed 10 MiB)');
  });
});
