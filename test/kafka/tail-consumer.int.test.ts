// A client awaiting results follows the results topic with a TailConsumer. After a broker
// restart kafkajs restarts that consumer as a new member of its private group, which (nothing
// being committed) would start at "latest" and silently skip every record written before it
// rejoined: results a waiting client never gets. The tail must resume where it stopped.
import kafkajs from 'kafkajs';
import { afterAll, expect, it } from 'vitest';
import { createKafka } from '../../adapters/kafka/client.ts';
import type { InRecord } from '../../adapters/kafka/messages.ts';
import { TailConsumer } from '../../adapters/kafka/tail-consumer.ts';
import { createTestTopics, deleteTestTopics, randomPrefix, restartBroker, testConfig } from '../support/stack.ts';

const { Partitioners } = kafkajs;
const prefix = randomPrefix('tail');
afterAll(async () => {
  await deleteTestTopics(prefix);
});

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

it('delivers every record written while the broker was away and right after it came back', async () => {
  const names = await createTestTopics(prefix, 3);
  const kafka = createKafka({ brokers: testConfig().brokers, clientId: 'tail-restart-test' });
  const seen: InRecord[] = [];
  const tail = new TailConsumer(kafka, names.results, 'tail-test');
  await tail.start((record) => seen.push(record));
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
  try {
    await producer.connect();
    const send = (values: readonly string[]) =>
      producer.send({ topic: names.results, acks: -1, messages: values.map((value, i) => ({ key: `k${i % 3}`, value })) });
    await send(['before-1', 'before-2', 'before-3']);
    await until(() => seen.length === 3, 30_000);
    expect(seen).toHaveLength(3);

    await restartBroker();
    // Written at once, before the tail's consumer has rejoined its group.
    const after = Array.from({ length: 30 }, (_, i) => `after-${i}`);
    await send(after);

    await until(() => after.every((v) => seen.some((r) => r.value?.toString() === v)), 90_000);
    const values = seen.map((r) => r.value?.toString());
    expect(after.filter((v) => !values.includes(v))).toEqual([]);
  } finally {
    await producer.disconnect().catch(() => undefined);
    await tail.stop();
  }
});
