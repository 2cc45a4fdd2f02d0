// Key material lives in libsodium secure memory (guarded pages, locked, not swapped) and is
// zeroed after use (docs/spec.md "Credentials and keys").
import { sodium } from './sodium.ts';

/** A Buffer allocated with sodium_malloc. Call zero() when done with it. */
export type SecureBuffer = Buffer & { readonly secure: true };

export function allocSecure(size: number): SecureBuffer {
  return sodium.sodium_malloc(size) as SecureBuffer;
}

/** Overwrites the bytes with zeros in a way the compiler cannot optimise away (sodium_memzero). */
export function zero(buffer: Uint8Array): void {
  sodium.sodium_memzero(buffer);
}

export function isSecureBuffer(value: unknown): value is SecureBuffer {
  return Buffer.isBuffer(value) && (value as { secure?: unknown }).secure === true;
}
