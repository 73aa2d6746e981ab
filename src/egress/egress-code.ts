// The egress-rules proposal as code a reviewer pastes: a CloudFormation template of `AWS::EC2::SecurityGroupEgress`
// resources (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-securitygroupegress.html)
// and Terraform `aws_vpc_security_group_egress_rule` resources
// (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/vpc_security_group_egress_rule).
// One resource per proposed rule of each group that is not refused, except a rule the group already has exactly
// (EC2 refuses a duplicate with InvalidPermission.Duplicate: it is named as kept instead); each group's verdict and the
// current rules to remove afterwards as comments (neither tool manages rules it did not create). An AWS-managed prefix list whose id
// is not known is a template parameter (CloudFormation) or an `aws_ec2_managed_prefix_list` data source by name
// (Terraform). TCP and UDP rules carry their port range; ICMP and ICMPv6 all types and codes (-1); other protocols no
// ports. Descriptions use only the characters EC2 accepts in a rule description (a-z, A-Z, 0-9, space, ._-:/()#,@[]+=&;{}!$*).
// Nothing here is applied by the tool.

import { Document, isMap, type Scalar, type YAMLMap } from 'yaml';
import { protocolName, protocolNumber } from '../audit/port-row.js';
import type { CurrentRule, EgressProposal, GroupProposal, ProposedRule } from './proposal.js';
import { portsText } from './proposal.js';

const ICMP = new Set([1, 58]);
const hasPorts = (protocol: number) => protocol === 6 || protocol === 17;
const day = (iso: string) => iso.slice(0, 10);

/** The rule's description: NOT IN ALLOWLIST where the allowlist does not explain its port, then what it carried in the window; at most 255 characters EC2 accepts. */
function description(rule: ProposedRule, p: EgressProposal): string {
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  // A port the allowlist does not explain says so first, where a reviewer of the code reads it (and EC2 keeps it).
  const mark = rule.allowlisted === false ? 'NOT IN ALLOWLIST ' : '';
  const text = `${mark}vpc-port-audit ${portsText(rule)}: ${count(rule.connections, 'connection')} from ${count(rule.interfaces.length, 'interface')}, ${day(p.window.start)} to ${day(p.window.end)}`;
  return text.replace(/[^a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]/g, ' ').slice(0, 255);
}

/** The port range of a rule in EC2's terms: TCP/UDP their range, ICMP -1/-1 (all), others none. */
function ports(rule: ProposedRule): { from: number; to: number } | undefined {
  if (hasPorts(rule.protocol) && rule.fromPort !== null) return { from: rule.fromPort, to: rule.toPort! };
  return ICMP.has(rule.protocol) ? { from: -1, to: -1 } : undefined;
}

const pascal = (text: string) => text.split(/[^A-Za-z0-9]+/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

/**
 * The group's current rule that is exactly `rule` (protocol, ports, destination block or prefix list): adding it again
 * fails with InvalidPermission.Duplicate (Amazon EC2 API reference, error codes), so the code keeps it instead.
 */
function presentAs(g: GroupProposal, rule: ProposedRule): CurrentRule | undefined {
  const destination = rule.destination.kind === 'aws-service' ? rule.destination.prefixListId : rule.destination.cidr;
  return g.currentRules.find(
    (c) => !c.allowAll && protocolNumber(c.ipProtocol) === rule.protocol && c.fromPort === rule.fromPort && c.toPort === rule.toPort && c.destination === destination,
  );
}

/** The proposed rules the group does not have yet: those the code creates. */
const newRules = (g: GroupProposal) => g.rules.filter((rule) => presentAs(g, rule) === undefined);

/** The groups that get code: not refused, with rules they do not have yet. */
const coded = (p: EgressProposal) => p.groups.filter((g) => g.refused === null && newRules(g).length > 0);

/** The group's comment: its verdict, the current rules the proposal keeps as they are, and what to remove afterwards. */
function groupComment(g: GroupProposal): string {
  const kept = g.rules.flatMap((rule) => presentAs(g, rule)?.ruleId ?? []);
  const keptText = kept.length === 0 ? '' : ` Already present and kept: ${kept.join(', ')}.`;
  return `${g.groupId}${g.groupName ? ` (${g.groupName})` : ''}: ${g.verdict}.${keptText}${afterwards(g)}`;
}

/** What to remove after applying, as a sentence for a comment (current rules that the proposal replaces or never saw used). */
function afterwards(g: GroupProposal): string {
  const remove = g.currentRules.filter((r) => r.allowAll || r.usage === 'never used').map((r) => r.ruleId);
  return remove.length === 0 ? '' : ` Then remove ${remove.join(', ')} (${g.currentRules.some((r) => r.allowAll) ? 'allow-all or never used' : 'never used'} in the window), which this code does not manage.`;
}

/** The header comment lines shared by both forms. */
function header(p: EgressProposal): string[] {
  return [
    `Egress rules proposed by vpc-port-audit from VPC Flow Logs of ${p.window.start} to ${p.window.end}.`,
    p.safeToApply ? 'Review each rule before applying it; the tool never applies them.' : `NOT YET SAFE TO APPLY: ${p.notSafeReason}.`,
    ...p.groups.filter((g) => g.refused !== null).map((g) => `${g.groupId}: ${g.verdict}.`),
    // A group that already has every rule proposed gets no resource: its comment (what to remove) goes here.
    ...p.groups.filter((g) => g.refused === null && g.rules.length > 0 && newRules(g).length === 0).map((g) => `${groupComment(g)} Nothing to add.`),
    ...p.unassigned.map((u) => `Not in this code: traffic of ${u.interfaceId ?? 'records without an interface'} (${u.why}).`),
  ];
}

/** The prefix lists whose id is not known, by name, each once. */
function unknownPrefixLists(p: EgressProposal): string[] {
  const names = coded(p).flatMap(newRules).flatMap((r) => (r.destination.kind === 'aws-service' && r.destination.prefixListId === null ? [r.destination.prefixListName] : []));
  return [...new Set(names)].sort();
}

/**
 * The CloudFormation template (YAML): a parameter per AWS-managed prefix list whose id is not known, and an
 * AWS::EC2::SecurityGroupEgress per proposed rule, its logical id `Sg<id>Egress<n>`, each group's verdict in a comment.
 */
export function renderCloudFormation(p: EgressProposal): string {
  const lists = unknownPrefixLists(p);
  const parameterOf = (name: string) => `${pascal(name.replace(/^com\.amazonaws\./, ''))}PrefixListId`;
  const resources: Record<string, unknown> = {};
  const comments = new Map<string, string>();
  for (const g of coded(p)) {
    newRules(g).forEach((rule, index) => {
      const id = `${pascal(g.groupId)}Egress${index + 1}`;
      const d = rule.destination;
      const range = ports(rule);
      resources[id] = {
        Type: 'AWS::EC2::SecurityGroupEgress',
        Properties: {
          GroupId: g.groupId,
          IpProtocol: ICMP.has(rule.protocol) || hasPorts(rule.protocol) ? protocolName(rule.protocol) : String(rule.protocol),
          ...(range ? { FromPort: range.from, ToPort: range.to } : {}),
          ...(d.kind === 'aws-service'
            ? { DestinationPrefixListId: d.prefixListId ?? { Ref: parameterOf(d.prefixListName) } }
            : d.cidr.includes(':') ? { CidrIpv6: d.cidr } : { CidrIp: d.cidr }),
          Description: description(rule, p),
        },
      };
      if (index === 0) comments.set(id, ` ${groupComment(g)}`);
    });
  }
  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'Egress rules proposed by vpc-port-audit from VPC Flow Logs (review before deploying)',
    ...(lists.length
      ? {
          Parameters: Object.fromEntries(
            lists.map((name) => [
              parameterOf(name),
              { Type: 'String', AllowedPattern: '^pl-[0-9a-f]+$', Description: `The id of ${name}: aws ec2 describe-managed-prefix-lists --filters Name=prefix-list-name,Values=${name}` },
            ]),
          ),
        }
      : {}),
    Resources: resources,
  };
  const doc = new Document(template);
  doc.commentBefore = header(p).map((line) => ` ${line}`).join('\n');
  const map = doc.get('Resources', true);
  if (isMap(map)) {
    for (const pair of (map as YAMLMap<Scalar<string>, unknown>).items) {
      const comment = comments.get(String(pair.key.value));
      if (comment) pair.key.commentBefore = comment;
    }
  }
  if (Object.keys(resources).length === 0) return `${header(p).map((l) => `# ${l}`).join('\n')}\n# No security group has rules to propose, so there is no template.\n`;
  return doc.toString({ lineWidth: 0 });
}

const hcl = (text: string) => JSON.stringify(text).replace(/\$\{/g, '$${').replace(/%\{/g, '%%{');
const tfName = (text: string) => text.replace(/[^A-Za-z0-9_]/g, '_');

/**
 * The Terraform configuration: an `aws_ec2_managed_prefix_list` data source per AWS-managed prefix list whose id is
 * not known, and an `aws_vpc_security_group_egress_rule` per proposed rule, named `<group>_<n>`, each group's verdict
 * in a comment.
 */
export function renderTerraform(p: EgressProposal): string {
  const lists = unknownPrefixLists(p);
  const dataName = (name: string) => tfName(name.replace(/^com\.amazonaws\./, ''));
  const blocks: string[] = [header(p).map((line) => `# ${line}`).join('\n')];
  for (const name of lists) blocks.push(`data "aws_ec2_managed_prefix_list" "${dataName(name)}" {\n  name = ${hcl(name)}\n}`);
  for (const g of coded(p)) {
    newRules(g).forEach((rule, index) => {
      const d = rule.destination;
      const range = ports(rule);
      const lines = [
        `security_group_id = ${hcl(g.groupId)}`,
        `description       = ${hcl(description(rule, p))}`,
        `ip_protocol       = ${hcl(ICMP.has(rule.protocol) || hasPorts(rule.protocol) ? protocolName(rule.protocol) : String(rule.protocol))}`,
        ...(range ? [`from_port         = ${range.from}`, `to_port           = ${range.to}`] : []),
        d.kind === 'aws-service'
          ? `prefix_list_id    = ${d.prefixListId === null ? `data.aws_ec2_managed_prefix_list.${dataName(d.prefixListName)}.id` : hcl(d.prefixListId)}`
          : `${d.cidr.includes(':') ? 'cidr_ipv6' : 'cidr_ipv4'}         = ${hcl(d.cidr)}`,
      ];
      const comment = index === 0 ? `# ${groupComment(g)}\n` : '';
      blocks.push(`${comment}resource "aws_vpc_security_group_egress_rule" "${tfName(g.groupId)}_${index + 1}" {\n${lines.map((l) => `  ${l}`).join('\n')}\n}`);
    });
  }
  if (coded(p).length === 0) blocks.push('# No security group has rules to propose, so there is no configuration.');
  return `${blocks.join('\n\n')}\n`;
}
