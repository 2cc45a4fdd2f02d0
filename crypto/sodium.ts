// The slice of libsodium (sodium-native) this layer uses, typed. sodium-native ships no type
// declarations, so it is loaded through require and only these functions are named.
import { createRequire } from 'node:module';

export interface Sodium {
  readonly crypto_sign_PUBLICKEYBYTES: number;
  readonly crypto_sign_SECRETKEYBYTES: number;
  readonly crypto_sign_BYTES: number;
  crypto_sign_keypair(publicKey: Uint8Array, secretKey: Uint8Array): void;
  crypto_sign_ed25519_sk_to_pk(publicKey: Uint8Array, secretKey: Uint8Array): void;
  crypto_sign_detached(signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void;
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  sodium_malloc(size: number): Buffer & { secure?: boolean };
  sodium_memzero(buffer: Uint8Array): void;
}

export const sodium = createRequire(import.meta.url)('sodium-native') as Sodium;
