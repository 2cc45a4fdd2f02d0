// Small helpers over sealed values for the vault flow tests: the exact shape an event must
// carry, and opening one directly with a DEK from the key store (the attacker's best tool: the
// target's real data key).
import { expect } from 'vitest';
import { zero } from '../../../crypto/secure-memory.ts';
import type { KeyStore } from '../../../crypto/vault/store/key-store.ts';
import type { Binding } from '../../../crypto/vault/binding.ts';
import { VaultError } from '../../../crypto/vault/errors.ts';
import { open, type SealedValue } from '../../../crypto/vault/sealed-value.ts';

/** Unpadded base64url length of `bytes` bytes. */
const b64len = (bytes: number) => Math.ceil((bytes * 4) / 3);

/** Exactly { v: 2, kid: dek-<userId>, kv, n (24 bytes), ct (plaintext + 16-byte tag) }, nothing else. */
export function expectSealed(value: unknown, userId: string, kv: number, plaintext: string): SealedValue {
  expect(Object.keys(value as object).sort()).toEqual(['ct', 'kid', 'kv', 'n', 'v']);
  expect(value).toEqual({
    v: 2, kid: `dek-${userId}`, kv,
    n: expect.stringMatching(new RegExp(`^[A-Za-z0-9_-]{${b64len(24)}}$`)),
    ct: expect.stringMatching(new RegExp(`^[A-Za-z0-9_-]{${b64len(Buffer.byteLength(plaintext, 'utf8') + 16)}}$`)),
  });
  return value as SealedValue;
}

/** Opens `sealed` with the DEK (tenantId, kid, kv) of `store` under `binding`; the plaintext as text. */
export async function openWith(store: KeyStore, tenantId: string, kid: string, kv: number, sealed: unknown, binding: Binding): Promise<string> {
  const wrapped = await store.find(tenantId, kid, kv);
  if (wrapped === undefined) throw new Error(`no DEK ${tenantId}/${kid}#${kv}`);
  return store.withDek(wrapped, (dek) => {
    const plaintext = open(sealed, dek, binding);
    try {
      return Buffer.from(plaintext).toString('utf8');
    } finally {
      zero(plaintext);
    }
  });
}

/** The VaultError code of `attempt` (fails the test if it succeeds or throws anything else). */
export async function vaultCode(attempt: () => Promise<unknown>): Promise<string> {
  try {
    await attempt();
  } catch (error) {
    if (error instanceof VaultError) return error.code;
    throw error;
  }
  throw new Error('expected a VaultError, but it opened');
}
