// The spine end to end on the real broker and database: signed commands in, hash-chained
// events and results out, authorization refusals recorded, replays answered, chains verified.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyTenant } from '../../audit/verify-tenant.ts';
import { exportTenant } from '../../audit/export-tenant.ts';
import { readTenantEvents, type StoredEvent } from '../../audit/tenant-events.ts';
import { verifyChain } from '../../domain/chain/chain-verifier.ts';
import type { PalisadeClient } from '../../producers/client.ts';
import { revokeProducerKey } from '../../producers/key-registry.ts';
import type { HashedEvent, LogicalEvent } from '../../domain/logical.ts';
import { TestSpine, addMemberInput, createTenantInput, newIdentity, userActor } from '../support/spine.ts';

let spine: TestSpine;
let client: PalisadeClient;

beforeAll(async () => {
  spine = await TestSpine.create();
  await spine.startProcessor();
  client = await spine.client();
});
afterAll(async () => spine?.close());

async function eventsOf(tenantId: string): Promise<LogicalEvent[]> {
  const events: StoredEvent[] = [];
  await readTenantEvents(spine.kafka, spine.topics.events, tenantId, (e) => events.push(e));
  return events.map((e) => {
    if (!e.ok) throw new Error(`undecodable event at ${e.offset}`);
    return e.event;
  });
}

describe('when a tenant is created and its members managed', () => {
  const tenant = randomUUID();

  it('appends one event per accepted command with seq 1..n and a verifiable chain', async () => {
    expect(await client.send(createTenantInput(tenant, 'alice'))).toMatchObject({ outcome: 'accepted', firstSeq: 1, lastSeq: 1, replayed: false });
    expect(await client.send(addMemberInput(tenant, 'alice', 'bob', 'admin'))).toMatchObject({ outcome: 'accepted', firstSeq: 2 });
    expect(await client.send({ tenantId: tenant, type: 'ChangeRole', actor: userActor('alice'), payload: { userId: 'bob', role: 'viewer' } })).toMatchObject({ outcome: 'accepted', firstSeq: 3 });
    const events = await eventsOf(tenant);
    expect(events.map((e) => [e.seq, e.type])).toEqual([[1, 'TenantCreated'], [2, 'MemberAdded'], [3, 'MemberRoleChanged']]);
    expect(events[2]!.payload).toEqual({ userId: 'bob', from: 'admin', to: 'viewer' });
    const verdict = await verifyTenant(spine.kafka, spine.topics.events, tenant);
    expect(verdict).toMatchObject({ ok: true, events: 3, head: { seq: 3 } });
  });

  it('answers a repeated commandId with the original result and appends nothing', async () => {
    const commandId = randomUUID();
    const first = await client.send({ ...addMemberInput(tenant, 'alice', 'carol'), commandId });
    const again = await client.send({ ...addMemberInput(tenant, 'alice', 'carol'), commandId });
    expect(first).toMatchObject({ outcome: 'accepted', replayed: false });
    expect(again).toMatchObject({ outcome: 'accepted', firstSeq: first.firstSeq, lastSeq: first.lastSeq, replayed: true });
    expect((await eventsOf(tenant)).filter((e) => e.commandId === commandId)).toHaveLength(1);
  });

  it('refuses a viewer managing members with FORBIDDEN and records the refusal in the chain', async () => {
    const result = await client.send(addMemberInput(tenant, 'bob', 'mallory', 'owner'));
    expect(result).toMatchObject({ outcome: 'rejected', code: 'FORBIDDEN' });
    const last = (await eventsOf(tenant)).at(-1)!;
    expect(last).toMatchObject({ type: 'CommandRejected', commandId: result.commandId, actor: { kind: 'system', id: 'command-processor' } });
    expect(last.payload).toMatchObject({ commandType: 'AddMember', code: 'FORBIDDEN', claimedActor: { kind: 'user', id: 'bob' } });
  });

  it('rejects an invalid payload with its code without touching the chain', async () => {
    const before = (await eventsOf(tenant)).length;
    const result = await client.send({ ...addMemberInput(tenant, 'alice', 'dave'), payload: { userId: 'dave', email: 'not-an-email', role: 'member' } });
    expect(result).toMatchObject({ outcome: 'rejected', code: 'INVALID_EMAIL' });
    expect(await eventsOf(tenant)).toHaveLength(before);
  });

  it('never removes the last owner', async () => {
    expect(await client.send({ tenantId: tenant, type: 'RemoveMember', actor: userActor('alice'), payload: { userId: 'alice' } })).toMatchObject({ outcome: 'rejected', code: 'LAST_OWNER' });
  });

  it('exports events.jsonl that an independent verifier accepts, in docs/spec.md field order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'palisade-export-'));
    const { events, file } = await exportTenant(spine.kafka, spine.topics.events, tenant, dir);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(events);
    const parsed = lines.map((l) => JSON.parse(l) as HashedEvent);
    expect(Object.keys(parsed[0]!)).toEqual(['tenantId', 'seq', 'prevHash', 'eventId', 'type', 'schemaVersion', 'occurredAt', 'actor', 'commandId', 'payload', 'hash']);
    expect(verifyChain(tenant, parsed).ok).toBe(true);
  });
});

describe('when another tenant or producer tries to act on a tenant', () => {
  const acme = randomUUID();
  const globex = randomUUID();

  beforeAll(async () => {
    await client.send(createTenantInput(acme, 'alice'));
    await client.send(createTenantInput(globex, 'bob'));
  });

  it('refuses the owner of another tenant with NOT_A_MEMBER, recorded in the target chain', async () => {
    const result = await client.send(addMemberInput(acme, 'bob', 'bob', 'owner'));
    expect(result).toMatchObject({ outcome: 'rejected', code: 'NOT_A_MEMBER' });
    expect((await eventsOf(acme)).at(-1)).toMatchObject({ type: 'CommandRejected', payload: { code: 'NOT_A_MEMBER' } });
    expect((await eventsOf(globex)).map((e) => e.type)).toEqual(['TenantCreated']);
  });

  it('refuses a key registered for another tenant with PRODUCER_KEY_NOT_ALLOWED', async () => {
    const globexKey = await newIdentity('globex');
    await spine.registerKey(globexKey, { tenants: [globex], canCreateTenants: false });
    const globexClient = await spine.client(globexKey);
    expect(await globexClient.send(addMemberInput(globex, 'bob', 'erin'))).toMatchObject({ outcome: 'accepted' });
    const result = await globexClient.send(addMemberInput(acme, 'alice', 'mallory', 'owner'));
    expect(result).toMatchObject({ outcome: 'rejected', code: 'PRODUCER_KEY_NOT_ALLOWED' });
    expect((await eventsOf(acme)).at(-1)).toMatchObject({ type: 'CommandRejected', payload: { code: 'PRODUCER_KEY_NOT_ALLOWED', producerKeyId: globexKey.keyId } });
  });

  it('refuses a command signed with the wrong private key (SIGNATURE_INVALID) and an unknown key id', async () => {
    const forger = await newIdentity('forger');
    const forged = await spine.client({ ...forger, keyId: spine.gateway.keyId });
    expect(await forged.send(addMemberInput(acme, 'alice', 'mallory', 'owner'))).toMatchObject({ outcome: 'rejected', code: 'SIGNATURE_INVALID' });
    const unknown = await spine.client(forger);
    expect(await unknown.send(addMemberInput(acme, 'alice', 'mallory', 'owner'))).toMatchObject({ outcome: 'rejected', code: 'UNKNOWN_PRODUCER_KEY' });
    expect((await eventsOf(acme)).some((e) => e.type === 'MemberAdded')).toBe(false);
  });

  it('does not let a forged command squat on a commandId the real producer uses later', async () => {
    const commandId = randomUUID();
    const forger = await newIdentity('squat');
    const forged = await spine.client({ ...forger, keyId: spine.gateway.keyId });
    expect(await forged.send({ ...addMemberInput(acme, 'alice', 'frank'), commandId })).toMatchObject({ code: 'SIGNATURE_INVALID' });
    expect(await client.send({ ...addMemberInput(acme, 'alice', 'frank'), commandId })).toMatchObject({ outcome: 'accepted', replayed: false });
  });

  it('accepts a key registered after the processor started, and refuses it once revoked, without waiting for a refresh', async () => {
    const late = await newIdentity('late');
    await spine.registerKey(late, { tenants: [acme], canCreateTenants: false });
    const lateClient = await spine.client(late);
    expect(await lateClient.send(addMemberInput(acme, 'alice', 'gina'))).toMatchObject({ outcome: 'accepted' });
    await revokeProducerKey(spine.pool, late.keyId);
    await new Promise((r) => setTimeout(r, 200)); // NOTIFY is asynchronous; the periodic refresh is 5 s
    expect(await lateClient.send(addMemberInput(acme, 'alice', 'hank'))).toMatchObject({ outcome: 'rejected', code: 'PRODUCER_KEY_REVOKED' });
  });

  it('keeps every refusal in a chain that still verifies', async () => {
    expect(await verifyTenant(spine.kafka, spine.topics.events, acme)).toMatchObject({ ok: true });
  });
});
