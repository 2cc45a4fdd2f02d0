import kafkajs from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { stackStatus } from '../../deploy/status.ts';
import { readStackState } from '../../deploy/state.ts';
import { createTestTopics, deleteTestTopics, randomGroupId, randomPrefix, restartBroker, testConfig, testKafka } from '../support/stack.ts';
import { securityConfig } from '../../adapters/kafka/client.ts';

const { Kafka, logLevel, Partitioners } = kafkajs;
const prefix = randomPrefix('restart');
afterAll(async () => {
  await deleteTestTopics(prefix);
});

describe('restartBroker', () => {
  it('stops and restarts the broker on the same port; clients reconnect and no record is lost', async () => {
    const names = await createTestTopics(prefix, 2);
    const kafka = new Kafka({ clientId: 'restart-test', brokers: [...testConfig().brokers], ...securityConfig(testKafka('admin')), logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
    await producer.connect();
    try {
      await producer.send({ topic: names.events, acks: -1, messages: [{ key: 'tenant-a', value: 'before' }] });
      const before = (await stackStatus()).parts.find((p) => p.part === 'kafka')?.pid;

      const restart = await restartBroker();
      console.log(`broker restart: stop ${restart.stopMs} ms, start ${restart.startMs} ms`);
      expect(restart.pid).not.toBe(before);
      expect(readStackState(testConfig().dataDir)?.kafka?.pid).toBe(restart.pid);
      expect((await stackStatus()).parts.find((p) => p.part === 'kafka')).toMatchObject({ state: 'running', pid: restart.pid });

      // The producer connected before the restart reconnects by itself.
      await producer.send({ topic: names.events, acks: -1, messages: [{ key: 'tenant-a', value: 'after' }] });
    } finally {
      await producer.disconnect();
    }

    const consumer = kafka.consumer({ groupId: randomGroupId() });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: names.events, fromBeginning: true });
      const seen: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out; saw ${JSON.stringify(seen)}`)), 60_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen.push(message.value?.toString() ?? '');
            if (seen.length === 2) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
      expect(seen).toEqual(['before', 'after']);
    } finally {
      await consumer.disconnect();
    }
  });
});
