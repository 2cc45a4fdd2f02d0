// Builds a proof in one pass over a leaf stream, with O(log n) memory: each proof range gets its
// own compact range, fed the leaves that fall inside it. Used where the leaves are events read
// from Kafka or from an export (`palisade audit prove`), which are too many to hold.
import { CompactRange } from './compact-range.ts';
import { MerkleError } from './errors.ts';
import type { LeafRange } from './sizes.ts';

export class ProofCollector {
  readonly #ranges: readonly LeafRange[];
  readonly #accumulators: CompactRange[];
  /** Indices of #ranges sorted by start, and the position in that order of the current range. */
  readonly #byStart: number[];
  #cursor = 0;
  #next = 0;

  constructor(ranges: readonly LeafRange[]) {
    this.#ranges = ranges;
    this.#accumulators = ranges.map((range) => CompactRange.empty(range.start));
    this.#byStart = ranges.map((_, i) => i).sort((a, b) => ranges[a]!.start - ranges[b]!.start);
  }

  /** Leaf hashes in order, starting at leaf 0. */
  push(leafHash: Buffer): void {
    const index = this.#next++;
    while (this.#cursor < this.#byStart.length && this.#ranges[this.#byStart[this.#cursor]!]!.end <= index) this.#cursor++;
    const current = this.#byStart[this.#cursor];
    if (current !== undefined && this.#ranges[current]!.start <= index) this.#accumulators[current]!.append(leafHash);
  }

  get leaves(): number {
    return this.#next;
  }

  /** The proof, in the order of the ranges given; every range must have been fed completely. */
  proof(): Buffer[] {
    return this.#ranges.map((range, i) => {
      const accumulator = this.#accumulators[i]!;
      if (accumulator.end !== range.end) {
        throw new MerkleError('RANGE_NOT_AVAILABLE', `the stream ended at leaf ${this.#next}, before the end of proof range [${range.start}, ${range.end})`);
      }
      return accumulator.subtreeHash(range);
    });
  }
}
