// Specifications of the chat commands of the tenant decider (issue 7): conversations, turns,
// the worker's replies, memories. One rule per `it`; the role × command combinations are in
// tenant-rbac.unit.test.ts. Every cross-user attempt is shown with the right ids in hand.
import { describe, expect, it } from 'vitest';
import {
  chatMessageBinding,
  chatReplyBinding,
  MAX_MEMORY_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_REPLY_BYTES,
  memoryBinding,
  tenantDecider,
} from '../../domain/tenant/index.ts';
import type { TenantCommand, TenantEvent } from '../../domain/tenant/index.ts';
import { deciderSpec } from '../support/decider-spec.ts';
import {
  assistantReplied,
  BOX,
  BOX_2,
  chatTurn,
  chatTurnFailed,
  chatTurnRequested,
  CONV_A,
  CONV_B,
  conversationDeleted,
  conversationStarted,
  deleteConversation,
  forgetMemory,
  memberAdded,
  memberRemoved,
  memberRoleChanged,
  MEMORY_A,
  MEMORY_B,
  memoryForgotten,
  memoryStored,
  MSG_1,
  MSG_2,
  pendingContent,
  recordFailure,
  recordReply,
  service,
  startConversation,
  storeMemory,
  system,
  TENANT_ID,
  tenantCreated,
  tenantDeleted,
  tenantKeyRotated,
  user,
  userErased,
} from './tenant-fixtures.ts';

const { given } = deciderSpec(tenantDecider);
const alice = user('alice'); // owner
const adam = user('adam'); // admin
const bob = user('bob'); // member
const mallory = user('mallory'); // member, the attacker
const vic = user('vic'); // viewer
const worker = service('svc-chat-worker');
const TEAM: readonly TenantEvent[] = [
  tenantCreated('alice'),
  memberAdded('adam', 'admin'),
  memberAdded('bob', 'member'),
  memberAdded('mallory', 'member'),
  memberAdded('vic', 'viewer'),
];
/** Bob's conversation A with message 1 awaiting its reply. */
const BOB_ASKED: readonly TenantEvent[] = [...TEAM, conversationStarted('bob', CONV_A), chatTurnRequested('bob', CONV_A, MSG_1)];
const deleted = [tenantCreated('alice'), tenantDeleted()];

describe('every chat command', () => {
  const commands: TenantCommand[] = [
    startConversation(alice, CONV_A),
    chatTurn(alice, CONV_A, MSG_1),
    recordReply(worker, 'alice', CONV_A, MSG_1),
    deleteConversation(alice, CONV_A),
    storeMemory(alice, MEMORY_A),
    forgetMemory(alice, MEMORY_A),
  ];
  const cases = commands.map((c) => [c.type, c] as const);
  it.each(cases)('refuses %s on an absent tenant (TENANT_NOT_FOUND)', (_, command) => {
    given([]).when(command).thenRejects('TENANT_NOT_FOUND');
  });
  it.each(cases)('refuses %s on a deleted tenant (TENANT_DELETED)', (_, command) => {
    given(deleted).when(command).thenRejects('TENANT_DELETED');
  });
  const userCommands = cases.filter(([type]) => type !== 'RecordAssistantReply');
  it.each(userCommands)('refuses %s from a user outside the tenant (NOT_A_MEMBER)', (_, command) => {
    given(TEAM).when({ ...command, metadata: { ...command.metadata, actor: user('nora') } }).thenRejects('NOT_A_MEMBER');
  });
  it.each(userCommands)('refuses %s from a service actor, even one named like a member (NOT_A_MEMBER)', (_, command) => {
    given(TEAM).when({ ...command, metadata: { ...command.metadata, actor: service('alice') } }).thenRejects('NOT_A_MEMBER');
  });
  it.each(userCommands)('refuses %s from a removed member (NOT_A_MEMBER)', (_, command) => {
    given([...TEAM, memberRemoved('bob')]).when({ ...command, metadata: { ...command.metadata, actor: bob } }).thenRejects('NOT_A_MEMBER');
  });
});

describe('StartConversation', () => {
  it('starts a conversation owned by the acting member, with the model they chose', () => {
    given(TEAM).when(startConversation(bob, CONV_A, 'claude-sonnet-4-5')).then([
      { type: 'ConversationStarted', data: { conversationId: CONV_A, userId: 'bob', model: 'claude-sonnet-4-5' } },
    ]);
  });
  it('leaves the model absent when none was chosen', () => {
    given(TEAM).when(startConversation(bob, CONV_A)).then([{ type: 'ConversationStarted', data: { conversationId: CONV_A, userId: 'bob' } }]);
  });
  it('lets an owner and an admin chat too', () => {
    for (const actor of [alice, adam]) {
      expect(given(TEAM).when(startConversation(actor, CONV_A)).decision()).toMatchObject({ ok: true, events: [{ data: { userId: actor.id } }] });
    }
  });
  it('refuses a viewer: a viewer cannot chat (FORBIDDEN)', () => {
    given(TEAM).when(startConversation(vic, CONV_A)).thenRejects('FORBIDDEN');
  });
  it('refuses an id already used in the tenant, by anyone (CONVERSATION_EXISTS)', () => {
    given([...TEAM, conversationStarted('bob', CONV_A)]).when(startConversation(bob, CONV_A)).thenRejects('CONVERSATION_EXISTS');
    given([...TEAM, conversationStarted('bob', CONV_A)]).when(startConversation(mallory, CONV_A)).thenRejects('CONVERSATION_EXISTS');
  });
  it('never reuses the id of a deleted conversation (CONVERSATION_EXISTS)', () => {
    given([...TEAM, conversationStarted('bob', CONV_A), conversationDeleted('bob', CONV_A)]).when(startConversation(bob, CONV_A)).thenRejects('CONVERSATION_EXISTS');
  });
  it('never reuses the id of an erased user\'s conversation (CONVERSATION_EXISTS)', () => {
    given([...TEAM, conversationStarted('bob', CONV_A), userErased('bob')]).when(startConversation(mallory, CONV_A)).thenRejects('CONVERSATION_EXISTS');
  });
});

describe('ChatTurn', () => {
  it('requests a turn: the message pending under the user\'s DEK, bound to this exact message, with its limit; bytes filled by the processor', () => {
    given([...TEAM, conversationStarted('bob', CONV_A)]).when(chatTurn(bob, CONV_A, MSG_1)).then([
      {
        type: 'ChatTurnRequested',
        data: {
          conversationId: CONV_A,
          messageId: MSG_1,
          userId: 'bob',
          bytes: 0,
          content: pendingContent(BOX, chatMessageBinding(TENANT_ID, 'bob', CONV_A, MSG_1), 'bob', MAX_MESSAGE_BYTES),
        },
      },
    ]);
  });
  it('binds the message to tenant, user, purpose chat-message and field <conversationId>/<messageId>', () => {
    expect(chatMessageBinding(TENANT_ID, 'bob', CONV_A, MSG_1)).toStrictEqual({ tenantId: TENANT_ID, subject: 'bob', purpose: 'chat-message', field: `${CONV_A}/${MSG_1}` });
  });
  it('seals under the tenant\'s current key version', () => {
    const decision = given([...TEAM, tenantKeyRotated(2), conversationStarted('bob', CONV_A)]).when(chatTurn(bob, CONV_A, MSG_1)).decision();
    expect(decision).toMatchObject({ ok: true, events: [{ data: { content: { owner: { userId: 'bob', keyVersion: 2 } } } }] });
  });
  it('accepts the next message while the previous one awaits its reply', () => {
    expect(given(BOB_ASKED).when(chatTurn(bob, CONV_A, MSG_2)).decision()).toMatchObject({ ok: true, events: [{ type: 'ChatTurnRequested' }] });
  });
  it('refuses a viewer, even in a conversation they started as a member (FORBIDDEN)', () => {
    given([...TEAM, conversationStarted('bob', CONV_A), memberRoleChanged('bob', 'member', 'viewer')]).when(chatTurn(bob, CONV_A, MSG_1)).thenRejects('FORBIDDEN');
  });
  it('refuses a conversation never started (CONVERSATION_NOT_FOUND)', () => {
    given(TEAM).when(chatTurn(bob, CONV_A, MSG_1)).thenRejects('CONVERSATION_NOT_FOUND');
  });
  it('refuses a deleted conversation (CONVERSATION_NOT_FOUND)', () => {
    given([...TEAM, conversationStarted('bob', CONV_A), conversationDeleted('bob', CONV_A)]).when(chatTurn(bob, CONV_A, MSG_1)).thenRejects('CONVERSATION_NOT_FOUND');
  });
  it('refuses another member writing into bob\'s conversation with its id (NOT_CONVERSATION_OWNER)', () => {
    given(BOB_ASKED).when(chatTurn(mallory, CONV_A, MSG_2)).thenRejects('NOT_CONVERSATION_OWNER');
  });
  it('refuses even the tenant\'s owner writing into a member\'s conversation (NOT_CONVERSATION_OWNER)', () => {
    given(BOB_ASKED).when(chatTurn(alice, CONV_A, MSG_2)).thenRejects('NOT_CONVERSATION_OWNER');
  });
  it('records NOT_CONVERSATION_OWNER as an authorization refusal', () => {
    const decision = given(BOB_ASKED).when(chatTurn(mallory, CONV_A, MSG_2)).decision();
    expect(decision).toMatchObject({ ok: false, rejection: { code: 'NOT_CONVERSATION_OWNER', authorization: true } });
  });
  it('refuses a message id already used in the conversation, answered or not (MESSAGE_EXISTS)', () => {
    given(BOB_ASKED).when(chatTurn(bob, CONV_A, MSG_1)).thenRejects('MESSAGE_EXISTS');
    given([...BOB_ASKED, assistantReplied('bob', CONV_A, MSG_1)]).when(chatTurn(bob, CONV_A, MSG_1)).thenRejects('MESSAGE_EXISTS');
  });
  it('checks ownership before the message id, so a stranger learns nothing about the messages', () => {
    given(BOB_ASKED).when(chatTurn(mallory, CONV_A, MSG_1)).thenRejects('NOT_CONVERSATION_OWNER');
  });
});

describe('RecordAssistantReply', () => {
  it('records the reply: content pending under the user\'s DEK, bound to the message answered, with model, tokens and stop reason', () => {
    given(BOB_ASKED).when(recordReply(worker, 'bob', CONV_A, MSG_1, { stopReason: 'end_turn' })).then([
      {
        type: 'AssistantReplied',
        data: {
          conversationId: CONV_A,
          userId: 'bob',
          replyTo: MSG_1,
          bytes: 0,
          content: pendingContent(BOX_2, chatReplyBinding(TENANT_ID, 'bob', CONV_A, MSG_1), 'bob', MAX_REPLY_BYTES),
          model: 'claude-sonnet-4-5',
          inputTokens: 120,
          outputTokens: 45,
          stopReason: 'end_turn',
        },
      },
    ]);
  });
  it('leaves the stop reason absent when none was given', () => {
    const decision = given(BOB_ASKED).when(recordReply(worker, 'bob', CONV_A, MSG_1)).decision();
    expect(decision.ok && decision.events[0]!.data).not.toHaveProperty('stopReason');
  });
  it('binds the reply to tenant, user, purpose chat-reply and field <conversationId>/<replyTo>', () => {
    expect(chatReplyBinding(TENANT_ID, 'bob', CONV_A, MSG_1)).toStrictEqual({ tenantId: TENANT_ID, subject: 'bob', purpose: 'chat-reply', field: `${CONV_A}/${MSG_1}` });
  });
  it('records a failure instead', () => {
    given(BOB_ASKED).when(recordFailure(worker, 'bob', CONV_A, MSG_1, 'NO_PROVIDER_KEY')).then([
      { type: 'ChatTurnFailed', data: { conversationId: CONV_A, userId: 'bob', replyTo: MSG_1, reason: 'NO_PROVIDER_KEY' } },
    ]);
  });
  it('accepts the system actor too', () => {
    expect(given(BOB_ASKED).when(recordReply(system(), 'bob', CONV_A, MSG_1)).decision()).toMatchObject({ ok: true, events: [{ type: 'AssistantReplied' }] });
  });
  it('refuses every user, even the conversation\'s owner or the tenant\'s owner (FORBIDDEN, an authorization refusal)', () => {
    for (const actor of [bob, alice, mallory, user('nora')]) {
      const decision = given(BOB_ASKED).when(recordReply(actor, 'bob', CONV_A, MSG_1)).decision();
      expect(decision).toMatchObject({ ok: false, rejection: { code: 'FORBIDDEN', authorization: true } });
    }
  });
  it('refuses a second reply to the same message (REPLY_EXISTS): at most one outcome per message', () => {
    given([...BOB_ASKED, assistantReplied('bob', CONV_A, MSG_1)]).when(recordReply(worker, 'bob', CONV_A, MSG_1)).thenRejects('REPLY_EXISTS');
  });
  it('refuses a failure after a reply, and a reply after a failure (REPLY_EXISTS)', () => {
    given([...BOB_ASKED, assistantReplied('bob', CONV_A, MSG_1)]).when(recordFailure(worker, 'bob', CONV_A, MSG_1)).thenRejects('REPLY_EXISTS');
    given([...BOB_ASKED, chatTurnFailed('bob', CONV_A, MSG_1)]).when(recordReply(worker, 'bob', CONV_A, MSG_1)).thenRejects('REPLY_EXISTS');
    given([...BOB_ASKED, chatTurnFailed('bob', CONV_A, MSG_1)]).when(recordFailure(worker, 'bob', CONV_A, MSG_1)).thenRejects('REPLY_EXISTS');
  });
  it('refuses a reply to a message that was never asked in that conversation (MESSAGE_NOT_FOUND)', () => {
    given(BOB_ASKED).when(recordReply(worker, 'bob', CONV_A, MSG_2)).thenRejects('MESSAGE_NOT_FOUND');
  });
  it('refuses a reply to a message of another conversation of the same user (MESSAGE_NOT_FOUND)', () => {
    given([...BOB_ASKED, conversationStarted('bob', CONV_B)]).when(recordReply(worker, 'bob', CONV_B, MSG_1)).thenRejects('MESSAGE_NOT_FOUND');
  });
  it('refuses a conversation that does not belong to the named user (CONVERSATION_NOT_FOUND)', () => {
    given(BOB_ASKED).when(recordReply(worker, 'mallory', CONV_A, MSG_1)).thenRejects('CONVERSATION_NOT_FOUND');
  });
  it('refuses an unknown conversation (CONVERSATION_NOT_FOUND)', () => {
    given(BOB_ASKED).when(recordReply(worker, 'bob', CONV_B, MSG_1)).thenRejects('CONVERSATION_NOT_FOUND');
  });
  it('refuses when the conversation was deleted meanwhile (CONVERSATION_NOT_FOUND)', () => {
    given([...BOB_ASKED, conversationDeleted('bob', CONV_A)]).when(recordReply(worker, 'bob', CONV_A, MSG_1)).thenRejects('CONVERSATION_NOT_FOUND');
    given([...BOB_ASKED, conversationDeleted('bob', CONV_A)]).when(recordFailure(worker, 'bob', CONV_A, MSG_1)).thenRejects('CONVERSATION_NOT_FOUND');
  });
  it('refuses when the user was erased meanwhile (USER_ERASED)', () => {
    given([...BOB_ASKED, userErased('bob')]).when(recordReply(worker, 'bob', CONV_A, MSG_1)).thenRejects('USER_ERASED');
    given([...BOB_ASKED, userErased('bob')]).when(recordFailure(worker, 'bob', CONV_A, MSG_1, 'USER_GONE')).thenRejects('USER_ERASED');
  });
  it('still records the outcome for a member who left (their conversation is still theirs)', () => {
    expect(given([...BOB_ASKED, memberRemoved('bob')]).when(recordReply(worker, 'bob', CONV_A, MSG_1)).decision()).toMatchObject({ ok: true });
  });
  it('seals the reply under the tenant\'s current key version', () => {
    const decision = given([...BOB_ASKED, tenantKeyRotated(2)]).when(recordReply(worker, 'bob', CONV_A, MSG_1)).decision();
    expect(decision).toMatchObject({ ok: true, events: [{ data: { content: { owner: { userId: 'bob', keyVersion: 2 } } } }] });
  });
  describe('holds a command built in code to the parser\'s shape (INVALID_PAYLOAD)', () => {
    const base = { conversationId: CONV_A, userId: 'bob', replyTo: MSG_1 };
    const built = (data: Record<string, unknown>): TenantCommand => ({ ...recordReply(worker, 'bob', CONV_A, MSG_1), data } as TenantCommand);
    it.each([
      ['neither content nor failure', base],
      ['both content and failure', { ...base, content: BOX, model: 'm', inputTokens: 1, outputTokens: 1, failure: 'TIMEOUT' }],
      ['content without a model', { ...base, content: BOX, inputTokens: 1, outputTokens: 1 }],
      ['content without token counts', { ...base, content: BOX, model: 'm' }],
    ])('%s', (_, data) => {
      given(BOB_ASKED).when(built(data)).thenRejects('INVALID_PAYLOAD');
    });
  });
});

describe('DeleteConversation', () => {
  it('deletes the actor\'s own conversation', () => {
    given(BOB_ASKED).when(deleteConversation(bob, CONV_A)).then([{ type: 'ConversationDeleted', data: { conversationId: CONV_A, userId: 'bob' } }]);
  });
  it('lets a user demoted to viewer delete what they wrote', () => {
    given([...BOB_ASKED, memberRoleChanged('bob', 'member', 'viewer')]).when(deleteConversation(bob, CONV_A)).then([
      { type: 'ConversationDeleted', data: { conversationId: CONV_A, userId: 'bob' } },
    ]);
  });
  it('refuses another member deleting bob\'s conversation with its id (NOT_CONVERSATION_OWNER)', () => {
    given(BOB_ASKED).when(deleteConversation(mallory, CONV_A)).thenRejects('NOT_CONVERSATION_OWNER');
  });
  it('refuses the tenant\'s owner and admins too (NOT_CONVERSATION_OWNER)', () => {
    given(BOB_ASKED).when(deleteConversation(alice, CONV_A)).thenRejects('NOT_CONVERSATION_OWNER');
    given(BOB_ASKED).when(deleteConversation(adam, CONV_A)).thenRejects('NOT_CONVERSATION_OWNER');
  });
  it('refuses an unknown or already deleted conversation (CONVERSATION_NOT_FOUND)', () => {
    given(TEAM).when(deleteConversation(bob, CONV_A)).thenRejects('CONVERSATION_NOT_FOUND');
    given([...BOB_ASKED, conversationDeleted('bob', CONV_A)]).when(deleteConversation(bob, CONV_A)).thenRejects('CONVERSATION_NOT_FOUND');
  });
});

describe('StoreMemory', () => {
  it('stores a memory of the actor\'s: content pending under their DEK, bound to the memory, with its limit', () => {
    given(TEAM).when(storeMemory(bob, MEMORY_A)).then([
      {
        type: 'MemoryStored',
        data: { memoryId: MEMORY_A, userId: 'bob', bytes: 0, content: pendingContent(BOX, memoryBinding(TENANT_ID, 'bob', MEMORY_A), 'bob', MAX_MEMORY_BYTES) },
      },
    ]);
  });
  it('binds the memory to tenant, user, purpose memory and field <memoryId>', () => {
    expect(memoryBinding(TENANT_ID, 'bob', MEMORY_A)).toStrictEqual({ tenantId: TENANT_ID, subject: 'bob', purpose: 'memory', field: MEMORY_A });
  });
  it('refuses a viewer (FORBIDDEN)', () => {
    given(TEAM).when(storeMemory(vic, MEMORY_A)).thenRejects('FORBIDDEN');
  });
  it('refuses an id ever used in the tenant, forgotten or another user\'s (MEMORY_EXISTS)', () => {
    given([...TEAM, memoryStored('bob', MEMORY_A)]).when(storeMemory(bob, MEMORY_A)).thenRejects('MEMORY_EXISTS');
    given([...TEAM, memoryStored('bob', MEMORY_A)]).when(storeMemory(mallory, MEMORY_A)).thenRejects('MEMORY_EXISTS');
    given([...TEAM, memoryStored('bob', MEMORY_A), memoryForgotten('bob', MEMORY_A)]).when(storeMemory(bob, MEMORY_A)).thenRejects('MEMORY_EXISTS');
    given([...TEAM, memoryStored('bob', MEMORY_A), userErased('bob')]).when(storeMemory(mallory, MEMORY_A)).thenRejects('MEMORY_EXISTS');
  });
});

describe('ForgetMemory', () => {
  const BOB_REMEMBERS = [...TEAM, memoryStored('bob', MEMORY_A)];
  it('forgets the actor\'s own memory', () => {
    given(BOB_REMEMBERS).when(forgetMemory(bob, MEMORY_A)).then([{ type: 'MemoryForgotten', data: { memoryId: MEMORY_A, userId: 'bob' } }]);
  });
  it('refuses another member forgetting bob\'s memory with its id, even the tenant\'s owner (NOT_MEMORY_OWNER, an authorization refusal)', () => {
    for (const actor of [mallory, alice, adam]) {
      const decision = given(BOB_REMEMBERS).when(forgetMemory(actor, MEMORY_A)).decision();
      expect(decision).toMatchObject({ ok: false, rejection: { code: 'NOT_MEMORY_OWNER', authorization: true } });
    }
  });
  it('refuses an unknown or already forgotten memory (MEMORY_NOT_FOUND)', () => {
    given(BOB_REMEMBERS).when(forgetMemory(bob, MEMORY_B)).thenRejects('MEMORY_NOT_FOUND');
    given([...BOB_REMEMBERS, memoryForgotten('bob', MEMORY_A)]).when(forgetMemory(bob, MEMORY_A)).thenRejects('MEMORY_NOT_FOUND');
  });
});

describe('EraseUser and chat', () => {
  const HISTORY = [...BOB_ASKED, memoryStored('bob', MEMORY_A), userErased('bob')];
  it('leaves nothing of an erased user to reply to, delete or forget', () => {
    given(HISTORY).when(recordReply(worker, 'bob', CONV_A, MSG_1)).thenRejects('USER_ERASED');
  });
  it('leaves others\' conversations and memories untouched', () => {
    const history = [...TEAM, conversationStarted('mallory', CONV_B), chatTurnRequested('mallory', CONV_B, MSG_1), memoryStored('mallory', MEMORY_B), userErased('bob')];
    expect(given(history).when(recordReply(worker, 'mallory', CONV_B, MSG_1)).decision()).toMatchObject({ ok: true });
    expect(given(history).when(forgetMemory(mallory, MEMORY_B)).decision()).toMatchObject({ ok: true });
  });
});
