// The command processor service: one consumer-group member that owns some command partitions
// and runs a PartitionWorker (the single writer) for each.
import { randomUUID } from 'node:crypto';
import pg from '../../adapters/postgres/pg.ts';
import type { KafkaClient as Kafka } from '../../adapters/kafka/client.ts';
import { createKafka } from '../../adapters/kafka/client.ts';
import { GroupConsumer } from '../../adapters/kafka/group-consumer.ts';
import { endOffsets } from '../../adapters/kafka/partition-reader.ts';
import { PartitionWorker, type WorkerDeps } from './partition-worker.ts';
import { PgProducerKeyRegistry } from './producer-keys.ts';
import { StallGuard } from './stall-guard.ts';
import { withWatchdog } from '../../adapters/kafka/watchdog.ts';
import { validateProcessorOptions, type ProcessorLogger, type ProcessorOptions } from './options.ts';
import { openPool } from '../../adapters/postgres/pool.ts';
import { KeyStore } from '../../crypto/vault/store/key-store.ts';
import { CryptoShredder } from './crypto-shredder.ts';
import { SecretSealer } from './secret-sealer.ts';
import { zero } from '../../crypto/secure-memory.ts';

export class CommandProcessor {
  private readonly options: ProcessorOptions;
  private readonly log: ProcessorLogger;
  private readonly kafka: Kafka;
  private readonly pool: pg.Pool;
  private readonly keys: PgProducerKeyRegistry;
  private vault: { sealer: SecretSealer; shredder: CryptoShredder; intakeSecret: Buffer } | undefined;
  private readonly workers = new Map<number, PartitionWorker>();
  private consumer: GroupConsumer | undefined;
  private stallGuard: StallGuard | undefined;
  private partitionCount = 0;
  private keyTimer: NodeJS.Timeout | undefined;
  private crashed: ((error: unknown) => void) | undefined;
  /** Settles when the processor stops for good (stop() or an unrecoverable crash). */
  readonly stopped: Promise<void>;
  private resolveStopped!: () => void;

  constructor(options: ProcessorOptions, log: ProcessorLogger) {
    this.options = validateProcessorOptions(options);
    this.log = log;
    this.kafka = createKafka({ ...options.kafka, clientId: 'palisade-processor' }, log);
    this.pool = openPool({ connectionString: options.databaseUrl, max: 4 }, (e) => log.warn({ err: String(e) }, 'idle PostgreSQL connection failed'));
    this.keys = new PgProducerKeyRegistry(this.pool);
    this.stopped = new Promise((resolve) => { this.resolveStopped = resolve; });
  }

  async start(): Promise<void> {
    const { topics, groupId } = this.options;
    const partitionCount = await this.checkCoPartitioning();
    await this.keys.reload();
    await this.keys.listen(this.options.databaseUrl, (e) => this.log.warn({ err: String(e) }, 'producer key listener failed; relying on the periodic refresh'));
    this.keyTimer = setInterval(() => this.keys.reload().catch((e) => this.log.warn({ err: String(e) }, 'producer key refresh failed')), this.options.keyRefreshMs);
    this.partitionCount = partitionCount;
    if (this.options.masterKey !== undefined) {
      const store = new KeyStore(this.pool, this.options.masterKey);
      const intake = await store.intakeKeyPair();
      this.vault = { sealer: new SecretSealer(this.options.masterKey, store, intake, this.options.legacySecret), shredder: new CryptoShredder(store, this.log), intakeSecret: intake.secretKey };
      this.log.info({ kekId: store.kekId }, 'vault ready: secrets are sealed under the master key');
    } else {
      this.log.warn({}, 'no master key: commands carrying secrets are refused (VAULT_NOT_CONFIGURED)');
    }
    await this.startConsumer();
    this.stallGuard = new StallGuard({
      kafka: this.kafka, groupId, topic: topics.commands, stallMs: this.options.stallTimeoutMs,
      recover: (waiting) => this.replaceConsumer(waiting),
      onError: (e) => this.log.warn({ err: String(e) }, 'stall check failed'),
    });
    this.stallGuard.start();
    this.log.info({ groupId, partitions: partitionCount }, 'command processor started');
  }

  private async startConsumer(): Promise<void> {
    const { topics, groupId } = this.options;
    const partitionCount = this.partitionCount;
    const consumer = new GroupConsumer(this.kafka, {
      groupId, topic: topics.commands, concurrency: partitionCount, sessionTimeoutMs: this.options.sessionTimeoutMs,
      onBatch: async (partition, records, batch) => {
        if (this.consumer !== consumer) return; // a replaced consumer finishing late: ignore it
        this.stallGuard?.progress();
        const watched = { ...batch, heartbeat: async () => { this.stallGuard?.progress(); await batch.heartbeat(); } };
        return this.worker(partition, partitionCount).handleBatch(records, watched);
      },
      onAssignment: (partitions) => this.onAssignment(partitions),
      onCrash: (error, willRestart) => {
        this.log.error({ err: String(error), willRestart }, 'consumer crashed');
        if (!willRestart) this.crashed?.(error);
      },
    });
    this.consumer = consumer;
    await consumer.start();
  }

  /** The stall guard's remedy: a fresh consumer and fresh workers, rebuilt from the log. */
  private async replaceConsumer(waiting: number): Promise<void> {
    this.log.error({ waiting, stalledForMs: this.options.stallTimeoutMs }, 'no progress while commands wait; replacing the Kafka consumer');
    const old = this.consumer;
    this.consumer = undefined;
    const workers = [...this.workers.values()];
    this.workers.clear();
    await Promise.allSettled(workers.map((w) => w.close()));
    if (old) await withWatchdog(old.stop(), 15_000, 'stop stalled consumer').catch(() => undefined);
    await this.startConsumer();
  }

  private worker(partition: number, partitionCount: number): PartitionWorker {
    let worker = this.workers.get(partition);
    if (!worker) {
      worker = new PartitionWorker(partition, this.workerDeps(partitionCount));
      this.workers.set(partition, worker);
    }
    return worker;
  }

  private workerDeps(partitionCount: number): WorkerDeps {
    const o = this.options;
    return {
      kafka: this.kafka, consumer: this.consumer!, groupId: o.groupId, transactionalIdPrefix: o.groupId, topics: o.topics, log: this.log, maxAttempts: o.maxAttempts,
      reloadKeys: () => this.keys.reloadIfStale(),
      ...(this.vault ? { shredder: this.vault.shredder } : {}),
      context: {
        partitionCount, keys: this.keys, now: () => new Date(), newEventId: randomUUID,
        maxCommandBytes: o.maxCommandBytes, maxCommandAgeMs: o.maxCommandAgeMs, maxClockSkewMs: o.maxClockSkewMs,
        ...(this.vault ? { sealing: this.vault.sealer } : {}),
      },
    };
  }

  /** Drops partitions we lost (their state would go stale) and revives fenced ones we own again. */
  private onAssignment(partitions: number[]): void {
    const owned = new Set(partitions);
    for (const [p, worker] of this.workers) {
      if (!owned.has(p) || worker.status === 'fenced') {
        void worker.close();
        this.workers.delete(p);
        if (owned.has(p)) this.consumer?.resume(p);
      }
    }
    this.log.info({ partitions }, 'partitions assigned');
  }

  /** docs/spec.md: commands and events must have the same partition count, or refuse to run. */
  private async checkCoPartitioning(): Promise<number> {
    const { commands, events, results } = this.options.topics;
    const counts = await Promise.all([commands, events, results].map(async (t) => (await endOffsets(this.kafka, t)).size));
    const [c, e, r] = counts as [number, number, number];
    if (c === 0 || c !== e || c !== r) {
      throw new Error(`topics are not co-partitioned: ${commands}=${c}, ${events}=${e}, ${results}=${r} partitions; they must be equal (see docs/adr/0001-single-writer.md)`);
    }
    return c;
  }

  /** Resolves when stop() is called or the consumer crashes beyond restart. */
  waitForCrash(): Promise<unknown> {
    return new Promise((resolve) => { this.crashed = resolve; });
  }

  /** Graceful: the batch in flight finishes (its transaction commits or aborts), then we leave. */
  async stop(): Promise<void> {
    clearInterval(this.keyTimer);
    this.stallGuard?.stop();
    await this.consumer?.stop().catch((e) => this.log.warn({ err: String(e) }, 'consumer stop failed'));
    await Promise.all([...this.workers.values()].map((w) => w.close()));
    this.workers.clear();
    await this.keys.close();
    await this.pool.end().catch(() => undefined);
    if (this.vault) zero(this.vault.intakeSecret);
    this.vault = undefined;
    this.log.info({}, 'command processor stopped');
    this.resolveStopped();
  }

  stats(): { partitions: number[]; tenants: number } {
    let tenants = 0;
    for (const w of this.workers.values()) tenants += w.tenantCount;
    return { partitions: [...this.workers.keys()].sort((a, b) => a - b), tenants };
  }
}
