// One chat turn with injected readers, the real SecretOpener over an in-memory vault, and a
// stand-in provider: what is read (only this tenant, user and conversation), when the key is
// opened (after the prompt, for the call only), and which reply or failure comes out.
import { afterAll, describe, expect, it } from 'vitest';
import type { ProviderCall, ProviderResult } from '../../consumers/chat-worker/provider.ts';
import { parseTurnRequest, replyCommandData, replyCommandId, runTurn, type TurnConfig, type TurnDeps, type TurnScope } from '../../consumers/chat-worker/turn.ts';
import { OpenerError, type SecretRef } from '../../consumers/vault/secret-opener.ts';
import { MAX_REPLY_BYTES } from '../../domain/tenant/chat-types.ts';
import type { LogicalEvent } from '../../domain/logical.ts';
import { KeyVault } from './support/key-vault.ts';

const TENANT = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const CONVERSATION = '0b1c2d3e-4f50-4a61-8b72-c3d4e5f60718';
const MESSAGE = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const EVENT_ID = '9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a';
const SEALED = { v: 2, kid: 'dek-alice', kv: 1, n: 'bm9uY2U', ct: 'Y2lwaGVy' };

const vault = new KeyVault();
vault.storeAnthropicKey(TENANT, 'alice', 'sk-ant-alice-0000000000000000');
afterAll(() => vault.destroy());

function turnEvent(overrides: Partial<LogicalEvent> = {}, payload: Record<string, unknown> = {}): LogicalEvent {
  return {
    tenantId: TENANT,
    seq: 7,
    prevHash: '00'.repeat(32),
    eventId: EVENT_ID,
    type: 'ChatTurnRequested',
    schemaVersion: 1,
    occurredAt: '2026-11-23T10:00:00.000Z',
    actor: { kind: 'user', id: 'alice' },
    commandId: '5d4c3b2a-1908-4f7e-8d6c-5b4a39281706',
    payload: { conversationId: CONVERSATION, messageId: MESSAGE, userId: 'alice', bytes: 5, content: SEALED, ...payload } as LogicalEvent['payload'],
    ...overrides,
  };
}

const CONFIG: TurnConfig = { defaultModel: 'claude-default', maxTokens: 512, timeoutMs: 5_000, memoryLimit: 3 };

interface Harness {
  deps: TurnDeps;
  calls: string[];
  scopes: unknown[];
  providerCalls: { call: ProviderCall; key: string }[];
  refs: SecretRef[];
}

function harness(options: {
  status?: 'active' | 'gone';
  answered?: boolean;
  conversation?: 'gone' | { model?: string };
  message?: string | undefined;
  provider?: ProviderResult | ((call: ProviderCall) => Promise<ProviderResult>);
  opener?: TurnDeps['withProviderKey'];
} = {}): Harness {
  const h: Harness = { deps: undefined as never, calls: [], scopes: [], providerCalls: [], refs: [] };
  const provider = options.provider ?? { ok: true, text: 'hello back', model: 'claude-x-1', inputTokens: 10, outputTokens: 3, stopReason: 'end_turn', attempts: 1 };
  h.deps = {
    userStatus: async (tenantId, userId) => {
      h.calls.push('userStatus');
      h.scopes.push({ tenantId, userId });
      return options.status ?? 'active';
    },
    isAnswered: async (scope: TurnScope, messageId) => {
      h.calls.push('isAnswered');
      h.scopes.push({ ...scope, messageId });
      return options.answered ?? false;
    },
    loadConversation: async (scope, messageId) => {
      h.calls.push('loadConversation');
      h.scopes.push({ ...scope, messageId });
      if (options.conversation === 'gone') return undefined;
      return { ...options.conversation, history: [{ role: 'user', text: 'earlier question' }, { role: 'assistant', text: 'earlier answer' }] };
    },
    openMessage: async (request) => {
      h.calls.push('openMessage');
      h.scopes.push({ tenantId: request.tenantId, userId: request.userId, conversationId: request.conversationId, messageId: request.messageId, content: request.content });
      return 'message' in options ? options.message : 'what about tea?';
    },
    recallMemories: async (tenantId, userId, query, limit) => {
      h.calls.push('recallMemories');
      h.scopes.push({ tenantId, userId, query, limit });
      return [{ text: 'prefers green tea' }];
    },
    withProviderKey: (ref, use) => {
      h.calls.push('withProviderKey');
      h.refs.push(ref);
      return options.opener === undefined ? vault.opener.use(ref, use) : options.opener(ref, use);
    },
    callProvider: async (call) => {
      h.calls.push('callProvider');
      h.providerCalls.push({ call, key: call.apiKey.toString('utf8') });
      return typeof provider === 'function' ? provider(call) : provider;
    },
  };
  return h;
}

describe('parseTurnRequest', () => {
  it('when the event is of another type, it is not a turn', () => {
    expect(parseTurnRequest(turnEvent({ type: 'MemberAdded' }))).toEqual({ ok: false, reason: 'NOT_A_TURN' });
  });

  it.each([
    ['a bad user id', { userId: '' }],
    ['no conversation', { conversationId: 3 }],
    ['a message id that is not a canonical UUID', { messageId: MESSAGE.toUpperCase() }],
    ['no content', { content: 'box' }],
  ])('when the payload has %s, it is malformed', (_, payload) => {
    expect(parseTurnRequest(turnEvent({}, payload))).toEqual({ ok: false, reason: 'MALFORMED' });
  });
});

describe('runTurn', () => {
  it('answers with the reply, reading only this tenant, user and conversation', async () => {
    const h = harness();
    const outcome = await runTurn(turnEvent(), h.deps, CONFIG);
    expect(outcome).toEqual({
      kind: 'reply',
      commandId: replyCommandId(TENANT, EVENT_ID),
      tenantId: TENANT,
      reply: { conversationId: CONVERSATION, userId: 'alice', replyTo: MESSAGE, text: 'hello back', model: 'claude-x-1', inputTokens: 10, outputTokens: 3, stopReason: 'end_turn' },
    });
    for (const scope of h.scopes) expect(scope).toMatchObject({ tenantId: TENANT, userId: 'alice' });
    expect(h.scopes.filter((s) => 'conversationId' in (s as object))).toHaveLength(3);
    for (const s of h.scopes) if ('conversationId' in (s as object)) expect(s).toMatchObject({ conversationId: CONVERSATION, messageId: MESSAGE });
    expect(h.scopes).toContainEqual({ tenantId: TENANT, userId: 'alice', conversationId: CONVERSATION, messageId: MESSAGE, content: SEALED });
    expect(h.scopes).toContainEqual({ tenantId: TENANT, userId: 'alice', query: 'what about tea?', limit: 3 });
  });

  it("opens exactly this user's Anthropic key, after the prompt is built, for the call only", async () => {
    const h = harness();
    await runTurn(turnEvent(), h.deps, CONFIG);
    expect(h.calls).toEqual(['isAnswered', 'userStatus', 'loadConversation', 'openMessage', 'recallMemories', 'withProviderKey', 'callProvider']);
    expect(h.refs).toEqual([{ tenantId: TENANT, userId: 'alice', target: 'provider-key', provider: 'anthropic' }]);
    expect(h.providerCalls[0]!.key).toBe('sk-ant-alice-0000000000000000');
    // The opener zeroed the key when the call settled.
    expect(h.providerCalls[0]!.call.apiKey.every((b) => b === 0)).toBe(true);
  });

  it('sends the prompt built from the history, the memories and the message', async () => {
    const h = harness();
    await runTurn(turnEvent(), h.deps, CONFIG);
    const call = h.providerCalls[0]!.call;
    expect(call).toMatchObject({ model: 'claude-default', maxTokens: 512, timeoutMs: 5_000 });
    expect(call.prompt.messages).toEqual([
      { role: 'user', content: 'earlier question' },
      { role: 'assistant', content: 'earlier answer' },
      { role: 'user', content: 'what about tea?' },
    ]);
    expect(call.prompt.system).toContain('- "prefers green tea"');
  });

  it("uses the conversation's model when it names one", async () => {
    const h = harness({ conversation: { model: 'claude-chosen' } });
    await runTurn(turnEvent(), h.deps, CONFIG);
    expect(h.providerCalls[0]!.call.model).toBe('claude-chosen');
  });

  it('recalls no memories when memoryLimit is 0', async () => {
    const h = harness();
    await runTurn(turnEvent(), h.deps, { ...CONFIG, memoryLimit: 0 });
    expect(h.calls).not.toContain('recallMemories');
  });

  it('derives one command id per message event: a redelivery sends the same command', async () => {
    const first = await runTurn(turnEvent(), harness().deps, CONFIG);
    const again = await runTurn(turnEvent(), harness({ provider: { ok: false, reason: 'OVERLOADED', attempts: 3 } }).deps, CONFIG);
    const other = await runTurn(turnEvent({ eventId: '0e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a' }), harness().deps, CONFIG);
    expect(first.kind === 'reply' && again.kind === 'reply' && first.commandId === again.commandId).toBe(true);
    expect(first.kind === 'reply' && other.kind === 'reply' && first.commandId !== other.commandId).toBe(true);
    expect(replyCommandId(TENANT, EVENT_ID)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('skips events that are not turns, or malformed', async () => {
    expect(await runTurn(turnEvent({ type: 'MemoryStored' }), harness().deps, CONFIG)).toEqual({ kind: 'skip', reason: 'NOT_A_TURN' });
    expect(await runTurn(turnEvent({}, { userId: 'bad id' }), harness().deps, CONFIG)).toEqual({ kind: 'skip', reason: 'MALFORMED' });
  });

  it('skips a message already answered, without opening the key', async () => {
    const h = harness({ answered: true });
    expect(await runTurn(turnEvent(), h.deps, CONFIG)).toEqual({ kind: 'skip', reason: 'ALREADY_ANSWERED' });
    expect(h.calls).toEqual(['isAnswered']);
  });

  it('skips a turn of a deleted conversation', async () => {
    const h = harness({ conversation: 'gone' });
    expect(await runTurn(turnEvent(), h.deps, CONFIG)).toEqual({ kind: 'skip', reason: 'CONVERSATION_GONE' });
    expect(h.calls).not.toContain('withProviderKey');
  });

  it('fails with USER_GONE when the user is gone, without reading or opening anything', async () => {
    const h = harness({ status: 'gone' });
    const outcome = await runTurn(turnEvent(), h.deps, CONFIG);
    expect(outcome).toMatchObject({ kind: 'reply', reply: { failure: 'USER_GONE', replyTo: MESSAGE } });
    expect(h.calls).toEqual(['isAnswered', 'userStatus']);
  });

  it('fails with USER_GONE when the message no longer opens (its key was shredded)', async () => {
    const h = harness({ message: undefined });
    expect(await runTurn(turnEvent(), h.deps, CONFIG)).toMatchObject({ kind: 'reply', reply: { failure: 'USER_GONE' } });
    expect(h.calls).not.toContain('withProviderKey');
  });

  it('fails with NO_PROVIDER_KEY when the user stored no key', async () => {
    const h = harness();
    const event = turnEvent({ actor: { kind: 'user', id: 'bob' } }, { userId: 'bob' });
    expect(await runTurn(event, h.deps, CONFIG)).toMatchObject({ kind: 'reply', reply: { userId: 'bob', failure: 'NO_PROVIDER_KEY' } });
    expect(h.calls).not.toContain('callProvider');
  });

  it("fails with NO_PROVIDER_KEY when the key's DEK was destroyed", async () => {
    const local = new KeyVault();
    local.storeAnthropicKey(TENANT, 'alice', 'sk-ant-alice-0000000000000000');
    local.erase(TENANT, 'alice');
    const h = harness({ opener: (ref, use) => local.opener.use(ref, use) });
    expect(await runTurn(turnEvent(), h.deps, CONFIG)).toMatchObject({ reply: { failure: 'NO_PROVIDER_KEY' } });
    local.destroy();
  });

  it('fails with NO_PROVIDER_KEY when the stored key does not open', async () => {
    const h = harness({ opener: async () => Promise.reject(new OpenerError('SECRET_UNREADABLE', 'x')) });
    expect(await runTurn(turnEvent(), h.deps, CONFIG)).toMatchObject({ reply: { failure: 'NO_PROVIDER_KEY' } });
  });

  it('throws (to be retried, not failed) on a missing legacy secret or an infrastructure error', async () => {
    await expect(runTurn(turnEvent(), harness({ opener: async () => Promise.reject(new OpenerError('LEGACY_SECRET_MISSING', 'x')) }).deps, CONFIG)).rejects.toThrow(OpenerError);
    await expect(runTurn(turnEvent(), harness({ opener: async () => Promise.reject(new Error('connection refused')) }).deps, CONFIG)).rejects.toThrow('connection refused');
  });

  it.each(['KEY_REJECTED', 'RATE_LIMITED', 'OVERLOADED', 'TIMEOUT', 'PROVIDER_ERROR'] as const)('fails with the provider failure %s', async (reason) => {
    const h = harness({ provider: { ok: false, reason, attempts: 1 } });
    expect(await runTurn(turnEvent(), h.deps, CONFIG)).toMatchObject({ kind: 'reply', reply: { failure: reason } });
  });

  it('fails with PROVIDER_ERROR on an empty reply', async () => {
    const h = harness({ provider: { ok: true, text: '  ', model: 'm', inputTokens: 1, outputTokens: 0, stopReason: 'refusal', attempts: 1 } });
    expect(await runTurn(turnEvent(), h.deps, CONFIG)).toMatchObject({ reply: { failure: 'PROVIDER_ERROR' } });
  });

  it('cuts a reply over the reply limit', async () => {
    const h = harness({ provider: { ok: true, text: 'x'.repeat(MAX_REPLY_BYTES + 10), model: 'm', inputTokens: 1, outputTokens: 9, stopReason: 'max_tokens', attempts: 1 } });
    const outcome = await runTurn(turnEvent(), h.deps, CONFIG);
    expect(outcome.kind === 'reply' && outcome.reply.text?.length).toBe(MAX_REPLY_BYTES);
  });
});

describe('replyCommandData', () => {
  const base = { conversationId: CONVERSATION, userId: 'alice', replyTo: MESSAGE };

  it('seals the reply text through the given sealer', () => {
    const sealed: string[] = [];
    const data = replyCommandData({ ...base, text: 'hi', model: 'm', inputTokens: 1, outputTokens: 2, stopReason: 'end_turn' }, (text) => {
      sealed.push(text);
      return 'BOX';
    });
    expect(sealed).toEqual(['hi']);
    expect(data).toEqual({ ...base, content: 'BOX', model: 'm', inputTokens: 1, outputTokens: 2, stopReason: 'end_turn' });
  });

  it('carries a failure without content', () => {
    expect(replyCommandData({ ...base, failure: 'NO_PROVIDER_KEY' }, () => 'never')).toEqual({ ...base, failure: 'NO_PROVIDER_KEY' });
  });
});
