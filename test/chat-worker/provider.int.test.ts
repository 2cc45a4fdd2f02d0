// The real @anthropic-ai/sdk against the local fake Messages API (test/support/fake-anthropic.ts):
// each call carries exactly the given user's key, each failure maps to its reason, 429 and 529
// are retried as the policy says (asserted by attempt counts, never by elapsed time), and no key,
// raw provider body or provider message reaches a result or a log line.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callAnthropic, ProviderAbortedError, type ChatLogger, type ProviderCall } from '../../consumers/chat-worker/provider.ts';
import { runTurn, type TurnDeps } from '../../consumers/chat-worker/turn.ts';
import { allocSecure, type SecureBuffer } from '../../crypto/secure-memory.ts';
import type { LogicalEvent } from '../../domain/logical.ts';
import { fake, FakeAnthropic } from '../support/fake-anthropic.ts';
import { KeyVault } from './support/key-vault.ts';

const ALICE_KEY = 'sk-ant-api03-alice-AAAAAAAAAAAAAAAAAAAAAAAA';
const BOB_KEY = 'sk-ant-api03-bob-BBBBBBBBBBBBBBBBBBBBBBBBBB';
const PROMPT = { system: 'be brief', messages: [{ role: 'user' as const, content: 'hello there' }] };

let server: FakeAnthropic;
let lines: string[];
let log: ChatLogger;

beforeAll(async () => {
  server = await FakeAnthropic.start();
});
afterAll(async () => server?.close());
beforeEach(() => {
  server.reset();
  lines = [];
  log = {
    info: (obj, msg) => lines.push(JSON.stringify({ level: 'info', msg, ...obj })),
    warn: (obj, msg) => lines.push(JSON.stringify({ level: 'warn', msg, ...obj })),
  };
});

function secure(text: string): SecureBuffer {
  const bytes = Buffer.from(text, 'utf8');
  const buffer = allocSecure(bytes.byteLength);
  bytes.copy(buffer);
  return buffer;
}

function call(apiKey: string, extra: Partial<ProviderCall> = {}): ProviderCall {
  return { apiKey: secure(apiKey), baseURL: server.baseURL, model: 'claude-test', maxTokens: 256, timeoutMs: 5_000, prompt: PROMPT, log, ...extra };
}

/** Nothing secret or raw in what came back and what was logged. */
function expectSanitised(result: unknown, ...keys: string[]): void {
  const seen = [JSON.stringify(result), ...lines].join('\n');
  for (const key of keys) expect(seen).not.toContain(key);
  expect(seen).not.toContain('sk-ant');
  expect(seen).not.toContain('FAKE-RAW');
  expect(seen).not.toContain('"error"');
}

describe('callAnthropic with the real SDK', () => {
  it('sends exactly the given key, the model, the limits and the prompt, and returns the reply', async () => {
    const result = await callAnthropic(call(ALICE_KEY));
    expect(result).toEqual({ ok: true, text: 'reply to hello there', model: 'claude-test', inputTokens: expect.any(Number), outputTokens: expect.any(Number), stopReason: 'end_turn', attempts: 1 });
    expect(server.requests).toHaveLength(1);
    const request = server.requests[0]!;
    expect(request.apiKey).toBe(ALICE_KEY);
    // SDK 1.x sends the key as a bearer token, and nothing else that could carry one.
    expect(request.headers['authorization']).toBe(`Bearer ${ALICE_KEY}`);
    expect(request.headers['x-api-key']).toBeUndefined();
    expect(request.headers['anthropic-version']).toBeDefined();
    expect(request.body).toEqual({ model: 'claude-test', max_tokens: 256, system: 'be brief', messages: [{ role: 'user', content: 'hello there' }] });
    expectSanitised(result, ALICE_KEY);
  });

  it("never mixes users' keys: each request carries its caller's key only", async () => {
    const results = await Promise.all([ALICE_KEY, BOB_KEY, ALICE_KEY, BOB_KEY].map((key) => callAnthropic(call(key))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(server.requestsWith(ALICE_KEY)).toHaveLength(2);
    expect(server.requestsWith(BOB_KEY)).toHaveLength(2);
    for (const request of server.requests) {
      const header = request.headers['authorization'] ?? '';
      expect([`Bearer ${ALICE_KEY}`, `Bearer ${BOB_KEY}`]).toContain(header);
    }
  });

  it('maps 401 to KEY_REJECTED without retrying', async () => {
    server.always(ALICE_KEY, fake.authError());
    const result = await callAnthropic(call(ALICE_KEY));
    expect(result).toEqual({ ok: false, reason: 'KEY_REJECTED', attempts: 1 });
    expect(server.requests).toHaveLength(1);
    // The failure was logged (so the check below looked at a real line): reason and status only.
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([{ level: 'warn', msg: 'provider call failed', attempt: 1, reason: 'KEY_REJECTED', status: 401 }]);
    expectSanitised(result, ALICE_KEY);
  });

  it('retries a 429 after its retry-after, then answers', async () => {
    server.script(ALICE_KEY, fake.rateLimited(1));
    const result = await callAnthropic(call(ALICE_KEY));
    expect(result).toMatchObject({ ok: true, text: 'reply to hello there', attempts: 2 });
    expect(server.requestsWith(ALICE_KEY).map((r) => r.status)).toEqual([429, 200]);
    expectSanitised(result, ALICE_KEY);
  });

  it('honours retry-after between attempts and gives up as RATE_LIMITED after maxAttempts', async () => {
    server.always(ALICE_KEY, fake.rateLimited(2));
    const waits: number[] = [];
    const result = await callAnthropic(call(ALICE_KEY, { retry: { maxAttempts: 3 }, sleep: async (ms) => void waits.push(ms) }));
    expect(result).toEqual({ ok: false, reason: 'RATE_LIMITED', retryAfterMs: 2000, attempts: 3 });
    expect(waits).toEqual([2000, 2000]);
    expect(server.requests).toHaveLength(3);
    expectSanitised(result, ALICE_KEY);
  });

  it('does not wait for a retry-after longer than maxRetryAfterMs: RATE_LIMITED with it at once', async () => {
    server.always(ALICE_KEY, fake.rateLimited(120));
    const result = await callAnthropic(call(ALICE_KEY, { retry: { maxRetryAfterMs: 10_000 } }));
    expect(result).toEqual({ ok: false, reason: 'RATE_LIMITED', retryAfterMs: 120_000, attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it('retries 529 with backoff, then answers', async () => {
    server.script(ALICE_KEY, fake.overloaded(), fake.overloaded());
    const waits: number[] = [];
    const result = await callAnthropic(call(ALICE_KEY, { retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 15 }, sleep: async (ms) => void waits.push(ms) }));
    expect(result).toMatchObject({ ok: true, attempts: 3 });
    expect(waits).toEqual([10, 15]);
    expect(server.requests.map((r) => r.status)).toEqual([529, 529, 200]);
  });

  it('maps persistent 529 to OVERLOADED after maxAttempts', async () => {
    server.always(ALICE_KEY, fake.overloaded());
    const result = await callAnthropic(call(ALICE_KEY, { retry: { maxAttempts: 2, baseDelayMs: 1 } }));
    expect(result).toEqual({ ok: false, reason: 'OVERLOADED', attempts: 2 });
    expect(server.requests).toHaveLength(2);
    expectSanitised(result, ALICE_KEY);
  });

  it('maps a response slower than timeoutMs to TIMEOUT, without retrying', async () => {
    server.always(ALICE_KEY, fake.delay(3_000));
    const result = await callAnthropic(call(ALICE_KEY, { timeoutMs: 150 }));
    expect(result).toEqual({ ok: false, reason: 'TIMEOUT', attempts: 1 });
    expect(server.requests).toHaveLength(1);
    expectSanitised(result, ALICE_KEY);
  });

  it('maps 500 to PROVIDER_ERROR without retrying', async () => {
    server.always(ALICE_KEY, fake.serverError());
    const result = await callAnthropic(call(ALICE_KEY));
    expect(result).toEqual({ ok: false, reason: 'PROVIDER_ERROR', attempts: 1 });
    expect(server.requests).toHaveLength(1);
    expectSanitised(result, ALICE_KEY);
  });

  it('maps an unreachable provider to PROVIDER_ERROR', async () => {
    const gone = await FakeAnthropic.start();
    const baseURL = gone.baseURL;
    await gone.close();
    const result = await callAnthropic(call(ALICE_KEY, { baseURL }));
    expect(result).toEqual({ ok: false, reason: 'PROVIDER_ERROR', attempts: 1 });
    expectSanitised(result, ALICE_KEY);
  });

  it('rejects with ProviderAbortedError when aborted (shutdown is not a turn failure)', async () => {
    server.always(ALICE_KEY, fake.delay(3_000));
    const controller = new AbortController();
    const pending = callAnthropic(call(ALICE_KEY, { signal: controller.signal }));
    while (server.requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(ProviderAbortedError);
  });

  it('is not steered by ANTHROPIC_* variables of the process', async () => {
    const saved = { ...process.env };
    process.env['ANTHROPIC_API_KEY'] = 'sk-ant-from-env';
    process.env['ANTHROPIC_AUTH_TOKEN'] = 'token-from-env';
    process.env['ANTHROPIC_BASE_URL'] = 'http://127.0.0.1:1';
    try {
      const result = await callAnthropic(call(BOB_KEY));
      expect(result.ok).toBe(true);
      expect(server.requests[0]!.headers['authorization']).toBe(`Bearer ${BOB_KEY}`);
    } finally {
      for (const name of ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL']) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
  });
});

describe('a turn end to end (real opener, real SDK, fake provider)', () => {
  const TENANT = '3c9f1e2d-7a6b-4c5d-8e9f-0a1b2c3d4e5f';
  const vault = new KeyVault();
  vault.storeAnthropicKey(TENANT, 'alice', ALICE_KEY);
  vault.storeAnthropicKey(TENANT, 'bob', BOB_KEY);
  afterAll(() => vault.destroy());

  const event = (userId: string, n: number): LogicalEvent => ({
    tenantId: TENANT,
    seq: n,
    prevHash: '00'.repeat(32),
    eventId: `00000000-0000-4000-8000-00000000000${n}`,
    type: 'ChatTurnRequested',
    schemaVersion: 1,
    occurredAt: '2026-11-23T10:00:00.000Z',
    actor: { kind: 'user', id: userId },
    commandId: `10000000-0000-4000-8000-00000000000${n}`,
    payload: { conversationId: `c0000000-0000-4000-8000-00000000000${n}`, messageId: `a0000000-0000-4000-8000-00000000000${n}`, userId, bytes: 1, content: { v: 2, kid: `dek-${userId}`, kv: 1, n: 'x', ct: 'y' } },
  });

  const deps: TurnDeps = {
    userStatus: async () => 'active',
    loadConversation: async (scope) => ({ history: [{ role: 'user', text: `earlier words of ${scope.userId}` }, { role: 'assistant', text: 'noted' }] }),
    openMessage: async (request) => `question from ${request.userId}`,
    recallMemories: async (_tenantId, userId) => [{ text: `memory of ${userId}` }],
    withProviderKey: (ref, use) => vault.opener.use(ref, use),
    callProvider: callAnthropic,
    get log() {
      return log;
    },
  };

  it("sends each user's turn with that user's key and that user's data only", async () => {
    const config = { defaultModel: 'claude-test', maxTokens: 128, timeoutMs: 5_000, baseURL: server.baseURL, memoryLimit: 5 };
    const [a, b] = await Promise.all([runTurn(event('alice', 1), deps, config), runTurn(event('bob', 2), deps, config)]);
    expect(a).toMatchObject({ kind: 'reply', reply: { userId: 'alice', text: 'reply to question from alice', model: 'claude-test' } });
    expect(b).toMatchObject({ kind: 'reply', reply: { userId: 'bob', text: 'reply to question from bob' } });
    const [toAlice] = server.requestsWith(ALICE_KEY);
    const [toBob] = server.requestsWith(BOB_KEY);
    expect(server.requests).toHaveLength(2);
    expect(JSON.stringify(toAlice!.body)).toContain('memory of alice');
    expect(JSON.stringify(toAlice!.body)).not.toContain('bob');
    expect(JSON.stringify(toBob!.body)).toContain('earlier words of bob');
    expect(JSON.stringify(toBob!.body)).not.toContain('alice');
    expect(vault.opens.get(`${TENANT}/alice`)).toBe(1);
    expect(vault.opens.get(`${TENANT}/bob`)).toBe(1);
    expectSanitised([a, b], ALICE_KEY, BOB_KEY);
  });

  it('records a rejected key as KEY_REJECTED, with nothing raw in the outcome or the logs', async () => {
    server.always(BOB_KEY, fake.authError());
    const config = { defaultModel: 'claude-test', maxTokens: 128, timeoutMs: 5_000, baseURL: server.baseURL, memoryLimit: 5 };
    const outcome = await runTurn(event('bob', 3), deps, config);
    expect(outcome).toMatchObject({ kind: 'reply', reply: { userId: 'bob', failure: 'KEY_REJECTED' } });
    expect(outcome.kind === 'reply' && outcome.reply.text).toBeUndefined();
    expectSanitised(outcome, BOB_KEY);
  });
});
