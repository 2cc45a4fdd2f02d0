// Secure memory (sodium_malloc: one locked mapping each) goes back to the OS only when a
// buffer's finalizer runs, and Node runs those on an event-loop turn, never between microtasks.
// A batch decided in one go would keep every intake box, secret and DEK of the batch mapped:
// past ~16,000 (vm.max_map_count) sodium_malloc fails and Node aborts, and the processor would
// crash on that batch again after every restart. handleCommandRecords yields a turn every few
// hundred records; here one batch carries 6,000 secrets (18,000 secure buffers) through the real
// sealing and decides every one of them.
import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { handleCommandRecords, type BatchOutputs } from '../../consumers/command-processor/handle-command.ts';
import { PartitionState } from '../../consumers/command-processor/partition-state.ts';
import { SecretSealer, type DekSource } from '../../consumers/command-processor/secret-sealer.ts';
import { providerKeyBinding } from '../../domain/tenant/secrets.ts';
import { toBase64Url } from '../../crypto/vault/encoding.ts';
import { generateIntakeKeyPair, sealToIntake } from '../../crypto/vault/intake.ts';
import { generateDek, generateKek, wrapDek, type WrappedDek } from '../../crypto/vault/key-wrap.ts';
import { commandRecord, context, create, tenantOnPartition } from './fixtures.ts';

const ROTATIONS = 6_000;

describe('a batch full of secrets', () => {
  it(`seals all ${ROTATIONS} of them in one batch without exhausting secure memory`, async () => {
    const tenant = tenantOnPartition(0);
    const kek = generateKek();
    const intake = generateIntakeKeyPair();
    const deks = new Map<string, WrappedDek>();
    const source: DekSource = {
      async dekFor(owner, kv) {
        const key = `${owner.userId}/${kv}`;
        if (!deks.has(key)) deks.set(key, wrapDek(generateDek(), { kid: `dek-${owner.userId}`, kv, owner: { kind: 'user', tenantId: owner.tenantId, userId: owner.userId } }, kek));
        return deks.get(key)!;
      },
    };
    const box = (i: number) => toBase64Url(sealToIntake(Buffer.from(`sk-ant-api03-rotation-${i}-canary`), intake.publicKey, providerKeyBinding(tenant, 'alice', 'anthropic')));
    const records = [commandRecord(create(tenant)).record];
    const apiKey = (i: number) => ({ tenantId: tenant, type: i === 0 ? 'StoreProviderKey' : 'RotateProviderKey', payload: { provider: 'anthropic', apiKey: box(i) } });
    for (let i = 0; i <= ROTATIONS; i++) {
      records.push(commandRecord(apiKey(i)).record);
      if (i % 500 === 0) await turn(); // building the batch here must not free anything for the processor
    }
    const state = new PartitionState();
    const view = state.begin();
    const out: BatchOutputs = { events: [], results: [], deadLetters: [] };
    await handleCommandRecords(records, view, { ...context(), sealing: new SecretSealer(kek, source, intake) }, out);
    expect(out.results.filter((r) => r.outcome !== 'accepted').map((r) => r.code)).toEqual([]);
    expect(out.events.at(-1)).toMatchObject({ seq: ROTATIONS + 2, type: 'ProviderKeyRotated', payload: { version: ROTATIONS + 1 } });
    expect(JSON.stringify(out.events)).not.toContain('canary');
  });
});
