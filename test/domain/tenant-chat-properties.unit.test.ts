// Properties of the chat commands over arbitrary sequences. Ids come from small pools so users
// collide on the same conversations, messages and memories all the time: whatever the sequence,
// no user writes into, deletes or forgets another's, only services record replies, a message
// gets at most one outcome, all content is pending under its owner's exact binding, and an
// erased user keeps no conversation or memory.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../domain/messages.ts';
import {
  chatMessageBinding,
  chatReplyBinding,
  MAX_MEMORY_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_REPLY_BYTES,
  memoryBinding,
  parseTenantCommand,
  ROLES,
  tenantDecider,
} from '../../domain/tenant/index.ts';
import type { ActiveTenant, TenantCommand, TenantEvent, TenantState } from '../../domain/tenant/index.ts';
import { BOX, metadata, TENANT_ID } from './tenant-fixtures.ts';

const USER_IDS = ['u0', 'u1', 'u2'];
const id = (prefix: string, n: number) => `${prefix}000000-0000-4000-8000-00000000000${n}`;
const userId = fc.constantFrom(...USER_IDS);
const conversationId = fc.constantFrom(id('2c', 1), id('2c', 2), id('2c', 3));
const messageId = fc.constantFrom(id('2d', 1), id('2d', 2));
const memoryId = fc.constantFrom(id('2e', 1), id('2e', 2));
const actor: fc.Arbitrary<Actor> = fc.oneof(
  { weight: 10, arbitrary: userId.map((uid) => ({ kind: 'user' as const, id: uid })) },
  { weight: 4, arbitrary: fc.constant({ kind: 'service' as const, id: 'svc-chat-worker' }) },
);
const reply = { content: BOX, model: 'm', inputTokens: 1, outputTokens: 2 };

const raw: fc.Arbitrary<readonly [string, Record<string, unknown>]> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(userId, fc.constantFrom(...ROLES)).map(([uid, role]) => ['AddMember', { userId: uid, email: `${uid}@x.io`, role }] as const) },
  { weight: 2, arbitrary: fc.tuple(userId, fc.constantFrom(...ROLES)).map(([uid, role]) => ['ChangeRole', { userId: uid, role }] as const) },
  { weight: 1, arbitrary: userId.map((uid) => ['EraseUser', { userId: uid }] as const) },
  { weight: 5, arbitrary: conversationId.map((c) => ['StartConversation', { conversationId: c }] as const) },
  { weight: 8, arbitrary: fc.tuple(conversationId, messageId).map(([c, m]) => ['ChatTurn', { conversationId: c, messageId: m, content: BOX }] as const) },
  {
    weight: 8,
    arbitrary: fc.tuple(conversationId, userId, messageId, fc.boolean()).map(([c, uid, m, ok]) =>
      ['RecordAssistantReply', { conversationId: c, userId: uid, replyTo: m, ...(ok ? reply : { failure: 'TIMEOUT' }) }] as const),
  },
  { weight: 2, arbitrary: conversationId.map((c) => ['DeleteConversation', { conversationId: c }] as const) },
  { weight: 4, arbitrary: memoryId.map((m) => ['StoreMemory', { memoryId: m, content: BOX }] as const) },
  { weight: 2, arbitrary: memoryId.map((m) => ['ForgetMemory', { memoryId: m }] as const) },
);

const parsed = (type: string, payload: unknown, by: Actor): TenantCommand => {
  const result = parseTenantCommand(type, payload, metadata(by));
  if (!result.ok) throw new Error(`generator produced an invalid command: ${result.rejection.message}`);
  return result.command;
};
const command = fc.tuple(raw, actor).map(([[type, payload], by]) => parsed(type, payload, by));
const creation = parsed('CreateTenant', { name: 'Acme', owner: { userId: 'u0', email: 'u0@x.io' } }, { kind: 'system', id: 'palisade' });
const sequences = fc.array(command, { maxLength: 80, size: 'max' }).map((rest) => [creation, ...rest]);

/** What an accepted chat command may do, judged against the state before it. */
function checkAccepted(cmd: TenantCommand, before: ActiveTenant, events: readonly TenantEvent[]): void {
  const by = cmd.metadata.actor;
  const role = by.kind === 'user' ? before.members.get(by.id)?.role : undefined;
  for (const event of events) {
    switch (event.type) {
      case 'ConversationStarted':
        expect([by.kind, event.data.userId, role === 'viewer', before.conversations.has(event.data.conversationId)]).toStrictEqual(['user', by.id, false, false]);
        break;
      case 'ChatTurnRequested': {
        const { conversationId: c, messageId: m, userId: uid } = event.data;
        expect(before.conversations.get(c)).toMatchObject({ userId: by.id, deleted: false });
        expect([uid, role === 'viewer', before.conversations.get(c)?.messages.has(m)]).toStrictEqual([by.id, false, false]);
        expect(event.data.content).toMatchObject({ pending: 'intake', binding: chatMessageBinding(TENANT_ID, by.id, c, m), owner: { userId: by.id }, maxBytes: MAX_MESSAGE_BYTES });
        break;
      }
      case 'AssistantReplied':
      case 'ChatTurnFailed': {
        const { conversationId: c, replyTo: m, userId: uid } = event.data;
        expect(by.kind).not.toBe('user');
        expect(before.erasedUsers.has(uid)).toBe(false);
        expect(before.conversations.get(c)).toMatchObject({ userId: uid, deleted: false });
        expect(before.conversations.get(c)?.messages.get(m)).toBe('pending');
        if (event.type === 'AssistantReplied') {
          expect(event.data.content).toMatchObject({ pending: 'intake', binding: chatReplyBinding(TENANT_ID, uid, c, m), owner: { userId: uid }, maxBytes: MAX_REPLY_BYTES });
        }
        break;
      }
      case 'ConversationDeleted':
        expect(before.conversations.get(event.data.conversationId)).toMatchObject({ userId: by.id, deleted: false });
        expect(event.data.userId).toBe(by.id);
        break;
      case 'MemoryStored':
        expect([by.kind, event.data.userId, role === 'viewer', before.memories.has(event.data.memoryId)]).toStrictEqual(['user', by.id, false, false]);
        expect(event.data.content).toMatchObject({ binding: memoryBinding(TENANT_ID, by.id, event.data.memoryId), owner: { userId: by.id }, maxBytes: MAX_MEMORY_BYTES });
        break;
      case 'MemoryForgotten':
        expect(before.memories.get(event.data.memoryId)).toMatchObject({ userId: by.id, forgotten: false });
        break;
      default:
        break;
    }
  }
}

describe('chat properties', () => {
  it('hold over arbitrary command sequences', () => {
    fc.assert(
      fc.property(sequences, (commands) => {
        let state: TenantState = tenantDecider.initialState();
        const outcomes = new Map<string, number>();
        for (const cmd of commands) {
          const decision = tenantDecider.decide(cmd, state);
          if (!decision.ok) continue;
          if (state.status === 'active') checkAccepted(cmd, state, decision.events);
          for (const event of decision.events) {
            if (event.type === 'AssistantReplied' || event.type === 'ChatTurnFailed') {
              const key = `${event.data.conversationId}/${event.data.replyTo}`;
              outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
            }
          }
          state = decision.events.reduce(tenantDecider.evolve, state);
        }
        for (const count of outcomes.values()) expect(count).toBe(1);
        if (state.status !== 'active') return;
        for (const erased of state.erasedUsers) {
          for (const c of state.conversations.values()) if (c.userId === erased) expect([c.deleted, c.messages.size]).toStrictEqual([true, 0]);
          for (const m of state.memories.values()) if (m.userId === erased) expect(m.forgotten).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
