// Public surface of domain/merkle/ (see README.md).
export { type MerkleErrorCode, MerkleError } from './errors.ts';
export { HASH_BYTES, EMPTY_TREE_ROOT, leafHash, nodeHash } from './hash.ts';
export { type LeafRange, isSubtreeRange, decompose } from './sizes.ts';
export { inclusionRanges, consistencyRanges } from './proof-ranges.ts';
export { merkleRoot, inclusionProof, consistencyProof } from './tree.ts';
export { rootFromInclusionProof, verifyInclusion, rootsFromConsistencyProof, verifyConsistency } from './verify.ts';
export { CompactRange, compactRangeLength } from './compact-range.ts';
export { ProofCollector } from './proof-collector.ts';
export {
  type TenantCheckpoint, type AnchorText,
  AnchorTree, checkpointLeafInput, checkpointLeafHash, anchorNoteText, parseAnchorNoteText,
} from './anchor.ts';
