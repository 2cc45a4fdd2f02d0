// Erasure is complete for legacy secrets (issue 12, finding 4), on the real broker and database.
// Values of the replaced system (`salt:iv:ct`, openable with the ONE static legacy secret that
// erasure cannot destroy) are imported for a user who is then erased, and for a user who is not.
// Afterwards neither the plaintext nor the legacy ciphertext is anywhere: in any record of any
// topic (raw bytes), in an `audit export` bundle, in any row of any table, in any log line or
// result. The legacy ciphertext is hunted as its own canary (the whole value and its ciphertext
// part), so a value "carried as-is" — what the processor did before — fails this test. The chain
// still verifies; the user who was not erased still opens their key.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTenant } from '../../audit/export-tenant.ts';
import { verifyTenant } from '../../audit/verify-tenant.ts';
import { importLegacyProviderKeyPayload, importLegacySourcePayload } from '../../producers/secrets.ts';
import { userActor } from '../support/spine.ts';
import { Canaries, dumpEveryTable, topicBytes, type Hit } from './support/canary.ts';
import { VaultFlow, anthropicKey, keyRef, legacyValue, newTenant, sourceRef, textOf, uid } from './support/flow.ts';

const c = new Canaries();
let f: VaultFlow;
const T = newTenant();
const owner = uid('owner');
const carol = uid('carol'); // erased
const dave = uid('dave'); // stays
const S1 = randomUUID();
const carolKey = c.add('legacy api key of the erased user', anthropicKey());
const carolPassword = c.make('legacy source password of the erased user');
const daveKey = anthropicKey();
/** The legacy values themselves: openable with PALISADE_LEGACY_SECRET forever, so never to be stored. */
const legacy = {
  carolKey: legacyValue(carolKey),
  carolConfig: legacyValue(JSON.stringify({ host: 'old.db.internal', password: carolPassword })),
  daveKey: legacyValue(daveKey),
};
for (const [label, value] of Object.entries(legacy)) {
  c.add(`legacy value ${label}`, value);
  c.add(`legacy ciphertext ${label}`, value.split(':')[2]!);
}

const expectNoHits = (hits: Hit[]) => expect(hits).toEqual([]);

beforeAll(async () => {
  f = await VaultFlow.create();
  await f.tenant(T, owner, [[carol, 'member'], [dave, 'member']]);
  const intake = f.intakePublicKey;
  await f.accept({ tenantId: T, type: 'StoreProviderKey', actor: userActor(carol), payload: importLegacyProviderKeyPayload({ tenantId: T, userId: carol, provider: 'anthropic', legacyValue: legacy.carolKey }, intake) });
  await f.accept({ tenantId: T, type: 'ConnectSource', actor: userActor(carol), payload: importLegacySourcePayload({ tenantId: T, sourceId: S1, kind: 'postgres', name: 'old', legacyValue: legacy.carolConfig }, intake) });
  await f.accept({ tenantId: T, type: 'StoreProviderKey', actor: userActor(dave), payload: importLegacyProviderKeyPayload({ tenantId: T, userId: dave, provider: 'anthropic', legacyValue: legacy.daveKey }, intake) });
  await f.waitForProjection();
  // Before the erasure the erased user's values open (so the erasure below is what closes them).
  expect(await f.open(f.opener(), keyRef(T, carol, 'anthropic'))).toBe(carolKey);
  await f.accept({ tenantId: T, type: 'EraseUser', actor: userActor(owner), payload: { userId: carol, reason: 'right to erasure' } });
  await f.waitForProjection();
});
afterAll(async () => f?.close());

describe('after EraseUser, no legacy secret of the erased user remains', () => {
  it('in any record of any topic (raw bytes)', async () => {
    for (const [name, topic] of Object.entries(f.spine.topics)) {
      const { bytes, records } = await topicBytes(f.spine.kafka, topic);
      if (name === 'events' || name === 'commands') expect(records).toBeGreaterThan(0);
      expectNoHits(c.scan(`topic ${name}`, bytes));
    }
  });

  it('in an audit export bundle, and the chain still verifies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palisade-erasure-'));
    try {
      const { events, file } = await exportTenant(f.spine.kafka, f.spine.topics.events, T, dir);
      expect(events).toBeGreaterThan(5);
      const bundle = readFileSync(file);
      expect(bundle.includes('UserErased')).toBe(true);
      expectNoHits(c.scan('audit export', bundle));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await verifyTenant(f.spine.kafka, f.spine.topics.events, T)).toMatchObject({ ok: true });
  });

  it('in any row of any table, any log line or any result', async () => {
    const { text } = await dumpEveryTable(f.rm.admin);
    expectNoHits(c.scan('table dump', text));
    expectNoHits(c.scan('logs', f.log.lines.join('\n')));
    expectNoHits(c.scan('results', textOf(f.results)));
  });

  it('nor opens: the erased user\'s key and credential are gone; the user who stays still opens theirs', async () => {
    expect((await f.openFails(f.opener(), keyRef(T, carol, 'anthropic'))).code).toBe('SECRET_NOT_FOUND');
    expect((await f.openFails(f.opener(), sourceRef(T, carol, S1))).code).toBe('SECRET_NOT_FOUND');
    expect(await f.deks(T, carol)).toEqual([]);
    expect(await f.open(f.opener(), keyRef(T, dave, 'anthropic'))).toBe(daveKey);
  });
});
