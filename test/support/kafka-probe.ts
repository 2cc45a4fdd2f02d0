// What a principal can do on a topic, tried for real on the stack's broker: write one record,
// read the topic to its end. Each returns what happened, never throws, so a test can assert on
// the refusal (and print why with `detail`).
import { createKafka, type KafkaEndpoint } from '../../adapters/kafka/client.ts';
import { endOffsets, readPartitionsToEnd } from '../../adapters/kafka/partition-reader.ts';
import { IdempotentProducer } from '../../adapters/kafka/simple-producer.ts';

export interface ProbeOutcome {
  readonly allowed: boolean;
  readonly detail: string;
}

function refused(error: unknown): ProbeOutcome {
  return { allowed: false, detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

/** Publish one record to `topic` as `endpoint`'s principal. */
export async function tryWrite(endpoint: KafkaEndpoint, topic: string, value = 'probe'): Promise<ProbeOutcome> {
  try {
    const producer = await IdempotentProducer.open(createKafka({ ...endpoint, clientId: 'palisade-probe' }));
    try {
      await producer.send([{ topic, key: 'probe', value: Buffer.from(value) }]);
    } finally {
      await producer.close();
    }
    return { allowed: true, detail: 'written' };
  } catch (error) {
    return refused(error);
  }
}

/** Read every partition of `topic` to its end as `endpoint`'s principal; allowed when a record came back. */
export async function tryRead(endpoint: KafkaEndpoint, topic: string): Promise<ProbeOutcome> {
  try {
    const kafka = createKafka({ ...endpoint, clientId: 'palisade-probe' });
    const partitions = [...(await endOffsets(kafka, topic, 5_000)).keys()];
    let records = 0;
    await readPartitionsToEnd(kafka, { topic, partitions, timeoutMs: 30_000, onRecords: (_p, batch) => void (records += batch.length) });
    return records > 0 ? { allowed: true, detail: `${records} records` } : { allowed: false, detail: 'no record came back' };
  } catch (error) {
    return refused(error);
  }
}
