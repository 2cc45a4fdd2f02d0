// The chat models' pure folds (conversations + chat_messages, memories, chat_content): one write
// per row whatever the batch holds, content only ever in chat_content (the five members of a
// sealed value), a deletion inside the batch dropping the batch's earlier content, and the same
// result however a history is cut into batches.
import { describe, expect, it } from 'vitest';
import { foldChatContent, type ChatContentRow } from '../../projections/models/chat-content.ts';
import { foldConversations } from '../../projections/models/conversations.ts';
import { foldMemories } from '../../projections/models/memories.ts';
import type { ProjectedEvent } from '../../projections/models/model.ts';
import type { JsonObject } from '../../domain/logical.ts';
import { eventMaker } from './support/projected.ts';

const T = '11111111-1111-4111-8111-111111111111';
const C1 = '22222222-2222-4222-8222-222222222222';
const C2 = '33333333-3333-4333-8333-333333333333';
const M1 = '44444444-4444-4444-8444-444444444444';
const M2 = '55555555-5555-4555-8555-555555555555';
const MEM = '66666666-6666-4666-8666-666666666666';
const made = eventMaker(T, 'alice');
const { ev } = made;
const sealed = (ct: string, extra: JsonObject = {}): JsonObject => ({ v: 2, kid: 'dek-u-alice', kv: 1, n: 'n'.repeat(32), ct, ...extra });

/** A conversation of alice's: two turns (one answered, one failed), a second conversation deleted, a memory stored and one forgotten. */
function history(): ProjectedEvent[] {
  return [
    ev('ConversationStarted', { conversationId: C1, userId: 'alice', model: 'claude-sonnet-4-5' }),
    ev('ChatTurnRequested', { conversationId: C1, messageId: M1, userId: 'alice', bytes: 11, content: sealed('ctM1') }),
    ev('AssistantReplied', { conversationId: C1, userId: 'alice', replyTo: M1, bytes: 40, content: sealed('ctR1'), model: 'claude-sonnet-4-5', inputTokens: 12, outputTokens: 30, stopReason: 'end_turn' }),
    ev('ChatTurnRequested', { conversationId: C1, messageId: M2, userId: 'alice', bytes: 5, content: sealed('ctM2') }),
    ev('ChatTurnFailed', { conversationId: C1, userId: 'alice', replyTo: M2, reason: 'RATE_LIMITED' }),
    ev('ConversationStarted', { conversationId: C2, userId: 'alice' }),
    ev('ChatTurnRequested', { conversationId: C2, messageId: M1, userId: 'alice', bytes: 3, content: sealed('ctC2M1') }),
    ev('AssistantReplied', { conversationId: C2, userId: 'alice', replyTo: M1, bytes: 4, content: sealed('ctC2R1'), model: 'gpt-4o', inputTokens: 1, outputTokens: 2 }),
    ev('ConversationDeleted', { conversationId: C2, userId: 'alice' }),
    ev('MemoryStored', { memoryId: MEM, userId: 'alice', bytes: 9, content: sealed('ctMem') }),
    ev('MemoryStored', { memoryId: M2, userId: 'alice', bytes: 2, content: sealed('ctMem2') }),
    ev('MemoryForgotten', { memoryId: M2, userId: 'alice' }),
  ];
}

describe('foldConversations', () => {
  it('writes conversations started in the batch as full rows, with counts, sizes and tokens, and no content', () => {
    const events = history();
    const { rows, patches, messages } = foldConversations(events);
    expect(patches).toEqual([]);
    expect(rows.map((r) => [r.conversationId, r.model, r.status, r.messages, r.replies, r.failures, r.bytesIn, r.bytesOut, r.inputTokens, r.outputTokens])).toEqual([
      [C1, 'claude-sonnet-4-5', 'active', 2, 1, 1, 16, 40, 12, 30],
      [C2, 'gpt-4o', 'deleted', 1, 1, 0, 3, 4, 1, 2],
    ]);
    expect(rows[1]!.deletedAt).toBe(events[8]!.event.occurredAt);
    expect(rows[1]!.lastActivityAt).toBe(events[7]!.event.occurredAt);
    expect(messages.map((m) => [m.role, m.messageId, m.replyTo, m.bytes, m.model, m.stopReason, m.reason])).toEqual([
      ['user', M1, null, 11, null, null, null],
      ['assistant', null, M1, 40, 'claude-sonnet-4-5', 'end_turn', null],
      ['user', M2, null, 5, null, null, null],
      ['failure', null, M2, null, null, null, 'RATE_LIMITED'],
      ['user', M1, null, 3, null, null, null],
      ['assistant', null, M1, 4, 'gpt-4o', null, null],
    ]);
    expect(JSON.stringify({ rows, messages })).not.toMatch(/ctM1|ctR1|"ct"|dek-u/);
  });

  it('writes a conversation started earlier as a patch of deltas; another user\'s event does not touch it', () => {
    const { rows, patches, messages } = foldConversations([
      ev('ChatTurnRequested', { conversationId: C1, messageId: M1, userId: 'alice', bytes: 7, content: sealed('x') }),
      ev('AssistantReplied', { conversationId: C1, userId: 'alice', replyTo: M1, bytes: 8, content: sealed('y'), model: 'm-1', inputTokens: 3, outputTokens: 4 }),
      ev('ChatTurnRequested', { conversationId: C1, messageId: M2, userId: 'mallory', bytes: 1000, content: sealed('z') }),
      ev('ConversationDeleted', { conversationId: C1, userId: 'alice' }),
    ]);
    expect(rows).toEqual([]);
    expect(patches).toHaveLength(1);
    expect(patches[0]).toMatchObject({ userId: 'alice', model: 'm-1', status: 'deleted', messages: 1, replies: 1, bytesIn: 7, bytesOut: 8, inputTokens: 3, outputTokens: 4 });
    expect(messages.map((m) => m.userId)).toEqual(['alice', 'alice']);
  });

  it('keeps only allow-listed values: a bad model, stop reason or failure reason is not stored as given', () => {
    const { rows, messages } = foldConversations([
      ev('ConversationStarted', { conversationId: C1, userId: 'alice', model: 'no spaces allowed' }),
      ev('ChatTurnRequested', { conversationId: C1, messageId: M1, userId: 'alice', bytes: -5, content: sealed('x') }),
      ev('AssistantReplied', { conversationId: C1, userId: 'alice', replyTo: M1, bytes: 1, content: sealed('y'), model: 'bad model', inputTokens: 1, outputTokens: 1, stopReason: 'secret text here' }),
      ev('ChatTurnFailed', { conversationId: C1, userId: 'alice', replyTo: M1, reason: 'the user said something' }),
    ]);
    expect(rows[0]).toMatchObject({ model: null, bytesIn: 0 });
    expect(messages.map((m) => [m.model, m.stopReason, m.reason])).toEqual([[null, null, null], [null, null, null], [null, null, '?']]);
  });
});

describe('foldMemories', () => {
  it('stores a memory\'s size and date; a forgotten one is a deletion, never a row', () => {
    const { rows, deletions } = foldMemories(history());
    expect(rows.map((r) => [r.memoryId, r.userId, r.bytes])).toEqual([[MEM, 'alice', 9]]);
    expect(deletions).toEqual([{ tenantId: T, memoryId: M2, userId: 'alice' }]);
    expect(JSON.stringify(rows)).not.toMatch(/ctMem|"ct"/);
  });
});

describe('foldChatContent', () => {
  it('keeps the sealed content of what is still there; a deletion drops the batch\'s earlier rows and deletes the stored ones', () => {
    const { rows, conversations, memories } = foldChatContent(history());
    expect(rows.map((r) => [r.kind, r.conversationId, r.itemId, (JSON.parse(r.sealed) as { ct: string }).ct])).toEqual([
      ['message', C1, M1, 'ctM1'], ['reply', C1, M1, 'ctR1'], ['message', C1, M2, 'ctM2'], ['memory', null, MEM, 'ctMem'],
    ]);
    expect(conversations).toEqual([{ tenantId: T, userId: 'alice', conversationId: C2 }]);
    expect(memories).toEqual([{ tenantId: T, userId: 'alice', memoryId: M2 }]);
  });

  it('stores the five members of a sealed value only, and nothing that is not one (an intake box)', () => {
    const { rows } = foldChatContent([
      ev('ChatTurnRequested', { conversationId: C1, messageId: M1, userId: 'alice', bytes: 1, content: sealed('ct', { extra: 'leak' }) }),
      ev('ChatTurnRequested', { conversationId: C1, messageId: M2, userId: 'alice', bytes: 1, content: { box: 'intake-box', binding: {} } }),
      ev('MemoryStored', { memoryId: MEM, userId: 'alice', bytes: 1, content: 'plain text' }),
    ]);
    expect(rows).toHaveLength(1);
    expect(Object.keys(JSON.parse(rows[0]!.sealed) as object)).toEqual(['v', 'kid', 'kv', 'n', 'ct']);
  });

  it('gives the same rows however the history is cut into batches (applied as the writer does: deletions, then inserts)', () => {
    const events = history();
    const applyAll = (batches: ProjectedEvent[][]) => {
      let table: ChatContentRow[] = [];
      for (const batch of batches) {
        const { rows, conversations, memories } = foldChatContent(batch);
        table = table.filter((r) => !conversations.some((d) => d.tenantId === r.tenantId && d.userId === r.userId && d.conversationId === r.conversationId && r.kind !== 'memory'));
        table = table.filter((r) => !memories.some((d) => d.tenantId === r.tenantId && d.userId === r.userId && r.kind === 'memory' && d.memoryId === r.itemId));
        table.push(...rows);
      }
      return table.sort((a, b) => a.seq - b.seq);
    };
    const whole = applyAll([events]);
    for (let cut = 1; cut < events.length; cut++) expect(applyAll([events.slice(0, cut), events.slice(cut)]), `cut at ${cut}`).toEqual(whole);
    expect(applyAll(events.map((e) => [e]))).toEqual(whole);
  });
});
