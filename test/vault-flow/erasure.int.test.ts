// Crypto-shredding end to end (issue 5): EraseUser through the real processor destroys every
// data key of the user in that tenant (all versions), the projector removes every trace of them
// from every read model, everyone else (the same user id in another tenant included) keeps
// theirs, and the tenant's chain is untouched: every event hash as before, `palisade audit
// verify` passes. DeleteTenant destroys every data key of the tenant.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyStoreError } from '../../crypto/vault/store/errors.ts';
import { connectSourcePayload, rotateProviderKeyPayload, storeProviderKeyPayload } from '../../producers/secrets.ts';
import type { Provider } from '../../domain/tenant/types.ts';
import type { SealedValue } from '../../crypto/vault/sealed-value.ts';
import { testConfig } from '../support/stack.ts';
import { userActor } from '../support/spine.ts';
import { VaultFlow, anthropicKey, email, keyRef, newTenant, sourceRef, uid, type StoredEventWithHash } from './support/flow.ts';
import { mentions, rowsOfTenant, tablesOf } from './support/scan.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let f: VaultFlow;
const T = newTenant();
const T2 = newTenant();
const owner = uid('owner');
const admin = uid('admin');
const alice = uid('alice');
const bob = uid('bob');
const owner2 = uid('owner2');
const [S1, S2] = [randomUUID(), randomUUID()];
const keys = { alice1: anthropicKey(), alice2: anthropicKey(), aliceOpenai: `sk-proj-${randomUUID()}`, aliceT2: anthropicKey(), bob: anthropicKey() };
/** Alice's sealed values as events carried them (what a stale copy or a backup would hold). */
const aliceSealed: { ref: ReturnType<typeof keyRef>; sealed: SealedValue }[] = [];
let before: StoredEventWithHash[];

const storeKey = (tenantId: string, actor: string, apiKey: string, provider: Provider = 'anthropic') => ({
  tenantId, type: 'StoreProviderKey' as const, actor: userActor(actor), payload: storeProviderKeyPayload({ tenantId, userId: actor, provider, apiKey }, f.intakePublicKey),
});
const connect = (tenantId: string, actor: string, sourceId: string) => ({
  tenantId, type: 'ConnectSource' as const, actor: userActor(actor),
  payload: connectSourcePayload({ tenantId, sourceId, kind: 'snowflake', name: `wh-${sourceId.slice(0, 4)}`, config: { account: 'acme', password: `pw-${randomUUID()}` } }, f.intakePublicKey),
});

/** `palisade audit verify --tenant <id> --json` against the spine, as a process. */
function auditVerify(tenantId: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env['PATH'] ?? '',
    KAFKA_BROKERS: testConfig().brokers.join(','),
    DATABASE_URL: f.spine.db.url,
    PALISADE_TOPIC_PREFIX: f.spine.prefix,
    PALISADE_PARTITIONS: String(f.spine.partitions),
    PALISADE_DATA_DIR: testConfig().dataDir,
  };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/palisade.js', 'audit', 'verify', '--tenant', tenantId, '--json'], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  f = await VaultFlow.create();
  await f.tenant(T, owner, [[admin, 'admin'], [alice, 'member'], [bob, 'member']]);
  await f.tenant(T2, owner2, [[alice, 'member']]);
  // Alice's data at key version 1 …
  const stored = await f.eventOf(await f.accept(storeKey(T, alice, keys.alice1)), 'ProviderKeyStored');
  aliceSealed.push({ ref: keyRef(T, alice, 'anthropic'), sealed: stored.payload['secret'] as unknown as SealedValue });
  await f.accept(connect(T, alice, S1));
  await f.accept({ tenantId: T, type: 'AuthorizeSourceQuery', actor: userActor(alice), payload: { sourceId: S1, queryHash: 'a'.repeat(64), maxRows: 10, maxBytes: 1000 } });
  await f.accept(storeKey(T, bob, keys.bob));
  // … and at version 2, after the tenant key rotated.
  await f.accept({ tenantId: T, type: 'RotateTenantKey', actor: userActor(admin), payload: {} });
  const rotated = await f.eventOf(await f.accept({
    tenantId: T, type: 'RotateProviderKey', actor: userActor(alice),
    payload: rotateProviderKeyPayload({ tenantId: T, userId: alice, provider: 'anthropic', apiKey: keys.alice2 }, f.intakePublicKey),
  }), 'ProviderKeyRotated');
  aliceSealed.push({ ref: keyRef(T, alice, 'anthropic'), sealed: rotated.payload['secret'] as unknown as SealedValue });
  const openai = await f.eventOf(await f.accept(storeKey(T, alice, keys.aliceOpenai, 'openai')), 'ProviderKeyStored');
  aliceSealed.push({ ref: keyRef(T, alice, 'openai'), sealed: openai.payload['secret'] as unknown as SealedValue });
  await f.accept(connect(T, alice, S2));
  // The same user in another tenant.
  await f.accept(storeKey(T2, alice, keys.aliceT2));
  await f.waitForProjection();
  const opener = f.opener();
  expect(await f.open(opener, keyRef(T, alice, 'anthropic'))).toBe(keys.alice2);
  expect(await f.open(opener, keyRef(T, alice, 'openai'))).toBe(keys.aliceOpenai);
  expect(await f.deks(T, alice)).toEqual([`dek-${alice}#1`, `dek-${alice}#2`]);
  before = await f.events(T);
});
afterAll(async () => f?.close());

describe('EraseUser', () => {
  let erased: StoredEventWithHash[];

  beforeAll(async () => {
    const result = await f.accept({ tenantId: T, type: 'EraseUser', actor: userActor(owner), payload: { userId: alice, reason: 'GDPR request 4711' } });
    expect(await f.eventOf(result, 'UserErased')).toMatchObject({ payload: { userId: alice }, actor: { kind: 'user', id: owner } });
    // The shredder runs right after the commit the result reports.
    await f.until('alice\'s data keys destroyed', async () => (await f.deks(T, alice)).length === 0);
    // Life goes on in the tenant.
    await f.accept({ tenantId: T, type: 'RotateProviderKey', actor: userActor(bob), payload: rotateProviderKeyPayload({ tenantId: T, userId: bob, provider: 'anthropic', apiKey: keys.bob }, f.intakePublicKey) });
    await f.waitForProjection();
    erased = await f.events(T);
  });

  it('destroys every data key of the user in that tenant, every version, with its open counts; none is ever created again', async () => {
    expect(await f.store.find(T, `dek-${alice}`, 1)).toBeUndefined();
    expect(await f.store.find(T, `dek-${alice}`, 2)).toBeUndefined();
    expect((await f.store.openCounts(T)).map((c) => c.kid)).not.toContain(`dek-${alice}`);
    expect(await f.q('select count(*)::int as n from vault.open_counts where tenant_id = $1 and kid = $2', [T, `dek-${alice}`])).toEqual([{ n: 0 }]);
    const recreate = await f.store.dekFor({ tenantId: T, userId: alice }, 2).catch((e: unknown) => e);
    expect(recreate).toBeInstanceOf(KeyStoreError);
    expect((recreate as KeyStoreError).code).toBe('OWNER_DESTROYED');
    // What remains in the key store is the tombstone that forbids re-creation (crypto/vault/store/README.md).
    expect(await f.q('select user_id from vault.destroyed_owners where tenant_id = $1', [T])).toEqual([{ user_id: alice }]);
  });

  it('the opener finds nothing of the user; a stale copy of their sealed values opens nothing: SECRET_DESTROYED', async () => {
    const opener = f.opener();
    for (const ref of [keyRef(T, alice, 'anthropic'), keyRef(T, alice, 'openai'), sourceRef(T, alice, S1), sourceRef(T, alice, S2)])
      expect((await f.openFails(opener, ref)).code, JSON.stringify(ref)).toBe('SECRET_NOT_FOUND');
    expect(aliceSealed.map((s) => s.sealed.kv)).toEqual([1, 2, 2]);
    for (const { ref, sealed } of aliceSealed) {
      const stale = f.opener({ read: async () => ({ version: 1, format: 'v2', sealed }) });
      const error = await f.openFails(stale, ref);
      expect([error.code, error.message]).toEqual(['SECRET_DESTROYED', 'the key that sealed this secret has been destroyed']);
    }
  });

  it('everyone else keeps theirs: bob in the tenant, and alice\'s own data in another tenant', async () => {
    const opener = f.opener();
    expect(await f.open(opener, keyRef(T, bob, 'anthropic'))).toBe(keys.bob);
    expect(await f.open(opener, keyRef(T2, alice, 'anthropic'))).toBe(keys.aliceT2);
    expect(await f.deks(T, bob)).toEqual([`dek-${bob}#1`, `dek-${bob}#2`]);
    expect(await f.deks(T2, alice)).toEqual([`dek-${alice}#1`]);
    expect(await f.q('select user_id from analytics.members where tenant_id = $1 order by user_id', [T])).toEqual(
      [admin, bob, owner].sort().map((user_id) => ({ user_id })));
    expect(await f.q('select user_id, version from analytics.provider_keys where tenant_id = $1', [T])).toEqual([{ user_id: bob, version: 2 }]);
  });

  it('leaves nothing of the user, id or email, in any table of any read-model generation of that tenant', async () => {
    const models = await tablesOf(f.rm.admin, 'rm\\_%');
    expect(models.length).toBeGreaterThanOrEqual(7);
    for (const needle of [alice, email(alice), `dek-${alice}`]) expect(await mentions(f.rm.admin, models, needle, T), needle).toEqual({});
    // The scan sees the other tenant's alice (same id, same email) and the tenant's remaining rows.
    const elsewhere = await mentions(f.rm.admin, models, email(alice), T2);
    expect(Object.keys(elsewhere).some((t) => t.endsWith('.members'))).toBe(true);
    expect(Object.values(await mentions(f.rm.admin, models, bob, T)).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5);
    // Nor in any other table of the database, but the key store's tombstone.
    const rest = await tablesOf(f.rm.admin, '%', ['pg_catalog', 'information_schema', 'pg_toast']);
    const outside = rest.filter((t) => !t.schema.startsWith('rm_'));
    expect(outside.length).toBeGreaterThan(5);
    expect(await mentions(f.rm.admin, outside, alice, T)).toEqual({ 'vault.destroyed_owners': 1 });
  });

  it('changes no event: every hash as before, and `palisade audit verify` passes', async () => {
    expect(erased.slice(0, before.length)).toEqual(before);
    expect(erased.slice(before.length).map((e) => e.event.type)).toEqual(['UserErased', 'ProviderKeyRotated']);
    // The reason of the erasure is not in the chain.
    expect(JSON.stringify(erased)).not.toContain('GDPR request 4711');
    const r = await auditVerify(T);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, tenantId: T, events: erased.length, head: { seq: erased.length, hash: erased.at(-1)!.hash } });
  });
});

describe('DeleteTenant', () => {
  const T3 = newTenant();
  const owner3 = uid('owner3');
  const dave = uid('dave');
  const sealed: { ref: ReturnType<typeof keyRef>; sealed: SealedValue }[] = [];

  it('destroys every data key of the tenant, every user and version, and no key is created for it again', async () => {
    await f.tenant(T3, owner3, [[dave, 'member']]);
    for (const [user, key] of [[owner3, anthropicKey()], [dave, anthropicKey()]] as const) {
      const e = await f.eventOf(await f.accept(storeKey(T3, user, key)), 'ProviderKeyStored');
      sealed.push({ ref: keyRef(T3, user, 'anthropic'), sealed: e.payload['secret'] as unknown as SealedValue });
    }
    await f.accept({ tenantId: T3, type: 'RotateTenantKey', actor: userActor(owner3), payload: {} });
    await f.accept(connect(T3, dave, randomUUID()));
    expect(await f.deks(T3)).toEqual([`dek-${dave}#1`, `dek-${dave}#2`, `dek-${owner3}#1`].sort());
    await f.waitForProjection();
    expect(await f.open(f.opener(), keyRef(T3, dave, 'anthropic'))).toMatch(/^sk-ant-api03-/);

    await f.accept({ tenantId: T3, type: 'DeleteTenant', actor: userActor(owner3), payload: { reason: 'closing' } });
    await f.until('the tenant\'s data keys destroyed', async () => (await f.deks(T3)).length === 0);
    for (const k of [`dek-${dave}#1`, `dek-${dave}#2`, `dek-${owner3}#1`]) {
      const [kid, kv] = k.split('#') as [string, string];
      expect(await f.store.find(T3, kid, Number(kv))).toBeUndefined();
    }
    expect(await f.store.openCounts(T3)).toEqual([]);
    expect(await f.q('select user_id from vault.destroyed_owners where tenant_id = $1', [T3])).toEqual([{ user_id: null }]);
    for (const user of [dave, uid('newcomer')]) {
      const error = await f.store.dekFor({ tenantId: T3, userId: user }, 3).catch((e: unknown) => e);
      expect((error as KeyStoreError).code).toBe('OWNER_DESTROYED');
    }
    // The other tenants keep theirs.
    expect(await f.deks(T, bob)).toEqual([`dek-${bob}#1`, `dek-${bob}#2`]);
  });

  it('a stale copy of its sealed values opens nothing, and no read model keeps a row of it', async () => {
    for (const s of sealed) {
      const error = await f.openFails(f.opener({ read: async () => ({ version: 1, format: 'v2', sealed: s.sealed }) }), s.ref);
      expect(error.code).toBe('SECRET_DESTROYED');
    }
    await f.waitForProjection();
    expect((await f.openFails(f.opener(), keyRef(T3, dave, 'anthropic'))).code).toBe('SECRET_NOT_FOUND');
    expect(await rowsOfTenant(f.rm.admin, await tablesOf(f.rm.admin, 'rm\\_%'), T3)).toEqual({});
  });
});
