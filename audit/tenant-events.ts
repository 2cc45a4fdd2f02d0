// Streams one tenant's events from the events topic, in seq order as stored (read_committed).
import type { KafkaClient as Kafka } from '../adapters/kafka/client.ts';
import { endOffsets, readPartitionsToEnd } from '../adapters/kafka/partition-reader.ts';
import { partitionFor } from '../adapters/kafka/partitioner.ts';
import { decodeEvent } from '../schemas/codec.ts';
import { CodecError } from '../schemas/errors.ts';
import type { LogicalEvent } from '../domain/logical.ts';

export type StoredEvent =
  | { readonly ok: true; readonly event: LogicalEvent; readonly carriedHash: string; readonly offset: string }
  | { readonly ok: false; readonly offset: string; readonly code: string; readonly message: string };

export async function readTenantEvents(
  kafka: Kafka,
  eventsTopic: string,
  tenantId: string,
  onEvent: (stored: StoredEvent) => void,
): Promise<void> {
  const partitions = (await endOffsets(kafka, eventsTopic)).size;
  if (partitions === 0) throw new Error(`topic ${eventsTopic} does not exist; is the stack up (palisade stack status)?`);
  const partition = partitionFor(tenantId, partitions);
  await readPartitionsToEnd(kafka, {
    topic: eventsTopic,
    partitions: [partition],
    onRecords: (_p, records) => {
      for (const record of records) {
        if (record.key?.toString('utf8') !== tenantId) continue;
        try {
          const { event, carriedHash } = decodeEvent(record.value ?? Buffer.alloc(0));
          onEvent({ ok: true, event, carriedHash, offset: record.offset });
        } catch (error) {
          if (!(error instanceof CodecError)) throw error;
          onEvent({ ok: false, offset: record.offset, code: error.code, message: error.message });
        }
      }
    },
  });
}
