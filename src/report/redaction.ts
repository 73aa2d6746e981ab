// Reports safe for public repositories: whether a run redacts (the `redact` input and the repository's
// visibility), and the redaction itself, done on the data before any renderer sees it (audit and drill-down
// results, pipeline health, output values), so every section of every issue, comment, summary and output is
// covered, whichever module renders it. Addresses inside the VPC, instance, interface, subnet and VPC ids, Name
// tags, interface descriptions and account ids (the run's own, any in an ARN, and every audit unit's `account`:
// the other accounts of an organisation audit) become stable short labels (`address-3f9a1c`: a keyed hash, the same
// value gets the same label in every report of the account); ports, protocols, counts, times and the public
// addresses of outside peers stay. The key that titles and hidden markers of issues and comments name the audit by
// is redacted the same way (reportKey), keeping the issues and comments written before findable.

import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import { cidrContains, type Cidr } from '../audit/cidr.js';

/** The `redact` input: `auto` redacts on public repositories. */
export const REDACT_MODES = ['auto', 'always', 'never'] as const;
export type RedactMode = (typeof REDACT_MODES)[number];

/** A repository's visibility as GitHub names it (event payload `repository.visibility`, or the REST API). */
export type Visibility = 'public' | 'private' | 'internal';

/** Whether this run redacts, and the sentence the job summary shows about it. */
export interface RedactionDecision {
  readonly redact: boolean;
  readonly why: string;
}

/**
 * The repository's visibility from an event payload's `repository` (`visibility`, or `private` on events that
 * lack it); undefined when the payload has neither.
 */
export function visibilityOf(repository: { readonly visibility?: string; readonly private?: boolean } | undefined): Visibility | undefined {
  const named = repository?.visibility;
  if (named === 'public' || named === 'private' || named === 'internal') return named;
  if (typeof repository?.private === 'boolean') return repository.private ? 'private' : 'public';
  return undefined;
}

/** Decides from the input and the visibility (undefined: it could not be read, so `auto` redacts to be safe). */
export function decideRedaction(mode: RedactMode, visibility: Visibility | undefined): RedactionDecision {
  const what = 'addresses inside the VPC, instance, interface, subnet and VPC ids, Name tags, interface descriptions and account ids are shown as stable short labels';
  if (mode === 'never') return { redact: false, why: 'redact: never' };
  if (mode === 'always') return { redact: true, why: `Redacted (redact: always): ${what}.` };
  if (visibility === undefined) return { redact: true, why: `Redacted (redact: auto): the repository's visibility could not be read, so it is treated as public; ${what}.` };
  if (visibility === 'public') return { redact: true, why: `Redacted (redact: auto): this repository is public, and anyone can read its issues, comments and job summaries; ${what}.` };
  return { redact: false, why: `redact: auto, and this repository is ${visibility}` };
}

/** The fields whose whole value is free text that names the inside (looked up by aws/source-names.ts). */
const FREE_TEXT_FIELDS: Readonly<Record<string, string>> = { instanceName: 'name', interfaceDescription: 'description' };

/**
 * EC2 ids of the inside (`i-`, `eni-`, `subnet-`, `vpc-` and 8 or 17 hex digits), with the label kind of each. A
 * label (6 hex digits) never matches again, so redacting twice changes nothing.
 */
const EC2_IDS = /\b(i|eni|subnet|vpc)-(?:[0-9a-f]{17}|[0-9a-f]{8})\b/g;
const ID_KINDS: Readonly<Record<string, string>> = { i: 'instance', eni: 'interface', subnet: 'subnet', vpc: 'vpc' };
/** The fields whose whole value is an account id (an audit unit's `account`): labelled even when accountIds does not list it. */
const ACCOUNT_FIELDS: ReadonlySet<string> = new Set(['account']);
const ACCOUNT_ID = /^\d{12}$/;
/** An account id inside an ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:...`). */
const ARN_ACCOUNT = /(arn:[\w-]+:[\w-]*:[\w-]*:)(\d{12})(?=:)/g;
/** Candidates for IP addresses: runs of hex digits, dots and colons, each checked with isIP. */
const ADDRESS_CANDIDATES = /[0-9A-Fa-f:.]*[.:][0-9A-Fa-f:.]+/g;

export interface RedactorOptions {
  /** The blocks that count as inside the VPC: addresses in them are labelled. */
  readonly vpcCidrs: readonly Cidr[];
  /** The account ids to label wherever they appear (the caller's account, the stack's). */
  readonly accountIds: readonly string[];
  /** Key of the labels' hash: labels stay the same across runs with the same key, and cannot be reversed without it. */
  readonly key: string;
}

/** Maps report data to its redacted copy; see the header. */
export class Redactor {
  constructor(private readonly options: RedactorOptions) {}

  /** `kind-` and the first 6 hex digits of the keyed hash of `value`. */
  label(kind: string, value: string): string {
    return `${kind}-${createHmac('sha256', this.options.key).update(`${kind}\n${value}`).digest('hex').slice(0, 6)}`;
  }

  /** A text with every inside address, inside id and account id replaced by its label. */
  text(value: string): string {
    let text = value.replace(ARN_ACCOUNT, (_, head: string, account: string) => `${head}${this.label('account', account)}`);
    for (const account of this.options.accountIds) text = text.replaceAll(account, this.label('account', account));
    text = text.replace(EC2_IDS, (id, prefix: string) => this.label(ID_KINDS[prefix]!, id));
    return text.replace(ADDRESS_CANDIDATES, (candidate) => (this.isInside(candidate) ? this.label('address', candidate) : candidate));
  }

  /**
   * A deep copy of `data` (objects, arrays, Maps) with every string redacted: free-text fields (a Name tag, an
   * interface description) and account fields (a unit's `account`) become a label whole, other strings go
   * through text(). Numbers, booleans and Map keys
   * are kept.
   */
  value<T>(data: T): T {
    return this.map(data, undefined) as T;
  }

  private map(data: unknown, field: string | undefined): unknown {
    if (typeof data === 'string' && field && ACCOUNT_FIELDS.has(field) && ACCOUNT_ID.test(data)) return this.label('account', data);
    if (typeof data === 'string') return field && FREE_TEXT_FIELDS[field] ? this.label(FREE_TEXT_FIELDS[field]!, data) : this.text(data);
    if (Array.isArray(data)) return data.map((item) => this.map(item, field));
    if (data instanceof Map) return new Map([...data].map(([key, item]) => [key, this.map(item, undefined)]));
    if (data instanceof Date || data === null || typeof data !== 'object') return data;
    return Object.fromEntries(Object.entries(data).map(([key, item]) => [key, this.map(item, key)]));
  }

  private isInside(candidate: string): boolean {
    return isIP(candidate) !== 0 && this.options.vpcCidrs.some((cidr) => cidrContains(cidr, candidate));
  }
}

/**
 * The audited VPC or stack as issues and comments name it in their titles, text and hidden markers: `shown` is the
 * memory key as reports may show it (its VPC id and account ids as redaction labels where the run redacts, which
 * stay the same from run to run); `earlier` the unredacted key earlier releases marked them with, so that an issue
 * or comment written before is still found (and rewritten with `shown`).
 */
export interface ReportKey {
  readonly shown: string;
  readonly earlier: readonly string[];
}

export function reportKey(memoryKey: string, shown: (key: string) => string): ReportKey {
  const key = shown(memoryKey);
  return { shown: key, earlier: key === memoryKey ? [] : [memoryKey] };
}
