// The CloudFormation the egress-rules proposal prints, deployed on moto: three security groups created on moto stand
// for the scenario's (test/support/egress-scenario.ts, in us-east-1), the proposal is built from the scenario's flow
// logs by DuckDB with those group ids, its template is created as a stack (the S3 prefix list's id looked up by the
// name the template's parameter gives, as its description says), and EC2 then holds each proposed egress rule. moto
// 5.2's CloudFormation lacks AWS::EC2::SecurityGroupEgress: egress-moto/sitecustomize.py adds it with moto's own
// AuthorizeSecurityGroupEgress.
import { describe, expect, test } from '@jest/globals';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { AuthorizeSecurityGroupEgressCommand, CreateSecurityGroupCommand, CreateVpcCommand, DescribeManagedPrefixListsCommand, DescribeSecurityGroupRulesCommand } from '@aws-sdk/client-ec2';
import { parseCfnTemplate } from '../../scripts/cfn-yaml.js';
import { parseAllowlist } from '../../src/audit/allowlist.js';
import { stackTableShape } from '../../src/audit/table-shape.js';
import { parseVpcInventory } from '../../src/audit/vpc-inventory.js';
import { renderCloudFormation } from '../../src/egress/egress-code.js';
import { proposeEgressRules } from '../../src/egress/proposal.js';
import { DuckDbEngine } from '../../src/engines/duckdb.js';
import { V5_FORMAT } from '../../src/flowlog/format.js';
import { windowEndingAt } from '../../src/flowlog/layout.js';
import { ALLOWLIST_YAML, END, inventoryYaml, scenarioFacts, scenarioRecords, writeScenarioLogs, type GroupIds } from '../support/egress-scenario.js';
import { motoForFile } from '../support/moto-for-file.js';
import { createStackOnMoto } from '../support/moto-template.js';

const REGION = 'us-east-1';
process.env.PYTHONPATH = fileURLToPath(new URL('./egress-moto', import.meta.url));
const aws = motoForFile();

describe('the proposal as CloudFormation on moto', () => {
  test('the stack creates every proposed egress rule in its security group', async () => {
    const { ec2, cloudformation } = aws.clients;
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
    const group = async (name: string) => (await ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: name, VpcId: Vpc!.VpcId }))).GroupId!;
    const groups: GroupIds = { default: await group('web'), stale: await group('app'), shared: await group('db') };

    const dir = await mkdtemp(join(tmpdir(), 'egress-moto-'));
    await writeScenarioLogs(dir, scenarioRecords(REGION));
    const window = windowEndingAt(END, 24);
    const parameters = {
      preset: 'egress-ports' as const, vpcCidrs: [], inventory: parseVpcInventory(inventoryYaml(REGION), 'vpcs.yml'), window, maxPorts: 10,
      source: stackTableShape({ database: 'vpc_port_audit', table: 'flow_logs' }, V5_FORMAT),
    };
    const { proposal } = await proposeEgressRules(new DuckDbEngine({ logsDir: dir }), parameters, scenarioFacts(groups, REGION), { window, allowlist: parseAllowlist(ALLOWLIST_YAML, 'ports.yml') });
    const template = parseCfnTemplate(renderCloudFormation(proposal));

    const name = `com.amazonaws.${REGION}.s3`;
    const lists = await ec2.send(new DescribeManagedPrefixListsCommand({ Filters: [{ Name: 'prefix-list-name', Values: [name] }] }));
    const s3List = lists.PrefixLists![0]!.PrefixListId!;
    // The stale group's current 443/tcp rule, as the facts describe it: the template must not add it again (a duplicate
    // fails the stack with InvalidPermission.Duplicate), so the rule below is this one.
    await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: groups.stale, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    await createStackOnMoto(aws.moto.endpoint, 'egress-rules', template, { UsEast1S3PrefixListId: s3List });
    const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: 'egress-rules' }));
    expect(Stacks![0]!.StackStatus).toBe('CREATE_COMPLETE');

    const rules = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: Object.values(groups) }] }));
    const egress = (rules.SecurityGroupRules ?? [])
      .filter((r) => r.IsEgress && !(r.IpProtocol === '-1' && r.CidrIpv4 === '0.0.0.0/0'))
      .map((r) => [r.GroupId, r.IpProtocol, r.FromPort, r.ToPort, r.CidrIpv4 ?? r.PrefixListId])
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const expected = [
      [groups.default, 'tcp', 8080, 8080, '10.0.0.0/16'],
      [groups.default, 'tcp', 8081, 8082, '10.0.0.0/16'],
      [groups.default, 'tcp', 443, 443, s3List],
      [groups.default, 'tcp', 443, 443, '0.0.0.0/0'],
      [groups.default, 'tcp', 6667, 6667, '0.0.0.0/0'],
      [groups.stale, 'tcp', 443, 443, '0.0.0.0/0'],
      [groups.shared, 'tcp', 5432, 5432, '10.1.0.0/16'],
    ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(egress).toEqual(expected);
  }, 120_000);
});
