// The egress-rules proposal on records with known truth (test/support/egress-scenario.ts), the observed-egress SQL
// run by DuckDB: three security groups (default allow-all, a stale rule, one shared by two instances in different
// subnets), traffic to the internet, to S3 through a gateway endpoint, to a peered VPC, a NATed connection (the
// instance's group, never the NAT's), an interface that no longer exists. The proposal equals the truth; its
// CloudFormation passes cfn-lint, its Terraform parses with HashiCorp's HCL parser (npm @cdktf/hcl2json), its JSON
// meets docs/egress-rules.schema.json; a window shorter than --min-days is not safe; a REJECT-only VPC is refused.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { createRequire } from 'node:module';
import { parseAllowlist } from '../../src/audit/allowlist.js';
import type { AuditParameters } from '../../src/audit/query.js';
import { stackTableShape } from '../../src/audit/table-shape.js';
import { readUnitCoverage } from '../../src/audit/unit-coverage.js';
import { parseVpcInventory } from '../../src/audit/vpc-inventory.js';
import { DuckDbEngine } from '../../src/engines/duckdb.js';
import { V5_FORMAT } from '../../src/flowlog/format.js';
import { windowEndingAt } from '../../src/flowlog/layout.js';
import { renderCloudFormation, renderTerraform } from '../../src/egress/egress-code.js';
import { buildProposal, proposeEgressRules, type EgressProposal } from '../../src/egress/proposal.js';
import { egressProposalJson, renderEgressMarkdown } from '../../src/report/egress-rules.js';
import { ROOT } from '../support/cli-process.js';
import { ACCOUNT, ALLOWLIST_YAML, END, ENI, FIXED_GROUPS as SG, inventoryYaml, PEER_VPC, REGION, scenarioFacts, VPC, writeScenarioLogs } from '../support/egress-scenario.js';

// Loaded untyped: the package's declarations pull in the DOM library (`/// <reference lib="dom" />`), which changes
// the types of Node's own fetch for every file the compiler checks.
const { parse: parseHcl } = createRequire(import.meta.url)('@cdktf/hcl2json') as { parse: (file: string, text: string) => Promise<unknown> };

const parameters = (): AuditParameters => ({
  preset: 'egress-ports', vpcCidrs: [], inventory: parseVpcInventory(inventoryYaml(), 'vpcs.yml'), window: windowEndingAt(END, 24), maxPorts: 10,
  source: stackTableShape({ database: 'vpc_port_audit', table: 'flow_logs' }, V5_FORMAT),
});

const internet = (fromPort: number, connections: number, interfaces: string[], allowlisted: boolean) =>
  ({ protocol: 6, fromPort, toPort: fromPort, destination: { kind: 'internet', cidr: '0.0.0.0/0' }, allowlisted, connections, flows: connections, bytes: 2000 * connections, interfaces });

let engine: DuckDbEngine;
let proposal: EgressProposal;
beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'egress-proposal-'));
  await writeScenarioLogs(dir);
  engine = new DuckDbEngine({ logsDir: dir });
  const p = parameters();
  const { units: coverage } = await engine.runCoverage(p, p.inventory);
  const run = await proposeEgressRules(engine, p, scenarioFacts(), { window: p.window, allowlist: parseAllowlist(ALLOWLIST_YAML, 'ports.yml'), coverage });
  expect(run.rejected).toEqual([]);
  proposal = run.proposal;
});

describe('the proposal on the scenario', () => {
  test('the default allow-all group: exactly what i-web opened, its NATed HTTPS as 0.0.0.0/0, S3 as the prefix list, unlisted ports marked', () => {
    const web = proposal.groups.find((g) => g.groupId === SG.default)!;
    expect(web.members).toEqual([{ interfaceId: ENI.web, instanceId: 'i-0c000000000000001', subnetId: 'subnet-0f000000000000001', interfaceType: 'interface' }]);
    expect(web.rules).toEqual([
      { protocol: 6, fromPort: 8080, toPort: 8080, destination: { kind: 'vpc', cidr: '10.0.0.0/16' }, allowlisted: true, connections: 1, flows: 1, bytes: 2000, interfaces: [ENI.web] },
      { protocol: 6, fromPort: 8081, toPort: 8082, destination: { kind: 'vpc', cidr: '10.0.0.0/16' }, allowlisted: false, connections: 2, flows: 2, bytes: 4000, interfaces: [ENI.web] },
      { protocol: 6, fromPort: 443, toPort: 443, destination: { kind: 'aws-service', service: 'S3', prefixListName: `com.amazonaws.${REGION}.s3`, prefixListId: null }, allowlisted: true, connections: 2, flows: 2, bytes: 4000, interfaces: [ENI.web] },
      internet(443, 1, [ENI.web], true),
      internet(6667, 1, [ENI.web], false),
    ]);
    expect(web.currentRules).toEqual([{ ruleId: 'sgr-0a000000000000001', ipProtocol: '-1', fromPort: null, toPort: null, destination: '0.0.0.0/0', allowAll: true, usage: 'used' }]);
    expect(web.verdict).toBe('the default allow-all egress can be replaced by these 5 rules');
    expect(web.refused).toBeNull();
  });

  test('the stale group: its 3306 rule is never used, and what i-app received from i-web is not proposed as its egress', () => {
    const app = proposal.groups.find((g) => g.groupId === SG.stale)!;
    expect(app.rules).toEqual([internet(443, 2, [ENI.app], true)]);
    expect(app.currentRules.map((r) => [r.ruleId, r.usage])).toEqual([['sgr-0a000000000000002', 'used'], ['sgr-0a000000000000003', 'never used']]);
    expect(app.verdict).toBe('1 of its 2 current egress rules allowed nothing in the window and can go; this rule allows what was observed');
  });

  test('the shared group: both instances, in two subnets, in one rule to the peered VPC CIDR', () => {
    const db = proposal.groups.find((g) => g.groupId === SG.shared)!;
    expect(db.members.map((m) => [m.interfaceId, m.subnetId])).toEqual([[ENI.db1, 'subnet-0f000000000000001'], [ENI.db2, 'subnet-0f000000000000002']]);
    expect(db.rules).toEqual([{ protocol: 6, fromPort: 5432, toPort: 5432, destination: { kind: 'organisation', cidr: '10.1.0.0/16' }, allowlisted: true, connections: 3, flows: 3, bytes: 6000, interfaces: [ENI.db1, ENI.db2] }]);
    expect(db.currentRules.map((r) => [r.ruleId, r.usage])).toEqual([['sgr-0a000000000000004', 'used'], ['sgr-0a000000000000005', 'never used']]);
  });

  test('exactly three groups (never the NAT gateway, whose copies are left out); the gone interface unassigned; the peer VPC without records refused', () => {
    expect(proposal.groups.map((g) => g.groupId)).toEqual([SG.default, SG.stale, SG.shared]);
    expect(proposal.unassigned).toEqual([
      { interfaceId: ENI.gone, unit: { account: ACCOUNT, region: REGION, vpcId: VPC }, why: 'no longer exists', rules: [internet(22, 1, [ENI.gone], false)] },
    ]);
    expect(proposal.refusedUnits).toEqual([expect.stringMatching(new RegExp(`^${PEER_VPC} .*no records in the window`))]);
    expect(proposal.notes[0]).toMatch(/169\.254\.169\.254.*169\.254\.169\.123.*DHCP.*flow-logs-limitations\.html/);
  });

  test('one day is not safe to apply against the default 7 days; with --min-days 1 it is', async () => {
    expect(proposal).toMatchObject({ windowDays: 1, minDays: 7, safeToApply: false });
    expect(proposal.notSafeReason).toMatch(/^the window is 1 day, shorter than the 7 days asked for/);
    const p = parameters();
    const { rows } = await engine.runEgressObservation(p);
    const oneDay = buildProposal(rows, scenarioFacts(), { window: p.window, minDays: 1 });
    expect(oneDay).toMatchObject({ safeToApply: true, notSafeReason: null });
    // Without an allowlist, no port is judged.
    expect(oneDay.groups.flatMap((g) => g.rules).every((r) => r.allowlisted === null)).toBe(true);
  });

  test('a VPC whose flow log records REJECT only is refused with the reason, and no rule is proposed for its groups', async () => {
    const p = parameters();
    const { rows } = await engine.runEgressObservation(p);
    const coverage = readUnitCoverage([{ account_id: ACCOUNT, region: REGION, vpc_id: VPC, records: 40, files: 1, accept_records: 0, reject_records: 40 }]);
    const refused = buildProposal(rows, scenarioFacts(), { window: p.window, coverage });
    expect(refused.groups.every((g) => g.rules.length === 0 && /REJECT only/.test(g.refused ?? ''))).toBe(true);
    expect(refused.groups[0]!.verdict).toMatch(/^no rules proposed: .*records REJECT only/);
    expect(refused.refusedUnits).toHaveLength(1);
    expect(renderCloudFormation(refused)).toMatch(/No security group has rules to propose/);
  });
});

describe('the proposal as code and JSON', () => {
  test('the CloudFormation template passes cfn-lint with zero findings, one AWS::EC2::SecurityGroupEgress per rule', () => {
    const template = renderCloudFormation(proposal);
    expect(template.match(/Type: AWS::EC2::SecurityGroupEgress/g)).toHaveLength(6);
    expect(template).toContain('DestinationPrefixListId:\n        Ref: EuWest1S3PrefixListId');
    // The stale group already has its one proposed rule (443/tcp to 0.0.0.0/0): no duplicate EC2 would refuse, only what to remove.
    expect(template).toContain(`Already present and kept: sgr-0a000000000000002. Then remove sgr-0a000000000000003 (never used in the window), which this code does not manage. Nothing to add.`);
    expect(template).not.toContain(`GroupId: ${SG.stale}`);
    const run = spawnSync('cfn-lint', ['--format', 'parseable'], { input: template, encoding: 'utf8' });
    if (run.error) throw new Error(`cfn-lint could not be run: ${run.error.message}`);
    expect({ status: run.status, findings: run.stdout.trim() }).toEqual({ status: 0, findings: '' });
  }, 60_000);

  test('the Terraform parses as HCL: a prefix-list data source and one aws_vpc_security_group_egress_rule per rule', async () => {
    const parsed = (await parseHcl('egress.tf', renderTerraform(proposal))) as {
      data: Record<string, Record<string, { name: string }[]>>;
      resource: { aws_vpc_security_group_egress_rule: Record<string, Record<string, unknown>[]> };
    };
    expect(parsed.data.aws_ec2_managed_prefix_list!.eu_west_1_s3).toEqual([{ name: 'com.amazonaws.eu-west-1.s3' }]);
    const rules = parsed.resource.aws_vpc_security_group_egress_rule;
    expect(Object.keys(rules)).toHaveLength(6);
    expect(rules[`${SG.shared.replaceAll('-', '_')}_1`]).toEqual([
      expect.objectContaining({ security_group_id: SG.shared, ip_protocol: 'tcp', from_port: 5432, to_port: 5432, cidr_ipv4: '10.1.0.0/16' }),
    ]);
    expect(rules[`${SG.default.replaceAll('-', '_')}_3`]![0]!.prefix_list_id).toBe('${data.aws_ec2_managed_prefix_list.eu_west_1_s3.id}');
    // The parser is not blind: a broken block fails it.
    await expect(parseHcl('broken.tf', 'resource "x" "y" {\n  a =\n}\n')).rejects.toThrow(/Invalid expression/);
  });

  test('the JSON meets docs/egress-rules.schema.json, and a wrong document does not', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'docs/egress-rules.schema.json'), 'utf8')) as object;
    const ajv = new Ajv.default({ allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    const json = JSON.parse(JSON.stringify(egressProposalJson(proposal))) as Record<string, unknown>;
    expect(validate(json) ? [] : validate.errors).toEqual([]);
    expect(validate({ ...json, groups: [{ groupId: 'not-a-group' }] })).toBe(false);
  });

  test('the markdown section names each group, its verdict and the rules marked NOT IN ALLOWLIST, every value escaped', () => {
    const markdown = renderEgressMarkdown(proposal);
    expect(markdown).toMatch(/^### Proposed egress rules\n/);
    expect(markdown).toContain(`#### ${SG.default} \\(web\\) in ${VPC}`);
    expect(markdown).toContain('**the default allow-all egress can be replaced by these 5 rules.**');
    expect(markdown).toContain('| 6667/tcp | 0.0.0.0/0 | 1 | 1.95 KiB | eni-0e000000000000001 | NOT IN ALLOWLIST |');
    expect(markdown).toContain(`#### Unassigned: ${ENI.gone}`);
  });

  test('the markdown section shortened to a limit cuts the last sections and says so', () => {
    const full = renderEgressMarkdown(proposal);
    const short = renderEgressMarkdown(proposal, { limit: full.length - 100, fullListAt: 'The whole proposal is the egress-rules output.' });
    expect(short.length).toBeLessThanOrEqual(full.length - 100);
    expect(short).toContain('> Showing 3 of 4 security groups and unassigned interfaces: the rest were cut to stay under');
    expect(short).toContain('The whole proposal is the egress-rules output.');
    expect(short).not.toContain('#### Unassigned');
    expect(short).toContain(`#### ${SG.shared}`);
  });
});
