import { describe, expect, it } from 'vitest';
import { type EventShapeErrorCode, isRfc3339UtcMillis, validateHashedEvent, validateLogicalEvent } from '../../domain/chain/validate-event.ts';
import type { HashedEvent } from '../../domain/logical.ts';
import { copy, vectorEvents } from '../fixtures/vectors.ts';

function logicalOf(event: HashedEvent): Record<string, unknown> {
  const { hash: _hash, ...logical } = copy(event);
  return logical;
}

const GOOD = logicalOf(vectorEvents()[1]!);

describe('validateLogicalEvent', () => {
  it('accepts every golden event', () => {
    for (const event of vectorEvents()) {
      expect(validateHashedEvent(event)).toBeNull();
      expect(validateLogicalEvent(logicalOf(event))).toBeNull();
    }
  });

  it('refuses the exported `hash` member in a logical event, and unknown members anywhere at the top', () => {
    expect(validateLogicalEvent(vectorEvents()[0])).toBe('UNKNOWN_FIELD');
    expect(validateLogicalEvent({ ...GOOD, extra: 1 })).toBe('UNKNOWN_FIELD');
  });

  const cases: [string, Record<string, unknown>, EventShapeErrorCode][] = [
    ['an uppercase tenantId', { tenantId: GOOD.tenantId!.toString().toUpperCase() }, 'INVALID_TENANT_ID'],
    ['a tenantId without dashes', { tenantId: '0b7c1d2e3f404a518b627c83d94ea5f6' }, 'INVALID_TENANT_ID'],
    ['seq 0', { seq: 0 }, 'INVALID_SEQ'],
    ['a fractional seq', { seq: 1.5 }, 'INVALID_SEQ'],
    ['seq beyond 2^53-1', { seq: 2 ** 53 }, 'INVALID_SEQ'],
    ['seq as a string', { seq: '2' }, 'INVALID_SEQ'],
    ['an uppercase prevHash', { prevHash: 'A'.repeat(64) }, 'INVALID_PREV_HASH'],
    ['a short prevHash', { prevHash: '0'.repeat(63) }, 'INVALID_PREV_HASH'],
    ['a malformed eventId', { eventId: 'not-a-uuid' }, 'INVALID_EVENT_ID'],
    ['an empty type', { type: '' }, 'INVALID_TYPE'],
    ['a type with a dot', { type: 'palisade.events.MemberAdded' }, 'INVALID_TYPE'],
    ['schemaVersion 0', { schemaVersion: 0 }, 'INVALID_SCHEMA_VERSION'],
    ['schemaVersion beyond an Avro int', { schemaVersion: 2 ** 31 }, 'INVALID_SCHEMA_VERSION'],
    ['occurredAt without milliseconds', { occurredAt: '2026-11-23T10:00:07Z' }, 'INVALID_OCCURRED_AT'],
    ['occurredAt with an offset', { occurredAt: '2026-11-23T11:00:07.111+01:00' }, 'INVALID_OCCURRED_AT'],
    ['occurredAt on February 30', { occurredAt: '2026-02-30T10:00:00.000Z' }, 'INVALID_OCCURRED_AT'],
    ['occurredAt at hour 24', { occurredAt: '2026-11-23T24:00:00.000Z' }, 'INVALID_OCCURRED_AT'],
    ['an unknown actor kind', { actor: { kind: 'robot', id: 'r-1' } }, 'INVALID_ACTOR'],
    ['an actor with an extra member', { actor: { kind: 'user', id: 'u-1', role: 'owner' } }, 'INVALID_ACTOR'],
    ['an actor with an empty id', { actor: { kind: 'user', id: '' } }, 'INVALID_ACTOR'],
    ['a malformed commandId', { commandId: '10000000-0000-4000-8000-00000000000' }, 'INVALID_COMMAND_ID'],
    ['an array payload', { payload: [] }, 'INVALID_PAYLOAD'],
    ['a payload holding NaN', { payload: { n: Number.NaN } }, 'INVALID_PAYLOAD'],
    ['a payload holding a lone surrogate', { payload: { s: '\ud83d' } }, 'INVALID_PAYLOAD'],
    ['a payload holding a Date', { payload: { at: new Date(0) } }, 'INVALID_PAYLOAD'],
  ];
  it.each(cases)('rejects %s', (_name, change, code) => {
    expect(validateLogicalEvent({ ...GOOD, ...change })).toBe(code);
  });

  it('rejects a missing field with its field code', () => {
    const { occurredAt: _occurredAt, ...missing } = GOOD;
    expect(validateLogicalEvent(missing)).toBe('INVALID_OCCURRED_AT');
  });

  it('rejects non-objects', () => {
    for (const value of [null, [], 'event', 42]) expect(validateLogicalEvent(value)).toBe('NOT_AN_OBJECT');
  });

  it('checks the hash of an exported event', () => {
    expect(validateHashedEvent({ ...GOOD, hash: 'x' })).toBe('INVALID_HASH');
  });

  it('accepts the first and last instants of years 0000-9999', () => {
    expect(isRfc3339UtcMillis('0000-01-01T00:00:00.000Z')).toBe(true);
    expect(isRfc3339UtcMillis('9999-12-31T23:59:59.999Z')).toBe(true);
    expect(isRfc3339UtcMillis('2024-02-29T00:00:00.000Z')).toBe(true);
    expect(isRfc3339UtcMillis('2023-02-29T00:00:00.000Z')).toBe(false);
  });
});
