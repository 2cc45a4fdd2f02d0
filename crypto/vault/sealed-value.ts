// Sealed value v2 (docs/spec.md "Credentials and keys"): XChaCha20-Poly1305-IETF under a data key
// (DEK), a fresh random 24-byte nonce per seal, and associated data that binds the ciphertext
// to where it belongs and to the key that sealed it:
//
//   AAD = UTF-8("palisade/sealed/v2\n" + JCS({ field, kid, kv, purpose, subject, tenantId, v: 2 }))
//
// Stored as { "v": 2, "kid", "kv", "n": base64url(nonce), "ct": base64url(ciphertext ‖ tag) }
// (unpadded base64url, see encoding.ts). kid and kv are in the AAD, so relabelling a value as
// another key or version fails to open even if that key were the same bytes.
import { type SecureBuffer, allocSecure, zero } from '../secure-memory.ts';
import { type Binding, type KeyRef, checkBinding, checkKeyRef, contextBytes, isKeyVersion, isKid } from './binding.ts';
import { fromBase64Url, toBase64Url } from './encoding.ts';
import { VaultError } from './errors.ts';
import { sodium } from '../sodium.ts';

export const SEALED_VALUE_VERSION = 2;
export const SEALED_VALUE_AAD_CONTEXT = 'palisade/sealed/v2\n';
export const DEK_BYTES = 32;
export const NONCE_BYTES = 24;
export const TAG_BYTES = 16;
/** Secrets are API keys, tokens and small connection configs; anything larger is a mistake. */
export const MAX_PLAINTEXT_BYTES = 64 * 1024;

export interface SealedValue {
  readonly v: 2;
  readonly kid: string;
  readonly kv: number;
  readonly n: string;
  readonly ct: string;
}

const MEMBERS = ['ct', 'kid', 'kv', 'n', 'v'];

/** The associated data for a value sealed under `keyRef` for `binding`. */
export function sealedValueAad(binding: Binding, keyRef: KeyRef): Buffer {
  const b = checkBinding(binding);
  const k = checkKeyRef(keyRef);
  return contextBytes(SEALED_VALUE_AAD_CONTEXT, {
    field: b.field,
    kid: k.kid,
    kv: k.kv,
    purpose: b.purpose,
    subject: b.subject,
    tenantId: b.tenantId,
    v: SEALED_VALUE_VERSION,
  });
}

function checkDek(dek: Uint8Array): void {
  if (!(dek instanceof Uint8Array) || dek.byteLength !== DEK_BYTES) {
    throw new VaultError('INVALID_KEY', `a DEK must be ${DEK_BYTES} bytes`);
  }
}

/**
 * Seals `plaintext` under `dek` (the DEK named by `keyRef`) for `binding`. Neither the
 * plaintext nor the DEK is modified or kept; the caller still owns and zeroes them.
 */
export function seal(plaintext: Uint8Array, dek: Uint8Array, binding: Binding, keyRef: KeyRef): SealedValue {
  checkDek(dek);
  if (!(plaintext instanceof Uint8Array)) throw new VaultError('SEALED_VALUE_MALFORMED', 'plaintext must be bytes');
  if (plaintext.byteLength > MAX_PLAINTEXT_BYTES) {
    throw new VaultError('PLAINTEXT_TOO_LARGE', `at most ${MAX_PLAINTEXT_BYTES} bytes can be sealed`);
  }
  const ref = checkKeyRef(keyRef);
  const aad = sealedValueAad(binding, ref);
  const nonce = Buffer.alloc(NONCE_BYTES);
  sodium.randombytes_buf(nonce);
  const ciphertext = Buffer.alloc(plaintext.byteLength + TAG_BYTES);
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(ciphertext, plaintext, aad, null, nonce, dek);
  return { v: SEALED_VALUE_VERSION, kid: ref.kid, kv: ref.kv, n: toBase64Url(nonce), ct: toBase64Url(ciphertext) };
}

function malformed(what: string): VaultError {
  return new VaultError('SEALED_VALUE_MALFORMED', `sealed value: ${what}`);
}

/**
 * Checks that `value` is exactly a sealed value v2: a plain object with the five members and
 * no others, v = 2, a kid of 1-128 [A-Za-z0-9._:-], kv a positive integer, n the canonical
 * unpadded base64url of 24 bytes, ct that of 16 (the tag) to 16 + MAX_PLAINTEXT_BYTES bytes.
 * Throws SEALED_VALUE_MALFORMED otherwise.
 */
export function parseSealedValue(value: unknown): SealedValue {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('not an object');
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw malformed('not a plain object');
  const keys = Object.keys(value).sort();
  if (keys.length !== MEMBERS.length || keys.some((key, i) => key !== MEMBERS[i])) {
    throw malformed('members must be exactly v, kid, kv, n, ct');
  }
  const record = value as Record<string, unknown>;
  if (record.v !== SEALED_VALUE_VERSION) throw malformed('unsupported version');
  if (!isKid(record.kid)) throw malformed('kid is not 1-128 of [A-Za-z0-9._:-]');
  if (!isKeyVersion(record.kv)) throw malformed('kv is not a positive integer');
  const n = record.n;
  if (typeof n !== 'string' || fromBase64Url(n)?.byteLength !== NONCE_BYTES) {
    throw malformed(`n is not unpadded base64url of ${NONCE_BYTES} bytes`);
  }
  const ct = typeof record.ct === 'string' ? fromBase64Url(record.ct) : undefined;
  if (ct === undefined || ct.byteLength < TAG_BYTES || ct.byteLength > TAG_BYTES + MAX_PLAINTEXT_BYTES) {
    throw malformed(`ct is not unpadded base64url of ${TAG_BYTES} to ${TAG_BYTES + MAX_PLAINTEXT_BYTES} bytes`);
  }
  return { v: SEALED_VALUE_VERSION, kid: record.kid, kv: record.kv, n, ct: record.ct as string };
}

/**
 * Opens a sealed value with the DEK its kid/kv name (the caller looks it up) under `binding`.
 * Returns the plaintext in secure memory; the caller zeroes it when done. Any other binding,
 * any other DEK, or any changed byte of n, ct, kid or kv fails with OPEN_FAILED (AEAD cannot
 * tell these apart, so there is deliberately one code for all of them). Nothing of a failed
 * open is left in memory.
 */
export function open(sealed: unknown, dek: Uint8Array, binding: Binding): SecureBuffer {
  const value = parseSealedValue(sealed);
  checkDek(dek);
  const aad = sealedValueAad(binding, value);
  const nonce = fromBase64Url(value.n)!;
  const ciphertext = fromBase64Url(value.ct)!;
  const plaintext = allocSecure(ciphertext.byteLength - TAG_BYTES);
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(plaintext, null, ciphertext, aad, nonce, dek);
  } catch {
    zero(plaintext);
    throw new VaultError('OPEN_FAILED', 'the sealed value does not open with this key and binding');
  }
  return plaintext;
}
