// The chat worker service (issue 7; README.md "Wiring"): a consumer of the events topic in its own
// group that answers every ChatTurnRequested with one RecordAssistantReply (a reply or a failure
// reason), and keeps the memory blind index current from the same stream.
//
// Delivery: at-least-once. The worker's positions live in PostgreSQL (chat_index.positions,
// migration 0015) through adapters/kafka/assigned-consumer.ts, and a partition's next offset is stored only
// after every record of the batch was handled. A batch that fails (the database, a timeout of the
// command result, a read model that did not catch up, shutdown) is fetched again from where it
// started, after a backoff. Handling is idempotent: the reply's command id is derived from the
// message event (replyCommandId), so the processor answers a repeat with the original result;
// `isAnswered` (the chat_messages read model) avoids a second provider call in the common case;
// index writes are upserts and deletes. The topic is read read_committed (AssignedConsumer).
//
// Concurrency: the events of one (tenant, user) — turns, memories, erasure — are handled in
// stream order; different users run in parallel. A TenantDeleted waits for everything before it
// in the batch. Partitions run in parallel (`concurrency`); a tenant is on one partition.
//
// Read models lag the stream. Before a turn reads anything, the worker waits (bounded, with
// backoff) until the active generation of every read model it reads (members, conversations,
// chat_content, secrets) has projected this record's partition past its offset — the projector
// stores that position with the rows — so the history, the memories and the provider key are at
// least as new as the message. On timeout the batch is retried (nothing is committed). A read
// model ahead of the record is fine: history is cut at the message's seq.
//
// Reads: content and provider keys through the `opener` role (chat-content-reader.ts,
// secrets-reader.ts); members, conversations, chat_messages and the projection positions with the
// service login on the active generation's tables (the local stack's login is the superuser;
// production needs a dedicated role with SELECT on those tables, projection_meta.generations and
// .offsets, and the chat_index schema, and nothing else). Data keys: the key store without a cache,
// so an erasure (the DEK deleted) is seen at the next open.
//
// Logs carry ids, reason codes, counts and error names/codes only: never a key, a prompt, a reply,
// a memory, an error message or a provider's body.
import type pg from '../../adapters/postgres/pg.ts';
import type { KafkaClient as Kafka } from '../../adapters/kafka/client.ts';
import { createKafka } from '../../adapters/kafka/client.ts';
import { AssignedConsumer, type AssignedBatch, type AssignedBatchContext } from '../../adapters/kafka/assigned-consumer.ts';
import { openPool } from '../../adapters/postgres/pool.ts';
import { KeyStore } from '../../crypto/vault/store/key-store.ts';
import type { Kek } from '../../crypto/vault/key-wrap.ts';
import { sodium } from '../../crypto/sodium.ts';
import { allocSecure } from '../../crypto/secure-memory.ts';
import { decodeEvent } from '../../schemas/codec.ts';
import type { JsonObject, LogicalEvent } from '../../domain/logical.ts';
import { PalisadeClient } from '../../producers/client.ts';
import { sealSecret } from '../../producers/secrets.ts';
import { chatMessageBinding, chatReplyBinding, memoryBinding } from '../../domain/tenant/chat-secrets.ts';
import { isCanonicalUuid, isPrincipalId } from '../../domain/validation.ts';
import { loadRolesFrom, quoteIdent } from '../../adapters/postgres/roles.ts';
import { chatContentReaderPool, conversationHistory, memories as storedMemories, MAX_HISTORY_ITEMS } from './chat-content-reader.ts';
import { readSecret } from '../vault/secrets-reader.ts';
import { bindingOf, SecretOpener, type OpenerDeps, type SecretRef } from '../vault/secret-opener.ts';
import { ContentOpener, ContentOpenError } from './content-opener.ts';
import { MemoryIndex } from './memory-index.ts';
import { callAnthropic, type ChatLogger } from './provider.ts';
import type { PromptMemory, PromptTurn } from './prompt.ts';
import { CHAT_TURN_EVENT, parseTurnRequest, replyCommandData, runTurn, type ConversationView, type TurnConfig, type TurnDeps, type TurnScope } from './turn.ts';
import { PalisadeError } from '../../domain/error-base.ts';

export const CHAT_WORKER_GROUP = 'palisade-chat-worker';
export const CHAT_WORKER_ACTOR = { kind: 'service', id: 'chat-worker' } as const;
/** The read models a turn reads: it waits until each projected the turn's record. */
export const TURN_READ_MODELS = ['members', 'conversations', 'chat_content', 'secrets'] as const;
const INDEX_KEY_ID_CONTEXT = Buffer.from('palisade/chat-index-key-id/v1', 'utf8');
const INDEX_KEY_CONTEXT = Buffer.from('palisade/chat-index-key/v1', 'utf8');

export interface ChatWorkerLogger extends ChatLogger {
  error(obj: object, msg: string): void;
}

export interface ChatWorkerOptions {
  readonly brokers: readonly string[];
  readonly topics: { readonly events: string; readonly commands: string; readonly results: string };
  readonly databaseUrl: string;
  /** Default CHAT_WORKER_GROUP (with the topic prefix, as the processor's). */
  readonly groupId: string;
  readonly sessionTimeoutMs?: number;
  /** Partitions handled at the same time (default 4). */
  readonly concurrency?: number;
  /** The master key: unwraps users' DEKs (content, provider keys). The caller keeps and destroys it. */
  readonly masterKey: Kek;
  /** 32 bytes (deriveIndexKey(masterKey) or configured): the blind index key. The caller zeroes it. */
  readonly indexKey: Uint8Array;
  /** The registered producer key RecordAssistantReply and ResealLegacySecret are signed with. */
  readonly producer: { readonly keyId: string; readonly secretKey: Buffer };
  readonly turn: TurnConfig;
  /** PALISADE_LEGACY_SECRET, when legacy provider keys may exist. */
  readonly legacySecret?: string;
  /** How long a turn waits for the read models to reach its record (default 60 s) before the batch is retried. */
  readonly projectionWaitMs?: number;
  /** How long to wait for a command's result (default 30 s). */
  readonly resultTimeoutMs?: number;
  /** History items loaded for a prompt (default 200; the prompt budget cuts further). */
  readonly historyLimit?: number;
}

/** The memory index key, derived from the master key: keyed BLAKE2b-256 of a fixed context. In secure memory: zero it. */
export function deriveIndexKey(masterKey: Kek): Buffer {
  const out = allocSecure(32);
  sodium.crypto_generichash(out, INDEX_KEY_CONTEXT, masterKey.key);
  return out;
}

/** Public fingerprint of an index key (what chat_index.meta keeps). */
export function indexKeyId(indexKey: Uint8Array): string {
  const out = Buffer.alloc(16);
  sodium.crypto_generichash(out, INDEX_KEY_ID_CONTEXT, indexKey);
  return out.toString('hex');
}

/** Sanitised error fields for a log line: the class and the code, never the message. */
export function errorFields(error: unknown): { errorName: string; code?: string } {
  const name = error instanceof Error ? error.name : typeof error;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? { errorName: name, code } : { errorName: name };
}

class ProjectionLagError extends PalisadeError<'READ_MODELS_BEHIND'> {
  readonly code = 'READ_MODELS_BEHIND';
  readonly retriable = true; // the batch is retried once the read models catch up
  constructor() {
    super('the read models did not reach the record in time');
    this.name = 'ProjectionLagError';
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Counters since start (tests, diagnostics): replies and failures the processor newly accepted,
 * records it answered as repeats of an earlier command (same id: nothing appended), records it
 * refused, turns skipped without a record.
 */
export interface ChatWorkerStats {
  turns: number;
  replies: number;
  failures: number;
  replayed: number;
  refused: number;
  skipped: number;
  indexed: number;
}

export class ChatWorker {
  private readonly options: ChatWorkerOptions;
  private readonly log: ChatWorkerLogger;
  private readonly kafka: Kafka;
  private readonly abort = new AbortController();
  private pool: pg.Pool | undefined;
  private openerPool: pg.Pool | undefined;
  private client: PalisadeClient | undefined;
  private consumer: AssignedConsumer | undefined;
  private store!: KeyStore;
  private content!: ContentOpener;
  private secrets!: SecretOpener;
  private index!: MemoryIndex;
  private intakePublicKey!: Buffer;
  private readonly failuresInARow = new Map<number, number>();
  private crashed: ((error: unknown) => void) | undefined;
  readonly stats: ChatWorkerStats = { turns: 0, replies: 0, failures: 0, replayed: 0, refused: 0, skipped: 0, indexed: 0 };

  constructor(options: ChatWorkerOptions, log: ChatWorkerLogger) {
    if (options.indexKey.byteLength !== 32) throw new TypeError('the memory index key must be 32 bytes');
    this.options = options;
    this.log = log;
    this.kafka = createKafka({ brokers: options.brokers, clientId: 'palisade-chat-worker' }, log);
  }

  async start(): Promise<void> {
    const o = this.options;
    try {
      this.pool = openPool({ connectionString: o.databaseUrl, max: 8 });
      const roles = await loadRolesFrom(o.databaseUrl);
      this.openerPool = chatContentReaderPool(o.databaseUrl, roles, 6);
      this.store = new KeyStore(this.pool, o.masterKey, { cache: false });
      this.intakePublicKey = await this.store.intakePublicKey();
      this.content = new ContentOpener(this.store);
      this.index = new MemoryIndex(this.pool, o.indexKey);
      await this.checkIndexKey();
      this.client = await PalisadeClient.connect({
        brokers: o.brokers,
        topics: { commands: o.topics.commands, results: o.topics.results },
        producerKeyId: o.producer.keyId,
        secretKey: o.producer.secretKey,
        resultTimeoutMs: o.resultTimeoutMs ?? 30_000,
      });
      this.secrets = new SecretOpener(this.openerDeps());
      this.consumer = new AssignedConsumer(this.kafka, {
        groupId: o.groupId,
        topic: o.topics.events,
        concurrency: o.concurrency ?? 4,
        ...(o.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: o.sessionTimeoutMs }),
        startOffsets: (partitions) => this.startOffsets(partitions),
        onBatch: (batch, context) => this.onBatch(batch, context),
        onSkipped: (partition, _from, next) => this.savePosition(partition, next),
        onCrash: (error, willRestart) => {
          this.log.error({ ...errorFields(error), willRestart }, 'chat worker consumer crashed');
          if (!willRestart) this.crashed?.(error);
        },
        onPositionError: (error) => this.log.warn(errorFields(error), 'chat worker could not read its positions; retrying'),
      });
      await this.consumer.start();
      this.log.info({ groupId: o.groupId, topic: o.topics.events }, 'chat worker started');
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Resolves with the error when the consumer crashed and kafkajs will not restart it. */
  waitForCrash(): Promise<unknown> {
    return new Promise((resolve) => {
      this.crashed = resolve;
    });
  }

  /** Aborts provider calls in flight (their batches are not committed), leaves the group, closes. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.consumer?.stop().catch(() => undefined);
    this.consumer = undefined;
    await this.client?.close().catch(() => undefined);
    this.client = undefined;
    await this.openerPool?.end().catch(() => undefined);
    this.openerPool = undefined;
    await this.pool?.end().catch(() => undefined);
    this.pool = undefined;
    this.log.info({}, 'chat worker stopped');
  }

  // --- positions and the index key ------------------------------------------------------------

  private async startOffsets(partitions: readonly number[]): Promise<Map<number, bigint>> {
    const { rows } = await this.db.query<{ partition: number; next_offset: string }>(
      'select partition, next_offset from chat_index.positions where group_id = $1 and topic = $2 and partition = any($3::int[])',
      [this.options.groupId, this.options.topics.events, [...partitions]],
    );
    return new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
  }

  private async savePosition(partition: number, nextOffset: bigint): Promise<void> {
    await this.db.query(
      `insert into chat_index.positions (group_id, topic, partition, next_offset) values ($1, $2, $3, $4)
       on conflict (group_id, topic, partition) do update set next_offset = greatest(chat_index.positions.next_offset, excluded.next_offset), updated_at = now()`,
      [this.options.groupId, this.options.topics.events, partition, nextOffset.toString()],
    );
  }

  /**
   * The index rows were hashed with the key whose fingerprint chat_index.meta keeps. Another key
   * (the master key was rotated) can never match them: the index is emptied and every group's
   * positions reset, so the worker re-reads the stream and re-indexes every memory still kept
   * (turns already answered are skipped through isAnswered and REPLY_EXISTS).
   */
  private async checkIndexKey(): Promise<void> {
    const id = indexKeyId(this.options.indexKey);
    const client = await this.db.connect();
    try {
      await client.query('begin');
      await client.query('lock table chat_index.meta in exclusive mode');
      const { rows } = await client.query<{ index_key_id: string }>('select index_key_id from chat_index.meta');
      if (rows[0] === undefined) {
        await client.query('insert into chat_index.meta (index_key_id) values ($1)', [id]);
      } else if (rows[0].index_key_id !== id) {
        await client.query('delete from chat_index.memory_terms');
        await client.query('delete from chat_index.positions');
        await client.query('update chat_index.meta set index_key_id = $1, updated_at = now()', [id]);
        this.log.warn({ indexKeyId: id }, 'the memory index key changed (master key rotated?): index emptied, re-reading the events topic to rebuild it');
      }
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private get db(): pg.Pool {
    if (this.pool === undefined) throw new Error('the chat worker is not running');
    return this.pool;
  }

  private get reader(): pg.Pool {
    if (this.openerPool === undefined) throw new Error('the chat worker is not running');
    return this.openerPool;
  }

  // --- batches ---------------------------------------------------------------------------------

  private async onBatch(batch: AssignedBatch, context: AssignedBatchContext): Promise<void> {
    try {
      await this.handleBatch(batch, context);
      await this.savePosition(batch.partition, batch.nextOffset);
      this.failuresInARow.delete(batch.partition);
    } catch (error) {
      const failures = (this.failuresInARow.get(batch.partition) ?? 0) + 1;
      this.failuresInARow.set(batch.partition, failures);
      const delay = Math.min(250 * 2 ** (failures - 1), 10_000);
      if (!this.abort.signal.aborted) this.log.warn({ partition: batch.partition, fromOffset: batch.fromOffset.toString(), failures, retryInMs: delay, ...errorFields(error) }, 'chat worker batch failed; retrying it');
      await sleep(delay, this.abort.signal);
      context.seek(batch.fromOffset);
    }
  }

  /** Runs the batch's records: one chain per (tenant, user), in stream order; TenantDeleted is a barrier. */
  private async handleBatch(batch: AssignedBatch, context: AssignedBatchContext): Promise<void> {
    const chains = new Map<string, Promise<void>>();
    const errors: unknown[] = [];
    const settleAll = async () => {
      await Promise.all(chains.values());
      chains.clear();
    };
    for (const record of batch.records) {
      if (!context.shouldContinue() || this.abort.signal.aborted) throw new Error('stopping');
      if (record.value === null) continue;
      let event: LogicalEvent;
      try {
        event = decodeEvent(record.value).event;
      } catch (error) {
        this.log.warn({ partition: record.partition, offset: record.offset, ...errorFields(error) }, 'chat worker skipped an undecodable record');
        continue;
      }
      const offset = BigInt(record.offset);
      if (event.type === 'TenantDeleted') {
        await settleAll();
        if (errors.length > 0) break;
        const erased = await this.index.eraseTenant(event.tenantId);
        this.log.info({ tenantId: event.tenantId, rows: erased }, 'memory index: tenant erased');
        continue;
      }
      if (![CHAT_TURN_EVENT, 'MemoryStored', 'MemoryForgotten', 'UserErased'].includes(event.type)) continue;
      const userId = event.payload['userId'];
      if (!isCanonicalUuid(event.tenantId) || !isPrincipalId(userId)) continue;
      const key = `${event.tenantId}\n${userId}`;
      const previous = chains.get(key) ?? Promise.resolve();
      const next = previous.then(async () => {
        if (errors.length > 0) return;
        try {
          await this.handleEvent(event, userId, batch.partition, offset);
        } catch (error) {
          errors.push(error);
        }
      });
      chains.set(key, next);
    }
    await settleAll();
    if (errors.length > 0) throw errors[0];
  }

  private async handleEvent(event: LogicalEvent, userId: string, partition: number, offset: bigint): Promise<void> {
    const tenantId = event.tenantId;
    switch (event.type) {
      case CHAT_TURN_EVENT:
        return this.handleTurn(event, partition, offset);
      case 'MemoryStored': {
        const memoryId = event.payload['memoryId'];
        if (!isCanonicalUuid(memoryId)) return;
        let text: string | undefined;
        try {
          text = await this.content.openText({ tenantId, userId }, event.payload['content'], memoryBinding(tenantId, userId, memoryId));
        } catch (error) {
          if (!(error instanceof ContentOpenError)) throw error;
          this.log.warn({ tenantId, userId, memoryId, ...errorFields(error) }, 'memory index: a memory does not open; not indexed');
          return;
        }
        if (text === undefined) return; // the user was erased since: nothing to index
        await this.index.scope(tenantId, userId).index(memoryId, text);
        this.stats.indexed += 1;
        return;
      }
      case 'MemoryForgotten': {
        const memoryId = event.payload['memoryId'];
        if (isCanonicalUuid(memoryId)) await this.index.scope(tenantId, userId).forget(memoryId);
        return;
      }
      case 'UserErased': {
        const rows = await this.index.scope(tenantId, userId).eraseAll();
        this.log.info({ tenantId, userId, rows }, 'memory index: user erased');
        return;
      }
    }
  }

  // --- turns -------------------------------------------------------------------------------------

  private async handleTurn(event: LogicalEvent, partition: number, offset: bigint): Promise<void> {
    const parsed = parseTurnRequest(event);
    if (!parsed.ok) {
      this.log.warn({ tenantId: event.tenantId, eventId: event.eventId, reason: parsed.reason }, 'chat turn skipped');
      return;
    }
    this.stats.turns += 1;
    await this.waitForReadModels(partition, offset);
    const outcome = await runTurn(event, this.turnDeps(event.seq), this.options.turn);
    if (outcome.kind === 'skip') {
      this.stats.skipped += 1;
      this.log.info({ tenantId: event.tenantId, eventId: event.eventId, reason: outcome.reason }, 'chat turn skipped');
      return;
    }
    const draft = outcome.reply;
    const payload = replyCommandData(draft, (text) =>
      sealSecret(text, this.intakePublicKey, chatReplyBinding(outcome.tenantId, draft.userId, draft.conversationId, draft.replyTo)),
    );
    if (this.client === undefined) throw new Error('the chat worker is not running');
    const result = await this.client.send({
      tenantId: outcome.tenantId,
      type: 'RecordAssistantReply',
      actor: { ...CHAT_WORKER_ACTOR },
      payload: payload as unknown as JsonObject,
      commandId: outcome.commandId,
    });
    if (result.replayed) this.stats.replayed += 1;
    else if (result.outcome !== 'accepted') this.stats.refused += 1;
    else if (draft.failure === undefined) this.stats.replies += 1;
    else this.stats.failures += 1;
    // A rejection is final (REPLY_EXISTS on a redelivery, the conversation deleted or the user
    // erased meanwhile): the turn is done either way.
    const fields = { tenantId: outcome.tenantId, commandId: outcome.commandId, outcome: result.outcome, replayed: result.replayed, failure: draft.failure };
    if (result.outcome === 'accepted') this.log.info(fields, 'chat turn recorded');
    else this.log.info({ ...fields, code: result.code }, 'chat turn record refused');
  }

  /** Waits until every read model a turn reads projected `offset` of `partition` (see the top). */
  private async waitForReadModels(partition: number, offset: bigint): Promise<void> {
    const deadline = Date.now() + (this.options.projectionWaitMs ?? 60_000);
    let delay = 25;
    for (;;) {
      const { rows } = await this.db.query<{ model: string; next_offset: string | null }>(
        `select g.model, o.next_offset from projection_meta.generations g
         left join projection_meta.offsets o on o.model = g.model and o.generation = g.generation and o.topic = $1 and o.partition = $2
         where g.state = 'active' and g.model = any($3::text[])`,
        [this.options.topics.events, partition, [...TURN_READ_MODELS]],
      );
      const ready = TURN_READ_MODELS.every((model) => {
        const row = rows.find((r) => r.model === model);
        return row !== undefined && BigInt(row.next_offset ?? '0') > offset;
      });
      if (ready) return;
      if (Date.now() >= deadline || this.abort.signal.aborted) throw new ProjectionLagError();
      await sleep(delay, this.abort.signal);
      delay = Math.min(delay * 2, 1_000);
    }
  }

  /** The active generation's schema of `model` (quoted). */
  private async liveSchema(model: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ schema_name: string }>("select schema_name from projection_meta.generations where model = $1 and state = 'active'", [model]);
    return rows[0] === undefined ? undefined : quoteIdent(rows[0].schema_name);
  }

  private turnDeps(seq: number): TurnDeps {
    return {
      userStatus: async (tenantId, userId) => {
        const schema = await this.liveSchema('members');
        if (schema === undefined) throw new ProjectionLagError();
        const { rows } = await this.db.query(`select 1 from ${schema}.members where tenant_id = $1 and user_id = $2 and status = 'active'`, [tenantId, userId]);
        return rows.length > 0 ? 'active' : 'gone';
      },
      isAnswered: async (scope, messageId) => {
        const schema = await this.liveSchema('conversations');
        if (schema === undefined) return false;
        const { rows } = await this.db.query(
          `select 1 from ${schema}.chat_messages where tenant_id = $1 and conversation_id = $2 and user_id = $3 and reply_to = $4 and role in ('assistant', 'failure') limit 1`,
          [scope.tenantId, scope.conversationId, scope.userId, messageId],
        );
        return rows.length > 0;
      },
      loadConversation: (scope) => this.loadConversation(scope, seq),
      // A message that does not open (never expected: the processor sealed it) ends the turn
      // USER_GONE rather than blocking the partition with retries that cannot succeed.
      openMessage: async (request) => {
        try {
          return await this.content.openText(request, request.content, chatMessageBinding(request.tenantId, request.userId, request.conversationId, request.messageId));
        } catch (error) {
          if (!(error instanceof ContentOpenError)) throw error;
          this.log.warn({ tenantId: request.tenantId, eventId: request.eventId, ...errorFields(error) }, 'chat message does not open; the turn ends USER_GONE');
          return undefined;
        }
      },
      recallMemories: (tenantId, userId, query, limit) => this.recallMemories(tenantId, userId, query, limit),
      withProviderKey: (ref, use) => this.secrets.use(ref, use),
      callProvider: callAnthropic,
      log: this.log,
      signal: this.abort.signal,
    };
  }

  private async loadConversation(scope: TurnScope, seq: number): Promise<ConversationView | undefined> {
    const schema = await this.liveSchema('conversations');
    if (schema === undefined) throw new ProjectionLagError();
    const { rows } = await this.db.query<{ model: string | null }>(
      `select model from ${schema}.conversations where tenant_id = $1 and conversation_id = $2 and user_id = $3 and status = 'active'`,
      [scope.tenantId, scope.conversationId, scope.userId],
    );
    if (rows[0] === undefined) return undefined;
    const items = await conversationHistory(this.reader, scope, Math.min(this.options.historyLimit ?? 200, MAX_HISTORY_ITEMS));
    const history: PromptTurn[] = [];
    for (const item of items) {
      if (item.seq >= seq) continue; // the message itself, and anything after it (a read model ahead)
      const binding = item.kind === 'message'
        ? chatMessageBinding(scope.tenantId, scope.userId, scope.conversationId, item.itemId)
        : chatReplyBinding(scope.tenantId, scope.userId, scope.conversationId, item.itemId);
      let text: string | undefined;
      try {
        text = await this.content.openText(scope, item.sealed, binding);
      } catch (error) {
        if (!(error instanceof ContentOpenError)) throw error;
        this.log.warn({ tenantId: scope.tenantId, conversationId: scope.conversationId, itemSeq: item.seq, ...errorFields(error) }, 'chat history item does not open; left out');
        continue;
      }
      if (text !== undefined) history.push({ role: item.kind === 'message' ? 'user' : 'assistant', text });
    }
    return rows[0].model === null ? { history } : { model: rows[0].model, history };
  }

  private async recallMemories(tenantId: string, userId: string, query: string, limit: number): Promise<PromptMemory[]> {
    const ids = await this.index.scope(tenantId, userId).search(query, limit);
    if (ids.length === 0) return [];
    const stored = await storedMemories(this.reader, { tenantId, userId }, ids);
    const byId = new Map(stored.map((m) => [m.memoryId, m]));
    const out: PromptMemory[] = [];
    for (const id of ids) {
      const memory = byId.get(id);
      if (memory === undefined) continue; // forgotten (or the index is ahead of the read model)
      try {
        const text = await this.content.openText({ tenantId, userId }, memory.sealed, memoryBinding(tenantId, userId, id));
        if (text !== undefined) out.push({ text });
      } catch (error) {
        if (!(error instanceof ContentOpenError)) throw error;
      }
    }
    return out;
  }

  private openerDeps(): OpenerDeps {
    return {
      kek: this.options.masterKey,
      read: (ref) =>
        readSecret(this.reader, {
          tenantId: ref.tenantId,
          ownerId: ref.userId,
          purpose: ref.target,
          subject: ref.target === 'provider-key' ? ref.provider : ref.sourceId,
        }),
      findDek: (tenantId, kid, kv) => this.store.find(tenantId, kid, kv),
      countOpen: async (tenantId, kid, kv) => {
        await this.store.countOpen(tenantId, kid, kv);
      },
      reseal: (ref, version, commandId, plaintext) => this.reseal(ref, version, commandId, plaintext),
      ...(this.options.legacySecret === undefined ? {} : { legacySecret: this.options.legacySecret }),
    };
  }

  /** A legacy provider key, opened once: sent back through intake to be sealed as v2 (one command id per value). */
  private async reseal(ref: SecretRef, version: number, commandId: string, plaintext: Uint8Array): Promise<void> {
    if (this.client === undefined) throw new Error('the chat worker is not running');
    const secret = sealSecret(plaintext, this.intakePublicKey, bindingOf(ref));
    const payload: JsonObject = ref.target === 'provider-key'
      ? { target: ref.target, userId: ref.userId, provider: ref.provider, version, secret }
      : { target: ref.target, userId: ref.userId, sourceId: ref.sourceId, version, secret };
    const result = await this.client.send({ tenantId: ref.tenantId, type: 'ResealLegacySecret', actor: { ...CHAT_WORKER_ACTOR }, payload, commandId });
    if (result.outcome === 'rejected' && result.code !== 'LEGACY_ALREADY_RESEALED') {
      this.log.warn({ tenantId: ref.tenantId, commandId, code: result.code }, 'legacy secret re-seal refused');
    }
  }
}

