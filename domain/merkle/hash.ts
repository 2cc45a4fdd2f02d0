// RFC 6962 §2.1 hashing with domain separation, so a leaf can never be mistaken for an inner
// node (the second-preimage attack of RFC 6962 §2.1 / RFC 9162 §2.1.1):
//   leaf = SHA-256(0x00 ‖ leaf input)
//   node = SHA-256(0x01 ‖ left ‖ right)
//   root of the empty tree = SHA-256() (no input)
// SHA-256 goes through libsodium like all of Palisade's cryptography (domain/chain/sha256.ts).
import { SHA256_BYTES, sha256 } from '../chain/sha256.ts';
import { MerkleError } from './errors.ts';

export const HASH_BYTES = SHA256_BYTES;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** MTH({}) = SHA-256 of the empty string (RFC 6962 §2.1). */
export const EMPTY_TREE_ROOT: Buffer = sha256(Buffer.alloc(0));

// Scratch buffers: the verifier hashes millions of 32-byte leaves and 64-byte node pairs, and a
// Buffer.concat per hash would cost more than the hash itself. Safe because sha256() is
// synchronous and copies nothing out of its input.
const leafScratch = Buffer.alloc(1 + HASH_BYTES);
leafScratch[0] = LEAF_PREFIX;
const nodeScratch = Buffer.alloc(1 + 2 * HASH_BYTES);
nodeScratch[0] = NODE_PREFIX;

/** The leaf hash of an arbitrary leaf input (any length, including empty). */
export function leafHash(input: Uint8Array): Buffer {
  if (input.byteLength === HASH_BYTES) {
    leafScratch.set(input, 1);
    return sha256(leafScratch);
  }
  return sha256(Buffer.concat([Buffer.of(LEAF_PREFIX), input]));
}

/** The hash of an inner node from its two children's hashes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_BYTES);
  return sha256(nodeScratch);
}

export function assertHash(hash: Uint8Array, what: string): void {
  if (!(hash instanceof Uint8Array) || hash.byteLength !== HASH_BYTES) {
    throw new MerkleError('INVALID_HASH', `${what} must be a ${HASH_BYTES}-byte hash`);
  }
}
