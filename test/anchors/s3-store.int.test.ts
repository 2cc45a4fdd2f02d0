// S3 with Object Lock, against moto's server (it enforces Object Lock) started on a free port:
// a published anchor version cannot be deleted, and a version added under its key is detected,
// by the store and by a live audit of an anchorer that publishes to S3.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTenantLive } from '../../audit/audit-live.ts';
import { StorageInspector } from '../../audit/storage-inspector.ts';
import { LOCAL_S3_CREDENTIALS, type LocalS3State, localS3Client, startLocalS3, stopLocalS3 } from '../../deploy/s3/local-s3.ts';
import { S3AnchorStore, type S3StoreOptions } from '../../adapters/storage/s3-store.ts';
import { chainedEvents } from '../audit/fixtures/events.ts';
import { AnchorHarness } from './support/harness.ts';

const TENANT = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
const DAY_MS = 86_400_000;
let s3: LocalS3State;
const dataDir = mkdtempSync(join(tmpdir(), 'palisade-s3-'));

beforeAll(async () => {
  s3 = await startLocalS3({ dataDir });
});
afterAll(async () => {
  await stopLocalS3({ dataDir });
  rmSync(dataDir, { recursive: true, force: true });
});

function options(bucket = s3.bucket): S3StoreOptions {
  return { bucket, prefix: `t${Date.now()}/`, region: s3.region, endpoint: s3.endpoint, retentionDays: 3, credentials: LOCAL_S3_CREDENTIALS };
}

const note = (n: number) => Buffer.from(`palisade.test/anchors\n${n}\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n`);

describe('S3AnchorStore on a bucket with Object Lock (moto)', () => {
  it('refuses a bucket without Object Lock', async () => {
    const client = localS3Client(s3.endpoint);
    await client.send(new CreateBucketCommand({ Bucket: 'no-lock' }));
    client.destroy();
    await expect(S3AnchorStore.open(options('no-lock'))).rejects.toMatchObject({ code: 'OBJECT_LOCK_DISABLED' });
  });

  it('writes in COMPLIANCE mode with a retention date and a SHA-256 checksum; the version cannot be deleted', async () => {
    const store = await S3AnchorStore.open(options());
    const key = store.keyOf(1);
    const receipt = await store.publish(key, note(1));
    expect(receipt).toMatchObject({ kind: 's3', location: `s3://${s3.bucket}`, key, versionId: expect.any(String) });
    const client = localS3Client(s3.endpoint);
    const head = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key, VersionId: receipt.versionId!, ChecksumMode: 'ENABLED' }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(head.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThan(Date.now() + 2 * DAY_MS);
    expect(head.ChecksumSHA256).toBe(Buffer.from(receipt.sha256, 'hex').toString('base64'));
    await expect(client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key, VersionId: receipt.versionId! }))).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(await store.inspect(receipt)).toBeNull();
    client.destroy();
    await store.close();
  });

  it('returns the original receipt for the same bytes (no second version) and refuses other bytes', async () => {
    const store = await S3AnchorStore.open(options());
    const first = await store.publish(store.keyOf(2), note(2));
    expect(await store.publish(store.keyOf(2), note(2))).toEqual(first);
    await expect(store.publish(store.keyOf(2), note(3))).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await store.inspect(first)).toBeNull();
    await store.close();
  });

  it('detects a version added under an anchor\'s key, and a delete marker', async () => {
    const store = await S3AnchorStore.open(options());
    const client = localS3Client(s3.endpoint);
    const a = await store.publish(store.keyOf(4), note(4));
    const added = await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: a.key, Body: note(5), ChecksumAlgorithm: 'SHA256', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date(Date.now() + DAY_MS) }));
    expect(await store.inspect(a)).toMatchObject({ code: 'STORAGE_EXTRA_VERSION', actual: `version ${added.VersionId}` });
    const b = await store.publish(store.keyOf(6), note(6));
    const marker = await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: b.key }));
    expect(await store.inspect(b)).toMatchObject({ code: 'STORAGE_EXTRA_VERSION', actual: `delete marker ${marker.VersionId}` });
    expect(await store.inspect({ ...b, versionId: 'no-such-version' })).toMatchObject({ code: 'STORAGE_MISSING' });
    client.destroy();
    await store.close();
  });
});

describe('the anchorer publishing to S3', () => {
  it('anchors into the locked bucket; a live audit holds, then names the version an attacker added', async () => {
    const store = { kind: 's3' as const, ...options() };
    const h = await AnchorHarness.create({ store });
    try {
      await h.produce(chainedEvents(TENANT, 4));
      const anchorer = await h.anchorer();
      await h.consumed(anchorer, TENANT, 4);
      await anchorer.checkpointNow();
      await anchorer.published();
      const row = (await h.pool.query<{ storage_version_id: string; storage_key: string; state: string }>('select storage_version_id, storage_key, state from anchors.anchors')).rows[0]!;
      expect(row).toMatchObject({ state: 'published', storage_version_id: expect.any(String), storage_key: `${store.prefix}000000000001.note` });
      const inspector = new StorageInspector(store);
      const deps = { kafka: h.kafka, eventsTopic: h.topics.events, pool: h.pool, pinnedKeys: [h.verifierKey], inspectStorage: inspector.inspect };
      expect(await auditTenantLive(deps, TENANT)).toMatchObject({ ok: true, events: 4, checkpoints: { verified: 1 } });

      const client = localS3Client(s3.endpoint);
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: row.storage_key, Body: Buffer.from('forged'), ChecksumAlgorithm: 'SHA256', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date(Date.now() + DAY_MS) }));
      client.destroy();
      expect((await auditTenantLive(deps, TENANT)).failure).toMatchObject({
        code: 'STORAGE_EXTRA_VERSION', anchorSeq: 1, checkpointSize: 4, message: expect.stringContaining('another object was written under the anchor\'s key'),
      });
      await inspector.close();
    } finally {
      await h.close();
    }
  });
});
