// Validation of the audit's parameters from text (CLI flags, action inputs). Each parser returns a typed
// value or throws an InputError naming the input and what it accepts; nothing unvalidated reaches SQL.

import { isIPv4 } from 'node:net';
import { parseCidr, type Cidr } from './cidr.js';
import { checkTextMatchable } from './cidr-sql.js';
import { PRESETS, type Preset } from './query.js';
import { InputError } from '../input-error.js';

/** A whole number in [min, max]. */
export function parseInteger(text: string, input: string, min: number, max: number): number {
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InputError(`${input}: '${text}' is not a whole number from ${min} to ${max}.`);
  }
  return value;
}

/** The length of a top list: 1 to 1000 ports. */
export const TOP_RANGE = { min: 1, max: 1000 } as const;
/**
 * How many (port, protocol) rows the audit returns at most: a VPC's outbound ports are tens to hundreds, so 2000
 * holds them all; the cap only bounds a pathological window (a scan, random high ports).
 */
const MAX_PORTS_RANGE = { min: 1, max: 100_000 } as const;
export const DEFAULT_MAX_PORTS = 2000;
/** Up to 400 days back: the default S3 retention is shorter, and a longer window is a scan-cost mistake. */
export const LOOKBACK_RANGE = { min: 1, max: 9600 } as const;

export const parseTop = (text: string, input = 'top') => parseInteger(text, input, TOP_RANGE.min, TOP_RANGE.max);
export const parseMaxPorts = (text: string, input = 'max-ports') => parseInteger(text, input, MAX_PORTS_RANGE.min, MAX_PORTS_RANGE.max);
export const parseLookbackHours = (text: string, input = 'lookback-hours') =>
  parseInteger(text, input, LOOKBACK_RANGE.min, LOOKBACK_RANGE.max);

export function parsePreset(text: string, input = 'preset'): Preset {
  const preset = PRESETS.find((p) => p === text.trim());
  if (!preset) throw new InputError(`${input}: '${text}' is not a preset; accepted are ${PRESETS.join(', ')}.`);
  return preset;
}

/** A comma- or whitespace-separated list of CIDR blocks (at least one, at most 50). */
export function parseCidrList(text: string, input = 'vpc-cidr'): Cidr[] {
  const items = text.split(/[\s,]+/).filter(Boolean);
  if (items.length === 0 || items.length > 50) {
    throw new InputError(`${input}: give from 1 to 50 CIDR blocks separated by commas, such as 10.0.0.0/16.`);
  }
  const cidrs = items.map((item) => parseCidr(item, input));
  cidrs.forEach((c) => checkTextMatchable(c, input));
  return cidrs;
}

/** A Glue/Athena name: lowercase letters, digits and underscores, starting with a letter or underscore. */
export function parseIdentifier(text: string, input: string): string {
  if (!/^[a-z_][a-z0-9_]{0,254}$/.test(text)) {
    throw new InputError(
      `${input}: '${text}' is not a Glue name; use lowercase letters, digits and underscores (at most 255).`,
    );
  }
  return text;
}

/**
 * A comma- or whitespace-separated list of the private IPv4 addresses of the VPC's NAT gateways (at most 50):
 * records sent from them are the NAT's translated copies of connections (see audit/query.ts).
 */
export function parseNatAddresses(text: string, input = 'nat-addresses'): string[] {
  const items = text.split(/[\s,]+/).filter(Boolean);
  const bad = items.find((item) => !isIPv4(item));
  if (items.length > 50 || bad !== undefined) {
    throw new InputError(`${input}: ${bad === undefined ? 'more than 50 addresses' : `'${bad}' is not an IPv4 address`}; give the NAT gateways' private IPv4 addresses separated by commas, such as 10.0.0.220.`);
  }
  return items;
}
