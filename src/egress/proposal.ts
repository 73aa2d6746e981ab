// The egress-rules proposal (issue 23): from what each network interface opened in the window
// (egress/observed-egress.ts) and what EC2 says of the interfaces and their security groups (egress/egress-facts.ts),
// per security group whose members had outbound traffic: the egress rules that allow exactly the observed
// (protocol, port, destination), contiguous ports of the same verdict merged into one range; each port the
// allowlist does not explain marked; the group's current egress rules, each marked used / never used / not known in
// the window; and a plain verdict. Traffic of interfaces EC2 no longer describes is shown unassigned. A window shorter
// than `minDays` is "not yet safe to apply"; a group with members in a VPC whose coverage cannot show outbound traffic
// (REJECT-only, no flows, no records) is refused with the reason. A proposal only: nothing here changes AWS.

import { parseCidr, type Cidr } from '../audit/cidr.js';
import { isAllowed, type Allowlist } from '../audit/allowlist.js';
import type { AuditUnit } from '../audit/audit-unit.js';
import type { AuditParameters } from '../audit/query.js';
import { protocolName, protocolNumber } from '../audit/port-row.js';
import { describeUnitCoverage, type UnitCoverage } from '../audit/unit-coverage.js';
import type { HourWindow } from '../flowlog/layout.js';
import type { AuditStatistics, QueryEngine } from '../engines/engine.js';
import type { EgressFacts, NetworkInterface, SecurityGroupRule } from './egress-facts.js';
import { prefixListName, type DestinationKind, type ObservedEgressRow } from './observed-egress.js';

/** The window a proposal needs by default before it calls itself safe to apply: a week shows weekly jobs. */
export const DEFAULT_MIN_DAYS = 7;

/**
 * Traffic that flow logs never record, so no proposal can show it (Amazon VPC user guide, "Flow log limitations",
 * https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-limitations.html). Security groups do not filter the
 * first six either (Amazon VPC user guide, "Security group rules": security groups do not filter traffic to and from Amazon DNS,
 * DHCP, instance metadata, ECS task metadata, Windows licence activation, Time Sync and the default VPC router's reserved
 * addresses, https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html):
 * removing an allow-all egress rule does not cut them.
 */
export const UNLOGGED_TRAFFIC: readonly string[] = [
  'traffic to the Amazon DNS server (the Route 53 Resolver at the VPC base address plus two and 169.254.169.253; traffic to your own DNS servers is logged)',
  'instance metadata traffic to and from 169.254.169.254',
  'Amazon Time Sync Service traffic to and from 169.254.169.123',
  'DHCP traffic',
  'Windows licence activation traffic of Windows instances',
  'traffic to the reserved IP address of the default VPC router',
  'mirrored traffic, and traffic between an endpoint network interface and a Network Load Balancer network interface',
];

/** Where a proposed rule allows traffic to. */
export type RuleDestination =
  | { readonly kind: Exclude<DestinationKind, 'aws-service'>; readonly cidr: string }
  | {
      readonly kind: 'aws-service';
      /** The pkt-dst-aws-service value (`S3`, `DYNAMODB`). */
      readonly service: string;
      /** The AWS-managed prefix list's name (`com.amazonaws.eu-west-1.s3`). */
      readonly prefixListName: string;
      /** Its id (`pl-6da54004`) where known (ProposalOptions.prefixListIds); null: the renderers look it up by name. */
      readonly prefixListId: string | null;
    };

/** One egress rule of a proposal: a protocol, a port range and a destination, and what it carried in the window. */
export interface ProposedRule {
  /** IANA protocol number. */
  readonly protocol: number;
  /** The port range, both ends included; null for protocols without ports (the rule allows all of the protocol: ICMP, ICMPv6, others). */
  readonly fromPort: number | null;
  readonly toPort: number | null;
  readonly destination: RuleDestination;
  /** Whether the allowlist explains every port of the range; null without an allowlist. A false rule is proposed, and marked. */
  readonly allowlisted: boolean | null;
  readonly connections: number;
  readonly flows: number;
  readonly bytes: number;
  /** The interfaces whose traffic the rule carries, sorted. */
  readonly interfaces: readonly string[];
}

/** One of a group's current egress rules (SecurityGroupRule with IsEgress) and what it allowed in the window. */
export interface CurrentRule {
  readonly ruleId: string;
  /** EC2's IpProtocol: `-1` (all), `tcp`, `udp`, `icmp`, `icmpv6` or a number. */
  readonly ipProtocol: string;
  readonly fromPort: number | null;
  readonly toPort: number | null;
  /** A CIDR block, a prefix list id or a security group id. */
  readonly destination: string;
  /** All traffic to 0.0.0.0/0 or ::/0: the default egress rule of a new security group. */
  readonly allowAll: boolean;
  /**
   * used: observed traffic matched it for certain; never used: no observed traffic could have; not known: traffic
   * matched its protocol and port to a destination it may hold (a narrower internet block, a prefix list or a
   * security group, which addresses grouped as 0.0.0.0/0 or a VPC block cannot tell).
   */
  readonly usage: 'used' | 'never used' | 'not known';
}

export interface GroupMember {
  readonly interfaceId: string;
  readonly instanceId: string | null;
  readonly subnetId: string | null;
  /** EC2's InterfaceType (`interface`, `natGateway`, `vpc_endpoint`, ...). */
  readonly interfaceType: string | null;
}

/** The proposal for one security group. */
export interface GroupProposal {
  readonly groupId: string;
  readonly groupName: string | null;
  readonly vpcId: string | null;
  /** The account that owns the group's interfaces (NetworkInterface.OwnerId). */
  readonly account: string | null;
  readonly region: string | null;
  /** Its interfaces that had outbound traffic in the window. */
  readonly members: readonly GroupMember[];
  readonly rules: readonly ProposedRule[];
  readonly currentRules: readonly CurrentRule[];
  /** One sentence: what to do with the group's egress rules (see verdictOf). */
  readonly verdict: string;
  /** Why no rules are proposed for the group (its VPC's coverage cannot show outbound traffic); null when proposed. */
  readonly refused: string | null;
}

/** Traffic of an interface that EC2 does not describe (it no longer exists) or that has no security group: no group to propose for. */
export interface UnassignedTraffic {
  readonly interfaceId: string | null;
  readonly unit: AuditUnit;
  /** Why it has no group: `no longer exists`, `has no security group (natGateway)`, `no interface-id in its records`. */
  readonly why: string;
  readonly rules: readonly ProposedRule[];
}

export interface EgressProposal {
  /** The window's bounds, ISO. */
  readonly window: { readonly start: string; readonly end: string };
  readonly windowDays: number;
  readonly minDays: number;
  /** False when the window is shorter than minDays (see notSafeReason). */
  readonly safeToApply: boolean;
  readonly notSafeReason: string | null;
  /** Groups with outbound traffic, by group id. */
  readonly groups: readonly GroupProposal[];
  readonly unassigned: readonly UnassignedTraffic[];
  /** Units whose coverage cannot show outbound traffic, one sentence each (audit/unit-coverage.ts describeUnitCoverage). */
  readonly refusedUnits: readonly string[];
  /** What flow logs cannot see (UNLOGGED_TRAFFIC) and what the reader should know of this proposal. */
  readonly notes: readonly string[];
}

export interface ProposalOptions {
  readonly window: HourWindow;
  /** Days the window must span before the proposal is safe to apply (default DEFAULT_MIN_DAYS). */
  readonly minDays?: number;
  /** Marks ports it does not explain (in each interface's unit); undefined: ports are not judged. */
  readonly allowlist?: Allowlist;
  /** The units' coverage (QueryEngine.runCoverage): a group in a unit that cannot be audited is refused. */
  readonly coverage?: readonly UnitCoverage[];
  /**
   * Hours of the window the flow logs cover (audit/window-coverage.ts), when fewer than the window's: the proposal is
   * then safe only when those hours make minDays. Undefined: the whole window.
   */
  readonly coveredHours?: number;
  /** AWS-managed prefix list ids by name (`com.amazonaws.eu-west-1.s3` -> `pl-6da54004`), e.g. from ec2:DescribeManagedPrefixLists. */
  readonly prefixListIds?: ReadonlyMap<string, string>;
}

const DAY_MS = 86_400_000;
const hasPorts = (protocol: number) => protocol === 6 || protocol === 17;
const KIND_ORDER: readonly DestinationKind[] = ['vpc', 'organisation', 'aws-service', 'internet'];

/** The Region of an interface: its Availability Zone without the zone letter (`eu-west-1a` -> `eu-west-1`). */
const regionOf = (nic: NetworkInterface | undefined) => nic?.AvailabilityZone?.replace(/[a-z]$/, '') ?? null;

/** The interface's own addresses (private IPv4 and IPv6); empty when EC2's answer lists none. */
function ownAddresses(nic: NetworkInterface): Set<string> {
  return new Set([
    ...(nic.PrivateIpAddress ? [nic.PrivateIpAddress] : []),
    ...(nic.PrivateIpAddresses ?? []).flatMap((a) => (a.PrivateIpAddress ? [a.PrivateIpAddress] : [])),
    ...(nic.Ipv6Addresses ?? []).flatMap((a) => (a.Ipv6Address ? [a.Ipv6Address] : [])),
  ]);
}

interface PortTraffic {
  readonly protocol: number;
  readonly port: number | null;
  readonly destination: RuleDestination;
  readonly unit: AuditUnit;
  connections: number;
  flows: number;
  bytes: number;
  readonly interfaces: Set<string>;
}

/** Code-point order: the same on every machine, whatever its locale (localeCompare skips punctuation such as `:`). */
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const destinationKey = (d: RuleDestination) => (d.kind === 'aws-service' ? `${d.kind} ${d.prefixListName}` : `${d.kind} ${d.cidr}`);

/** The rule destination of a row: its CIDR, or the AWS service's prefix list in the row's Region. */
function destinationOf(row: ObservedEgressRow, region: string | null, ids: ReadonlyMap<string, string> | undefined): RuleDestination {
  if (row.destinationKind !== 'aws-service') return { kind: row.destinationKind, cidr: row.destination };
  // REGION (docs/egress-rules.schema.json) when neither the records nor EC2's Availability Zone tell the Region.
  const name = prefixListName(row.destination, region ?? 'REGION');
  return { kind: 'aws-service', service: row.destination, prefixListName: name, prefixListId: ids?.get(name) ?? null };
}

/** The traffic of `rows` per (protocol, port, destination); ports only for TCP and UDP. */
function trafficOf(rows: readonly ObservedEgressRow[], region: (row: ObservedEgressRow) => string | null, ids?: ReadonlyMap<string, string>): PortTraffic[] {
  const byKey = new Map<string, PortTraffic>();
  for (const row of rows) {
    const destination = destinationOf(row, region(row), ids);
    const port = hasPorts(row.protocol) ? row.port : null;
    const key = `${row.protocol} ${port} ${destinationKey(destination)}`;
    const traffic = byKey.get(key) ?? { protocol: row.protocol, port, destination, unit: { account: row.account, region: row.region, vpcId: row.vpcId }, connections: 0, flows: 0, bytes: 0, interfaces: new Set<string>() };
    traffic.connections += row.connections;
    traffic.flows += row.flows;
    traffic.bytes += row.bytes;
    if (row.interfaceId) traffic.interfaces.add(row.interfaceId);
    byKey.set(key, traffic);
  }
  return [...byKey.values()];
}

/**
 * The rules allowing exactly `traffic`: per (protocol, destination), contiguous ports with the same allowlist verdict
 * merged into one range; sorted by destination kind (VPC, organisation, AWS service, internet), destination, protocol, port.
 */
function rulesOf(traffic: readonly PortTraffic[], allowlist: Allowlist | undefined): ProposedRule[] {
  const verdict = (t: PortTraffic) => (allowlist === undefined ? null : isAllowed(allowlist, { port: t.port ?? 0, protocol: t.protocol }, t.unit));
  const sorted = [...traffic].sort(
    (a, b) =>
      KIND_ORDER.indexOf(a.destination.kind) - KIND_ORDER.indexOf(b.destination.kind) ||
      compareText(destinationKey(a.destination), destinationKey(b.destination)) ||
      a.protocol - b.protocol ||
      (a.port ?? -1) - (b.port ?? -1),
  );
  const rules: ProposedRule[] = [];
  for (const t of sorted) {
    const allowlisted = verdict(t);
    const last = rules[rules.length - 1];
    const extendsLast =
      last !== undefined && t.port !== null && last.toPort !== null && last.protocol === t.protocol && last.toPort + 1 === t.port &&
      destinationKey(last.destination) === destinationKey(t.destination) && last.allowlisted === allowlisted;
    if (extendsLast) {
      rules[rules.length - 1] = { ...last, toPort: t.port, connections: last.connections + t.connections, flows: last.flows + t.flows, bytes: last.bytes + t.bytes };
    } else {
      rules.push({ protocol: t.protocol, fromPort: t.port, toPort: t.port, destination: t.destination, allowlisted, connections: t.connections, flows: t.flows, bytes: t.bytes, interfaces: [] });
    }
  }
  return rules.map((rule) => ({ ...rule, interfaces: interfacesOf(sorted, rule) }));
}

/** The sorted interfaces of the traffic a rule carries (its protocol, destination and port range). */
function interfacesOf(traffic: readonly PortTraffic[], rule: ProposedRule): string[] {
  const carried = traffic.filter(
    (t) => t.protocol === rule.protocol && destinationKey(t.destination) === destinationKey(rule.destination) &&
      (t.port === null || (t.port >= rule.fromPort! && t.port <= rule.toPort!)),
  );
  return [...new Set(carried.flatMap((t) => [...t.interfaces]))].sort();
}

const WIDTH = { 4: 32n, 6: 128n } as const;
/** Whether block `outer` holds all of block `inner`. */
function holds(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false;
  const shift = WIDTH[outer.family] - BigInt(outer.prefix);
  return outer.network >> shift === inner.network >> shift;
}

/** The protocol number of EC2's IpProtocol, or 'all' for -1. */
function ruleProtocol(ipProtocol: string): number | 'all' | undefined {
  return ipProtocol === '-1' ? 'all' : protocolNumber(ipProtocol);
}

/** Whether a current rule's protocol and ports take this traffic. */
function takesPort(rule: SecurityGroupRule, t: PortTraffic): boolean {
  const protocol = ruleProtocol(rule.IpProtocol ?? '-1');
  if (protocol === 'all') return true;
  if (protocol !== t.protocol) return false;
  if (t.port === null || rule.FromPort === undefined || rule.FromPort === -1) return true;
  return t.port >= rule.FromPort && t.port <= (rule.ToPort ?? rule.FromPort);
}

/** What a current rule's destination says of traffic to `d`: certainly holds it, may hold it, or cannot. */
function destinationMatch(rule: SecurityGroupRule, d: RuleDestination): 'yes' | 'maybe' | 'no' {
  const block = rule.CidrIpv4 ?? rule.CidrIpv6;
  if (block !== undefined) {
    const cidr = parseCidr(block, 'security group rule');
    if (d.kind === 'aws-service') return cidr.family === 4 ? (cidr.prefix === 0 ? 'yes' : 'maybe') : 'no';
    const observed = parseCidr(d.cidr);
    if (holds(cidr, observed)) return 'yes';
    return holds(observed, cidr) ? 'maybe' : 'no';
  }
  if (rule.PrefixListId !== undefined) {
    if (d.kind === 'aws-service') return d.prefixListId === null ? 'maybe' : d.prefixListId === rule.PrefixListId ? 'yes' : 'no';
    return d.kind === 'internet' ? 'maybe' : 'no';
  }
  // A referenced security group: its members' addresses are inside a VPC.
  return d.kind === 'vpc' || d.kind === 'organisation' ? 'maybe' : 'no';
}

function currentRuleOf(rule: SecurityGroupRule, traffic: readonly PortTraffic[]): CurrentRule {
  const matches = traffic.filter((t) => takesPort(rule, t)).map((t) => destinationMatch(rule, t.destination));
  const destination = rule.CidrIpv4 ?? rule.CidrIpv6 ?? rule.PrefixListId ?? rule.ReferencedGroupInfo?.GroupId ?? '-';
  const ports = rule.FromPort === undefined || rule.FromPort === -1 ? null : rule.FromPort;
  return {
    ruleId: rule.SecurityGroupRuleId ?? '-',
    ipProtocol: rule.IpProtocol ?? '-1',
    fromPort: ports,
    toPort: ports === null ? null : (rule.ToPort ?? ports),
    destination,
    allowAll: (rule.IpProtocol ?? '-1') === '-1' && (rule.CidrIpv4 === '0.0.0.0/0' || rule.CidrIpv6 === '::/0'),
    usage: matches.includes('yes') ? 'used' : matches.includes('maybe') ? 'not known' : 'never used',
  };
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The group's verdict sentence (no period), from its proposed and current rules. */
function verdictOf(rules: readonly ProposedRule[], current: readonly CurrentRule[]): string {
  const these = rules.length === 1 ? 'this rule' : `these ${rules.length} rules`;
  const allow = rules.length === 1 ? 'allows' : 'allow';
  if (current.some((r) => r.allowAll)) return `the default allow-all egress can be replaced by ${these}`;
  const unused = current.filter((r) => r.usage === 'never used').length;
  if (unused > 0) return `${unused} of its ${plural(current.length, 'current egress rule')} allowed nothing in the window and can go; ${these} ${allow} what was observed`;
  return `its ${plural(current.length, 'current egress rule')} all carried traffic or may have; ${these} ${allow} exactly what was observed`;
}

/** A unit's coverage that cannot show outbound traffic, as the sentence a refusal gives; undefined when it can. */
function refusalOf(coverage: readonly UnitCoverage[] | undefined, vpcId: string | null): string | undefined {
  const unit = coverage?.find((c) => c.unit.vpcId !== null && c.unit.vpcId === vpcId && !c.auditable);
  return unit ? describeUnitCoverage(unit) : undefined;
}

function windowDays(window: HourWindow): number {
  return (window.end.getTime() - window.start.getTime()) / DAY_MS;
}

/** Days as people read them, rounded down to a tenth so that a window just short of a limit never reads as the limit. */
const daysText = (days: number) => `${Number.isInteger(days) ? days : (Math.floor(days * 10) / 10).toFixed(1)} day${days === 1 ? '' : 's'}`;

/**
 * The proposal from the observed-egress rows and EC2's facts (see the header). Rows of an interface EC2 describes
 * whose source address is not one of the interface's own were received by it, not opened (formats without
 * flow-direction log both ends of a connection inside the VPC): they are left out.
 */
export function buildProposal(rows: readonly ObservedEgressRow[], facts: EgressFacts, options: ProposalOptions): EgressProposal {
  const minDays = options.minDays ?? DEFAULT_MIN_DAYS;
  const days = windowDays(options.window);
  const seenDays = Math.min(days, (options.coveredHours ?? Number.POSITIVE_INFINITY) / 24);
  const safe = seenDays >= minDays;
  const nics = new Map(facts.interfaces.flatMap((n) => (n.NetworkInterfaceId ? [[n.NetworkInterfaceId, n] as const] : [])));
  const regionOfRow = (row: ObservedEgressRow) => row.region ?? regionOf(row.interfaceId ? nics.get(row.interfaceId) : undefined);
  const opened = rows.filter((row) => {
    const nic = row.interfaceId ? nics.get(row.interfaceId) : undefined;
    const own = nic ? ownAddresses(nic) : new Set<string>();
    return own.size === 0 || own.has(row.sourceAddress);
  });

  // Rows per group, and the rows of interfaces without one.
  const byGroup = new Map<string, { name: string | null; nics: Map<string, NetworkInterface>; rows: ObservedEgressRow[] }>();
  const unassigned = new Map<string, { interfaceId: string | null; unit: AuditUnit; why: string; rows: ObservedEgressRow[] }>();
  for (const row of opened) {
    const nic = row.interfaceId ? nics.get(row.interfaceId) : undefined;
    const groups = nic?.Groups ?? [];
    if (!nic || groups.length === 0) {
      const why = row.interfaceId === null ? 'no interface-id in its records' : !nic ? 'no longer exists' : `has no security group (${nic.InterfaceType ?? 'interface'})`;
      const key = row.interfaceId ?? `- ${row.account} ${row.vpcId}`;
      const entry = unassigned.get(key) ?? { interfaceId: row.interfaceId, unit: { account: row.account, region: row.region, vpcId: row.vpcId }, why, rows: [] };
      entry.rows.push(row);
      unassigned.set(key, entry);
      continue;
    }
    for (const group of groups) {
      if (!group.GroupId) continue;
      const entry = byGroup.get(group.GroupId) ?? { name: group.GroupName ?? null, nics: new Map<string, NetworkInterface>(), rows: [] as ObservedEgressRow[] };
      entry.nics.set(nic.NetworkInterfaceId!, nic);
      entry.rows.push(row);
      byGroup.set(group.GroupId, entry);
    }
  }

  const groups = [...byGroup.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([groupId, entry]): GroupProposal => {
    const members = [...entry.nics.values()].sort((a, b) => a.NetworkInterfaceId!.localeCompare(b.NetworkInterfaceId!));
    const first = members[0]!;
    const traffic = trafficOf(entry.rows, regionOfRow, options.prefixListIds);
    const current = facts.securityGroupRules.filter((r) => r.GroupId === groupId && r.IsEgress === true).map((r) => currentRuleOf(r, traffic));
    const refused = members.map((m) => refusalOf(options.coverage, m.VpcId ?? null)).find((r) => r !== undefined) ?? null;
    const rules = refused === null ? rulesOf(traffic, options.allowlist) : [];
    return {
      groupId,
      groupName: entry.name,
      vpcId: first.VpcId ?? null,
      account: first.OwnerId ?? null,
      region: regionOf(first),
      members: members.map((m) => ({ interfaceId: m.NetworkInterfaceId!, instanceId: m.Attachment?.InstanceId ?? null, subnetId: m.SubnetId ?? null, interfaceType: m.InterfaceType ?? null })),
      rules,
      currentRules: current,
      verdict: refused === null ? verdictOf(rules, current) : `no rules proposed: ${refused.replace(/\.$/, '')}`,
      refused,
    };
  });

  const notes = [
    `Flow logs never record ${UNLOGGED_TRAFFIC.join('; ')} (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-limitations.html). Security groups do not filter DNS, DHCP, instance metadata, Time Sync, licence activation or VPC router traffic either (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html), so removing an allow-all egress rule does not cut it.`,
    'Security groups are stateful: replies to connections that others opened to an interface need no egress rule, and none is proposed for them.',
    'The tool never applies a rule: review each, then apply them with your own change process.',
  ];
  const multi = [...nics.values()].filter((n) => (n.Groups?.length ?? 0) > 1 && opened.some((r) => r.interfaceId === n.NetworkInterfaceId));
  for (const nic of multi) {
    notes.push(`${nic.NetworkInterfaceId} carries ${nic.Groups!.length} security groups (${nic.Groups!.map((g) => g.GroupId).join(', ')}); its traffic is proposed in each, and one of them is enough.`);
  }
  const quiet = new Set(facts.securityGroupRules.map((r) => r.GroupId).filter((g): g is string => g !== undefined && !byGroup.has(g)));
  if (quiet.size > 0) notes.push(`${plural(quiet.size, 'security group')} with rules had no outbound traffic in the window (${[...quiet].sort().join(', ')}): no rules are proposed for ${quiet.size === 1 ? 'it' : 'them'}, and an empty proposal would cut traffic the window did not show.`);
  const refusedUnits = (options.coverage ?? []).filter((c) => !c.auditable).map((c) => describeUnitCoverage(c)!);

  return {
    window: { start: options.window.start.toISOString(), end: options.window.end.toISOString() },
    windowDays: days,
    minDays,
    safeToApply: safe,
    notSafeReason: safe
      ? null
      : `${seenDays < days ? `the flow logs cover ${plural(options.coveredHours!, 'hour')} of the ${daysText(days)} window` : `the window is ${daysText(days)}`}, shorter than the ${daysText(minDays)} asked for: ` +
        `weekly jobs, backups and failovers may not have run in it, and a rule they need would be missing; propose again over ${daysText(minDays)} or more before applying`,
    groups,
    unassigned: [...unassigned.values()]
      .sort((a, b) => (a.interfaceId ?? '').localeCompare(b.interfaceId ?? ''))
      .map((u) => ({ interfaceId: u.interfaceId, unit: u.unit, why: u.why, rules: rulesOf(trafficOf(u.rows, regionOfRow, options.prefixListIds), options.allowlist) })),
    refusedUnits,
    notes,
  };
}

/** What proposeEgressRules returns: the proposal, the SQL and statistics of the query, and rows left out. */
export interface ProposalRun {
  readonly proposal: EgressProposal;
  readonly sql: string;
  readonly rejected: readonly string[];
  readonly statistics: AuditStatistics;
}

/**
 * The whole proposal for the action and the CLI: one observed-egress query on `engine` (Athena or DuckDB) over the
 * audit's `parameters` (the table must have interface_id: egress/observed-egress.ts requireInterfaceId), then
 * buildProposal with `facts` and `options`. Nothing is applied to AWS.
 */
export async function proposeEgressRules(engine: QueryEngine, parameters: AuditParameters, facts: EgressFacts, options: ProposalOptions): Promise<ProposalRun> {
  const result = await engine.runEgressObservation(parameters);
  return { proposal: buildProposal(result.rows, facts, options), sql: result.sql, rejected: result.rejected, statistics: result.statistics };
}

/** `443/tcp`, `8080-8081/tcp`, `all icmp`, `all 47`: a rule's ports as people write them. */
export function portsText(rule: Pick<ProposedRule, 'protocol' | 'fromPort' | 'toPort'>): string {
  if (rule.fromPort === null) return `all ${protocolName(rule.protocol)}`;
  return `${rule.fromPort === rule.toPort ? rule.fromPort : `${rule.fromPort}-${rule.toPort}`}/${protocolName(rule.protocol)}`;
}

/** A rule's destination as people read it: `10.1.0.0/16 (organisation)`, `com.amazonaws.eu-west-1.s3 (S3)`, `0.0.0.0/0`. */
export function destinationText(d: RuleDestination): string {
  if (d.kind === 'aws-service') return `${d.prefixListName} (${d.service})`;
  return d.kind === 'internet' ? d.cidr : `${d.cidr} (${d.kind === 'vpc' ? 'this VPC' : 'organisation'})`;
}
