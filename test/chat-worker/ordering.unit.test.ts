// The chat worker's order within a batch (consumers/chat-worker/ordering.ts): one user's events
// one after another in stream order, users alongside, TenantDeleted a barrier, nothing started
// after a failure. Records are really encoded, as the events topic holds them.
import { describe, expect, it } from 'vitest';
import type { InRecord } from '../../adapters/kafka/messages.ts';
import type { JsonObject, LogicalEvent } from '../../domain/logical.ts';
import { encodeEvent } from '../../schemas/codec.ts';
import { handleInUserOrder, type OrderedHandlers } from '../../consumers/chat-worker/ordering.ts';

const T1 = '11111111-1111-4111-8111-111111111111';
const MEMORY = '22222222-2222-4222-8222-222222222222';

function record(offset: number, type: string, payload: JsonObject, tenantId = T1): InRecord {
  const event: LogicalEvent = {
    tenantId, seq: offset + 1, prevHash: '0'.repeat(64), eventId: `00000000-0000-4000-8000-${String(offset).padStart(12, '0')}`, type,
    schemaVersion: 1, occurredAt: '2026-11-23T10:00:00.000Z', actor: { kind: 'user', id: 'ac-owner' }, commandId: '10000000-0000-4000-8000-000000000001', payload,
  };
  return { topic: 'events', partition: 0, offset: String(offset), key: null, value: encodeEvent(event, '0'.repeat(64)), timestamp: '0' };
}
const erased = (offset: number, userId: string) => record(offset, 'UserErased', { userId });
const forgotten = (offset: number, userId: string) => record(offset, 'MemoryForgotten', { userId, memoryId: MEMORY });

/** Handlers that log each step; `hold(offset)` keeps that event running until released. */
function recorder() {
  const log: string[] = [];
  const held = new Map<number, () => void>();
  const gates = new Map<number, Promise<void>>();
  const failures = new Map<number, Error>();
  const handlers: OrderedHandlers & { undecodableOffsets: string[] } = {
    undecodableOffsets: [],
    stopping: () => false,
    undecodable: (r) => void handlers.undecodableOffsets.push(r.offset),
    eraseTenant: async (tenantId) => {
      log.push(`erase ${tenantId === T1 ? 'T1' : tenantId}`);
    },
    handle: async (event, userId, offset) => {
      const n = Number(offset);
      log.push(`start ${n} ${userId}`);
      await gates.get(n);
      const failure = failures.get(n);
      if (failure !== undefined) throw failure;
      log.push(`end ${n}`);
    },
  };
  return {
    log, handlers,
    hold(offset: number) {
      gates.set(offset, new Promise<void>((resolve) => held.set(offset, resolve)));
    },
    release: (offset: number) => held.get(offset)!(),
    fail: (offset: number, error: Error) => failures.set(offset, error),
  };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('handleInUserOrder', () => {
  it('runs one user\'s events one after another in stream order, and other users\' alongside', async () => {
    const r = recorder();
    r.hold(0);
    const done = handleInUserOrder([forgotten(0, 'ac-alice'), erased(1, 'ac-alice'), forgotten(2, 'ac-bob')], r.handlers);
    await tick();
    expect(r.log).toEqual(['start 0 ac-alice', 'start 2 ac-bob', 'end 2']);
    r.release(0);
    await done;
    expect(r.log).toEqual(['start 0 ac-alice', 'start 2 ac-bob', 'end 2', 'end 0', 'start 1 ac-alice', 'end 1']);
  });

  it('keeps the same user id of two tenants apart', async () => {
    const r = recorder();
    r.hold(0);
    const other = '33333333-3333-4333-8333-333333333333';
    const done = handleInUserOrder([forgotten(0, 'ac-alice'), record(1, 'UserErased', { userId: 'ac-alice' }, other)], r.handlers);
    await tick();
    expect(r.log).toEqual(['start 0 ac-alice', 'start 1 ac-alice', 'end 1']);
    r.release(0);
    await done;
  });

  it('erases a tenant only after every event before it, and starts the ones after it only then', async () => {
    const r = recorder();
    r.hold(0);
    const done = handleInUserOrder([forgotten(0, 'ac-alice'), record(1, 'TenantDeleted', {}), forgotten(2, 'ac-bob')], r.handlers);
    await tick();
    expect(r.log).toEqual(['start 0 ac-alice']);
    r.release(0);
    await done;
    expect(r.log).toEqual(['start 0 ac-alice', 'end 0', 'erase T1', 'start 2 ac-bob', 'end 2']);
  });

  it('passes over other events, empty values, malformed user ids and undecodable records (reporting those)', async () => {
    const r = recorder();
    const junk: InRecord = { ...erased(3, 'ac-carol'), value: Buffer.from('not an event') };
    const tombstone: InRecord = { ...erased(4, 'ac-carol'), value: null };
    await handleInUserOrder([
      record(0, 'MemberRemoved', { userId: 'ac-alice' }), erased(1, ' not a principal '), record(2, 'UserErased', { userId: 'ac-alice' }, 'NOT-A-UUID'),
      junk, tombstone, erased(5, 'ac-dave'),
    ], r.handlers);
    expect(r.log).toEqual(['start 5 ac-dave', 'end 5']);
    expect(r.handlers.undecodableOffsets).toEqual(['3']);
  });

  it('starts nothing after a failure, not even behind a barrier, and throws the first failure', async () => {
    const r = recorder();
    const first = new Error('first');
    r.fail(0, first);
    await expect(handleInUserOrder([forgotten(0, 'ac-alice'), erased(1, 'ac-alice'), forgotten(2, 'ac-bob'), record(3, 'TenantDeleted', {}), erased(4, 'ac-carol')], r.handlers))
      .rejects.toBe(first);
    expect(r.log).toEqual(['start 0 ac-alice', 'start 2 ac-bob', 'end 2']);
  });

  it('stops before the next record once told to, failing the batch', async () => {
    const r = recorder();
    let asked = 0;
    r.handlers.stopping = () => ++asked > 1;
    await expect(handleInUserOrder([erased(0, 'ac-alice'), erased(1, 'ac-bob')], r.handlers)).rejects.toThrow('stopping');
    await tick();
    expect(r.log).toEqual(['start 0 ac-alice', 'end 0']);
  });
});
