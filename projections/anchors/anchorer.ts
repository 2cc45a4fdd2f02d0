// The anchorer service (projections/anchors/README.md). It follows the events topic
// (read_committed), keeps every tenant's tree as compact ranges, and every interval anchors the
// tenants that changed: one signed global anchor, recorded in Postgres with the checkpoints and
// the consumed offsets (one transaction), then written to immutable storage and to the anchors
// topic. One anchorer runs per database (an advisory lock); on any unexpected failure it stops,
// and a restart resumes from the committed state, finishing unpublished anchors first. A tenant
// whose chain breaks is quarantined here (docs/spec.md "Quarantine"): its tree stays at its valid
// prefix, the quarantine is recorded for operators, every other tenant goes on; a release
// re-reads the tenant from the record it was raised on.
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
import { loadGuardRows, pendingResumes, runOnPool, saveGuardChanges } from '../../adapters/postgres/quarantine.ts';
import { incrementCounter, QUARANTINE_COUNTERS } from '../../adapters/counters.ts';
import { UNATTRIBUTED_TENANT, type NewQuarantine, type QuarantineMark } from '../../domain/tenant/run-guard.ts';
import type { RunAnomaly } from '../../domain/tenant/run-check.ts';
import { isCanonicalUuid } from '../../domain/validation.ts';

/** The name the anchorer's quarantines are stored under. */
export const ANCHORER_CONSUMER = 'anchorer';

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
  /** Active quarantines: the record each was raised on. */
  readonly #marks = new Map<string, { partition: number; offset: bigint }>();
  /** Records released quarantines were raised on ("partition:offset" → tenant): skipped for good. */
  readonly #dismissed = new Map<string, string>();
  /** Released tenants being re-read: records below the position are theirs to push again. */
  readonly #replaying = new Map<string, number>();
  /** Quarantines raised and dismissed records passed, not yet stored (stored after each batch). */
  #unsaved: { raised: NewQuarantine[]; dismissed: QuarantineMark[] } = { raised: [], dismissed: [] };
  #releaseTimer: NodeJS.Timeout | undefined;
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
      const stored = await loadGuardRows(runOnPool(pool), ANCHORER_CONSUMER);
      for (const mark of stored.marks) {
        if (mark.released) this.#dismissed.set(`${mark.partition}:${mark.offset}`, mark.tenantId);
        else this.#marks.set(mark.tenantId, { partition: mark.partition, offset: mark.offset });
      }

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
    this.#releaseTimer = setInterval(() => void this.#exclusive(() => this.#resumeReleased()), options.releasePollMs ?? 2_000);
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
    if (this.#releaseTimer !== undefined) clearInterval(this.#releaseTimer);
    this.#timer = undefined;
    this.#releaseTimer = undefined;
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
        if (offset < next) {
          // Already anchored before a restart, unless it is a released tenant's, re-read.
          if (this.#replaying.get(tenantOfKey(record)) === partition) this.#apply(record);
          continue;
        }
        this.#apply(record);
        next = offset + 1n;
      }
      this.#positions.set(partition, next.toString());
      await this.#saveQuarantines();
    });
    const last = records.at(-1);
    if (last !== undefined) context.markProcessed(last.offset);
  }

  #apply(record: InRecord): void {
    const keyTenant = tenantOfKey(record);
    const offset = BigInt(record.offset);
    const dismissed = this.#dismissed.get(`${record.partition}:${offset}`);
    if (dismissed !== undefined) {
      this.#unsaved.dismissed.push({ tenantId: dismissed, partition: record.partition, offset, released: true });
      return;
    }
    let decoded;
    try {
      decoded = decodeEvent(record.value ?? Buffer.alloc(0));
    } catch (error) {
      if (!(error instanceof CodecError)) throw error;
      if (!this.#skipQuarantined(keyTenant, record)) this.#quarantine(keyTenant, record, null, { code: 'CHAIN_UNDECODABLE', detail: `does not decode (${error.code})` });
      return;
    }
    const tenantId = decoded.event.tenantId;
    if (this.#skipQuarantined(tenantId, record)) return;
    const outcome = this.#treeOf(tenantId).push(decoded.event, decoded.carriedHash);
    if (typeof outcome === 'object') {
      this.#quarantine(tenantId, record, Number.isSafeInteger(decoded.event.seq) ? decoded.event.seq : null, outcome.anomaly ?? { code: 'CHAIN_UNDECODABLE', detail: outcome.halted });
    }
  }

  /** True (and counted) when the tenant is quarantined here from before this record. */
  #skipQuarantined(tenantId: string, record: InRecord): boolean {
    const mark = this.#marks.get(tenantId);
    if (mark === undefined || (mark.partition === record.partition && BigInt(record.offset) < mark.offset)) return false;
    if (tenantId !== UNATTRIBUTED_TENANT) this.#treeOf(tenantId).halt(`quarantined at ${mark.partition}@${mark.offset}`);
    incrementCounter(QUARANTINE_COUNTERS.skipped, { consumer: ANCHORER_CONSUMER });
    return true;
  }

  #quarantine(tenantId: string, record: InRecord, seq: number | null, anomaly: RunAnomaly): void {
    const offset = BigInt(record.offset);
    const tree = tenantId === UNATTRIBUTED_TENANT ? undefined : this.#treeOf(tenantId);
    tree?.halt(`${anomaly.code}: ${anomaly.detail}`);
    this.#marks.set(tenantId, { partition: record.partition, offset });
    this.#unsaved.raised.push({ tenantId, partition: record.partition, offset, released: false, seq, anomaly });
    incrementCounter(QUARANTINE_COUNTERS.raised, { consumer: ANCHORER_CONSUMER, code: anomaly.code });
    this.#log.error(
      { tenantId, code: anomaly.code, detail: anomaly.detail, partition: record.partition, offset: record.offset, anchoredSize: tree?.checkpointedSize ?? 0 },
      'tenant chain does not verify: tenant quarantined in the anchorer, its tree stays at its last valid event and is not anchored further',
    );
  }

  /** Stores raised quarantines and passed dismissals; kept for the next try when the database fails. */
  async #saveQuarantines(): Promise<void> {
    const { raised, dismissed } = this.#unsaved;
    if (raised.length === 0 && dismissed.length === 0) return;
    const running = this.#running;
    if (running === undefined) return;
    try {
      await saveGuardChanges(runOnPool(running.pool), ANCHORER_CONSUMER, {
        heads: new Map(), raised, dismissed, headSeqOf: (tenantId) => this.#tenants.get(tenantId)?.size ?? null,
      });
      this.#unsaved = { raised: [], dismissed: [] };
    } catch (error) {
      this.#log.warn({ err: String(error), quarantines: raised.length }, 'could not record quarantines; retrying with the next batch');
    }
  }

  /** Released quarantines: the tenant accepts events again and is re-read from its record. */
  async #resumeReleased(): Promise<void> {
    const running = this.#running;
    if (running === undefined) return;
    try {
      await this.#saveQuarantines();
      for (const resume of await pendingResumes(runOnPool(running.pool), ANCHORER_CONSUMER)) {
        const key = `${resume.partition}:${resume.offset}`;
        if (this.#dismissed.has(key)) continue;
        this.#consumer?.seek(resume.partition, resume.offset.toString());
        this.#dismissed.set(key, resume.tenantId);
        this.#marks.delete(resume.tenantId);
        this.#replaying.set(resume.tenantId, resume.partition);
        this.#tenants.get(resume.tenantId)?.resume();
        this.#log.info({ tenantId: resume.tenantId, partition: resume.partition, offset: resume.offset.toString() }, 'quarantine released: re-checking the tenant from its last valid event');
      }
    } catch (error) {
      this.#log.warn({ err: String(error) }, 'could not look for released quarantines; retrying');
    }
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

/** The tenant a record's key names, or the unattributed one. */
function tenantOfKey(record: InRecord): string {
  const key = record.key?.toString('utf8');
  return isCanonicalUuid(key) ? key : UNATTRIBUTED_TENANT;
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
