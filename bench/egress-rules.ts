// Benchmark: the egress-rules proposal (issue 23) for one day of about 1 M v5 lines and about 500 network interfaces
// (12 generated VPCs, 10.0.0.0/16 to 10.11.0.0/16, each with its clients, servers and NAT gateway, in S3 delivery's
// daily layout with hourly files), side by side in one run with the plain audit of the same files (target: within
// 1.5x of it). The proposal is what the CLI and the action run after the audit: the observed-egress query and
// buildProposal. Its facts are made from the interfaces the flow logs name (each interface's first source address
// as its own, 50 security groups assigned round-robin, an allow-all egress rule each), as an EC2 answer would give.
// Run: node lib/bench/egress-rules.js [--quick]

import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MAX_PORTS, parseCidrList } from '../src/audit/parameters.js';
import type { AuditParameters } from '../src/audit/query.js';
import type { EgressFacts, NetworkInterface, SecurityGroupRule } from '../src/egress/egress-facts.js';
import type { ObservedEgressRow } from '../src/egress/observed-egress.js';
import { buildProposal, proposeEgressRules } from '../src/egress/proposal.js';
import { DuckDbEngine, localViewShape } from '../src/engines/duckdb.js';
import { readLocalLogs } from '../src/engines/local-files.js';
import { V5_FORMAT } from '../src/flowlog/format.js';
import { windowEndingAt } from '../src/flowlog/layout.js';
import { generateSample } from '../src/flowlog/sample.js';
import { machine, quick, spread, timeInterleaved, writeResults } from './support.js';

const OUT = join('bench', 'out', quick ? 'egress-rules-quick' : 'egress-rules');
const TREE = join(OUT, 'bucket');
const END = new Date('2026-11-02T00:00:00Z');
const WINDOW = windowEndingAt(END, 24);
const VPCS = quick ? 2 : 12;
/** 12 VPCs x 24 hours x 3,472 lines: about 1 M lines (quick: a few thousand). */
const SHAPE = { days: 1, recordsPerHour: quick ? 100 : 3472, filesPerHour: 1, layout: 's3' as const };
const ROUNDS = quick ? 1 : 3;
const GROUPS = 50;
const TABLE = { database: 'vpc_port_audit', table: 'flow_logs' };
const cidrs = Array.from({ length: VPCS }, (_, i) => `10.${i}.0.0/16`);
const account = (i: number) => String(100000000000 + i * 1111);

/** The day's files (generated unless the tree is there): each VPC under its own account's AWSLogs folder. */
async function dataset(): Promise<void> {
  if (existsSync(join(TREE, 'AWSLogs', account(VPCS - 1)))) return;
  await rm(OUT, { recursive: true, force: true });
  for (const [i, cidr] of cidrs.entries()) {
    await generateSample({
      out: TREE, vpcCidrs: parseCidrList(cidr), end: END, seed: 2300 + i, format: V5_FORMAT, ...SHAPE,
      account: account(i), region: 'us-east-1', flowLogId: `fl-0${String(i).padStart(3, '0')}000000000000`,
    });
  }
}

/** EC2's facts for the interfaces of `rows` (see the header). */
function factsFor(rows: readonly ObservedEgressRow[]): EgressFacts {
  const first = new Map<string, ObservedEgressRow>();
  for (const row of rows) if (row.interfaceId && !first.has(row.interfaceId)) first.set(row.interfaceId, row);
  const groupId = (i: number) => `sg-${(0x1000 + (i % GROUPS)).toString(16).padStart(17, '0')}`;
  const interfaces: NetworkInterface[] = [...first.values()].map((row, i) => ({
    NetworkInterfaceId: row.interfaceId!, VpcId: row.vpcId ?? undefined, OwnerId: row.account ?? undefined, AvailabilityZone: 'us-east-1a',
    PrivateIpAddress: row.sourceAddress, Groups: [{ GroupId: groupId(i), GroupName: `group-${i % GROUPS}` }],
  }));
  const securityGroupRules: SecurityGroupRule[] = Array.from({ length: GROUPS }, (_, g) => ({
    SecurityGroupRuleId: `sgr-${g.toString(16).padStart(17, '0')}`, GroupId: groupId(g), IsEgress: true, IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv4: '0.0.0.0/0',
  }));
  return { interfaces, securityGroupRules };
}

async function main(): Promise<void> {
  await dataset();
  const logs = await readLocalLogs(TREE, WINDOW);
  const parameters: AuditParameters = { preset: 'egress-ports', vpcCidrs: parseCidrList(cidrs.join(',')), window: WINDOW, maxPorts: DEFAULT_MAX_PORTS, source: localViewShape(TABLE, logs) };
  const engine = new DuckDbEngine({ logs });
  // The answers first: the interfaces the flow logs name, and a proposal over them.
  const observed = await engine.runEgressObservation(parameters);
  const facts = factsFor(observed.rows);
  const options = { window: WINDOW, minDays: 1 };
  const proposal = buildProposal(observed.rows, facts, options);
  const buildStarted = performance.now();
  buildProposal(observed.rows, facts, options);
  const buildMs = performance.now() - buildStarted;
  const loadBefore = loadavg()[0]!;
  const t = await timeInterleaved(
    {
      audit: () => engine.runAudit(parameters),
      proposal: () => proposeEgressRules(engine, parameters, facts, options),
    },
    ROUNDS,
  );
  const lines = VPCS * 24 * SHAPE.recordsPerHour;
  const bytes = logs.files.reduce((n, f) => n + f.size, 0);
  const rules = proposal.groups.reduce((n, g) => n + g.rules.length, 0);
  const ratio = t.proposal.median / t.audit.median;
  await writeResults(
    'egress-rules',
    [
      '## egress-rules',
      '',
      `Machine: ${machine()}. One day of ${VPCS} generated VPCs (${cidrs[0]} to ${cidrs[cidrs.length - 1]}) in S3 delivery's daily layout with hourly files: ` +
        `about ${lines.toLocaleString('en-US')} v5 lines in ${logs.files.length} gzip files (${(bytes / 2 ** 20).toFixed(1)} MiB), ${facts.interfaces.length} network interfaces ` +
        `in ${GROUPS} security groups; medians of ${ROUNDS} interleaved rounds after a warm-up (min-max in brackets); 1-minute load average ` +
        `${loadBefore.toFixed(1)} before and ${loadavg()[0]!.toFixed(1)} after (other work on the machine inflates every row alike).`,
      '',
      '| what | median (min-max) | vs audit |',
      '| --- | ---: | ---: |',
      `| the plain audit (egress-ports) of the same files | ${spread(t.audit)} | 1.00x |`,
      `| the proposal: observed-egress query (${observed.rows.length.toLocaleString('en-US')} rows) and buildProposal | ${spread(t.proposal)} | ${ratio.toFixed(2)}x |`,
      '',
      `Proposal vs audit: ${ratio.toFixed(2)}x (target: within 1.5x). buildProposal alone: ${buildMs.toFixed(0)} ms for ${proposal.groups.length} groups and ${rules.toLocaleString('en-US')} proposed rules.`,
    ].join('\n'),
  );
}

await main();
