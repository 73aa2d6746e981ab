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

describe('sql --glue-table', () => {
  test.each([tables.DAILY_DATE, tables.PROJECTED_ACCID_REGION_DAY, tables.PARQUET_REGION_DATE_HOUR, tables.RECIPE])('prints the SQL for $name', async (documented) => {
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
