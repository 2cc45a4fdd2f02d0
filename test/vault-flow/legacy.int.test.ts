// Legacy secrets end to end (issues 5 and 12): values made exactly as the old system made them
// (node:crypto AES-256-CBC, scrypt N=16384 r=8 p=1, random 16-byte salt and IV, hex
// salt:iv:ct). Imported today (StoreProviderKey { legacyApiKey }, ConnectSource
// { legacyCredential }, each an intake box), the processor decrypts them and seals them like any
// secret: the event holds a sealed value, never the legacy ciphertext. Events an older release
// wrote still carry values as-is; for those the SecretOpener (legacy secret set) returns the
// plaintext and re-seals the value through the real processor: exactly one LegacySecretResealed
// per value, also when openers race on it from separate clients.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resealCommandId } from '../../consumers/vault/secret-opener.ts';
import { providerKeyBinding, sourceCredentialBinding } from '../../domain/tenant/secrets.ts';
import { readSecret } from '../../consumers/vault/secrets-reader.ts';
import type { CommandResult, LogicalEvent } from '../../domain/logical.ts';
import { importLegacyProviderKeyPayload, importLegacySourcePayload } from '../../producers/secrets.ts';
import { TenantStream, user } from '../projections/support/tenant-world.ts';
import { userActor } from '../support/spine.ts';
import { LEGACY_SECRET, RESEALER, VaultFlow, antMask, anthropicKey, keyOf, keyRef, legacyValue, newTenant, sourceRef, uid } from './support/flow.ts';
import { expectSealed, openWith } from './support/sealed.ts';

let f: VaultFlow;
/** A tenant whose history an older release wrote: its legacy values are in its events as-is. */
const T = newTenant();
/** A tenant that imports legacy values today. */
const NEW = newTenant();
const owner = uid('owner');
const alice = uid('alice');
const bob = uid('bob');
const S1 = randomUUID();
const S2 = randomUUID();
const aliceKey = anthropicKey();
const bobKey = `sk-proj-${randomUUID().replaceAll('-', '')}`;
const config = JSON.stringify({ host: 'legacy.db.internal', user: 'etl', password: `pw-${randomUUID()}` });
const legacy = { aliceKey: legacyValue(aliceKey), bobKey: legacyValue(bobKey), config: legacyValue(config) };

/** T's history as the release before issue 12 appended it. */
function oldHistory(): TenantStream {
  const stream = new TenantStream(T);
  stream.add('TenantCreated', { name: 'Old Corp', owner: { userId: owner, email: `${owner}@old.example` } }, user(owner));
  stream.add('MemberAdded', { userId: alice, email: `${alice}@old.example`, role: 'member' }, user(owner));
  stream.add('MemberAdded', { userId: bob, email: `${bob}@old.example`, role: 'member' }, user(owner));
  stream.add('ProviderKeyStored', { userId: alice, provider: 'anthropic', mask: '…', legacySecret: legacy.aliceKey }, user(alice));
  stream.add('SourceConnected', { sourceId: S1, ownerId: alice, kind: 'postgres', name: 'old-warehouse', credentialVersion: 1, legacyCredential: legacy.config }, user(alice));
  stream.add('ProviderKeyStored', { userId: bob, provider: 'openai', mask: '…', legacySecret: legacy.bobKey }, user(bob));
  return stream;
}

/** Resolves every caller once `n` have arrived: both openers read the legacy value before either re-seals it. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => { release = resolve; });
  return async () => {
    arrived += 1;
    if (arrived === n) release();
    await all;
  };
}

const reseals = async (tenantId: string): Promise<LogicalEvent[]> => (await f.events(tenantId)).map((e) => e.event).filter((e) => e.type === 'LegacySecretResealed');

beforeAll(async () => {
  f = await VaultFlow.create({ history: oldHistory().events });
  await f.tenant(NEW, owner, [[alice, 'member'], [bob, 'member']]);
});
afterAll(async () => f?.close());

describe('importing legacy values today', () => {
  it('seals them at intake: ProviderKeyStored { mask, secret }, SourceConnected { credential }; no legacy value in any event or command', async () => {
    const intake = f.intakePublicKey;
    const key = anthropicKey();
    const value = legacyValue(key);
    const cfg = JSON.stringify({ password: `pw-${randomUUID()}` });
    const cfgValue = legacyValue(cfg);
    const stored = await f.eventOf(await f.accept({
      tenantId: NEW, type: 'StoreProviderKey', actor: userActor(alice), payload: importLegacyProviderKeyPayload({ tenantId: NEW, userId: alice, provider: 'anthropic', legacyValue: value }, intake),
    }), 'ProviderKeyStored');
    const { secret, ...rest } = stored.payload;
    expect(rest).toEqual({ userId: alice, provider: 'anthropic', mask: antMask(key) });
    expect(await openWith(f.store, NEW, `dek-${alice}`, 1, expectSealed(secret, alice, 1, key), providerKeyBinding(NEW, alice, 'anthropic'))).toBe(key);
    const connected = await f.eventOf(await f.accept({
      tenantId: NEW, type: 'ConnectSource', actor: userActor(alice), payload: importLegacySourcePayload({ tenantId: NEW, sourceId: S2, kind: 'mysql', name: 'old', legacyValue: cfgValue }, intake),
    }), 'SourceConnected');
    const { credential, ...meta } = connected.payload;
    expect(meta).toEqual({ sourceId: S2, ownerId: alice, kind: 'mysql', name: 'old', credentialVersion: 1 });
    expect(await openWith(f.store, NEW, `dek-${alice}`, 1, expectSealed(credential, alice, 1, cfg), sourceCredentialBinding(NEW, S2))).toBe(cfg);
    // v2 from the start: an opener without the legacy secret opens them, and nothing is re-sealed.
    await f.waitForProjection();
    expect(await f.open(f.opener(), keyRef(NEW, alice, 'anthropic'))).toBe(key);
    expect(await f.open(f.opener(), sourceRef(NEW, alice, S2))).toBe(cfg);
    expect(await reseals(NEW)).toEqual([]);
    const logged = JSON.stringify([(await f.events(NEW)).map((e) => e.event), await f.commands(NEW)]);
    for (const v of [value, cfgValue, key, cfg]) expect(logged).not.toContain(v);
  });

  it('refuses a value that does not decrypt with the legacy secret (LEGACY_IMPORT_FAILED) and a bare legacy value (INVALID_SECRET): nothing appended', async () => {
    const before = (await f.events(NEW)).length;
    const wrong = legacyValue(anthropicKey(), 'not-the-old-secret');
    await f.reject({
      tenantId: NEW, type: 'StoreProviderKey', actor: userActor(bob), payload: importLegacyProviderKeyPayload({ tenantId: NEW, userId: bob, provider: 'openai', legacyValue: wrong }, f.intakePublicKey),
    }, 'LEGACY_IMPORT_FAILED');
    await f.reject({ tenantId: NEW, type: 'StoreProviderKey', actor: userActor(bob), payload: { provider: 'openai', legacyApiKey: legacyValue(anthropicKey()) } }, 'INVALID_SECRET');
    expect((await f.events(NEW)).length).toBe(before);
  });
});

describe('old events that carry a legacy value', () => {
  it('keep them as they were written; the read models hold them as legacy until re-sealed', async () => {
    await f.waitForProjection();
    expect(await f.q('select owner_id, subject, version, format, legacy, sealed from internal.secrets where tenant_id = $1 order by owner_id, subject', [T])).toEqual(
      [
        { owner_id: alice, subject: 'anthropic', version: 1, format: 'legacy', legacy: legacy.aliceKey, sealed: null },
        { owner_id: alice, subject: S1, version: 1, format: 'legacy', legacy: legacy.config, sealed: null },
        { owner_id: bob, subject: 'openai', version: 1, format: 'legacy', legacy: legacy.bobKey, sealed: null },
      ].sort((a, b) => (`${a.owner_id}/${a.subject}` < `${b.owner_id}/${b.subject}` ? -1 : 1)));
    expect(await f.q('select user_id, mask, format from analytics.provider_keys where tenant_id = $1 order by user_id', [T])).toEqual([
      { user_id: alice, mask: '…', format: 'legacy' }, { user_id: bob, mask: '…', format: 'legacy' },
    ].sort((a, b) => (a.user_id < b.user_id ? -1 : 1)));
  });

  it('an opener without the legacy secret, or with a wrong one, opens nothing and re-seals nothing', async () => {
    expect((await f.openFails(f.opener(), keyRef(T, alice, 'anthropic'))).code).toBe('LEGACY_SECRET_MISSING');
    expect((await f.openFails(f.opener({ legacySecret: 'not-the-old-secret' }), keyRef(T, alice, 'anthropic'))).code).toBe('SECRET_UNREADABLE');
    expect((await f.openFails(f.opener({ legacySecret: 'not-the-old-secret' }), sourceRef(T, alice, S1))).code).toBe('SECRET_UNREADABLE');
    expect(await reseals(T)).toEqual([]);
  });
});

describe('opening a legacy value re-seals it, exactly once', () => {
  it('returns the plaintext and appends ONE LegacySecretResealed (mask filled, sealed v2 under the owner\'s DEK)', async () => {
    const ref = keyRef(T, alice, 'anthropic');
    expect(await f.open(f.opener({ legacySecret: LEGACY_SECRET }), ref)).toBe(aliceKey);
    const events = await reseals(T);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({ actor: RESEALER, commandId: resealCommandId(ref, 1) });
    const { secret, ...rest } = event!.payload;
    expect(rest).toEqual({ target: 'provider-key', userId: alice, provider: 'anthropic', version: 1, mask: antMask(aliceKey) });
    expect(await openWith(f.store, T, `dek-${alice}`, 1, expectSealed(secret, alice, 1, aliceKey), providerKeyBinding(T, alice, 'anthropic'))).toBe(aliceKey);

    // Now v2 in the read models; opening again is an ordinary (counted) open, no second re-seal.
    await f.waitForProjection();
    expect(await readSecret(f.reader, keyOf(ref))).toEqual({ version: 1, format: 'v2', sealed: secret });
    expect(await f.q('select mask, version, format from analytics.provider_keys where tenant_id = $1 and user_id = $2', [T, alice])).toEqual([
      { mask: antMask(aliceKey), version: 1, format: 'v2' },
    ]);
    const opensBefore = (await f.opens(T))[`dek-${alice}#1`] ?? 0;
    expect(await f.open(f.opener({ legacySecret: LEGACY_SECRET }), ref)).toBe(aliceKey);
    expect((await f.opens(T))[`dek-${alice}#1`]).toBe(opensBefore + 1);
    // An opener still reading the old legacy value (a stale replica) sends the same command: answered, not appended.
    let result: CommandResult | undefined;
    const stale = f.opener({ legacySecret: LEGACY_SECRET, read: async () => ({ version: 1, format: 'legacy', legacy: legacy.aliceKey }), onReseal: (r) => { result = r; } });
    expect(await f.open(stale, ref)).toBe(aliceKey);
    expect(result).toMatchObject({ outcome: 'accepted', replayed: true, commandId: resealCommandId(ref, 1) });
    expect(await reseals(T)).toHaveLength(1);
  });

  it('two openers racing on the same source credential from separate clients: both get the plaintext, ONE event', async () => {
    const ref = sourceRef(T, alice, S1);
    const [c1, c2] = await Promise.all([f.serviceClient(), f.serviceClient()]);
    const gate = barrier(2);
    const outcomes: CommandResult[] = [];
    const racer = (client: typeof c1) => f.opener({
      legacySecret: LEGACY_SECRET, client, onReseal: (r) => outcomes.push(r),
      read: async (r) => {
        const value = await readSecret(f.reader, keyOf(r));
        await gate();
        return value;
      },
    });
    expect(await Promise.all([f.open(racer(c1), ref), f.open(racer(c2), ref)])).toEqual([config, config]);
    // Both read it as legacy and both sent the re-seal; the processor appended it once.
    expect(outcomes.map((r) => [r.outcome, r.commandId]).sort()).toEqual([['accepted', resealCommandId(ref, 1)], ['accepted', resealCommandId(ref, 1)]]);
    expect(outcomes.map((r) => r.replayed).sort()).toEqual([false, true]);
    expect(new Set(outcomes.map((r) => r.commandDigest)).size).toBe(2);
    const events = (await reseals(T)).filter((e) => e.payload['target'] === 'source-credential');
    expect(events).toHaveLength(1);
    const { secret, ...rest } = events[0]!.payload;
    expect(rest).toEqual({ target: 'source-credential', userId: alice, sourceId: S1, version: 1 });
    expect(await openWith(f.store, T, `dek-${alice}`, 1, expectSealed(secret, alice, 1, config), sourceCredentialBinding(T, S1))).toBe(config);
    await f.waitForProjection();
    expect(await readSecret(f.reader, keyOf(ref))).toEqual({ version: 1, format: 'v2', sealed: secret });
    expect(await f.q('select credential_version, credential_format from analytics.sources where tenant_id = $1 and source_id = $2', [T, S1])).toEqual([
      { credential_version: 1, credential_format: 'v2' },
    ]);
  });

  it('four openers on two clients racing on a provider key, unsynchronized: ONE event', async () => {
    const ref = keyRef(T, bob, 'openai');
    const [c1, c2] = await Promise.all([f.serviceClient(), f.serviceClient()]);
    const openers = [c1, c2, c1, c2].map((client) => f.opener({ legacySecret: LEGACY_SECRET, client }));
    expect(await Promise.all(openers.map((o) => f.open(o, ref)))).toEqual([bobKey, bobKey, bobKey, bobKey]);
    const events = (await reseals(T)).filter((e) => e.payload['userId'] === bob);
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({ target: 'provider-key', provider: 'openai', version: 1, mask: `sk-proj-…${bobKey.slice(-4)}` });
    await f.waitForProjection();
    expect(await readSecret(f.reader, keyOf(ref))).toMatchObject({ version: 1, format: 'v2', sealed: { kid: `dek-${bob}`, kv: 1 } });
    expect(await f.open(f.opener(), ref)).toBe(bobKey); // v2 now: no legacy secret needed
    expect(await reseals(T)).toHaveLength(3);
  });
});
