// Properties over random trees: every generated proof verifies, the three ways of building a
// proof agree, and flipping any single bit of a proof, leaf or root makes verification fail.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompactRange, compactRangeLength } from '../../domain/merkle/compact-range.ts';
import { leafHash } from '../../domain/merkle/hash.ts';
import { ProofCollector } from '../../domain/merkle/proof-collector.ts';
import { consistencyRanges, inclusionRanges } from '../../domain/merkle/proof-ranges.ts';
import { decompose } from '../../domain/merkle/sizes.ts';
import { consistencyProof, inclusionProof, merkleRoot } from '../../domain/merkle/tree.ts';
import { verifyConsistency, verifyInclusion } from '../../domain/merkle/verify.ts';

const leavesOf = (n: number, salt: number) => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`${salt}:${i}`)));

/** A tree size, an index in it, and a bit position to flip in a 32-byte hash. */
const treeAndIndex = fc.integer({ min: 1, max: 300 }).chain((n) =>
  fc.record({ n: fc.constant(n), index: fc.integer({ min: 0, max: n - 1 }), salt: fc.nat(), bit: fc.integer({ min: 0, max: 255 }) }),
);
const twoSizes = fc.integer({ min: 1, max: 300 }).chain((n) =>
  fc.record({ n: fc.constant(n), m: fc.integer({ min: 1, max: n }), salt: fc.nat(), bit: fc.integer({ min: 0, max: 255 }) }),
);

function flipped(hash: Buffer, bit: number): Buffer {
  const copy = Buffer.from(hash);
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
}

describe('inclusion proofs', () => {
  it('every generated proof verifies, and the streaming collector builds the same proof', () => {
    fc.assert(
      fc.property(treeAndIndex, ({ n, index, salt }) => {
        const leaves = leavesOf(n, salt);
        const proof = inclusionProof(leaves, index);
        expect(verifyInclusion(leaves[index]!, index, n, proof, merkleRoot(leaves))).toBe(true);
        const collector = new ProofCollector(inclusionRanges(index, n));
        leaves.forEach((leaf) => collector.push(leaf));
        expect(collector.proof()).toEqual(proof);
      }),
    );
  });

  it('fails when any bit of the proof, the leaf or the root is flipped, or a hash is dropped', () => {
    fc.assert(
      fc.property(treeAndIndex, fc.nat(), ({ n, index, salt, bit }, which) => {
        const leaves = leavesOf(n, salt);
        const root = merkleRoot(leaves);
        const proof = inclusionProof(leaves, index);
        const leaf = leaves[index]!;
        expect(verifyInclusion(flipped(leaf, bit), index, n, proof, root)).toBe(false);
        expect(verifyInclusion(leaf, index, n, proof, flipped(root, bit))).toBe(false);
        if (proof.length > 0) {
          const at = which % proof.length;
          const bad = proof.map((h, i) => (i === at ? flipped(h, bit) : h));
          expect(verifyInclusion(leaf, index, n, bad, root)).toBe(false);
          expect(verifyInclusion(leaf, index, n, proof.slice(0, -1), root)).toBe(false);
        }
        expect(verifyInclusion(leaf, index, n, [...proof, leaf], root)).toBe(false);
      }),
    );
  });
});

describe('consistency proofs', () => {
  it('every generated proof verifies; compact ranges and the collector build the same proof', () => {
    fc.assert(
      fc.property(twoSizes, ({ n, m, salt }) => {
        const leaves = leavesOf(n, salt);
        const proof = consistencyProof(leaves, m);
        const oldRoot = merkleRoot(leaves.slice(0, m));
        expect(verifyConsistency(m, n, oldRoot, merkleRoot(leaves), proof)).toBe(true);

        const old = CompactRange.empty();
        leaves.slice(0, m).forEach((leaf) => old.append(leaf));
        const fresh = CompactRange.empty(m);
        leaves.slice(m).forEach((leaf) => fresh.append(leaf));
        expect(consistencyRanges(m, n).map((r) => (r.end <= m ? old : fresh).subtreeHash(r))).toEqual(proof);

        const collector = new ProofCollector(consistencyRanges(m, n));
        leaves.forEach((leaf) => collector.push(leaf));
        expect(collector.proof()).toEqual(proof);
      }),
    );
  });

  it('fails for a flipped bit anywhere, and for a history that changed before the old size (a fork)', () => {
    fc.assert(
      fc.property(twoSizes, fc.nat(), ({ n, m, salt, bit }, which) => {
        const leaves = leavesOf(n, salt);
        const oldRoot = merkleRoot(leaves.slice(0, m));
        const newRoot = merkleRoot(leaves);
        const proof = consistencyProof(leaves, m);
        expect(verifyConsistency(m, n, flipped(oldRoot, bit), newRoot, proof)).toBe(false);
        expect(verifyConsistency(m, n, oldRoot, flipped(newRoot, bit), proof)).toBe(false);
        if (proof.length > 0) {
          const at = which % proof.length;
          expect(verifyConsistency(m, n, oldRoot, newRoot, proof.map((h, i) => (i === at ? flipped(h, bit) : h)))).toBe(false);
        }
        // Rewrite one leaf below m: the new tree is a fork, whatever proof it comes with.
        const forked = leaves.map((leaf, i) => (i === which % m ? leafHash(Buffer.from('forged')) : leaf));
        expect(verifyConsistency(m, n, oldRoot, merkleRoot(forked), consistencyProof(forked, m))).toBe(false);
      }),
    );
  });
});

describe('compact ranges', () => {
  it('keep popcount(size) hashes, match MTH at every size, and round-trip through storage', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 600 }), fc.nat(), (n, salt) => {
        const leaves = leavesOf(n, salt);
        const range = CompactRange.empty();
        leaves.forEach((leaf) => range.append(leaf));
        expect(range.hashes).toHaveLength(compactRangeLength(n));
        expect(decompose(0, n)).toHaveLength(compactRangeLength(n));
        expect(range.root()).toEqual(merkleRoot(leaves));
        expect(CompactRange.fromHashes(0, n, range.hashes).root()).toEqual(range.root());
      }),
    );
  });

  it('starting anywhere, keep exactly the nodes of decompose(begin, end)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 300 }), (begin, count) => {
        const range = CompactRange.empty(begin);
        leavesOf(count, begin).forEach((leaf) => range.append(leaf));
        expect(range.hashes).toHaveLength(decompose(begin, begin + count).length);
      }),
    );
  });

  it('refuses a stored range whose hash count does not match its size', () => {
    const range = CompactRange.empty();
    leavesOf(5, 0).forEach((leaf) => range.append(leaf));
    expect(() => CompactRange.fromHashes(0, 7, range.hashes)).toThrow(expect.objectContaining({ code: 'INVALID_COMPACT_RANGE' }));
  });
});
