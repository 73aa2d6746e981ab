// The Athena engine: runs the audit SQL in a workgroup, polls its state (every 250 ms at first, then every
// tenth of the time elapsed, at most 5 s), reads every result page into the shared PortRow, reports bytes
// scanned, engine time and cost, and cancels its own query when it runs past the timeout.

import { randomUUID } from 'node:crypto';
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type QueryExecution,
  type Row,
} from '@aws-sdk/client-athena';
import { buildAuditSql, type AuditParameters } from '../audit/query.js';
import { RESULT_COLUMNS, validatePortRows, type RawResultRow } from '../audit/port-row.js';
import { buildDrillDownSql, DRILL_DOWN_COLUMNS, summarizeDrillDown, type PortRef, type RawDrillDownRow } from '../audit/drill-down.js';
import { realClock, type Clock } from '../aws/clock.js';
import { explainAwsError } from '../aws/errors.js';
import { formatBytes } from '../format-bytes.js';
import { DEFAULT_QUERY_TIMEOUT_SECONDS } from '../aws/names.js';
import type { Logger } from '../log.js';
import type { AuditResult, AuditStatistics, CoverageResult, DrillDownResult, EgressObservationResult, QueryEngine } from './engine.js';
import { buildObservedEgressSql, OBSERVED_EGRESS_COLUMNS, readObservedEgress, type RawObservedEgressRow } from '../egress/observed-egress.js';
import { buildUnitCoverageSql, inventoryInScope, readUnitCoverage, UNIT_COVERAGE_COLUMNS } from '../audit/unit-coverage.js';
import type { InventoryVpc } from '../audit/audit-unit.js';

/** How often a query's state is checked: a tenth of the elapsed time, but at least `firstMs` and at most `maxMs`. */
export interface PollSettings {
  readonly firstMs: number;
  readonly maxMs: number;
}

export const DEFAULT_POLL: PollSettings = { firstMs: 250, maxMs: 5_000 };

/** Validated at the edge (settings): the engine takes them as they are. */
export interface AthenaEngineOptions {
  /** The workgroup to run in (the stack's, or one given); it must have a result location. */
  readonly workgroup: string;
  /** Cancel the query (StopQueryExecution) when it has not finished after this long (default 600 s). */
  readonly timeoutSeconds?: number;
  readonly poll?: PollSettings;
  readonly clock?: Clock;
}

/** A query that failed, was cancelled, hit the workgroup's scan limit, or ran out of time. */
export class AthenaQueryError extends Error {
  override readonly name = 'AthenaQueryError';
  constructor(
    message: string,
    readonly queryExecutionId?: string,
  ) {
    super(message);
  }
}

/** Athena bills $5 per TB scanned, rounded up to whole MB, with a 10 MB minimum per query (TB = 2^40). */
export const PRICE_PER_TB_USD = 5;
const MB = 2 ** 20;
export const MINIMUM_BILLED_BYTES = 10 * MB;

export function athenaCostUsd(bytesScanned: number): number {
  const billed = Math.max(Math.ceil(bytesScanned / MB) * MB, MINIMUM_BILLED_BYTES);
  return (billed / 2 ** 40) * PRICE_PER_TB_USD;
}

const SCAN_LIMIT = /bytes scanned limit|data usage limit|BytesScannedCutoff/i;
const PAGE_SIZE = 1000;

type Athena = Pick<AthenaClient, 'send'>;

export class AthenaEngine implements QueryEngine {
  private readonly workgroup: string;
  private readonly timeoutMs: number;
  private readonly poll: PollSettings;
  private readonly clock: Clock;

  /** Throttled calls are retried by the client itself (the SDK's standard retry mode, see aws/clients.ts). */
  constructor(
    private readonly athena: Athena,
    options: AthenaEngineOptions,
    private readonly log: Logger,
  ) {
    this.workgroup = options.workgroup;
    this.timeoutMs = (options.timeoutSeconds ?? DEFAULT_QUERY_TIMEOUT_SECONDS) * 1000;
    this.poll = options.poll ?? DEFAULT_POLL;
    this.clock = options.clock ?? realClock;
  }

  async runAudit(parameters: AuditParameters): Promise<AuditResult> {
    const sql = buildAuditSql(parameters);
    const { raws, statistics } = await this.run(sql, RESULT_COLUMNS);
    const { rows, units, rejected, portsLeftOut } = validatePortRows(raws as RawResultRow[]);
    this.log.info(`Athena query ${statistics.queryExecutionId}: ${rows.length} rows${rejected.length ? ` (${rejected.length} invalid, left out)` : ''}.`);
    return { engine: 'athena', sql, rows, units, rejected, portsLeftOut, statistics };
  }

  async runCoverage(parameters: AuditParameters, inventory: readonly InventoryVpc[] = []): Promise<CoverageResult> {
    const scoped = inventoryInScope(parameters, inventory);
    const sql = buildUnitCoverageSql(parameters, scoped);
    const { raws, statistics } = await this.run(sql, UNIT_COVERAGE_COLUMNS);
    return { sql, units: readUnitCoverage(raws, scoped), statistics };
  }

  async runDrillDown(parameters: AuditParameters, ports: readonly PortRef[]): Promise<DrillDownResult> {
    const sql = buildDrillDownSql(parameters, ports);
    const { raws, statistics } = await this.run(sql, DRILL_DOWN_COLUMNS);
    return { sql, ...summarizeDrillDown(raws as RawDrillDownRow[], ports), statistics };
  }

  async runEgressObservation(parameters: AuditParameters): Promise<EgressObservationResult> {
    const sql = buildObservedEgressSql(parameters);
    const { raws, statistics } = await this.run(sql, OBSERVED_EGRESS_COLUMNS);
    return { sql, ...readObservedEgress(raws as RawObservedEgressRow[]), statistics };
  }

  /** Starts `sql`, waits for it, reads every row (keyed by `columns`) and logs what it cost. */
  private async run(sql: string, columns: readonly string[]): Promise<{ raws: Record<string, string | null>[]; statistics: AuditStatistics }> {
    const started = this.clock.now();
    try {
      const id = await this.start(sql);
      const execution = await this.waitForResult(id, started);
      const raws = await this.readRows(id, columns);
      const bytesScanned = execution.Statistics?.DataScannedInBytes ?? 0;
      const engineMs = execution.Statistics?.EngineExecutionTimeInMillis ?? 0;
      const costUsd = athenaCostUsd(bytesScanned);
      const elapsedMs = this.clock.now() - started;
      this.log.info(
        `Athena query ${id}: ${raws.length} result rows, ${formatBytes(bytesScanned)} scanned, engine ${engineMs} ms, ` +
          `about $${costUsd.toFixed(6)} (billed as at least 10 MB).`,
      );
      return { raws, statistics: { elapsedMs, engineMs, bytesScanned, costUsd, queryExecutionId: id } };
    } catch (error) {
      throw explainAwsError(error, `running the Athena query in workgroup ${this.workgroup}`);
    }
  }

  private async start(sql: string): Promise<string> {
    // The token makes a retried start idempotent: a retry after a lost response cannot start a second query.
    const token = randomUUID();
    const { QueryExecutionId } = await this.athena.send(
      new StartQueryExecutionCommand({ QueryString: sql, WorkGroup: this.workgroup, ClientRequestToken: token }),
    );
    if (!QueryExecutionId) throw new AthenaQueryError('Athena accepted the query but returned no QueryExecutionId.');
    this.log.info(`Athena query ${QueryExecutionId} started in workgroup ${this.workgroup}.`);
    return QueryExecutionId;
  }

  /**
   * Polls until the query ends. Waiting a tenth of the elapsed time between polls keeps the time lost after
   * the query finishes within about 10 % of its run time (plus the first 250 ms), for short and long queries.
   */
  private async waitForResult(id: string, started: number): Promise<QueryExecution> {
    for (;;) {
      const { QueryExecution: execution } = await this.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = execution?.Status?.State;
      this.log.debug(`Athena query ${id}: ${state}`);
      if (state === 'SUCCEEDED') return execution as QueryExecution;
      if (state === 'FAILED' || state === 'CANCELLED') throw this.explainFailure(id, execution as QueryExecution);
      if (this.clock.now() - started >= this.timeoutMs) {
        const outcome = (await this.stop(id)) ? 'was cancelled' : 'could not be cancelled';
        throw new AthenaQueryError(
          `Athena query ${id} did not finish within ${this.timeoutMs / 1000} s and ${outcome}; ` +
            `shorten the lookback or raise query-timeout-seconds.`,
          id,
        );
      }
      const elapsed = this.clock.now() - started;
      await this.clock.sleep(Math.min(this.poll.maxMs, Math.max(this.poll.firstMs, Math.round(elapsed / 10))));
    }
  }

  /** Cancels the query; false (and a warning) when that failed, so the timeout stays the error reported. */
  private async stop(id: string): Promise<boolean> {
    try {
      await this.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
      return true;
    } catch (error) {
      this.log.warning(`Could not cancel Athena query ${id} (${(error as Error).message}); it may still run and be billed.`);
      return false;
    }
  }

  private explainFailure(id: string, execution: QueryExecution): AthenaQueryError {
    const state = execution.Status?.State;
    const reason = execution.Status?.StateChangeReason ?? execution.Status?.AthenaError?.ErrorMessage ?? 'no reason given';
    if (SCAN_LIMIT.test(reason)) {
      const scanned = formatBytes(execution.Statistics?.DataScannedInBytes ?? 0);
      return new AthenaQueryError(
        `Athena stopped query ${id} after ${scanned} because workgroup ${this.workgroup} caps the data one query may scan; ` +
          `shorten lookback-hours or raise the workgroup's per-query data limit.`,
        id,
      );
    }
    const verb = state === 'CANCELLED' ? 'was cancelled' : 'failed';
    return new AthenaQueryError(`Athena query ${id} ${verb}: ${reason}`, id);
  }

  /** Every page of results keyed by `wanted`; the first row of the first page is the header. */
  private async readRows(id: string, wanted: readonly string[]): Promise<Record<string, string | null>[]> {
    const rows: Record<string, string | null>[] = [];
    let columns: string[] | undefined;
    let nextToken: string | undefined;
    let firstPage = true;
    do {
      const page = await this.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: nextToken, MaxResults: PAGE_SIZE }));
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo?.map((c) => c.Name ?? '');
      const data = page.ResultSet?.Rows ?? [];
      for (const [index, row] of data.entries()) {
        if (firstPage && index === 0) {
          columns = columns?.length ? columns : cells(row).map((c) => c ?? '');
          continue;
        }
        rows.push(rawRow(columns ?? [], row, wanted));
      }
      firstPage = false;
      nextToken = page.NextToken;
    } while (nextToken);
    return rows;
  }
}

const cells = (row: Row): (string | null)[] => (row.Data ?? []).map((d) => d.VarCharValue ?? null);

/** One result row keyed by `wanted`; a column the header lacks is an error in the SQL, not the data. */
function rawRow(columns: readonly string[], row: Row, wanted: readonly string[]): Record<string, string | null> {
  const values = cells(row);
  const raw: Record<string, string | null> = {};
  for (const column of wanted) {
    const index = columns.indexOf(column);
    if (index < 0) throw new AthenaQueryError(`Athena's result has no column '${column}' (columns: ${columns.join(', ')}).`);
    raw[column] = values[index] ?? null;
  }
  return raw;
}
