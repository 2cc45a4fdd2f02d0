// The chat worker service (issue 7; README.md "Wiring"): a consumer of the events topic in its own
// group that answers every ChatTurnRequested with one RecordAssistantReply (a reply or a failure
// reason), and keeps the memory blind index current from the same stream. This file wires the
// parts together:
//
// - event-loop.ts: the Kafka loop. At-least-once; positions in PostgreSQL, stored after a whole
//   batch; a failed batch is fetched again after a backoff.
// - ordering.ts: one (tenant, user)'s events in stream order, users in parallel, TenantDeleted a
//   barrier. Partitions run in parallel (`concurrency`); a tenant is on one partition.
// - read-models.ts: the service login's reads, and the wait until the read models reached a turn.
// - turn-content.ts: the message, history and memories, read through the opener role and opened.
// - memory-upkeep.ts: the blind index from MemoryStored, MemoryForgotten and the erasures.
// - index-key.ts: the index key, derived from the master key and adopted at start.
// - turn.ts: one turn, all I/O injected; ../vault/secret-opener.ts: the provider key.
//
// Handling is idempotent: the reply's command id is derived from the message event
// (replyCommandId), so the processor answers a repeat with the original result; `isAnswered`
// (the chat_messages read model) avoids a second provider call in the common case. Data keys: the
// key store without a cache, so an erasure (the DEK deleted) is seen at the next open. Logs carry
// ids, reason codes, counts and error names/codes only (logging.ts).
import type { KafkaEndpoint } from '../../adapters/kafka/client.ts';
import type pg from '../../adapters/postgres/pg.ts';
import type { KafkaClient as Kafka } from '../../adapters/kafka/client.ts';
import { createKafka } from '../../adapters/kafka/client.ts';
import type { AssignedBatch, AssignedBatchContext } from '../../adapters/kafka/assigned-consumer.ts';
import { openPool } from '../../adapters/postgres/pool.ts';
import { loadRolesFrom } from '../../adapters/postgres/roles.ts';
import { KeyStore } from '../../crypto/vault/store/key-store.ts';
import type { Kek } from '../../crypto/vault/key-wrap.ts';
import type { LogicalEvent } from '../../domain/logical.ts';
import { PalisadeClient } from '../../producers/client.ts';
import { readSecret } from '../vault/secrets-reader.ts';
import { SecretOpener, type OpenerDeps } from '../vault/secret-opener.ts';
import { chatContentReaderPool } from './chat-content-reader.ts';
import { WorkerCommands } from './commands.ts';
import { ContentOpener } from './content-opener.ts';
import { EventLoop } from './event-loop.ts';
import { adoptIndexKey } from './index-key.ts';
import { errorFields, type ChatWorkerLogger } from './logging.ts';
import { MemoryIndex } from './memory-index.ts';
import { MemoryUpkeep } from './memory-upkeep.ts';
import { handleInUserOrder } from './ordering.ts';
import { callAnthropic } from './provider.ts';
import { TurnReadModels } from './read-models.ts';
import { CHAT_TURN_EVENT, parseTurnRequest, runTurn, type ConversationView, type TurnConfig, type TurnDeps, type TurnScope } from './turn.ts';
import { TurnContent } from './turn-content.ts';
import type { InRecord } from '../../adapters/kafka/messages.ts';
import { admitBatch, reportAdmitted, runOnPool, saveAdmitted, watchReleases } from '../../adapters/postgres/quarantine.ts';
import type { ExtraRunCheck } from '../../domain/tenant/run-check.ts';
import { toGuardRecord } from '../../schemas/guard-record.ts';

export const CHAT_WORKER_GROUP = 'palisade-chat-worker';
/** The name the chat worker's chain heads and quarantines are stored under. */
export const CHAT_WORKER_CONSUMER = 'chat-worker';

export interface ChatWorkerOptions {
  /** The brokers and the chat worker principal's login (it reads events and writes commands). */
  readonly kafka: KafkaEndpoint;
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
  /** A further check of each event (a signature, issue 12): its anomalies quarantine the tenant too. */
  readonly extraCheck?: ExtraRunCheck;
  /** How often released quarantines are looked for (ms; default 2000). */
  readonly releasePollMs?: number;
}

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
  private loop: EventLoop | undefined;
  private store!: KeyStore;
  private secrets!: SecretOpener;
  private index!: MemoryIndex;
  private memories!: MemoryUpkeep;
  private readModels!: TurnReadModels;
  private turnContent!: TurnContent;
  private commands!: WorkerCommands;
  private crashed: ((error: unknown) => void) | undefined;
  private stopWatchingReleases: (() => void) | undefined;
  readonly stats: ChatWorkerStats = { turns: 0, replies: 0, failures: 0, replayed: 0, refused: 0, skipped: 0, indexed: 0 };

  constructor(options: ChatWorkerOptions, log: ChatWorkerLogger) {
    if (options.indexKey.byteLength !== 32) throw new TypeError('the memory index key must be 32 bytes');
    this.options = options;
    this.log = log;
    this.kafka = createKafka({ ...options.kafka, clientId: 'palisade-chat-worker' }, log);
  }

  async start(): Promise<void> {
    const o = this.options;
    try {
      this.pool = openPool({ connectionString: o.databaseUrl, max: 8 });
      const roles = await loadRolesFrom(o.databaseUrl);
      this.openerPool = chatContentReaderPool(o.databaseUrl, roles, 6);
      this.store = new KeyStore(this.pool, o.masterKey, { cache: false });
      this.commands = new WorkerCommands(() => this.producer, await this.store.intakePublicKey(), this.log);
      const content = new ContentOpener(this.store);
      this.index = new MemoryIndex(this.pool, o.indexKey);
      this.memories = new MemoryUpkeep(content, this.index, this.log);
      this.readModels = new TurnReadModels({ db: () => this.db, topic: o.topics.events, waitMs: o.projectionWaitMs ?? 60_000, signal: this.abort.signal });
      this.turnContent = new TurnContent({ reader: () => this.reader, content, index: this.index, historyLimit: o.historyLimit ?? 200, log: this.log });
      await adoptIndexKey(this.pool, o.indexKey, this.log);
      this.client = await PalisadeClient.connect({
        kafka: o.kafka,
        topics: { commands: o.topics.commands, results: o.topics.results },
        producerKeyId: o.producer.keyId,
        secretKey: o.producer.secretKey,
        resultTimeoutMs: o.resultTimeoutMs ?? 30_000,
      });
      this.secrets = new SecretOpener(this.openerDeps());
      this.loop = new EventLoop(this.kafka, {
        groupId: o.groupId,
        topic: o.topics.events,
        concurrency: o.concurrency ?? 4,
        ...(o.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: o.sessionTimeoutMs }),
        db: () => this.db,
        guardConsumer: CHAT_WORKER_CONSUMER,
        handleBatch: (batch, context) => this.handleBatch(batch, context),
        onCrashed: (error) => this.crashed?.(error),
        signal: this.abort.signal,
        log: this.log,
      });
      await this.loop.start();
      const loop = this.loop;
      this.stopWatchingReleases = watchReleases({
        run: runOnPool(this.pool), consumer: CHAT_WORKER_CONSUMER, everyMs: o.releasePollMs ?? 2_000, log: this.log,
        seek: (partition, offset) => loop.seek(partition, offset),
      });
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
    this.stopWatchingReleases?.();
    await this.loop?.stop().catch(() => undefined);
    this.loop = undefined;
    await this.client?.close().catch(() => undefined);
    this.client = undefined;
    await this.openerPool?.end().catch(() => undefined);
    this.openerPool = undefined;
    await this.pool?.end().catch(() => undefined);
    this.pool = undefined;
    this.log.info({}, 'chat worker stopped');
  }

  private get db(): pg.Pool {
    if (this.pool === undefined) throw new Error('the chat worker is not running');
    return this.pool;
  }

  private get producer(): PalisadeClient {
    if (this.client === undefined) throw new Error('the chat worker is not running');
    return this.client;
  }

  private get reader(): pg.Pool {
    if (this.openerPool === undefined) throw new Error('the chat worker is not running');
    return this.openerPool;
  }

  /**
   * Each record is admitted by the chain check first (docs/spec.md "Quarantine"): only a tenant's
   * next good events are handled; a record that breaks its chain quarantines that tenant in the
   * worker. The heads move only once the whole batch was handled (a failed batch is checked again).
   */
  private async handleBatch(batch: AssignedBatch, context: AssignedBatchContext): Promise<void> {
    const run = runOnPool(this.db);
    const admitted = await admitBatch(run, CHAT_WORKER_CONSUMER, batch.records.map(toGuardRecord), this.options.extraCheck ? { extra: this.options.extraCheck } : {});
    const records = batch.records.filter((_, i) => admitted.verdicts[i]!.kind === 'apply');
    await this.handleRecords(records, batch, context);
    await saveAdmitted(run, admitted);
    reportAdmitted(admitted, this.log);
  }

  private handleRecords(records: readonly InRecord[], batch: AssignedBatch, context: AssignedBatchContext): Promise<void> {
    return handleInUserOrder(records, {
      stopping: () => !context.shouldContinue() || this.abort.signal.aborted,
      undecodable: (record, error) => this.log.warn({ partition: record.partition, offset: record.offset, ...errorFields(error) }, 'chat worker skipped an undecodable record'),
      eraseTenant: (tenantId) => this.memories.eraseTenant(tenantId),
      handle: async (event, userId, offset) => {
        if (event.type === CHAT_TURN_EVENT) return this.handleTurn(event, batch.partition, offset);
        if (await this.memories.apply(event, userId)) this.stats.indexed += 1;
      },
    });
  }

  // --- turns -------------------------------------------------------------------------------------

  private async handleTurn(event: LogicalEvent, partition: number, offset: bigint): Promise<void> {
    const parsed = parseTurnRequest(event);
    if (!parsed.ok) {
      this.log.warn({ tenantId: event.tenantId, eventId: event.eventId, reason: parsed.reason }, 'chat turn skipped');
      return;
    }
    this.stats.turns += 1;
    await this.readModels.waitFor(partition, offset);
    const outcome = await runTurn(event, this.turnDeps(event.seq), this.options.turn);
    if (outcome.kind === 'skip') {
      this.stats.skipped += 1;
      this.log.info({ tenantId: event.tenantId, eventId: event.eventId, reason: outcome.reason }, 'chat turn skipped');
      return;
    }
    this.stats[await this.commands.recordReply(outcome)] += 1;
  }

  private turnDeps(seq: number): TurnDeps {
    return {
      userStatus: (tenantId, userId) => this.readModels.userStatus(tenantId, userId),
      isAnswered: (scope, messageId) => this.readModels.isAnswered(scope, messageId),
      loadConversation: (scope) => this.loadConversation(scope, seq),
      openMessage: (request) => this.turnContent.openMessage(request),
      recallMemories: (tenantId, userId, query, limit) => this.turnContent.recallMemories(tenantId, userId, query, limit),
      withProviderKey: (ref, use) => this.secrets.use(ref, use),
      callProvider: callAnthropic,
      log: this.log,
      signal: this.abort.signal,
    };
  }

  private async loadConversation(scope: TurnScope, seq: number): Promise<ConversationView | undefined> {
    const conversation = await this.readModels.activeConversation(scope);
    if (conversation === undefined) return undefined;
    const history = await this.turnContent.history(scope, seq);
    return conversation.model === null ? { history } : { model: conversation.model, history };
  }

  // --- provider keys -----------------------------------------------------------------------------

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
      reseal: (ref, version, commandId, plaintext) => this.commands.resealLegacy(ref, version, commandId, plaintext),
      ...(this.options.legacySecret === undefined ? {} : { legacySecret: this.options.legacySecret }),
    };
  }
}
