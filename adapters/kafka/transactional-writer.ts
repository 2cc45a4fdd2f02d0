// Read-process-write with one Kafka transaction per batch (docs/spec.md "Single writer, exactly
// once"). One transactional id per input partition: opening a writer bumps the producer epoch,
// which fences any zombie still holding that partition and aborts its open transaction (kafkajs
// has no KIP-447 group fencing).
import type { Kafka, Producer, Transaction } from 'kafkajs';
import { KafkaEdgeError, toKafkaEdgeError } from './errors.ts';
import { withWatchdog } from './watchdog.ts';
import type { ConsumedPosition, OutRecord } from './messages.ts';

/** Kafka's default max.message.bytes is ~1 MiB per record batch; stay well below it per send. */
const MAX_BYTES_PER_SEND = 512 * 1024;

/** How long a transaction (or opening the writer) may take before it counts as stuck. */
export const DEFAULT_WATCHDOG_MS = 30_000;

export class TransactionalWriter {
  readonly transactionalId: string;
  private readonly producer: Producer;
  private readonly watchdogMs: number;
  private closed = false;

  private constructor(transactionalId: string, producer: Producer, watchdogMs: number) {
    this.transactionalId = transactionalId;
    this.producer = producer;
    this.watchdogMs = watchdogMs;
  }

  /** Connects and initialises the producer id; returns only once previous owners are fenced. */
  static async open(kafka: Kafka, transactionalId: string, options: { transactionTimeoutMs?: number; watchdogMs?: number } = {}): Promise<TransactionalWriter> {
    const watchdogMs = options.watchdogMs ?? DEFAULT_WATCHDOG_MS;
    const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: options.transactionTimeoutMs ?? 60_000 });
    try {
      await withWatchdog((async () => {
        await producer.connect();
        // kafkajs initialises the producer id lazily in transaction(); an empty transaction
        // forces InitProducerId now, and aborting it sends nothing (no partitions were added).
        const txn = await producer.transaction();
        await txn.abort();
      })(), watchdogMs, `open transactional producer ${transactionalId}`);
    } catch (error) {
      void producer.disconnect().catch(() => undefined);
      throw toKafkaEdgeError(error, `open transactional producer ${transactionalId}`);
    }
    return new TransactionalWriter(transactionalId, producer, watchdogMs);
  }

  /**
   * Writes `records` and commits `position` atomically. On any error the transaction is
   * aborted when possible and a KafkaEdgeError is thrown; after kind 'fenced' or 'fatal' the
   * writer must be closed and the caller must rebuild its state from the log.
   */
  async commit(records: readonly OutRecord[], position: ConsumedPosition): Promise<void> {
    if (this.closed) throw new KafkaEdgeError('transactional writer is closed', 'fatal');
    try {
      await withWatchdog(this.runTransaction(records, position), this.watchdogMs, `transaction ${this.transactionalId}`);
    } catch (error) {
      // A stuck or failed EndTxn leaves this producer's state unknown: the caller abandons it,
      // and the next writer opened with the same transactional id fences it.
      if (error instanceof KafkaEdgeError && error.kind === 'fatal') this.abandon();
      throw error;
    }
  }

  private async runTransaction(records: readonly OutRecord[], position: ConsumedPosition): Promise<void> {
    let txn: Transaction | undefined;
    let committing = false;
    try {
      txn = await this.producer.transaction();
      for (const chunk of chunkBySize(records)) {
        await txn.sendBatch({ topicMessages: toTopicMessages(chunk), acks: -1 });
      }
      await txn.sendOffsets({
        consumerGroupId: position.groupId,
        topics: [{ topic: position.topic, partitions: [{ partition: position.partition, offset: position.nextOffset }] }],
      });
      committing = true;
      await txn.commit();
    } catch (error) {
      const failure = toKafkaEdgeError(error, `transaction ${this.transactionalId}`);
      // A failed EndTxn leaves the outcome unknown and kafkajs' state machine stuck in
      // COMMITTING: only a new producer and a rebuild from the log are safe.
      if (committing && failure.kind !== 'fenced') throw new KafkaEdgeError(failure.message, 'fatal', error);
      if (txn?.isActive() && failure.kind !== 'fenced') {
        try {
          await txn.abort();
        } catch {
          throw new KafkaEdgeError(`${failure.message} (abort failed too)`, 'fatal', error);
        }
      }
      throw failure;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await withWatchdog(this.producer.disconnect(), 5_000, 'disconnect').catch(() => undefined);
  }

  /** Stops using a producer whose state is unknown, without waiting on it. */
  private abandon(): void {
    this.closed = true;
    void this.producer.disconnect().catch(() => undefined);
  }
}

function* chunkBySize(records: readonly OutRecord[]): Generator<OutRecord[]> {
  let chunk: OutRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = r.value.length + (r.key?.length ?? 0) + 64;
    if (chunk.length > 0 && bytes + size > MAX_BYTES_PER_SEND) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(r);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

function toTopicMessages(records: readonly OutRecord[]) {
  const byTopic = new Map<string, { key: Buffer | string | null; value: Buffer; partition?: number }[]>();
  for (const r of records) {
    const list = byTopic.get(r.topic) ?? [];
    list.push(r.partition === undefined ? { key: r.key, value: r.value } : { key: r.key, value: r.value, partition: r.partition });
    byTopic.set(r.topic, list);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
