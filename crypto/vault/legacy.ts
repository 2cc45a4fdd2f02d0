// The legacy (v1) secret format of the system Palisade replaces:
//   "<salt>:<iv>:<ciphertext>", each lowercase hex (uppercase accepted), where
//   salt = 16 random bytes, iv = 16 random bytes,
//   key  = scrypt(legacySecret, salt (the raw 16 bytes), 32 bytes, N=16384, r=8, p=1)
//          — Node's crypto.scryptSync defaults, which is what the old system called,
//   ciphertext = AES-256-CBC(key, iv, PKCS#7-padded UTF-8 plaintext).
// This module only detects and decrypts it; the caller re-seals the plaintext as v2
// (sealed-value.ts) and records that it did, once.
//
// THE ONE EXCEPTION to "all cryptography through sodium-native": sodium-native binds no AES at
// all, and its only scrypt is the high-level crypto_pwhash_scryptsalsa208sha256, which demands a
// 32-byte salt (legacy salts are 16) and derives N, r, p itself from opslimit/memlimit (the
// low-level _ll function that takes N, r, p is not bound). So this file — and only this file —
// uses node:crypto, and only to DECRYPT legacy data.
// Nothing is ever encrypted in this format.
//
// CBC has no integrity: a wrong legacy secret fails on the padding check only about 255 times in
// 256; otherwise it "decrypts" to garbage. Callers must treat the plaintext as untrusted and
// should check it looks like the secret it should be (e.g. a provider key's prefix) before
// re-sealing it.
import { createDecipheriv, scryptSync } from 'node:crypto';
import { type SecureBuffer, allocSecure, zero } from '../secure-memory.ts';
import { VaultError } from './errors.ts';
import { MAX_PLAINTEXT_BYTES } from './sealed-value.ts';

export const LEGACY_SALT_BYTES = 16;
export const LEGACY_IV_BYTES = 16;
export const LEGACY_KEY_BYTES = 32;
export const LEGACY_SCRYPT = { N: 16384, r: 8, p: 1 } as const;

export interface LegacyScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

const MAX_BLOCKS = Math.floor(MAX_PLAINTEXT_BYTES / 16) + 1;
const LEGACY = new RegExp(`^[0-9a-f]{32}:[0-9a-f]{32}:(?:[0-9a-f]{32}){1,${MAX_BLOCKS}}$`, 'i');

/** True when `value` has the exact legacy shape (a v2 sealed value never does). */
export function isLegacyValue(value: unknown): value is string {
  return typeof value === 'string' && LEGACY.test(value);
}

/**
 * Decrypts a legacy value with the legacy secret. Returns the plaintext in secure memory (the
 * caller zeroes it). The derived key and every intermediate Buffer are zeroed before this
 * returns; OpenSSL's own copy of the key inside the decipher context is outside our reach (it
 * is freed when the decipher is collected). LEGACY_MALFORMED for a value of the wrong shape,
 * LEGACY_DECRYPT_FAILED for bad padding (usually the wrong legacy secret).
 */
export function decryptLegacy(
  value: string,
  legacySecret: string | Uint8Array,
  params: LegacyScryptParams = LEGACY_SCRYPT,
): SecureBuffer {
  if (!isLegacyValue(value)) {
    throw new VaultError('LEGACY_MALFORMED', 'not a legacy value: expected salt:iv:ciphertext hex (16-byte salt and IV, whole AES blocks)');
  }
  const [saltHex, ivHex, ctHex] = value.split(':') as [string, string, string];
  const salt = Buffer.from(saltHex, 'hex');
  const iv = Buffer.from(ivHex, 'hex');
  const ciphertext = Buffer.from(ctHex, 'hex');
  const key = scryptSync(legacySecret, salt, LEGACY_KEY_BYTES, { N: params.N, r: params.r, p: params.p, maxmem: 64 * 1024 * 1024 });
  const parts: Buffer[] = [];
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, iv);
    parts.push(decipher.update(ciphertext));
    try {
      parts.push(decipher.final());
    } catch (cause) {
      throw new VaultError('LEGACY_DECRYPT_FAILED', 'the legacy value does not decrypt with this legacy secret', { cause });
    }
    const length = parts.reduce((sum, part) => sum + part.byteLength, 0);
    const plaintext = allocSecure(length);
    let offset = 0;
    for (const part of parts) {
      plaintext.set(part, offset);
      offset += part.byteLength;
    }
    return plaintext;
  } finally {
    zero(key);
    for (const part of parts) zero(part);
  }
}

/**
 * A legacy value that arrived inside an intake box (its bytes, the `salt:iv:ct` text), decrypted
 * and checked to be text: the plaintext in secure memory (the caller zeroes it). CBC has no
 * integrity, so a plaintext that is not UTF-8 text without control characters is refused as
 * LEGACY_DECRYPT_FAILED (most likely the wrong legacy secret).
 */
export function decryptLegacyBytes(value: Uint8Array, legacySecret: string | Uint8Array): SecureBuffer {
  const text = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1');
  const plaintext = decryptLegacy(text, legacySecret);
  if (!isPlausibleSecret(plaintext)) {
    zero(plaintext);
    throw new VaultError('LEGACY_DECRYPT_FAILED', 'the legacy value decrypted to something that is not a secret (wrong legacy secret?)');
  }
  return plaintext;
}

/** UTF-8 text without control characters, checked on the bytes (no JS string of the secret). */
export function isPlausibleSecret(bytes: Uint8Array): boolean {
  if (bytes.byteLength === 0) return false;
  for (let i = 0; i < bytes.byteLength; ) {
    const lead = bytes[i]!;
    if (lead < 0x20 || lead === 0x7f) return false;
    const extra = lead < 0x80 ? 0 : lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : -1;
    if (extra < 0 || i + extra >= bytes.byteLength) return false;
    for (let k = 1; k <= extra; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return false;
    i += extra + 1;
  }
  return true;
}
