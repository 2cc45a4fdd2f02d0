// Node's own crypto as an independent Ed25519 check (tests only; the project signs with libsodium).
import { createPublicKey, verify as nodeVerify } from 'node:crypto';

// RFC 8410 SubjectPublicKeyInfo prefix for an Ed25519 key: SEQUENCE { AlgorithmIdentifier 1.3.101.112, BIT STRING }.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function nodeVerifies(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
  return nodeVerify(null, message, key, signature);
}
