// The processor's intake secret key, wrapped by the master key (KEK) for storage in
// vault.intake_keys. Pure: libsodium only, no I/O. Same construction as crypto/vault/key-wrap.ts's DEK
// wrapping, under its own context so a wrapped intake key can never pass for a wrapped DEK:
//   XChaCha20-Poly1305-IETF, random 24-byte nonce,
//   AAD = UTF-8("palisade/intake-key-wrap/v1\n" + JCS({ kekId, publicKey: base64url }))
// The public key is in the AAD and is recomputed from the unwrapped secret key and compared, so
// a row whose public key was swapped fails instead of handing out a key pair that does not match.
import { jcs } from '../../../domain/chain/jcs.ts';
import { type SecureBuffer, allocSecure, zero } from '../../secure-memory.ts';
import { type IntakeKeyPair, type Kek, KEK_BYTES, NONCE_BYTES, TAG_BYTES, intakeKeyPairFromSecretKey } from '../index.ts';
import { sodium } from '../../sodium.ts';
import { KeyStoreError } from './errors.ts';

export const INTAKE_KEY_WRAP_AAD_CONTEXT = 'palisade/intake-key-wrap/v1\n';
export const INTAKE_KEY_BYTES = 32;
export const WRAPPED_INTAKE_KEY_BYTES = INTAKE_KEY_BYTES + TAG_BYTES;

/** What vault.intake_keys keeps of the key pair. */
export interface WrappedIntakeKey {
  readonly publicKey: Buffer;
  readonly kekId: string;
  readonly nonce: Buffer;
  readonly ciphertext: Buffer;
}

function aad(publicKey: Uint8Array, kekId: string): Buffer {
  const encoded = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('base64url');
  return Buffer.from(`${INTAKE_KEY_WRAP_AAD_CONTEXT}${jcs({ kekId, publicKey: encoded })}`, 'utf8');
}

function checkKek(kek: Kek): void {
  if (typeof kek !== 'object' || kek === null || !(kek.key instanceof Uint8Array) || kek.key.byteLength !== KEK_BYTES) {
    throw new KeyStoreError('INVALID_ARGUMENT', `a KEK must be ${KEK_BYTES} bytes`);
  }
}

/** Wraps the pair's secret key (not modified, not kept) under `kek`. */
export function wrapIntakeKey(pair: IntakeKeyPair, kek: Kek): WrappedIntakeKey {
  checkKek(kek);
  if (pair.publicKey?.byteLength !== INTAKE_KEY_BYTES || pair.secretKey?.byteLength !== INTAKE_KEY_BYTES) {
    throw new KeyStoreError('INVALID_ARGUMENT', 'an intake key pair is a 32-byte public and a 32-byte secret key');
  }
  const publicKey = Buffer.from(pair.publicKey);
  const nonce = Buffer.alloc(NONCE_BYTES);
  sodium.randombytes_buf(nonce);
  const ciphertext = Buffer.alloc(WRAPPED_INTAKE_KEY_BYTES);
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(ciphertext, pair.secretKey, aad(publicKey, kek.id), null, nonce, kek.key);
  return { publicKey, kekId: kek.id, nonce, ciphertext };
}

/**
 * The key pair, its secret key in secure memory (the caller zeroes it). KEK_MISMATCH when the
 * record names another KEK; UNWRAP_FAILED when it does not authenticate; ROW_MALFORMED on bad
 * lengths or a public key that does not belong to the secret key.
 */
export function unwrapIntakeKey(wrapped: WrappedIntakeKey, kek: Kek): IntakeKeyPair {
  checkKek(kek);
  if (!Buffer.isBuffer(wrapped.publicKey) || wrapped.publicKey.byteLength !== INTAKE_KEY_BYTES) {
    throw new KeyStoreError('ROW_MALFORMED', `wrapped intake key: the public key must be ${INTAKE_KEY_BYTES} bytes`);
  }
  if (!Buffer.isBuffer(wrapped.nonce) || wrapped.nonce.byteLength !== NONCE_BYTES) {
    throw new KeyStoreError('ROW_MALFORMED', `wrapped intake key: the nonce must be ${NONCE_BYTES} bytes`);
  }
  if (!Buffer.isBuffer(wrapped.ciphertext) || wrapped.ciphertext.byteLength !== WRAPPED_INTAKE_KEY_BYTES) {
    throw new KeyStoreError('ROW_MALFORMED', `wrapped intake key: the ciphertext must be ${WRAPPED_INTAKE_KEY_BYTES} bytes`);
  }
  if (wrapped.kekId !== kek.id) {
    throw new KeyStoreError('KEK_MISMATCH', `the intake key is wrapped by another master key (kekId ${wrapped.kekId}) than the one given (kekId ${kek.id})`);
  }
  const secret: SecureBuffer = allocSecure(INTAKE_KEY_BYTES);
  try {
    try {
      sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(secret, null, wrapped.ciphertext, aad(wrapped.publicKey, kek.id), wrapped.nonce, kek.key);
    } catch {
      throw new KeyStoreError('UNWRAP_FAILED', 'the wrapped intake key does not open with this master key');
    }
    const pair = intakeKeyPairFromSecretKey(secret);
    if (!sodium.sodium_memcmp(pair.publicKey, wrapped.publicKey)) {
      zero(pair.secretKey);
      throw new KeyStoreError('ROW_MALFORMED', 'wrapped intake key: the public key does not belong to the secret key');
    }
    return pair;
  } finally {
    zero(secret);
  }
}

/** KEK rotation: the same key pair wrapped under `newKek` (fresh nonce); the secret is zeroed. */
export function rewrapIntakeKey(wrapped: WrappedIntakeKey, oldKek: Kek, newKek: Kek): WrappedIntakeKey {
  checkKek(newKek);
  const pair = unwrapIntakeKey(wrapped, oldKek);
  try {
    return wrapIntakeKey(pair, newKek);
  } finally {
    zero(pair.secretKey);
  }
}
