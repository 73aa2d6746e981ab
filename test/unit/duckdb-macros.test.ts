// The Trino functions the audit SQL needs, defined as DuckDB macros: each gives what Trino gives.
import { describe, expect, test } from '@jest/globals';
import { DuckDBInstance } from '@duckdb/node-api';
import { TRINO_FUNCTION_MACROS } from '../../src/engines/duckdb.js';
import { useDuckDb } from '../support/duckdb.js';

const connection = useDuckDb();

const value = async (sql: string) => (await connection().runAndReadAll(`SELECT ${sql}`)).getRowsJS()[0]![0];

describe('TRINO_FUNCTION_MACROS', () => {
  // Expected values as Trino documents them: regexp_like matches anywhere unless anchored; NULL in, NULL out.
  test.each([
    [`regexp_like('1a 2b 14m', '\\d+b')`, true],
    [`regexp_like('2600:1f18:47b:a9ff::1', '^2600:1f18:47b:a9[0-9a-f]{2}(?::|$)')`, true],
    [`regexp_like('2600:1f18:47b:aa00::1', '^2600:1f18:47b:a9[0-9a-f]{2}(?::|$)')`, false],
    [`regexp_like('x2600:1f18:47b:a900::', '^2600')`, false],
    [`regexp_like('abc', 'b')`, true],
    [`regexp_like(NULL, 'b')`, null],
    [`bitwise_and(19, 18)`, 18],
    [`bitwise_and(3, 18)`, 2],
    [`bitwise_and(2, 18)`, 2],
    [`bitwise_and(1, 18)`, 0],
    [`bitwise_and(CAST(NULL AS INTEGER), 18)`, null],
    [`bitwise_and(-1, 255)`, 255],
    // Trino's array_min: the least element; NULL for an empty array or a NULL one.
    [`array_min(['10.0.0.220'])`, '10.0.0.220'],
    [`array_min(['b', 'a'])`, 'a'],
    [`array_min(CAST([] AS VARCHAR[]))`, null],
    [`array_min(CAST(NULL AS VARCHAR[]))`, null],
  ])('%s = %j', async (sql, expected) => {
    expect(await value(sql)).toBe(expected);
  });

  test('each macro replaces a function DuckDB does not have', async () => {
    const fresh = await (await DuckDBInstance.create(':memory:')).connect();
    for (const macro of TRINO_FUNCTION_MACROS) {
      const name = /MACRO (\w+)\(/.exec(macro)![1]!;
      const found = await fresh.runAndReadAll(`SELECT count(*) FROM duckdb_functions() WHERE function_name = '${name}'`);
      expect(Number(found.getRowsJS()[0]![0])).toBe(0);
    }
    fresh.closeSync();
  });
});
