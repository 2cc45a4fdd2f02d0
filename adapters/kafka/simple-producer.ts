// An idempotent (not transactional) producer for upstream services publishing commands:
// retries never duplicate a record within a partition.
import type { Kafka, Producer } from 'kafkajs';
import { toKafkaEdgeError } from './errors.ts';
import type { OutRecord } from './messages.ts';

export class IdempotentProducer {
  private readonly producer: Producer;
  private constructor(producer: Producer) {
    this.producer = producer;
  }

  static async open(kafka: Kafka): Promise<IdempotentProducer> {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    return new IdempotentProducer(producer);
  }

  async send(records: readonly OutRecord[]): Promise<void> {
    const byTopic = new Map<string, { key: Buffer | string | null; value: Buffer; partition?: number }[]>();
    for (const r of records) {
      const list = byTopic.get(r.topic) ?? [];
      list.push(r.partition === undefined ? { key: r.key, value: r.value } : { key: r.key, value: r.value, partition: r.partition });
      byTopic.set(r.topic, list);
    }
    try {
      await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    } catch (error) {
      throw toKafkaEdgeError(error, 'publish');
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }
}
