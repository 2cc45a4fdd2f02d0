// The chat payload builders: content is sealed to the intake key under exactly the binding the
// domain will put in its PendingSecret, so a box opens only for that tenant, user, conversation
// and message (or reply, or memory); the payloads are exactly what parseTenantCommand accepts.
import { describe, expect, it } from 'vitest';
import {
  chatMessageBinding,
  chatReplyBinding,
  MAX_MEMORY_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_REPLY_BYTES,
  memoryBinding,
  parseTenantCommand,
} from '../../domain/tenant/index.ts';
import type { SecretBinding } from '../../domain/tenant/index.ts';
import { chatTurnPayload, failurePayload, replyPayload, startConversationPayload, storeMemoryPayload } from '../../producers/chat.ts';
import { PublishError } from '../../producers/errors.ts';
import { fromBase64Url } from '../../crypto/vault/encoding.ts';
import { VaultError } from '../../crypto/vault/errors.ts';
import { generateIntakeKeyPair, openIntake } from '../../crypto/vault/intake.ts';

const TENANT = '0b9e3c1a-4f2d-4c8e-9a7b-1d2e3f4a5b6c';
const OTHER_TENANT = 'f0e1d2c3-b4a5-4697-8899-aabbccddeeff';
const CONV = '2c000000-0000-4000-8000-00000000000a';
const OTHER_CONV = '2c000000-0000-4000-8000-00000000000b';
const MSG = '2d000000-0000-4000-8000-000000000001';
const OTHER_MSG = '2d000000-0000-4000-8000-000000000002';
const MEMORY = '2e000000-0000-4000-8000-00000000000a';
const TEXT = 'canary: what was our Q3 revenue in Zürich? 🙂';
const meta = (kind: 'user' | 'service', id: string) => ({ tenantId: TENANT, commandId: '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f', actor: { kind, id } });

const intake = generateIntakeKeyPair();
const opens = (box: unknown, binding: SecretBinding): string | undefined => {
  try {
    return openIntake(fromBase64Url(String(box))!, intake, binding).toString('utf8');
  } catch (error) {
    if (error instanceof VaultError && error.code === 'INTAKE_BINDING_MISMATCH') return undefined;
    throw error;
  }
};

describe('chatTurnPayload', () => {
  const payload = chatTurnPayload({ tenantId: TENANT, userId: 'bob', conversationId: CONV, messageId: MSG, text: TEXT }, intake.publicKey);
  it('is exactly the ChatTurn the domain parses, with no plaintext in it', () => {
    expect(Object.keys(payload)).toStrictEqual(['conversationId', 'messageId', 'content']);
    const parsed = parseTenantCommand('ChatTurn', payload, meta('user', 'bob'));
    expect(parsed.ok && parsed.command.data).toStrictEqual(payload);
    expect(JSON.stringify(payload)).not.toContain('canary');
  });
  it('opens under the message binding, and under no other user, tenant, conversation, message or purpose', () => {
    const binding = chatMessageBinding(TENANT, 'bob', CONV, MSG);
    expect(opens(payload['content'], binding)).toBe(TEXT);
    expect(opens(payload['content'], chatMessageBinding(TENANT, 'mallory', CONV, MSG))).toBeUndefined();
    expect(opens(payload['content'], chatMessageBinding(OTHER_TENANT, 'bob', CONV, MSG))).toBeUndefined();
    expect(opens(payload['content'], chatMessageBinding(TENANT, 'bob', OTHER_CONV, MSG))).toBeUndefined();
    expect(opens(payload['content'], chatMessageBinding(TENANT, 'bob', CONV, OTHER_MSG))).toBeUndefined();
    expect(opens(payload['content'], chatReplyBinding(TENANT, 'bob', CONV, MSG))).toBeUndefined();
  });
  it('accepts a message of exactly MAX_MESSAGE_BYTES and refuses one byte more, before sealing', () => {
    const atLimit = chatTurnPayload({ tenantId: TENANT, userId: 'bob', conversationId: CONV, messageId: MSG, text: 'a'.repeat(MAX_MESSAGE_BYTES) }, intake.publicKey);
    expect(parseTenantCommand('ChatTurn', atLimit, meta('user', 'bob')).ok).toBe(true);
    expect(() => chatTurnPayload({ tenantId: TENANT, userId: 'bob', conversationId: CONV, messageId: MSG, text: 'a'.repeat(MAX_MESSAGE_BYTES + 1) }, intake.publicKey))
      .toThrow(expect.objectContaining({ code: 'INVALID_COMMAND' }));
  });
  it('counts the limit in UTF-8 bytes', () => {
    const error = (() => {
      try {
        chatTurnPayload({ tenantId: TENANT, userId: 'bob', conversationId: CONV, messageId: MSG, text: '🙂'.repeat(MAX_MESSAGE_BYTES / 4 + 1) }, intake.publicKey);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(PublishError);
    expect(String((error as Error).message)).not.toContain('🙂');
  });
  it('takes bytes as well as text, and leaves the caller\'s bytes as they were', () => {
    const bytes = Buffer.from(TEXT, 'utf8');
    const fromBytes = chatTurnPayload({ tenantId: TENANT, userId: 'bob', conversationId: CONV, messageId: MSG, text: bytes }, intake.publicKey);
    expect(opens(fromBytes['content'], chatMessageBinding(TENANT, 'bob', CONV, MSG))).toBe(TEXT);
    expect(bytes.toString('utf8')).toBe(TEXT);
  });
});

describe('replyPayload and failurePayload', () => {
  const reply = { tenantId: TENANT, userId: 'bob', conversationId: CONV, replyTo: MSG, text: TEXT, model: 'claude-sonnet-4-5', inputTokens: 120, outputTokens: 45 };
  it('is exactly the RecordAssistantReply the domain parses, stop reason only when given', () => {
    const bare = replyPayload(reply, intake.publicKey);
    expect(Object.keys(bare)).toStrictEqual(['conversationId', 'userId', 'replyTo', 'content', 'model', 'inputTokens', 'outputTokens']);
    const full = replyPayload({ ...reply, stopReason: 'end_turn' }, intake.publicKey);
    expect(full['stopReason']).toBe('end_turn');
    for (const payload of [bare, full]) {
      const parsed = parseTenantCommand('RecordAssistantReply', payload, meta('service', 'svc-chat-worker'));
      expect(parsed.ok && parsed.command.data).toStrictEqual(payload);
      expect(JSON.stringify(payload)).not.toContain('canary');
    }
  });
  it('opens under the reply binding of the message answered, and not as the message itself or for another user', () => {
    const payload = replyPayload(reply, intake.publicKey);
    expect(opens(payload['content'], chatReplyBinding(TENANT, 'bob', CONV, MSG))).toBe(TEXT);
    expect(opens(payload['content'], chatMessageBinding(TENANT, 'bob', CONV, MSG))).toBeUndefined();
    expect(opens(payload['content'], chatReplyBinding(TENANT, 'mallory', CONV, MSG))).toBeUndefined();
    expect(opens(payload['content'], chatReplyBinding(TENANT, 'bob', CONV, OTHER_MSG))).toBeUndefined();
  });
  it('makes a box of a reply of exactly MAX_REPLY_BYTES that the domain accepts, for the longest user id', () => {
    const userId = `u${'x'.repeat(127)}`;
    const payload = replyPayload({ ...reply, userId, text: 'a'.repeat(MAX_REPLY_BYTES) }, intake.publicKey);
    expect(parseTenantCommand('RecordAssistantReply', payload, meta('service', 'svc-chat-worker')).ok).toBe(true);
    const memory = storeMemoryPayload({ tenantId: TENANT, userId, memoryId: MEMORY, text: 'a'.repeat(MAX_MEMORY_BYTES) }, intake.publicKey);
    expect(parseTenantCommand('StoreMemory', memory, meta('user', userId)).ok).toBe(true);
  });
  it('refuses a reply over MAX_REPLY_BYTES', () => {
    expect(() => replyPayload({ ...reply, text: 'a'.repeat(MAX_REPLY_BYTES + 1) }, intake.publicKey)).toThrow(expect.objectContaining({ code: 'INVALID_COMMAND' }));
  });
  it('builds a failure the domain parses, with no content', () => {
    const payload = failurePayload({ userId: 'bob', conversationId: CONV, replyTo: MSG, failure: 'NO_PROVIDER_KEY' });
    expect(payload).toStrictEqual({ conversationId: CONV, userId: 'bob', replyTo: MSG, failure: 'NO_PROVIDER_KEY' });
    const parsed = parseTenantCommand('RecordAssistantReply', payload, meta('service', 'svc-chat-worker'));
    expect(parsed.ok && parsed.command.data).toStrictEqual(payload);
  });
});

describe('storeMemoryPayload and startConversationPayload', () => {
  it('seals a memory under the memory binding only', () => {
    const payload = storeMemoryPayload({ tenantId: TENANT, userId: 'bob', memoryId: MEMORY, text: 'canary: prefers metric units' }, intake.publicKey);
    expect(Object.keys(payload)).toStrictEqual(['memoryId', 'content']);
    expect(parseTenantCommand('StoreMemory', payload, meta('user', 'bob')).ok).toBe(true);
    expect(opens(payload['content'], memoryBinding(TENANT, 'bob', MEMORY))).toBe('canary: prefers metric units');
    expect(opens(payload['content'], memoryBinding(TENANT, 'mallory', MEMORY))).toBeUndefined();
    expect(JSON.stringify(payload)).not.toContain('canary');
  });
  it('refuses a memory over MAX_MEMORY_BYTES', () => {
    expect(() => storeMemoryPayload({ tenantId: TENANT, userId: 'bob', memoryId: MEMORY, text: 'a'.repeat(MAX_MEMORY_BYTES + 1) }, intake.publicKey))
      .toThrow(expect.objectContaining({ code: 'INVALID_COMMAND' }));
  });
  it('starts a conversation with or without a model', () => {
    expect(startConversationPayload({ conversationId: CONV })).toStrictEqual({ conversationId: CONV });
    expect(startConversationPayload({ conversationId: CONV, model: 'gpt-4o' })).toStrictEqual({ conversationId: CONV, model: 'gpt-4o' });
    expect(parseTenantCommand('StartConversation', startConversationPayload({ conversationId: CONV, model: 'gpt-4o' }), meta('user', 'bob')).ok).toBe(true);
  });
});
