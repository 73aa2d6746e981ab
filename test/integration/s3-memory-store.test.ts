// The port memory in S3 against a real moto_server: missing -> saved -> loaded back; a versioned bucket keeps
// history; a corrupted object is reported (not thrown) so the run rebuilds; keys are fixed per VPC.

import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { CreateBucketCommand, GetObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { adoptUnattributed, portsOf, updateMemory } from '../../src/audit/known-ports.js';
import { memoryObjectKey, S3MemoryStore } from '../../src/state/s3-memory-store.js';
import { startMoto, TEST_AWS_ENV, type MotoServer } from '../support/moto.js';
import { oneUnit, portRow } from '../support/report-fixtures.js';

const BUCKET = 'vpc-port-audit-flowlogs-123456789012';
let moto: MotoServer;
let s3: S3Client;

beforeAll(async () => {
  moto = await startMoto();
  s3 = new S3Client({
    endpoint: moto.endpoint,
    forcePathStyle: true,
    region: TEST_AWS_ENV.AWS_REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
});
afterAll(async () => {
  s3.destroy();
  await moto.stop();
});
beforeEach(async () => {
  await moto.reset();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
});

describe('S3MemoryStore', () => {
  test('reports a missing memory, then loads back exactly what it saved, keeping every version', async () => {
    const store = new S3MemoryStore(s3, BUCKET, 'vpc-0abc1234');
    expect(store.location).toBe(`s3://${BUCKET}/vpc-port-audit/state/vpc-0abc1234/known-ports.json`);
    expect(await store.load()).toEqual({ status: 'missing' });

    const first = updateMemory(undefined, 'vpc-0abc1234', oneUnit([portRow(443, 6, 900)]), new Set(), new Date('2026-11-01T00:00:00Z'));
    await store.save(first);
    const second = updateMemory(first, 'vpc-0abc1234', oneUnit([portRow(443, 6, 950), portRow(22, 6, 4)]), new Set(['22/tcp']), new Date('2026-11-02T00:00:00Z'));
    await store.save(second);

    const loaded = await store.load();
    expect(loaded).toEqual({ status: 'ok', memory: second, warnings: [] });
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: memoryObjectKey('vpc-0abc1234') }));
    expect(versions.Versions).toHaveLength(2);
  });

  test('a corrupted object is reported as corrupt, naming where it is and what is wrong', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: memoryObjectKey('vpc-0abc1234'), Body: '{"version": 7}' }));
    const loaded = await new S3MemoryStore(s3, BUCKET, 'vpc-0abc1234').load();
    expect(loaded.status).toBe('corrupt');
    expect(loaded.status === 'corrupt' && loaded.problem).toMatch(/s3:\/\/.*known-ports\.json is unusable: its version is 7, expected 3 \(or 1 or 2, which are migrated\)/);
  });

  test('a version-1 object in S3 loads migrated (ports kept, no trend yet) and is saved back as version 3', async () => {
    const at = '2026-11-01T00:00:00.000Z';
    const v1 = { version: 1, key: 'vpc-0abc1234', updatedAt: at, ports: { '443/tcp': { port: 443, protocol: 6, firstSeen: at, lastSeen: at, flows: 9, bytes: 90, samplePeers: [] } } };
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: memoryObjectKey('vpc-0abc1234'), Body: JSON.stringify(v1) }));
    const store = new S3MemoryStore(s3, BUCKET, 'vpc-0abc1234');
    const loaded = await store.load();
    expect(loaded).toMatchObject({ status: 'ok', warnings: [] });
    if (loaded.status !== 'ok') return;
    expect(portsOf(loaded.memory).get('443/tcp')).toEqual({ ...v1.ports['443/tcp'], history: [] });
    await store.save(loaded.memory);
    const stored = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: memoryObjectKey('vpc-0abc1234') }));
    expect(JSON.parse(await stored.Body!.transformToString()).version).toBe(3);
  });

  test('a version-2 object in S3 migrates into the unit of nulls, a run that attributes its one VPC takes it over, and it is saved back as version 3', async () => {
    const at = '2026-11-01T00:00:00.000Z';
    const window = { start: '2026-10-31T00:00:00.000Z', end: at };
    const port = (n: number, reported?: string) => ({ port: n, protocol: 6, firstSeen: at, lastSeen: at, flows: 9, bytes: 90, samplePeers: ['203.0.113.10'], ...(reported ? { reported } : {}), history: [{ ...window, connections: 9 }] });
    const v2 = { version: 2, key: 'vpc-0abc1234', updatedAt: at, ports: { '443/tcp': port(443), '22/tcp': port(22, at) }, volumes: [{ ...window, records: 18, bytes: 180 }], trackingIssue: 7 };
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: memoryObjectKey('vpc-0abc1234'), Body: JSON.stringify(v2) }));
    const store = new S3MemoryStore(s3, BUCKET, 'vpc-0abc1234');
    const loaded = await store.load();
    expect(loaded).toMatchObject({ status: 'ok', warnings: [] });
    if (loaded.status !== 'ok') return;
    expect([...loaded.memory.units.keys()]).toEqual(['-/-/-']);
    expect(Object.fromEntries(portsOf(loaded.memory))).toEqual(v2.ports);
    expect(loaded.memory).toMatchObject({ version: 3, volumes: v2.volumes, trackingIssue: 7 });

    // The run attributes its traffic to its one VPC: the old ports are that unit's, 22/tcp still reported.
    const vpc = { account: '123456789012', region: 'eu-west-1', vpcId: 'vpc-0abc1234' };
    const { memory: adopted } = adoptUnattributed(loaded.memory, [vpc]);
    const next = updateMemory(adopted, 'vpc-0abc1234', [{ unit: vpc, rows: [portRow(443, 6, 950), portRow(8333, 6, 3)], portsLeftOut: 0 }], new Set(), new Date('2026-11-02T00:00:00Z'));
    await store.save(next);
    const stored = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: memoryObjectKey('vpc-0abc1234') }))).Body!.transformToString());
    expect(stored.version).toBe(3);
    expect(Object.keys(stored.units)).toEqual(['123456789012/eu-west-1/vpc-0abc1234']);
    expect(stored.units['123456789012/eu-west-1/vpc-0abc1234']).toMatchObject({ account: '123456789012', region: 'eu-west-1', vpcId: 'vpc-0abc1234' });
    expect(Object.keys(stored.units['123456789012/eu-west-1/vpc-0abc1234'].ports).sort()).toEqual(['22/tcp', '443/tcp', '8333/tcp']);
    expect(stored.units['123456789012/eu-west-1/vpc-0abc1234'].ports['22/tcp'].reported).toBe(at);
    expect(await store.load()).toEqual({ status: 'ok', memory: next, warnings: [] });
  });

  test('each VPC has its own key, and a memory of another VPC is not accepted', async () => {
    const memory = updateMemory(undefined, 'vpc-0abc1234', oneUnit([portRow(443, 6, 900)]), new Set(), new Date('2026-11-01T00:00:00Z'));
    await new S3MemoryStore(s3, BUCKET, 'vpc-0abc1234').save(memory);
    expect(await new S3MemoryStore(s3, BUCKET, 'vpc-0def5678').load()).toEqual({ status: 'missing' });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: memoryObjectKey('vpc-0def5678'), Body: JSON.stringify(memory) }));
    const other = await new S3MemoryStore(s3, BUCKET, 'vpc-0def5678').load();
    expect(other.status === 'corrupt' && other.problem).toMatch(/belongs to "vpc-0abc1234"/);
    expect(() => memoryObjectKey('../escape')).toThrow(/may only contain/);
  });

  test('other S3 errors are not mistaken for a missing memory', async () => {
    await expect(new S3MemoryStore(s3, 'no-such-bucket-123', 'vpc-0abc1234').load()).rejects.toThrow(/bucket/i);
  });
});
