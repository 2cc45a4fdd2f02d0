// Issue 12, "Quarantine, not crash", in the chat worker: a record a raw Kafka producer appended
// to palisade.events with a duplicated seq quarantines that tenant in the worker (recorded,
// counted, logged) while every other tenant's events keep being handled; a byte-identical
// redelivery of a head is skipped without a quarantine; a restart stays up; a release re-checks
// the tenant from its last good event. The worker runs on the real spine (processor, projector).
import { testKafka } from '../support/stack.ts';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ChatWorker, CHAT_WORKER_CONSUMER } from '../../consumers/chat-worker/service.ts';
import { IdempotentProducer } from '../../adapters/kafka/simple-producer.ts';
import { listQuarantines, releaseQuarantine, runOnPool } from '../../adapters/postgres/quarantine.ts';
import { counterValue, QUARANTINE_COUNTERS } from '../../adapters/counters.ts';
import { eventHash } from '../../domain/chain/event-hash.ts';
import { encodeEvent } from '../../schemas/codec.ts';
import { FakeAnthropic } from '../support/fake-anthropic.ts';
import { newIdentity, userActor, type ProducerIdentity } from '../support/spine.ts';
import { waitFor } from '../anchors/support/harness.ts';
import { RecordingLog, VaultFlow, newTenant, uid } from '../vault-flow/support/flow.ts';

let f: VaultFlow;
let server: FakeAnthropic;
let identity: ProducerIdentity;
const workers: ChatWorker[] = [];
const log = new RecordingLog();
const T1 = newTenant();
const T2 = newTenant();

async function startWorker(): Promise<ChatWorker> {
  const spine = f.spine;
  const worker = new ChatWorker({
    kafka: testKafka('chat-worker'),
    topics: { events: spine.topics.events, commands: spine.topics.commands, results: spine.topics.results },
    databaseUrl: f.rm.url, groupId: `${spine.prefix}palisade-chat-worker`, sessionTimeoutMs: 10_000, concurrency: 1,
    masterKey: spine.masterKey, indexKey: randomBytes(32), producer: { keyId: identity.keyId, secretKey: identity.secretKey },
    turn: { defaultModel: 'claude-sonnet-4-6', maxTokens: 64, timeoutMs: 1_500, baseURL: server.baseURL, memoryLimit: 5, retry: { baseDelayMs: 50, maxDelayMs: 200 } },
    releasePollMs: 100,
  }, log);
  await worker.start();
  workers.push(worker);
  return worker;
}

async function head(tenantId: string): Promise<number> {
  const { rows } = await f.rm.admin.query<{ seq: string }>('select seq from quarantine.heads where consumer = $1 and tenant_id = $2', [CHAT_WORKER_CONSUMER, tenantId]);
  return Number(rows[0]?.seq ?? 0);
}

async function addMember(tenantId: string, owner: string): Promise<void> {
  const userId = uid('m');
  await f.accept({ tenantId, type: 'AddMember', actor: userActor(owner), payload: { userId, email: `${userId}@flow.example`, role: 'member' } });
}

const quarantines = async () => (await listQuarantines(runOnPool(f.rm.admin), { all: true })).filter((q) => q.consumer === CHAT_WORKER_CONSUMER);

beforeAll(async () => {
  f = await VaultFlow.create({ partitions: 1 });
  server = await FakeAnthropic.start();
  identity = await newIdentity('chatq');
  await f.spine.registerServiceKey(identity);
}, 120_000);

afterAll(async () => {
  for (const w of workers) await w.stop().catch(() => undefined);
  await server?.close();
  await f?.rm.close();
});

it('quarantines the tenant with a duplicated seq; the other keeps flowing; a restart stays up; a release resumes it', async () => {
  const [owner1, owner2] = [uid('o1'), uid('o2')];
  await f.tenant(T1, owner1);
  await f.tenant(T2, owner2);
  const first = await startWorker();
  let crashed = false;
  void first.waitForCrash().then(() => { crashed = true; });
  await waitFor(async () => (await head(T1)) === 1 && (await head(T2)) === 1, 'the worker to check both tenants');

  // A key-less process appends: T1's seq 1 again with other content, and T2's seq 1 byte for byte.
  const [t1first] = await f.events(T1);
  const [t2first] = await f.events(T2);
  const forged = { ...t1first!.event, eventId: '00000000-0000-4000-8000-0000000f0f0f' };
  const raw = await IdempotentProducer.open(f.spine.kafka);
  try {
    await raw.send([
      { topic: f.spine.topics.events, partition: 0, key: T1, value: encodeEvent(forged, eventHash(forged)) },
      { topic: f.spine.topics.events, partition: 0, key: T2, value: encodeEvent(t2first!.event, t2first!.hash) },
    ]);
  } finally {
    await raw.close();
  }
  await addMember(T1, owner1);
  await addMember(T2, owner2);
  await waitFor(async () => (await head(T2)) === 2, 'T2 to keep flowing');
  await waitFor(async () => (await quarantines()).length === 1, 'the quarantine to be recorded');
  expect(await quarantines()).toMatchObject([{ tenantId: T1, code: 'CHAIN_DUPLICATE', seq: 1, headSeq: 1, releasedAt: null }]);
  expect(await head(T1)).toBe(1);
  expect(counterValue(QUARANTINE_COUNTERS.raised, { consumer: CHAT_WORKER_CONSUMER, code: 'CHAIN_DUPLICATE' })).toBe(1);
  expect(log.lines.filter((l) => l.startsWith('error tenant quarantined')).length).toBe(1);
  expect(crashed).toBe(false);

  await first.stop();
  const second = await startWorker();
  void second.waitForCrash().then(() => { crashed = true; });
  await addMember(T1, owner1);
  await addMember(T2, owner2);
  await waitFor(async () => (await head(T2)) === 3, 'T2 to keep flowing after the restart');
  expect(await head(T1)).toBe(1);
  expect(await quarantines()).toHaveLength(1);
  expect(crashed).toBe(false);

  expect(await releaseQuarantine(runOnPool(f.rm.admin), T1, CHAT_WORKER_CONSUMER, 'test')).toBe(true);
  await waitFor(async () => (await head(T1)) === 3, 'T1 to be re-checked past the dismissed record');
  await waitFor(async () => (await quarantines())[0]?.resumedAt !== null, 'the release to be marked resumed');
  expect(await head(T2)).toBe(3);
  expect(crashed).toBe(false);
});
