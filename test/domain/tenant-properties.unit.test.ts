// Properties over arbitrary command sequences. Ids and emails come from small pools so that
// sequences collide often: the same user added twice, owners demoting each other, and so on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAuthorizationCode } from '../../domain/errors.ts';
import type { Actor } from '../../domain/messages.ts';
import { ownerCount, parseTenantCommand, ROLES, tenantDecider } from '../../domain/tenant/index.ts';
import type { TenantCommand, TenantState } from '../../domain/tenant/index.ts';
import { metadata } from './tenant-fixtures.ts';

const USER_IDS = ['u0', 'u1', 'u2'];

const userId = fc.constantFrom(...USER_IDS);
const role = fc.constantFrom(...ROLES);
const reason = fc.option(fc.constantFrom('left', 'offboarded'), { nil: undefined });
// Mostly the user's own address (sometimes in other case), sometimes one shared with others.
const emailFor = (id: string) => fc.constantFrom(`${id}@x.io`, `${id.toUpperCase()}@X.IO`, 'shared@x.io', 'Shared@X.io');
const member = userId.chain((id) => emailFor(id).map((email) => ({ userId: id, email })));
const actor: fc.Arbitrary<Actor> = fc.oneof(
  { weight: 18, arbitrary: userId.map((id) => ({ kind: 'user' as const, id })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'service' as const, id: 'u0' }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'system' as const, id: 'palisade' }) },
);

// Untyped [type, payload] pairs go through parseTenantCommand, as real input would.
// DeleteTenant is rare: once deleted, the rest of a sequence can only be refused.
const rawCommand: fc.Arbitrary<readonly [string, Record<string, unknown>]> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ name: fc.constant('Acme'), owner: member }).map((p) => ['CreateTenant', p] as const) },
  { weight: 30, arbitrary: fc.tuple(member, role).map(([m, r]) => ['AddMember', { ...m, role: r }] as const) },
  { weight: 30, arbitrary: fc.record({ userId, role }).map((p) => ['ChangeRole', p] as const) },
  { weight: 15, arbitrary: fc.record({ userId, reason }).map((p) => ['RemoveMember', p] as const) },
  { weight: 1, arbitrary: fc.record({ reason }).map((p) => ['DeleteTenant', p] as const) },
);

const command: fc.Arbitrary<TenantCommand> = fc.tuple(rawCommand, actor).map(([[type, payload], by]) => {
  const parsed = parseTenantCommand(type, payload, metadata(by));
  if (!parsed.ok) throw new Error(`generator produced an invalid command: ${parsed.rejection.message}`);
  return parsed.command;
});

// Most sequences start from a created tenant so that deep membership histories are reachable;
// the rest start absent and exercise commands before creation.
const creation = member.map((owner) => {
  const parsed = parseTenantCommand('CreateTenant', { name: 'Acme', owner }, metadata({ kind: 'system', id: 'palisade' }));
  if (!parsed.ok) throw new Error(parsed.rejection.message);
  return parsed.command;
});
const commands: fc.Arbitrary<TenantCommand[]> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(creation, fc.array(command, { maxLength: 60, size: 'max' })).map(([first, rest]) => [first, ...rest]) },
  { weight: 1, arbitrary: fc.array(command, { maxLength: 60, size: 'max' }) },
);

const STATUS_ORDER = { absent: 0, active: 1, deleted: 2 } as const;

function checkInvariants(state: TenantState): void {
  if (state.status !== 'active') return;
  expect(ownerCount(state.members)).toBeGreaterThanOrEqual(1);
  const emails = [...state.members.values()].map((m) => m.email.toLowerCase());
  expect(new Set(emails).size).toBe(emails.length);
}

/** Runs the commands through decide + evolve, checking every step. */
function run(commands: readonly TenantCommand[]): { accepted: number } {
  let state = tenantDecider.initialState();
  let accepted = 0;
  for (const cmd of commands) {
    const before = state;
    const decision = tenantDecider.decide(cmd, state);
    if (decision.ok) {
      expect(decision.events.length).toBeGreaterThan(0);
      state = decision.events.reduce(tenantDecider.evolve, state);
      expect(state).not.toStrictEqual(before); // every accepted command changes something
      accepted += 1;
    } else {
      expect(decision).not.toHaveProperty('events');
      expect(decision.rejection.authorization).toBe(isAuthorizationCode(decision.rejection.code));
    }
    expect(STATUS_ORDER[state.status]).toBeGreaterThanOrEqual(STATUS_ORDER[before.status]);
    if (decision.ok && cmd.type !== 'CreateTenant') expectActorWasEntitled(cmd, before);
    checkInvariants(state);
  }
  return { accepted };
}

/** Permission comes only from membership: an accepted command's actor was a member. */
function expectActorWasEntitled(cmd: TenantCommand, before: TenantState): void {
  const { actor: by } = cmd.metadata;
  const membership = before.status === 'active' ? before.members.get(by.id) : undefined;
  expect(by.kind).toBe('user');
  expect(membership).toBeDefined();
  const leaving = cmd.type === 'RemoveMember' && cmd.data.userId === by.id;
  if (!leaving) expect(['owner', 'admin']).toContain(membership?.role);
  if (!leaving && needsOwner(cmd, before)) expect(membership?.role).toBe('owner');
}

/** Deleting the tenant, granting the owner role, or acting on an owner is for owners only. */
function needsOwner(cmd: TenantCommand, before: TenantState): boolean {
  if (cmd.type === 'DeleteTenant') return true;
  if ((cmd.type === 'AddMember' || cmd.type === 'ChangeRole') && cmd.data.role === 'owner') return true;
  const targetId = 'userId' in cmd.data ? cmd.data.userId : undefined;
  const target = before.status === 'active' && targetId !== undefined ? before.members.get(targetId) : undefined;
  return target?.role === 'owner';
}

/** Whether some accepted command took the owner role away from someone. */
function lostAnOwner(sequence: readonly TenantCommand[]): boolean {
  let state = tenantDecider.initialState();
  for (const cmd of sequence) {
    const decision = tenantDecider.decide(cmd, state);
    if (!decision.ok) continue;
    const owners = state.status === 'active' ? ownerCount(state.members) : 0;
    state = decision.events.reduce(tenantDecider.evolve, state);
    if (state.status === 'active' && ownerCount(state.members) < owners) return true;
  }
  return false;
}

describe('tenant decider properties', () => {
  describe('when any sequence of valid-shaped commands is applied', () => {
    it('keeps at least one owner, unique emails, and never lets a rejection carry events', () => {
      fc.assert(fc.property(commands, (sequence) => void run(sequence)), { numRuns: 1000 });
    });
  });
  describe('when the generator is judged', () => {
    it('reaches deep histories: several accepted commands and a demoted or removed owner', () => {
      // Guards against a generator so weak that the property above holds vacuously.
      const samples = fc.sample(commands, { numRuns: 200, seed: 42 });
      const accepted = samples.map((sequence) => run(sequence).accepted);
      expect(accepted.filter((n) => n >= 5).length).toBeGreaterThan(40);
      const ownerLosses = samples.filter((sequence) => lostAnOwner(sequence)).length;
      expect(ownerLosses).toBeGreaterThan(30);
    });
  });
});
