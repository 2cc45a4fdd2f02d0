import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handleCommandRecord } from '../../consumers/command-processor/handle-command.ts';
import { PartitionState } from '../../consumers/command-processor/partition-state.ts';
import { applyStoredEvent, applyStoredResult } from '../../consumers/command-processor/rebuild.ts';
import { verifyChain } from '../../domain/chain/chain-verifier.ts';
import { generateSigningKeyPair } from '../../crypto/ed25519.ts';
import { addMember, commandBytes, commandRecord, context, create, keysFor, NOW, record, runBatch, scopedPair, servicePair, tenantOnPartition } from './fixtures.ts';


describe('when commands for a tenant arrive in one batch', () => {
  it('chains their events from the genesis, seq 1..n, each hash linking to the next', async () => {
    const tenant = tenantOnPartition(0);
    const out = await runBatch(new PartitionState(), [commandRecord(create(tenant)).record, commandRecord(addMember(tenant, 'alice', 'bob')).record]);
    expect(out.events.map((e) => [e.seq, e.type])).toEqual([[1, 'TenantCreated'], [2, 'MemberAdded']]);
    expect(out.events[0]!.prevHash).toBe('0'.repeat(64));
    expect(out.events[1]!.prevHash).toBe(out.events[0]!.hash);
    expect(verifyChain(tenant, out.events).ok).toBe(true);
    expect(out.results.map((r) => [r.outcome, r.firstSeq])).toEqual([['accepted', 1], ['accepted', 2]]);
  });

  it('binds each result to the exact command bytes (SHA-256 of the record value)', async () => {
    const tenant = tenantOnPartition(0);
    const { record: r } = commandRecord(create(tenant));
    const out = await runBatch(new PartitionState(), [r]);
    expect(out.results[0]!.commandDigest).toBe(createHash('sha256').update(r.value!).digest('hex'));
  });
});

describe('when a record is not a decodable command', () => {
  it.each([
    ['garbage bytes', Buffer.from('definitely not avro')],
    ['truncated Avro', commandBytes(create(tenantOnPartition(0))).bytes.subarray(0, 30)],
    ['an unknown schema fingerprint', Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.alloc(8, 0xab), Buffer.from([0])])],
  ])('sends %s to the dead-letter topic with its reason and no result', async (_name, bytes) => {
    const out = await runBatch(new PartitionState(), [record(bytes, 'k')]);
    expect(out.deadLetters).toHaveLength(1);
    expect(out.deadLetters[0]).toMatchObject({ code: 'UNDECODABLE', originalValue: bytes });
    expect(out.results).toHaveLength(0);
    expect(out.events).toHaveLength(0);
  });

  it('dead-letters an empty record', async () => {
    expect((await runBatch(new PartitionState(), [record(null, 'k')])).deadLetters[0]).toMatchObject({ code: 'EMPTY_RECORD' });
  });
});

describe('when the producer cannot be trusted', () => {
  const tenant = tenantOnPartition(0);
  const withTenant = async () => {
    const state = new PartitionState();
    await runBatch(state, [commandRecord(create(tenant)).record]);
    return state;
  };

  it.each([
    ['unsigned', { secretKey: null }, 'SIGNATURE_MISSING'],
    ['signed by another key', { secretKey: generateSigningKeyPair().secretKey }, 'SIGNATURE_INVALID'],
    ['from an unknown key id', { keyId: 'nobody' }, 'UNKNOWN_PRODUCER_KEY'],
  ])('refuses a command %s without touching the chain, logs it as a dead letter, and remembers no commandId', async (_name, overrides, code) => {
    const state = await withTenant();
    const spec = { ...addMember(tenant, 'alice', 'mallory', 'owner'), ...overrides };
    const { record: r, commandId } = commandRecord(spec);
    const out = await runBatch(state, [r]);
    expect(out.results[0]).toMatchObject({ outcome: 'rejected', code, commandId });
    expect(out.events).toHaveLength(0);
    expect(state.head(tenant).seq).toBe(1);
    expect(out.deadLetters).toMatchObject([{ code: 'UNAUTHENTICATED', reason: code, originalValue: r.value }]);
    expect([...state.outcomes.keys()].some((k) => k.endsWith(commandId))).toBe(false);
  });

  it('records a refusal from a live key scoped to other tenants in the target chain (an authorization decision), remembering no commandId', async () => {
    const state = await withTenant();
    const { record: r, commandId } = commandRecord({ ...addMember(tenant, 'alice', 'mallory', 'owner'), keyId: 'scoped', secretKey: scopedPair.secretKey });
    const out = await runBatch(state, [r]);
    expect(out.results[0]).toMatchObject({ outcome: 'rejected', code: 'PRODUCER_KEY_NOT_ALLOWED', commandId });
    expect(out.events).toHaveLength(1);
    expect(out.events[0]).toMatchObject({ type: 'CommandRejected', seq: 2, payload: { code: 'PRODUCER_KEY_NOT_ALLOWED', commandType: 'AddMember', producerKeyId: 'scoped' } });
    expect(out.deadLetters).toHaveLength(0);
    expect([...state.outcomes.keys()].some((k) => k.endsWith(commandId))).toBe(false);
  });

  it('refuses a revoked key without touching the chain', async () => {
    const state = await withTenant();
    const out = await runBatch(state, [commandRecord(addMember(tenant, 'alice', 'bob')).record], context(keysFor({ revoked: true })));
    expect(out.results[0]).toMatchObject({ code: 'PRODUCER_KEY_REVOKED' });
    expect(out.events).toHaveLength(0);
    expect(out.deadLetters).toMatchObject([{ code: 'UNAUTHENTICATED', reason: 'PRODUCER_KEY_REVOKED' }]);
  });

  it('grows no chain under a flood of 1,000 unsigned records carrying free text', async () => {
    const state = await withTenant();
    const urgent = `URGENT: owner approved wire transfer ${'x'.repeat(10_000)}`;
    const flood = Array.from({ length: 1_000 }, (_, i) => commandRecord({
      ...addMember(tenant, 'alice', `mallory-${i}`, 'owner'), secretKey: null, keyId: i % 2 === 0 ? 'nobody' : 'gateway',
      actor: { kind: 'user', id: urgent },
    }).record);
    const out = await runBatch(state, flood);
    expect(out.events).toHaveLength(0);
    expect(state.head(tenant).seq).toBe(1);
    expect(out.results.every((r) => r.outcome === 'rejected')).toBe(true);
    expect(JSON.stringify(out.results)).not.toContain('URGENT');
  });

  it('puts no unvalidated actor id into the chain, even from a live key (command types are bound by the Avro schemas)', async () => {
    const state = await withTenant();
    const badActor = commandRecord({ ...addMember(tenant, 'alice', 'mallory', 'owner'), keyId: 'scoped', secretKey: scopedPair.secretKey, actor: { kind: 'user', id: 'URGENT: owner approved wire transfer' } });
    const out = await runBatch(state, [badActor.record]);
    expect(out.results[0]).toMatchObject({ code: 'PRODUCER_KEY_NOT_ALLOWED' });
    expect(out.events).toHaveLength(0);
  });

  describe('keys have capabilities (actor kinds and command types)', () => {
    const reply = (actor: { kind: 'user' | 'service'; id: string }) => ({
      tenantId: tenant, type: 'RecordAssistantReply', actor,
      payload: { conversationId: '7d3f0e1a-5b6c-4d7e-8f90-a1b2c3d4e5f6', userId: 'alice', replyTo: '8e4f1f2b-6c7d-4e8f-9a01-b2c3d4e5f6a7', failure: 'TIMEOUT' },
    });
    const service = { keyId: 'service', secretKey: servicePair.secretKey };

    it.each([
      ['a user key injecting an assistant reply as a service', reply({ kind: 'service', id: 'chat-worker' }), {}],
      ['a user key sending a service command as a user', reply({ kind: 'user', id: 'alice' }), {}],
      ['a user key claiming a service actor for a user command', { ...addMember(tenant, 'alice', 'mallory'), actor: { kind: 'service' as const, id: 'gateway' } }, {}],
      ['a service key sending a user command', { ...addMember(tenant, 'alice', 'mallory', 'owner'), actor: { kind: 'service' as const, id: 'chat-worker' } }, service],
      ['a service key claiming a user actor', reply({ kind: 'user', id: 'alice' }), service],
    ])('refuses %s (PRODUCER_KEY_NOT_ALLOWED), appending no reply', async (_name, spec, key) => {
      const state = await withTenant();
      const out = await runBatch(state, [commandRecord({ ...spec, ...key }).record]);
      expect(out.results[0]).toMatchObject({ outcome: 'rejected', code: 'PRODUCER_KEY_NOT_ALLOWED' });
      expect(out.events.filter((e) => e.type !== 'CommandRejected')).toHaveLength(0);
    });

    it('lets the service key send its service command through authentication to the domain', async () => {
      const state = await withTenant();
      const out = await runBatch(state, [commandRecord({ ...reply({ kind: 'service', id: 'chat-worker' }), ...service }).record]);
      expect(out.results[0]!.code).not.toBe('PRODUCER_KEY_NOT_ALLOWED');
      expect(out.results[0]!.code).toBe('CONVERSATION_NOT_FOUND');
    });
  });

  it('refuses CreateTenant from a key without tenant creation rights', async () => {
    const other = tenantOnPartition(0);
    const out = await runBatch(new PartitionState(), [commandRecord({ ...create(other), keyId: 'scoped', secretKey: scopedPair.secretKey }).record], context(keysFor({}, [other])));
    expect(out.results[0]).toMatchObject({ code: 'PRODUCER_KEY_NOT_ALLOWED' });
    expect(out.events).toHaveLength(0); // nothing to record in: the tenant does not exist
  });

  it('refuses a record keyed or partitioned for another tenant (single writer per tenant)', async () => {
    const elsewhere = tenantOnPartition(1);
    const out = await runBatch(new PartitionState(), [commandRecord(create(elsewhere)).record]);
    expect(out.results[0]).toMatchObject({ code: 'WRONG_PARTITION' });
    const mine = tenantOnPartition(0);
    const mislabelled = record(commandBytes(create(mine)).bytes, 'another-key');
    expect((await runBatch(new PartitionState(), [mislabelled])).results[0]).toMatchObject({ code: 'WRONG_PARTITION' });
  });
});

describe('when a commandId repeats', () => {
  it('answers with the original result marked replayed and appends nothing, even across batches', async () => {
    const tenant = tenantOnPartition(0);
    const state = new PartitionState();
    const first = commandRecord(create(tenant));
    await runBatch(state, [first.record]);
    const again = await runBatch(state, [record(first.record.value, tenant)]);
    expect(again.events).toHaveLength(0);
    expect(again.results[0]).toMatchObject({ outcome: 'accepted', firstSeq: 1, replayed: true });
  });

  it('scopes commandIds per tenant: the same id for another tenant is a new command', async () => {
    const a = tenantOnPartition(0);
    const b = tenantOnPartition(0);
    const state = new PartitionState();
    const { commandId } = commandRecord(create(a));
    await runBatch(state, [commandRecord({ ...create(a), commandId }).record]);
    const out = await runBatch(state, [commandRecord({ ...create(b), commandId }).record]);
    expect(out.results[0]).toMatchObject({ outcome: 'accepted', replayed: false, tenantId: b });
  });

  it('refuses a reused commandId with other content (IDEMPOTENCY_CONFLICT), not "accepted, replayed", and keeps the first answer', async () => {
    const tenant = tenantOnPartition(0);
    const state = new PartitionState();
    await runBatch(state, [commandRecord(create(tenant)).record]);
    const first = commandRecord(addMember(tenant, 'alice', 'bob'));
    expect((await runBatch(state, [first.record])).results[0]).toMatchObject({ outcome: 'accepted', replayed: false });
    const other = await runBatch(state, [commandRecord({ ...addMember(tenant, 'alice', 'mallory', 'owner'), commandId: first.commandId }).record]);
    expect(other.results[0]).toMatchObject({ outcome: 'rejected', code: 'IDEMPOTENCY_CONFLICT', replayed: false });
    expect(other.events).toHaveLength(0);
    expect((await runBatch(state, [record(first.record.value, tenant)])).results[0]).toMatchObject({ outcome: 'accepted', replayed: true });
  });

  it('replays a retry that was re-issued (new issuedAt, so new bytes and signature) with the same content', async () => {
    const tenant = tenantOnPartition(0);
    const state = new PartitionState();
    await runBatch(state, [commandRecord(create(tenant)).record]);
    const first = commandRecord(addMember(tenant, 'alice', 'bob'));
    await runBatch(state, [first.record]);
    const retry = commandRecord({ ...addMember(tenant, 'alice', 'bob'), commandId: first.commandId, issuedAt: new Date(NOW.getTime() + 1_000).toISOString() });
    expect(retry.record.value!.equals(first.record.value!)).toBe(false);
    expect((await runBatch(state, [retry.record])).results[0]).toMatchObject({ outcome: 'accepted', replayed: true });
  });

  it('tells a conflicting reuse apart after a rebuild from the log, too', async () => {
    const tenant = tenantOnPartition(0);
    const live = new PartitionState();
    const first = commandRecord(addMember(tenant, 'alice', 'bob'));
    const out = await runBatch(live, [commandRecord(create(tenant)).record, first.record]);
    const rebuilt = new PartitionState();
    for (const e of out.events) applyStoredEvent(rebuilt, e, e.hash);
    for (const r of out.results) applyStoredResult(rebuilt, r);
    const reuse = await runBatch(rebuilt, [commandRecord({ ...addMember(tenant, 'alice', 'mallory', 'owner'), commandId: first.commandId }).record]);
    expect(reuse.results[0]).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
  });

  it('replays a domain rejection with its original code', async () => {
    const tenant = tenantOnPartition(0);
    const state = new PartitionState();
    await runBatch(state, [commandRecord(create(tenant)).record]);
    const dup = commandRecord(addMember(tenant, 'alice', 'alice', 'admin')); // alice is already the owner
    expect((await runBatch(state, [dup.record])).results[0]).toMatchObject({ code: 'MEMBER_EXISTS', replayed: false });
    expect((await runBatch(state, [record(dup.record.value, tenant)])).results[0]).toMatchObject({ code: 'MEMBER_EXISTS', replayed: true });
  });
});

describe('when a command is outside the replay window', () => {
  const tenant = tenantOnPartition(0);
  it('refuses one issued more than the window ago (COMMAND_EXPIRED)', async () => {
    const old = new Date(NOW.getTime() - 7 * 24 * 3600_000).toISOString();
    expect((await runBatch(new PartitionState(), [commandRecord({ ...create(tenant), issuedAt: old }).record])).results[0]).toMatchObject({ code: 'COMMAND_EXPIRED' });
  });
  it('refuses one issued too far in the future (CLOCK_SKEW)', async () => {
    const future = new Date(NOW.getTime() + 3600_000).toISOString();
    expect((await runBatch(new PartitionState(), [commandRecord({ ...create(tenant), issuedAt: future }).record])).results[0]).toMatchObject({ code: 'CLOCK_SKEW' });
  });
  it('keeps refusing a CLOCK_SKEW record replayed once the clock has caught up, also after a rebuild', async () => {
    const future = new Date(NOW.getTime() + 3600_000);
    const state = new PartitionState();
    const skewed = commandRecord({ ...create(tenant), issuedAt: future.toISOString() });
    const first = await runBatch(state, [skewed.record]);
    expect(first.results[0]).toMatchObject({ code: 'CLOCK_SKEW' });
    const later = { ...context(), now: () => new Date(future.getTime() + 60_000) };
    const replay = await runBatch(state, [record(skewed.record.value, tenant)], later);
    expect(replay.results[0]).toMatchObject({ outcome: 'rejected', code: 'CLOCK_SKEW', replayed: true });
    expect(replay.events).toHaveLength(0);
    const rebuilt = new PartitionState();
    for (const r of first.results) applyStoredResult(rebuilt, r);
    expect((await runBatch(rebuilt, [record(skewed.record.value, tenant)], later)).results[0]).toMatchObject({ code: 'CLOCK_SKEW', replayed: true });
  });
});

describe('when a batch is not committed', () => {
  it('leaves the partition state exactly as before (the overlay is discarded)', async () => {
    const tenant = tenantOnPartition(0);
    const state = new PartitionState();
    await runBatch(state, [commandRecord(create(tenant)).record]);
    const before = state.head(tenant);
    const view = state.begin();
    await handleCommandRecord(commandRecord(addMember(tenant, 'alice', 'bob')).record, view, context(), { events: [], results: [], deadLetters: [] });
    expect(view.head(tenant).seq).toBe(2);
    expect(state.head(tenant)).toBe(before);
    // Processing the same command again (the retry after an abort) yields seq 2, not 3.
    const retry = await runBatch(state, [commandRecord(addMember(tenant, 'alice', 'bob')).record]);
    expect(retry.events[0]!.seq).toBe(2);
  });
});

describe('when the state is rebuilt from the log', () => {
  it('reaches the same heads and remembers the same outcomes as live processing', async () => {
    const tenant = tenantOnPartition(0);
    const live = new PartitionState();
    const created = commandRecord(create(tenant));
    const refused = commandRecord(addMember(tenant, 'bob', 'eve'));
    const invalid = commandRecord({ ...addMember(tenant, 'alice', 'x'), payload: { userId: 'x', email: 'nope', role: 'member' } });
    const out = await runBatch(live, [created.record, refused.record, invalid.record]);
    const rebuilt = new PartitionState();
    for (const e of out.events) applyStoredEvent(rebuilt, e, e.hash);
    for (const r of out.results) applyStoredResult(rebuilt, r);
    expect(rebuilt.head(tenant)).toEqual(live.head(tenant));
    for (const { commandId } of [created, refused, invalid]) {
      const key = `${tenant}/${commandId}`;
      expect(rebuilt.outcomes.get(key)?.outcome).toBe(live.outcomes.get(key)?.outcome);
    }
  });

  it('marks a tenant whose stored chain is broken as corrupt and refuses its commands (fail closed)', async () => {
    const tenant = tenantOnPartition(0);
    const out = await runBatch(new PartitionState(), [commandRecord(create(tenant)).record, commandRecord(addMember(tenant, 'alice', 'bob')).record]);
    const rebuilt = new PartitionState();
    applyStoredEvent(rebuilt, out.events[0]!, out.events[0]!.hash);
    const tampered = { ...out.events[1]!, payload: { ...out.events[1]!.payload, role: 'owner' } };
    applyStoredEvent(rebuilt, tampered, out.events[1]!.hash);
    expect(rebuilt.head(tenant).corrupt).toMatch(/hash of seq 2/);
    expect((await runBatch(rebuilt, [commandRecord(addMember(tenant, 'alice', 'carol')).record])).results[0]).toMatchObject({ code: 'CHAIN_CORRUPT' });
  });
});

describe('when a command is larger than the limit', () => {
  it('answers COMMAND_TOO_LARGE when it decodes, and dead-letters it when it does not', async () => {
    const tenant = tenantOnPartition(0);
    const small = { ...context(), maxCommandBytes: 100 };
    const { record: big } = commandRecord(create(tenant));
    expect((await runBatch(new PartitionState(), [big], small)).results[0]).toMatchObject({ code: 'COMMAND_TOO_LARGE' });
    const junk = record(Buffer.alloc(200, 7), tenant);
    expect((await runBatch(new PartitionState(), [junk], small)).deadLetters[0]).toMatchObject({ code: 'COMMAND_TOO_LARGE' });
  });
});
