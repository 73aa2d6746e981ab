// The field catalogue through version 8 (AWS VPC user guide, "Flow log records" > "Available fields"), formats
// from header lines and Parquet column names, and what counts as a header line.
import { describe, expect, test } from '@jest/globals';
import { FLOW_LOG_FIELDS, fieldOrText } from '../../src/flowlog/fields.js';
import { isHeaderLine, isTransitGatewayFormat, missingAuditFields, repeatedField, namedFormat, parseLogFormat, V2_FORMAT, V5_FORMAT } from '../../src/flowlog/format.js';

const V7_FIELDS = [
  'ecs-cluster-arn', 'ecs-cluster-name', 'ecs-container-instance-arn', 'ecs-container-instance-id', 'ecs-container-id',
  'ecs-second-container-id', 'ecs-service-name', 'ecs-task-definition-arn', 'ecs-task-arn', 'ecs-task-id',
];

describe('the field catalogue', () => {
  test('versions 2 to 5 as before, then the ten v7 ECS fields and v8 reject-reason, in AWS\'s order', () => {
    expect(V2_FORMAT.fields).toHaveLength(14);
    expect(V5_FORMAT.fields).toHaveLength(29);
    expect(FLOW_LOG_FIELDS.slice(29).map((f) => [f.field, f.version])).toEqual([...V7_FIELDS.map((f) => [f, 7]), ['reject-reason', 8]]);
    expect(FLOW_LOG_FIELDS.slice(29).every((f) => f.type === 'string')).toBe(true);
    expect(new Set(FLOW_LOG_FIELDS.map((f) => f.column)).size).toBe(FLOW_LOG_FIELDS.length);
  });

  test('a LogFormat with v8 reject-reason parses (case 05-v8-reject-reason)', () => {
    const format = parseLogFormat(`${V5_FORMAT.fields.map((f) => `\${${f.field}}`).join(' ')} \${reject-reason}`);
    expect(format.fields.at(-1)).toMatchObject({ field: 'reject-reason', column: 'reject_reason', version: 8 });
  });

  test('header and Parquet names: known by field or column name, others kept as text columns', () => {
    expect(fieldOrText('account-id')).toBe(FLOW_LOG_FIELDS[1]);
    expect(fieldOrText('account_id')).toBe(FLOW_LOG_FIELDS[1]);
    expect(fieldOrText('resource-id')).toEqual({ field: 'resource-id', column: 'resource_id', type: 'string' });
    const header = namedFormat('header', ['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'action', 'resource-id']);
    expect(missingAuditFields(header.fields)).toEqual([]);
    expect(missingAuditFields(namedFormat('header', ['timestamp', 'message']).fields)).toEqual([
      'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'action',
    ]);
  });

  test.each([
    ['version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status', true],
    ['timestamp level message', true],
    ['2 123456789012 eni-0a1b2c3d4e5f60001 10.0.1.15 203.0.113.10 45012 443 6 12 3400 1793527260 1793527320 ACCEPT OK', false],
    ['2 123456789012 eni-abc - - - - - - - 1431280876 1431280934 - NODATA', false],
    ['srcaddr srcaddr dstaddr', true],
  ])('isHeaderLine(%j) is %s', (line, expected) => {
    expect(isHeaderLine(line)).toBe(expected);
  });

  test('isTransitGatewayFormat tells a Transit Gateway flow log (header or Parquet columns) from a VPC flow log', () => {
    // The TGW default format (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-flow-logs.html), version 6, 36 fields.
    const tgw =
      'version resource-type account-id tgw-id tgw-attachment-id tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id tgw-dst-vpc-id ' +
      'tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id srcaddr dstaddr srcport ' +
      'dstport protocol packets bytes start end log-status type packets-lost-no-route packets-lost-blackhole packets-lost-mtu-exceeded ' +
      'packets-lost-ttl-expired tcp-flags region flow-direction pkt-src-aws-service pkt-dst-aws-service';
    expect(tgw.split(' ')).toHaveLength(36);
    expect(isTransitGatewayFormat(tgw.split(' '))).toBe(true);
    expect(isTransitGatewayFormat(tgw.split(' ').map((n) => n.replaceAll('-', '_')))).toBe(true);
    expect(isTransitGatewayFormat(V5_FORMAT.fields.map((f) => f.field))).toBe(false);
    // A VPC flow log's header, even with a field named like a TGW one, has action and interface-id.
    expect(isTransitGatewayFormat([...V2_FORMAT.fields.map((f) => f.field), 'resource-type'])).toBe(false);
  });

  test('repeatedField names the first field a header line names twice', () => {
    expect(repeatedField(['version', 'srcaddr', 'srcaddr', 'dstaddr', 'dstaddr'])).toBe('srcaddr');
    expect(repeatedField(V2_FORMAT.fields.map((f) => f.field))).toBeUndefined();
  });
});
