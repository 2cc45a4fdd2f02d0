// Logical values that do not fit the schema fail with SCHEMA_MISMATCH and the path of the
// field, before anything is written.
import { describe, expect, it } from 'vitest';
import { encodeCommand, encodeDeadLetter, encodeEvent, encodePayload, encodeResult } from '../../schemas/codec.ts';
import type { CommandResult, DeadLetter, LogicalEvent, SignedCommand } from '../../domain/logical.ts';
import { codeThrownBy, thrownBy } from '../fixtures/errors.ts';
import { vectorEvents } from '../fixtures/vectors.ts';

const { hash: HASH, ...EVENT } = vectorEvents()[1]!; // MemberAdded v1

function mismatchPath(fn: () => unknown): unknown {
  const error = thrownBy(fn) as { code?: string; path?: string };
  expect(error.code).toBe('SCHEMA_MISMATCH');
  return error.path;
}

describe('encodeEvent', () => {
  it.each([
    ['a role outside the enum', { payload: { ...EVENT.payload, role: 'root' } }, 'payload.role'],
    ['a missing payload field', { payload: { userId: 'u-2', role: 'admin' } }, 'payload.email'],
    ['an extra payload field', { payload: { ...EVENT.payload, isAdmin: true } }, 'payload.isAdmin'],
    ['a number where a string belongs', { payload: { ...EVENT.payload, userId: 2 } }, 'payload.userId'],
    ['an occurredAt without milliseconds', { occurredAt: '2026-11-23T10:00:07Z' }, 'occurredAt'],
    ['an occurredAt in year 10000', { occurredAt: '+010000-01-01T00:00:00.000Z' }, 'occurredAt'],
    ['a seq beyond 2^53-1', { seq: 2 ** 53 }, 'seq'],
    ['a fractional seq', { seq: 2.5 }, 'seq'],
    ['an unknown actor kind', { actor: { kind: 'robot', id: 'r-1' } }, 'actor.kind'],
    ['an actor with an extra member', { actor: { kind: 'user', id: 'u-1', admin: true } }, 'actor.admin'],
    ['a missing tenantId', { tenantId: undefined }, 'tenantId'],
  ])('rejects %s at %s', (_name, change, path) => {
    expect(mismatchPath(() => encodeEvent({ ...EVENT, ...change } as LogicalEvent, HASH))).toBe(path);
  });

  it('rejects an explicit null for an optional payload field: the logical form leaves it absent', () => {
    const removed: LogicalEvent = { ...EVENT, type: 'MemberRemoved', payload: { userId: 'u-2', reason: null } };
    expect(mismatchPath(() => encodeEvent(removed, HASH))).toBe('payload.reason');
    expect(() => encodeEvent({ ...removed, payload: { userId: 'u-2' } }, HASH)).not.toThrow();
  });

  it('rejects a hash that is not a string', () => {
    expect(mismatchPath(() => encodeEvent(EVENT, undefined as unknown as string))).toBe('hash');
  });

  it('is UNKNOWN_SCHEMA for a type or version with no events schema (commands included)', () => {
    expect(codeThrownBy(() => encodeEvent({ ...EVENT, type: 'MemberInvited' }, HASH))).toBe('UNKNOWN_SCHEMA');
    expect(codeThrownBy(() => encodeEvent({ ...EVENT, schemaVersion: 2 }, HASH))).toBe('UNKNOWN_SCHEMA');
    expect(codeThrownBy(() => encodeEvent({ ...EVENT, type: 'AddMember' }, HASH))).toBe('UNKNOWN_SCHEMA');
    expect(codeThrownBy(() => encodeEvent({ ...EVENT, type: 'EventEnvelope' }, HASH))).toBe('UNKNOWN_SCHEMA');
  });
});

describe('encodeCommand, encodeResult, encodeDeadLetter, encodePayload', () => {
  const command: SignedCommand = {
    commandId: EVENT.commandId, tenantId: EVENT.tenantId, type: 'AddMember', schemaVersion: 1, issuedAt: EVENT.occurredAt,
    actor: EVENT.actor, producerKeyId: 'gateway-2026', payload: EVENT.payload, signature: null,
  };

  it('rejects a signature that is not bytes, and an event payload in a command', () => {
    expect(mismatchPath(() => encodeCommand({ ...command, signature: 'c2ln' as unknown as Buffer }))).toBe('signature');
    expect(codeThrownBy(() => encodeCommand({ ...command, type: 'MemberAdded' }))).toBe('UNKNOWN_SCHEMA');
  });

  it('rejects a result with an unknown outcome or a non-integer seq', () => {
    const result: CommandResult = { commandId: EVENT.commandId, tenantId: EVENT.tenantId, commandDigest: 'cd'.repeat(32), outcome: 'accepted', firstSeq: 2, lastSeq: 2, replayed: false, processedAt: EVENT.occurredAt };
    expect(mismatchPath(() => encodeResult({ ...result, outcome: 'maybe' as 'accepted' }))).toBe('outcome');
    expect(mismatchPath(() => encodeResult({ ...result, lastSeq: 2.5 }))).toBe('lastSeq');
  });

  it('rejects a dead letter whose original value is not bytes', () => {
    const letter: DeadLetter = { sourceTopic: 'palisade.commands', partition: 0, offset: '1', code: 'X', reason: 'r', originalKey: null, originalValue: null, failedAt: EVENT.occurredAt };
    expect(mismatchPath(() => encodeDeadLetter({ ...letter, originalValue: 'raw' as unknown as Buffer }))).toBe('originalValue');
    expect(mismatchPath(() => encodeDeadLetter({ ...letter, partition: 2 ** 31 }))).toBe('partition');
  });

  it('names the payload field from the payload root when encoding a payload alone', () => {
    expect(mismatchPath(() => encodePayload('MemberAdded', 1, { ...EVENT.payload, role: 'root' }))).toBe('role');
    expect(codeThrownBy(() => encodePayload('Nope', 1, {}))).toBe('UNKNOWN_SCHEMA');
  });
});
