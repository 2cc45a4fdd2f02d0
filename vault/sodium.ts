// The slice of libsodium (sodium-native) the vault uses, typed. crypto/sodium.ts names only
// what the signing layer needs and is not ours to edit, so the vault declares its own slice of
// the same module (one native instance: require caches it).
import { createRequire } from 'node:module';

export interface VaultSodium {
  readonly crypto_aead_xchacha20poly1305_ietf_KEYBYTES: number;
  readonly crypto_aead_xchacha20poly1305_ietf_NPUBBYTES: number;
  readonly crypto_aead_xchacha20poly1305_ietf_ABYTES: number;
  readonly crypto_box_PUBLICKEYBYTES: number;
  readonly crypto_box_SECRETKEYBYTES: number;
  readonly crypto_box_SEALBYTES: number;
  /** Returns the number of bytes written to `c` (m.length + ABYTES). */
  crypto_aead_xchacha20poly1305_ietf_encrypt(
    c: Uint8Array,
    m: Uint8Array,
    ad: Uint8Array | null,
    nsec: null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  /** Throws on authentication failure. */
  crypto_aead_xchacha20poly1305_ietf_decrypt(
    m: Uint8Array,
    nsec: null,
    c: Uint8Array,
    ad: Uint8Array | null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  crypto_box_keypair(pk: Uint8Array, sk: Uint8Array): void;
  crypto_box_seal(c: Uint8Array, m: Uint8Array, pk: Uint8Array): void;
  /** Returns false when the box does not open. */
  crypto_box_seal_open(m: Uint8Array, c: Uint8Array, pk: Uint8Array, sk: Uint8Array): boolean;
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void;
  crypto_generichash(output: Uint8Array, input: Uint8Array, key?: Uint8Array): void;
  randombytes_buf(buffer: Uint8Array): void;
  sodium_memcmp(a: Uint8Array, b: Uint8Array): boolean;
}

export const sodium = createRequire(import.meta.url)('sodium-native') as VaultSodium;
