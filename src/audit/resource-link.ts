// Lake Formation resource links: what an audit account's Glue Data Catalog holds for a table shared from another
// account (Security Lake's, a log-archive account's). Glue GetTable on a link returns `TargetTable` {CatalogId,
// DatabaseName, Name, Region} and no columns; the definition is the target's, while queries name the link's own
// database and table (Athena resolves the link). Sources: Lake Formation Developer Guide, "Creating resource links",
// https://docs.aws.amazon.com/lake-formation/latest/dg/creating-resource-links.html (GetTable on a link needs
// glue:GetTable on the link and on the target); Glue API, Table.TargetTable (TableIdentifier),
// https://docs.aws.amazon.com/glue/latest/webapi/API_TableIdentifier.html.

import { InputError } from '../input-error.js';
import type { GlueTableDefinition } from './glue-table.js';
import type { TableRef } from './table-shape.js';

/** The table a resource link points to (Glue's TableIdentifier). */
export interface TargetTable {
  readonly CatalogId?: string;
  readonly DatabaseName?: string;
  readonly Name?: string;
  readonly Region?: string;
}

/** The link's target when `definition` is a resource link (it names a target database and table), else undefined. */
export function resourceLinkTarget(definition: GlueTableDefinition): (TargetTable & { DatabaseName: string; Name: string }) | undefined {
  const target = definition.TargetTable;
  if (target?.DatabaseName === undefined || target.Name === undefined) return undefined;
  return { ...target, DatabaseName: target.DatabaseName, Name: target.Name };
}

/** A target in words: `table sec_db.vpc_flow of catalog 444455556666 in eu-west-1`. */
export function describeTarget(target: TargetTable): string {
  const catalog = target.CatalogId ? ` of catalog ${target.CatalogId}` : '';
  const region = target.Region ? ` in ${target.Region}` : '';
  return `table ${target.DatabaseName}.${target.Name}${catalog}${region}`;
}

/**
 * The definition a query through the link `link` reads: the target's, checked to be the table the link names.
 * An InputError (one sentence) when `target` is itself a link or is another table than the link's target.
 */
export function followResourceLink(link: TableRef, linkDefinition: GlueTableDefinition, target: GlueTableDefinition, input: string): GlueTableDefinition {
  const named = resourceLinkTarget(linkDefinition);
  if (!named) throw new Error(`followResourceLink: ${link.database}.${link.table} is not a resource link`);
  if (resourceLinkTarget(target)) {
    throw new InputError(`${input} is a resource link too; give the definition of ${describeTarget(named)}, the table resource link ${link.database}.${link.table} points to.`);
  }
  const same = (a: string | undefined, b: string) => (a ?? '').toLowerCase() === b.toLowerCase();
  if (!same(target.DatabaseName, named.DatabaseName) || !same(target.Name, named.Name)) {
    throw new InputError(
      `${input} defines table ${target.DatabaseName}.${target.Name}, but resource link ${link.database}.${link.table} points to ${describeTarget(named)}; give that table's definition.`,
    );
  }
  return target;
}
