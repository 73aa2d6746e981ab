// The VPC inventory file (`--vpcs FILE`, the action's `vpcs-file`): which CIDRs are inside which VPC of which
// account and region, so that "inside" is per VPC when VPCs of different accounts reuse the same CIDR. Parsed
// strictly; every mistake is one sentence naming the file, the line and what is accepted.
//
//   - account: "111122223333"
//     region: eu-west-1
//     vpc-id: vpc-0a1b2c3d4e5f67890
//     cidrs: [10.0.0.0/16, 2600:1f18:47b:a900::/56]

import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { InputError } from '../input-error.js';
import { parseAccountId, parseRegion, parseVpcId } from '../aws/names.js';
import type { InventoryVpc } from './audit-unit.js';
import { parseCidr, type Cidr } from './cidr.js';
import { checkTextMatchable } from './cidr-sql.js';

/** The keys of an inventory entry, in the order messages name them. */
const ENTRY_KEYS = ['account', 'region', 'vpc-id', 'cidrs'] as const;
const FORMAT_HINT = `the file holds a list of {${ENTRY_KEYS.join(', ')}}, one per VPC`;

/**
 * Parses inventory text into one InventoryVpc per entry, in file order. `source` names the file in messages.
 * Throws an InputError naming the line of the first mistake: not a list, an unknown or missing key, an account
 * that is not 12 digits (write it quoted: YAML reads a leading zero's digits as a number), a bad region, VPC id
 * or CIDR (or one the audit cannot match, such as an IPv4 block wider than /8), an empty `cidrs`, and the same VPC id listed twice (under one account or two).
 */
export function parseVpcInventory(text: string, source: string): InventoryVpc[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined) => (node?.range ? lines.linePos(node.range[0]).line : 1);
  const where = (line: number) => `VPC inventory ${source} line ${line}`;
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    throw new InputError(`${where(error.linePos?.[0].line ?? 1)}: not valid YAML (${error.code}); ${FORMAT_HINT}.`);
  }
  if (!isSeq(doc.contents)) throw new InputError(`${where(lineOf(doc.contents))}: expected a list; ${FORMAT_HINT}.`);

  const seen = new Map<string, { account: string; line: number }>();
  return doc.contents.items.map((item) => {
    const line = lineOf(item as Node);
    if (!isMap(item)) throw new InputError(`${where(line)}: expected an entry {${ENTRY_KEYS.join(', ')}}; ${FORMAT_HINT}.`);
    const value = (key: (typeof ENTRY_KEYS)[number]): unknown => {
      const found = item.get(key, true);
      if (found === undefined || found === null) throw new InputError(`${where(line)}: ${key} is missing; ${FORMAT_HINT}.`);
      return isSeq(found) ? found.items.map((n) => (n as { value?: unknown }).value) : (found as { value?: unknown }).value;
    };
    for (const pair of item.items) {
      const key = String((pair.key as { value?: unknown }).value);
      if (!(ENTRY_KEYS as readonly string[]).includes(key)) {
        throw new InputError(`${where(lineOf(pair.key as Node))}: unknown key '${key.slice(0, 40)}'; ${FORMAT_HINT}.`);
      }
    }
    const account = parseAccountId(String(value('account')), `${where(line)}: account`);
    const region = parseRegion(String(value('region')), `${where(line)}: region`);
    const vpcId = parseVpcId(String(value('vpc-id')), `${where(line)}: vpc-id`);
    const rawCidrs = value('cidrs');
    const list = Array.isArray(rawCidrs) ? rawCidrs : [rawCidrs];
    if (list.length === 0) throw new InputError(`${where(line)}: cidrs is empty; list the VPC's CIDR blocks, such as [10.0.0.0/16].`);
    // Blocks the audit's text test of addresses can match (cidr-sql.ts), as for --vpc-cidr.
    const cidrs: Cidr[] = list.map((cidr) => parseCidr(String(cidr), `${where(line)}: cidrs`));
    cidrs.forEach((cidr) => checkTextMatchable(cidr, `${where(line)}: cidrs`));
    const earlier = seen.get(vpcId);
    if (earlier) {
      const under = earlier.account === account ? '' : ` under account ${earlier.account}`;
      throw new InputError(`${where(line)}: ${vpcId} is already listed on line ${earlier.line}${under}; list each VPC once.`);
    }
    seen.set(vpcId, { account, line });
    return { account, region, vpcId, cidrs };
  });
}
