// WHICH subtrees make up a proof, as leaf ranges, separate from HOW their hashes are obtained
// (from all leaves in memory, a streaming pass, or compact ranges). The order of the ranges is
// the order of the hashes in the proof.
import { assertSize, splitPoint, type LeafRange } from './sizes.ts';
import { MerkleError } from './errors.ts';

/**
 * RFC 6962 §2.1.1 PATH(m, D[n]): the siblings on the way from leaf `index` up to the root of a
 * tree of `size` leaves, deepest first.
 *   PATH(0, {d0}) = {}
 *   PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])      for m < k
 *   PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k])  for m >= k
 */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  assertSize(index, 'leaf index');
  assertSize(size, 'tree size');
  if (index >= size) throw new MerkleError('INVALID_SIZE', `leaf index ${index} is not in a tree of size ${size}`);
  const topDown: LeafRange[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      topDown.push({ start: start + k, end });
      end = start + k;
    } else {
      topDown.push({ start, end: start + k });
      start += k;
    }
  }
  return topDown.reverse();
}

/**
 * RFC 6962 §2.1.2 PROOF(m, D[n]) = SUBPROOF(m, D[n], true), deepest first:
 *   SUBPROOF(m, D[m], true)  = {}
 *   SUBPROOF(m, D[m], false) = {MTH(D[m])}
 *   SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])          for m <= k
 *   SUBPROOF(m, D[n], b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])  for m > k
 * Empty when m = n, and when m = 0 (every tree extends the empty one).
 */
export function consistencyRanges(oldSize: number, newSize: number): LeafRange[] {
  assertSize(oldSize, 'old tree size');
  assertSize(newSize, 'new tree size');
  if (oldSize > newSize) throw new MerkleError('INVALID_SIZE', `old tree size ${oldSize} is larger than the new one, ${newSize}`);
  if (oldSize === 0 || oldSize === newSize) return [];
  const topDown: LeafRange[] = [];
  let start = 0;
  let end = newSize;
  let complete = true; // the b of SUBPROOF: false once the old tree's root is no longer a node here
  while (oldSize !== end) {
    const k = splitPoint(end - start);
    if (oldSize <= start + k) {
      topDown.push({ start: start + k, end });
      end = start + k;
    } else {
      topDown.push({ start, end: start + k });
      start += k;
      complete = false;
    }
  }
  if (!complete) topDown.push({ start, end });
  return topDown.reverse();
}
