// The chat commands and events (issue 7) through their Avro schemas: every payload the domain
// parses or decides survives the wire unchanged, with the same hash; content is a SealedValue
// defined exactly as the vault events define it; and content the processor forgot to seal (a
// PendingSecret) cannot be encoded at all.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventHash } from '../../domain/chain/event-hash.ts';
import { parseTenantCommand, tenantDecider } from '../../domain/tenant/index.ts';
import type { TenantCommand, TenantEvent } from '../../domain/tenant/index.ts';
import { decodeEvent, decodePayload, encodeEvent, encodePayload } from '../../schemas/codec.ts';
import type { JsonObject, LogicalEvent } from '../../domain/logical.ts';
import { SCHEMAS_DIR, latestVersion, schemaRegistry } from '../../schemas/registry.ts';
import { codeThrownBy } from '../fixtures/errors.ts';
import {
  BOX,
  chatTurn,
  chatTurnRequested,
  CONV_A,
  CONV_B,
  conversationStarted,
  deleteConversation,
  forgetMemory,
  memberAdded,
  MEMORY_A,
  MEMORY_B,
  memoryStored,
  metadata,
  MSG_1,
  MSG_2,
  recordFailure,
  recordReply,
  logicalEventOf,
  service,
  startConversation,
  storeMemory,
  TENANT_ID,
  tenantCreated,
  tenantKeyRotated,
  user,
} from '../domain/tenant-fixtures.ts';

const CHAT_COMMANDS = ['StartConversation', 'ChatTurn', 'RecordAssistantReply', 'DeleteConversation', 'StoreMemory', 'ForgetMemory'] as const;
const CHAT_EVENTS = ['ConversationStarted', 'ChatTurnRequested', 'AssistantReplied', 'ChatTurnFailed', 'ConversationDeleted', 'MemoryStored', 'MemoryForgotten'] as const;
const SEALED_VALUE_IN = ['ChatTurnRequested', 'AssistantReplied', 'MemoryStored'] as const;

type Field = { name: string; type: unknown };
const fieldsOf = (group: string, type: string): Field[] =>
  (JSON.parse(readFileSync(join(SCHEMAS_DIR, group, `${type}.v1.avsc`), 'utf8')) as { fields: Field[] }).fields;
const typeOf = (group: string, type: string, name: string): unknown => fieldsOf(group, type).find((f) => f.name === name)?.type;

describe('chat schemas', () => {
  it('exist, at version 1, for every chat command and event', () => {
    for (const type of CHAT_COMMANDS) expect([type, latestVersion('commands', type)]).toStrictEqual([type, 1]);
    for (const type of CHAT_EVENTS) expect([type, latestVersion('events', type)]).toStrictEqual([type, 1]);
  });
  it('define content as the vault\'s palisade.events.SealedValue, inline and identical, required', () => {
    const reference = typeOf('events', 'ProviderKeyRotated', 'secret');
    expect(reference).toMatchObject({ type: 'record', name: 'SealedValue', namespace: 'palisade.events' });
    for (const type of SEALED_VALUE_IN) expect([type, typeOf('events', type, 'content')]).toStrictEqual([type, reference]);
  });
  it('carry content in commands as a string (the intake box)', () => {
    expect(typeOf('commands', 'ChatTurn', 'content')).toBe('string');
    expect(typeOf('commands', 'StoreMemory', 'content')).toBe('string');
    expect(typeOf('commands', 'RecordAssistantReply', 'content')).toStrictEqual(['null', 'string']);
  });
  it('use int for bytes and token counts, and plain strings for model, stop reason and failure reason', () => {
    const expected: Record<string, Record<string, unknown>> = {
      ChatTurnRequested: { bytes: 'int' },
      MemoryStored: { bytes: 'int' },
      AssistantReplied: { bytes: 'int', inputTokens: 'int', outputTokens: 'int', model: 'string', stopReason: ['null', 'string'] },
      ChatTurnFailed: { reason: 'string' },
      ConversationStarted: { model: ['null', 'string'] },
    };
    for (const [type, fields] of Object.entries(expected)) {
      for (const [name, avro] of Object.entries(fields)) expect([type, name, typeOf('events', type, name)]).toStrictEqual([type, name, avro]);
    }
    expect(typeOf('commands', 'RecordAssistantReply', 'inputTokens')).toStrictEqual(['null', 'int']);
    expect(typeOf('commands', 'RecordAssistantReply', 'failure')).toStrictEqual(['null', 'string']);
  });
  it('mirror the payload types field for field, in declaration order', () => {
    expect(fieldsOf('events', 'AssistantReplied').map((f) => f.name)).toStrictEqual([
      'conversationId', 'userId', 'replyTo', 'bytes', 'content', 'model', 'inputTokens', 'outputTokens', 'stopReason',
    ]);
    expect(fieldsOf('commands', 'RecordAssistantReply').map((f) => f.name)).toStrictEqual([
      'conversationId', 'userId', 'replyTo', 'content', 'model', 'inputTokens', 'outputTokens', 'stopReason', 'failure',
    ]);
    expect(schemaRegistry.get('ChatTurnRequested', 1)).toMatchObject({ fullName: 'palisade.events.ChatTurnRequested', group: 'events' });
  });
});

// Each valid payload, exactly as parseTenantCommand accepts it.
const COMMAND_PAYLOADS: readonly (readonly [string, JsonObject])[] = [
  ['StartConversation', { conversationId: CONV_A }],
  ['StartConversation', { conversationId: CONV_A, model: 'claude-sonnet-4-5' }],
  ['ChatTurn', { conversationId: CONV_A, messageId: MSG_1, content: BOX }],
  ['RecordAssistantReply', { conversationId: CONV_A, userId: 'bob', replyTo: MSG_1, content: BOX, model: 'gpt-4o', inputTokens: 0, outputTokens: 2147483647 }],
  ['RecordAssistantReply', { conversationId: CONV_A, userId: 'bob', replyTo: MSG_1, content: BOX, model: 'gpt-4o', inputTokens: 12, outputTokens: 3, stopReason: 'max_tokens' }],
  ['RecordAssistantReply', { conversationId: CONV_A, userId: 'bob', replyTo: MSG_1, failure: 'KEY_REJECTED' }],
  ['DeleteConversation', { conversationId: CONV_A }],
  ['StoreMemory', { memoryId: MEMORY_A, content: BOX }],
  ['ForgetMemory', { memoryId: MEMORY_A }],
];

describe('chat command payloads', () => {
  it('cover every chat command', () => {
    expect(new Set(COMMAND_PAYLOADS.map(([type]) => type))).toStrictEqual(new Set(CHAT_COMMANDS));
  });
  it.each(COMMAND_PAYLOADS.map(([type, payload]) => [type, Object.keys(payload).join(','), payload] as const))(
    '%s {%s}: parsed by the domain, identical after Avro',
    (type, _, payload) => {
      const parsed = parseTenantCommand(type, payload, metadata(type === 'RecordAssistantReply' ? service() : user('alice')));
      expect(parsed.ok && parsed.command.data).toStrictEqual(payload);
      expect(decodePayload(encodePayload(type, 1, payload))).toStrictEqual({ type, version: 1, group: 'commands', payload });
    },
  );
  it('refuse an explicit null for an absent field', () => {
    expect(codeThrownBy(() => encodePayload('RecordAssistantReply', 1, { conversationId: CONV_A, userId: 'bob', replyTo: MSG_1, failure: 'TIMEOUT', content: null }))).toBe('SCHEMA_MISMATCH');
  });
});

/** What the processor does before hashing: seal every PendingSecret, fill `bytes`. */
const logicalEvent = (event: TenantEvent, seq: number): LogicalEvent => logicalEventOf(event, seq, (data) => {
  if (data['bytes'] === 0) data['bytes'] = 1234;
});

const HISTORY: readonly TenantEvent[] = [
  tenantCreated('alice'),
  memberAdded('bob', 'member'),
  tenantKeyRotated(2),
  conversationStarted('bob', CONV_A),
  chatTurnRequested('bob', CONV_A, MSG_1),
  chatTurnRequested('bob', CONV_A, MSG_2),
  memoryStored('bob', MEMORY_A),
];
const bob = user('bob');
const worker = service('svc-chat-worker');
const DECIDED: readonly TenantCommand[] = [
  startConversation(bob, CONV_B, 'claude-sonnet-4-5'),
  startConversation(bob, CONV_B),
  chatTurn(bob, CONV_A, '2d000000-0000-4000-8000-000000000003'),
  recordReply(worker, 'bob', CONV_A, MSG_1, { stopReason: 'end_turn' }),
  recordReply(worker, 'bob', CONV_A, MSG_1),
  recordFailure(worker, 'bob', CONV_A, MSG_2, 'OVERLOADED'),
  deleteConversation(bob, CONV_A),
  storeMemory(bob, MEMORY_B),
  forgetMemory(bob, MEMORY_A),
];

describe('chat events as decided', () => {
  const state = HISTORY.reduce(tenantDecider.evolve, tenantDecider.initialState());
  const events = DECIDED.flatMap((command) => {
    const decision = tenantDecider.decide(command, state);
    if (!decision.ok) throw new Error(`${command.type}: ${decision.rejection.code}`);
    return decision.events;
  });

  it('cover every chat event', () => {
    expect(new Set(events.map((e) => e.type))).toStrictEqual(new Set(CHAT_EVENTS));
  });
  it.each(events.map((event, i) => [event.type, i, event] as const))('%s #%i, once sealed: identical JSON and hash through EventEnvelope', (_, i, event) => {
    const logical = logicalEvent(event, i + 1);
    const hash = eventHash(logical);
    const decoded = decodeEvent(encodeEvent(logical, hash));
    expect(decoded.event).toStrictEqual(logical);
    expect(eventHash(decoded.event)).toBe(hash);
  });
  const withContent = events.filter((e) => Object.values(e.data).some((v) => typeof v === 'object' && v !== null));
  it('hold content pending in exactly the events with a SealedValue', () => {
    expect([...new Set(withContent.map((e) => e.type))].sort()).toStrictEqual([...SEALED_VALUE_IN].sort());
  });
  it.each(withContent.map((e) => [e.type, e] as const))('%s with its PendingSecret still in place cannot be encoded (SCHEMA_MISMATCH)', (type, event) => {
    expect(codeThrownBy(() => encodePayload(type, 1, event.data))).toBe('SCHEMA_MISMATCH');
  });
  it.each(withContent.map((e) => [e.type, e] as const))('%s with its PendingSecret in place cannot be put in an envelope either', (type, event) => {
    const logical = { ...logicalEvent(event, 1), payload: event.data as unknown as JsonObject };
    expect([type, codeThrownBy(() => encodeEvent(logical, '0'.repeat(64)))]).toStrictEqual([type, 'SCHEMA_MISMATCH']);
  });
});
