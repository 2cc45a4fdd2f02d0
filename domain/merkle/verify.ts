// Proof verification as specified in RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency),
// which verify the RFC 6962 proofs without rebuilding any tree. Each `rootFrom…` function
// returns the root(s) a proof leads to, or null when the proof cannot belong to those sizes
// (wrong length, index out of range), so callers can report what the proof led to.
import { HASH_BYTES, nodeHash } from './hash.ts';
import { half, isOdd } from './sizes.ts';

/** RFC 9162 §2.1.3.2: the root that `proof` leads to from leaf `index` of a tree of `size`. */
export function rootFromInclusionProof(leafHash: Buffer, index: number, size: number, proof: readonly Buffer[]): Buffer | null {
  if (!isValidIndex(index, size) || !proof.every(isHash)) return null;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return null;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      // Skip the levels where this node is a left child with no right sibling (right edge).
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : null;
}

export function verifyInclusion(leafHash: Buffer, index: number, size: number, proof: readonly Buffer[], root: Buffer): boolean {
  const computed = rootFromInclusionProof(leafHash, index, size, proof);
  return computed !== null && computed.equals(root);
}

/**
 * RFC 9162 §2.1.4.2: the (old, new) roots that `proof` leads to, given the old root. A size-0
 * old tree is consistent with every tree (empty proof); equal sizes need an empty proof.
 */
export function rootsFromConsistencyProof(
  oldSize: number,
  newSize: number,
  oldRoot: Buffer,
  proof: readonly Buffer[],
): { oldRoot: Buffer; newRoot: Buffer | null } | null {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize) return null;
  if (!proof.every(isHash)) return null;
  if (oldSize === 0) return proof.length === 0 ? { oldRoot, newRoot: null } : null;
  if (oldSize === newSize) return proof.length === 0 ? { oldRoot, newRoot: oldRoot } : null;
  if (proof.length === 0) return null;
  // When the old size is a power of two, the old root is itself a node of the new tree and the
  // proof omits it (RFC 9162 §2.1.4.2 step 2).
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return null;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? { oldRoot: fr, newRoot: sr } : null;
}

/** True when the tree (newSize, newRoot) extends the tree (oldSize, oldRoot): history was only appended to. */
export function verifyConsistency(oldSize: number, newSize: number, oldRoot: Buffer, newRoot: Buffer, proof: readonly Buffer[]): boolean {
  const roots = rootsFromConsistencyProof(oldSize, newSize, oldRoot, proof);
  if (roots === null) return false;
  if (oldSize === 0) return true;
  return roots.oldRoot.equals(oldRoot) && roots.newRoot !== null && roots.newRoot.equals(newRoot);
}

function isValidIndex(index: number, size: number): boolean {
  return Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size;
}

function isHash(value: unknown): value is Buffer {
  return Buffer.isBuffer(value) && value.length === HASH_BYTES;
}

function isPowerOfTwo(n: number): boolean {
  let p = 1;
  while (p < n) p *= 2;
  return p === n;
}
