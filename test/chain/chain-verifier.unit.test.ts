import { describe, expect, it } from 'vitest';
import { ChainVerifier, verifyChain } from '../../domain/chain/chain-verifier.ts';
import { GENESIS_HASH, eventHash } from '../../domain/chain/event-hash.ts';
import type { HashedEvent } from '../../domain/logical.ts';
import { copy, eventsByTenant, tenantVectors } from '../fixtures/vectors.ts';

// The five-event tenant: TenantCreated, MemberAdded, MemberRoleChanged, ProviderKeyStored, MemberRemoved.
const TENANT = 'f0e1d2c3-b4a5-4697-8899-aabbccddeeff';
const OTHER_TENANT = '0b7c1d2e-3f40-4a51-8b62-7c83d94ea5f6';
const HEAD = tenantVectors().find((t) => t.tenantId === TENANT)!;

function chain(): HashedEvent[] {
  return copy(eventsByTenant().get(TENANT)!);
}

/** A well-formed event that correctly extends `previous`, as a forger with no key would write it. */
function forgedAfter(previous: HashedEvent): HashedEvent {
  const logical = {
    ...copy(previous),
    seq: previous.seq + 1,
    prevHash: previous.hash,
    eventId: '00000000-0000-4000-8000-0000000000ff',
    type: 'MemberAdded',
    payload: { userId: 'u-evil', email: 'evil@example.com', role: 'owner' },
  };
  return { ...logical, hash: eventHash(logical) };
}

describe('ChainVerifier', () => {
  it('accepts the untouched chain and reports its head', () => {
    expect(verifyChain(TENANT, chain())).toEqual({ ok: true, head: { seq: HEAD.size, hash: HEAD.head } });
  });

  it('accepts an empty stream with the genesis head', () => {
    expect(verifyChain(TENANT, [])).toEqual({ ok: true, head: { seq: 0, hash: GENESIS_HASH } });
  });

  it('detects one changed payload byte as HASH_MISMATCH at that seq', () => {
    const events = chain();
    const payload = events[4]!.payload as { reason: string };
    payload.reason = payload.reason.replace('team', 'teal');
    const verdict = verifyChain(TENANT, events);
    expect(verdict).toMatchObject({ ok: false, failure: { seq: 5, code: 'HASH_MISMATCH', actual: HEAD.head } });
    expect(verdict.head).toEqual({ seq: 4, hash: events[3]!.hash });
  });

  it('detects a changed stored hash as HASH_MISMATCH at that seq, with the recomputed hash expected', () => {
    const events = chain();
    const original = events[2]!.hash;
    events[2]!.hash = `${original.slice(0, 63)}${original.endsWith('0') ? '1' : '0'}`;
    expect(verifyChain(TENANT, events)).toMatchObject({
      ok: false,
      failure: { seq: 3, code: 'HASH_MISMATCH', expected: original, actual: events[2]!.hash },
    });
  });

  it('detects a changed prevHash as PREV_HASH_MISMATCH', () => {
    const events = chain();
    events[1]!.prevHash = 'f'.repeat(64);
    expect(verifyChain(TENANT, events)).toMatchObject({
      ok: false,
      failure: { seq: 2, code: 'PREV_HASH_MISMATCH', expected: events[0]!.hash, actual: 'f'.repeat(64) },
    });
  });

  it('detects swapped events as SEQ_GAP where the first one moved', () => {
    const events = chain();
    [events[2], events[3]] = [events[3]!, events[2]!];
    expect(verifyChain(TENANT, events)).toMatchObject({ ok: false, failure: { seq: 3, code: 'SEQ_GAP', expected: 3, actual: 4 } });
  });

  it('detects swapped events that were renumbered as PREV_HASH_MISMATCH', () => {
    const events = chain();
    [events[2], events[3]] = [events[3]!, events[2]!];
    events[2]!.seq = 3;
    events[3]!.seq = 4;
    expect(verifyChain(TENANT, events)).toMatchObject({ ok: false, failure: { seq: 3, code: 'PREV_HASH_MISMATCH' } });
  });

  it('detects a deleted event as SEQ_GAP', () => {
    const events = chain();
    events.splice(2, 1);
    expect(verifyChain(TENANT, events)).toMatchObject({ ok: false, failure: { seq: 3, code: 'SEQ_GAP', expected: 3, actual: 4 } });
  });

  it('cannot see a truncated tail by itself: the head no longer matches the published one', () => {
    const verdict = verifyChain(TENANT, chain().slice(0, 4));
    expect(verdict.ok).toBe(true);
    expect(verdict.head.hash).not.toBe(HEAD.head);
  });

  it('detects a replayed (inserted duplicate) event as SEQ_DUPLICATE', () => {
    const events = chain();
    events.splice(2, 0, copy(events[1]!));
    expect(verifyChain(TENANT, events)).toMatchObject({ ok: false, failure: { seq: 3, code: 'SEQ_DUPLICATE', expected: 3, actual: 2 } });
  });

  it('detects a forged event inserted with a correct link as SEQ_DUPLICATE on the next genuine event', () => {
    const events = chain();
    events.splice(2, 0, forgedAfter(events[1]!));
    expect(verifyChain(TENANT, events)).toMatchObject({ ok: false, failure: { seq: 4, code: 'SEQ_DUPLICATE', expected: 4, actual: 3 } });
  });

  it('detects a forged insertion with the later events renumbered as PREV_HASH_MISMATCH', () => {
    const events = chain();
    events.splice(2, 0, forgedAfter(events[1]!));
    for (const event of events.slice(3)) event.seq += 1;
    expect(verifyChain(TENANT, events)).toMatchObject({
      ok: false,
      failure: { seq: 4, code: 'PREV_HASH_MISMATCH', expected: events[2]!.hash, actual: events[1]!.hash },
    });
  });

  it("detects another tenant's event as TENANT_MISMATCH", () => {
    const events = chain();
    events[1] = copy(eventsByTenant().get(OTHER_TENANT)![1]!);
    expect(verifyChain(TENANT, events)).toMatchObject({
      ok: false,
      failure: { seq: 2, code: 'TENANT_MISMATCH', expected: TENANT, actual: OTHER_TENANT },
    });
  });

  it('reports only the first failure and keeps the last good head', () => {
    const events = chain();
    events[1]!.prevHash = 'f'.repeat(64);
    events[3]!.hash = '0'.repeat(64);
    const verifier = new ChainVerifier(TENANT);
    const failures = events.map((event) => verifier.pushHashed(event));
    expect(failures[0]).toBeNull();
    expect(failures.slice(1).every((failure) => failure?.code === 'PREV_HASH_MISMATCH' && failure.seq === 2)).toBe(true);
    expect(verifier.head).toEqual({ seq: 1, hash: events[0]!.hash });
  });

  it('resumes after a trusted head (a verified checkpoint)', () => {
    const events = chain();
    const verdict = verifyChain(TENANT, events.slice(3), { seq: 3, hash: events[2]!.hash });
    expect(verdict).toEqual({ ok: true, head: { seq: 5, hash: HEAD.head } });
    expect(verifyChain(TENANT, events.slice(3))).toMatchObject({ ok: false, failure: { seq: 1, code: 'SEQ_GAP' } });
  });

  it('verifies an event against a separately carried hash (as decoded from Avro)', () => {
    const [first] = chain();
    const { hash, ...event } = first!;
    expect(new ChainVerifier(TENANT).push(event, hash)).toBeNull();
    expect(new ChainVerifier(TENANT).push(event, GENESIS_HASH)).toMatchObject({ code: 'HASH_MISMATCH', seq: 1 });
  });
});
