// Reads whole partitions up to their current end, read_committed. kafkajs has no manual
// partition assignment, so this joins a throwaway consumer group, pauses partitions it does not
// want, and detects the end through batch instrumentation (a trailing commit marker never
// reaches eachBatch, only END_BATCH_PROCESS).
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { classifyKafkaError, toKafkaEdgeError } from './errors.ts';
import { toInRecord, type InRecord } from './messages.ts';
import { deleteGroupQuietly } from './groups.ts';

export interface ReadToEndOptions {
  readonly topic: string;
  readonly partitions: readonly number[];
  /** Called in offset order per partition; may be async. */
  readonly onRecords: (partition: number, records: InRecord[]) => void | Promise<void>;
  /** Called regularly while reading, e.g. to heartbeat a group the caller belongs to. */
  readonly onProgress?: () => Promise<void> | void;
  readonly timeoutMs?: number;
}

/** Returns, per partition, the end offset read up to (exclusive). */
export async function readPartitionsToEnd(kafka: Kafka, options: ReadToEndOptions): Promise<Map<number, string>> {
  const { topic, onRecords } = options;
  const ends = await endOffsets(kafka, topic);
  const pending = new Set<number>();
  const result = new Map<number, string>();
  for (const p of options.partitions) {
    const end = ends.get(p);
    if (end === undefined) throw new Error(`topic ${topic} has no partition ${p}`);
    result.set(p, end.high);
    if (BigInt(end.high) > BigInt(end.low)) pending.add(p);
  }
  if (pending.size === 0) return result;

  const groupId = `palisade-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100, sessionTimeout: 30_000, retry: { retries: 8 } });
  let finish!: () => void;
  let fail!: (e: unknown) => void;
  const done = new Promise<void>((resolve, reject) => { finish = resolve; fail = reject; });
  const markIfAtEnd = (partition: number, lastOffset: string) => {
    if (!pending.has(partition)) return;
    if (BigInt(lastOffset) >= BigInt(result.get(partition)!) - 1n) {
      pending.delete(partition);
      consumer.pause([{ topic, partitions: [partition] }]);
      if (pending.size === 0) finish();
    }
  };
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => markIfAtEnd(payload.partition, payload.lastOffset));
  consumer.on(consumer.events.CRASH, ({ payload }) => fail(payload.error));
  const timer = setTimeout(() => fail(new Error(`timed out reading ${topic} partitions [${[...pending]}] to their end`)), options.timeoutMs ?? 120_000);
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        if (!pending.has(batch.partition)) {
          consumer.pause([{ topic, partitions: [batch.partition] }]);
          return;
        }
        const end = BigInt(result.get(batch.partition)!);
        const records = batch.messages.filter((m) => BigInt(m.offset) < end).map((m) => toInRecord(topic, batch.partition, m));
        if (records.length > 0) await onRecords(batch.partition, records);
        await options.onProgress?.();
      },
    });
    await done;
  } catch (error) {
    throw toKafkaEdgeError(error, `read ${topic} to end`);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    await deleteGroupQuietly(kafka, groupId);
  }
  return result;
}

/** Low and high watermark per partition; retries transient errors (a leader moving, a broker restarting). */
export async function endOffsets(kafka: Kafka, topic: string, timeoutMs = 30_000): Promise<Map<number, { low: string; high: string }>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(topic);
      return new Map(offsets.map((o) => [o.partition, { low: o.low, high: o.high }]));
    } catch (error) {
      if (classifyKafkaError(error) === 'fatal' || Date.now() > deadline) throw toKafkaEdgeError(error, `offsets of ${topic}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

