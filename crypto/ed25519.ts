// Ed25519 (RFC 8032) signatures through libsodium. Secret keys are libsodium's 64-byte form
// (seed ‖ public key) and live in secure memory.
import { CryptoError } from './errors.ts';
import { type SecureBuffer, allocSecure } from './secure-memory.ts';
import { sodium } from './sodium.ts';

export const PUBLIC_KEY_BYTES = 32;
export const SECRET_KEY_BYTES = 64;
export const SIGNATURE_BYTES = 64;

export interface SigningKeyPair {
  publicKey: Buffer;
  secretKey: SecureBuffer;
}

export function generateSigningKeyPair(): SigningKeyPair {
  const publicKey = Buffer.alloc(PUBLIC_KEY_BYTES);
  const secretKey = allocSecure(SECRET_KEY_BYTES);
  sodium.crypto_sign_keypair(publicKey, secretKey);
  return { publicKey, secretKey };
}

export function sign(message: Uint8Array, secretKey: Uint8Array): Buffer {
  assertSecretKey(secretKey);
  const signature = Buffer.alloc(SIGNATURE_BYTES);
  sodium.crypto_sign_detached(signature, message, secretKey);
  return signature;
}

/** True only for a valid signature; false (never an exception) for anything malformed. */
export function verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(message instanceof Uint8Array) || !(signature instanceof Uint8Array) || !(publicKey instanceof Uint8Array)) {
    return false;
  }
  // libsodium accepts longer signature buffers and reads the first 64 bytes; we do not.
  if (signature.byteLength !== SIGNATURE_BYTES || publicKey.byteLength !== PUBLIC_KEY_BYTES) return false;
  try {
    return sodium.crypto_sign_verify_detached(signature, message, publicKey);
  } catch {
    return false;
  }
}

export function publicKeyOf(secretKey: Uint8Array): Buffer {
  assertSecretKey(secretKey);
  const publicKey = Buffer.alloc(PUBLIC_KEY_BYTES);
  sodium.crypto_sign_ed25519_sk_to_pk(publicKey, secretKey);
  return publicKey;
}

function assertSecretKey(secretKey: Uint8Array): void {
  if (!(secretKey instanceof Uint8Array) || secretKey.byteLength !== SECRET_KEY_BYTES) {
    throw new CryptoError('INVALID_SECRET_KEY', `an Ed25519 secret key is ${SECRET_KEY_BYTES} bytes`);
  }
}
