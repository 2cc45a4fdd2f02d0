// The vault end to end through the real processor, projector and Kafka (issue 5): sources and
// provider keys from command to sealed event to read model to one opening; ownership between
// members of one tenant and across tenants; and copy attacks — a real sealed value moved to
// another tenant, user, source or field (opened with that target's real DEK), and a real intake
// box replayed into another binding's command.
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerKeyBinding, sourceCredentialBinding } from '../../domain/tenant/secrets.ts';
import {
  authorizeSourceQueryPayload, connectSourcePayload, rotateProviderKeyPayload, rotateSourceCredentialPayload, storeProviderKeyPayload,
} from '../../producers/secrets.ts';
import type { CommandInput } from '../../producers/client.ts';
import type { SealedValue } from '../../crypto/vault/sealed-value.ts';
import { userActor } from '../support/spine.ts';
import { VaultFlow, antMask, anthropicKey, keyRef, newTenant, sourceRef, uid } from './support/flow.ts';
import { expectSealed, openWith, vaultCode } from './support/sealed.ts';

let f: VaultFlow;
const T = newTenant();
const T2 = newTenant();
const owner = uid('owner');
const admin = uid('admin');
const alice = uid('alice');
const bob = uid('bob');
const owner2 = uid('owner2');
const [S1, S2, S3, S4] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const config1 = { host: 'db.internal', port: 5432, user: 'reader', password: `pw-${randomUUID()}` };
const config2 = { ...config1, password: `pw-${randomUUID()}` };
const aliceKey = anthropicKey();
const aliceKeyT2 = anthropicKey();
const bobKey1 = anthropicKey();
const bobKey2 = anthropicKey();
/** Sealed values taken from events, for the copy attacks. */
const taken: { aliceKey?: SealedValue; s1?: SealedValue } = {};

beforeAll(async () => {
  f = await VaultFlow.create();
  await f.tenant(T, owner, [[admin, 'admin'], [alice, 'member'], [bob, 'member']]);
  await f.tenant(T2, owner2, [[alice, 'member']]);
});
afterAll(async () => f?.close());

const connect = (tenantId: string, actor: string, sourceId: string, config: Record<string, string | number>, name = 'warehouse') => ({
  tenantId, type: 'ConnectSource' as const, actor: userActor(actor),
  payload: connectSourcePayload({ tenantId, sourceId, kind: 'postgres', name, config }, f.intakePublicKey),
});
const storeKey = (tenantId: string, actor: string, apiKey: string, provider: 'anthropic' | 'openai' = 'anthropic') => ({
  tenantId, type: 'StoreProviderKey' as const, actor: userActor(actor), payload: storeProviderKeyPayload({ tenantId, userId: actor, provider, apiKey }, f.intakePublicKey),
});
const rotateKey = (tenantId: string, actor: string, apiKey: string) => ({
  tenantId, type: 'RotateProviderKey' as const, actor: userActor(actor), payload: rotateProviderKeyPayload({ tenantId, userId: actor, provider: 'anthropic', apiKey }, f.intakePublicKey),
});
const query = (tenantId: string, actor: string, sourceId: string) => ({
  tenantId, type: 'AuthorizeSourceQuery' as const, actor: userActor(actor),
  payload: authorizeSourceQueryPayload({ sourceId, query: 'select count(*) from orders', maxRows: 100, maxBytes: 65_536 }),
});
const rotateCredential = (tenantId: string, actor: string, sourceId: string, config: Record<string, string | number>) => ({
  tenantId, type: 'RotateSourceCredential' as const, actor: userActor(actor), payload: rotateSourceCredentialPayload({ tenantId, sourceId, config }, f.intakePublicKey),
});
const disconnect = (tenantId: string, actor: string, sourceId: string) => ({ tenantId, type: 'DisconnectSource' as const, actor: userActor(actor), payload: { sourceId } });

describe('sources and provider keys, end to end', () => {
  it('ConnectSource: the event holds the config sealed under the owner\'s DEK ({v:2, kid:dek-<user>, kv:1, n, ct}) and nothing of it in clear', async () => {
    const event = await f.eventOf(await f.accept(connect(T, alice, S1, config1)), 'SourceConnected');
    const { credential, ...rest } = event.payload;
    expect(rest).toEqual({ sourceId: S1, ownerId: alice, kind: 'postgres', name: 'warehouse', credentialVersion: 1 });
    taken.s1 = expectSealed(credential, alice, 1, JSON.stringify(config1));
    expect(JSON.stringify(event)).not.toContain(config1.password);
    // Exactly the config, under exactly this source's binding, with alice's DEK version 1.
    expect(await openWith(f.store, T, `dek-${alice}`, 1, credential, sourceCredentialBinding(T, S1))).toBe(JSON.stringify(config1));
  });

  it('RotateSourceCredential by the owner: credentialVersion 2 and a fresh sealed value', async () => {
    const event = await f.eventOf(await f.accept(rotateCredential(T, alice, S1, config2)), 'SourceCredentialRotated');
    const { credential, ...rest } = event.payload;
    expect(rest).toEqual({ sourceId: S1, ownerId: alice, credentialVersion: 2 });
    const sealed = expectSealed(credential, alice, 1, JSON.stringify(config2));
    expect(sealed.n).not.toBe(taken.s1!.n);
    expect(await openWith(f.store, T, `dek-${alice}`, 1, sealed, sourceCredentialBinding(T, S1))).toBe(JSON.stringify(config2));
  });

  it('AuthorizeSourceQuery by the owner: the query\'s SHA-256 and the limits, never the text', async () => {
    const event = await f.eventOf(await f.accept(query(T, alice, S1)), 'SourceQueryAuthorized');
    expect(event.payload).toEqual({
      sourceId: S1, ownerId: alice, queryHash: createHash('sha256').update('select count(*) from orders').digest('hex'), maxRows: 100, maxBytes: 65_536,
    });
  });

  it('StoreProviderKey and RotateProviderKey: the mask sk-ant-…<last four> and the key sealed under the user\'s DEK', async () => {
    const stored = await f.eventOf(await f.accept(storeKey(T, bob, bobKey1)), 'ProviderKeyStored');
    expect({ ...stored.payload, secret: undefined }).toEqual({ userId: bob, provider: 'anthropic', mask: antMask(bobKey1), secret: undefined });
    expect(antMask(bobKey1)).toMatch(/^sk-ant-…[A-Za-z0-9_-]{4}$/);
    expectSealed(stored.payload['secret'], bob, 1, bobKey1);
    const rotated = await f.eventOf(await f.accept(rotateKey(T, bob, bobKey2)), 'ProviderKeyRotated');
    expect({ ...rotated.payload, secret: undefined }).toEqual({ userId: bob, provider: 'anthropic', mask: antMask(bobKey2), version: 2, secret: undefined });
    expect(await openWith(f.store, T, `dek-${bob}`, 1, expectSealed(rotated.payload['secret'], bob, 1, bobKey2), providerKeyBinding(T, bob, 'anthropic'))).toBe(bobKey2);
    const alices = await f.eventOf(await f.accept(storeKey(T, alice, aliceKey)), 'ProviderKeyStored');
    taken.aliceKey = expectSealed(alices.payload['secret'], alice, 1, aliceKey);
    // The same user id in another tenant has another DEK.
    await f.accept(storeKey(T2, alice, aliceKeyT2));
    expect(await f.deks(T2, alice)).toEqual([`dek-${alice}#1`]);
  });

  it('DeleteProviderKey: ProviderKeyDeleted, and the key is gone from the read models', async () => {
    await f.accept(storeKey(T, admin, anthropicKey(), 'openai'));
    const deleted = await f.eventOf(await f.accept({ tenantId: T, type: 'DeleteProviderKey', actor: userActor(admin), payload: { provider: 'openai' } }), 'ProviderKeyDeleted');
    expect(deleted.payload).toEqual({ userId: admin, provider: 'openai' });
  });

  it('DisconnectSource by its owner is recorded by:"owner", by a tenant admin by:"admin"', async () => {
    await f.accept(connect(T, alice, S2, config1, 'second'));
    await f.accept(connect(T, alice, S3, config1, 'third'));
    await f.accept(connect(T, alice, S4, config1, 'fourth'));
    const byOwner = await f.eventOf(await f.accept(disconnect(T, alice, S3)), 'SourceDisconnected');
    expect(byOwner.payload).toEqual({ sourceId: S3, ownerId: alice, by: 'owner' });
    const byAdmin = await f.eventOf(await f.accept(disconnect(T, admin, S4)), 'SourceDisconnected');
    expect(byAdmin.payload).toEqual({ sourceId: S4, ownerId: alice, by: 'admin' });
    expect(byAdmin.actor).toEqual({ kind: 'user', id: admin });
  });

  it('the read models hold metadata and masks only; the internal secrets model holds exactly the current sealed values', async () => {
    await f.waitForProjection();
    const sources = await f.q(`select source_id, owner_id, status, credential_version, credential_format, disconnected_by, queries_authorized::int
      from analytics.sources where tenant_id = $1 order by name`, [T]);
    expect(sources).toEqual([
      { source_id: S4, owner_id: alice, status: 'disconnected', credential_version: 1, credential_format: 'v2', disconnected_by: 'admin', queries_authorized: 0 },
      { source_id: S2, owner_id: alice, status: 'connected', credential_version: 1, credential_format: 'v2', disconnected_by: null, queries_authorized: 0 },
      { source_id: S3, owner_id: alice, status: 'disconnected', credential_version: 1, credential_format: 'v2', disconnected_by: 'owner', queries_authorized: 0 },
      { source_id: S1, owner_id: alice, status: 'connected', credential_version: 2, credential_format: 'v2', disconnected_by: null, queries_authorized: 1 },
    ]);
    const keys = await f.q('select user_id, provider, mask, version, format from analytics.provider_keys where tenant_id = $1 order by user_id', [T]);
    expect(keys).toEqual([
      { user_id: alice, provider: 'anthropic', mask: antMask(aliceKey), version: 1, format: 'v2' },
      { user_id: bob, provider: 'anthropic', mask: antMask(bobKey2), version: 2, format: 'v2' },
    ]);
    // Not one nonce, ciphertext, kid or plaintext of any event in any analytics row.
    const events = (await f.events(T)).map((e) => e.event);
    const sealedStrings = events.flatMap((e) => Object.values(e.payload)).filter((v): v is Record<string, string> => typeof v === 'object' && v !== null && 'ct' in v).flatMap((s) => [s['n']!, s['ct']!]);
    expect(sealedStrings).toHaveLength(18); // 9 sealed values: S1 twice, S2, S3, S4, bob's key twice, alice's, the admin's deleted one
    const analytics = JSON.stringify([
      ...(await f.q('select * from analytics.sources where tenant_id = $1', [T])),
      ...(await f.q('select * from analytics.provider_keys where tenant_id = $1', [T])),
      ...(await f.q('select * from analytics.source_queries where tenant_id = $1', [T])),
    ]);
    for (const s of [...sealedStrings, aliceKey, bobKey1, bobKey2, config1.password, config2.password, `dek-${alice}`]) expect(analytics).not.toContain(s);
    // secrets: one row per live secret, the latest sealed value, nothing for disconnected sources or deleted keys.
    const secrets = await f.q("select owner_id, purpose, subject, version, format, sealed from internal.secrets where tenant_id = $1 order by purpose, subject, owner_id", [T]);
    const latest = (type: string, match: (p: Record<string, unknown>) => boolean, slot: string) => events.filter((e) => e.type === type && match(e.payload)).at(-1)!.payload[slot];
    expect(secrets).toEqual([
      { owner_id: alice, purpose: 'provider-key', subject: 'anthropic', version: 1, format: 'v2', sealed: latest('ProviderKeyStored', (p) => p['userId'] === alice, 'secret') },
      { owner_id: bob, purpose: 'provider-key', subject: 'anthropic', version: 2, format: 'v2', sealed: latest('ProviderKeyRotated', (p) => p['userId'] === bob, 'secret') },
      ...[{ id: S1, version: 2, type: 'SourceCredentialRotated' }, { id: S2, version: 1, type: 'SourceConnected' }].sort((a, b) => (a.id < b.id ? -1 : 1)).map((s) => ({
        owner_id: alice, purpose: 'source-credential', subject: s.id, version: s.version, format: 'v2', sealed: latest(s.type, (p) => p['sourceId'] === s.id, 'credential'),
      })),
    ]);
  });

  it('the SecretOpener opens the current value of each secret and counts every open per key', async () => {
    const opener = f.opener();
    const before = await f.opens(T);
    expect(await f.open(opener, keyRef(T, bob, 'anthropic'))).toBe(bobKey2);
    expect(await f.open(opener, keyRef(T, bob, 'anthropic'))).toBe(bobKey2);
    expect(await f.open(opener, sourceRef(T, alice, S1))).toBe(JSON.stringify(config2));
    expect(await f.open(opener, keyRef(T, alice, 'anthropic'))).toBe(aliceKey);
    expect(await f.open(opener, keyRef(T2, alice, 'anthropic'))).toBe(aliceKeyT2);
    const after = await f.opens(T);
    expect(after).toEqual({ ...before, [`dek-${bob}#1`]: (before[`dek-${bob}#1`] ?? 0) + 2, [`dek-${alice}#1`]: (before[`dek-${alice}#1`] ?? 0) + 2 });
    expect(await f.opens(T2)).toEqual({ [`dek-${alice}#1`]: 1 });
    // A disconnected source's credential and a deleted key are gone for the opener.
    expect((await f.openFails(opener, sourceRef(T, alice, S3))).code).toBe('SECRET_NOT_FOUND');
    expect((await f.openFails(opener, keyRef(T, admin, 'openai'))).code).toBe('SECRET_NOT_FOUND');
  });
});

describe('ownership: a member with every right id cannot use another member\'s secrets', () => {
  /** The tenant's last event is the CommandRejected of `result`. */
  async function expectRecordedRefusal(tenantId: string, result: { commandId: string }, commandType: string, code: string, actor: string): Promise<void> {
    const last = (await f.events(tenantId)).at(-1)!.event;
    expect(last).toMatchObject({ type: 'CommandRejected', commandId: result.commandId, actor: { kind: 'system', id: 'command-processor' } });
    expect(last.payload).toEqual({ commandType, code, claimedActor: { kind: 'user', id: actor }, producerKeyId: f.spine.gateway.keyId });
  }

  it('rotating, querying or disconnecting alice\'s source as bob: NOT_SOURCE_OWNER, each recorded as CommandRejected', async () => {
    const stolenConfig = { ...config1, password: 'bobs-own' };
    const rotate = await f.reject(rotateCredential(T, bob, S1, stolenConfig), 'NOT_SOURCE_OWNER');
    await expectRecordedRefusal(T, rotate, 'RotateSourceCredential', 'NOT_SOURCE_OWNER', bob);
    const queried = await f.reject(query(T, bob, S1), 'NOT_SOURCE_OWNER');
    await expectRecordedRefusal(T, queried, 'AuthorizeSourceQuery', 'NOT_SOURCE_OWNER', bob);
    const disconnected = await f.reject(disconnect(T, bob, S1), 'NOT_SOURCE_OWNER');
    await expectRecordedRefusal(T, disconnected, 'DisconnectSource', 'NOT_SOURCE_OWNER', bob);
    // Not even the tenant's owner may authorize queries on it.
    const byOwner = await f.reject(query(T, owner, S1), 'NOT_SOURCE_OWNER');
    await expectRecordedRefusal(T, byOwner, 'AuthorizeSourceQuery', 'NOT_SOURCE_OWNER', owner);
    // Alice's credential is untouched.
    await f.waitForProjection();
    expect(await f.open(f.opener(), sourceRef(T, alice, S1))).toBe(JSON.stringify(config2));
  });

  it('from another tenant: NOT_A_MEMBER recorded there, and a foreign source id is simply unknown', async () => {
    const foreign = await f.reject(rotateCredential(T2, bob, S1, config1), 'NOT_A_MEMBER');
    await expectRecordedRefusal(T2, foreign, 'RotateSourceCredential', 'NOT_A_MEMBER', bob);
    const before = (await f.events(T2)).length;
    await f.reject(query(T2, owner2, S1), 'SOURCE_NOT_FOUND');
    await f.reject(disconnect(T2, owner2, S1), 'SOURCE_NOT_FOUND');
    expect(await f.events(T2)).toHaveLength(before);
  });

  it('the opener gives bob his own key or nothing, never alice\'s; a read path handing him alice\'s value fails to open', async () => {
    const opener = f.opener();
    // The service names the authenticated user: bob can only ever name himself.
    expect(await f.open(opener, keyRef(T, bob, 'anthropic'))).toBe(bobKey2);
    expect((await f.openFails(opener, keyRef(T, bob, 'openai'))).code).toBe('SECRET_NOT_FOUND');
    expect((await f.openFails(opener, sourceRef(T, bob, S1))).code).toBe('SECRET_NOT_FOUND');
    // A confused or forged read path that returns alice's stored value for bob: the binding differs.
    const forged = f.opener({ read: async () => ({ version: 1, format: 'v2', sealed: taken.aliceKey! }) });
    const mismatch = await f.openFails(forged, keyRef(T, bob, 'anthropic'));
    expect(mismatch.code).toBe('SECRET_UNREADABLE');
    expect(mismatch.message).toBe('the secret does not open (OPEN_FAILED)');
    const source = await f.openFails(f.opener({ read: async () => ({ version: 2, format: 'v2', sealed: taken.s1! }) }), sourceRef(T, bob, S2));
    expect(source.code).toBe('SECRET_UNREADABLE');
  });

  it('across tenants: alice\'s value of one tenant does not open as the same user in another', async () => {
    const opener = f.opener();
    expect((await f.openFails(opener, keyRef(T2, owner2, 'anthropic'))).code).toBe('SECRET_NOT_FOUND');
    expect((await f.openFails(opener, sourceRef(T2, alice, S1))).code).toBe('SECRET_NOT_FOUND');
    const forged = f.opener({ read: async () => ({ version: 1, format: 'v2', sealed: taken.aliceKey! }) });
    expect((await f.openFails(forged, keyRef(T2, alice, 'anthropic'))).code).toBe('SECRET_UNREADABLE');
  });
});

describe('copy attacks', () => {
  it('a real sealed value opened as another tenant, user, source or field, with that target\'s real DEK: OPEN_FAILED', async () => {
    const key = taken.aliceKey!;
    const s1 = taken.s1!;
    const aliceKid = `dek-${alice}`;
    // The control: where it belongs, it opens.
    expect(await openWith(f.store, T, aliceKid, 1, key, providerKeyBinding(T, alice, 'anthropic'))).toBe(aliceKey);
    expect(await openWith(f.store, T, aliceKid, 1, s1, sourceCredentialBinding(T, S1))).toBe(JSON.stringify(config1));
    // Another tenant: the same user id there has its own DEK.
    expect(await vaultCode(() => openWith(f.store, T2, aliceKid, 1, key, providerKeyBinding(T2, alice, 'anthropic')))).toBe('OPEN_FAILED');
    expect(await vaultCode(() => openWith(f.store, T, aliceKid, 1, key, providerKeyBinding(T2, alice, 'anthropic')))).toBe('OPEN_FAILED');
    // Another user: bob's DEK and binding, relabelled or not.
    expect(await vaultCode(() => openWith(f.store, T, `dek-${bob}`, 1, key, providerKeyBinding(T, bob, 'anthropic')))).toBe('OPEN_FAILED');
    expect(await vaultCode(() => openWith(f.store, T, `dek-${bob}`, 1, { ...key, kid: `dek-${bob}` }, providerKeyBinding(T, bob, 'anthropic')))).toBe('OPEN_FAILED');
    expect(await vaultCode(() => openWith(f.store, T, aliceKid, 1, key, providerKeyBinding(T, bob, 'anthropic')))).toBe('OPEN_FAILED');
    // Another field (provider) of the same user.
    expect(await vaultCode(() => openWith(f.store, T, aliceKid, 1, key, providerKeyBinding(T, alice, 'openai')))).toBe('OPEN_FAILED');
    // Another source of the same owner, and a source credential passed off as a provider key.
    expect(await vaultCode(() => openWith(f.store, T, aliceKid, 1, s1, sourceCredentialBinding(T, S2)))).toBe('OPEN_FAILED');
    expect(await vaultCode(() => openWith(f.store, T, aliceKid, 1, s1, sourceCredentialBinding(T2, S1)))).toBe('OPEN_FAILED');
    expect(await vaultCode(() => openWith(f.store, T, aliceKid, 1, s1, providerKeyBinding(T, alice, 'anthropic')))).toBe('OPEN_FAILED');
  });

  it('the same copies through the opener (as if planted in the read model): SECRET_UNREADABLE (OPEN_FAILED)', async () => {
    const plant = (sealed: SealedValue) => f.opener({ read: async () => ({ version: 1, format: 'v2', sealed }) });
    const key = taken.aliceKey!;
    const targets = [keyRef(T2, alice, 'anthropic'), keyRef(T, bob, 'anthropic'), keyRef(T, alice, 'openai'), sourceRef(T, alice, S2)];
    for (const target of targets) {
      for (const sealed of [key, { ...key, kid: `dek-${target.userId}` }]) {
        const error = await f.openFails(plant(sealed), target);
        expect([error.code, error.message], JSON.stringify(target)).toEqual(['SECRET_UNREADABLE', 'the secret does not open (OPEN_FAILED)']);
      }
    }
  });

  it('an intake box captured from one command, replayed into another tenant\'s, user\'s, field\'s or source\'s command: SECRET_INTAKE_FAILED, nothing appended', async () => {
    const commands = await f.commands(T);
    const aliceStore = commands.find((c) => c.type === 'StoreProviderKey' && c.actor.id === alice)!;
    const box = aliceStore.payload['apiKey'] as string;
    const s1Box = commands.find((c) => c.type === 'ConnectSource' && c.payload['sourceId'] === S1)!.payload['credential'] as string;
    expect(box).toMatch(/^[A-Za-z0-9_-]{64,}$/);
    const headsBefore = { T: (await f.events(T)).length, T2: (await f.events(T2)).length };
    const replays: CommandInput[] = [
      { tenantId: T2, type: 'RotateProviderKey', actor: userActor(alice), payload: { provider: 'anthropic', apiKey: box } },
      { tenantId: T, type: 'RotateProviderKey', actor: userActor(bob), payload: { provider: 'anthropic', apiKey: box } },
      { tenantId: T, type: 'StoreProviderKey', actor: userActor(alice), payload: { provider: 'openai', apiKey: box } },
      { tenantId: T, type: 'RotateSourceCredential', actor: userActor(alice), payload: { sourceId: S2, credential: s1Box } },
      { tenantId: T2, type: 'ConnectSource', actor: userActor(alice), payload: { sourceId: S1, kind: 'postgres', name: 'copy', credential: s1Box } },
      { tenantId: T, type: 'StoreProviderKey', actor: userActor(bob), payload: { provider: 'openai', apiKey: s1Box } },
    ];
    for (const replay of replays) {
      const result = await f.reject(replay, 'SECRET_INTAKE_FAILED');
      expect(result.message).toBe('the secret\'s intake box was refused (INTAKE_BINDING_MISMATCH)');
    }
    expect({ T: (await f.events(T)).length, T2: (await f.events(T2)).length }).toEqual(headsBefore);
    // The replays changed nothing anyone opens.
    await f.waitForProjection();
    const opener = f.opener();
    expect(await f.open(opener, keyRef(T2, alice, 'anthropic'))).toBe(aliceKeyT2);
    expect(await f.open(opener, keyRef(T, bob, 'anthropic'))).toBe(bobKey2);
    expect(await f.open(opener, sourceRef(T, alice, S2))).toBe(JSON.stringify(config1));
    expect((await f.openFails(opener, keyRef(T, alice, 'openai'))).code).toBe('SECRET_NOT_FOUND');
  });
});
