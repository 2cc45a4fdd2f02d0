// Index arithmetic shared by the tree, the proofs and the compact range. Tree sizes are plain
// numbers (safe integers, far beyond any tenant's event count) and never use 32-bit bitwise
// operators, which would wrap at 2^31.
import { MerkleError } from './errors.ts';

/** A half-open range of leaf indices [start, end). */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

/** The k of RFC 6962 §2.1: the largest power of two smaller than n (n > 1). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The largest power of two dividing `index` (Infinity for 0): the biggest aligned subtree starting there. */
export function alignmentOf(index: number): number {
  if (index === 0) return Infinity;
  let p = 1;
  while (index % (p * 2) === 0) p *= 2;
  return p;
}

export function isOdd(n: number): boolean {
  return n % 2 === 1;
}

export function half(n: number): number {
  return Math.floor(n / 2);
}

export function assertSize(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new MerkleError('INVALID_SIZE', `${what} must be a non-negative safe integer, got ${n}`);
}

/**
 * True when [start, end) is a subtree of every RFC 6962 tree that contains it: start is aligned
 * to a power of two at least as large as the range. Only such ranges have an MTH that a compact
 * range can produce (every range of an inclusion or consistency proof is one).
 */
export function isSubtreeRange(range: LeafRange): boolean {
  const size = range.end - range.start;
  if (size <= 0) return false;
  let p = 1;
  while (p < size) p *= 2;
  return range.start % p === 0;
}

/**
 * The maximal aligned subtrees covering [begin, end), left to right: sizes first grow (the part
 * left of the highest split inside the range), then shrink. These are the nodes a compact range
 * keeps (transparency-dev/merkle "compact ranges").
 */
export function decompose(begin: number, end: number): LeafRange[] {
  const nodes: LeafRange[] = [];
  let at = begin;
  while (at < end) {
    let size = alignmentOf(at);
    while (size > end - at) size = size === Infinity ? largestPowerOfTwoAtMost(end - at) : size / 2;
    nodes.push({ start: at, end: at + size });
    at += size;
  }
  return nodes;
}

function largestPowerOfTwoAtMost(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}
