// Checks anchors in the immutable store their receipts name: the fs directory recorded, or the
// recorded bucket through the configured S3 endpoint and credentials. Stores are opened once
// per location and closed with close().
import type { StorageFinding } from '../domain/merkle/anchor-records.ts';
import type { AnchorRecord } from '../domain/merkle/anchor-records.ts';
import type { AnchorStore } from '../adapters/storage/anchor-store.ts';
import { FsAnchorStore } from '../adapters/storage/fs-store.ts';
import { S3AnchorStore } from '../adapters/storage/s3-store.ts';
import type { AnchorStoreOptions } from '../adapters/storage/store-options.ts';
import { DEFAULT_RETENTION_DAYS } from '../adapters/storage/store-options.ts';

export class StorageInspector {
  readonly #configured: AnchorStoreOptions;
  readonly #stores = new Map<string, Promise<AnchorStore>>();

  constructor(configured: AnchorStoreOptions) {
    this.#configured = configured;
  }

  readonly inspect = async (anchor: AnchorRecord): Promise<StorageFinding | null> => {
    const { kind, location } = anchor.storage;
    const id = `${kind}:${location}`;
    let store = this.#stores.get(id);
    if (store === undefined) {
      store = this.#open(anchor);
      this.#stores.set(id, store);
    }
    return (await store).inspect(anchor.storage);
  };

  async close(): Promise<void> {
    for (const store of this.#stores.values()) await store.then((s) => s.close(), () => undefined);
  }

  async #open(anchor: AnchorRecord): Promise<AnchorStore> {
    if (anchor.storage.kind === 'fs') return new FsAnchorStore(anchor.storage.location);
    const bucket = anchor.storage.location.replace(/^s3:\/\//, '');
    const s3 = this.#configured.kind === 's3' ? this.#configured : { region: 'us-east-1', prefix: '', retentionDays: DEFAULT_RETENTION_DAYS };
    return S3AnchorStore.open({ ...s3, bucket });
  }
}
