// Key rotation while data exists (issue 5), through the real processor and projector:
// RotateTenantKey (data sealed before at kv 1 and after at kv 2 both open; destroying kv 1
// leaves the old data unreadable and the new readable), and master-key (KEK) rotation: every
// DEK rewrapped, every secret opens with the new KEK and none with the old (exact codes), the
// processor refuses to start on the old KEK and, restarted on the new one, keeps sealing.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandProcessor } from '../../consumers/command-processor/processor.ts';
import type { SecretRef } from '../../consumers/vault/secret-opener.ts';
import { KeyStoreError } from '../../crypto/vault/store/errors.ts';
import {
  connectSourcePayload, rotateProviderKeyPayload, rotateSourceCredentialPayload, storeProviderKeyPayload,
} from '../../producers/secrets.ts';
import { VaultError } from '../../crypto/vault/errors.ts';
import { generateKek, withDek, type Kek } from '../../crypto/vault/key-wrap.ts';
import type { SealedValue } from '../../crypto/vault/sealed-value.ts';
import { userActor } from '../support/spine.ts';
import { RecordingLog, VaultFlow, anthropicKey, keyRef, newTenant, sourceRef, uid } from './support/flow.ts';

let f: VaultFlow;
const T = newTenant();
const owner = uid('owner');
const alice = uid('alice');
const bob = uid('bob');
const carol = uid('carol');
const dave = uid('dave');
const erin = uid('erin');
const [S1, S2, S3] = [randomUUID(), randomUUID(), randomUUID()];
const cfg = (label: string) => ({ host: `${label}.db.internal`, password: `pw-${randomUUID()}` });
const plain = { a1: anthropicKey(), a2: anthropicKey(), b1: anthropicKey(), b2: anthropicKey(), c1: anthropicKey(), s1v1: cfg('s1'), s1v2: cfg('s1b'), s2: cfg('s2'), s3: cfg('s3') };
let a1Sealed: SealedValue;

const storeKey = (actor: string, apiKey: string) => ({
  tenantId: T, type: 'StoreProviderKey' as const, actor: userActor(actor), payload: storeProviderKeyPayload({ tenantId: T, userId: actor, provider: 'anthropic', apiKey }, f.intakePublicKey),
});
const rotateKey = (actor: string, apiKey: string) => ({
  tenantId: T, type: 'RotateProviderKey' as const, actor: userActor(actor), payload: rotateProviderKeyPayload({ tenantId: T, userId: actor, provider: 'anthropic', apiKey }, f.intakePublicKey),
});
const connect = (actor: string, sourceId: string, config: Record<string, string>) => ({
  tenantId: T, type: 'ConnectSource' as const, actor: userActor(actor), payload: connectSourcePayload({ tenantId: T, sourceId, kind: 'mysql', name: `db-${sourceId.slice(0, 4)}`, config }, f.intakePublicKey),
});

beforeAll(async () => {
  f = await VaultFlow.create();
  await f.tenant(T, owner, [[alice, 'member'], [bob, 'member'], [carol, 'member'], [dave, 'member'], [erin, 'member']]);
});
afterAll(async () => f?.close());

describe('RotateTenantKey', () => {
  it('seals new data at kv 2 while data sealed at kv 1 still opens', async () => {
    const stored = await f.eventOf(await f.accept(storeKey(alice, plain.a1)), 'ProviderKeyStored');
    a1Sealed = stored.payload['secret'] as unknown as SealedValue;
    expect(a1Sealed.kv).toBe(1);
    await f.accept(connect(alice, S1, plain.s1v1));
    const rotated = await f.eventOf(await f.accept({ tenantId: T, type: 'RotateTenantKey', actor: userActor(owner), payload: {} }), 'TenantKeyRotated');
    expect(rotated.payload).toEqual({ keyVersion: 2 });
    const a2 = await f.eventOf(await f.accept(rotateKey(alice, plain.a2)), 'ProviderKeyRotated');
    expect(a2.payload['secret']).toMatchObject({ kid: `dek-${alice}`, kv: 2 });
    const s2 = await f.eventOf(await f.accept(connect(alice, S2, plain.s2)), 'SourceConnected');
    expect(s2.payload['credential']).toMatchObject({ kid: `dek-${alice}`, kv: 2 });
    const b1 = await f.eventOf(await f.accept(storeKey(bob, plain.b1)), 'ProviderKeyStored');
    expect(b1.payload['secret']).toMatchObject({ kid: `dek-${bob}`, kv: 2 });
    expect(await f.deks(T)).toEqual([`dek-${alice}#1`, `dek-${alice}#2`, `dek-${bob}#2`].sort());

    await f.waitForProjection();
    const opener = f.opener();
    expect(await f.open(opener, sourceRef(T, alice, S1))).toBe(JSON.stringify(plain.s1v1)); // kv 1
    expect(await f.open(opener, keyRef(T, alice, 'anthropic'))).toBe(plain.a2); // kv 2
    expect(await f.open(opener, sourceRef(T, alice, S2))).toBe(JSON.stringify(plain.s2)); // kv 2
    const stale = f.opener({ read: async () => ({ version: 1, format: 'v2', sealed: a1Sealed }) });
    expect(await f.open(stale, keyRef(T, alice, 'anthropic'))).toBe(plain.a1); // an old kv 1 value
    expect(await f.opens(T)).toEqual({ [`dek-${alice}#1`]: 2, [`dek-${alice}#2`]: 2, [`dek-${bob}#2`]: 0 });
  });

  it('destroyVersion(kv 1): what was sealed under it opens nothing (SECRET_DESTROYED), what is sealed under kv 2 still opens', async () => {
    expect(await f.store.destroyVersion(T, `dek-${alice}`, 1)).toBe(true);
    expect(await f.deks(T)).toEqual([`dek-${alice}#2`, `dek-${bob}#2`].sort());
    const opener = f.opener();
    expect((await f.openFails(opener, sourceRef(T, alice, S1))).code).toBe('SECRET_DESTROYED');
    const stale = f.opener({ read: async () => ({ version: 1, format: 'v2', sealed: a1Sealed }) });
    expect((await f.openFails(stale, keyRef(T, alice, 'anthropic'))).code).toBe('SECRET_DESTROYED');
    expect(await f.open(opener, keyRef(T, alice, 'anthropic'))).toBe(plain.a2);
    expect(await f.open(opener, sourceRef(T, alice, S2))).toBe(JSON.stringify(plain.s2));
    expect(await f.open(opener, keyRef(T, bob, 'anthropic'))).toBe(plain.b1);
    // The version is never created again …
    const again = await f.store.dekFor({ tenantId: T, userId: alice }, 1).catch((e: unknown) => e);
    expect((again as KeyStoreError).code).toBe('VERSION_DESTROYED');
    // … and the source gets a readable credential again by rotating it (sealed at kv 2).
    const rotated = await f.eventOf(await f.accept({
      tenantId: T, type: 'RotateSourceCredential', actor: userActor(alice), payload: rotateSourceCredentialPayload({ tenantId: T, sourceId: S1, config: plain.s1v2 }, f.intakePublicKey),
    }), 'SourceCredentialRotated');
    expect(rotated.payload['credential']).toMatchObject({ kv: 2 });
    await f.waitForProjection();
    expect(await f.open(opener, sourceRef(T, alice, S1))).toBe(JSON.stringify(plain.s1v2));
  });
});

describe('a data key destroyed outside the processor', () => {
  it('refuses the command that would seal under it (DATA_KEY_DESTROYED), appends nothing, and the partition goes on', async () => {
    // Neither user has sealed anything yet, so no processor holds their DEK in its cache.
    expect(await f.store.destroyVersion(T, `dek-${dave}`, 2)).toBe(false);
    expect(await f.store.destroyUser(T, erin)).toBe(0);
    const before = (await f.events(T)).length;
    const daves = await f.reject(storeKey(dave, anthropicKey()), 'DATA_KEY_DESTROYED');
    expect(daves.message).toBe('the owner\'s data key cannot seal anything any more (VERSION_DESTROYED)');
    const erins = await f.reject(connect(erin, randomUUID(), cfg('erin')), 'DATA_KEY_DESTROYED');
    expect(erins.message).toBe('the owner\'s data key cannot seal anything any more (OWNER_DESTROYED)');
    expect(await f.events(T)).toHaveLength(before);
    // The same partition keeps processing: the next commands of the tenant are answered.
    await f.accept({ tenantId: T, type: 'AuthorizeSourceQuery', actor: userActor(alice), payload: { sourceId: S2, queryHash: 'c'.repeat(64), maxRows: 1, maxBytes: 1 } });
    await f.reject({ tenantId: T, type: 'DeleteProviderKey', actor: userActor(dave), payload: { provider: 'anthropic' } }, 'PROVIDER_KEY_NOT_FOUND');
  });
});

describe('master key (KEK) rotation while data exists', () => {
  const live = (): [SecretRef, string][] => [
    [keyRef(T, alice, 'anthropic'), plain.a2],
    [sourceRef(T, alice, S1), JSON.stringify(plain.s1v2)],
    [sourceRef(T, alice, S2), JSON.stringify(plain.s2)],
    [keyRef(T, bob, 'anthropic'), plain.b1],
  ];
  const oldKek = () => f.spine.masterKey;
  let newKek: Kek;

  it('rewraps every DEK and the intake key (the processor stopped first)', async () => {
    await f.processor.stop();
    newKek = generateKek();
    const rows = await f.q('select count(*)::int as n from vault.deks');
    const result = await f.store.rotateKek(newKek, { batchSize: 1 });
    expect(result).toEqual({ rewrapped: rows[0]!['n'], intakeKeys: 1, oldKekId: oldKek().id, newKekId: newKek.id });
    expect(result.rewrapped).toBe(2);
    expect(await f.q('select distinct kek_id from vault.deks union select distinct kek_id from vault.intake_keys')).toEqual([{ kek_id: newKek.id }]);
    // Producers keep sealing to the same intake public key.
    expect(await f.keyStore(newKek).intakePublicKey()).toEqual(f.intakePublicKey);
  });

  it('every secret opens with the new KEK, none with the old one (KEK_MISMATCH; forged to name it: UNWRAP_FAILED)', async () => {
    const withNew = f.opener({ kek: newKek });
    const withOld = f.opener();
    for (const [ref, expected] of live()) {
      expect(await f.open(withNew, ref)).toBe(expected);
      const error = await f.openFails(withOld, ref);
      expect([error.code, error.message]).toEqual(['SECRET_UNREADABLE', 'the secret does not open (KEK_MISMATCH)']);
    }
    for (const row of await f.store.openCounts(T)) {
      const wrapped = (await f.store.find(T, row.kid, row.kv))!;
      const code = (attempt: () => unknown) => {
        try {
          attempt();
        } catch (error) {
          return (error as VaultError).code;
        }
        return 'opened';
      };
      expect(code(() => withDek(wrapped, oldKek(), () => undefined))).toBe('KEK_MISMATCH');
      expect(code(() => withDek({ ...wrapped, kekId: oldKek().id }, oldKek(), () => undefined))).toBe('UNWRAP_FAILED');
      expect(code(() => withDek(wrapped, newKek, () => undefined))).toBe('opened');
    }
    const intake = await f.store.intakeKeyPair().catch((e: unknown) => e);
    expect(intake).toBeInstanceOf(KeyStoreError);
    expect((intake as KeyStoreError).code).toBe('KEK_MISMATCH');
  });

  it('a processor on the old KEK refuses to start; restarted on the new one it keeps sealing', async () => {
    const log = new RecordingLog();
    const stale = new CommandProcessor(f.spine.processorOptions(), log);
    const refused = await stale.start().catch((e: unknown) => e);
    await stale.stop();
    expect(refused).toBeInstanceOf(KeyStoreError);
    expect((refused as KeyStoreError).code).toBe('KEK_MISMATCH');

    f.processor = await f.spine.startProcessor({ masterKey: newKek }, f.log);
    const b2 = await f.eventOf(await f.accept(rotateKey(bob, plain.b2)), 'ProviderKeyRotated');
    expect(b2.payload['secret']).toMatchObject({ kid: `dek-${bob}`, kv: 2 });
    await f.accept(storeKey(carol, plain.c1));
    await f.accept(connect(alice, S3, plain.s3));
    expect(await f.q('select kid, kv, kek_id from vault.deks where tenant_id = $1 and user_id = $2', [T, carol])).toEqual([{ kid: `dek-${carol}`, kv: 2, kek_id: newKek.id }]);
    await f.waitForProjection();
    const withNew = f.opener({ kek: newKek });
    expect(await f.open(withNew, keyRef(T, bob, 'anthropic'))).toBe(plain.b2);
    expect(await f.open(withNew, keyRef(T, carol, 'anthropic'))).toBe(plain.c1);
    expect(await f.open(withNew, sourceRef(T, alice, S3))).toBe(JSON.stringify(plain.s3));
    expect(await f.open(withNew, keyRef(T, alice, 'anthropic'))).toBe(plain.a2);
    expect((await f.openFails(f.opener(), keyRef(T, carol, 'anthropic'))).code).toBe('SECRET_UNREADABLE');
  });
});
