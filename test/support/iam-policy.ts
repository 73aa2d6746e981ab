// A small evaluator of IAM identity policies for the permission tests: Allow and Deny statements, an optional
// permissions boundary, action and resource wildcards, and the condition operators the templates use. Logic as
// in the IAM User Guide ("Policy evaluation logic", single account): an explicit Deny in any policy wins; else
// the request is allowed when an identity policy allows it and the boundary, if any, allows it too.
// Matching: action names are case-insensitive; `*` matches any run of characters and `?` one character; an ARN
// pattern is compared segment by segment (partition, service, region, account, then the rest, colons and all),
// as "IAM JSON policy elements: Resource" describes. (There a `*` that ends a segment may also run on past its
// colon; the templates put wildcards only in the last segment, where both readings agree.) Condition keys are
// case-insensitive; several values of one key are alternatives; a negated operator matches a missing key.
// Anything else (NotAction, NotResource, ...IfExists, ForAnyValue/ForAllValues, other operators) is refused
// with an error rather than guessed. The request context is cut to the keys the Service Authorization Reference
// lists for the action (test/support/iam-condition-keys.ts), in the revision the caller names (default: the
// newest). (@cloud-copilot/iam-simulate does all of this and more, but it is AGPL-3.0
// licensed; this project is MIT.)

import { CONDITION_KEYS, requestContext, type ConditionKeyTable } from './iam-condition-keys.js';

export type ConditionBlock = Record<string, Record<string, string | string[]>>;

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: ConditionBlock;
}

export interface Policy {
  readonly Statement: readonly Statement[];
}

export interface Request {
  /** `service:Action`. */
  readonly action: string;
  /** The ARN the request is authorized on, or `*` for actions without resource-level permissions. */
  readonly resource: string;
  /** Condition keys of the request (e.g. `iam:PassedToService`, `aws:ResourceTag/key`); kept only where AWS sets them. */
  readonly context?: Readonly<Record<string, string>>;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

const list = <T>(value: T | readonly T[]): readonly T[] => (Array.isArray(value) ? value : [value as T]);

/** `*` and `?` wildcards over the whole string. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

/** The six parts of an ARN: arn, partition, service, region, account, resource (which may hold colons). */
function arnParts(arn: string): string[] | undefined {
  const parts = arn.split(':');
  return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/** An ARN pattern (or `*`) against an ARN (or `*`), segment by segment. */
export function arnMatch(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  if (arn === '*') return false;
  const [p, a] = [arnParts(pattern), arnParts(arn)];
  if (!p || !a) return wildcardMatch(pattern, arn);
  return p.every((segment, i) => wildcardMatch(segment, a[i]!));
}

const OPERATORS: Record<string, { negated: boolean; match: (pattern: string, value: string) => boolean }> = {
  StringEquals: { negated: false, match: (p, v) => p === v },
  StringNotEquals: { negated: true, match: (p, v) => p === v },
  StringLike: { negated: false, match: (p, v) => wildcardMatch(p, v) },
  StringNotLike: { negated: true, match: (p, v) => wildcardMatch(p, v) },
  ArnEquals: { negated: false, match: (p, v) => p === v },
  ArnLike: { negated: false, match: arnMatch },
  Bool: { negated: false, match: (p, v) => p.toLowerCase() === v.toLowerCase() },
};

/** True when every operator and key of the block holds for the context. */
export function conditionsHold(block: ConditionBlock | undefined, context: Readonly<Record<string, string>> = {}): boolean {
  const lookup = (key: string) => Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
  return Object.entries(block ?? {}).every(([operator, keys]) => {
    const op = OPERATORS[operator];
    if (!op) throw new Error(`condition operator ${operator} is not modelled by this evaluator`);
    return Object.entries(keys).every(([key, patterns]) => {
      const value = lookup(key);
      if (value === undefined) return op.negated;
      const any = list(patterns).some((pattern) => op.match(String(pattern), value));
      return op.negated ? !any : any;
    });
  });
}

function applies(statement: Statement, request: Request): boolean {
  for (const field of ['NotAction', 'NotResource'] as const) {
    if (field in statement) throw new Error(`${field} is not modelled by this evaluator`);
  }
  return (
    list(statement.Action).some((pattern) => wildcardMatch(pattern, request.action, true)) &&
    list(statement.Resource).some((pattern) => arnMatch(pattern, request.resource)) &&
    conditionsHold(statement.Condition, request.context)
  );
}

const matching = (policies: readonly Policy[], request: Request, effect: Statement['Effect']) =>
  policies.flatMap((p) => p.Statement).filter((s) => s.Effect === effect && applies(s, request));

/**
 * The decision for one request made by a principal with these identity policies and boundary, with the request
 * context AWS sets for the action under `conditionKeys` (a Service Authorization Reference revision's table).
 */
export function evaluate(identity: readonly Policy[], asked: Request, boundary?: Policy, conditionKeys: ConditionKeyTable = CONDITION_KEYS['post-late-2025']): Decision {
  const request = { ...asked, context: requestContext(asked.action, asked.context ?? {}, conditionKeys) };
  const all = boundary ? [...identity, boundary] : identity;
  if (matching(all, request, 'Deny').length > 0) return 'explicit-deny';
  if (matching(identity, request, 'Allow').length === 0) return 'implicit-deny';
  if (boundary && matching([boundary], request, 'Allow').length === 0) return 'implicit-deny';
  return 'allow';
}

/** The Allow statements of these policies. */
export const allowStatements = (policies: readonly Policy[]) => policies.flatMap((p) => p.Statement).filter((s) => s.Effect === 'Allow');
export const actionsOf = (statement: Statement) => list(statement.Action);
export const resourcesOf = (statement: Statement) => list(statement.Resource);
