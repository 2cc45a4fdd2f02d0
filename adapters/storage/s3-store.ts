// Anchors in S3 with Object Lock in COMPLIANCE mode: until the retention date nobody, the root
// account included, can delete or overwrite a locked object version. A locked bucket is
// versioned, so a second PUT to an anchor's key does not fail: it ADDS a version. Hence the
// receipt records the VersionId and SHA-256 written, verifiers read that exact version, and any
// other version (or delete marker) under the key is reported as tampering.
import {
  GetObjectCommand, GetObjectLockConfigurationCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import type { StorageFinding, StorageReceipt } from '../../domain/merkle/anchor-records.ts';
import { sha256 } from '../../domain/chain/sha256.ts';
import { type AnchorStore, anchorFileName } from './anchor-store.ts';
import { AnchorStoreError } from './errors.ts';

export interface S3StoreOptions {
  readonly bucket: string;
  /** Key prefix, e.g. "anchors/". */
  readonly prefix: string;
  readonly region: string;
  /** A non-AWS endpoint (moto, MinIO); path-style addressing is used with it. */
  readonly endpoint?: string;
  readonly retentionDays: number;
  /** Explicit credentials (the local stack's); otherwise the AWS SDK's default chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

const DAY_MS = 24 * 60 * 60 * 1000;

export class S3AnchorStore implements AnchorStore {
  readonly kind = 's3' as const;
  readonly location: string;
  readonly #client: S3Client;
  readonly #options: S3StoreOptions;

  private constructor(client: S3Client, options: S3StoreOptions) {
    this.#client = client;
    this.#options = options;
    this.location = `s3://${options.bucket}`;
  }

  /** Connects and refuses a bucket without Object Lock (anchors there could be deleted). */
  static async open(options: S3StoreOptions): Promise<S3AnchorStore> {
    const client = new S3Client({
      region: options.region,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint, forcePathStyle: true }),
      ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } }),
    });
    const store = new S3AnchorStore(client, options);
    try {
      await store.#requireObjectLock();
    } catch (error) {
      client.destroy();
      throw error;
    }
    return store;
  }

  keyOf(seq: number): string {
    return `${this.#options.prefix}${anchorFileName(seq)}`;
  }

  async publish(key: string, bytes: Buffer): Promise<StorageReceipt> {
    const digest = sha256(bytes);
    const receipt = (versionId: string): StorageReceipt => ({ kind: 's3', location: this.location, key, versionId, sha256: digest.toString('hex') });
    // A restart may find its own earlier PUT: adopt it rather than add a second version.
    const existing = await this.#versionsOf(key);
    if (existing.length > 0) {
      const only = existing.length === 1 && !existing[0]!.deleteMarker ? existing[0]! : undefined;
      if (only !== undefined && sha256(await this.#read(key, only.versionId)).equals(digest)) return receipt(only.versionId);
      throw new AnchorStoreError('CONFLICT', `${this.location}/${key} already holds ${existing.length} other version(s); a published anchor is never overwritten`);
    }
    const retainUntil = new Date(Date.now() + this.#options.retentionDays * DAY_MS);
    const put = await this.#call(`put ${key}`, () =>
      this.#client.send(new PutObjectCommand({
        Bucket: this.#options.bucket, Key: key, Body: bytes, ContentType: 'text/plain; charset=utf-8',
        ChecksumAlgorithm: 'SHA256', ChecksumSHA256: digest.toString('base64'),
        ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: retainUntil,
      })),
    );
    if (put.VersionId === undefined) throw new AnchorStoreError('OBJECT_LOCK_DISABLED', `${this.location} returned no VersionId: the bucket is not versioned`);
    if (put.ChecksumSHA256 !== undefined && put.ChecksumSHA256 !== digest.toString('base64')) {
      throw new AnchorStoreError('UNAVAILABLE', `${this.location}/${key}: S3 stored SHA-256 ${put.ChecksumSHA256}, not ${digest.toString('base64')}`);
    }
    return receipt(put.VersionId);
  }

  async inspect(receipt: StorageReceipt): Promise<StorageFinding | null> {
    if (receipt.versionId === null) return { code: 'STORAGE_MISSING', expected: 'a VersionId', actual: 'none recorded', detail: 'the receipt names no S3 version' };
    let bytes: Buffer;
    try {
      bytes = await this.#read(receipt.key, receipt.versionId);
    } catch (error) {
      if (isNotFound(error)) return { code: 'STORAGE_MISSING', expected: `version ${receipt.versionId}`, actual: 'not found', detail: `version ${receipt.versionId} of ${receipt.key} is not in ${this.location}` };
      throw error;
    }
    const actual = sha256(bytes).toString('hex');
    if (actual !== receipt.sha256) {
      return { code: 'STORAGE_MISMATCH', expected: receipt.sha256, actual, detail: `version ${receipt.versionId} has SHA-256 ${actual.slice(0, 12)}…, not the published ${receipt.sha256.slice(0, 12)}…` };
    }
    const others = (await this.#versionsOf(receipt.key)).filter((v) => v.versionId !== receipt.versionId);
    if (others.length > 0) {
      const list = others.map((v) => `${v.deleteMarker ? 'delete marker' : 'version'} ${v.versionId}`).join(', ');
      return { code: 'STORAGE_EXTRA_VERSION', expected: `only version ${receipt.versionId}`, actual: list, detail: `another object was written under the anchor's key (${list}): tampering` };
    }
    return null;
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  async #requireObjectLock(): Promise<void> {
    const bucket = this.#options.bucket;
    let enabled: string | undefined;
    try {
      const response = await this.#client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
      enabled = response.ObjectLockConfiguration?.ObjectLockEnabled;
    } catch (error) {
      if ((error as { name?: string }).name !== 'ObjectLockConfigurationNotFoundError') throw unavailable(`check Object Lock on ${bucket}`, error);
    }
    if (enabled !== 'Enabled') {
      throw new AnchorStoreError(
        'OBJECT_LOCK_DISABLED',
        `bucket ${bucket} does not have Object Lock enabled, so anchors there could be deleted; use a bucket created with Object Lock ` +
          '(aws s3api create-bucket --object-lock-enabled-for-bucket) or PALISADE_ANCHOR_STORE=fs',
      );
    }
  }

  async #read(key: string, versionId: string): Promise<Buffer> {
    const response = await this.#client.send(new GetObjectCommand({ Bucket: this.#options.bucket, Key: key, VersionId: versionId }));
    if (response.Body === undefined) return Buffer.alloc(0);
    return Buffer.from(await response.Body.transformToByteArray());
  }

  /** Every version and delete marker stored under exactly `key`. */
  async #versionsOf(key: string): Promise<{ versionId: string; deleteMarker: boolean }[]> {
    const found: { versionId: string; deleteMarker: boolean }[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (;;) {
      const page = await this.#call(`list versions of ${key}`, () =>
        this.#client.send(new ListObjectVersionsCommand({ Bucket: this.#options.bucket, Prefix: key, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker })),
      );
      for (const v of page.Versions ?? []) if (v.Key === key && v.VersionId) found.push({ versionId: v.VersionId, deleteMarker: false });
      for (const m of page.DeleteMarkers ?? []) if (m.Key === key && m.VersionId) found.push({ versionId: m.VersionId, deleteMarker: true });
      if (!page.IsTruncated) return found;
      keyMarker = page.NextKeyMarker;
      versionIdMarker = page.NextVersionIdMarker;
    }
  }

  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw unavailable(what, error);
    }
  }
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return name === 'NoSuchKey' || name === 'NoSuchVersion' || status === 404;
}

function unavailable(what: string, cause: unknown): AnchorStoreError {
  return new AnchorStoreError('UNAVAILABLE', `anchor store: ${what}: ${(cause as Error).message}`, { cause });
}
