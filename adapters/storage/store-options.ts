// Which immutable store anchors go to (deploy/config/anchor-store.ts reads it from the
// environment), and opening it.
import type { AnchorStore } from './anchor-store.ts';
import { FsAnchorStore } from './fs-store.ts';
import { S3AnchorStore, type S3StoreOptions } from './s3-store.ts';

export type AnchorStoreOptions = { readonly kind: 'fs'; readonly dir: string } | ({ readonly kind: 's3' } & S3StoreOptions);

/** COMPLIANCE retention of an s3 store: 7 years. */
export const DEFAULT_RETENTION_DAYS = 2555;

/** Opens the store; s3 refuses a bucket without Object Lock. */
export async function openAnchorStore(options: AnchorStoreOptions): Promise<AnchorStore> {
  return options.kind === 'fs' ? FsAnchorStore.open(options.dir) : S3AnchorStore.open(options);
}
