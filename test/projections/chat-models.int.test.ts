// The chat read models (issue 7): conversations + chat_messages, memories and the internal
// chat_content, projected by the real projector from events on a real topic; the content
// reader's API (both tenant and user always required); no content or ciphertext in any
// analytics view; deleting a conversation and forgetting a memory remove their content; erasing
// a user (UserErased) leaves no trace of them in any table of any generation while everyone
// else's rows stay; a rebuild in small batches equals the live projection checksum for checksum.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { openPool } from '../../adapters/postgres/pool.ts';
import { foldChatContent } from '../../projections/models/chat-content.ts';
import { chatContentReaderPool, conversationHistory, memories } from '../../consumers/chat-worker/chat-content-reader.ts';
import { foldConversations } from '../../projections/models/conversations.ts';
import { foldMemories } from '../../projections/models/memories.ts';
import { rebuild } from '../../projections/rebuild.ts';
import { asRole } from '../../adapters/postgres/roles.ts';
import { checksums } from './support/expected.ts';
import { ChatWorld } from './support/chat-world.ts';
import { foundIn, plainRows, sortedBy } from './support/tenant-world.ts';
import { testKafka } from '../support/stack.ts';

let w: ChatWorld;
let opener: pg.Pool;
beforeAll(async () => {
  w = await ChatWorld.create();
  opener = chatContentReaderPool(w.rm.url, w.rm.roles, 2);
});
afterAll(async () => {
  await opener?.end();
  await w?.close();
});

const q = (sql: string, values: unknown[] = []) => w.query(sql, values);
const mentions = (needle: string) => w.mentions(needle, ['chat_content', 'conversations', 'chat_messages', 'memories']);

const CONVERSATIONS = `select tenant_id, conversation_id, user_id, model, status, started_at, deleted_at, messages::int, replies::int, failures::int,
  bytes_in::int, bytes_out::int, input_tokens::int, output_tokens::int, last_activity_at, last_seq::int from analytics.conversations`;
const MESSAGES = `select tenant_id, seq::int, conversation_id, user_id, role, message_id, reply_to, bytes::int, model, input_tokens::int, output_tokens::int,
  stop_reason, reason, at from analytics.chat_messages`;

describe('the chat read models', () => {
  it('conversations: one row per conversation with counts, sizes and token usage, as the pure fold says', async () => {
    const rows = await q(CONVERSATIONS);
    const { rows: folded, patches } = foldConversations(w.keptEvents());
    expect(patches).toEqual([]);
    const expected = folded.map((r) => ({
      tenant_id: r.tenantId, conversation_id: r.conversationId, user_id: r.userId, model: r.model, status: r.status, started_at: r.startedAt,
      deleted_at: r.deletedAt, messages: r.messages, replies: r.replies, failures: r.failures, bytes_in: r.bytesIn, bytes_out: r.bytesOut,
      input_tokens: r.inputTokens, output_tokens: r.outputTokens, last_activity_at: r.lastActivityAt, last_seq: r.lastSeq,
    }));
    expect(sortedBy(rows, ['tenant_id', 'conversation_id'])).toEqual(sortedBy(expected, ['tenant_id', 'conversation_id']));
    expect(rows).toHaveLength(8);
    const a = (id: string) => rows.find((r) => r['conversation_id'] === id)!;
    const { a1, a2, b1, o1 } = w.a.conversations;
    expect(a(a1)).toMatchObject({ user_id: 'ac-alice', model: 'claude-sonnet-4-5', status: 'active', messages: 3, replies: 2, failures: 1,
      bytes_in: 194, bytes_out: 920, input_tokens: 35, output_tokens: 257, deleted_at: null });
    expect(a(a2)).toMatchObject({ user_id: 'ac-alice', model: 'gpt-4o', status: 'deleted', messages: 1, replies: 1 });
    expect(a(a2)['deleted_at']).not.toBeNull();
    expect(a(b1)).toMatchObject({ user_id: 'ac-bob', status: 'active', messages: 1, replies: 1 });
    expect(a(o1)).toMatchObject({ user_id: 'ac-owner', model: null, messages: 1, replies: 0, failures: 0 });
  });

  it('chat_messages: one metadata row per message, reply and failure, as the pure fold says', async () => {
    const rows = await q(MESSAGES);
    const expected = foldConversations(w.keptEvents()).messages.map((r) => ({
      tenant_id: r.tenantId, seq: r.seq, conversation_id: r.conversationId, user_id: r.userId, role: r.role, message_id: r.messageId,
      reply_to: r.replyTo, bytes: r.bytes, model: r.model, input_tokens: r.inputTokens, output_tokens: r.outputTokens,
      stop_reason: r.stopReason, reason: r.reason, at: r.at,
    }));
    expect(sortedBy(rows, ['tenant_id', 'seq'])).toEqual(sortedBy(expected, ['tenant_id', 'seq']));
    const a1 = rows.filter((r) => r['conversation_id'] === w.a.conversations.a1).sort((x, y) => Number(x['seq']) - Number(y['seq']));
    const { m1, m2, m3 } = w.a.messages;
    expect(a1.map((r) => [r['role'], r['message_id'], r['reply_to'], r['reason'], r['stop_reason']])).toEqual([
      ['user', m1, null, null, null], ['assistant', null, m1, null, 'end_turn'], ['user', m2, null, null, null],
      ['failure', null, m2, 'RATE_LIMITED', null], ['user', m3, null, null, null], ['assistant', null, m3, null, 'max_tokens'],
    ]);
    // A deleted conversation keeps its messages' metadata (never their content).
    expect(rows.filter((r) => r['conversation_id'] === w.a.conversations.a2)).toHaveLength(2);
    expect(rows.filter((r) => r['tenant_id'] === w.a.id)).toHaveLength(11);
  });

  it('memories: id, size and date of each memory still kept; a forgotten one is gone', async () => {
    const rows = await q('select tenant_id, user_id, memory_id, bytes::int, stored_at, last_seq::int from analytics.memories');
    const { rows: folded } = foldMemories(w.keptEvents());
    expect(sortedBy(rows, ['tenant_id', 'memory_id'])).toEqual(sortedBy(folded.map((r) => ({
      tenant_id: r.tenantId, user_id: r.userId, memory_id: r.memoryId, bytes: r.bytes, stored_at: r.storedAt, last_seq: r.lastSeq,
    })), ['tenant_id', 'memory_id']));
    expect(rows.filter((r) => r['tenant_id'] === w.a.id).map((r) => [r['user_id'], r['bytes']]).sort()).toEqual([['ac-alice', 100], ['ac-bob', 300], ['ac-owner', 400]]);
    expect(rows.filter((r) => r['memory_id'] === w.a.memories.a2)).toEqual([]);
  });

  it('chat_content: the sealed content still kept; none of a deleted conversation or a forgotten memory', async () => {
    const rows = await q('select tenant_id, seq::int, user_id, conversation_id, kind, item_id, sealed, bytes::int, at from internal.chat_content');
    const { rows: folded } = foldChatContent(w.keptEvents());
    expect(sortedBy(rows, ['tenant_id', 'seq'])).toEqual(sortedBy(folded.map((r) => ({
      tenant_id: r.tenantId, seq: r.seq, user_id: r.userId, conversation_id: r.conversationId, kind: r.kind, item_id: r.itemId,
      sealed: JSON.parse(r.sealed) as unknown, bytes: r.bytes, at: r.at,
    })), ['tenant_id', 'seq']));
    const a = rows.filter((r) => r['tenant_id'] === w.a.id);
    expect(a).toHaveLength(11);
    expect(a.filter((r) => r['conversation_id'] === w.a.conversations.a2)).toEqual([]);
    expect(a.filter((r) => r['item_id'] === w.a.memories.a2)).toEqual([]);
    expect(a.every((r) => Object.keys(r['sealed'] as object).sort().join() === 'ct,kid,kv,n,v')).toBe(true);
  });

  it('conversationHistory, as the opener role: the user\'s own conversation, oldest first, the last `limit` items', async () => {
    const { a1, a2, b1 } = w.a.conversations;
    const { m1, m2, m3 } = w.a.messages;
    const alice = { tenantId: w.a.id, userId: 'ac-alice' };
    const history = await conversationHistory(opener, { ...alice, conversationId: a1 }, 100);
    expect(history.map((h) => [h.kind, h.itemId])).toEqual([['message', m1], ['reply', m1], ['message', m2], ['message', m3], ['reply', m3]]);
    expect(history.map((h) => h.seq)).toEqual([...history.map((h) => h.seq)].sort((x, y) => x - y));
    expect(history[0]!.sealed).toMatchObject({ v: 2, kid: 'dek-u-ac-alice', kv: 1 });
    expect(Object.keys(history[0]!.sealed)).toEqual(['v', 'kid', 'kv', 'n', 'ct']);
    expect((await conversationHistory(opener, { ...alice, conversationId: a1 }, 2)).map((h) => [h.kind, h.itemId])).toEqual([['message', m3], ['reply', m3]]);
    // Deleted, someone else's, bob asking for alice's, another tenant's, the deleted tenant's: nothing.
    expect(await conversationHistory(opener, { ...alice, conversationId: a2 }, 100)).toEqual([]);
    expect(await conversationHistory(opener, { ...alice, conversationId: b1 }, 100)).toEqual([]);
    expect(await conversationHistory(opener, { tenantId: w.a.id, userId: 'ac-bob', conversationId: a1 }, 100)).toEqual([]);
    expect(await conversationHistory(opener, { tenantId: w.b.id, userId: 'ac-alice', conversationId: a1 }, 100)).toEqual([]);
    expect(await conversationHistory(opener, { tenantId: w.c.id, userId: 'in-alice', conversationId: w.c.conversations.a1 }, 100)).toEqual([]);
    expect((await conversationHistory(opener, { tenantId: w.a.id, userId: 'ac-bob', conversationId: b1 }, 100)).map((h) => h.kind)).toEqual(['message', 'reply']);
  });

  it('conversationHistory refuses a missing or malformed tenant, user, conversation or limit', async () => {
    const key = { tenantId: w.a.id, userId: 'ac-alice', conversationId: w.a.conversations.a1 };
    for (const bad of [{ ...key, tenantId: 'not-a-uuid' }, { ...key, userId: '' }, { ...key, userId: undefined as unknown as string },
      { ...key, tenantId: undefined as unknown as string }, { ...key, userId: '%' }, { ...key, conversationId: 'x' }])
      await expect(conversationHistory(opener, bad, 10)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    for (const limit of [0, -1, 1.5, 1001, Number.NaN]) await expect(conversationHistory(opener, key, limit)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('memories(), as the opener role: the user\'s own memories, only the ids asked for', async () => {
    const alice = { tenantId: w.a.id, userId: 'ac-alice' };
    const { a1, a2, b1 } = w.a.memories;
    const all = await memories(opener, alice);
    expect(all.map((m) => m.memoryId)).toEqual([a1]);
    expect(all[0]!.sealed).toMatchObject({ v: 2, kid: 'dek-u-ac-alice' });
    expect((await memories(opener, alice, [a1, a2, b1])).map((m) => m.memoryId)).toEqual([a1]);
    expect(await memories(opener, alice, [])).toEqual([]);
    expect((await memories(opener, { tenantId: w.a.id, userId: 'ac-bob' })).map((m) => m.memoryId)).toEqual([b1]);
    expect(await memories(opener, { tenantId: w.b.id, userId: 'ac-alice' })).toEqual([]);
    expect(await memories(opener, { tenantId: w.c.id, userId: 'in-alice' })).toEqual([]);
    await expect(memories(opener, { tenantId: w.a.id, userId: '' })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(memories(opener, { tenantId: 'x', userId: 'ac-alice' })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(memories(opener, alice, ['not-a-uuid'])).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('the content reader through a pool acting as the app role is refused', async () => {
    const app = openPool({ ...asRole(w.rm.url, w.rm.roles.app), max: 1 });
    try {
      await expect(conversationHistory(app, { tenantId: w.a.id, userId: 'ac-alice', conversationId: w.a.conversations.a1 }, 10)).rejects.toMatchObject({ code: '42501' });
      await expect(memories(app, { tenantId: w.a.id, userId: 'ac-alice' })).rejects.toMatchObject({ code: '42501' });
    } finally {
      await app.end();
    }
  });

  it('no content, nonce or ciphertext in any analytics view, and no content-like column', async () => {
    const views = await q("select c.relname from pg_class c where c.relnamespace = 'analytics'::regnamespace and c.relkind = 'v' order by 1");
    expect(views.map((v) => v['relname'])).toEqual(expect.arrayContaining(['chat_messages', 'conversations', 'memories']));
    for (const { relname } of views) {
      const text = JSON.stringify(await q(`select * from analytics.${String(relname)}`));
      for (const secret of w.secretStrings) expect(text, `${String(relname)} holds a ciphertext`).not.toContain(secret);
      expect(text, String(relname)).not.toContain('dek-u-');
    }
    const columns = await q("select table_name, column_name from information_schema.columns where table_schema = 'analytics' and table_name in ('conversations', 'chat_messages', 'memories')");
    expect(columns.filter((c) => /content|sealed|text|ct$|^n$|kid|body/.test(String(c['column_name'])))).toEqual([]);
    // The control: the internal view does hold them.
    const internal = JSON.stringify(await q('select * from internal.chat_content'));
    expect(w.secretStrings.filter((s) => internal.includes(s)).length).toBeGreaterThan(20);
  });

  it('the deleted tenant has no row left in any table of any generation', async () => {
    expect(foundIn(await mentions(w.c.id))).toEqual([]);
    expect(foundIn(await mentions('in-alice'))).toEqual([]);
    expect(foundIn(await mentions(w.c.conversations.a1))).toEqual([]);
  });
});

describe('erasing a user (UserErased)', () => {
  beforeAll(async () => {
    await w.eraseInA();
  });

  it('leaves no trace of the user, their conversations, messages or memories in any table of any generation', async () => {
    const { a1, a2 } = w.a.conversations;
    for (const needle of ['ac-alice', 'dek-u-ac-alice', a1, a2, w.a.messages.m7, w.a.memories.a1, w.a.memories.a3]) expect(foundIn(await mentions(needle)), needle).toEqual([]);
    expect(Object.values(await mentions('gx-alice')).reduce((x, y) => x + y, 0)).toBeGreaterThan(10);
  });

  it('keeps everyone else\'s rows, and goes on after the erasure', async () => {
    const count = async (sql: string) => Number((await q(sql, [w.a.id]))[0]!['n']);
    expect(await count('select count(*)::int as n from analytics.conversations where tenant_id = $1')).toBe(2);
    expect(await count('select count(*)::int as n from analytics.chat_messages where tenant_id = $1')).toBe(5);
    expect(await count('select count(*)::int as n from analytics.memories where tenant_id = $1')).toBe(3);
    expect(await count('select count(*)::int as n from internal.chat_content where tenant_id = $1')).toBe(8);
    expect(await q('select messages::int, replies::int, bytes_in::int from analytics.conversations where conversation_id = $1', [w.a.conversations.b1]))
      .toEqual([{ messages: 2, replies: 2, bytes_in: 57 }]);
    expect((await q('select count(*)::int as n from analytics.conversations where tenant_id = $1', [w.b.id]))[0]!['n']).toBe(4);
  });

  it('leaves the content reader nothing of the erased user', async () => {
    expect(await conversationHistory(opener, { tenantId: w.a.id, userId: 'ac-alice', conversationId: w.a.conversations.a1 }, 100)).toEqual([]);
    expect(await memories(opener, { tenantId: w.a.id, userId: 'ac-alice' })).toEqual([]);
    expect((await conversationHistory(opener, { tenantId: w.a.id, userId: 'ac-bob', conversationId: w.a.conversations.b1 }, 100)).map((h) => h.kind))
      .toEqual(['message', 'reply', 'message', 'reply']);
    expect((await memories(opener, { tenantId: w.a.id, userId: 'ac-bob' })).map((m) => m.memoryId)).toEqual([w.a.memories.b1, w.a.memories.b2]);
  });

  it('records the erasure as a use of the reviewed path for each chat model', async () => {
    const uses = await q("select model, row_count::int from projection_meta.bypass_uses where reason like '%.erase_user' and model in ('conversations', 'memories', 'chat_content') order by model");
    // alice's rows at the erasure: a1, a2 + 9 message rows + m7 (conversations); a1 + a3 (memories); 5 + m7 + a1 + a3 (content).
    expect(uses).toEqual([{ model: 'chat_content', row_count: 8 }, { model: 'conversations', row_count: 11 }, { model: 'memories', row_count: 2 }]);
  });
});

describe('a rebuild of every model', () => {
  it('replayed in small batches equals the live projection, checksum for checksum, deletions and erasures included', async () => {
    const before = await checksums(w.rm.admin);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['conversations', 'chat_messages', 'memories', 'chat_content']));
    const result = await rebuild({ kafka: testKafka('projector'), databaseUrl: w.rm.url, topic: w.rm.topic, maxBytesPerPartition: 1024 });
    expect(result.models.map((m) => m.name)).toEqual(expect.arrayContaining(['chat_content', 'conversations', 'memories']));
    expect(await checksums(w.rm.admin)).toEqual(before);
    for (const needle of ['ac-alice', w.a.conversations.a2, w.c.id]) expect(foundIn(await mentions(needle)), needle).toEqual([]);
  });
});
