// crypto/vault/store/dek-cache.ts: bounded, short-lived, and forgets what a destroy removes.
import { describe, expect, it } from 'vitest';
import { DekCache } from '../../crypto/vault/store/index.ts';
import type { WrappedDek } from '../../crypto/vault/index.ts';

const T1 = '11111111-1111-4111-8111-111111111111';
const T2 = '22222222-2222-4222-8222-222222222222';
const dek = (tenantId: string, userId: string, kv = 1): WrappedDek => ({
  kid: `dek-u-${userId}`, kv, owner: { kind: 'user', tenantId, userId }, kekId: '0'.repeat(32), nonce: Buffer.alloc(24), ciphertext: Buffer.alloc(48),
});

describe('DekCache', () => {
  it('returns what was set until the TTL passes', () => {
    let now = 1_000;
    const cache = new DekCache({ ttlMs: 100, now: () => now });
    const d = dek(T1, 'a');
    cache.set(d);
    expect(cache.get(T1, 'dek-u-a', 1)).toBe(d);
    expect(cache.get(T1, 'dek-u-a', 2)).toBeUndefined();
    now += 100;
    expect(cache.get(T1, 'dek-u-a', 1)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used entry beyond maxEntries', () => {
    const cache = new DekCache({ maxEntries: 2 });
    cache.set(dek(T1, 'a'));
    cache.set(dek(T1, 'b'));
    cache.get(T1, 'dek-u-a', 1); // a is now the most recent
    cache.set(dek(T1, 'c'));
    expect(cache.get(T1, 'dek-u-b', 1)).toBeUndefined();
    expect(cache.get(T1, 'dek-u-a', 1)).toBeDefined();
    expect(cache.get(T1, 'dek-u-c', 1)).toBeDefined();
  });

  it('forgets one version, a user (every version), or a tenant', () => {
    const cache = new DekCache();
    for (const d of [dek(T1, 'a'), dek(T1, 'a', 2), dek(T1, 'b'), dek(T2, 'a')]) cache.set(d);
    cache.delete(T1, 'dek-u-b', 1);
    expect(cache.get(T1, 'dek-u-b', 1)).toBeUndefined();
    cache.deleteUser(T1, 'a');
    expect(cache.get(T1, 'dek-u-a', 1)).toBeUndefined();
    expect(cache.get(T1, 'dek-u-a', 2)).toBeUndefined();
    expect(cache.get(T2, 'dek-u-a', 1)).toBeDefined();
    cache.deleteTenant(T2);
    expect(cache.size).toBe(0);
  });

  it('keeps nothing with maxEntries 0', () => {
    const cache = new DekCache({ maxEntries: 0 });
    cache.set(dek(T1, 'a'));
    expect(cache.size).toBe(0);
  });
});
