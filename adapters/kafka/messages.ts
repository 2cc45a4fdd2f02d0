// Client-neutral record shapes, so nothing outside adapters/kafka/ sees a kafkajs type.

export interface InRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: string;
}

export interface OutRecord {
  readonly topic: string;
  /** Explicit partition (co-partitioned topics), or undefined to use the key's murmur2 partition. */
  readonly partition?: number;
  readonly key: Buffer | string | null;
  readonly value: Buffer;
}

/** The next offset to consume (last processed + 1), committed with the transaction. */
export interface ConsumedPosition {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly nextOffset: string;
}

export function toInRecord(topic: string, partition: number, m: { offset: string; key: Buffer | null; value: Buffer | null; timestamp: string }): InRecord {
  return { topic, partition, offset: m.offset, key: m.key, value: m.value, timestamp: m.timestamp };
}
