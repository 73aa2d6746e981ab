// The names people give the sources of a drill-down: each instance's Name tag (ec2:DescribeInstances) and each
// network interface's description (ec2:DescribeNetworkInterfaces), so a tracking issue says `web-1`, not only
// `i-0abc...`. The look-up is an improvement, not a need: a refused or failed look-up (no permission,
// throttling beyond the SDK's retries, a network error) gets one warning and the report shows ids only.

import { paginateDescribeInstances, paginateDescribeNetworkInterfaces, type EC2Client } from '@aws-sdk/client-ec2';
import type { PortDrillDown } from '../audit/drill-down.js';
import type { Logger } from '../log.js';
import { filterBatches, PAGE_SIZE } from './ec2-filters.js';
import { AwsAccessError, explainAwsError } from './errors.js';

/** Instance id -> Name tag, interface id -> description; ids without one are absent. */
interface SourceNames {
  readonly instances: ReadonlyMap<string, string>;
  readonly interfaces: ReadonlyMap<string, string>;
}

/** The instance and interface ids a drill-down names, each once, sorted. */
export function sourceIds(drillDown: readonly PortDrillDown[]): { instanceIds: string[]; interfaceIds: string[] } {
  const sources = drillDown.flatMap((d) => d.sources);
  const unique = (ids: (string | null)[]) => [...new Set(ids.filter((id): id is string => id !== null))].sort();
  return { instanceIds: unique(sources.map((s) => s.instanceId)), interfaceIds: unique(sources.map((s) => s.interfaceId)) };
}

// The ids go in an `instance-id` / `network-interface-id` filter, not in InstanceIds / NetworkInterfaceIds: with
// ids, "If you specify an instance ID that is not valid, an error is returned" (EC2 API Reference,
// DescribeInstances), and a terminated instance's id in last week's logs would fail the look-up, while a filter
// value that matches nothing only matches nothing; and MaxResults (pagination, which the API reference of
// DescribeNetworkInterfaces "strongly" recommends) cannot be combined with the ids parameter, only with filters.
// A run names at most TOP_PEERS sources per new port; the batches are aws/ec2-filters.ts's.
async function instanceNames(ec2: EC2Client, ids: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const batch of filterBatches(ids)) {
    const pages = paginateDescribeInstances({ client: ec2, pageSize: PAGE_SIZE }, { Filters: [{ Name: 'instance-id', Values: batch }] });
    for await (const page of pages) {
      for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        const name = instance.Tags?.find((tag) => tag.Key === 'Name')?.Value;
        if (instance.InstanceId && name) names.set(instance.InstanceId, name);
      }
    }
  }
  return names;
}

async function interfaceDescriptions(ec2: EC2Client, ids: readonly string[]): Promise<Map<string, string>> {
  const descriptions = new Map<string, string>();
  for (const batch of filterBatches(ids)) {
    const pages = paginateDescribeNetworkInterfaces({ client: ec2, pageSize: PAGE_SIZE }, { Filters: [{ Name: 'network-interface-id', Values: batch }] });
    for await (const page of pages) {
      for (const eni of page.NetworkInterfaces ?? []) {
        if (eni.NetworkInterfaceId && eni.Description) descriptions.set(eni.NetworkInterfaceId, eni.Description);
      }
    }
  }
  return descriptions;
}

/** An error's name and message, for a warning: `TimeoutError: socket hang up`. */
function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The Name tags of the drill-down's instances and the descriptions of its interfaces. A look-up that fails
 * for any reason (AWS refuses it: AccessDenied, UnauthorizedOperation; or it errs: throttling beyond the SDK's
 * retries, a server or network error) gives no names for its kind; one warning names every failed one and why.
 * It runs before the tracking issue is published, so it never throws.
 */
export async function lookUpSourceNames(ec2: EC2Client, drillDown: readonly PortDrillDown[], log: Logger): Promise<SourceNames> {
  const { instanceIds, interfaceIds } = sourceIds(drillDown);
  const failed: string[] = [];
  const tryLookUp = async (ids: string[], what: string, lookUp: () => Promise<Map<string, string>>) => {
    if (ids.length === 0) return new Map<string, string>();
    try {
      return await lookUp();
    } catch (error) {
      const explained = explainAwsError(error, what);
      failed.push(explained instanceof AwsAccessError ? explained.message : `${what} failed (${errorText(error)}).`);
      return new Map<string, string>();
    }
  };
  const instances = await tryLookUp(instanceIds, 'ec2:DescribeInstances (instance Name tags)', () => instanceNames(ec2, instanceIds));
  const interfaces = await tryLookUp(interfaceIds, 'ec2:DescribeNetworkInterfaces (interface descriptions)', () => interfaceDescriptions(ec2, interfaceIds));
  if (failed.length > 0) log.warning(`${failed.join(' ')} The drill-down shows ids without names.`);
  return { instances, interfaces };
}

/** The drill-down with each source's instance name and interface description, where the look-up found one. */
export function withSourceNames(drillDown: readonly PortDrillDown[], names: SourceNames): PortDrillDown[] {
  return drillDown.map((d) => ({
    ...d,
    sources: d.sources.map((s) => ({
      ...s,
      ...(s.instanceId && names.instances.has(s.instanceId) ? { instanceName: names.instances.get(s.instanceId) } : {}),
      ...(s.interfaceId && names.interfaces.has(s.interfaceId) ? { interfaceDescription: names.interfaces.get(s.interfaceId) } : {}),
    })),
  }));
}
