// What every query engine (Athena, DuckDB) offers: run the audit for validated parameters and return the
// shared result rows with the numbers that matter (time, bytes scanned, cost).

import type { AuditParameters } from '../audit/query.js';
import type { PortRow } from '../audit/port-row.js';
import type { UnitPorts } from '../audit/audit-unit.js';
import type { PortDrillDown, PortRef, UnitDrillDown } from '../audit/drill-down.js';
import type { RecordCounts } from '../audit/empty-audit.js';
import type { InventoryVpc } from '../audit/audit-unit.js';
import type { UnitCoverage } from '../audit/unit-coverage.js';
import type { ObservedEgressRow } from '../egress/observed-egress.js';

export interface AuditStatistics {
  /** Wall time of the whole run, from submission to the last row read. */
  readonly elapsedMs: number;
  /** The engine's own execution time, where it reports one (Athena's EngineExecutionTimeInMillis). */
  readonly engineMs?: number;
  /** Bytes read: Athena's DataScannedInBytes, or the compressed size of the files DuckDB read. */
  readonly bytesScanned: number;
  /** Dollars billed for the scan (Athena: $5/TB with a 10 MB minimum); 0 for local runs. */
  readonly costUsd: number;
  /** Athena's QueryExecutionId, when the engine is Athena. */
  readonly queryExecutionId?: string;
}

export interface AuditResult {
  readonly engine: 'athena' | 'duckdb';
  /** The SQL text that ran. */
  readonly sql: string;
  /**
   * Every (port, protocol) of the window in rank order: the organisation-wide list, the units' rows summed per
   * (port, protocol) (audit/port-row.ts sumOverUnits; with one unit, its rows). The rows that passed validation
   * (see validatePortRows). The top list a report shows first is the first of them.
   */
  readonly rows: readonly PortRow[];
  /**
   * Each unit's (account, region, VPC) rows in rank order, up to the parameters' maxPorts per unit: one unit for
   * one VPC's audit, several for an organisation's (audit/audit-unit.ts).
   */
  readonly units: readonly UnitPorts[];
  /** Ports beyond maxPorts (the least busy of each unit): counted, not returned, summed over units. 0 when none. */
  readonly portsLeftOut: number;
  /** One warning sentence per result row that failed validation and was left out. */
  readonly rejected: readonly string[];
  readonly statistics: AuditStatistics;
  /**
   * DuckDB, when the audit counted nothing: the table's records counted along the audit's filters (one
   * follow-up query, audit/empty-audit.ts), so that an empty top list can say why. Absent otherwise.
   */
  readonly recordCounts?: RecordCounts;
  /**
   * DuckDB, when files of day folders carry no publication time in their names: the starts (epoch ms, sorted) of the
   * window's hours in which a record starts (audit/window-coverage.ts). Absent otherwise.
   */
  readonly hoursWithRecords?: readonly number[];
}

export interface DrillDownResult {
  /** The SQL text that ran. */
  readonly sql: string;
  /** One per port asked for that has records, in the order asked: over every unit of the window. */
  readonly ports: readonly PortDrillDown[];
  /** The same per audit unit (account, region, VPC), units in the audit's order: what per-VPC reports show. */
  readonly units: readonly UnitDrillDown[];
  /** One warning sentence per result row that failed validation and was left out. */
  readonly rejected: readonly string[];
  readonly statistics: AuditStatistics;
}

/** What the window holds of each audit unit (audit/unit-coverage.ts), from one grouped query. */
export interface CoverageResult {
  /** The SQL text that ran. */
  readonly sql: string;
  /** One per unit with records in the window, plus each inventory VPC without any; sorted by unit key. */
  readonly units: readonly UnitCoverage[];
  readonly statistics: AuditStatistics;
}

/** What each network interface opened in the window, for the egress-rules proposal (egress/observed-egress.ts). */
export interface EgressObservationResult {
  /** The SQL text that ran. */
  readonly sql: string;
  /** One per (unit, interface, source address, port, protocol, destination), sorted by those. */
  readonly rows: readonly ObservedEgressRow[];
  /** One warning sentence per result row that failed validation and was left out. */
  readonly rejected: readonly string[];
  readonly statistics: AuditStatistics;
}

export interface QueryEngine {
  runAudit(parameters: AuditParameters): Promise<AuditResult>;
  /** One grouped query: per unit, records, files, versions, ACCEPT and REJECT over the audit's window (audit/unit-coverage.ts). */
  runCoverage(parameters: AuditParameters, inventory?: readonly InventoryVpc[]): Promise<CoverageResult>;
  /** One query: who opened `ports` (validated) and where they went, over the audit's window (audit/drill-down.ts). */
  runDrillDown(parameters: AuditParameters, ports: readonly PortRef[]): Promise<DrillDownResult>;
  /**
   * One query: per interface, the connections it opened over the audit's window and where they went
   * (egress/observed-egress.ts). The table must have interface_id (egress/observed-egress.ts requireInterfaceId).
   */
  runEgressObservation(parameters: AuditParameters): Promise<EgressObservationResult>;
}
