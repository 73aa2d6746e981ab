// An in-memory DuckDB connection with the Trino compatibility macros, for tests that run SQL fragments.

import { afterAll, beforeAll } from '@jest/globals';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { TRINO_FUNCTION_MACROS } from '../../src/engines/duckdb.js';

/** Opens the connection before the file's tests and closes it after; call `connection()` inside tests. */
export function useDuckDb(): () => DuckDBConnection {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
    for (const macro of TRINO_FUNCTION_MACROS) await connection.run(macro);
  });
  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
  });
  return () => connection;
}
