// `palisade chat try` (cli/chat-try.ts) on the real spine, projector and chat worker, with the real
// SDK against the local fake Messages API (the remote API cannot be reached from here): the
// newcomer's key is the one the provider sees, and the printed reply is the one it gave.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tryChatTurn } from '../../cli/chat-try.ts';
import { ChatWorker } from '../../consumers/chat-worker/service.ts';
import { FakeAnthropic, fake } from '../support/fake-anthropic.ts';
import { newIdentity } from '../support/spine.ts';
import { RecordingLog, VaultFlow, anthropicKey } from '../vault-flow/support/flow.ts';
import { testKafka } from '../support/stack.ts';

let f: VaultFlow;
let server: FakeAnthropic;
let worker: ChatWorker;

beforeAll(async () => {
  f = await VaultFlow.create({ partitions: 3 });
  server = await FakeAnthropic.start();
  const identity = await newIdentity('chattry');
  await f.spine.registerServiceKey(identity);
  worker = new ChatWorker({
    kafka: testKafka('chat-worker'),
    topics: { events: f.spine.topics.events, commands: f.spine.topics.commands, results: f.spine.topics.results },
    databaseUrl: f.rm.url,
    groupId: `${f.spine.prefix}palisade-chat-worker`,
    sessionTimeoutMs: 10_000,
    concurrency: 3,
    masterKey: f.spine.masterKey,
    indexKey: randomBytes(32),
    producer: { keyId: identity.keyId, secretKey: identity.secretKey },
    turn: { defaultModel: 'claude-sonnet-4-6', maxTokens: 256, timeoutMs: 5_000, baseURL: server.baseURL, memoryLimit: 5, retry: { baseDelayMs: 50, maxDelayMs: 200 } },
    projectionWaitMs: 30_000,
  }, new RecordingLog());
  await worker.start();
});

afterAll(async () => {
  await worker?.stop().catch(() => undefined);
  await server?.close();
  await f?.rm.close();
});

function deps(lines: string[]) {
  return {
    kafka: f.spine.kafka, producerKafka: testKafka('producer'), topics: f.spine.topics, databaseUrl: f.rm.url,
    masterKey: f.spine.masterKey, say: (line: string) => lines.push(line), waitMs: 60_000,
  };
}

it('runs one turn with the given key and prints the provider reply, never the key', async () => {
  const apiKey = anthropicKey();
  server.script(apiKey, fake.reply('Hello from the fake Messages API', { outputTokens: 7 }));
  const lines: string[] = [];
  const result = await tryChatTurn(deps(lines), { apiKey, message: 'Say hello' });
  expect(result).toMatchObject({ ok: true, reply: 'Hello from the fake Messages API', outputTokens: 7 });
  const calls = server.requests.filter((r) => r.apiKey === apiKey);
  expect(calls).toHaveLength(1);
  expect(JSON.stringify(calls[0]!.body)).toContain('Say hello');
  expect(lines.filter((l) => l.startsWith('✓'))).toHaveLength(4);
  expect(lines.join('\n')).not.toContain(apiKey);
});

it('reports the sanitised failure when the provider rejects the key', async () => {
  const apiKey = anthropicKey();
  server.always(apiKey, fake.authError());
  const lines: string[] = [];
  const result = await tryChatTurn(deps(lines), { apiKey, message: 'Anyone there?' });
  expect(result).toMatchObject({ ok: false, reason: 'KEY_REJECTED' });
  expect(JSON.stringify(result)).not.toContain('FAKE-RAW');
});
