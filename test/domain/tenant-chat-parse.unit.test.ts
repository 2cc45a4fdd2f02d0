// parseTenantCommand for the chat commands (issue 7): every validation code, the shape of a
// reply (content with model and token counts, or a failure alone), content boxes sized for their
// limit, and the order of checks.
import { describe, expect, it } from 'vitest';
import { CHAT_FAILURE_REASONS, MAX_MEMORY_BYTES, MAX_MESSAGE_BYTES, MAX_REPLY_BYTES, parseTenantCommand } from '../../domain/tenant/index.ts';
import type { RejectionCode } from '../../domain/tenant/index.ts';
import { maxContentBoxLength } from '../../domain/validation.ts';
import { BOX, CONV_A, LEGACY, MEMORY_A, metadata, MSG_1, service, user } from './tenant-fixtures.ts';

const alice = metadata(user('alice'));
const worker = metadata(service('svc-chat-worker'));
const turn = { conversationId: CONV_A, messageId: MSG_1, content: BOX };
const reply = { conversationId: CONV_A, userId: 'bob', replyTo: MSG_1, content: BOX, model: 'claude-sonnet-4-5', inputTokens: 120, outputTokens: 45, stopReason: 'end_turn' };
const failure = { conversationId: CONV_A, userId: 'bob', replyTo: MSG_1, failure: 'TIMEOUT' };
const memory = { memoryId: MEMORY_A, content: BOX };
const without = <T extends Record<string, unknown>>(object: T, key: keyof T) => {
  const { [key]: _, ...rest } = object;
  return rest;
};
/** A well-formed box of exactly `length` characters (length not 1 mod 4). */
const boxOf = (length: number) => 'A'.repeat(length);
const longestBox = (maxBytes: number) => {
  const max = maxContentBoxLength(maxBytes);
  return boxOf(max % 4 === 1 ? max - 1 : max);
};

type Row = readonly [what: string, type: string, payload: unknown, code: RejectionCode];

const INVALID: readonly Row[] = [
  // shape
  ['a StartConversation naming its owner', 'StartConversation', { conversationId: CONV_A, userId: 'bob' }, 'INVALID_PAYLOAD'],
  ['a StartConversation without an id', 'StartConversation', {}, 'INVALID_PAYLOAD'],
  ['a ChatTurn naming a user', 'ChatTurn', { ...turn, userId: 'bob' }, 'INVALID_PAYLOAD'],
  ['a ChatTurn without content', 'ChatTurn', without(turn, 'content'), 'INVALID_PAYLOAD'],
  ['a ChatTurn with the text in plaintext beside the box', 'ChatTurn', { ...turn, text: 'hello' }, 'INVALID_PAYLOAD'],
  ['a ChatTurn that is an array', 'ChatTurn', [turn], 'INVALID_PAYLOAD'],
  ['a reply with neither content nor failure', 'RecordAssistantReply', without(failure, 'failure'), 'INVALID_PAYLOAD'],
  ['a reply with both content and failure', 'RecordAssistantReply', { ...reply, failure: 'TIMEOUT' }, 'INVALID_PAYLOAD'],
  ['a reply without a model', 'RecordAssistantReply', without(reply, 'model'), 'INVALID_PAYLOAD'],
  ['a reply without input tokens', 'RecordAssistantReply', without(reply, 'inputTokens'), 'INVALID_PAYLOAD'],
  ['a reply without output tokens', 'RecordAssistantReply', without(reply, 'outputTokens'), 'INVALID_PAYLOAD'],
  ['a failure with a model', 'RecordAssistantReply', { ...failure, model: 'gpt-4o' }, 'INVALID_PAYLOAD'],
  ['a failure with token counts', 'RecordAssistantReply', { ...failure, inputTokens: 10 }, 'INVALID_PAYLOAD'],
  ['a failure with a stop reason', 'RecordAssistantReply', { ...failure, stopReason: 'end_turn' }, 'INVALID_PAYLOAD'],
  ['a reply without replyTo', 'RecordAssistantReply', without(reply, 'replyTo'), 'INVALID_PAYLOAD'],
  ['a reply without userId', 'RecordAssistantReply', without(failure, 'userId'), 'INVALID_PAYLOAD'],
  ['a reply with an unknown field', 'RecordAssistantReply', { ...reply, bytes: 12 }, 'INVALID_PAYLOAD'],
  ['a shape problem before a bad value', 'RecordAssistantReply', { ...without(reply, 'model'), conversationId: 'x' }, 'INVALID_PAYLOAD'],
  ['a DeleteConversation with a reason', 'DeleteConversation', { conversationId: CONV_A, reason: 'old' }, 'INVALID_PAYLOAD'],
  ['a StoreMemory naming a user', 'StoreMemory', { ...memory, userId: 'bob' }, 'INVALID_PAYLOAD'],
  ['a ForgetMemory with content', 'ForgetMemory', memory, 'INVALID_PAYLOAD'],
  // INVALID_CONVERSATION_ID
  ['a non-UUID conversation id', 'StartConversation', { conversationId: 'chat-1' }, 'INVALID_CONVERSATION_ID'],
  ['an uppercase conversation id', 'ChatTurn', { ...turn, conversationId: CONV_A.toUpperCase() }, 'INVALID_CONVERSATION_ID'],
  ['a numeric conversation id', 'DeleteConversation', { conversationId: 7 }, 'INVALID_CONVERSATION_ID'],
  ['a reply to a bad conversation id', 'RecordAssistantReply', { ...reply, conversationId: `{${CONV_A}}` }, 'INVALID_CONVERSATION_ID'],
  // INVALID_MESSAGE_ID
  ['a non-UUID message id', 'ChatTurn', { ...turn, messageId: 'm1' }, 'INVALID_MESSAGE_ID'],
  ['a bad replyTo', 'RecordAssistantReply', { ...reply, replyTo: MSG_1.replaceAll('-', '') }, 'INVALID_MESSAGE_ID'],
  ['a bad replyTo of a failure', 'RecordAssistantReply', { ...failure, replyTo: null }, 'INVALID_MESSAGE_ID'],
  // INVALID_MEMORY_ID
  ['a non-UUID memory id', 'StoreMemory', { ...memory, memoryId: 'likes-tea' }, 'INVALID_MEMORY_ID'],
  ['an uppercase memory id', 'ForgetMemory', { memoryId: MEMORY_A.toUpperCase() }, 'INVALID_MEMORY_ID'],
  // INVALID_USER_ID
  ['a reply for an invalid user id', 'RecordAssistantReply', { ...reply, userId: 'a b' }, 'INVALID_USER_ID'],
  ['a failure for an empty user id', 'RecordAssistantReply', { ...failure, userId: '' }, 'INVALID_USER_ID'],
  // INVALID_MODEL
  ['an empty model', 'StartConversation', { conversationId: CONV_A, model: '' }, 'INVALID_MODEL'],
  ['a model of 101 characters', 'StartConversation', { conversationId: CONV_A, model: 'm'.repeat(101) }, 'INVALID_MODEL'],
  ['a model with a space', 'RecordAssistantReply', { ...reply, model: 'claude sonnet' }, 'INVALID_MODEL'],
  ['a model with a slash', 'RecordAssistantReply', { ...reply, model: 'meta/llama-3' }, 'INVALID_MODEL'],
  ['a model that is a number', 'StartConversation', { conversationId: CONV_A, model: 4 }, 'INVALID_MODEL'],
  // INVALID_CONTENT
  ['a message box of 63 characters', 'ChatTurn', { ...turn, content: boxOf(63) }, 'INVALID_CONTENT'],
  ['a padded message box', 'ChatTurn', { ...turn, content: `${boxOf(66)}==` }, 'INVALID_CONTENT'],
  ['a message in plaintext', 'ChatTurn', { ...turn, content: 'What was our revenue in Q3 2026, broken down by region?' }, 'INVALID_CONTENT'],
  ['a legacy value as a message', 'ChatTurn', { ...turn, content: LEGACY }, 'INVALID_CONTENT'],
  ['a message box too long for any message', 'ChatTurn', { ...turn, content: boxOf(maxContentBoxLength(MAX_MESSAGE_BYTES) + 3) }, 'INVALID_CONTENT'],
  ['a reply box too long for any reply', 'RecordAssistantReply', { ...reply, content: boxOf(maxContentBoxLength(MAX_REPLY_BYTES) + 3) }, 'INVALID_CONTENT'],
  ['a memory box too long for any memory', 'StoreMemory', { ...memory, content: boxOf(maxContentBoxLength(MAX_MEMORY_BYTES) + 3) }, 'INVALID_CONTENT'],
  ['a memory that is an object', 'StoreMemory', { ...memory, content: { box: BOX } }, 'INVALID_CONTENT'],
  // INVALID_TOKEN_COUNT
  ['negative input tokens', 'RecordAssistantReply', { ...reply, inputTokens: -1 }, 'INVALID_TOKEN_COUNT'],
  ['fractional output tokens', 'RecordAssistantReply', { ...reply, outputTokens: 1.5 }, 'INVALID_TOKEN_COUNT'],
  ['output tokens beyond an Avro int', 'RecordAssistantReply', { ...reply, outputTokens: 2 ** 31 }, 'INVALID_TOKEN_COUNT'],
  ['token counts as strings', 'RecordAssistantReply', { ...reply, inputTokens: '120' }, 'INVALID_TOKEN_COUNT'],
  // INVALID_STOP_REASON
  ['an empty stop reason', 'RecordAssistantReply', { ...reply, stopReason: '' }, 'INVALID_STOP_REASON'],
  ['a stop reason with a space', 'RecordAssistantReply', { ...reply, stopReason: 'end turn' }, 'INVALID_STOP_REASON'],
  ['a stop reason of 65 characters', 'RecordAssistantReply', { ...reply, stopReason: 's'.repeat(65) }, 'INVALID_STOP_REASON'],
  // INVALID_FAILURE_REASON
  ['an unknown failure', 'RecordAssistantReply', { ...failure, failure: 'OOPS' }, 'INVALID_FAILURE_REASON'],
  ['a failure in the wrong case', 'RecordAssistantReply', { ...failure, failure: 'timeout' }, 'INVALID_FAILURE_REASON'],
  ['a failure that is a number', 'RecordAssistantReply', { ...failure, failure: 429 }, 'INVALID_FAILURE_REASON'],
  // order: declaration order of the fields
  ['a bad conversation id before a bad message id', 'ChatTurn', { conversationId: 'x', messageId: 'y', content: 'z' }, 'INVALID_CONVERSATION_ID'],
  ['a bad user id before a bad replyTo', 'RecordAssistantReply', { ...reply, userId: '', replyTo: 'y' }, 'INVALID_USER_ID'],
  ['bad content before a bad model', 'RecordAssistantReply', { ...reply, content: 'x', model: '' }, 'INVALID_CONTENT'],
  ['a bad model before bad tokens', 'RecordAssistantReply', { ...reply, model: '', inputTokens: -1 }, 'INVALID_MODEL'],
  ['bad input tokens before a bad stop reason', 'RecordAssistantReply', { ...reply, inputTokens: -1, stopReason: '' }, 'INVALID_TOKEN_COUNT'],
  ['a bad memory id before bad content', 'StoreMemory', { memoryId: 'x', content: 'y' }, 'INVALID_MEMORY_ID'],
];

describe('parseTenantCommand (chat commands)', () => {
  describe('when the input is invalid', () => {
    it.each(INVALID)('rejects %s', (_, type, payload, code) => {
      const result = parseTenantCommand(type, payload, type === 'RecordAssistantReply' ? worker : alice);
      expect(result.ok ? 'accepted' : result.rejection).toMatchObject({ code, authorization: false });
    });
  });

  describe('when a field is missing, extra or invalid', () => {
    const messageOf = (type: string, payload: unknown) => {
      const result = parseTenantCommand(type, payload, worker);
      return result.ok ? 'accepted' : result.rejection.message;
    };
    it('names content and failure when not exactly one is given', () => {
      expect(messageOf('RecordAssistantReply', { ...reply, failure: 'TIMEOUT' })).toContain('"content" and "failure"');
    });
    it('names the field a reply is missing, or a failure has too many', () => {
      expect(messageOf('RecordAssistantReply', without(reply, 'outputTokens'))).toContain('"outputTokens"');
      expect(messageOf('RecordAssistantReply', { ...failure, stopReason: 'end_turn' })).toContain('"stopReason"');
    });
    it('names the content field, never its value', () => {
      const text = 'What was our revenue in Q3 2026, broken down by region?';
      const message = messageOf('ChatTurn', { ...turn, content: text });
      expect(message).toContain('"content"');
      expect(message).not.toContain('revenue');
    });
  });

  describe('when the input is valid', () => {
    it('builds a StartConversation with and without a model (no model key when absent)', () => {
      expect(parseTenantCommand('StartConversation', { conversationId: CONV_A, model: 'mistral-large:2411' }, alice)).toStrictEqual({
        ok: true,
        command: { type: 'StartConversation', data: { conversationId: CONV_A, model: 'mistral-large:2411' }, metadata: alice },
      });
      const result = parseTenantCommand('StartConversation', { conversationId: CONV_A, model: undefined }, alice);
      expect(result.ok && result.command.data).toStrictEqual({ conversationId: CONV_A });
    });
    it('accepts models of 1 and 100 characters of [A-Za-z0-9._:-]', () => {
      for (const model of ['m', 'x'.repeat(100), 'claude-3.5-sonnet-v2', 'gpt-4o:2024-08-06', 'A.b:c']) {
        expect([model, parseTenantCommand('StartConversation', { conversationId: CONV_A, model }, alice).ok]).toStrictEqual([model, true]);
      }
    });
    it('builds a ChatTurn, a DeleteConversation, a StoreMemory and a ForgetMemory with exactly their fields', () => {
      for (const [type, payload] of [['ChatTurn', turn], ['DeleteConversation', { conversationId: CONV_A }], ['StoreMemory', memory], ['ForgetMemory', { memoryId: MEMORY_A }]] as const) {
        const result = parseTenantCommand(type, payload, alice);
        expect(result.ok && result.command).toStrictEqual({ type, data: payload, metadata: alice });
      }
    });
    it('builds a reply with exactly its fields, and without a stop reason key when none is given', () => {
      const full = parseTenantCommand('RecordAssistantReply', reply, worker);
      expect(full.ok && full.command.data).toStrictEqual(reply);
      const bare = parseTenantCommand('RecordAssistantReply', { ...reply, stopReason: undefined, failure: undefined }, worker);
      expect(bare.ok && bare.command.data).toStrictEqual(without(reply, 'stopReason'));
    });
    it('builds a failure with exactly its fields, for every failure reason', () => {
      for (const reason of CHAT_FAILURE_REASONS) {
        const result = parseTenantCommand('RecordAssistantReply', { ...failure, failure: reason, content: undefined }, worker);
        expect(result.ok && result.command.data).toStrictEqual({ ...failure, failure: reason });
      }
    });
    it('accepts token counts from 0 to 2^31-1', () => {
      expect(parseTenantCommand('RecordAssistantReply', { ...reply, inputTokens: 0, outputTokens: 2 ** 31 - 1 }, worker).ok).toBe(true);
    });
    it('accepts content boxes from 64 characters up to the longest a box of the limit can be', () => {
      expect(parseTenantCommand('ChatTurn', { ...turn, content: boxOf(64) }, alice).ok).toBe(true);
      expect(parseTenantCommand('ChatTurn', { ...turn, content: longestBox(MAX_MESSAGE_BYTES) }, alice).ok).toBe(true);
      expect(parseTenantCommand('RecordAssistantReply', { ...reply, content: longestBox(MAX_REPLY_BYTES) }, worker).ok).toBe(true);
      expect(parseTenantCommand('StoreMemory', { ...memory, content: longestBox(MAX_MEMORY_BYTES) }, alice).ok).toBe(true);
    });
    it('sizes content boxes so that a box holding exactly the limit passes (the processor enforces the limit)', () => {
      // crypto_box_seal adds 48 bytes; the header is the context and the binding (well under 1 KiB).
      const header = 'palisade/intake/v1\n'.length + 400;
      for (const limit of [MAX_MESSAGE_BYTES, MAX_REPLY_BYTES, MAX_MEMORY_BYTES]) {
        expect(maxContentBoxLength(limit)).toBeGreaterThanOrEqual(Math.ceil(((limit + 48 + header) * 4) / 3));
      }
    });
    it('lets a user send RecordAssistantReply through parsing: who may send it is decide\'s rule', () => {
      expect(parseTenantCommand('RecordAssistantReply', reply, alice).ok).toBe(true);
    });
  });
});
