// crypto/vault/store/key-store.ts on a real PostgreSQL (a private migrated database): race-safe creation,
// tombstones, version destruction, open counts, the intake key, and KEK rotation (resumable).
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zero } from '../../crypto/secure-memory.ts';
import { openPool } from '../../adapters/postgres/pool.ts';
import { KeyStore, KeyStoreError, type RotationProgress, userKid } from '../../crypto/vault/store/index.ts';
import {
  type Kek, type WrappedDek, VaultError, destroyKek, generateKek, openIntake, sealToIntake, unwrapDek,
} from '../../crypto/vault/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/stack.ts';

let db: TestDatabase;
let pool: pg.Pool;
let kek: Kek;
const keks: Kek[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = openPool({ connectionString: db.url, max: 30 });
  kek = generateKek();
  keks.push(kek);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
  for (const k of keks) destroyKek(k);
});

const tenant = () => randomUUID();
const store = (options: { kek?: Kek; cache?: boolean } = {}) => new KeyStore(pool, options.kek ?? kek, options.cache === true ? {} : { cache: false });

async function failure(promise: Promise<unknown>): Promise<KeyStoreError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KeyStoreError) return error;
    throw error;
  }
  throw new Error('expected a KeyStoreError');
}

function vaultFailure(fn: () => unknown): VaultError {
  try {
    fn();
  } catch (error) {
    if (error instanceof VaultError) return error;
    throw error;
  }
  throw new Error('expected a VaultError');
}

/** The DEK bytes (hex) under `k`; only for comparing in tests. */
function dekHex(wrapped: WrappedDek, k: Kek): string {
  const dek = unwrapDek(wrapped, k);
  try {
    return Buffer.from(dek).toString('hex');
  } finally {
    zero(dek);
  }
}

async function rowCount(sql: string, values: unknown[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from ${sql}`, values);
  return rows[0]!.n;
}

describe('dekFor', () => {
  it('20 concurrent callers (separate stores, no cache) get one row and the same DEK', async () => {
    const t = tenant();
    const results = await Promise.all(Array.from({ length: 20 }, () => store().dekFor({ tenantId: t, userId: 'u-race' }, 1)));
    expect(await rowCount('vault.deks where tenant_id = $1', [t])).toBe(1);
    const first = results[0]!;
    expect(first).toMatchObject({ kid: 'dek-u-race', kv: 1, owner: { kind: 'user', tenantId: t, userId: 'u-race' }, kekId: kek.id });
    for (const r of results) {
      expect(r.nonce.equals(first.nonce)).toBe(true);
      expect(r.ciphertext.equals(first.ciphertext)).toBe(true);
    }
    expect(new Set(results.map((r) => dekHex(r, kek))).size).toBe(1);
  });

  it('gives each version and each user its own DEK, and find() returns exactly the stored one', async () => {
    const t = tenant();
    const s = store({ cache: true });
    const v1 = await s.dekFor({ tenantId: t, userId: 'u-1' }, 1);
    const v2 = await s.dekFor({ tenantId: t, userId: 'u-1' }, 2);
    const other = await s.dekFor({ tenantId: t, userId: 'u-2' }, 1);
    expect(new Set([dekHex(v1, kek), dekHex(v2, kek), dekHex(other, kek)]).size).toBe(3);
    const found = await store().find(t, userKid('u-1'), 2);
    expect(found && dekHex(found, kek)).toBe(dekHex(v2, kek));
    expect(await store().find(t, userKid('u-1'), 3)).toBeUndefined();
    expect(await store().find(tenant(), userKid('u-1'), 1)).toBeUndefined();
  });

  it('refuses malformed arguments with INVALID_ARGUMENT, before touching the database', async () => {
    const s = store();
    expect((await failure(s.dekFor({ tenantId: 'not-a-uuid', userId: 'u' }, 1))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(s.dekFor({ tenantId: tenant().toUpperCase(), userId: 'u' }, 1))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(s.dekFor({ tenantId: tenant(), userId: 'u space' }, 1))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(s.dekFor({ tenantId: tenant(), userId: 'u' }, 0))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(s.dekFor({ tenantId: tenant(), userId: 'u' }, 1.5))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(s.find(tenant(), 'bad kid', 1))).code).toBe('INVALID_ARGUMENT');
  });
});

describe('destroy', () => {
  it('destroyUser deletes the user\'s DEKs and tombstones the user: no DEK is ever created again', async () => {
    const t = tenant();
    const s = store({ cache: true });
    await s.dekFor({ tenantId: t, userId: 'gone' }, 1);
    await s.dekFor({ tenantId: t, userId: 'gone' }, 2);
    const kept = await s.dekFor({ tenantId: t, userId: 'stays' }, 1);
    expect(await s.destroyUser(t, 'gone')).toBe(2);
    expect(await s.find(t, userKid('gone'), 1)).toBeUndefined(); // the cache forgot it too
    const refused = await failure(s.dekFor({ tenantId: t, userId: 'gone' }, 1));
    expect(refused.code).toBe('OWNER_DESTROYED');
    expect(refused.message).not.toContain('gone');
    expect((await failure(store().dekFor({ tenantId: t, userId: 'gone' }, 3))).code).toBe('OWNER_DESTROYED');
    expect(await rowCount('vault.deks where tenant_id = $1 and user_id = $2', [t, 'gone'])).toBe(0);
    // Idempotent; the other user is untouched; the same user id in another tenant is another owner.
    expect(await s.destroyUser(t, 'gone')).toBe(0);
    expect(await rowCount("vault.destroyed_owners where tenant_id = $1 and user_id = 'gone'", [t])).toBe(1);
    expect(dekHex((await s.dekFor({ tenantId: t, userId: 'stays' }, 1)), kek)).toBe(dekHex(kept, kek));
    await expect(s.dekFor({ tenantId: tenant(), userId: 'gone' }, 1)).resolves.toMatchObject({ kid: 'dek-gone' });
  });

  it('destroyTenant deletes every DEK of the tenant and refuses any new one', async () => {
    const t = tenant();
    const s = store({ cache: true });
    for (const user of ['a', 'b', 'c']) await s.dekFor({ tenantId: t, userId: user }, 1);
    await s.destroyUser(t, 'c');
    expect(await s.destroyTenant(t)).toBe(2);
    expect(await s.destroyTenant(t)).toBe(0);
    for (const user of ['a', 'new']) expect((await failure(s.dekFor({ tenantId: t, userId: user }, 1))).code).toBe('OWNER_DESTROYED');
    expect(await s.find(t, userKid('a'), 1)).toBeUndefined();
    // One tombstone for the whole tenant; the users' tombstones (user ids) are gone.
    const { rows } = await pool.query('select user_id from vault.destroyed_owners where tenant_id = $1', [t]);
    expect(rows).toEqual([{ user_id: null }]);
    expect(await s.destroyUser(t, 'a')).toBe(0);
    expect(await rowCount('vault.destroyed_owners where tenant_id = $1', [t])).toBe(1);
  });

  it('a destroy racing 20 creations leaves no DEK of the user behind (zombie creators are refused)', async () => {
    for (let round = 0; round < 5; round++) {
      const t = tenant();
      const creations = Array.from({ length: 20 }, (_, i) =>
        new Promise((resolve) => setTimeout(resolve, i % 5)).then(() => store().dekFor({ tenantId: t, userId: 'racer' }, 1 + (i % 3))),
      );
      const destroyed = new Promise((resolve) => setTimeout(resolve, 2)).then(() => store().destroyUser(t, 'racer'));
      const settled = await Promise.allSettled([...creations, destroyed]);
      for (const r of settled) if (r.status === 'rejected') expect((r.reason as KeyStoreError).code).toBe('OWNER_DESTROYED');
      expect(await rowCount('vault.deks where tenant_id = $1', [t])).toBe(0);
    }
  });

  it('destroyVersion deletes one version and tombstones it; other versions live on', async () => {
    const t = tenant();
    const s = store({ cache: true });
    await s.dekFor({ tenantId: t, userId: 'v' }, 1);
    const v2 = await s.dekFor({ tenantId: t, userId: 'v' }, 2);
    expect(await s.destroyVersion(t, userKid('v'), 1)).toBe(true);
    expect(await s.destroyVersion(t, userKid('v'), 1)).toBe(false);
    expect(await s.find(t, userKid('v'), 1)).toBeUndefined();
    expect((await failure(s.dekFor({ tenantId: t, userId: 'v' }, 1))).code).toBe('VERSION_DESTROYED');
    expect(dekHex((await s.dekFor({ tenantId: t, userId: 'v' }, 2)), kek)).toBe(dekHex(v2, kek));
    // Erasing the user replaces the version tombstone (it names the user) with the owner's.
    await s.destroyUser(t, 'v');
    expect(await rowCount('vault.destroyed_keys where tenant_id = $1', [t])).toBe(0);
    expect((await failure(s.dekFor({ tenantId: t, userId: 'v' }, 1))).code).toBe('OWNER_DESTROYED');
  });
});

describe('open counts', () => {
  it('counts opens per DEK version, lists every version, and goes with the DEK', async () => {
    const t = tenant();
    const s = store();
    await s.dekFor({ tenantId: t, userId: 'o' }, 1);
    await s.dekFor({ tenantId: t, userId: 'o' }, 2);
    await s.dekFor({ tenantId: t, userId: 'p' }, 1);
    for (let i = 0; i < 3; i++) expect(await s.countOpen(t, userKid('o'), 1)).toBe(true);
    await Promise.all(Array.from({ length: 10 }, () => s.countOpen(t, userKid('p'), 1)));
    expect(await s.countOpen(t, userKid('nobody'), 1)).toBe(false);
    const counts = await s.openCounts(t);
    expect(counts.map((c) => [c.kid, c.kv, c.opens, c.lastOpenedAt === null])).toEqual([
      ['dek-o', 1, 3, false],
      ['dek-o', 2, 0, true],
      ['dek-p', 1, 10, false],
    ]);
    expect(counts[0]!.owner).toEqual({ kind: 'user', tenantId: t, userId: 'o' });
    expect(Date.parse(counts[0]!.lastOpenedAt!)).toBeGreaterThan(Date.now() - 60_000);
    await s.destroyUser(t, 'o');
    expect((await s.openCounts(t)).map((c) => c.kid)).toEqual(['dek-p']);
    expect(await rowCount("vault.open_counts where tenant_id = $1 and kid = 'dek-o'", [t])).toBe(0);
    expect(await s.openCounts(tenant())).toEqual([]);
  });
});

describe('intake key', () => {
  it('is created once under concurrency; its pair opens what is sealed to its public key', async () => {
    // The test database is private, so the first call creates it.
    const infos = await Promise.all(Array.from({ length: 10 }, () => store().intakeKey()));
    expect(await rowCount('vault.intake_keys', [])).toBe(1);
    expect(infos.filter((i) => i.created)).toHaveLength(1);
    expect(new Set(infos.map((i) => i.publicKey.toString('hex'))).size).toBe(1);
    expect(infos[0]!.fingerprint).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(infos[0]!.kekId).toBe(kek.id);
    const s = store();
    expect((await s.intakePublicKey()).equals(infos[0]!.publicKey)).toBe(true);
    const binding = { tenantId: tenant(), subject: 'u-1', purpose: 'provider-key', field: 'anthropic' };
    const box = sealToIntake(Buffer.from('sk-ant-secret-value-1234'), infos[0]!.publicKey, binding);
    const pair = await s.intakeKeyPair();
    const opened = openIntake(box, pair, binding);
    expect(Buffer.from(opened).toString()).toBe('sk-ant-secret-value-1234');
    zero(opened);
    zero(pair.secretKey);
  });
});

describe('rotateKek', () => {
  it('rewraps 24+ DEKs and the intake key; resumes after an interruption; none opens with the old KEK', async () => {
    const s = store();
    const owners: Array<{ tenantId: string; userId: string; kv: number }> = [];
    for (const t of [tenant(), tenant(), tenant()])
      for (const userId of ['r1', 'r2', 'r3', 'r4'])
        for (const kv of [1, 2]) owners.push({ tenantId: t, userId, kv });
    const before = new Map<string, string>();
    for (const o of owners) before.set(`${o.tenantId}/${o.userId}/${o.kv}`, dekHex(await s.dekFor(o, o.kv), kek));
    const intakeBefore = await s.intakePublicKey();
    const total = await rowCount('vault.deks', []);
    expect(total).toBeGreaterThanOrEqual(24);

    const next = generateKek();
    keks.push(next);
    // Interrupted after the second batch (each batch commits before onProgress runs).
    const seen: RotationProgress[] = [];
    const interrupted = await s
      .rotateKek(next, {
        batchSize: 5,
        onProgress: (p) => {
          seen.push(p);
          if (seen.length === 2) throw new Error('operator pressed ^C');
        },
      })
      .catch((e: unknown) => e);
    expect((interrupted as Error).message).toBe('operator pressed ^C');
    expect(seen.map((p) => [p.phase, p.done])).toEqual([['deks', 5], ['deks', 10]]);
    expect(await rowCount('vault.deks where kek_id = $1', [next.id])).toBe(10);
    expect(await rowCount('vault.deks where kek_id = $1', [kek.id])).toBe(total - 10);

    // Rerun: only the rest is rewrapped, the intake key too, and the result is verified.
    const progress: RotationProgress[] = [];
    const result = await s.rotateKek(next, { batchSize: 7, onProgress: (p) => void progress.push(p) });
    expect(result).toEqual({ rewrapped: total - 10, intakeKeys: 1, oldKekId: kek.id, newKekId: next.id });
    expect(progress.at(-1)).toEqual({ phase: 'intake-keys', done: 1, total: 1 });
    expect(progress.filter((p) => p.phase === 'deks').at(-1)).toEqual({ phase: 'deks', done: total - 10, total: total - 10 });
    expect(await rowCount('vault.deks where kek_id <> $1', [next.id])).toBe(0);
    expect(await rowCount('vault.intake_keys where kek_id <> $1', [next.id])).toBe(0);

    const fresh = store({ kek: next });
    for (const o of owners) {
      const wrapped = (await fresh.find(o.tenantId, userKid(o.userId), o.kv))!;
      expect(wrapped.kekId).toBe(next.id);
      expect(dekHex(wrapped, next)).toBe(before.get(`${o.tenantId}/${o.userId}/${o.kv}`));
      expect(vaultFailure(() => unwrapDek(wrapped, kek)).code).toBe('KEK_MISMATCH');
      // Even relabelled as wrapped by the old KEK, it does not open with it.
      expect(vaultFailure(() => unwrapDek({ ...wrapped, kekId: kek.id }, kek)).code).toBe('UNWRAP_FAILED');
    }
    const pair = await fresh.intakeKeyPair();
    expect(pair.publicKey.equals(intakeBefore)).toBe(true);
    zero(pair.secretKey);
    expect((await failure(store().intakeKeyPair())).code).toBe('KEK_MISMATCH');

    // Nothing left to do: a rerun rewraps nothing; rotating to the key in use is refused.
    expect(await store({ kek }).rotateKek(next)).toMatchObject({ rewrapped: 0, intakeKeys: 0 });
    expect((await failure(fresh.rotateKek(next))).code).toBe('SAME_KEK');

    // A row under a third, unknown KEK stops a rotation with UNKNOWN_KEK (and names no key bytes).
    const third = generateKek();
    keks.push(third);
    await store({ kek: third }).dekFor({ tenantId: tenant(), userId: 'stray' }, 1);
    const last = generateKek();
    keks.push(last);
    const underNext = await rowCount('vault.deks where kek_id = $1', [next.id]);
    const unknown = await failure(fresh.rotateKek(last));
    expect(unknown.code).toBe('UNKNOWN_KEK');
    expect(await rowCount('vault.deks where kek_id = $1', [next.id])).toBe(underNext); // nothing changed
    expect(unknown.message).toContain(third.id);
    expect(unknown.message).not.toContain(Buffer.from(third.key).toString('hex'));
    expect((await failure(fresh.rotateKek(last, { batchSize: 0 }))).code).toBe('INVALID_ARGUMENT');
  });
});
