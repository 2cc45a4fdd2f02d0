// The RFC 6962 reference vectors (vectors/rfc6962.json, from an independent implementation):
// roots for sizes 0–8, every inclusion path and every consistency proof for sizes 1–8.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CompactRange } from '../../domain/merkle/compact-range.ts';
import { leafHash } from '../../domain/merkle/hash.ts';
import { ProofCollector } from '../../domain/merkle/proof-collector.ts';
import { consistencyRanges, inclusionRanges } from '../../domain/merkle/proof-ranges.ts';
import { consistencyProof, inclusionProof, merkleRoot } from '../../domain/merkle/tree.ts';
import { verifyConsistency, verifyInclusion } from '../../domain/merkle/verify.ts';
import { VECTORS_DIR } from '../fixtures/vectors.ts';

interface Rfc6962Vectors {
  leafInputsHex: string[];
  roots: { size: number; root: string }[];
  inclusion: { index: number; size: number; path: string[] }[];
  consistency: { first: number; second: number; proof: string[] }[];
}

const V = JSON.parse(readFileSync(join(VECTORS_DIR, 'rfc6962.json'), 'utf8')) as Rfc6962Vectors;
const LEAVES = V.leafInputsHex.map((hex) => leafHash(Buffer.from(hex, 'hex')));
const hex = (hashes: Buffer[]) => hashes.map((h) => h.toString('hex'));
const bytes = (hashes: string[]) => hashes.map((h) => Buffer.from(h, 'hex'));
const rootOf = (size: number) => Buffer.from(V.roots.find((r) => r.size === size)!.root, 'hex');

describe('RFC 6962 vectors', () => {
  it('covers sizes 0–8, 36 inclusion paths and 36 consistency proofs', () => {
    expect(V.roots.map((r) => r.size)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(V.inclusion).toHaveLength(36);
    expect(V.consistency).toHaveLength(36);
  });

  it.each(V.roots)('MTH of the first $size leaves is $root', ({ size, root }) => {
    expect(merkleRoot(LEAVES.slice(0, size)).toString('hex')).toBe(root);
  });

  it.each(V.roots)('a compact range appended leaf by leaf has the same root at size $size', ({ size, root }) => {
    const range = CompactRange.empty();
    for (const leaf of LEAVES.slice(0, size)) range.append(leaf);
    expect(range.root().toString('hex')).toBe(root);
  });

  it.each(V.inclusion)('inclusion of leaf $index in size $size: generated equals the vector and verifies', ({ index, size, path }) => {
    expect(hex(inclusionProof(LEAVES.slice(0, size), index))).toEqual(path);
    expect(verifyInclusion(LEAVES[index]!, index, size, bytes(path), rootOf(size))).toBe(true);
    const collector = new ProofCollector(inclusionRanges(index, size));
    for (const leaf of LEAVES.slice(0, size)) collector.push(leaf);
    expect(hex(collector.proof())).toEqual(path);
  });

  it.each(V.consistency)('consistency $first → $second: generated equals the vector and verifies', ({ first, second, proof }) => {
    expect(hex(consistencyProof(LEAVES.slice(0, second), first))).toEqual(proof);
    expect(verifyConsistency(first, second, rootOf(first), rootOf(second), bytes(proof))).toBe(true);
    const collector = new ProofCollector(consistencyRanges(first, second));
    for (const leaf of LEAVES.slice(0, second)) collector.push(leaf);
    expect(hex(collector.proof())).toEqual(proof);
  });

  it.each(V.consistency.filter((c) => c.first < c.second))('consistency $first → $second from two compact ranges (the anchorer\'s way)', ({ first, second, proof }) => {
    const old = CompactRange.empty();
    for (const leaf of LEAVES.slice(0, first)) old.append(leaf);
    const fresh = CompactRange.empty(first);
    for (const leaf of LEAVES.slice(first, second)) fresh.append(leaf);
    const generated = consistencyRanges(first, second).map((range) => (range.end <= first ? old : fresh).subtreeHash(range));
    expect(hex(generated)).toEqual(proof);
  });

  it('rejects a consistency proof between the wrong roots and an inclusion proof for the wrong index', () => {
    const c = V.consistency.find((v) => v.first === 3 && v.second === 7)!;
    expect(verifyConsistency(3, 7, rootOf(4), rootOf(7), bytes(c.proof))).toBe(false);
    expect(verifyConsistency(3, 7, rootOf(3), rootOf(8), bytes(c.proof))).toBe(false);
    const i = V.inclusion.find((v) => v.index === 2 && v.size === 5)!;
    expect(verifyInclusion(LEAVES[2]!, 3, 5, bytes(i.path), rootOf(5))).toBe(false);
    expect(verifyInclusion(LEAVES[2]!, 2, 6, bytes(i.path), rootOf(6))).toBe(false);
    // A path of the wrong length for the size is refused (the root is what binds the size).
    expect(verifyInclusion(LEAVES[2]!, 2, 4, bytes(i.path), rootOf(5))).toBe(false);
  });
});
