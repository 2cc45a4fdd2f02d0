// A consumer-group member that hands whole per-partition batches to its owner and leaves
// offset management to the owner's transactions (autoCommit off). The owner learns about
// assignments so it can drop state of partitions it lost (kafkajs #1046: never act on a
// partition you no longer own).
import type { Consumer, Kafka } from 'kafkajs';
import { toInRecord, type InRecord } from './messages.ts';
import { withWatchdog } from './watchdog.ts';

const HEARTBEAT_WATCHDOG_MS = 5_000;

export interface BatchContext {
  readonly heartbeat: () => Promise<void>;
  /** False once stop() began or the group rebalanced away from this batch. */
  readonly shouldContinue: () => boolean;
  /** Marks records up to `offset` done, so the next fetch starts after it. Without it the same
   * records are fetched again, which is how a failed batch is retried. */
  readonly markProcessed: (offset: string) => void;
}

export interface GroupConsumerOptions {
  readonly groupId: string;
  readonly topic: string;
  readonly concurrency: number;
  readonly onBatch: (partition: number, records: InRecord[], context: BatchContext) => Promise<void>;
  readonly onAssignment: (partitions: number[]) => void;
  readonly onCrash: (error: unknown, willRestart: boolean) => void;
  readonly sessionTimeoutMs?: number;
}

export class GroupConsumer {
  private readonly consumer: Consumer;
  private readonly options: GroupConsumerOptions;

  constructor(kafka: Kafka, options: GroupConsumerOptions) {
    this.options = options;
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 50,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3_000,
      rebalanceTimeout: 60_000,
      retry: { retries: 10 },
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = payload.memberAssignment[options.topic] ?? [];
      options.onAssignment([...assigned].sort((a, b) => a - b));
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => options.onCrash(payload.error, payload.restart));
  }

  async start(): Promise<void> {
    const { topic } = this.options;
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.concurrency,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
        if (batch.messages.length === 0) return;
        const records = batch.messages.map((m) => toInRecord(topic, batch.partition, m));
        // A heartbeat is best effort: never let one that kafkajs does not settle block a batch.
        const safeHeartbeat = () => withWatchdog(heartbeat(), HEARTBEAT_WATCHDOG_MS, 'heartbeat').catch(() => undefined);
        await this.options.onBatch(batch.partition, records, { heartbeat: safeHeartbeat, shouldContinue: () => isRunning() && !isStale(), markProcessed: resolveOffset });
      },
    });
  }

  /** Repositions a partition; the next batch for it starts at `offset`. */
  seek(partition: number, offset: string): void {
    this.consumer.seek({ topic: this.options.topic, partition, offset });
  }

  pause(partition: number): void {
    this.consumer.pause([{ topic: this.options.topic, partitions: [partition] }]);
  }

  resume(partition: number): void {
    this.consumer.resume([{ topic: this.options.topic, partitions: [partition] }]);
  }

  /** The group's committed offset for a partition, read from the broker now (not a cache). */
  async committedOffset(kafka: Kafka, partition: number): Promise<string | null> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [entry] = await admin.fetchOffsets({ groupId: this.options.groupId, topics: [this.options.topic] });
      const found = entry?.partitions.find((p) => p.partition === partition);
      return found && found.offset !== '-1' ? found.offset : null;
    } finally {
      await admin.disconnect();
    }
  }

  /** Stops fetching and waits for batches in flight to finish (their transactions end). */
  async stop(): Promise<void> {
    await this.consumer.stop();
    await this.consumer.disconnect();
  }
}
