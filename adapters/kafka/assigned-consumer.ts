// A consumer-group member whose positions live outside Kafka (e.g. in PostgreSQL, stored in the
// same transaction as the rows they produced). kafkajs has no manual assignment, so on every
// assignment this pauses the new partitions synchronously (GROUP_JOIN is emitted before the
// next fetch), asks the owner where each starts, seeks there and resumes. Nothing is ever
// committed to the group: the owner's store is the only truth.
import type { Consumer, Kafka } from 'kafkajs';
import { toInRecord, type InRecord } from './messages.ts';
import { deleteGroupQuietly } from './groups.ts';

export interface AssignedBatch {
  readonly partition: number;
  /** Data records in offset order (control records and aborted data already removed). */
  readonly records: readonly InRecord[];
  /** The offset this fetch started at: records before it were not part of this batch. */
  readonly fromOffset: bigint;
  /** One past the last offset the batch covered, commit markers included. */
  readonly nextOffset: bigint;
}

export interface AssignedBatchContext {
  /** False once stop() began or the partition was repositioned or taken away. */
  readonly shouldContinue: () => boolean;
  readonly heartbeat: () => Promise<void>;
  /** Repositions the partition; the batch is not marked done and the next fetch starts at `offset`. */
  readonly seek: (offset: bigint) => void;
}

export interface AssignedConsumerOptions {
  readonly groupId: string;
  readonly topic: string;
  /** Partitions processed at the same time (batches of one partition are always sequential). */
  readonly concurrency: number;
  /** Where each newly assigned partition starts; called on every assignment, before any fetch. */
  readonly startOffsets: (partitions: readonly number[]) => Promise<ReadonlyMap<number, bigint>>;
  /** Resolve to mark the batch done; throw (or return after seek) to have it fetched again. */
  readonly onBatch: (batch: AssignedBatch, context: AssignedBatchContext) => Promise<void>;
  /** A fetch held only commit markers or aborted records: the position moved with no data. */
  readonly onSkipped?: (partition: number, fromOffset: bigint, nextOffset: bigint) => Promise<void>;
  readonly onAssignment?: (partitions: readonly number[]) => void;
  readonly onCrash: (error: unknown, willRestart: boolean) => void;
  /** Reported when startOffsets fails; it is retried until it succeeds or stop() is called. */
  readonly onPositionError?: (error: unknown) => void;
  readonly sessionTimeoutMs?: number;
  readonly maxBytesPerPartition?: number;
}

const POSITION_RETRY_MS = 1_000;

export class AssignedConsumer {
  private readonly consumer: Consumer;
  private readonly options: AssignedConsumerOptions;
  /** Bumped on every assignment, so a slow startOffsets of an older one is discarded. */
  private assignment = 0;
  private stopping = false;
  /** The partitions of the latest assignment. */
  private assigned = new Set<number>();
  /** Per partition, the work in flight (batches and skips), so they apply in order. */
  private readonly chains = new Map<number, Promise<void>>();

  constructor(kafka: Kafka, options: AssignedConsumerOptions) {
    this.options = options;
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3_000,
      rebalanceTimeout: 60_000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      maxBytes: Math.max(10_485_760, (options.maxBytesPerPartition ?? 1_048_576) * options.concurrency),
      retry: { retries: 10 },
    });
    const { GROUP_JOIN, END_BATCH_PROCESS, CRASH } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, ({ payload }) => this.onJoin([...(payload.memberAssignment[options.topic] ?? [])].sort((a, b) => a - b)));
    this.consumer.on(END_BATCH_PROCESS, ({ payload }) => {
      // batchSize 0 with a first offset: the fetch held records, all of them filtered out.
      if (payload.batchSize !== 0 || options.onSkipped === undefined || payload.firstOffset == null) return;
      const { partition } = payload;
      const from = BigInt(payload.firstOffset);
      this.inOrder(partition, () => options.onSkipped!(partition, from, BigInt(payload.lastOffset) + 1n)).catch((error: unknown) => options.onPositionError?.(error));
    });
    this.consumer.on(CRASH, ({ payload }) => options.onCrash(payload.error, payload.restart));
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
        const partition = batch.partition;
        let repositioned = false;
        const records = batch.messages.map((m) => toInRecord(topic, partition, m));
        const lastOffset = batch.lastOffset();
        // Where this fetch started (kafkajs keeps it on the batch but does not type it).
        const fromOffset = BigInt((batch as unknown as { fetchedOffset: string }).fetchedOffset);
        await this.inOrder(partition, () =>
          this.options.onBatch(
            { partition, records, fromOffset, nextOffset: BigInt(lastOffset) + 1n },
            {
              shouldContinue: () => !this.stopping && !repositioned && isRunning() && !isStale(),
              heartbeat,
              seek: (offset) => {
                repositioned = true;
                this.consumer.seek({ topic, partition, offset: offset.toString() });
              },
            },
          ),
        );
        // Resolving the last data record also resolves trailing commit markers (kafkajs runner).
        if (!repositioned) resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
      },
    });
  }

  /** Runs `work` after everything already queued for `partition`; failures stay with their caller. */
  private inOrder(partition: number, work: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(partition) ?? Promise.resolve();
    const next = previous.then(work);
    this.chains.set(partition, next.catch(() => undefined));
    return next;
  }

  private onJoin(partitions: number[]): void {
    const topic = this.options.topic;
    const assignment = ++this.assignment;
    this.assigned = new Set(partitions);
    if (partitions.length === 0) return;
    // Synchronously, before kafkajs fetches from wherever it thinks the partition is.
    this.consumer.pause([{ topic, partitions }]);
    this.options.onAssignment?.(partitions);
    const position = async (): Promise<void> => {
      while (!this.stopping && assignment === this.assignment) {
        try {
          const starts = await this.options.startOffsets(partitions);
          if (this.stopping || assignment !== this.assignment) return;
          for (const partition of partitions) this.consumer.seek({ topic, partition, offset: (starts.get(partition) ?? 0n).toString() });
          this.consumer.resume([{ topic, partitions }]);
          return;
        } catch (error) {
          this.options.onPositionError?.(error);
          await new Promise((resolve) => setTimeout(resolve, POSITION_RETRY_MS));
        }
      }
    };
    void position();
  }

  /**
   * Repositions `partition` after the batches in flight, if this member holds it (a consumer that
   * re-reads a released tenant). Returns false when the partition is not assigned here.
   */
  seek(partition: number, offset: bigint): boolean {
    if (this.stopping || !this.assigned.has(partition)) return false;
    void this.inOrder(partition, async () => {
      if (!this.stopping && this.assigned.has(partition)) this.consumer.seek({ topic: this.options.topic, partition, offset: offset.toString() });
    });
    return true;
  }

  /** Stops fetching, waits for batches in flight, leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer.stop().catch(() => undefined);
    await this.consumer.disconnect().catch(() => undefined);
    await Promise.allSettled([...this.chains.values()]);
  }

  /** Deletes the consumer group (for throwaway groups, once stopped). */
  static deleteGroup(kafka: Kafka, groupId: string): Promise<void> {
    return deleteGroupQuietly(kafka, groupId);
  }

}
