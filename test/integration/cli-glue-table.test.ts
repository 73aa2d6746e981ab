// `vpc-port-audit sql --glue-table FILE` as a process (src/cli.ts bundled with esbuild): FILE is what
// `aws glue get-table` prints for a documented table, stdout is exactly the SQL the action would send for
// that table (Trino grammar checked), stderr notes the partitioning; bad files exit 2 with one sentence.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { glueTableShape, type GlueTableDefinition } from '../../src/audit/glue-table.js';
import { parseCidrList } from '../../src/audit/parameters.js';
import { buildAuditSql } from '../../src/audit/query.js';
import { windowEndingAt } from '../../src/flowlog/layout.js';
import * as tables from '../support/glue-tables.js';
import { trinoSyntaxErrors } from '../support/trino-grammar.js';

const ROOT = new URL('../../', import.meta.url).pathname;
// Inside the worktree (lib/ is not committed), so that the bundle resolves its packages from node_modules.
const CLI = join(ROOT, 'lib/.test/cli-glue-table.mjs');
let dir: string;

beforeAll(async () => {
  await build({ entryPoints: [join(ROOT, 'src/cli.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: CLI, logLevel: 'error' });
  dir = await mkdtemp(join(tmpdir(), 'glue-table-'));
});

async function cli(...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [CLI, ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Writes `content` to a file and returns its path. */
async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

/** What `aws glue get-table` prints: the Table with the catalogue's own extra fields around it. */
const getTableOutput = (definition: GlueTableDefinition) =>
  JSON.stringify({ Table: { ...definition, CreateTime: '2026-11-01T10:00:00+00:00', IsRegisteredWithLakeFormation: false, CatalogId: '123456789012', VersionId: '0' } }, null, 4);

/**
 * What an audit account's catalog holds for Security Lake's table shared from account 444455556666: a Lake Formation
 * resource link (GetTable: TargetTable, no StorageDescriptor; https://docs.aws.amazon.com/lake-formation/latest/dg/creating-resource-links.html).
 */
const LINK = {
  Name: 'vpc_flow',
  DatabaseName: 'security_lake_shared',
  TargetTable: {
    CatalogId: '444455556666',
    DatabaseName: tables.SECURITY_LAKE_VPC_FLOW.definition.DatabaseName,
    Name: tables.SECURITY_LAKE_VPC_FLOW.definition.Name,
    Region: 'eu-west-1',
  },
  CatalogId: '111122223333',
  IsRegisteredWithLakeFormation: false,
};

describe('sql --glue-table', () => {
  test.each([tables.DAILY_DATE, tables.PROJECTED_ACCID_REGION_DAY, tables.PARQUET_REGION_DATE_HOUR, tables.RECIPE, tables.BOOTSTRAP, tables.SECURITY_LAKE_VPC_FLOW])('prints the SQL for $name', async (documented) => {
    const path = await file(`${documented.definition.Name}.json`, getTableOutput(documented.definition));
    const { code, stdout, stderr } = await cli('sql', '--glue-table', path, '--vpc-cidr', '10.0.0.0/16', '--end', '2026-11-02T05', '--lookback-hours', '48');
    expect(code).toBe(0);
    const ref = { database: documented.definition.DatabaseName!, table: documented.definition.Name! };
    const source = glueTableShape(ref, documented.definition);
    const expected = buildAuditSql({ preset: 'egress-ports', vpcCidrs: parseCidrList('10.0.0.0/16'), window: windowEndingAt(new Date('2026-11-02T05:00:00Z'), 48), maxPorts: 2000, source });
    expect(stdout).toBe(`${expected}\n`);
    expect(stderr).toBe(`note: ${ref.database}.${ref.table}: ${source.partitioning}.\n`);
    expect(await trinoSyntaxErrors(stdout)).toEqual([]);
  });

  test.each([
    ['a file that does not exist', async () => join(dir, 'missing.json'), /^vpc-port-audit: --glue-table \S+missing\.json cannot be read \(ENOENT\); give the JSON file that aws glue get-table prints\.\n$/],
    ['a file that is not JSON', async () => file('text.json', 'Table: flow_logs'), /--glue-table \S+ is not JSON; give the output of aws glue get-table/],
    ['get-tables output (a list)', async () => file('tables.json', JSON.stringify({ TableList: [tables.RECIPE.definition] })), /is not a Glue table definition \(found an object with TableList\)/],
    [
      'a table without the flow-log columns',
      async () => file('trail.json', getTableOutput({ ...tables.RECIPE.definition, Name: 'cloudtrail_logs', StorageDescriptor: { Columns: [{ Name: 'eventname', Type: 'string' }] } })),
      /^vpc-port-audit: table flowlogs\.cloudtrail_logs has no column for srcaddr, .* \(its columns: eventname\); a port audit needs /,
    ],
    [
      'an OCSF table missing a needed attribute',
      async () =>
        file(
          'ocsf.json',
          getTableOutput({
            ...tables.SECURITY_LAKE_VPC_FLOW.definition,
            StorageDescriptor: { Columns: tables.SECURITY_LAKE_VPC_FLOW.definition.StorageDescriptor!.Columns!.filter((c) => c.Name !== 'traffic') },
          }),
        ),
      /^vpc-port-audit: table amazon_security_lake_glue_db_eu_west_1\.amazon_security_lake_table_eu_west_1_vpc_flow_2_0 is an OCSF table without traffic\.packets, traffic\.bytes; a port audit reads /,
    ],
    [
      'a resource link without --glue-target-table',
      async () => file('link-alone.json', JSON.stringify({ Table: LINK })),
      /^vpc-port-audit: --glue-table \S+link-alone\.json is a resource link to table amazon_security_lake_glue_db_eu_west_1\.amazon_security_lake_table_eu_west_1_vpc_flow_2_0 of catalog 444455556666 in eu-west-1, which holds the columns; give its definition with --glue-target-table FILE \(aws glue get-table --catalog-id 444455556666 --region eu-west-1 --database-name amazon_security_lake_glue_db_eu_west_1 --name amazon_security_lake_table_eu_west_1_vpc_flow_2_0\)\.\n$/,
    ],
    [
      'an unknown partition scheme',
      async () => file('ingest.json', getTableOutput({ ...tables.DAILY_DATE.definition, PartitionKeys: [{ Name: 'ingest_date', Type: 'string' }] })),
      /^vpc-port-audit: table flowlogs\.vpc_flow_logs: the partitions \(ingest_date string\) are not a scheme the audit can read/,
    ],
  ])('%s exits 2 with one sentence', async (_what, makeFile, message) => {
    const { code, stdout, stderr } = await cli('sql', '--glue-table', await makeFile(), '--vpc-cidr', '10.0.0.0/16');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/^vpc-port-audit: [^\n]+\.\n$/);
  });

  test("a resource link followed to its target: the target's columns and partitions, the link's own database and name", async () => {
    const link = await file('link.json', JSON.stringify({ Table: LINK }));
    const target = await file('target.json', getTableOutput(tables.SECURITY_LAKE_VPC_FLOW.definition));
    const { code, stdout, stderr } = await cli('sql', '--glue-table', link, '--glue-target-table', target, '--vpc-cidr', '10.0.0.0/16', '--end', '2026-11-02T05', '--lookback-hours', '48');
    expect(stderr).toBe(`note: security_lake_shared.vpc_flow: ${glueTableShape({ database: 'x', table: 'y' }, tables.SECURITY_LAKE_VPC_FLOW.definition).partitioning}.\n`);
    expect(code).toBe(0);
    const source = glueTableShape({ database: 'security_lake_shared', table: 'vpc_flow' }, tables.SECURITY_LAKE_VPC_FLOW.definition);
    const expected = buildAuditSql({ preset: 'egress-ports', vpcCidrs: parseCidrList('10.0.0.0/16'), window: windowEndingAt(new Date('2026-11-02T05:00:00Z'), 48), maxPorts: 2000, source });
    expect(stdout).toBe(`${expected}\n`);
    expect(stdout).toContain('FROM "security_lake_shared"."vpc_flow"');
    expect(stdout).toContain('dst_endpoint.port');
  });

  test('--glue-target-table that is another table than the link points to, or without a link, exits 2 with one sentence', async () => {
    const link = await file('link.json', JSON.stringify({ Table: LINK }));
    const other = await file('other.json', getTableOutput(tables.BOOTSTRAP.definition));
    const wrong = await cli('sql', '--glue-table', link, '--glue-target-table', other, '--vpc-cidr', '10.0.0.0/16');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^vpc-port-audit: --glue-target-table \S+other\.json defines table security_analytics\.vpcflow, but resource link security_lake_shared\.vpc_flow points to table amazon_security_lake_glue_db_eu_west_1\.amazon_security_lake_table_eu_west_1_vpc_flow_2_0 of catalog 444455556666 in eu-west-1; give that table's definition\.\n$/);
    const noLink = await cli('sql', '--glue-table', other, '--glue-target-table', other, '--vpc-cidr', '10.0.0.0/16');
    expect(noLink.code).toBe(2);
    expect(noLink.stderr).toMatch(/^vpc-port-audit: --glue-target-table applies to a resource link only, and --glue-table \S+ is table security_analytics\.vpcflow itself/);
    const alone = await cli('sql', '--glue-target-table', other, '--vpc-cidr', '10.0.0.0/16');
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/^vpc-port-audit: --glue-target-table needs --glue-table/);
  });

  test('--logs next to --glue-table is refused: the definition says the columns', async () => {
    const { code, stderr } = await cli('sql', '--glue-table', 'x.json', '--logs', 'sample/flow-logs', '--vpc-cidr', '10.0.0.0/16');
    expect(code).toBe(2);
    expect(stderr).toBe("vpc-port-audit: --logs does not apply with --glue-table: the table's definition says its columns; give one of the two.\n");
  });

  test('--glue-table is a flag of sql only', async () => {
    const { code, stderr } = await cli('audit', '--glue-table', 'x.json', '--logs', 'sample/flow-logs', '--vpc-cidr', '10.0.0.0/16');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^vpc-port-audit: '--glue-table' is not a flag of 'audit'/);
  });
});
