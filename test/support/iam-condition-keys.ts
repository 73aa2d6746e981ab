// The request context AWS builds for an action: which condition keys it carries, per revision of the Service
// Authorization Reference (cfn/permissions/condition-keys.json cites them). A policy's condition can only see
// keys the action's context holds: a key the reference does not list for an action is absent, which a negated
// operator (StringNotEquals) reads as a match. The permission tests evaluate under both revisions, so no policy
// may depend on a key that one of them lacks.

import { readFileSync } from 'node:fs';

/** Revisions of the Service Authorization Reference the tests evaluate under. */
export const REVISIONS = ['pre-late-2025', 'post-late-2025'] as const;
export type Revision = (typeof REVISIONS)[number];

/** Action (`service:Action`, lower-cased) -> the service-specific condition keys (lower-cased) its requests carry. */
export type ConditionKeyTable = ReadonlyMap<string, ReadonlySet<string>>;

const data = JSON.parse(readFileSync('cfn/permissions/condition-keys.json', 'utf8')) as Record<string, unknown>;

function table(entries: Record<string, string[]>): ConditionKeyTable {
  return new Map(Object.entries(entries).map(([action, keys]) => [action.toLowerCase(), new Set(keys.map((k) => k.toLowerCase()))]));
}

const pre = data['pre-late-2025'] as Record<string, string[]>;
const added = (data['post-late-2025'] as { '+': Record<string, string[]> })['+'];

/** The condition-key table of each revision. */
export const CONDITION_KEYS: Readonly<Record<Revision, ConditionKeyTable>> = {
  'pre-late-2025': table(pre),
  'post-late-2025': table({ ...pre, ...Object.fromEntries(Object.entries(added).map(([a, keys]) => [a, [...(pre[a] ?? []), ...keys]])) }),
};

/**
 * The part of `context` AWS would set for `action`: every global `aws:` key, and the service-specific keys the
 * table lists for the action. Keys are matched case-insensitively, as IAM does.
 */
export function requestContext(action: string, context: Readonly<Record<string, string>>, keys: ConditionKeyTable): Record<string, string> {
  const listed = keys.get(action.toLowerCase()) ?? new Set<string>();
  return Object.fromEntries(Object.entries(context).filter(([key]) => key.toLowerCase().startsWith('aws:') || listed.has(key.toLowerCase())));
}
