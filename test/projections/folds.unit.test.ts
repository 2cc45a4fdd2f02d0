// The models fold a batch into one write per row. Folding any split of a history batch by batch
// (through an in-memory stand-in for the SQL upserts and patches) must give the same rows as
// folding the whole history at once: that is what makes batch boundaries invisible.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticEvents } from '../bench/_synthetic-events.ts';
import { foldMembers, type MemberRow } from '../../projections/models/members.ts';
import { withoutErasedTenants, type ProjectedEvent } from '../../projections/models/model.ts';
import { foldTenants, type TenantRow } from '../../projections/models/tenants.ts';
import { eventMaker } from './support/projected.ts';

const T = '11111111-1111-4111-8111-111111111111';
const made = eventMaker(T, 'owner');
const { ev } = made;

describe('foldMembers', () => {
  it('writes a member added in the batch as one full row, whatever followed', () => {
    const { rows, patches, roleChanges } = foldMembers([
      ev('TenantCreated', { name: 'Acme', owner: { userId: 'alice', email: 'a@x' } }),
      ev('MemberAdded', { userId: 'bob', email: 'b@x', role: 'member' }),
      ev('MemberRoleChanged', { userId: 'bob', from: 'member', to: 'admin' }),
      ev('MemberRemoved', { userId: 'bob' }),
    ]);
    expect(patches).toEqual([]);
    expect(rows.map((r) => [r.userId, r.role, r.status])).toEqual([['alice', 'owner', 'active'], ['bob', 'admin', 'removed']]);
    expect(roleChanges.map((r) => [r.userId, r.fromRole, r.toRole])).toEqual([['bob', 'member', 'admin']]);
  });

  it('writes a member added earlier as a patch of only what changed', () => {
    const removed = ev('MemberRemoved', { userId: 'carol' });
    const { rows, patches } = foldMembers([ev('MemberRoleChanged', { userId: 'carol', from: 'member', to: 'viewer' }), removed]);
    expect(rows).toEqual([]);
    expect(patches).toEqual([{ tenantId: T, userId: 'carol', role: 'viewer', status: 'removed', since: removed.event.occurredAt, lastSeq: removed.event.seq }]);
  });

  it('a re-added member becomes active again, since the re-add', () => {
    const readd = ev('MemberAdded', { userId: 'dave', email: 'd2@x', role: 'viewer' });
    const { rows } = foldMembers([ev('MemberRemoved', { userId: 'dave' }), readd]);
    expect(rows).toEqual([{ tenantId: T, userId: 'dave', email: 'd2@x', role: 'viewer', status: 'active', since: readd.event.occurredAt, lastSeq: readd.event.seq }]);
  });
});

describe('foldTenants', () => {
  it('counts active members and tracks the last event', () => {
    const last = ev('CommandRejected', { commandType: 'AddMember', code: 'FORBIDDEN', claimedActor: { kind: 'user', id: 'x' } });
    const { rows, patches } = foldTenants([
      ev('TenantCreated', { name: 'Acme', owner: { userId: 'alice', email: 'a@x' } }),
      ev('MemberAdded', { userId: 'bob', email: 'b@x', role: 'member' }),
      ev('MemberAdded', { userId: 'carol', email: 'c@x', role: 'member' }),
      ev('MemberRemoved', { userId: 'bob' }),
      last,
    ]);
    expect(patches).toEqual([]);
    expect(rows).toMatchObject([{ tenantId: T, name: 'Acme', ownerUserId: 'alice', activeMembers: 2, lastSeq: last.event.seq, lastEventAt: last.event.occurredAt }]);
  });
});

describe('withoutErasedTenants', () => {
  it('drops every event of a tenant deleted in the batch and asks for its erasure', () => {
    const other = '22222222-2222-4222-8222-222222222222';
    const kept = ev('MemberAdded', { userId: 'x', email: 'x@x', role: 'member' }, other);
    const deleted = ev('TenantDeleted', {});
    expect(withoutErasedTenants([ev('MemberAdded', { userId: 'b', email: 'b@x', role: 'member' }), kept, deleted])).toEqual({
      kept: [kept], erasures: [{ tenantId: T, seq: deleted.event.seq }],
    });
  });
});

/** The SQL of the models, in memory: upsert full rows, coalesce patches into existing rows. */
function applyInBatches(events: readonly ProjectedEvent[], cuts: readonly number[]) {
  const members = new Map<string, MemberRow>();
  const tenants = new Map<string, TenantRow>();
  const bounds = [0, ...[...new Set(cuts)].sort((a, b) => a - b), events.length];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const batch = events.slice(bounds[i], bounds[i + 1]);
    const m = foldMembers(batch);
    for (const row of m.rows) members.set(`${row.tenantId}/${row.userId}`, { ...row });
    for (const p of m.patches) {
      const row = members.get(`${p.tenantId}/${p.userId}`)!;
      members.set(`${p.tenantId}/${p.userId}`, { ...row, role: p.role ?? row.role, status: p.status ?? row.status, since: p.since ?? row.since, lastSeq: p.lastSeq });
    }
    const t = foldTenants(batch);
    for (const row of t.rows) tenants.set(row.tenantId, { ...row });
    for (const p of t.patches) {
      const row = tenants.get(p.tenantId)!;
      tenants.set(p.tenantId, { ...row, activeMembers: row.activeMembers + p.memberDelta, lastSeq: p.lastSeq, lastEventAt: p.lastEventAt });
    }
  }
  const sorted = <R>(m: Map<string, R>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r);
  return { members: sorted(members), tenants: sorted(tenants) };
}

describe('batch boundaries', () => {
  const history: ProjectedEvent[] = [...syntheticEvents({ tenants: 4, events: 400, seed: 'folds' })].map((e, i) => ({ event: e.event, hash: e.hash, offset: BigInt(i) }));

  it('folding any split of a history equals folding it at once', () => {
    const whole = applyInBatches(history, []);
    expect(whole.members.length).toBeGreaterThan(100);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: history.length - 1 }), { maxLength: 40 }), (cuts) => {
        expect(applyInBatches(history, cuts)).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });
});
