// The records an auditor verifies, in the one shape shared by Postgres rows, the export bundle
// (checkpoints.jsonl, anchors/index.jsonl) and the verifiers: hashes as lowercase hex, sizes as
// numbers. Producing them is the anchorer's job (projections/anchors); checking them is audit/'s.

/** What immutable storage showed for one anchor, when it is not exactly the recorded object. */
export interface StorageFinding {
  readonly code: 'STORAGE_MISSING' | 'STORAGE_MISMATCH' | 'STORAGE_EXTRA_VERSION';
  readonly expected: string;
  readonly actual: string;
  readonly detail: string;
}

/** Where an anchor was written, as recorded when it was published. */
export interface StorageReceipt {
  readonly kind: 'fs' | 's3';
  /** The write-once directory (fs) or the bucket (s3); informational. */
  readonly location: string;
  readonly key: string;
  /** The S3 object version that was written; null for fs. Any other version is tampering. */
  readonly versionId: string | null;
  /** Lowercase hex SHA-256 of the note bytes. */
  readonly sha256: string;
}

/** One signed global anchor. */
export interface AnchorRecord {
  readonly seq: number;
  /** The C2SP signed note, exactly as published. */
  readonly note: string;
  readonly storage: StorageReceipt;
}

/** One tenant checkpoint with its proofs (docs/spec.md "Merkle trees and anchors"). */
export interface CheckpointRecord {
  readonly tenantId: string;
  /** Tree size: the checkpoint covers seq 1..size. */
  readonly size: number;
  /** RFC 6962 root over the event hashes, lowercase hex. */
  readonly root: string;
  /** The anchor that first included this checkpoint. */
  readonly anchorSeq: number;
  /** This checkpoint's leaf index in that anchor's tree, and the inclusion proof (RFC 6962 §2.1.1). */
  readonly leafIndex: number;
  readonly inclusion: readonly string[];
  /** The previous checkpoint's size (0 for the first) and the consistency proof from it (RFC 6962 §2.1.2). */
  readonly previousSize: number;
  readonly consistency: readonly string[];
}
