// One moto_server per jest test file: started before its tests, reset before each, stopped after. Jest-only,
// so it lives apart from moto.ts, which the benchmarks import outside jest.

import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import type { AwsClients } from '../../src/aws/clients.js';
import { motoClients, startMoto, type MotoServer } from './moto.js';

/** A test file's moto_server and the action's clients pointed at it; both set once the file's beforeAll ran. */
export interface MotoForFile {
  moto: MotoServer;
  clients: AwsClients;
}

/**
 * Starts one moto_server for the calling test file (beforeAll), gives its clients, forgets every resource
 * before each test (a file's own beforeEach runs after that) and stops it (afterAll). Call it at top level.
 */
export function motoForFile(): MotoForFile {
  const aws = {} as MotoForFile;
  beforeAll(async () => {
    aws.moto = await startMoto();
    aws.clients = motoClients(aws.moto);
  });
  afterAll(async () => aws.moto.stop());
  beforeEach(async () => aws.moto.reset());
  return aws;
}
