// A compact range (transparency-dev/merkle's "compact ranges"): the hashes of the maximal
// aligned subtrees covering leaves [begin, end), O(log n) of them. Appending a leaf merges
// completed siblings, so a tenant's tree is kept up to date with a few hashes per event, never
// all leaves in memory. With begin = 0 it yields the root; with any begin it yields the hash of
// every proof subtree lying inside it, which is how the anchorer builds a consistency proof from
// the range at the previous checkpoint plus the range of leaves appended since.
import { EMPTY_TREE_ROOT, assertHash, nodeHash } from './hash.ts';
import { MerkleError } from './errors.ts';
import { assertSize, decompose, half, isOdd, isSubtreeRange, type LeafRange } from './sizes.ts';

export class CompactRange {
  readonly begin: number;
  #end: number;
  /** Node hashes, left to right, one per range of decompose(begin, end). */
  #hashes: Buffer[];

  private constructor(begin: number, end: number, hashes: Buffer[]) {
    this.begin = begin;
    this.#end = end;
    this.#hashes = hashes;
  }

  /** An empty range starting at leaf `begin` (0 for a whole tree). */
  static empty(begin = 0): CompactRange {
    assertSize(begin, 'range begin');
    return new CompactRange(begin, begin, []);
  }

  /** Rebuilds a stored range; the hash count must match its bounds. */
  static fromHashes(begin: number, end: number, hashes: readonly Buffer[]): CompactRange {
    assertSize(begin, 'range begin');
    assertSize(end, 'range end');
    if (end < begin) throw new MerkleError('INVALID_SIZE', `range end ${end} is before its begin ${begin}`);
    const expected = decompose(begin, end).length;
    if (hashes.length !== expected) {
      throw new MerkleError('INVALID_COMPACT_RANGE', `a compact range [${begin}, ${end}) has ${expected} hashes, not ${hashes.length}`);
    }
    hashes.forEach((hash, i) => assertHash(hash, `compact range hash ${i}`));
    return new CompactRange(begin, end, hashes.map((hash) => Buffer.from(hash)));
  }

  get end(): number {
    return this.#end;
  }

  get size(): number {
    return this.#end - this.begin;
  }

  /** The node hashes, left to right (copies: the range stays immutable from outside). */
  get hashes(): Buffer[] {
    return this.#hashes.map((hash) => Buffer.from(hash));
  }

  clone(): CompactRange {
    return new CompactRange(this.begin, this.#end, [...this.#hashes]);
  }

  /** Appends the leaf hash (not the leaf input) of leaf number `end`. */
  append(leafHash: Buffer): void {
    const hashes = this.#hashes;
    hashes.push(leafHash);
    this.#end += 1;
    // The new node [x, end) is a right child when x / size is odd; its left sibling is then the
    // previous node, provided that sibling starts inside the range.
    let size = 1;
    let x = this.#end - 1;
    while (isOdd(x / size) && x - size >= this.begin) {
      const right = hashes.pop()!;
      const left = hashes.pop()!;
      hashes.push(nodeHash(left, right));
      x -= size;
      size *= 2;
    }
  }

  /** MTH of the whole tree; only for ranges that start at leaf 0. */
  root(): Buffer {
    if (this.begin !== 0) throw new MerkleError('RANGE_NOT_AVAILABLE', `a range starting at ${this.begin} has no tree root`);
    if (this.#hashes.length === 0) return EMPTY_TREE_ROOT;
    return this.#fold(0, this.#hashes.length);
  }

  /**
   * MTH(D[start:end]) for a subtree range (see isSubtreeRange) made of whole nodes of this
   * range, as every proof range inside it is. Throws RANGE_NOT_AVAILABLE otherwise.
   */
  subtreeHash(range: LeafRange): Buffer {
    if (!isSubtreeRange(range)) throw new MerkleError('RANGE_NOT_AVAILABLE', `[${range.start}, ${range.end}) is not a subtree`);
    const nodes = decompose(this.begin, this.#end);
    const first = nodes.findIndex((node) => node.start === range.start);
    const last = nodes.findIndex((node) => node.end === range.end);
    if (first < 0 || last < first) {
      throw new MerkleError('RANGE_NOT_AVAILABLE', `[${range.start}, ${range.end}) is not made of nodes of the compact range [${this.begin}, ${this.#end})`);
    }
    return this.#fold(first, last + 1);
  }

  /** Right-to-left fold of nodes [from, to): MTH when their sizes do not grow left to right. */
  #fold(from: number, to: number): Buffer {
    let hash = this.#hashes[to - 1]!;
    for (let i = to - 2; i >= from; i--) hash = nodeHash(this.#hashes[i]!, hash);
    return hash;
  }
}

/** Number of node hashes a compact range [0, size) holds: the number of one bits of size. */
export function compactRangeLength(size: number): number {
  let bits = 0;
  for (let n = size; n > 0; n = half(n)) if (isOdd(n)) bits++;
  return bits;
}
