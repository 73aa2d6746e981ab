// The event model behind the sample generator: a VPC's hosts, the outside services they talk to, and the
// flow-log records each kind of traffic produces in one hour (outbound connections with their replies, some
// through a NAT gateway that logs its translated copy, long connections opened before the sample that log
// tcp-flags 0 in every hour, servers answering inbound connections, east-west traffic, REJECTs,
// NODATA/SKIPDATA). Each record says
// what it means (sent from inside the VPC? the opener of an outbound connection?) so the ground truth is
// counted from the model, never from the text of the records.

import { cidrContains, formatIPv4, formatIPv6, type Cidr } from '../audit/cidr.js';
import { InputError } from '../input-error.js';
import type { FlowLogRecord } from './record.js';
import type { Rng } from './prng.js';

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMPV6 = 58;
/** Ephemeral source ports of Linux clients (net.ipv4.ip_local_port_range). */
export const EPHEMERAL_PORTS = { min: 32768, max: 60999 } as const;
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
/** Aggregation interval of the generated records, seconds. */
const INTERVAL_S = 60;
/** traffic-path: 1 = through another resource in the same VPC, 8 = through an internet gateway. */
const PATH_IN_VPC = 1;
const PATH_INTERNET = 8;

interface Host {
  readonly address: string;
  readonly family: 4 | 6;
  readonly eni: string;
  readonly subnet: string;
  /** The instance behind the interface; null for a NAT gateway's interface. */
  readonly instance: string | null;
  readonly az: string;
}

/** A connection opened before the sample that stays open in every hour of it (a database pool, a broker). */
interface LongConnection {
  readonly client: Host;
  readonly service: OutsideService;
  readonly peer: string;
  readonly srcport: number;
}

/** A service outside the VPC that clients connect to, with the addresses it answers on. */
interface OutsideService {
  readonly port: number;
  readonly protocol: number;
  readonly peers4: readonly string[];
  readonly peers6: readonly string[];
}

export interface SampleNetwork {
  readonly vpcCidrs: readonly Cidr[];
  readonly vpcId: string;
  readonly clients: { readonly 4: readonly Host[]; readonly 6: readonly Host[] };
  /** IPv4 clients in private subnets: their outbound traffic goes through the NAT gateway. */
  readonly privateClients: ReadonlySet<Host>;
  /** The NAT gateway's interface in a public subnet. */
  readonly natGateway: Host;
  readonly longConnections: readonly LongConnection[];
  /** One client that, twice an hour, connects out to a port no other host uses: the new port a drill-down must trace. */
  readonly beacon: { readonly client: Host; readonly service: OutsideService };
  readonly servers: { readonly 4: readonly Host[]; readonly 6: readonly Host[] };
  readonly tcpServices: readonly (readonly [OutsideService, number])[];
  readonly dns: OutsideService;
  readonly ntp: OutsideService;
  /** Outside addresses that connect in (users of the VPC's servers, scanners). */
  readonly visitors: { readonly 4: readonly string[]; readonly 6: readonly string[] };
}

/**
 * The source port a NAT gateway gives the connection `srcaddr:srcport -> dstaddr:dstport`: 1024-65535, the
 * same for every record of that connection (an FNV-1a hash of it, so no random draw depends on the NAT).
 */
function translatedPort(srcaddr: string, srcport: number, dstaddr: string, dstport: number): number {
  let hash = 0x811c9dc5;
  for (const char of `${srcaddr} ${srcport} ${dstaddr} ${dstport}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return 1024 + (hash % (65536 - 1024));
}

/** One generated line with what the model knows about it. */
export interface ModelRecord {
  readonly record: FlowLogRecord;
  /** The sender (srcaddr) is a host of the VPC: what the seed preset counts. */
  readonly fromVpc: boolean;
  /**
   * An accepted egress record, on an instance's interface, of a flow that the VPC opened to an address outside
   * it: every interval of it, the opening one (SYN) and the later ones (flags 0). What the egress-ports preset
   * counts; a NAT gateway's translated copy is not one.
   */
  readonly outbound: boolean;
}

/** Outbound TCP services, skewed like real workloads: [port, weight, peer count]. */
const TCP_SERVICES: readonly (readonly [number, number, number])[] = [
  [443, 55, 40],
  [80, 8, 12],
  [5432, 4, 2],
  [22, 3, 3],
  [3306, 2, 1],
  [6379, 2, 1],
  [9092, 1.5, 3],
  [8443, 1.2, 4],
  [27017, 0.8, 2],
  [25, 0.4, 2],
  [993, 0.3, 1],
  [9418, 0.2, 1],
];
/** Ports the VPC's own servers listen on, for inbound connections. */
const SERVER_PORTS: readonly (readonly [number, number])[] = [
  [443, 6],
  [80, 2],
  [22, 1],
  [8080, 1],
];
/** Ports of east-west services inside the VPC. */
const INTERNAL_PORTS: readonly (readonly [number, number])[] = [
  [5432, 3],
  [6379, 2],
  [8080, 3],
  [2049, 1],
  [443, 2],
];
/** Ports scanners knock on (rejected). */
const SCANNED_PORTS = [22, 23, 445, 3389, 1433, 5900] as const;

const PUBLIC_V4_FIRST_OCTETS = [3, 13, 18, 34, 35, 52, 54, 104, 140, 142, 151, 185, 199] as const;
const PUBLIC_V6_PREFIXES = [0x2606_4700, 0x2a05_d018, 0x2600_1f14, 0x2404_6800, 0x2001_4860] as const;

const hex = (rng: Rng, digits: number) =>
  Array.from({ length: digits }, () => rng.int(0, 15).toString(16)).join('');

const inVpc = (vpcCidrs: readonly Cidr[], address: string) => vpcCidrs.some((c) => cidrContains(c, address));

function random128(rng: Rng): bigint {
  return Array.from({ length: 4 }, () => BigInt(rng.int(0, 0xffffffff))).reduce((acc, w) => (acc << 32n) | w, 0n);
}

/** A random address inside the block (IPv4: leaving out the addresses AWS reserves when the block is big enough). */
function addressIn(rng: Rng, cidr: Cidr): string {
  if (cidr.family === 6) {
    const mask = (1n << BigInt(128 - cidr.prefix)) - 1n;
    return formatIPv6(cidr.network | (random128(rng) & mask));
  }
  const size = 2 ** (32 - cidr.prefix);
  const offset = size >= 16 ? rng.int(4, size - 2) : rng.int(0, size - 1);
  return formatIPv4(cidr.network + BigInt(offset));
}

/** A random public address outside every VPC block. */
function outsideAddress(rng: Rng, family: 4 | 6, vpcCidrs: readonly Cidr[]): string {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const address =
      family === 4
        ? formatIPv4(BigInt(rng.pick(PUBLIC_V4_FIRST_OCTETS)) * 2n ** 24n + BigInt(rng.int(0, 2 ** 24 - 1)))
        : formatIPv6((BigInt(rng.pick(PUBLIC_V6_PREFIXES)) << 96n) | (random128(rng) & ((1n << 96n) - 1n)));
    if (!inVpc(vpcCidrs, address)) return address;
  }
  throw new InputError(`vpc-cidr: the blocks cover the public address space the sample needs; give a VPC-sized block such as 10.0.0.0/16.`);
}

function hosts(rng: Rng, blocks: readonly Cidr[], count: number, azs: readonly string[]): Host[] {
  if (blocks.length === 0) return [];
  return Array.from({ length: count }, () => {
    const block = rng.pick(blocks);
    return {
      address: addressIn(rng, block),
      family: block.family,
      eni: `eni-${hex(rng, 17)}`,
      subnet: `subnet-${hex(rng, 17)}`,
      instance: `i-${hex(rng, 17)}`,
      az: rng.pick(azs),
    };
  });
}

/** The port only the beacon connects to (Bitcoin's). */
export const BEACON_PORT = 8333;

/** Services long connections go to: a Kafka broker and a database. */
const LONG_CONNECTION_PORTS = [9092, 5432] as const;

/** The hosts and outside services of a sample VPC; the same rng state gives the same network. */
export function createNetwork(rng: Rng, vpcCidrs: readonly Cidr[]): SampleNetwork {
  const v4 = vpcCidrs.filter((c) => c.family === 4);
  const v6 = vpcCidrs.filter((c) => c.family === 6);
  const azs = ['use1-az1', 'use1-az2', 'use1-az4'];
  const outside = (family: 4 | 6, n: number) => Array.from({ length: n }, () => outsideAddress(rng, family, vpcCidrs));
  const service = (port: number, protocol: number, peers: number): OutsideService => ({
    port,
    protocol,
    peers4: outside(4, peers),
    peers6: outside(6, Math.max(1, Math.ceil(peers / 4))),
  });
  const clients4 = hosts(rng, v4, 40, azs);
  const tcpServices = TCP_SERVICES.map(([port, weight, peers]) => [service(port, TCP, peers), weight] as const);
  const natGateway = { ...hosts(rng, v4, 1, azs)[0]!, instance: null };
  return {
    vpcCidrs,
    vpcId: `vpc-${hex(rng, 17)}`,
    clients: { 4: clients4, 6: hosts(rng, v6, 6, azs) },
    privateClients: new Set(clients4.slice(0, 16)),
    natGateway,
    longConnections: LONG_CONNECTION_PORTS.map((port, i) => {
      const service = tcpServices.find(([s]) => s.port === port)![0];
      return { client: clients4[20 + i]!, service, peer: service.peers4[0]!, srcport: rng.int(EPHEMERAL_PORTS.min, EPHEMERAL_PORTS.max) };
    }),
    beacon: { client: clients4[30]!, service: service(BEACON_PORT, TCP, 1) },
    servers: { 4: hosts(rng, v4, 6, azs), 6: hosts(rng, v6, 2, azs) },
    tcpServices,
    dns: service(53, UDP, 3),
    ntp: service(123, UDP, 4),
    visitors: { 4: outside(4, 300), 6: outside(6, 30) },
  };
}

/** One direction of one interval of a flow, as the interface `on` logs it. */
interface Leg {
  readonly on: Host;
  readonly direction: 'ingress' | 'egress';
  readonly src: string;
  readonly dst: string;
  readonly srcport: number;
  readonly dstport: number;
  readonly protocol: number;
  readonly packets: number;
  readonly bytes: number;
  readonly start: number;
  readonly action: 'ACCEPT' | 'REJECT';
  readonly tcpFlags: number;
  readonly trafficPath: number | null;
  /** The packet's original destination where it differs from dst (a NAT gateway's interface receiving it). */
  readonly pktDst?: string;
}

function toRecord(network: SampleNetwork, version: number, leg: Leg): FlowLogRecord {
  return {
    version,
    account_id: ACCOUNT,
    interface_id: leg.on.eni,
    srcaddr: leg.src,
    dstaddr: leg.dst,
    srcport: leg.srcport,
    dstport: leg.dstport,
    protocol: leg.protocol,
    packets: leg.packets,
    bytes: leg.bytes,
    start: leg.start,
    end: leg.start + INTERVAL_S,
    action: leg.action,
    log_status: 'OK',
    vpc_id: network.vpcId,
    subnet_id: leg.on.subnet,
    instance_id: leg.on.instance,
    tcp_flags: leg.tcpFlags,
    type: leg.on.family === 4 ? 'IPv4' : 'IPv6',
    pkt_srcaddr: leg.src,
    pkt_dstaddr: leg.pktDst ?? leg.dst,
    region: REGION,
    az_id: leg.on.az,
    flow_direction: leg.direction,
    traffic_path: leg.trafficPath,
  };
}

/**
 * tcp-flags of each interval of a connection of `intervals` intervals, for the opener's side and the
 * answering side: SYN (2) and SYN-ACK (18) in the first, FIN (1) in the last, nothing logged between.
 */
function tcpFlags(intervals: number, index: number): { opener: number; answer: number } {
  const fin = index === intervals - 1 ? 1 : 0;
  return index === 0 ? { opener: 2 | fin, answer: 18 | fin } : { opener: fin, answer: fin };
}

/** Generates the records of one hour (about `target` lines) starting at epoch second `hourStart`. */
export function generateHour(
  rng: Rng,
  network: SampleNetwork,
  options: { readonly hourStart: number; readonly target: number; readonly version: number },
): ModelRecord[] {
  const out: ModelRecord[] = [];
  const hasV6 = network.clients[6].length > 0;
  const family = (share: number): 4 | 6 => (hasV6 && rng.chance(share) ? 6 : 4);
  const emit = (leg: Leg, fromVpc: boolean, outbound = false) =>
    out.push({ record: toRecord(network, options.version, leg), fromVpc, outbound });
  const intervalCount = () => (rng.chance(0.15) ? rng.int(2, 5) : 1);
  const startOf = (intervals: number) => options.hourStart + rng.int(0, 3600 / INTERVAL_S - intervals) * INTERVAL_S;
  const volume = (big: boolean) => {
    const packets = big && rng.chance(0.01) ? rng.int(1_500_000, 3_000_000) : rng.int(1, big ? 5000 : 40);
    return { packets, bytes: packets * rng.int(60, 1460) };
  };

  /**
   * One interval of a flow opened by `client` to an outside service: request egress, reply ingress; from a
   * private client, the NAT gateway's interface logs the request received, its translated copy sent from the
   * NAT's address and port (the same volume), and the reply received (AWS VPC User Guide, "Flow log record
   * examples", "Traffic through a NAT gateway").
   */
  const outboundInterval = (
    client: Host, service: OutsideService, peer: string, srcport: number, start: number, flags: { opener: number; answer: number }, big: boolean,
  ) => {
    const common = { on: client, protocol: service.protocol, start, action: 'ACCEPT' } as const;
    const nat = network.privateClients.has(client) ? network.natGateway : undefined;
    const request = { src: client.address, dst: peer, srcport, dstport: service.port, ...volume(big), tcpFlags: flags.opener };
    const reply = { src: peer, srcport: service.port, ...volume(big), tcpFlags: flags.answer, trafficPath: null };
    emit({ ...common, ...request, direction: 'egress', trafficPath: nat ? PATH_IN_VPC : PATH_INTERNET }, true, true);
    emit({ ...common, ...reply, direction: 'ingress', dst: client.address, dstport: srcport }, false);
    if (!nat) return;
    // A NAT gateway keeps one translated source port for a connection's whole life (every interval, every hour).
    const natPort = translatedPort(client.address, srcport, peer, service.port);
    emit({ ...common, ...request, on: nat, direction: 'ingress', dst: nat.address, pktDst: peer, trafficPath: null }, true);
    emit({ ...common, ...request, on: nat, direction: 'egress', src: nat.address, srcport: natPort, trafficPath: PATH_INTERNET }, true);
    emit({ ...common, ...reply, on: nat, direction: 'ingress', dst: nat.address, dstport: natPort }, false);
  };

  /** A flow opened by a client in the VPC to an outside service, over `intervals` intervals. */
  const outbound = (service: OutsideService, fam: 4 | 6, intervals: number) => {
    const client = rng.pick(network.clients[fam]);
    const peer = rng.pick(fam === 4 ? service.peers4 : service.peers6);
    const srcport = service.port === 123 ? 123 : rng.int(EPHEMERAL_PORTS.min, EPHEMERAL_PORTS.max);
    const t0 = startOf(intervals);
    for (let i = 0; i < intervals; i++) {
      const flags = service.protocol === TCP ? tcpFlags(intervals, i) : { opener: 0, answer: 0 };
      outboundInterval(client, service, peer, srcport, t0 + i * INTERVAL_S, flags, intervals > 1);
    }
  };

  // The beacon: two short connections an hour to its port.
  for (let i = 0; i < 2; i++) {
    const { client, service } = network.beacon;
    outboundInterval(client, service, service.peers4[0]!, rng.int(EPHEMERAL_PORTS.min, EPHEMERAL_PORTS.max), startOf(1), tcpFlags(1, 0), false);
  }
  // The long connections, opened before the sample: an interval every 10 minutes, no SYN in any of them.
  for (const { client, service, peer, srcport } of network.longConnections) {
    for (let minute = 0; minute < 60; minute += 10) outboundInterval(client, service, peer, srcport, options.hourStart + minute * 60, { opener: 0, answer: 0 }, true);
  }

  /** A ping from the VPC to an outside address and its reply. */
  const ping = () => {
    const fam = family(0.1);
    const client = rng.pick(network.clients[fam]);
    const peer = rng.pick(rng.pick(network.tcpServices.map(([s]) => (fam === 4 ? s.peers4 : s.peers6))));
    const common = { on: client, protocol: fam === 4 ? ICMP : ICMPV6, srcport: 0, dstport: 0, start: startOf(1),
      action: 'ACCEPT', tcpFlags: 0 } as const;
    emit({ ...common, direction: 'egress', src: client.address, dst: peer, packets: 1, bytes: 84, trafficPath: PATH_INTERNET }, true, true);
    emit({ ...common, direction: 'ingress', src: peer, dst: client.address, packets: 1, bytes: 84, trafficPath: null }, false);
  };

  /** An outside visitor connecting to a server of the VPC: SYN ingress, SYN-ACK egress from the service port. */
  const inbound = () => {
    const fam = family(0.1);
    const server = rng.pick(network.servers[fam]);
    const visitor = rng.pick(network.visitors[fam]);
    const port = rng.weighted(SERVER_PORTS);
    const visitorPort = rng.int(EPHEMERAL_PORTS.min, 65535);
    const intervals = intervalCount();
    const t0 = startOf(intervals);
    for (let i = 0; i < intervals; i++) {
      const flags = tcpFlags(intervals, i);
      const common = { on: server, protocol: TCP, start: t0 + i * INTERVAL_S, action: 'ACCEPT' } as const;
      emit({ ...common, direction: 'ingress', src: visitor, dst: server.address, srcport: visitorPort, dstport: port,
        ...volume(intervals > 1), tcpFlags: flags.opener, trafficPath: null }, false);
      emit({ ...common, direction: 'egress', src: server.address, dst: visitor, srcport: port, dstport: visitorPort,
        ...volume(intervals > 1), tcpFlags: flags.answer, trafficPath: PATH_INTERNET }, true);
    }
  };

  /** A connection between two hosts of the VPC: both interfaces log both directions. */
  const eastWest = () => {
    const fam = family(0.05);
    const client = rng.pick(network.clients[fam]);
    const server = rng.pick(network.servers[fam]);
    const port = rng.weighted(INTERNAL_PORTS);
    const srcport = rng.int(EPHEMERAL_PORTS.min, EPHEMERAL_PORTS.max);
    const flags = tcpFlags(1, 0);
    const start = startOf(1);
    const request = { src: client.address, dst: server.address, srcport, dstport: port, tcpFlags: flags.opener };
    const reply = { src: server.address, dst: client.address, srcport: port, dstport: srcport, tcpFlags: flags.answer };
    const common = { protocol: TCP, start, action: 'ACCEPT' } as const;
    emit({ ...common, ...request, ...volume(false), on: client, direction: 'egress', trafficPath: PATH_IN_VPC }, true);
    emit({ ...common, ...reply, ...volume(false), on: client, direction: 'ingress', trafficPath: null }, true);
    emit({ ...common, ...request, ...volume(false), on: server, direction: 'ingress', trafficPath: null }, true);
    emit({ ...common, ...reply, ...volume(false), on: server, direction: 'egress', trafficPath: PATH_IN_VPC }, true);
  };

  /** A scanner knocking on a VPC host (rejected inbound), or a blocked outbound attempt. */
  const reject = (outbound: boolean) => {
    const host = rng.pick(network.clients[4]);
    const other = rng.pick(network.visitors[4]);
    const port = outbound ? rng.pick([25, 6667, 4444]) : rng.pick(SCANNED_PORTS);
    const ephemeral = rng.int(EPHEMERAL_PORTS.min, 65535);
    const common = { on: host, protocol: TCP, packets: rng.int(1, 3), start: startOf(1), action: 'REJECT', tcpFlags: 2 } as const;
    const leg = outbound
      ? { ...common, direction: 'egress', src: host.address, dst: other, srcport: ephemeral, dstport: port, trafficPath: PATH_INTERNET } as const
      : { ...common, direction: 'ingress', src: other, dst: host.address, srcport: ephemeral, dstport: port, trafficPath: null } as const;
    emit({ ...leg, bytes: leg.packets * 60 }, outbound);
  };

  /** An interval in which an interface logged nothing (NODATA) or dropped records (SKIPDATA). */
  const noData = (status: 'NODATA' | 'SKIPDATA') => {
    const host = rng.pick(network.clients[4]);
    const start = startOf(1);
    out.push({
      record: { version: options.version, account_id: ACCOUNT, interface_id: host.eni, start, end: start + INTERVAL_S,
        log_status: status, vpc_id: network.vpcId, subnet_id: host.subnet, instance_id: host.instance,
        region: REGION, az_id: host.az },
      fromVpc: false,
      outbound: false,
    });
  };

  const events: readonly (readonly [() => void, number])[] = [
    [() => outbound(rng.weighted(network.tcpServices), family(0.05), intervalCount()), 48],
    [() => outbound(network.dns, family(0.05), 1), 12],
    [() => outbound(network.ntp, 4, 1), 2],
    [ping, 2],
    [inbound, 14],
    [eastWest, 6],
    [() => reject(false), 6],
    [() => reject(true), 1],
    [() => noData('NODATA'), 1.5],
    [() => noData('SKIPDATA'), 0.5],
  ];
  while (out.length < options.target) rng.weighted(events)();
  return out;
}
