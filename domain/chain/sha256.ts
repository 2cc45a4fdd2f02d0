// SHA-256 through libsodium (all cryptography goes through sodium-native).
import { createRequire } from 'node:module';

interface SodiumHash {
  crypto_hash_sha256(out: Uint8Array, input: Uint8Array): void;
  readonly crypto_hash_sha256_BYTES: number;
}

// sodium-native ships no type declarations; load it through require and name only what we use.
const sodium = createRequire(import.meta.url)('sodium-native') as SodiumHash;

export const SHA256_BYTES = 32;

export function sha256(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(SHA256_BYTES);
  sodium.crypto_hash_sha256(out, bytes);
  return out;
}

/** Lowercase hex SHA-256 of the UTF-8 bytes of `text`. */
export function sha256HexOfText(text: string): string {
  return sha256(Buffer.from(text, 'utf8')).toString('hex');
}
