// Benchmark: the organisation audit (issue 21) on one day of a central bucket in S3 delivery's daily layout,
// AWSLogs/<account>/vpcflowlogs/us-east-1/YYYY/MM/DD/, 50 accounts x 2 VPCs (10.0.0.0/16 and 10.1.0.0/16 in every
// account), about 1 M v5 lines. Side by side in one run: the grouped audit (one query, every connection attributed to
// its account, region and VPC) against the same query without unit columns (the single organisation-wide list the
// audit gave before), the grouped audit with a 100-VPC inventory (--vpcs), and auditing the 100 VPCs one by one
// (each account's folder with one VPC's CIDR: what a user pays without this feature). Then the drill-down of the
// grouped list's 10 busiest ports: grouped by unit (each VPC's own sources, one query) against the same query
// without unit columns (the one organisation-wide drill-down it gave before).
// Run: node lib/bench/organisation-audit.js [--quick]

import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DEFAULT_MAX_PORTS, parseCidrList } from '../src/audit/parameters.js';
import type { AuditParameters } from '../src/audit/query.js';
import type { InventoryVpc } from '../src/audit/audit-unit.js';
import type { TableShape } from '../src/audit/table-shape.js';
import { DuckDbEngine, localViewShape } from '../src/engines/duckdb.js';
import { readLocalLogs, type LocalLogs } from '../src/engines/local-files.js';
import { V5_FORMAT } from '../src/flowlog/format.js';
import { windowEndingAt } from '../src/flowlog/layout.js';
import { generateSample } from '../src/flowlog/sample.js';
import { machine, quick, spread, timeInterleaved, writeResults } from './support.js';

const OUT = join('bench', 'out', quick ? 'organisation-audit-quick' : 'organisation-audit');
const TREE = join(OUT, 'bucket');
const END = new Date('2026-11-02T00:00:00Z');
const WINDOW = windowEndingAt(END, 24);
const ACCOUNTS = quick ? 3 : 50;
const CIDRS = ['10.0.0.0/16', '10.1.0.0/16'] as const;
/**
 * About 1 M lines a day over 100 VPCs (quick: a few thousand), one file per hour per flow log (2,400 files). S3
 * delivery writes one about every 5 minutes (28,800 a day here): DuckDB's per-file cost then dominates every run
 * alike and one timed round took over 10 minutes on 2 cores, so the full run uses hourly files.
 */
const SHAPE = { days: 1, recordsPerHour: quick ? 50 : 417, filesPerHour: quick ? 2 : 1, layout: 's3' as const };
const ROUNDS = 2;
const TABLE = { database: 'vpc_port_audit', table: 'flow_logs' };
const REGION = 'us-east-1';
const MANIFEST = join(OUT, 'vpcs.json');

interface GeneratedVpc {
  readonly account: string;
  readonly cidr: string;
  /** The vpc-id its records carry (the generator picks one per VPC). */
  readonly vpcId: string;
  /** The account of its records' account-id field (the generator's), which the path's account does not override. */
  readonly recordAccount: string;
}

const account = (i: number) => String(100000000000 + i * 1111);

/** Every file under `dir`, as paths. */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/**
 * The bucket (generated unless the manifest of the same size is there): each VPC generated into a folder of its own
 * (its own seed, flow log id and CIDR), its files then moved into the one bucket tree.
 */
async function bucket(): Promise<GeneratedVpc[]> {
  if (existsSync(MANIFEST)) {
    const vpcs = JSON.parse(readFileSync(MANIFEST, 'utf8')) as GeneratedVpc[];
    if (vpcs.length === ACCOUNTS * CIDRS.length) return vpcs;
  }
  await rm(OUT, { recursive: true, force: true });
  const vpcs: GeneratedVpc[] = [];
  const vpcIdColumn = V5_FORMAT.fields.findIndex((f) => f.column === 'vpc_id');
  const accountColumn = V5_FORMAT.fields.findIndex((f) => f.column === 'account_id');
  for (let a = 0; a < ACCOUNTS; a++) {
    for (const [c, cidr] of CIDRS.entries()) {
      const scratch = await mkdtemp(join(tmpdir(), 'org-bench-'));
      await generateSample({
        out: scratch, vpcCidrs: parseCidrList(cidr), end: END, seed: 1000 + a * 2 + c, format: V5_FORMAT, ...SHAPE,
        account: account(a), region: REGION, flowLogId: `fl-0${String(a).padStart(3, '0')}${c}00000000000`,
      });
      const written = (await files(join(scratch, 'AWSLogs'))).sort();
      const record = gunzipSync(readFileSync(written[0]!)).toString('utf8').split('\n')[1]!.split(' ');
      vpcs.push({ account: account(a), cidr, vpcId: record[vpcIdColumn]!, recordAccount: record[accountColumn]! });
      for (const path of written) {
        const target = join(TREE, path.slice(scratch.length + 1));
        await mkdir(join(target, '..'), { recursive: true });
        await rename(path, target);
      }
      await rm(scratch, { recursive: true, force: true });
    }
  }
  await writeFile(MANIFEST, JSON.stringify(vpcs));
  return vpcs;
}

const parameters = (source: TableShape, over: Partial<AuditParameters> = {}): AuditParameters => ({
  preset: 'egress-ports', vpcCidrs: [], window: WINDOW, maxPorts: DEFAULT_MAX_PORTS, source, ...over,
});

/** The view's shape without the unit columns: the query then has one unit, the single list of the earlier audit. */
function withoutUnits(shape: TableShape): TableShape {
  const columns = new Map(shape.columns);
  for (const name of ['account_id', 'region', 'vpc_id']) columns.delete(name);
  return { ...shape, columns };
}

async function main(): Promise<void> {
  const vpcs = await bucket();
  const logs = await readLocalLogs(TREE, WINDOW);
  const source = localViewShape(TABLE, logs);
  const inventory: InventoryVpc[] = vpcs.map((v) => ({ account: v.recordAccount, region: REGION, vpcId: v.vpcId, cidrs: parseCidrList(v.cidr) }));
  const engine = new DuckDbEngine({ logs });
  const perAccount = new Map<string, LocalLogs>();
  for (const a of new Set(vpcs.map((v) => v.account))) perAccount.set(a, await readLocalLogs(join(TREE, 'AWSLogs', a), WINDOW));
  const oneByOne = async () => {
    for (const v of vpcs) {
      const own = perAccount.get(v.account)!;
      await new DuckDbEngine({ logs: own }).runAudit(parameters(localViewShape(TABLE, own), { vpcCidrs: parseCidrList(v.cidr) }));
    }
  };
  // The answers first: the grouped audit has a unit per VPC, and its sum equals the single list.
  const grouped = await engine.runAudit(parameters(source, { vpcCidrs: parseCidrList(CIDRS.join(',')) }));
  const single = await engine.runAudit(parameters(withoutUnits(source), { vpcCidrs: parseCidrList(CIDRS.join(',')) }));
  const withInventory = await engine.runAudit(parameters(source, { inventory }));
  if (grouped.units.length !== vpcs.length || withInventory.units.length !== vpcs.length) throw new Error(`expected ${vpcs.length} units, got ${grouped.units.length} and ${withInventory.units.length}`);
  const sum = (result: typeof grouped) => result.rows.reduce((n, r) => n + r.flows, 0);
  const flows = { grouped: sum(grouped), single: sum(single), inventory: sum(withInventory) };
  const loadBefore = loadavg()[0]!;
  const t = await timeInterleaved(
    {
      single: () => engine.runAudit(parameters(withoutUnits(source), { vpcCidrs: parseCidrList(CIDRS.join(',')) })),
      grouped: () => engine.runAudit(parameters(source, { vpcCidrs: parseCidrList(CIDRS.join(',')) })),
      inventory: () => engine.runAudit(parameters(source, { inventory })),
      oneByOne,
    },
    ROUNDS,
  );
  // The drill-down of the 10 busiest ports: per unit (one query) against the query without unit columns.
  const drilled = grouped.rows.slice(0, 10);
  const drillDowns = {
    perVpc: await engine.runDrillDown(parameters(source, { vpcCidrs: parseCidrList(CIDRS.join(',')) }), drilled),
    single: await engine.runDrillDown(parameters(withoutUnits(source), { vpcCidrs: parseCidrList(CIDRS.join(',')) }), drilled),
  };
  const d = await timeInterleaved(
    {
      single: () => engine.runDrillDown(parameters(withoutUnits(source), { vpcCidrs: parseCidrList(CIDRS.join(',')) }), drilled),
      perVpc: () => engine.runDrillDown(parameters(source, { vpcCidrs: parseCidrList(CIDRS.join(',')) }), drilled),
    },
    ROUNDS,
  );
  const lines = logs.files.length === 0 ? 0 : vpcs.length * 24 * SHAPE.recordsPerHour;
  const bytes = logs.files.reduce((n, f) => n + f.size, 0);
  const ratio = (x: number) => `${(x / t.single.median).toFixed(2)}x`;
  await writeResults(
    'organisation-audit',
    [
      '## organisation-audit',
      '',
      `Machine: ${machine()}. One day of a central bucket in S3 delivery's daily layout: ${ACCOUNTS} accounts x ${CIDRS.length} VPCs ` +
        `(${CIDRS.join(' and ')} in every account), about ${lines.toLocaleString('en-US')} v5 lines in ${logs.files.length} gzip files ` +
        `(${(bytes / 2 ** 20).toFixed(1)} MiB); medians of ${ROUNDS} interleaved rounds after a warm-up (min-max in brackets); ` +
        `1-minute load average ${loadBefore.toFixed(1)} before and ${loadavg()[0]!.toFixed(1)} after (other work on the machine inflates every row alike).`,
      '',
      '| what | median (min-max) | vs single list |',
      '| --- | ---: | ---: |',
      `| single organisation-wide list (the query without unit columns), --vpc-cidr ${CIDRS.join(',')} | ${spread(t.single)} | 1.00x |`,
      `| grouped by (account, region, VPC): ${grouped.units.length} units from the records' fields, same --vpc-cidr | ${spread(t.grouped)} | ${ratio(t.grouped.median)} |`,
      `| grouped with a ${inventory.length}-VPC inventory (--vpcs: "inside" per VPC) | ${spread(t.inventory)} | ${ratio(t.inventory.median)} |`,
      `| the ${vpcs.length} VPCs one by one (each account's folder, one VPC's CIDR) | ${spread(t.oneByOne)} | ${ratio(t.oneByOne.median)} |`,
      '',
      `Grouped vs single list: ${(t.grouped.median / t.single.median).toFixed(2)}x (target: within 1.3x). ` +
        `One by one vs grouped: ${(t.oneByOne.median / t.grouped.median).toFixed(1)}x. ` +
        `Flows counted: single ${flows.single.toLocaleString('en-US')}, grouped ${flows.grouped.toLocaleString('en-US')}, with the inventory ${flows.inventory.toLocaleString('en-US')} ` +
        '(the grouped sums are per unit: a connection is counted once in its VPC).',
      '',
      `Drill-down of the ${drilled.length} busiest ports (who opened them, where they went), one query each way:`,
      '',
      '| what | median (min-max) | vs organisation-wide |',
      '| --- | ---: | ---: |',
      `| organisation-wide (the query without unit columns) | ${spread(d.single)} | 1.00x |`,
      `| per VPC: ${drillDowns.perVpc.units.length} units' own sources and destinations, and their sum | ${spread(d.perVpc)} | ${(d.perVpc.median / d.single.median).toFixed(2)}x |`,
      '',
      `Connections drilled: organisation-wide ${drillDowns.single.ports.reduce((n, p) => n + p.connections, 0).toLocaleString('en-US')}, ` +
        `per VPC summed ${drillDowns.perVpc.ports.reduce((n, p) => n + p.connections, 0).toLocaleString('en-US')}.`,
    ].join('\n'),
  );
}

await main();
