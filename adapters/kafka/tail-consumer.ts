// Follows a topic from "now" on, outside any shared group (a private throwaway group), e.g.
// for a client awaiting command results. Resolves start() only once partitions are assigned,
// so records produced after start() returns are seen. It never skips a record afterwards
// either: when kafkajs restarts the consumer after an outage (a broker restart), the new member
// would start at "latest" (nothing is committed), so every rejoin seeks each partition back to
// the next offset this tail has not yet delivered.
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { toInRecord, type InRecord } from './messages.ts';
import { deleteGroupQuietly } from './groups.ts';

export class TailConsumer {
  private readonly consumer: Consumer;
  private readonly kafka: Kafka;
  private readonly groupId: string;
  private readonly topic: string;
  /** Per partition, the next offset not yet delivered (Kafka offsets as decimal strings). */
  private readonly next = new Map<number, string>();

  constructor(kafka: Kafka, topic: string, groupPrefix = 'palisade-tail') {
    this.kafka = kafka;
    this.topic = topic;
    this.groupId = `${groupPrefix}-${randomUUID()}`;
    this.consumer = kafka.consumer({ groupId: this.groupId, readUncommitted: false, maxWaitTimeInMs: 50, sessionTimeout: 30_000 });
  }

  async start(onRecord: (record: InRecord) => void): Promise<void> {
    let joins = 0;
    const joined = new Promise<void>((resolve) =>
      this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
        joins += 1;
        if (joins === 1) resolve();
        else this.resume();
      }),
    );
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: false });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        this.next.set(partition, (BigInt(message.offset) + 1n).toString());
        onRecord(toInRecord(this.topic, partition, message));
      },
    });
    await joined;
    // A new group resolves "latest" lazily at its first fetch; pin it now so nothing produced
    // after start() returns can be skipped.
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      for (const { partition, high } of await admin.fetchTopicOffsets(this.topic)) {
        if (!this.next.has(partition)) this.next.set(partition, high);
        this.consumer.seek({ topic: this.topic, partition, offset: this.next.get(partition)! });
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** After a restart of the consumer: continue where this tail stopped, not at "latest". */
  private resume(): void {
    for (const [partition, offset] of this.next) {
      try {
        this.consumer.seek({ topic: this.topic, partition, offset });
      } catch {
        // Not running (stopping): nothing to resume.
      }
    }
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
    await deleteGroupQuietly(this.kafka, this.groupId);
  }
}
