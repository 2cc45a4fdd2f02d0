// Isolation suite, part 6: the chat read models (migration 0014, docs/adr/0006-chat-read-models.md)
// as the real logins see them. Conversations and their messages' metadata: the app sees the
// bound user's own, or all of the tenant's when that user is an active owner or admin; analysts
// see their tenant's (metadata only: there is no content column). Memories: only their own
// user. Chat content: the opener role only — no app, analyst, auditor or projector privilege,
// not even through a view. Each attack has its control: the rows it aimed at exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openerRole } from '../../consumers/vault/secrets-reader.ts';
import { ChatWorld } from '../projections/support/chat-world.ts';
import { expectOnlyTheOpenerReads, generationTables } from './support/opener-only.ts';

let w: ChatWorld;
beforeAll(async () => {
  w = await ChatWorld.create({ logins: true });
});
afterAll(async () => w?.close());

const CONVERSATIONS = 'select tenant_id, conversation_id, user_id, status, messages from analytics.conversations order by conversation_id';
const MESSAGES = 'select tenant_id, seq, conversation_id, user_id, role from analytics.chat_messages order by seq';
const MEMORIES = 'select tenant_id, user_id, memory_id, bytes from analytics.memories order by memory_id';
const CONTENT = 'select * from internal.chat_content';
const users = (rows: readonly Record<string, unknown>[]) => [...new Set(rows.map((r) => r['user_id']))].sort();

describe('conversations and messages in the app', () => {
  it('the control: the superuser sees every conversation and message of A and B', async () => {
    expect(await w.rows('superuser', CONVERSATIONS)).toHaveLength(8);
    expect(await w.rows('superuser', MESSAGES)).toHaveLength(22);
  });

  it('a member sees only their own conversations and messages, nothing of another member\'s', async () => {
    const alice = await w.appRows(w.a.id, 'ac-alice', CONVERSATIONS);
    expect(alice.map((r) => r['conversation_id']).sort()).toEqual([w.a.conversations.a1, w.a.conversations.a2].sort());
    expect(users(await w.appRows(w.a.id, 'ac-alice', MESSAGES))).toEqual(['ac-alice']);
    expect((await w.appRows(w.a.id, 'ac-alice', MESSAGES))).toHaveLength(8);
    const bob = await w.appRows(w.a.id, 'ac-bob', CONVERSATIONS);
    expect(bob.map((r) => r['conversation_id'])).toEqual([w.a.conversations.b1]);
    expect(await w.appRows(w.a.id, 'ac-bob', 'select * from analytics.chat_messages where conversation_id = $1', [w.a.conversations.a1])).toEqual([]);
    expect(await w.appRows(w.a.id, 'ac-bob', 'select * from analytics.conversations where user_id = $1', ['ac-alice'])).toEqual([]);
    w.expectNoForeign(alice);
  });

  it('the tenant\'s owner and admin see the metadata of every conversation of the tenant, and nothing of B', async () => {
    for (const manager of ['ac-owner', 'ac-admin']) {
      const rows = await w.appRows(w.a.id, manager, CONVERSATIONS);
      expect(users(rows), manager).toEqual(['ac-alice', 'ac-bob', 'ac-owner']);
      expect(rows, manager).toHaveLength(4);
      const messages = await w.appRows(w.a.id, manager, MESSAGES);
      expect(messages, manager).toHaveLength(11);
      w.expectNoForeign([rows, messages]);
    }
  });

  it('a viewer, an unbound session, and users bound to the other tenant see nothing', async () => {
    expect(await w.appRows(w.a.id, 'ac-erin', CONVERSATIONS)).toEqual([]);
    expect(await w.appRows(w.a.id, null, CONVERSATIONS)).toEqual([]);
    expect(await w.appRows(w.a.id, null, MESSAGES)).toEqual([]);
    expect(await w.appRows(w.a.id, 'gx-alice', CONVERSATIONS)).toEqual([]);
    expect(await w.appRows(w.a.id, 'gx-owner', MESSAGES)).toEqual([]);
    expect(await w.appRows(w.b.id, 'ac-alice', CONVERSATIONS)).toEqual([]);
    expect(await w.appRows(w.b.id, 'ac-owner', MESSAGES)).toEqual([]);
    // The control: B's alice in B.
    expect(users(await w.appRows(w.b.id, 'gx-alice', CONVERSATIONS))).toEqual(['gx-alice']);
  });

  it('a user setting forged in the same transaction is never honoured', async () => {
    const rows = await w.as('app', async (c) => {
      await c.query('begin');
      await c.query('select tenancy.bind($1, $2)', [w.a.id, 'ac-erin']);
      await c.query("select set_config('palisade.user_id', 'ac-owner', true)");
      const { rows: found } = await c.query(CONVERSATIONS);
      await c.query('commit');
      return found;
    });
    expect(rows).toEqual([]);
  });

  it('the app cannot change a conversation or a message', async () => {
    expect((await w.appError(w.a.id, 'ac-alice', "update analytics.conversations set status = 'deleted'"))?.code).toBe('42501');
    expect((await w.appError(w.a.id, 'ac-alice', 'delete from analytics.chat_messages'))?.code).toBe('42501');
  });
});

describe('memories', () => {
  it('each user sees their own memories only', async () => {
    expect((await w.appRows(w.a.id, 'ac-alice', MEMORIES)).map((r) => [r['user_id'], r['memory_id']])).toEqual([['ac-alice', w.a.memories.a1]]);
    expect((await w.appRows(w.a.id, 'ac-bob', MEMORIES)).map((r) => r['memory_id'])).toEqual([w.a.memories.b1]);
  });

  it('the tenant\'s owner sees only their own, the admin none, and no one else\'s by filtering', async () => {
    expect((await w.appRows(w.a.id, 'ac-owner', MEMORIES)).map((r) => r['memory_id'])).toEqual([w.a.memories.o1]);
    expect(await w.appRows(w.a.id, 'ac-admin', MEMORIES)).toEqual([]);
    expect(await w.appRows(w.a.id, 'ac-owner', "select * from analytics.memories where user_id = 'ac-alice'")).toEqual([]);
  });

  it('no bound user, another tenant\'s user, or a user of A bound to B sees any memory', async () => {
    expect(await w.appRows(w.a.id, null, MEMORIES)).toEqual([]);
    expect(await w.appRows(w.a.id, 'gx-alice', MEMORIES)).toEqual([]);
    expect(await w.appRows(w.b.id, 'ac-alice', MEMORIES)).toEqual([]);
    expect((await w.appRows(w.b.id, 'gx-alice', MEMORIES)).map((r) => r['user_id'])).toEqual(['gx-alice']);
  });

  it('analysts and auditors have no privilege on them, through the view or the table', async () => {
    const table = `${await w.liveSchema('memories')}.memories`;
    for (const who of ['analystA', 'auditorA'] as const) {
      expect((await w.error(who, MEMORIES)).code).toBe('42501');
      expect((await w.error(who, `select * from ${table}`)).code).toBe('42501');
    }
  });
});

describe('conversations and messages for analysts: metadata of their tenant only', () => {
  it('an analyst of A sees every conversation and message row of A', async () => {
    const rows = await w.rows('analystA', CONVERSATIONS);
    expect(users(rows)).toEqual(['ac-alice', 'ac-bob', 'ac-owner']);
    expect(rows.every((r) => r['tenant_id'] === w.a.id)).toBe(true);
    const messages = await w.rows('analystA', 'select * from analytics.chat_messages');
    expect(messages).toHaveLength(11);
    w.expectNoForeign([rows, messages]);
    const auditor = await w.rows('auditorA', CONVERSATIONS);
    expect(auditor).toHaveLength(4);
  });

  it('an analyst of A filtering on B, or on B\'s ids, sees nothing', async () => {
    expect(await w.rows('analystA', 'select * from analytics.conversations where tenant_id = $1', [w.b.id])).toEqual([]);
    expect(await w.rows('analystA', 'select * from analytics.conversations where conversation_id = $1', [w.b.conversations.a1])).toEqual([]);
    expect(await w.rows('analystA', 'select * from analytics.chat_messages where user_id = $1', ['gx-alice'])).toEqual([]);
    expect((await w.rows('analystB', CONVERSATIONS)).every((r) => r['tenant_id'] === w.b.id)).toBe(true);
    expect(await w.rows('analystB', CONVERSATIONS)).toHaveLength(4);
  });
});

describe('chat content', () => {
  it('the control: the opener reads every live tenant\'s content, none of the deleted tenant', async () => {
    const rows = await w.rows('opener', 'select tenant_id, user_id, sealed from internal.chat_content');
    expect(rows.filter((r) => r['tenant_id'] === w.a.id)).toHaveLength(11);
    expect(rows.filter((r) => r['tenant_id'] === w.b.id)).toHaveLength(11);
    expect(rows.filter((r) => r['tenant_id'] === w.c.id)).toHaveLength(0);
  });

  it('the opener reads nothing else of chat: no analytics view, no metadata table', async () => {
    expect((await w.error('opener', CONVERSATIONS)).code).toBe('42501');
    expect((await w.error('opener', MEMORIES)).code).toBe('42501');
    expect((await w.error('opener', `select * from ${await w.liveSchema('conversations')}.conversations`)).code).toBe('42501');
  });

  it('the app (bound as the content\'s own user or an owner), analysts, auditors and the projector are refused, view and table alike', async () => {
    const table = `${await w.liveSchema('chat_content')}.chat_content`;
    for (const sql of [CONTENT, `select * from ${table}`]) {
      for (const userId of ['ac-alice', 'ac-owner']) expect((await w.appError(w.a.id, userId, sql))?.code, `${userId}: ${sql}`).toBe('42501');
      for (const who of ['analystA', 'auditorA', 'analystB', 'projector'] as const) {
        const error = await w.error(who, sql);
        expect(error.code, `${who}: ${sql}`).toBe('42501');
        w.expectNoForeign({ message: error.message, detail: error.detail });
      }
    }
  });

  it('structurally: no app, analyst, auditor, projector, writer-read or eraser-read privilege on any generation of it, nor on its view', async () => {
    await expectOnlyTheOpenerReads(w, 'chat_content');
  });

  it('structurally: analysts and auditors have no privilege on memories; the opener none on the metadata models', async () => {
    const tables = await generationTables(w, 'memories');
    for (const role of [w.rm.roles.analysts, w.rm.roles.auditors, w.analysts!.auditorA.role, openerRole(w.rm.roles)])
      for (const table of [...tables, 'analytics.memories']) {
        const [row] = await w.rows('superuser', "select has_table_privilege($1, $2, 'SELECT') as s", [role, table]);
        expect(row, `${role} on ${table}`).toEqual({ s: false });
      }
    for (const view of ['analytics.conversations', 'analytics.chat_messages']) {
      const [row] = await w.rows('superuser', "select has_table_privilege($1, $2, 'SELECT') as s", [openerRole(w.rm.roles), view]);
      expect(row, view).toEqual({ s: false });
    }
    const policies = await w.rows('superuser', "select tablename, policyname from pg_policies where schemaname like 'rm\\_memories\\_g%' or schemaname like 'rm\\_conversations\\_g%' order by 1, 2");
    expect(policies.map((p) => `${String(p['tablename'])}.${String(p['policyname'])}`)).toEqual([
      'chat_messages.own_or_manager', 'chat_messages.projector_writes', 'chat_messages.tenant_erasure', 'chat_messages.tenant_isolation',
      'conversations.own_or_manager', 'conversations.projector_writes', 'conversations.tenant_erasure', 'conversations.tenant_isolation',
      'memories.own_memories_only', 'memories.projector_writes', 'memories.tenant_erasure',
    ]);
  });
});

describe('no content anywhere a person can look', () => {
  it('every relation an analyst, auditor or app user can read holds no content, nonce or ciphertext, and no key id', async () => {
    const readable = async (role: string) => (await w.rows('superuser', `select c.oid::regclass::text as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where (n.nspname = 'analytics' or n.nspname like 'rm\\_%' or n.nspname = 'internal') and c.relkind in ('r', 'v')
        and has_schema_privilege($1, n.oid, 'USAGE') and has_table_privilege($1, c.oid, 'SELECT') order by 1`, [role])).map((r) => String(r['t']));
    const auditor = await readable(w.analysts!.auditorA.role);
    expect(auditor).toEqual(expect.arrayContaining(['analytics.conversations', 'analytics.chat_messages']));
    expect(auditor.filter((t) => /chat_content|memories/.test(t))).toEqual([]);
    for (const t of auditor) {
      const rows = await w.rows('auditorA', `select * from ${t}`);
      w.expectNoForeign(rows);
      expect(JSON.stringify(rows), t).not.toContain('dek-u-');
    }
    const app = await readable(w.rm.roles.app);
    expect(app).toEqual(expect.arrayContaining(['analytics.conversations', 'analytics.chat_messages', 'analytics.memories']));
    expect(app.filter((t) => /chat_content/.test(t))).toEqual([]);
    for (const t of app)
      for (const userId of ['ac-owner', 'ac-alice']) {
        const rows = await w.appRows(w.a.id, userId, `select * from ${t}`);
        w.expectNoForeign(rows);
        expect(JSON.stringify(rows), t).not.toContain('dek-u-');
      }
  });
});
