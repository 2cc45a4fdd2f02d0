// The read-model kit: the statements a table declaration makes (one per kind of write and
// batch, all with the wrapper's tenant filter), the order defineReadModel runs things in
// (deleted tenants, then each segment's writes, then its user's erasure), and for every model
// of this release: its writes pass the wrapper's check under the reasons bypass_uses has always
// recorded, and its row types are the rows it had before the kit.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { READ_MODELS } from '../../projections/models/index.ts';
import { col, defineReadModel, Table } from '../../projections/models/kit.ts';
import type { ChatMessageRow } from '../../projections/models/conversations.ts';
import type { MemberRow } from '../../projections/models/members.ts';
import type { ProjectedEvent } from '../../projections/models/model.ts';
import { PendingWrites } from '../../projections/models/pending-writes.ts';
import type { SecretRow } from '../../projections/models/secrets.ts';
import { checkBypassStatement, type BypassStatement } from '../../projections/writer/bypass-check.ts';
import type { ModelTarget, ProjectorTransaction } from '../../projections/writer/projector-transaction.ts';
import { eventMaker } from './support/projected.ts';

const T = '11111111-1111-4111-8111-111111111111';
const GONE = '22222222-2222-4222-8222-222222222222';
const NEW = '33333333-3333-4333-8333-333333333333';

const WIDGETS = new Table('widgets', ['tenantId', 'widgetId'], {
  tenantId: col.uuid(), widgetId: col.text(), ownerId: col.text(), size: col.bigint(), seenAt: col.timestamptz<string | null>(),
});
const widget = { tenantId: T, widgetId: 'w1', ownerId: 'alice', size: 3, seenAt: null };

/** What a fake transaction was asked to do, in order; bypass statements go through the real check. */
function recordingTx(): { tx: ProjectorTransaction; calls: string[]; statements: BypassStatement[] } {
  const calls: string[] = [];
  const statements: BypassStatement[] = [];
  const tx = {
    bypass: async (_target: ModelTarget, statement: BypassStatement) => {
      checkBypassStatement(statement);
      statements.push(statement);
      calls.push(statement.reason);
      return 0;
    },
    eraseTenant: async (_target: ModelTarget, tenantId: string) => {
      calls.push(`erase_tenant ${tenantId}`);
      return 0;
    },
    meta: async (text: string, values: readonly unknown[]) => {
      calls.push(`${/projection_meta\.(\w+)/.exec(text)?.[1]} ${String(values[3])}`);
      return { rows: [] };
    },
  };
  return { tx: tx as unknown as ProjectorTransaction, calls, statements };
}

const made = eventMaker(T, 'alice');
const { ev } = made;

describe('a table declaration', () => {
  it('upserts with one insert over unnest of every column, replacing the non-key columns on conflict', () => {
    const write = WIDGETS.upsert('widgets.upsert', [widget]);
    expect(write.text('"s"')).toBe(
      'insert into "s".widgets (tenant_id, widget_id, owner_id, size, seen_at) select r.* from unnest($2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::timestamptz[]) ' +
        'as r(tenant_id, widget_id, owner_id, size, seen_at) where r.tenant_id = any($1::uuid[]) ' +
        'on conflict (tenant_id, widget_id) do update set owner_id = excluded.owner_id, size = excluded.size, seen_at = excluded.seen_at',
    );
    expect(write.fields).toEqual(['tenantId', 'widgetId', 'ownerId', 'size', 'seenAt']);
  });

  it('appends with one insert, only the rows that meet its condition', () => {
    const write = WIDGETS.append('widgets.append', [widget], { onlyIf: (schema) => `exists (select 1 from ${schema}.owners o where o.id = r.owner_id)` });
    expect(write.text('"s"')).toMatch(/ where r\.tenant_id = any\(\$1::uuid\[\]\) and exists \(select 1 from "s"\.owners o where o\.id = r\.owner_id\)$/);
    expect(write.text('"s"')).not.toContain('on conflict');
  });

  it('patches the matching rows as each rule says, a delta added to the column it names', () => {
    const patch = { tenantId: T, widgetId: 'w1', ownerId: null, sizeDelta: 2, seenAt: '2026-01-01T00:00:00.000Z' };
    const write = WIDGETS.patch('widgets.patch', [patch], { ownerId: 'setIfGiven', sizeDelta: { add: 'size' }, seenAt: 'fillIfNull' });
    expect(write.text('"s"')).toBe(
      'update "s".widgets t set owner_id = coalesce(r.owner_id, t.owner_id), size = t.size + r.size_delta, seen_at = coalesce(t.seen_at, r.seen_at) ' +
        'from unnest($2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::timestamptz[]) as r(tenant_id, widget_id, owner_id, size_delta, seen_at) ' +
        'where t.tenant_id = r.tenant_id and t.widget_id = r.widget_id and t.tenant_id = any($1::uuid[])',
    );
    expect(write.fields).toEqual(['tenantId', 'widgetId', 'ownerId', 'sizeDelta', 'seenAt']);
    expect(WIDGETS.patch('x.y', [{ tenantId: T, widgetId: 'w1', size: 1, ownerId: 'bob' }], { size: 'add', ownerId: 'set' }).text('"s"')).toMatch(/set size = t\.size \+ r\.size, owner_id = r\.owner_id from/);
  });

  it('removes the rows that match, on the key or on the fields it is told, under its condition', () => {
    expect(WIDGETS.remove('widgets.delete', [{ tenantId: T, widgetId: 'w1' }]).text('"s"')).toBe(
      'delete from "s".widgets t using unnest($2::uuid[], $3::text[]) as r(tenant_id, widget_id) ' +
        'where t.tenant_id = r.tenant_id and t.widget_id = r.widget_id and t.tenant_id = any($1::uuid[])',
    );
    const byOwner = WIDGETS.remove('widgets.delete_owner', [{ tenantId: T, ownerId: 'bob' }], { match: ['tenantId', 'ownerId'], onlyIf: 't.size > 0' });
    expect(byOwner.text('"s"')).toMatch(/ where t\.tenant_id = r\.tenant_id and t\.owner_id = r\.owner_id and t\.size > 0 and t\.tenant_id = any\(\$1::uuid\[\]\)$/);
    expect(byOwner.fields).toEqual(['tenantId', 'ownerId']);
  });

  it('refuses a patch of a field that names no column', () => {
    expect(() => WIDGETS.patch('x.y', [{ tenantId: T, widgetId: 'w1', colour: 'red' }], { colour: 'set' } as never)).toThrow(/widgets has no column for "colour"/);
  });

  it('derives each model\'s row type from its columns', () => {
    expectTypeOf<MemberRow>().toEqualTypeOf<{
      tenantId: string; userId: string; email: string; role: string; status: 'active' | 'removed'; since: string; lastSeq: number;
    }>();
    expectTypeOf<SecretRow>().toEqualTypeOf<{
      tenantId: string; ownerId: string; purpose: 'provider-key' | 'source-credential'; subject: string; version: number; format: 'v2' | 'legacy';
      sealed: string | null; legacy: string | null; updatedAt: string; lastSeq: number;
    }>();
    expectTypeOf<ChatMessageRow>().toEqualTypeOf<{
      tenantId: string; seq: number; conversationId: string; userId: string; role: 'user' | 'assistant' | 'failure'; messageId: string | null;
      replyTo: string | null; bytes: number | null; model: string | null; inputTokens: number | null; outputTokens: number | null;
      stopReason: string | null; reason: string | null; at: string;
    }>();
  });
});

describe('defineReadModel', () => {
  const touched = (events: readonly ProjectedEvent[]) => events.filter(({ event }) => event.type === 'Touched');
  const model = defineReadModel('widgets', (events) => touched(events).map(({ event }) => ({ ...widget, tenantId: event.tenantId, size: event.seq })), (rows) => [
    WIDGETS.remove('widgets.delete', rows.filter((row) => row.size < 0)),
    WIDGETS.upsert('widgets.upsert', rows),
  ]);
  const target: ModelTarget = { model: 'widgets', generation: 1, schema: 'rm_widgets_g1' };

  it('erases the batch\'s deleted tenants first, skips writes without rows, and erases each user after their segment', async () => {
    const { tx, calls, statements } = recordingTx();
    const [first, last] = [ev('Touched', {}), ev('Touched', {})];
    await model.apply(tx, target, [first, ev('Touched', {}, GONE), ev('TenantDeleted', {}, GONE), ev('UserErased', { userId: 'bob' }), last]);
    expect(calls).toEqual([`erase_tenant ${GONE}`, 'widgets.upsert', 'erase_user bob', 'widgets.upsert']);
    expect(statements.map((s) => [s.tenants, s.values?.[3]])).toEqual([[[T], [first.event.seq]], [[T], [last.event.seq]]]);
  });
});

describe('every read model', () => {
  const sealed = { v: 2, kid: 'dek-u-alice', kv: 1, n: 'n'.repeat(32), ct: 'c'.repeat(24) };
  /** A batch that makes every statement of every model: rows created here, rows from earlier batches changed or deleted. */
  const batch = (): ProjectedEvent[] => [
    ev('TenantCreated', { name: 'New', owner: { userId: 'olga', email: 'o@x' } }, NEW),
    ev('MemberAdded', { userId: 'bob', email: 'b@x', role: 'member' }),
    ev('MemberRoleChanged', { userId: 'carol', from: 'member', to: 'admin' }),
    ev('SourceConnected', { sourceId: 's1', ownerId: 'alice', kind: 'postgres', name: 'n', credentialVersion: 1, credential: sealed }),
    ev('SourceQueryAuthorized', { sourceId: 's2', ownerId: 'alice', queryHash: 'a'.repeat(64), maxRows: 1, maxBytes: 1 }),
    ev('ProviderKeyStored', { userId: 'alice', provider: 'p1', mask: 'm', secret: sealed }),
    ev('ProviderKeyRotated', { userId: 'alice', provider: 'p2', version: 2, mask: 'm', secret: sealed }),
    ev('ProviderKeyDeleted', { userId: 'alice', provider: 'p3' }),
    ev('ConversationStarted', { conversationId: 'c1', userId: 'alice', model: 'claude-sonnet-4-5' }),
    ev('ChatTurnRequested', { conversationId: 'c2', userId: 'alice', messageId: 'm1', bytes: 3, content: sealed }),
    ev('ConversationDeleted', { conversationId: 'c3', userId: 'alice' }),
    ev('MemoryStored', { memoryId: 'k1', userId: 'alice', bytes: 1, content: sealed }),
    ev('MemoryForgotten', { memoryId: 'k2', userId: 'alice' }),
    ev('TenantDeleted', {}, GONE),
    ev('UserErased', { userId: 'dave' }),
  ];
  const EXPECTED: Record<string, string[]> = {
    tenants: ['tenants.upsert', 'tenants.activity', 'tenants.erase_user'],
    members: ['members.upsert', 'members.patch', 'members.role_changes', 'erase_user dave'],
    audit: ['audit.append', 'erase_user dave'],
    sources: ['sources.upsert', 'sources.patch', 'erase_user dave'],
    source_queries: ['source_queries.append', 'erase_user dave'],
    provider_keys: ['provider_keys.delete', 'provider_keys.upsert', 'provider_keys.patch', 'erase_user dave'],
    secrets: ['secrets.delete', 'secrets.upsert', 'erase_user dave'],
    conversations: ['conversations.upsert', 'conversations.patch', 'conversations.messages', 'erase_user dave'],
    memories: ['memories.delete', 'memories.upsert', 'erase_user dave'],
    chat_content: ['chat_content.delete_conversation', 'chat_content.forget_memory', 'chat_content.append', 'erase_user dave'],
  };

  it.each(READ_MODELS.map((m) => [m.name, m] as const))('%s writes only what the wrapper accepts, under its recorded reasons', async (name, model) => {
    const { tx, calls } = recordingTx();
    await model.apply(tx, { model: name, generation: 1, schema: `rm_${name}_g1` }, batch());
    expect(calls).toEqual([`erase_tenant ${GONE}`, ...EXPECTED[name]!]);
  });
});

describe('PendingWrites', () => {
  it('keeps one write per key in first-touched order; a deleted key has nothing left to change', () => {
    const pending = new PendingWrites<{ id: string; n: number }, { id: string; delta: number }, { id: string }>();
    pending.setRow('a', { id: 'a', n: 1 });
    const patch = pending.rowOrPatch('b', () => ({ id: 'b', delta: 0 }));
    if (patch?.kind === 'patch') patch.patch.delta += 2;
    pending.setDeleted('c', { id: 'c' });
    expect(pending.rowOrPatch('c', () => ({ id: 'c', delta: 0 }))).toBeUndefined();
    expect(pending.rowOrPatch('a', () => ({ id: 'a', delta: 0 }))).toEqual({ kind: 'row', row: { id: 'a', n: 1 } });
    pending.setDeleted('a', { id: 'a' });
    expect(pending.split()).toEqual({ rows: [], patches: [{ id: 'b', delta: 2 }], deletions: [{ id: 'a' }, { id: 'c' }] });
  });
});
