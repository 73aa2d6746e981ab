// The Athena engine: runs the audit SQL in a workgroup, polls with backoff from ~250 ms, reads every
// result page into the shared PortRow, reports bytes scanned, engine time and cost, retries throttling,
// and cancels its own query when it runs past the timeout.

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
import { RESULT_COLUMNS, toPortRow, type PortRow, type RawResultRow } from '../audit/port-row.js';
import { nextDelay, realClock, type Clock } from '../aws/clock.js';
import { explainAwsError } from '../aws/errors.js';
import { formatBytes } from '../format-bytes.js';
import {
  DEFAULT_POLL,
  DEFAULT_QUERY_TIMEOUT_SECONDS,
  parsePollSettings,
  parseQueryTimeoutSeconds,
  parseWorkgroup,
  type PollSettings,
} from '../aws/names.js';
import type { Logger } from '../log.js';
import type { AuditResult, QueryEngine } from './engine.js';

export interface AthenaEngineOptions {
  /** The workgroup to run in (the stack's, or one given). */
  readonly workgroup: string;
  /** `s3://bucket/prefix/` for results, only for workgroups that do not set their own output location. */
  readonly outputLocation?: string;
  /** Cancel the query (StopQueryExecution) when it has not finished after this long (default 600 s). */
  readonly timeoutSeconds?: number;
  readonly poll?: PollSettings;
  readonly clock?: Clock;
  /** Attempts for a call Athena throttles, on top of the SDK's own retries (default 6). */
  readonly throttleAttempts?: number;
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

const THROTTLED = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'SlowDown']);
const SCAN_LIMIT = /bytes scanned limit|data usage limit|BytesScannedCutoff/i;
const PAGE_SIZE = 1000;

type Athena = Pick<AthenaClient, 'send'>;

export class AthenaEngine implements QueryEngine {
  private readonly workgroup: string;
  private readonly timeoutMs: number;
  private readonly poll: PollSettings;
  private readonly clock: Clock;
  private readonly throttleAttempts: number;

  /** Validates the options (InputError) before any AWS call. */
  constructor(
    private readonly athena: Athena,
    private readonly options: AthenaEngineOptions,
    private readonly log: Logger,
  ) {
    this.workgroup = parseWorkgroup(options.workgroup);
    this.timeoutMs = parseQueryTimeoutSeconds(String(options.timeoutSeconds ?? DEFAULT_QUERY_TIMEOUT_SECONDS)) * 1000;
    this.poll = options.poll ? parsePollSettings(String(options.poll.firstMs), String(options.poll.maxMs)) : DEFAULT_POLL;
    this.clock = options.clock ?? realClock;
    this.throttleAttempts = options.throttleAttempts ?? 6;
  }

  async runAudit(parameters: AuditParameters): Promise<AuditResult> {
    const sql = buildAuditSql(parameters);
    const started = this.clock.now();
    try {
      const id = await this.start(sql);
      const execution = await this.waitForResult(id, started);
      const rows = await this.readRows(id);
      const bytesScanned = execution.Statistics?.DataScannedInBytes ?? 0;
      const engineMs = execution.Statistics?.EngineExecutionTimeInMillis ?? 0;
      const costUsd = athenaCostUsd(bytesScanned);
      const elapsedMs = this.clock.now() - started;
      this.log.info(
        `Athena query ${id}: ${rows.length} rows, ${formatBytes(bytesScanned)} scanned, engine ${engineMs} ms, ` +
          `about $${costUsd.toFixed(6)} (billed as at least 10 MB).`,
      );
      return { engine: 'athena', sql, rows, statistics: { elapsedMs, engineMs, bytesScanned, costUsd, queryExecutionId: id } };
    } catch (error) {
      throw explainAwsError(error, `running the Athena query in workgroup ${this.workgroup}`);
    }
  }

  private async start(sql: string): Promise<string> {
    // The token makes a retried start idempotent: a retry after a lost response cannot start a second query.
    const token = randomUUID();
    const { QueryExecutionId } = await this.retryThrottled(() =>
      this.athena.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          WorkGroup: this.workgroup,
          ClientRequestToken: token,
          ...(this.options.outputLocation ? { ResultConfiguration: { OutputLocation: this.options.outputLocation } } : {}),
        }),
      ),
    );
    if (!QueryExecutionId) throw new AthenaQueryError('Athena accepted the query but returned no QueryExecutionId.');
    this.log.info(`Athena query ${QueryExecutionId} started in workgroup ${this.workgroup}.`);
    return QueryExecutionId;
  }

  private async waitForResult(id: string, started: number): Promise<QueryExecution> {
    let delay = this.poll.firstMs;
    for (;;) {
      const { QueryExecution: execution } = await this.retryThrottled(() =>
        this.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
      );
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
      await this.clock.sleep(delay);
      delay = nextDelay(delay, this.poll.maxMs);
    }
  }

  /** Cancels the query; false (and a warning) when that failed, so the timeout stays the error reported. */
  private async stop(id: string): Promise<boolean> {
    try {
      await this.retryThrottled(() => this.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id })));
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

  /** Every page of results; the first row of the first page is the header. */
  private async readRows(id: string): Promise<PortRow[]> {
    const rows: PortRow[] = [];
    let columns: string[] | undefined;
    let nextToken: string | undefined;
    let firstPage = true;
    do {
      const page = await this.retryThrottled(() =>
        this.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: nextToken, MaxResults: PAGE_SIZE })),
      );
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo?.map((c) => c.Name ?? '');
      const data = page.ResultSet?.Rows ?? [];
      for (const [index, row] of data.entries()) {
        if (firstPage && index === 0) {
          columns = columns?.length ? columns : cells(row).map((c) => c ?? '');
          continue;
        }
        rows.push(toPortRow(rawRow(columns ?? [], row)));
      }
      firstPage = false;
      nextToken = page.NextToken;
    } while (nextToken);
    return rows;
  }

  private async retryThrottled<T>(call: () => Promise<T>): Promise<T> {
    let delay = 500;
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const throttled = error instanceof Error && (THROTTLED.has(error.name) || /Rate exceeded/i.test(error.message));
        if (!throttled || attempt >= this.throttleAttempts) throw error;
        this.log.warning(`Athena is throttling requests (${(error as Error).name}); retrying in ${delay} ms.`);
        await this.clock.sleep(delay);
        delay = nextDelay(delay, 20_000);
      }
    }
  }
}

const cells = (row: Row): (string | null)[] => (row.Data ?? []).map((d) => d.VarCharValue ?? null);

/** One result row keyed by RESULT_COLUMNS; a column the header lacks is an error in the SQL, not the data. */
function rawRow(columns: readonly string[], row: Row): RawResultRow {
  const values = cells(row);
  const raw = {} as RawResultRow;
  for (const column of RESULT_COLUMNS) {
    const index = columns.indexOf(column);
    if (index < 0) throw new AthenaQueryError(`Athena's result has no column '${column}' (columns: ${columns.join(', ')}).`);
    raw[column] = values[index] ?? null;
  }
  return raw;
}
