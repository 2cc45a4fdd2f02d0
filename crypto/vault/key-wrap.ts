// The master key (KEK) and the data keys (DEKs) it wraps (docs/spec.md "Credentials and keys").
//
// KEK: 32 bytes, given as exactly 64 hex digits (`openssl rand -hex 32`) either in the
// environment variable PALISADE_MASTER_KEY or in the file named by PALISADE_MASTER_KEY_FILE
// (the same 64 digits, one optional trailing newline). Hex, not base64: one alphabet, one
// length, nothing to confuse with padding or the URL-safe variant. Exactly one of the two may
// be set; none, both, or a malformed value is an error naming the variable, so the processor
// refuses to start. This module does no I/O: the caller passes the environment and a file
// reader (and checks the file's permissions, as crypto/key-file.ts does).
//
// DEK wrapping: XChaCha20-Poly1305-IETF under the KEK, random nonce, and
//   AAD = UTF-8("palisade/dek-wrap/v1\n" + JCS({ kekId, kid, kv, owner }))
// so a wrapped DEK cannot be relabelled as another key, version or owner. kekId is a keyed
// BLAKE2b fingerprint of the KEK (reveals nothing about it) so rotation can tell which KEK
// wrapped what and a wrong KEK is reported as such.
import { type SecureBuffer, allocSecure, zero } from '../secure-memory.ts';
import { MAX_MEMBER_LENGTH, contextBytes, isKeyVersion, isKid } from './binding.ts';
import { VaultError } from './errors.ts';
import { DEK_BYTES, NONCE_BYTES, TAG_BYTES } from './sealed-value.ts';
import { sodium } from '../sodium.ts';
import { isWellFormed } from '../../domain/chain/well-formed.ts';

export const KEK_BYTES = 32;
export const MASTER_KEY_ENV = 'PALISADE_MASTER_KEY';
export const MASTER_KEY_FILE_ENV = 'PALISADE_MASTER_KEY_FILE';
export const DEK_WRAP_AAD_CONTEXT = 'palisade/dek-wrap/v1\n';
export const WRAPPED_DEK_BYTES = DEK_BYTES + TAG_BYTES;
const KEK_ID_CONTEXT = Buffer.from('palisade/kek-id/v1', 'utf8');
const KEK_ID_BYTES = 16;

/** The master key in secure memory, with its public fingerprint. destroyKek() when done. */
export interface Kek {
  readonly id: string;
  readonly key: SecureBuffer;
}

export type DekOwner =
  | { readonly kind: 'tenant'; readonly tenantId: string }
  | { readonly kind: 'user'; readonly tenantId: string; readonly userId: string };

export interface DekIdentity {
  readonly kid: string;
  readonly kv: number;
  readonly owner: DekOwner;
}

/** What the key store keeps per DEK version (never in Kafka). */
export interface WrappedDek extends DekIdentity {
  readonly kekId: string;
  readonly nonce: Buffer;
  readonly ciphertext: Buffer;
}

// ---- the KEK ------------------------------------------------------------------------------

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  return -1;
}

/** Decodes 64 hex digits given as char codes straight into secure memory, or undefined. */
function decodeKeyHex(length: number, codeAt: (i: number) => number): SecureBuffer | undefined {
  if (length !== KEK_BYTES * 2) return undefined;
  const key = allocSecure(KEK_BYTES);
  for (let i = 0; i < KEK_BYTES; i++) {
    const hi = hexValue(codeAt(2 * i));
    const lo = hexValue(codeAt(2 * i + 1));
    if (hi < 0 || lo < 0) {
      zero(key);
      return undefined;
    }
    key[i] = (hi << 4) | lo;
  }
  return key;
}

function malformedKey(source: string): VaultError {
  return new VaultError(
    'MASTER_KEY_MALFORMED',
    `${source} must be exactly 64 hex digits (32 bytes; e.g. \`openssl rand -hex 32\`)`,
  );
}

/** The public fingerprint of a KEK: keyed BLAKE2b-128 of a fixed context, hex. */
export function kekIdOf(key: Uint8Array): string {
  if (key.byteLength !== KEK_BYTES) throw new VaultError('INVALID_KEY', `a KEK must be ${KEK_BYTES} bytes`);
  const out = Buffer.alloc(KEK_ID_BYTES);
  sodium.crypto_generichash(out, KEK_ID_CONTEXT, key);
  return out.toString('hex');
}

function kekOf(key: SecureBuffer): Kek {
  return { id: kekIdOf(key), key };
}

/** A KEK from 64 hex digits; `source` names where they came from in the error (never the value). */
export function kekFromHex(text: string, source: string = MASTER_KEY_ENV): Kek {
  const key = typeof text === 'string' ? decodeKeyHex(text.length, (i) => text.charCodeAt(i)) : undefined;
  if (key === undefined) throw malformedKey(source);
  return kekOf(key);
}

/**
 * A KEK from the bytes of a key file (64 hex digits, optionally one trailing "\n" or "\r\n").
 * The bytes are zeroed before this returns, whether or not they were valid.
 */
export function kekFromKeyFileBytes(bytes: Uint8Array, source: string = MASTER_KEY_FILE_ENV): Kek {
  try {
    let length = bytes.byteLength;
    if (length > 0 && bytes[length - 1] === 0x0a) {
      length--;
      if (length > 0 && bytes[length - 1] === 0x0d) length--;
    }
    const key = decodeKeyHex(length, (i) => bytes[i]!);
    if (key === undefined) throw malformedKey(source);
    return kekOf(key);
  } finally {
    zero(bytes);
  }
}

export interface KekSource {
  /** The process environment (or a test's). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a key file; the caller refuses files group or others can access. */
  readonly readFile: (path: string) => Uint8Array;
}

/**
 * The KEK from PALISADE_MASTER_KEY or the file PALISADE_MASTER_KEY_FILE names. Missing,
 * both set, unreadable or malformed: a VaultError whose message names the variable. An empty
 * variable counts as unset.
 */
export function loadKek(source: KekSource): Kek {
  const inline = source.env[MASTER_KEY_ENV];
  const file = source.env[MASTER_KEY_FILE_ENV];
  const hasInline = inline !== undefined && inline !== '';
  const hasFile = file !== undefined && file !== '';
  if (hasInline && hasFile) {
    throw new VaultError('MASTER_KEY_AMBIGUOUS', `both ${MASTER_KEY_ENV} and ${MASTER_KEY_FILE_ENV} are set; set only one`);
  }
  if (hasInline) return kekFromHex(inline, MASTER_KEY_ENV);
  if (hasFile) {
    let bytes: Uint8Array;
    try {
      bytes = source.readFile(file);
    } catch (cause) {
      throw new VaultError('MASTER_KEY_MISSING', `${MASTER_KEY_FILE_ENV}: cannot read the key file ${file}`, { cause });
    }
    return kekFromKeyFileBytes(bytes, `${MASTER_KEY_FILE_ENV} (${file})`);
  }
  throw new VaultError(
    'MASTER_KEY_MISSING',
    `no master key: set ${MASTER_KEY_ENV} to 64 hex digits (\`openssl rand -hex 32\`) or ${MASTER_KEY_FILE_ENV} to a file holding them`,
  );
}

/** A fresh random KEK (development keys, tests, rotation). */
export function generateKek(): Kek {
  const key = allocSecure(KEK_BYTES);
  sodium.randombytes_buf(key);
  return kekOf(key);
}

/** The key-file form of a KEK (hex + "\n") in secure memory; the caller writes it 0600 and zeroes it. */
export function kekKeyFileBytes(kek: Kek): SecureBuffer {
  const digits = '0123456789abcdef';
  const out = allocSecure(KEK_BYTES * 2 + 1);
  for (let i = 0; i < KEK_BYTES; i++) {
    out[2 * i] = digits.charCodeAt(kek.key[i]! >> 4);
    out[2 * i + 1] = digits.charCodeAt(kek.key[i]! & 0x0f);
  }
  out[KEK_BYTES * 2] = 0x0a;
  return out;
}

export function destroyKek(kek: Kek): void {
  zero(kek.key);
}

// ---- DEKs ---------------------------------------------------------------------------------

/** A fresh random DEK in secure memory; the caller zeroes it when done. */
export function generateDek(): SecureBuffer {
  const dek = allocSecure(DEK_BYTES);
  sodium.randombytes_buf(dek);
  return dek;
}

function checkName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_MEMBER_LENGTH && isWellFormed(value);
}

function checkIdentity(identity: DekIdentity): DekIdentity {
  const bad = (what: string) => new VaultError('WRAPPED_DEK_MALFORMED', `DEK identity: ${what}`);
  if (typeof identity !== 'object' || identity === null) throw bad('not an object');
  if (!isKid(identity.kid)) throw bad('kid is not 1-160 of [A-Za-z0-9._:@-]');
  if (!isKeyVersion(identity.kv)) throw bad('kv is not a positive integer');
  const owner = identity.owner;
  if (typeof owner !== 'object' || owner === null || !checkName(owner.tenantId)) throw bad('owner.tenantId');
  if (owner.kind === 'tenant') return { kid: identity.kid, kv: identity.kv, owner: { kind: 'tenant', tenantId: owner.tenantId } };
  if (owner.kind === 'user' && checkName(owner.userId)) {
    return { kid: identity.kid, kv: identity.kv, owner: { kind: 'user', tenantId: owner.tenantId, userId: owner.userId } };
  }
  throw bad('owner must be { kind: "tenant", tenantId } or { kind: "user", tenantId, userId }');
}

function wrapAad(identity: DekIdentity, kekId: string): Buffer {
  return contextBytes(DEK_WRAP_AAD_CONTEXT, {
    kekId,
    kid: identity.kid,
    kv: identity.kv,
    owner: { ...identity.owner },
  });
}

function checkKek(kek: Kek): void {
  if (typeof kek !== 'object' || kek === null || !(kek.key instanceof Uint8Array) || kek.key.byteLength !== KEK_BYTES) {
    throw new VaultError('INVALID_KEY', `a KEK must be ${KEK_BYTES} bytes`);
  }
}

/** Wraps `dek` (not modified, not kept) for `identity` under `kek`. */
export function wrapDek(dek: Uint8Array, identity: DekIdentity, kek: Kek): WrappedDek {
  if (!(dek instanceof Uint8Array) || dek.byteLength !== DEK_BYTES) throw new VaultError('INVALID_KEY', `a DEK must be ${DEK_BYTES} bytes`);
  checkKek(kek);
  const id = checkIdentity(identity);
  const nonce = Buffer.alloc(NONCE_BYTES);
  sodium.randombytes_buf(nonce);
  const ciphertext = Buffer.alloc(WRAPPED_DEK_BYTES);
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(ciphertext, dek, wrapAad(id, kek.id), null, nonce, kek.key);
  return { ...id, kekId: kek.id, nonce, ciphertext };
}

/**
 * The DEK in secure memory (the caller zeroes it). KEK_MISMATCH when the record names another
 * KEK; UNWRAP_FAILED when it does not authenticate (wrong KEK, changed identity or bytes).
 */
export function unwrapDek(wrapped: WrappedDek, kek: Kek): SecureBuffer {
  checkKek(kek);
  const id = checkIdentity(wrapped);
  if (!Buffer.isBuffer(wrapped.nonce) || wrapped.nonce.byteLength !== NONCE_BYTES) {
    throw new VaultError('WRAPPED_DEK_MALFORMED', `wrapped DEK: nonce must be ${NONCE_BYTES} bytes`);
  }
  if (!Buffer.isBuffer(wrapped.ciphertext) || wrapped.ciphertext.byteLength !== WRAPPED_DEK_BYTES) {
    throw new VaultError('WRAPPED_DEK_MALFORMED', `wrapped DEK: ciphertext must be ${WRAPPED_DEK_BYTES} bytes`);
  }
  if (wrapped.kekId !== kek.id) {
    throw new VaultError('KEK_MISMATCH', 'the DEK is wrapped by another master key than the one given');
  }
  const dek = allocSecure(DEK_BYTES);
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(dek, null, wrapped.ciphertext, wrapAad(id, kek.id), wrapped.nonce, kek.key);
  } catch {
    zero(dek);
    throw new VaultError('UNWRAP_FAILED', 'the wrapped DEK does not open with this master key');
  }
  return dek;
}

/** Unwraps, runs `use` with the DEK, and zeroes the DEK afterwards — also when `use` throws. */
export function withDek<T>(wrapped: WrappedDek, kek: Kek, use: (dek: SecureBuffer) => T): T {
  const dek = unwrapDek(wrapped, kek);
  try {
    return use(dek);
  } finally {
    zero(dek);
  }
}

/** KEK rotation: the same DEK and identity wrapped under `newKek` (fresh nonce); the DEK is zeroed. */
export function rewrap(wrapped: WrappedDek, oldKek: Kek, newKek: Kek): WrappedDek {
  checkKek(newKek);
  return withDek(wrapped, oldKek, (dek) => wrapDek(dek, wrapped, newKek));
}
