// The audit as SARIF 2.1.0 for GitHub code scanning: one rule per observed port and protocol, one result per port
// the allowlist does not explain in an audit unit (level `error` when no entry names it there, `warning` when its
// entry expired), placed on the allowlist file, the file whose change resolves it. A port the allowlist explains
// has no result, so code scanning closes its alert on the next upload after the entry is added. An audit of
// several units (account, region, VPC) judges each port in each unit, as the memory and the JSON do: an entry with
// `accounts:`/`vpcs:` explains it only there, so a port explained in one VPC is a result only in the others. Such a
// result names its unit in the message, as a logical location (SARIF 2.1.0, section 3.33 "logicalLocation object":
// `name`, `fullyQualifiedName`; https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/sarif-v2.1.0-errata01-os-complete.html)
// and in its properties (`account`, `region`, `vpcId`).
//
// What code scanning reads, from GitHub's "SARIF support for code scanning"
// (https://docs.github.com/en/code-security/reference/code-scanning/sarif-files/sarif-support-for-code-scanning):
// `version` 2.1.0; `runs[].tool.driver.name` and `.rules[]` (`id`, `shortDescription`, `fullDescription`, `help`);
// each result's `ruleId` must stay the same across analyses, `message.text`, `level` (`error`, `warning`, `note`)
// and `locations[].physicalLocation` with an `artifactLocation.uri` relative to the repository root, the same
// path on every run, and a `region.startLine`. Alerts are matched across runs by `partialFingerprints`: when a
// result has none, upload-sarif computes `primaryLocationLineHash` from the text of the located line, which
// would change whenever the allowlist is edited, so each result carries its own, derived from the audited
// network, the unit (when the audit has several) and the port alone.

import { createHash } from 'node:crypto';
import type * as Sarif from 'sarif';
import type { Allowlist } from '../audit/allowlist.js';
import { portKey, protocolName, type PortRow } from '../audit/port-row.js';
import { unitKey, unitLabel, type UnitPorts } from '../audit/audit-unit.js';
import { serviceName } from '../audit/service-names.js';
import { formatBytes } from '../format-bytes.js';
import type { HourWindow } from '../flowlog/layout.js';
import { allowlistVerdict } from './port-details.js';
import { countOf } from './markdown.js';

/** The schema a SARIF 2.1.0 log names (OASIS SARIF 2.1.0 Errata 01). */
export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
/** Where the tool is described: the project's README. */
const INFORMATION_URI = 'https://github.com/vpc-port-audit/vpc-port-audit';

export interface SarifInput {
  /** The observed ports, in rank order (organisation-wide: the units' rows summed): one rule each. */
  readonly rows: readonly PortRow[];
  /**
   * Each unit's ports, in rank order (AuditResult.units), each judged in its unit. Absent or empty: `rows` are
   * judged as a single-VPC audit's (the unit of nulls, where only entries without accounts:/vpcs: hold).
   */
  readonly units?: readonly Pick<UnitPorts, 'unit' | 'rows'>[];
  /** The allowlist the ports were judged by; undefined when there is none yet (every port is then unlisted). */
  readonly allowlist: Allowlist | undefined;
  /** The allowlist file's path relative to the repository root, with `/` separators (`.github/outbound-ports.yml`). */
  readonly allowlistUri: string;
  /** What was audited, as reports name it (`vpc-0abc...`, or the CIDR blocks): part of every fingerprint. */
  readonly scope: string;
  readonly window: HourWindow;
}

/** The rule id of a port: `outbound-port/443/tcp`, the same on every run. */
export const ruleId = (row: { port: number; protocol: number }) => `outbound-port/${portKey(row)}`;

const hour = (d: Date) => `${d.toISOString().slice(0, 13)}Z`;

/** The rule of one observed port: what it is, and how to explain it. */
function rule(row: PortRow): Sarif.ReportingDescriptor {
  const key = portKey(row);
  const service = serviceName(row);
  const named = service ? `${key} (${service})` : key;
  return {
    id: ruleId(row),
    name: `OutboundPort${row.port}${protocolName(row.protocol).toUpperCase()}`,
    shortDescription: { text: `Outbound connections to ${named}` },
    fullDescription: { text: `The VPC opened connections to destination port ${named} (VPC Flow Logs, egress from the VPC's own addresses).` },
    help: {
      text: `Add ${key} to the allowlist with a reason (and an owner) if the connections are expected; otherwise find who opened them with \`vpc-port-audit why ${key}\` and stop them.`,
    },
    defaultConfiguration: { level: 'error' },
    properties: { tags: ['security', 'network', 'vpc-flow-logs'] },
  };
}

/**
 * A fingerprint that is the same for the same port of the same audited network on every run; in an audit of
 * several units, of the same unit (its unitKey) too. An audit of one unit keeps the fingerprints it had before
 * units existed, so its alerts stay open across the upgrade.
 */
function fingerprint(scope: string, unit: string | undefined, row: PortRow): string {
  const parts = ['vpc-port-audit', scope, ...(unit === undefined ? [] : [unit]), portKey(row)];
  return `${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32)}:1`;
}

/** The SARIF log of an audit (an object; JSON.stringify it to write the file). */
export function buildSarif(input: SarifInput): Sarif.Log {
  const { rows, allowlist, allowlistUri, scope, window } = input;
  const units = input.units?.length ? input.units : [{ unit: undefined, rows }];
  const several = units.length > 1;
  const ruleIndexes = new Map(rows.map((row, index) => [portKey(row), index]));
  const results: Sarif.Result[] = [];
  for (const { unit, rows: unitRows } of units) {
    for (const row of unitRows) {
      const verdict = allowlist ? allowlistVerdict(allowlist, row, unit) : undefined;
      if (verdict?.status === 'allowed') continue;
      const volume = `${countOf(row.connections, 'connection')} to ${countOf(row.peers, 'peer')}, ${formatBytes(row.bytes)}`;
      const when = `from ${hour(window.start)} to ${hour(window.end)}`;
      const why =
        verdict?.status === 'expired'
          ? `its entry on line ${verdict.line} of ${allowlistUri} expired after ${verdict.expires}${verdict.owner ? ` (owner: ${verdict.owner})` : ''}`
          : `no entry of ${allowlistUri} explains it${several ? ' there' : ''}`;
      const who = several && unit ? `${unitLabel(unit)} in ${scope}` : scope;
      const where = several && unit ? { account: unit.account, region: unit.region, vpcId: unit.vpcId } : {};
      results.push({
        ruleId: ruleId(row),
        ruleIndex: ruleIndexes.get(portKey(row))!,
        level: verdict?.status === 'expired' ? 'warning' : 'error',
        message: { text: `${who} connected out to ${portKey(row)} (${volume}) ${when}: ${why}.` },
        locations: [
          {
            physicalLocation: { artifactLocation: { uri: allowlistUri }, region: { startLine: verdict?.line ?? 1 } },
            ...(several && unit ? { logicalLocations: [{ name: unitLabel(unit), fullyQualifiedName: unitKey(unit) }] } : {}),
          },
        ],
        partialFingerprints: { primaryLocationLineHash: fingerprint(scope, several && unit ? unitKey(unit) : undefined, row) },
        properties: { ...where, connections: row.connections, flows: row.flows, packets: row.packets, bytes: row.bytes, peers: row.peers },
      });
    }
  }
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'vpc-port-audit', informationUri: INFORMATION_URI, rules: rows.map(rule) } }, results }],
  };
}

/** The SARIF log as the text of a `.sarif` file. */
export const renderSarif = (input: SarifInput): string => `${JSON.stringify(buildSarif(input), null, 2)}\n`;
