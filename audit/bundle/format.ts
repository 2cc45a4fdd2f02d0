// The export bundle (`palisade audit export`), a directory an auditor can verify with nothing
// but `palisade-verify` (or their own tools, following README.md in the bundle):
//   README.md                 for the auditor: the format and the checks
//   manifest.json             format, tenant, counts, head
//   events.jsonl              one event per line with its hash (format of the golden vectors)
//   checkpoints.jsonl         one CheckpointRecord per line, in size order, with its proofs
//   anchors/index.jsonl       one line per anchor: seq, file, storage receipt
//   anchors/<seq>.note        the signed anchors, byte for byte as published
//   keys/anchor-keys.txt      C2SP verifier key strings of the anchor signing keys
import type { StorageReceipt } from '../../domain/merkle/anchor-records.ts';

export const BUNDLE_FORMAT = 'palisade-audit-bundle/1';

export const BUNDLE_FILES = {
  readme: 'README.md',
  manifest: 'manifest.json',
  events: 'events.jsonl',
  checkpoints: 'checkpoints.jsonl',
  anchorIndex: 'anchors/index.jsonl',
  anchorsDir: 'anchors',
  keys: 'keys/anchor-keys.txt',
} as const;

export interface BundleManifest {
  readonly format: typeof BUNDLE_FORMAT;
  readonly tenantId: string;
  readonly exportedAt: string;
  readonly events: number;
  /** The last exported event; events after the latest checkpoint are verified by the chain only. */
  readonly head: { readonly seq: number; readonly hash: string };
  readonly checkpoints: number;
  readonly anchors: number;
  readonly origin: string | null;
}

/** One line of anchors/index.jsonl. */
export interface AnchorIndexLine {
  readonly seq: number;
  readonly file: string;
  readonly storage: StorageReceipt;
}

export function anchorNoteFile(seq: number): string {
  return `${BUNDLE_FILES.anchorsDir}/${String(seq).padStart(12, '0')}.note`;
}
