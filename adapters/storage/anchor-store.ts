// Immutable storage for signed anchors, behind one small interface (docs/spec.md "Merkle trees and
// anchors"): a write-once local directory by default, or S3 with Object Lock in COMPLIANCE mode.
// Neither store can overwrite or delete a published anchor; `inspect` is how verifiers check
// that the recorded object is still there, byte for byte, and alone under its key.
import type { StorageFinding, StorageReceipt } from '../../domain/merkle/anchor-records.ts';

export interface AnchorStore {
  readonly kind: StorageReceipt['kind'];
  /** The directory (fs) or `s3://bucket` (s3). */
  readonly location: string;
  /** The object key of anchor `seq` (zero-padded, so keys sort in anchor order). */
  keyOf(seq: number): string;
  /**
   * Writes `bytes` under `key` once. Publishing the same bytes again returns the original
   * receipt (so a restarted anchorer can finish a publication); other bytes are a CONFLICT.
   */
  publish(key: string, bytes: Buffer): Promise<StorageReceipt>;
  /** null when storage holds exactly the receipt's object and nothing else under its key. */
  inspect(receipt: StorageReceipt): Promise<StorageFinding | null>;
  close(): Promise<void>;
}

export function anchorFileName(seq: number): string {
  return `${String(seq).padStart(12, '0')}.note`;
}
