// evolve for the chat events (issue 7): the state keeps whose each conversation and memory is,
// whether it is still there, and which messages await their one reply. Never any content.
import { describe, expect, it } from 'vitest';
import { evolve, initialState } from '../../domain/tenant/index.ts';
import type { ActiveTenant, TenantEvent, TenantState } from '../../domain/tenant/index.ts';
import {
  assistantReplied,
  chatTurnFailed,
  chatTurnRequested,
  CONV_A,
  CONV_B,
  conversationDeleted,
  conversationStarted,
  memberAdded,
  MEMORY_A,
  MEMORY_B,
  memoryForgotten,
  memoryStored,
  MSG_1,
  MSG_2,
  tenantCreated,
  tenantDeleted,
  userErased,
} from './tenant-fixtures.ts';

const replay = (events: readonly TenantEvent[]): TenantState => events.reduce(evolve, initialState());
function active(events: readonly TenantEvent[]): ActiveTenant {
  const state = replay(events);
  if (state.status !== 'active') throw new Error(`expected an active tenant, got ${state.status}`);
  return state;
}
const created = [tenantCreated('alice'), memberAdded('bob', 'member'), memberAdded('carol', 'member')];
/** A conversation with its messages as a plain object, to compare whole. */
const conversationOf = (tenant: ActiveTenant, conversationId: string) => {
  const c = tenant.conversations.get(conversationId);
  return c === undefined ? undefined : { ...c, messages: Object.fromEntries(c.messages) };
};
const messagesOf = (tenant: ActiveTenant, conversationId: string) => Object.fromEntries(tenant.conversations.get(conversationId)?.messages ?? []);

describe('evolve (chat events)', () => {
  it('starts a tenant with no conversations or memories', () => {
    const tenant = active([tenantCreated('alice')]);
    expect(tenant.conversations.size).toBe(0);
    expect(tenant.memories.size).toBe(0);
  });

  describe('conversations', () => {
    it('records whose a started conversation is, with no messages', () => {
      const tenant = active([...created, conversationStarted('bob', CONV_A, 'gpt-4o')]);
      expect(conversationOf(tenant, CONV_A)).toStrictEqual({ userId: 'bob', deleted: false, messages: {} });
    });
    it('marks a requested turn pending, and answered once replied or failed', () => {
      const asked = [...created, conversationStarted('bob', CONV_A), chatTurnRequested('bob', CONV_A, MSG_1), chatTurnRequested('bob', CONV_A, MSG_2)];
      expect(messagesOf(active(asked), CONV_A)).toStrictEqual({ [MSG_1]: 'pending', [MSG_2]: 'pending' });
      expect(messagesOf(active([...asked, assistantReplied('bob', CONV_A, MSG_1)]), CONV_A)).toStrictEqual({ [MSG_1]: 'answered', [MSG_2]: 'pending' });
      expect(messagesOf(active([...asked, chatTurnFailed('bob', CONV_A, MSG_2)]), CONV_A)).toStrictEqual({ [MSG_1]: 'pending', [MSG_2]: 'answered' });
    });
    it('keeps a deleted conversation, without its messages, so its id is never reused', () => {
      const tenant = active([...created, conversationStarted('bob', CONV_A), chatTurnRequested('bob', CONV_A, MSG_1), conversationDeleted('bob', CONV_A)]);
      expect(conversationOf(tenant, CONV_A)).toStrictEqual({ userId: 'bob', deleted: true, messages: {} });
    });
    it('ignores what decide never emits: a reused id, another user\'s events, turns in a deleted conversation, replies to unknown messages', () => {
      const base = active([...created, conversationStarted('bob', CONV_A), chatTurnRequested('bob', CONV_A, MSG_1)]);
      const same = (...events: TenantEvent[]) => expect(events.reduce(evolve, base as TenantState)).toStrictEqual(base);
      same(conversationStarted('carol', CONV_A));
      same(chatTurnRequested('carol', CONV_A, MSG_2));
      same(chatTurnRequested('bob', CONV_A, MSG_1));
      same(assistantReplied('carol', CONV_A, MSG_1));
      same(assistantReplied('bob', CONV_A, MSG_2));
      same(chatTurnFailed('bob', CONV_B, MSG_1));
      same(conversationDeleted('carol', CONV_A));
      const deleted = evolve(base, conversationDeleted('bob', CONV_A));
      expect(evolve(deleted, chatTurnRequested('bob', CONV_A, MSG_2))).toStrictEqual(deleted);
      const answered = evolve(base, assistantReplied('bob', CONV_A, MSG_1));
      expect(evolve(answered, chatTurnFailed('bob', CONV_A, MSG_1))).toStrictEqual(answered);
    });
  });

  describe('memories', () => {
    it('records whose a memory is, and keeps it once forgotten', () => {
      expect(active([...created, memoryStored('bob', MEMORY_A)]).memories.get(MEMORY_A)).toStrictEqual({ userId: 'bob', forgotten: false });
      expect(active([...created, memoryStored('bob', MEMORY_A), memoryForgotten('bob', MEMORY_A)]).memories.get(MEMORY_A)).toStrictEqual({ userId: 'bob', forgotten: true });
    });
    it('ignores a reused id and another user forgetting it', () => {
      const base = active([...created, memoryStored('bob', MEMORY_A)]);
      expect(evolve(base, memoryStored('carol', MEMORY_A))).toStrictEqual(base);
      expect(evolve(base, memoryForgotten('carol', MEMORY_A))).toStrictEqual(base);
      expect(evolve(base, memoryForgotten('bob', MEMORY_B))).toStrictEqual(base);
    });
  });

  describe('erasure', () => {
    const history = [
      ...created,
      conversationStarted('bob', CONV_A),
      chatTurnRequested('bob', CONV_A, MSG_1),
      assistantReplied('bob', CONV_A, MSG_1),
      chatTurnRequested('bob', CONV_A, MSG_2),
      memoryStored('bob', MEMORY_A),
      conversationStarted('carol', CONV_B),
      chatTurnRequested('carol', CONV_B, MSG_1),
      memoryStored('carol', MEMORY_B),
    ];
    it('drops the erased user\'s conversations (messages and all) and memories; only their ids stay, used', () => {
      const tenant = active([...history, userErased('bob')]);
      expect(conversationOf(tenant, CONV_A)).toStrictEqual({ userId: 'bob', deleted: true, messages: {} });
      expect(tenant.memories.get(MEMORY_A)).toStrictEqual({ userId: 'bob', forgotten: true });
      const live = [...tenant.conversations].filter(([, c]) => !c.deleted).map(([id]) => id);
      const remembered = [...tenant.memories].filter(([, m]) => !m.forgotten).map(([id]) => id);
      expect([live, remembered]).toStrictEqual([[CONV_B], [MEMORY_B]]);
    });
    it('leaves other users\' conversations and memories as they were', () => {
      const before = active(history);
      const after = active([...history, userErased('bob')]);
      expect(after.conversations.get(CONV_B)).toStrictEqual(before.conversations.get(CONV_B));
      expect(after.memories.get(MEMORY_B)).toStrictEqual(before.memories.get(MEMORY_B));
    });
    it('leaves no trace of the erased user\'s messages anywhere in the state', () => {
      const tenant = active([...history, userErased('bob')]);
      expect(messagesOf(tenant, CONV_A)).toStrictEqual({});
    });
  });

  it('applies no chat event to an absent or deleted tenant', () => {
    expect(replay([conversationStarted('bob', CONV_A), memoryStored('bob', MEMORY_A)])).toStrictEqual({ status: 'absent' });
    expect(replay([...created, tenantDeleted(), conversationStarted('bob', CONV_A), memoryStored('bob', MEMORY_A)])).toStrictEqual({ status: 'deleted' });
  });
});
