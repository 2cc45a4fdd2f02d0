// The anchorer service (projections/anchors/README.md). It follows the events topic
// (read_committed), keeps every tenant's tree as compact ranges, and every interval anchors the
// tenants that changed: one signed global anchor, recorded in Postgres with the checkpoints and
// the consumed offsets (one transaction), then written to immutable storage and to the anchors
// topic. One anchorer runs per database (an advisory lock); on any unexpected failure it stops,
// and a restart resumes from the committed state, finishing unpublished anchors first.
import pg from '../../adapters/postgres/pg.ts';
import type { KafkaClient as Kafka } from '../../adapters/kafka/client.ts';
import type { SigningKey } from '../../crypto/key-file.ts';
import { verifierKeyString } from '../../crypto/note.ts';
import { zero } from '../../crypto/secure-memory.ts';
import { createKafka } from '../../adapters/kafka/client.ts';
import { GroupConsumer, type BatchContext } from '../../adapters/kafka/group-consumer.ts';
import type { InRecord } from '../../adapters/kafka/messages.ts';
import { endOffsets, readPartitionsToEnd } from '../../adapters/kafka/partition-reader.ts';
import { IdempotentProducer } from '../../adapters/kafka/simple-producer.ts';
import { decodeEvent } from '../../schemas/codec.ts';
import { CodecError } from '../../schemas/errors.ts';
import { type StoredAnchor, insertPendingAnchor, loadResumeState, tryLockAnchorer } from './anchor-repository.ts';
import { buildAnchor } from './build-anchor.ts';
import { AnchorerError } from './errors.ts';
import { type AnchorerOptions, validateAnchorerOptions } from './options.ts';
import { AnchorPublisher } from './publisher.ts';
import type { AnchorStore } from '../../adapters/storage/anchor-store.ts';
import { openAnchorStore } from '../../adapters/storage/store-options.ts';
import { loadAnchorSigningKey } from './signing-key.ts';
import { TenantTree } from './tenant-tree.ts';
import { openPool } from '../../adapters/postgres/pool.ts';

export interface AnchorerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface AnchorerHooks {
  /** Called once an anchor is both in immutable storage and on the anchors topic. */
  readonly onPublished?: (anchor: StoredAnchor) => void;
}

/** What start() sets up; absent before start and after stop. */
interface Running {
  readonly key: SigningKey;
  readonly verifierKey: string;
  readonly store: AnchorStore;
  readonly pool: pg.Pool;
  readonly lock: { release: () => Promise<void> };
  readonly kafka: Kafka;
  readonly producer: IdempotentProducer;
  readonly publisher: AnchorPublisher;
}

export class Anchorer {
  readonly options: AnchorerOptions;
  readonly #log: AnchorerLogger;
  readonly #hooks: AnchorerHooks;
  readonly #tenants = new Map<string, TenantTree>();
  /** Next offset per events partition: the cut the next anchor covers. */
  readonly #positions = new Map<number, string>();
  #lastAnchorSeq = 0;
  #running: Running | undefined;
  #consumer: GroupConsumer | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Batches and checkpoints take turns: a checkpoint sees a consistent cut. */
  #serial: Promise<unknown> = Promise.resolve();
  #checkpointQueued = false;
  #crashed!: (error: unknown) => void;
  readonly #crash: Promise<unknown>;

  constructor(options: AnchorerOptions, log: AnchorerLogger, hooks: AnchorerHooks = {}) {
    this.options = validateAnchorerOptions(options);
    this.#log = log;
    this.#hooks = hooks;
    this.#crash = new Promise((resolve) => {
      this.#crashed = resolve;
    });
  }

  async start(): Promise<void> {
    const { options } = this;
    const key = loadAnchorSigningKey(options.keyFile);
    const cleanup: (() => Promise<unknown>)[] = [async () => zero(key.secretKey)];
    try {
      const store = await openAnchorStore(options.store);
      cleanup.push(() => store.close());
      const pool = openPool({ connectionString: options.databaseUrl, max: 3 });
      cleanup.push(() => pool.end());
      const lock = await tryLockAnchorer(pool);
      if (lock === null) throw new AnchorerError('ALREADY_RUNNING', 'another anchorer holds the lock on this database; run one anchorer per deployment');
      cleanup.push(() => lock.release());
      const state = await loadResumeState(pool, options.eventsTopic);
      for (const row of state.trees) this.#tenants.set(row.tenantId, TenantTree.resume(row));
      for (const [partition, offset] of state.positions) this.#positions.set(partition, offset);
      this.#lastAnchorSeq = state.lastAnchorSeq;

      const kafka = createKafka({ ...options.kafka, clientId: 'palisade-anchorer' }, this.#log);
      const onTopic = await anchorSeqsOnTopic(kafka, options.anchorsTopic);
      const producer = await IdempotentProducer.open(kafka);
      cleanup.push(() => producer.close());
      const publisher = new AnchorPublisher({
        pool, store, producer, anchorsTopic: options.anchorsTopic, onTopic, log: this.#log,
        onPublished: (anchor) => this.#hooks.onPublished?.(anchor),
        onFatal: (error) => this.#fail(error),
      });
      this.#running = { key, verifierKey: verifierKeyString(options.origin, key.publicKey), store, pool, lock, kafka, producer, publisher };
      for (const anchor of state.unfinished) publisher.enqueue(anchor);
      await this.#startConsumer(kafka);
    } catch (error) {
      this.#running = undefined;
      for (const close of cleanup.reverse()) await close().catch(() => undefined);
      throw error;
    }
    this.#timer = setInterval(() => void this.#scheduledCheckpoint(), options.intervalMs);
    this.#log.info(
      { anchorSeq: this.#lastAnchorSeq, tenants: this.#tenants.size, intervalMs: options.intervalMs, store: this.#running.store.kind, origin: options.origin },
      'anchorer started',
    );
  }

  /**
   * Anchors every tenant that changed since its last checkpoint, now. Resolves with the anchor
   * recorded (its publication continues in the background), or null when nothing changed.
   */
  checkpointNow(): Promise<StoredAnchor | null> {
    return this.#exclusive(async () => {
      const running = this.#requireRunning();
      const seq = this.#lastAnchorSeq + 1;
      const draft = buildAnchor(seq, this.#tenants.values(), { origin: this.options.origin, secretKey: running.key.secretKey });
      if (draft === null) return null;
      const target = { verifierKey: running.verifierKey, kind: running.store.kind, location: running.store.location, key: running.store.keyOf(seq) };
      const anchor = await insertPendingAnchor(running.pool, draft, target, this.options.eventsTopic, this.#positions);
      for (const checkpoint of draft.checkpoints) this.#tenants.get(checkpoint.tenantId)!.markCheckpointed(seq);
      this.#lastAnchorSeq = seq;
      this.#log.info({ anchorSeq: seq, checkpoints: draft.checkpoints.length, treeSize: draft.treeSize }, 'anchor recorded');
      running.publisher.enqueue(anchor);
      return anchor;
    });
  }

  /** Resolves once every recorded anchor is stored and published. */
  async published(): Promise<void> {
    await this.#requireRunning().publisher.idle();
  }

  get lastAnchorSeq(): number {
    return this.#lastAnchorSeq;
  }

  /** How far a tenant's tree is (events consumed, last checkpoint, halted reason); for status and tests. */
  tenantStatus(tenantId: string): { size: number; checkpointedSize: number; halted: string | null } | undefined {
    const tree = this.#tenants.get(tenantId);
    return tree === undefined ? undefined : { size: tree.size, checkpointedSize: tree.checkpointedSize, halted: tree.halted };
  }

  /** Resolves with the error when the anchorer stopped on a failure it cannot recover from. */
  waitForCrash(): Promise<unknown> {
    return this.#crash;
  }

  /** Stops consuming and anchoring; publication in flight gets a few seconds to finish. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#consumer?.stop().catch(() => undefined);
    this.#consumer = undefined;
    await this.#serial.catch(() => undefined);
    const running = this.#running;
    this.#running = undefined;
    if (running === undefined) return;
    await Promise.race([running.publisher.idle(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    running.publisher.stop();
    await running.producer.close();
    await running.lock.release();
    await running.pool.end().catch(() => undefined);
    await running.store.close();
    zero(running.key.secretKey);
    this.#log.info({ anchorSeq: this.#lastAnchorSeq }, 'anchorer stopped');
  }

  async #startConsumer(kafka: Kafka): Promise<void> {
    const consumer = new GroupConsumer(kafka, {
      groupId: this.options.groupId,
      topic: this.options.eventsTopic,
      concurrency: 1,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      onBatch: (partition, records, context) => this.#onBatch(partition, records, context),
      // Offsets live in Postgres with the anchors (the group never commits any): start each
      // partition right after the last anchored cut. #onBatch skips anything before it anyway.
      onAssignment: (partitions) => {
        for (const partition of partitions) {
          const offset = this.#positions.get(partition);
          if (offset !== undefined) consumer.seek(partition, offset);
        }
      },
      onCrash: (error, willRestart) => {
        this.#log.error({ err: String(error), willRestart }, 'anchorer consumer crashed');
        if (!willRestart) this.#fail(error);
      },
    });
    this.#consumer = consumer;
    await consumer.start();
  }

  async #onBatch(partition: number, records: InRecord[], context: BatchContext): Promise<void> {
    await this.#exclusive(async () => {
      let next = BigInt(this.#positions.get(partition) ?? '0');
      for (const record of records) {
        const offset = BigInt(record.offset);
        if (offset < next) continue; // already anchored before a restart
        this.#apply(record);
        next = offset + 1n;
      }
      this.#positions.set(partition, next.toString());
    });
    const last = records.at(-1);
    if (last !== undefined) context.markProcessed(last.offset);
  }

  #apply(record: InRecord): void {
    const keyTenant = record.key?.toString('utf8');
    let decoded;
    try {
      decoded = decodeEvent(record.value ?? Buffer.alloc(0));
    } catch (error) {
      if (!(error instanceof CodecError)) throw error;
      if (keyTenant !== undefined) this.#halt(this.#treeOf(keyTenant), `undecodable record at offset ${record.offset} (${error.code})`, record);
      else this.#log.error({ partition: record.partition, offset: record.offset, code: error.code }, 'undecodable event record without a tenant key; skipped');
      return;
    }
    const tree = this.#treeOf(decoded.event.tenantId);
    const wasHalted = tree.halted !== null;
    const outcome = tree.push(decoded.event, decoded.carriedHash);
    if (typeof outcome === 'object' && !wasHalted) this.#halt(tree, outcome.halted, record);
  }

  #halt(tree: TenantTree, reason: string, record: InRecord): void {
    if (tree.halted === null) tree.halt(reason);
    this.#log.error(
      { tenantId: tree.tenantId, reason, partition: record.partition, offset: record.offset, anchoredSize: tree.checkpointedSize },
      'tenant chain does not verify: its tree stays at its last valid event and is not anchored further',
    );
  }

  #treeOf(tenantId: string): TenantTree {
    let tree = this.#tenants.get(tenantId);
    if (tree === undefined) {
      tree = TenantTree.empty(tenantId);
      this.#tenants.set(tenantId, tree);
    }
    return tree;
  }

  async #scheduledCheckpoint(): Promise<void> {
    if (this.#checkpointQueued || this.#running === undefined) return;
    this.#checkpointQueued = true;
    try {
      await this.checkpointNow();
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#checkpointQueued = false;
    }
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#serial.then(fn);
    this.#serial = result.catch(() => undefined);
    return result;
  }

  #requireRunning(): Running {
    if (this.#running === undefined) throw new AnchorerError('INVALID_OPTIONS', 'the anchorer is not running');
    return this.#running;
  }

  #fail(error: unknown): void {
    this.#log.error({ err: String(error) }, 'anchorer failed; stopping (a restart resumes from the last committed anchor)');
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#crashed(error);
  }
}

/** The anchor seqs (record keys) already on the anchors topic. */
async function anchorSeqsOnTopic(kafka: Kafka, topic: string): Promise<Set<number>> {
  const seqs = new Set<number>();
  const partitions = [...(await endOffsets(kafka, topic)).keys()];
  if (partitions.length === 0) throw new AnchorerError('INVALID_OPTIONS', `topic ${topic} does not exist; is the stack up (palisade stack up)?`);
  await readPartitionsToEnd(kafka, {
    topic, partitions,
    onRecords: (_partition, records) => {
      for (const record of records) if (record.key !== null) seqs.add(Number(record.key.toString('utf8')));
    },
  });
  return seqs;
}
