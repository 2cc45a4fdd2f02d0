// The chat worker's Kafka loop (README.md "Wiring"): a member of its own consumer group on the
// events topic, read read_committed (AssignedConsumer). Delivery is at-least-once: the positions
// live in PostgreSQL (chat_index.positions, migration 0015), and a partition's next offset is
// stored only after every record of the batch was handled. A batch that fails (the database, a
// timeout of the command result, a read model that did not catch up, shutdown) is fetched again
// from where it started, after a backoff that grows with the partition's failures in a row.
import type pg from '../../adapters/postgres/pg.ts';
import type { KafkaClient as Kafka } from '../../adapters/kafka/client.ts';
import { AssignedConsumer, type AssignedBatch, type AssignedBatchContext } from '../../adapters/kafka/assigned-consumer.ts';
import { errorFields, type ChatWorkerLogger } from './logging.ts';
import { pause } from './pause.ts';
import { runOnPool, withPendingResumes } from '../../adapters/postgres/quarantine.ts';

export interface EventLoopOptions {
  readonly groupId: string;
  readonly topic: string;
  /** Partitions handled at the same time. */
  readonly concurrency: number;
  readonly sessionTimeoutMs?: number;
  /** The pool the positions are kept with (throws once the worker stopped). */
  readonly db: () => pg.Pool;
  /** The name the worker's chain heads and quarantines are stored under (migration 0050). */
  readonly guardConsumer: string;
  /** Handles every record of the batch; throws to have the batch fetched again. */
  readonly handleBatch: (batch: AssignedBatch, context: AssignedBatchContext) => Promise<void>;
  /** The consumer crashed and kafkajs will not restart it. */
  readonly onCrashed: (error: unknown) => void;
  /** Aborted at shutdown: cuts a backoff short. */
  readonly signal: AbortSignal;
  readonly log: ChatWorkerLogger;
}

export class EventLoop {
  private readonly options: EventLoopOptions;
  private readonly consumer: AssignedConsumer;
  private readonly failuresInARow = new Map<number, number>();

  constructor(kafka: Kafka, options: EventLoopOptions) {
    this.options = options;
    const log = options.log;
    this.consumer = new AssignedConsumer(kafka, {
      groupId: options.groupId,
      topic: options.topic,
      concurrency: options.concurrency,
      ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
      startOffsets: (partitions) => this.startOffsets(partitions),
      onBatch: (batch, context) => this.onBatch(batch, context),
      onSkipped: (partition, _from, next) => this.savePosition(partition, next),
      onCrash: (error, willRestart) => {
        log.error({ ...errorFields(error), willRestart }, 'chat worker consumer crashed');
        if (!willRestart) options.onCrashed(error);
      },
      onPositionError: (error) => log.warn(errorFields(error), 'chat worker could not read its positions; retrying'),
    });
  }

  start(): Promise<void> {
    return this.consumer.start();
  }

  /** Re-reads `partition` from `offset` after the batches in flight (a released quarantine); false if not held here. */
  seek(partition: number, offset: bigint): boolean {
    return this.consumer.seek(partition, offset);
  }

  /** Leaves the group; a batch in flight is not marked done. */
  stop(): Promise<void> {
    return this.consumer.stop();
  }

  /** The stored positions, or a released quarantine's record when its re-check has not passed it yet. */
  private async startOffsets(partitions: readonly number[]): Promise<Map<number, bigint>> {
    const { rows } = await this.options.db().query<{ partition: number; next_offset: string }>(
      'select partition, next_offset from chat_index.positions where group_id = $1 and topic = $2 and partition = any($3::int[])',
      [this.options.groupId, this.options.topic, [...partitions]],
    );
    return withPendingResumes(runOnPool(this.options.db()), this.options.guardConsumer, new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)])));
  }

  private async savePosition(partition: number, nextOffset: bigint): Promise<void> {
    await this.options.db().query(
      `insert into chat_index.positions (group_id, topic, partition, next_offset) values ($1, $2, $3, $4)
       on conflict (group_id, topic, partition) do update set next_offset = greatest(chat_index.positions.next_offset, excluded.next_offset), updated_at = now()`,
      [this.options.groupId, this.options.topic, partition, nextOffset.toString()],
    );
  }

  private async onBatch(batch: AssignedBatch, context: AssignedBatchContext): Promise<void> {
    try {
      await this.options.handleBatch(batch, context);
      await this.savePosition(batch.partition, batch.nextOffset);
      this.failuresInARow.delete(batch.partition);
    } catch (error) {
      const failures = (this.failuresInARow.get(batch.partition) ?? 0) + 1;
      this.failuresInARow.set(batch.partition, failures);
      const delay = Math.min(250 * 2 ** (failures - 1), 10_000);
      if (!this.options.signal.aborted) this.options.log.warn({ partition: batch.partition, fromOffset: batch.fromOffset.toString(), failures, retryInMs: delay, ...errorFields(error) }, 'chat worker batch failed; retrying it');
      await pause(delay, this.options.signal);
      context.seek(batch.fromOffset);
    }
  }
}
