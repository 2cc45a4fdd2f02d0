// Follows a topic from "now" on, outside any shared group (a private throwaway group), e.g.
// for a client awaiting command results. Resolves start() only once partitions are assigned,
// so records produced after start() returns are seen.
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { toInRecord, type InRecord } from './messages.ts';
import { deleteGroupQuietly } from './groups.ts';

export class TailConsumer {
  private readonly consumer: Consumer;
  private readonly kafka: Kafka;
  private readonly groupId: string;
  private readonly topic: string;

  constructor(kafka: Kafka, topic: string, groupPrefix = 'palisade-tail') {
    this.kafka = kafka;
    this.topic = topic;
    this.groupId = `${groupPrefix}-${randomUUID()}`;
    this.consumer = kafka.consumer({ groupId: this.groupId, readUncommitted: false, maxWaitTimeInMs: 50, sessionTimeout: 30_000 });
  }

  async start(onRecord: (record: InRecord) => void): Promise<void> {
    const joined = new Promise<void>((resolve) => this.consumer.on(this.consumer.events.GROUP_JOIN, () => resolve()));
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: false });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => onRecord(toInRecord(this.topic, partition, message)),
    });
    await joined;
    // A new group resolves "latest" lazily at its first fetch; pin it now so nothing produced
    // after start() returns can be skipped.
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      for (const { partition, high } of await admin.fetchTopicOffsets(this.topic)) this.consumer.seek({ topic: this.topic, partition, offset: high });
    } finally {
      await admin.disconnect();
    }
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
    await deleteGroupQuietly(this.kafka, this.groupId);
  }
}
