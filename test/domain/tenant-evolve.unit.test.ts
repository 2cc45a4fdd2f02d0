import { describe, expect, it } from 'vitest';
import { commandRejected, evolve, initialState, ownerCount } from '../../domain/tenant/index.ts';
import type { TenantEvent, TenantState } from '../../domain/tenant/index.ts';
import {
  addMember,
  memberAdded,
  memberRemoved,
  memberRoleChanged,
  service,
  tenantCreated,
  tenantDeleted,
  user,
} from './tenant-fixtures.ts';

const replay = (events: readonly TenantEvent[]): TenantState => events.reduce(evolve, initialState());
const membersOf = (state: TenantState) => (state.status === 'active' ? Object.fromEntries(state.members) : undefined);

describe('evolve', () => {
  describe('when no event happened', () => {
    it('starts absent', () => {
      expect(initialState()).toStrictEqual({ status: 'absent' });
    });
  });
  describe('when the tenant is created', () => {
    it('becomes active with its name and the owner as only member', () => {
      const state = replay([tenantCreated('alice', 'Acme Labs')]);
      expect(state).toMatchObject({ status: 'active', name: 'Acme Labs' });
      expect(membersOf(state)).toStrictEqual({ alice: { role: 'owner', email: 'alice@example.com' } });
    });
  });
  describe('when members come and go', () => {
    it('tracks additions, role changes and removals', () => {
      const state = replay([
        tenantCreated('alice'),
        memberAdded('bob', 'viewer', 'Bob@Example.com'),
        memberAdded('carol', 'member'),
        memberRoleChanged('bob', 'viewer', 'owner'),
        memberRemoved('carol', 'left'),
      ]);
      expect(membersOf(state)).toStrictEqual({
        alice: { role: 'owner', email: 'alice@example.com' },
        bob: { role: 'owner', email: 'Bob@Example.com' },
      });
    });
    it('derives the owner count from the members', () => {
      const state = replay([tenantCreated('alice'), memberAdded('bob', 'owner'), memberAdded('carol', 'admin')]);
      expect(state.status === 'active' && ownerCount(state.members)).toBe(2);
    });
    it('never mutates the previous state', () => {
      const before = replay([tenantCreated('alice')]);
      evolve(before, memberAdded('bob', 'admin'));
      expect(membersOf(before)).toStrictEqual({ alice: { role: 'owner', email: 'alice@example.com' } });
    });
  });
  describe('when the tenant is deleted', () => {
    it('keeps only the deleted status', () => {
      expect(replay([tenantCreated('alice'), memberAdded('bob', 'admin'), tenantDeleted('done')])).toStrictEqual({ status: 'deleted' });
    });
  });
  describe('when a command was rejected', () => {
    const rejected = commandRejected(addMember(user('mallory'), 'mallory', 'owner'), 'NOT_A_MEMBER');
    it('leaves an active tenant unchanged', () => {
      const state = replay([tenantCreated('alice')]);
      expect(evolve(state, rejected)).toBe(state);
    });
    it('leaves an absent tenant absent', () => {
      expect(evolve(initialState(), rejected)).toStrictEqual({ status: 'absent' });
    });
  });
  describe('when an event does not fit the status (never emitted by decide)', () => {
    it('ignores member events on an absent tenant', () => {
      expect(replay([memberAdded('bob', 'owner')])).toStrictEqual({ status: 'absent' });
    });
    it('ignores a second TenantCreated', () => {
      const state = replay([tenantCreated('alice')]);
      expect(evolve(state, tenantCreated('mallory'))).toBe(state);
    });
    it('does not resurrect a deleted tenant', () => {
      expect(replay([tenantCreated('alice'), tenantDeleted(), tenantCreated('alice')])).toStrictEqual({ status: 'deleted' });
    });
  });
});

describe('commandRejected', () => {
  it('records the command type, code and claimed actor', () => {
    expect(commandRejected(addMember(user('mallory'), 'mallory', 'owner'), 'FORBIDDEN')).toStrictEqual({
      type: 'CommandRejected',
      data: { commandType: 'AddMember', code: 'FORBIDDEN', claimedActor: { kind: 'user', id: 'mallory' } },
    });
  });
  it('records the producer key when the processor knows it', () => {
    const event = commandRejected(addMember(service('svc-x'), 'x', 'viewer'), 'NOT_A_MEMBER', 'key-1');
    expect(event.data).toStrictEqual({
      commandType: 'AddMember',
      code: 'NOT_A_MEMBER',
      claimedActor: { kind: 'service', id: 'svc-x' },
      producerKeyId: 'key-1',
    });
  });
});
