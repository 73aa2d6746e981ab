// Glue table definitions (GetTable's `Table`) of the flow-log tables people have: the Amazon Athena User
// Guide's DDLs ("Querying Amazon VPC flow logs"), the original recipe's table, and this stack's two (one per pipeline). Column
// names, types, partition keys and table properties are taken from those DDLs as written; each comment names
// the page. Glue stores names in lower case, as Athena's CREATE TABLE leaves them.

import { CreateDatabaseCommand, CreateTableCommand, type GlueClient } from '@aws-sdk/client-glue';
import type { GlueColumn, GlueTableDefinition } from '../../src/audit/glue-table.js';
import { V5_FORMAT } from '../../src/flowlog/format.js';
import { PARQUET_TABLE, PARQUET_TABLE_NAME } from '../../src/audit/parquet-stack-table.js';

/** Glue columns from `name type, name type, ...`. */
export const columns = (text: string): GlueColumn[] =>
  text
    .trim()
    .split(/\s*,\s*/)
    .map((pair) => {
      const [Name, Type] = pair.split(/\s+/);
      return { Name: Name!, Type: Type! };
    });

/** The Athena guide's v2-v5 columns (create-table statement and Parquet pages). */
const GUIDE_COLUMNS = columns(`
  version int, account_id string, interface_id string, srcaddr string, dstaddr string, srcport int, dstport int,
  protocol bigint, packets bigint, bytes bigint, start bigint, end bigint, action string, log_status string,
  vpc_id string, subnet_id string, instance_id string, tcp_flags int, type string, pkt_srcaddr string,
  pkt_dstaddr string, region string, az_id string, sublocation_type string, sublocation_id string,
  pkt_src_aws_service string, pkt_dst_aws_service string, flow_direction string, traffic_path int`);
/** The partition-projection pages drop `region` from the columns: it is a partition there. */
const GUIDE_COLUMNS_NO_REGION = GUIDE_COLUMNS.filter((c) => c.Name !== 'region');

export interface DocumentedTable {
  readonly name: string;
  readonly definition: GlueTableDefinition;
}

const table = (name: string, cols: GlueColumn[], keys: GlueColumn[], parameters: Record<string, string>, database = 'flowlogs'): GlueTableDefinition => ({
  Name: name,
  DatabaseName: database,
  TableType: 'EXTERNAL_TABLE',
  StorageDescriptor: { Columns: cols },
  PartitionKeys: keys,
  Parameters: parameters,
});

/** https://docs.aws.amazon.com/athena/latest/ug/vpc-flow-logs-create-table-statement.html: `PARTITIONED BY (\`date\` date)`. */
export const DAILY_DATE: DocumentedTable = {
  name: 'daily date (DATE)',
  definition: table('vpc_flow_logs', GUIDE_COLUMNS, columns('date date'), { 'skip.header.line.count': '1' }),
};

/** https://docs.aws.amazon.com/athena/latest/ug/vpc-flow-logs-partition-projection.html: accid/region/day, projected. */
export const PROJECTED_ACCID_REGION_DAY: DocumentedTable = {
  name: 'projected accid/region/day',
  definition: table('test_table_vpclogs', GUIDE_COLUMNS_NO_REGION, columns('accid string, region string, day string'), {
    'skip.header.line.count': '1',
    'projection.enabled': 'true',
    'projection.accid.type': 'enum',
    'projection.accid.values': '111122223333,444455556666',
    'projection.region.type': 'enum',
    'projection.region.values': 'us-east-1,us-west-2',
    'projection.day.type': 'date',
    'projection.day.range': '2021/01/01,NOW',
    'projection.day.format': 'yyyy/MM/dd',
    'storage.location.template': 's3://amzn-s3-demo-bucket/AWSLogs/${accid}/vpcflowlogs/${region}/${day}',
  }),
};

/** https://docs.aws.amazon.com/athena/latest/ug/vpc-flow-logs-partition-projection-parquet-example.html: region/date/hour. */
export const PARQUET_REGION_DATE_HOUR: DocumentedTable = {
  name: 'Parquet region/date/hour',
  definition: table('test_table_vpclogs_parquet', GUIDE_COLUMNS_NO_REGION, columns('region string, date string, hour string'), {
    EXTERNAL: 'true',
    'skip.header.line.count': '1',
    'projection.enabled': 'true',
    'projection.region.type': 'enum',
    'projection.region.values': 'us-east-1,us-west-2,ap-south-1,eu-west-1',
    'projection.date.type': 'date',
    'projection.date.range': '2021/01/01,NOW',
    'projection.date.format': 'yyyy/MM/dd',
    'projection.hour.type': 'integer',
    'projection.hour.range': '00,23',
    'projection.hour.digits': '2',
    'storage.location.template': 's3://amzn-s3-demo-bucket/prefix/AWSLogs/123456789012/vpcflowlogs/${region}/${date}/${hour}',
  }),
};

/** https://docs.aws.amazon.com/athena/latest/ug/vpc-flow-logs-parquet.html: Hive-compatible, hourly, all keys string. */
export const PARQUET_HIVE_HOURLY: DocumentedTable = {
  name: 'Parquet Hive year/month/day/hour',
  definition: table(
    'vpc_flow_logs_parquet',
    GUIDE_COLUMNS,
    columns('aws-account-id string, aws-service string, aws-region string, year string, month string, day string, hour string'),
    { EXTERNAL: 'true', 'skip.header.line.count': '1' },
  ),
};

/** The original recipe's table (reference/seed-vpc-flowlog-kinesis-athena.md): CamelCase names, INT counters, no partitions. */
export const RECIPE: DocumentedTable = {
  name: "the recipe's table",
  definition: table(
    'vpc_flow_logs',
    columns(`
      version int, account string, interfaceid string, sourceaddress string, destinationaddress string,
      sourceport int, destinationport int, protocol int, packets int, bytes int, starttime int, endtime int,
      action string, logstatus string`),
    [],
    {},
  ),
};

/** The Athena guide's earlier table (awsdocs/amazon-athena-user-guide doc_source/vpc-flow-logs.md, 2019): dt='YYYY-MM-dd'. */
export const GUIDE_2019_DT: DocumentedTable = {
  name: "the guide's 2019 dt table",
  definition: table(
    'vpc_flow_logs',
    columns(`
      version int, account string, interfaceid string, sourceaddress string, destinationaddress string,
      sourceport int, destinationport int, protocol int, numpackets int, numbytes bigint, starttime int,
      endtime int, action string, logstatus string`),
    columns('dt string'),
    { 'skip.header.line.count': '1' },
  ),
};

/** This stack's table, as cfn/pipeline.yaml defines it (v5 columns from the catalogue, dt projected hourly). */
export const STACK: DocumentedTable = {
  name: "this stack's table",
  definition: table(
    'flow_logs',
    V5_FORMAT.fields.map((f) => ({ Name: f.column, Type: f.type })),
    columns('dt string'),
    {
      classification: 'csv',
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy/MM/dd/HH',
      'projection.dt.range': '2024/01/01/00,NOW',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'HOURS',
      'storage.location.template': 's3://audit-bucket/flow-logs/${dt}',
    },
    'vpc_port_audit',
  ),
};

/** This stack's s3-parquet table, as the build writes it into cfn/pipeline.yaml (src/audit/parquet-stack-table.ts). */
export const STACK_PARQUET: DocumentedTable = {
  name: "this stack's s3-parquet table",
  definition: {
    ...table(PARQUET_TABLE_NAME, [...PARQUET_TABLE.StorageDescriptor.Columns!], [...PARQUET_TABLE.PartitionKeys], { ...PARQUET_TABLE.Parameters }, 'vpc_port_audit'),
  },
};

/**
 * AWS Security Analytics Bootstrap's multi-account VPC flow table (github.com/awslabs/aws-security-analytics-bootstrap,
 * AWSSecurityAnalyticsBootstrap/sql/ddl/create_tables/create_vpcflowlog_table.sql): recipe-like and run-together
 * column names, partitions date_partition/region_partition/account_partition placed by storage.location.template.
 */
export const BOOTSTRAP: DocumentedTable = {
  name: 'Security Analytics Bootstrap multi-account',
  definition: table(
    'vpcflow',
    columns(`
      version int, account string, interfaceid string, sourceaddress string, destinationaddress string, sourceport int,
      destinationport int, protocol int, numpackets int, numbytes bigint, starttime int, endtime int, action string,
      logstatus string, vpcid string, subnetid string, instanceid string, tcpflags smallint, type string, pktsrcaddr string,
      pktdstaddr string, region string, azid string, sublocationtype string, sublocationid string, pktsrcawsservice string,
      pktdstawsservice string, flowdirection string, trafficpath string`),
    columns('date_partition string, region_partition string, account_partition string'),
    {
      'skip.header.line.count': '1',
      'projection.enabled': 'true',
      'projection.date_partition.type': 'date',
      'projection.date_partition.range': '2020/11/30,NOW',
      'projection.date_partition.format': 'yyyy/MM/dd',
      'projection.date_partition.interval': '1',
      'projection.date_partition.interval.unit': 'DAYS',
      'projection.region_partition.type': 'enum',
      'projection.region_partition.values': 'us-east-2,us-east-1,us-west-1,us-west-2,eu-west-1',
      'projection.account_partition.type': 'enum',
      'projection.account_partition.values': '111122223333,444455556666',
      'storage.location.template': 's3://central-log-bucket/AWSLogs/${account_partition}/vpcflowlogs/${region_partition}/${date_partition}',
    },
    'security_analytics',
  ),
};

/** An OCSF network endpoint as Security Lake writes it (OCSF 1.1.0 network_endpoint, https://schema.ocsf.io/1.1.0/objects/network_endpoint). */
const OCSF_ENDPOINT = 'struct<port:int,svc_name:string,ip:string,intermediate_ips:array<string>,interface_uid:string,vpc_uid:string,instance_uid:string,subnet_uid:string>';

/**
 * Amazon Security Lake's VPC flow table, source version 2 (OCSF 1.1.0 Network Activity, https://schema.ocsf.io/1.1.0/classes/network_activity;
 * the attributes Security Lake's mapping fills, github.com/ocsf/examples mappings/markdown/AWS/v1.1.0/VPC Flowlogs/README.md),
 * partitioned by region, accountid and eventday (YYYYMMDD).
 */
export const SECURITY_LAKE_VPC_FLOW: DocumentedTable = {
  name: 'Security Lake VPC flow (OCSF 1.1.0)',
  definition: table(
    'amazon_security_lake_table_eu_west_1_vpc_flow_2_0',
    [
      { Name: 'metadata', Type: 'struct<product:struct<version:string,name:string,feature:struct<name:string>,vendor_name:string>,profiles:array<string>,version:string>' },
      { Name: 'cloud', Type: 'struct<account:struct<uid:string>,region:string,zone:string,provider:string>' },
      { Name: 'src_endpoint', Type: OCSF_ENDPOINT },
      { Name: 'dst_endpoint', Type: OCSF_ENDPOINT },
      { Name: 'connection_info', Type: 'struct<protocol_num:int,tcp_flags:int,protocol_ver:string,boundary_id:int,boundary:string,direction_id:int,direction:string>' },
      { Name: 'traffic', Type: 'struct<packets:bigint,bytes:bigint>' },
      ...columns(`
        time bigint, time_dt timestamp, start_time_dt timestamp, end_time_dt timestamp, status_code string, severity_id int, severity string,
        class_name string, class_uid int, category_name string, category_uid int, activity_id int, activity_name string, type_uid bigint,
        type_name string, action string, action_id int, disposition string, disposition_id int`),
    ],
    columns('region string, accountid string, eventday string'),
    {},
    'amazon_security_lake_glue_db_eu_west_1',
  ),
};

/** Every shape, for tests that run each. */
export const DOCUMENTED_TABLES: readonly DocumentedTable[] = [DAILY_DATE, PROJECTED_ACCID_REGION_DAY, PARQUET_REGION_DATE_HOUR, PARQUET_HIVE_HOURLY, RECIPE, GUIDE_2019_DT, STACK, STACK_PARQUET, BOOTSTRAP];

/** Creates the table (and its database, if new) in a Glue Data Catalog (moto's), as Athena's CREATE EXTERNAL TABLE would. */
export async function createGlueTable(glue: GlueClient, definition: GlueTableDefinition): Promise<void> {
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: definition.DatabaseName! } })).catch((error: Error) => {
    if (error.name !== 'AlreadyExistsException') throw error;
  });
  await glue.send(
    new CreateTableCommand({
      DatabaseName: definition.DatabaseName!,
      TableInput: {
        Name: definition.Name!,
        TableType: definition.TableType,
        StorageDescriptor: { Columns: definition.StorageDescriptor!.Columns!.map((c) => ({ Name: c.Name!, Type: c.Type })), Location: 's3://amzn-s3-demo-bucket/AWSLogs/' },
        PartitionKeys: definition.PartitionKeys!.map((c) => ({ Name: c.Name!, Type: c.Type })),
        Parameters: { ...definition.Parameters },
      },
    }),
  );
}
