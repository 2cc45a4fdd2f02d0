// Chat turns end to end (issue 7) through the REAL command processor, the REAL projector, the
// REAL chat worker (consumers/chat-worker/service.ts) and the real @anthropic-ai/sdk client,
// pointed at a local fake of the Messages API (test/support/fake-anthropic.ts): the remote API
// cannot be reached from here, and the fake records every request (its key, its body).
//
// Two tenants, several users each with their own provider key, conversations and memories that
// carry unique canary strings per user. Many turns of several users at once; then, for every
// request the provider got: the key is exactly the asking user's, and the system prompt and the
// messages carry only that user's canaries. ForgetMemory and EraseUser take memories out for
// good; a worker re-reading the whole topic (a fresh group) adds no second outcome to any
// message; each failure mode becomes a ChatTurnFailed with its sanitised reason; no key, no raw
// provider body and no plaintext appear in any event or log line.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatWorker, type ChatWorkerOptions } from '../../consumers/chat-worker/service.ts';
import { storeProviderKeyPayload } from '../../producers/secrets.ts';
import { chatTurnPayload, startConversationPayload, storeMemoryPayload } from '../../producers/chat.ts';
import { endOffsets } from '../../adapters/kafka/partition-reader.ts';
import type { LogicalEvent } from '../../domain/logical.ts';
import { FakeAnthropic, fake, type RecordedRequest } from '../support/fake-anthropic.ts';
import { newIdentity, userActor, type ProducerIdentity } from '../support/spine.ts';
import { RecordingLog, VaultFlow, anthropicKey, newTenant, textOf, uid } from '../vault-flow/support/flow.ts';
import { testKafka } from '../support/stack.ts';

interface ChatUser {
  readonly tenantId: string;
  readonly id: string;
  readonly key?: string;
  readonly conversationId: string;
  /** Every canary of this user (messages and memories). */
  readonly canaries: string[];
  readonly memories: { id: string; canary: string }[];
  /** messageIds sent. */
  readonly messages: string[];
}

const canary = (label: string) => `CANARY${label.replace(/[^a-z0-9]/gi, '')}X${randomBytes(6).toString('hex')}`;

let f: VaultFlow;
let server: FakeAnthropic;
let identity: ProducerIdentity;
const workerLog = new RecordingLog();
const indexKey = randomBytes(32);
const workers: ChatWorker[] = [];
let groups = 0;
const T1 = newTenant();
const T2 = newTenant();
const owner1 = uid('owner1');
const owner2 = uid('owner2');
const users: ChatUser[] = [];
const failureUsers: Record<'noKey' | 'rejected' | 'limited' | 'overloaded' | 'slow', ChatUser> = {} as never;

function newUser(tenantId: string, label: string, withKey = true): ChatUser {
  return { tenantId, id: uid(label), ...(withKey ? { key: anthropicKey() } : {}), conversationId: randomUUID(), canaries: [], memories: [], messages: [] };
}

function workerOptions(groupId: string): ChatWorkerOptions {
  const spine = f.spine;
  return {
    kafka: testKafka('chat-worker'),
    topics: { events: spine.topics.events, commands: spine.topics.commands, results: spine.topics.results },
    databaseUrl: f.rm.url,
    groupId,
    sessionTimeoutMs: 10_000,
    concurrency: 3,
    masterKey: spine.masterKey,
    indexKey,
    producer: { keyId: identity.keyId, secretKey: identity.secretKey },
    turn: {
      defaultModel: 'claude-sonnet-4-6',
      maxTokens: 256,
      timeoutMs: 1_500,
      baseURL: server.baseURL,
      memoryLimit: 5,
      retry: { baseDelayMs: 50, maxDelayMs: 200 },
    },
    projectionWaitMs: 30_000,
  };
}

async function startWorker(): Promise<{ worker: ChatWorker; groupId: string }> {
  const groupId = `${f.spine.prefix}palisade-chat-worker-${++groups}`;
  const worker = new ChatWorker(workerOptions(groupId), workerLog);
  await worker.start();
  workers.push(worker);
  return { worker, groupId };
}

async function setUp(u: ChatUser): Promise<void> {
  if (u.key !== undefined)
    await f.accept({ tenantId: u.tenantId, type: 'StoreProviderKey', actor: userActor(u.id), payload: storeProviderKeyPayload({ tenantId: u.tenantId, userId: u.id, provider: 'anthropic', apiKey: u.key }, f.intakePublicKey) });
  await f.accept({ tenantId: u.tenantId, type: 'StartConversation', actor: userActor(u.id), payload: startConversationPayload({ conversationId: u.conversationId }) });
}

async function remember(u: ChatUser): Promise<void> {
  const memoryId = randomUUID();
  const c = canary(`mem${u.id}`);
  u.canaries.push(c);
  u.memories.push({ id: memoryId, canary: c });
  await f.accept({ tenantId: u.tenantId, type: 'StoreMemory', actor: userActor(u.id), payload: storeMemoryPayload({ tenantId: u.tenantId, userId: u.id, memoryId, text: `Remember: zebra project codeword ${c}` }, f.intakePublicKey) });
}

async function say(u: ChatUser): Promise<string> {
  const messageId = randomUUID();
  const c = canary(`msg${u.id}`);
  u.canaries.push(c);
  u.messages.push(messageId);
  await f.accept({ tenantId: u.tenantId, type: 'ChatTurn', actor: userActor(u.id), payload: chatTurnPayload({ tenantId: u.tenantId, userId: u.id, conversationId: u.conversationId, messageId, text: `What about the zebra project? ${c}` }, f.intakePublicKey) });
  return messageId;
}

const OUTCOMES = ['AssistantReplied', 'ChatTurnFailed'];

async function allEvents(): Promise<LogicalEvent[]> {
  return [...(await f.events(T1)), ...(await f.events(T2))].map((e) => e.event);
}

/** Outcome events per answered messageId. */
function outcomes(events: readonly LogicalEvent[]): Map<string, LogicalEvent[]> {
  const map = new Map<string, LogicalEvent[]>();
  for (const e of events) {
    if (!OUTCOMES.includes(e.type)) continue;
    const replyTo = e.payload['replyTo'] as string;
    map.set(replyTo, [...(map.get(replyTo) ?? []), e]);
  }
  return map;
}

/** Polls the tenants' streams until every message of `messageIds` has an outcome. */
async function waitForOutcomes(messageIds: readonly string[], timeoutMs = 45_000): Promise<Map<string, LogicalEvent[]>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const map = outcomes(await allEvents());
    const missing = messageIds.filter((id) => !map.has(id));
    if (missing.length === 0) return map;
    if (Date.now() > deadline) throw new Error(`no outcome for ${missing.length} message(s) within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Resolves once the worker's group stored the events topic's end on every partition. */
async function waitForWorkerAtEnd(groupId: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const ends = await endOffsets(f.spine.kafka, f.spine.topics.events);
  for (;;) {
    const rows = await f.q('select partition, next_offset from chat_index.positions where group_id = $1 and topic = $2', [groupId, f.spine.topics.events]);
    const behind = [...ends].filter(([p, { high }]) => BigInt((rows.find((r) => r['partition'] === p)?.['next_offset'] as string | undefined) ?? '0') < BigInt(high));
    if (behind.length === 0) return;
    if (Date.now() > deadline) throw new Error(`worker group ${groupId} did not reach the end within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function ownerOfKey(apiKey: string | undefined): ChatUser | undefined {
  return [...users, ...Object.values(failureUsers)].find((u) => u.key !== undefined && u.key === apiKey);
}

/** The request's prompt (system + messages) as one text. */
function promptText(request: RecordedRequest): string {
  return JSON.stringify(request.body);
}

beforeAll(async () => {
  f = await VaultFlow.create({ partitions: 3 });
  server = await FakeAnthropic.start();
  identity = await newIdentity('chatw');
  await f.spine.registerServiceKey(identity);

  for (const [tenantId, count] of [[T1, 3], [T2, 3]] as const) for (let i = 0; i < count; i++) users.push(newUser(tenantId, `${tenantId === T1 ? 'ac' : 'gx'}u${i}`));
  failureUsers.noKey = newUser(T1, 'nokey', false);
  failureUsers.rejected = newUser(T1, 'rejected');
  failureUsers.limited = newUser(T1, 'limited');
  failureUsers.overloaded = newUser(T2, 'overloaded');
  failureUsers.slow = newUser(T2, 'slow');
  const all = [...users, ...Object.values(failureUsers)];
  await f.tenant(T1, owner1, all.filter((u) => u.tenantId === T1).map((u) => [u.id, 'member'] as const));
  await f.tenant(T2, owner2, all.filter((u) => u.tenantId === T2).map((u) => [u.id, 'member'] as const));
  await Promise.all(all.map((u) => setUp(u)));
  for (const u of users) {
    await remember(u);
    await remember(u);
  }
  server.always(failureUsers.rejected.key!, fake.authError());
  server.script(failureUsers.limited.key!, fake.rateLimited(1));
  server.always(failureUsers.overloaded.key!, fake.overloaded());
  server.always(failureUsers.slow.key!, fake.delay(5_000));
  await startWorker();
}, 120_000);

afterAll(async () => {
  for (const w of workers) await w.stop().catch(() => undefined);
  await server?.close();
  await f?.rm.close();
});

describe('the chat worker on the real spine', () => {
  let firstRound: Map<string, LogicalEvent[]>;

  it('answers many interleaved turns of several users with only their own key, conversation and memories', async () => {
    // Three rounds, every user at once, without waiting for replies in between.
    const sent: string[] = [];
    for (let round = 0; round < 3; round++) sent.push(...(await Promise.all(users.map((u) => say(u)))));
    const failureSent = await Promise.all(Object.values(failureUsers).map((u) => say(u)));
    firstRound = await waitForOutcomes([...sent, ...failureSent]);

    for (const id of sent) {
      expect(firstRound.get(id)!.map((e) => e.type)).toEqual(['AssistantReplied']);
    }
    const ok = server.requests.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(sent.length);
    for (const request of server.requests) {
      const owner = ownerOfKey(request.apiKey);
      expect(owner, 'a request with a key that is no user\'s').toBeDefined();
      const auth = request.headers['authorization'];
      const xKey = request.headers['x-api-key'];
      expect(auth === `Bearer ${owner!.key}` || xKey === owner!.key).toBe(true);
      const text = promptText(request);
      for (const other of [...users, ...Object.values(failureUsers)]) {
        if (other === owner) continue;
        for (const c of other.canaries) expect(text, `${owner!.id}'s prompt carries ${other.id}'s canary`).not.toContain(c);
        if (other.key !== undefined) expect(text).not.toContain(other.key);
      }
      expect(text).not.toContain(owner!.key!);
    }
    // Each user's later prompts carry their own history and recalled memories.
    for (const u of users) {
      const mine = server.requestsWith(u.key!);
      expect(mine.length).toBeGreaterThanOrEqual(3);
      const all = mine.map(promptText).join('\n');
      for (const m of u.memories) expect(all).toContain(m.canary);
      // The third turn's prompt holds the two earlier messages (history) and the memories (system).
      const third = mine[2]!;
      for (const c of u.canaries.filter((x) => x.startsWith('CANARYmsg')).slice(0, 3)) expect(promptText(third)).toContain(c);
      const system = JSON.stringify((third.body as { system?: unknown }).system);
      for (const m of u.memories) expect(system).toContain(m.canary);
    }
  });

  it('turns failure modes into ChatTurnFailed with the sanitised reason', async () => {
    const reason = (u: ChatUser) => {
      const events = firstRound.get(u.messages[0]!)!;
      expect(events).toHaveLength(1);
      return events[0]!.type === 'ChatTurnFailed' ? events[0]!.payload['reason'] : events[0]!.type;
    };
    expect(reason(failureUsers.noKey)).toBe('NO_PROVIDER_KEY');
    expect(reason(failureUsers.rejected)).toBe('KEY_REJECTED');
    expect(reason(failureUsers.limited)).toBe('AssistantReplied');
    expect(server.requestsWith(failureUsers.limited.key!).map((r) => r.status)).toEqual([429, 200]);
    expect(reason(failureUsers.overloaded)).toBe('OVERLOADED');
    expect(server.requestsWith(failureUsers.overloaded.key!).length).toBe(3);
    expect(reason(failureUsers.slow)).toBe('TIMEOUT');
    expect(server.requestsWith(failureUsers.rejected.key!).length).toBe(1);
  });

  it('never recalls a forgotten memory or an erased user\'s memories', async () => {
    const [a, b] = users.filter((u) => u.tenantId === T1);
    const forgotten = a!.memories[0]!;
    await f.accept({ tenantId: T1, type: 'ForgetMemory', actor: userActor(a!.id), payload: { memoryId: forgotten.id } });
    await f.accept({ tenantId: T1, type: 'EraseUser', actor: userActor(owner1), payload: { userId: b!.id } });
    const before = server.requests.length;
    const message = await say(a!);
    await waitForOutcomes([message]);
    const after = server.requests.slice(before).filter((r) => r.apiKey === a!.key);
    expect(after.length).toBe(1);
    const text = promptText(after[0]!);
    expect(text).not.toContain(forgotten.canary);
    expect(text).toContain(a!.memories[1]!.canary);
    for (const c of b!.canaries) expect(server.requests.slice(before).map(promptText).join('\n')).not.toContain(c);
    // The blind index lost the rows too.
    const rows = await f.q('select user_id, memory_id from chat_index.memory_terms where tenant_id = $1', [T1]);
    expect(rows.some((r) => r['memory_id'] === forgotten.id)).toBe(false);
    expect(rows.some((r) => r['user_id'] === b!.id)).toBe(false);
    expect(rows.some((r) => r['memory_id'] === a!.memories[1]!.id)).toBe(true);
  });

  it('a worker that re-reads the whole topic adds no second outcome to any message', async () => {
    const beforeEvents = outcomes(await allEvents());
    for (const w of workers.splice(0)) await w.stop();
    const requestsBefore = server.requests.length;
    const { worker, groupId } = await startWorker(); // a fresh group: from offset 0
    await waitForWorkerAtEnd(groupId);
    // Every turn is seen again: the run guard (docs/spec.md "Quarantine") knows each tenant's
    // chain up to the head this worker stored and passes the events at or below it over as read
    // before; a turn it does hand on is skipped as answered, or (the erased user's, whose
    // read-model rows are gone) sent again as USER_GONE under the same command id, which the
    // processor answers with the original result (replayed). None is recorded twice.
    expect(worker.stats.turns).toBeLessThanOrEqual(beforeEvents.size);
    expect(worker.stats.skipped + worker.stats.replayed + worker.stats.refused).toBe(worker.stats.turns);
    expect(worker.stats.replies + worker.stats.failures).toBe(0);
    const afterEvents = outcomes(await allEvents());
    expect(afterEvents.size).toBe(beforeEvents.size);
    for (const [id, events] of afterEvents) expect(events, `message ${id}`).toHaveLength(1);
    // Answered turns are skipped before the provider is asked again.
    expect(server.requests.length).toBe(requestsBefore);
  });

  it('erases a deleted tenant\'s index rows, and no tenancy role can reach the index', async () => {
    expect((await f.q('select count(*)::int as n from chat_index.memory_terms where tenant_id = $1', [T2]))[0]!['n']).toBeGreaterThan(0);
    await f.accept({ tenantId: T2, type: 'DeleteTenant', actor: userActor(owner2), payload: {} });
    await waitForWorkerAtEnd(`${f.spine.prefix}palisade-chat-worker-${groups}`);
    expect((await f.q('select count(*)::int as n from chat_index.memory_terms where tenant_id = $1', [T2]))[0]!['n']).toBe(0);
    expect((await f.q('select count(*)::int as n from chat_index.memory_terms where tenant_id = $1', [T1]))[0]!['n']).toBeGreaterThan(0);
    const roles = await f.q(
      `select rolname, has_schema_privilege(rolname, 'chat_index', 'USAGE') as usage,
              has_table_privilege(rolname, 'chat_index.memory_terms', 'SELECT') as sel
       from pg_roles where starts_with(rolname, $1)`,
      [`${f.rm.roles.prefix}_`],
    );
    expect(roles.length).toBeGreaterThan(5);
    expect(roles.filter((r) => r['usage'] === true || r['sel'] === true)).toEqual([]);
  });

  it('puts no key, raw provider body or plaintext in any event or log line', async () => {
    const events = textOf(await allEvents());
    const logs = [...workerLog.lines, ...f.log.lines].join('\n');
    for (const u of [...users, ...Object.values(failureUsers)]) {
      if (u.key !== undefined) {
        expect(events).not.toContain(u.key);
        expect(logs).not.toContain(u.key);
      }
      for (const c of u.canaries) {
        expect(events).not.toContain(c);
        expect(logs).not.toContain(c);
      }
    }
    expect(events).not.toContain('FAKE-RAW');
    expect(logs).not.toContain('FAKE-RAW');
    expect(events).not.toContain('reply to');
    expect(logs).not.toContain('reply to');
  });
});
