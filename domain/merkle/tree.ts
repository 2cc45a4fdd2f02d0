// RFC 6962 §2.1 Merkle Tree Hash over leaf hashes held in memory, and the proofs it yields.
// For a few thousand leaves (the global anchor's tenant checkpoints, tests). Streams of events
// use CompactRange and ProofCollector instead.
import { EMPTY_TREE_ROOT, nodeHash } from './hash.ts';
import { consistencyRanges, inclusionRanges } from './proof-ranges.ts';
import { splitPoint, type LeafRange } from './sizes.ts';

/** MTH(D[start:end]) where `leafHashes` are the leaf hashes (not the leaf inputs). */
export function merkleRoot(leafHashes: readonly Buffer[], range: LeafRange = { start: 0, end: leafHashes.length }): Buffer {
  const n = range.end - range.start;
  if (n === 0) return EMPTY_TREE_ROOT;
  if (n === 1) return leafHashes[range.start]!;
  const k = splitPoint(n);
  return nodeHash(
    merkleRoot(leafHashes, { start: range.start, end: range.start + k }),
    merkleRoot(leafHashes, { start: range.start + k, end: range.end }),
  );
}

export function inclusionProof(leafHashes: readonly Buffer[], index: number): Buffer[] {
  return inclusionRanges(index, leafHashes.length).map((range) => merkleRoot(leafHashes, range));
}

/** The consistency proof from the tree of the first `oldSize` leaves to the tree of all of them. */
export function consistencyProof(leafHashes: readonly Buffer[], oldSize: number): Buffer[] {
  return consistencyRanges(oldSize, leafHashes.length).map((range) => merkleRoot(leafHashes, range));
}
