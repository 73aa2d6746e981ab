// The action's path for an existing table against a real moto_server: the documented tables created in
// moto's Glue (CreateDatabase/CreateTable), lookUpTableShape reads them back with GetTable, and the SQL that
// reaches moto's Athena (read back with GetQueryExecution) is the one for that table's shape. A missing table
// and one without the flow-log columns end in one sentence.
import { beforeEach, describe, expect, test } from '@jest/globals';
import { CreateWorkGroupCommand, GetQueryExecutionCommand } from '@aws-sdk/client-athena';
import { CreateDatabaseCommand, CreateTableCommand } from '@aws-sdk/client-glue';
import { glueTableShape } from '../../src/audit/glue-table.js';
import { parquetStackTableShape } from '../../src/audit/parquet-stack-table.js';
import { buildAuditSql } from '../../src/audit/query.js';
import { lookUpTableShape } from '../../src/aws/lookups.js';
import { AthenaEngine } from '../../src/engines/athena.js';
import { InputError } from '../../src/input-error.js';
import { auditParameters } from '../support/audit-parameters.js';
import * as tables from '../support/glue-tables.js';
import { createGlueTable } from '../support/glue-tables.js';
import { motoForFile } from '../support/moto-for-file.js';
import { queueAthenaResults } from '../support/moto-athena.js';
import { recordingLogger } from '../support/fake-aws.js';

const WORKGROUP = 'flowlogs';
const aws = motoForFile();

beforeEach(async () => {
  await aws.clients.athena.send(new CreateWorkGroupCommand({ Name: WORKGROUP, Configuration: { ResultConfiguration: { OutputLocation: 's3://audit-results/athena/' } } }));
});

describe.each([tables.PROJECTED_ACCID_REGION_DAY, tables.PARQUET_HIVE_HOURLY, tables.RECIPE, tables.STACK, tables.STACK_PARQUET, tables.BOOTSTRAP, tables.SECURITY_LAKE_VPC_FLOW])('$name in Glue', (documented) => {
  const ref = { database: documented.definition.DatabaseName!, table: documented.definition.Name! };

  test('GetTable gives its shape, and Athena receives the SQL for it', async () => {
    await createGlueTable(aws.clients.glue, documented.definition);
    const shape = await lookUpTableShape(aws.clients.glue, ref);
    expect(shape.partitioning).toBe(glueTableShape(ref, documented.definition).partitioning);

    await queueAthenaResults(aws.moto.endpoint, []);
    const engine = new AthenaEngine(aws.clients.athena, { workgroup: WORKGROUP, poll: { firstMs: 10, maxMs: 20 } }, recordingLogger());
    const parameters = auditParameters('10.0.0.0/16', { source: shape });
    const result = await engine.runAudit(parameters);
    const { QueryExecution } = await aws.clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: result.statistics.queryExecutionId }));
    const expected = buildAuditSql({ ...parameters, source: glueTableShape(ref, documented.definition) });
    expect(QueryExecution?.Query).toBe(expected);
    expect(QueryExecution?.Query).toContain(`FROM "${ref.database}"."${ref.table}"`);
  });
});

test("the s3-parquet stack's table read back from Glue has the shape the audit derives for it without asking Glue", async () => {
  await createGlueTable(aws.clients.glue, tables.STACK_PARQUET.definition);
  const ref = { database: 'vpc_port_audit', table: 'flow_logs_parquet' };
  const viaGlue = buildAuditSql(auditParameters('10.0.0.0/16', { source: await lookUpTableShape(aws.clients.glue, ref) }));
  expect(viaGlue).toBe(buildAuditSql(auditParameters('10.0.0.0/16', { source: parquetStackTableShape(ref) })));
  expect(viaGlue).toMatch(/WHERE year = '2026' AND month = '11' AND day = '01'\n/);
});

test("the window terms follow the table Glue holds, not the stack's dt", async () => {
  await createGlueTable(aws.clients.glue, tables.PROJECTED_ACCID_REGION_DAY.definition);
  const shape = await lookUpTableShape(aws.clients.glue, { database: 'flowlogs', table: 'test_table_vpclogs' });
  const sql = buildAuditSql(auditParameters('10.0.0.0/16', { source: shape }));
  // The window ends at midnight, so the next day's partition (its last minutes, delivered after midnight) is read too.
  expect(sql).toMatch(/WHERE day BETWEEN '2026\/11\/01' AND '2026\/11\/02'\s+AND start >= 1793491200\s+AND start < 1793577600\n/);
  expect(sql).not.toMatch(/\bdt\b/);
});

test('a table Glue does not have is named in one sentence', async () => {
  const lookUp = lookUpTableShape(aws.clients.glue, { database: 'flowlogs', table: 'missing' });
  await expect(lookUp).rejects.toThrow(InputError);
  await expect(lookUp).rejects.toThrow(
    "database, table: the Glue Data Catalog has no table flowlogs.missing in this region; give the database and table of your flow-log table, or leave both empty to audit the stack's.",
  );
});

test('a table without the flow-log columns is refused with what it has', async () => {
  await createGlueTable(aws.clients.glue, { ...tables.RECIPE.definition, Name: 'cloudtrail', StorageDescriptor: { Columns: [{ Name: 'eventname', Type: 'string' }] } });
  await expect(lookUpTableShape(aws.clients.glue, { database: 'flowlogs', table: 'cloudtrail' })).rejects.toThrow(
    /^table flowlogs\.cloudtrail has no column for srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, action, start \(its columns: eventname\)/,
  );
});

describe('a Lake Formation resource link', () => {
  const target = tables.SECURITY_LAKE_VPC_FLOW.definition;
  /** The link as Lake Formation creates it in the audit account (Glue CreateTable with TableInput.TargetTable; no columns). */
  const createLink = async (targetTable: { CatalogId?: string; DatabaseName: string; Name: string; Region?: string }) => {
    await aws.clients.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'security_lake_shared' } })).catch((error: Error) => {
      if (error.name !== 'AlreadyExistsException') throw error;
    });
    await aws.clients.glue.send(new CreateTableCommand({ DatabaseName: 'security_lake_shared', TableInput: { Name: 'vpc_flow', TargetTable: targetTable } }));
  };
  const ref = { database: 'security_lake_shared', table: 'vpc_flow' };

  test("is followed to its target: the target's columns and partitions, queried through the link's own name", async () => {
    await createGlueTable(aws.clients.glue, target);
    await createLink({ DatabaseName: target.DatabaseName!, Name: target.Name!, Region: 'us-east-1' });
    const shape = await lookUpTableShape(aws.clients.glue, ref);
    expect(shape.table).toEqual(ref);
    expect(shape.partitioning).toBe(glueTableShape(ref, target).partitioning);
    const sql = buildAuditSql(auditParameters('10.0.0.0/16', { source: shape }));
    expect(sql).toBe(buildAuditSql(auditParameters('10.0.0.0/16', { source: glueTableShape(ref, target) })));
    expect(sql).toContain('FROM "security_lake_shared"."vpc_flow"');
  });

  test('whose target Glue cannot find is one sentence naming the link and the target', async () => {
    await createLink({ CatalogId: '444455556666', DatabaseName: 'amazon_security_lake_glue_db_us_east_1', Name: 'gone', Region: 'us-east-1' });
    const lookUp = lookUpTableShape(aws.clients.glue, ref);
    await expect(lookUp).rejects.toThrow(InputError);
    await expect(lookUp).rejects.toThrow(
      'database, table: resource link security_lake_shared.vpc_flow points to table amazon_security_lake_glue_db_us_east_1.gone of catalog 444455556666 in us-east-1, which Glue cannot find; check the link, or that the target was shared with this account (Lake Formation).',
    );
  });

  test('to another region is one sentence naming the region to run in', async () => {
    await createLink({ DatabaseName: target.DatabaseName!, Name: target.Name!, Region: 'eu-west-1' });
    await expect(lookUpTableShape(aws.clients.glue, ref)).rejects.toThrow(/^database, table: resource link security_lake_shared\.vpc_flow points to .* in eu-west-1, another region than this audit's us-east-1; run the audit in eu-west-1/);
  });
});
