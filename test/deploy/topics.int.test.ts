import { afterAll, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { ensureTopics, palisadeTopics, withAdmin } from '../../adapters/kafka/topics.ts';
import { TopicSetupError } from '../../adapters/kafka/errors.ts';
import { createTestTopics, deleteTestTopics, randomPrefix, testConfig, testKafka } from '../support/stack.ts';

const { ConfigResourceTypes } = kafkajs;
const prefixes: string[] = [];
function prefix(): string {
  const p = randomPrefix('topics');
  prefixes.push(p);
  return p;
}

afterAll(async () => {
  for (const p of prefixes) await deleteTestTopics(p);
});

async function configsOf(topic: string): Promise<Record<string, string>> {
  const described = await withAdmin(testKafka('admin'), (admin) =>
    admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] }),
  );
  return Object.fromEntries(described.resources[0]?.configEntries.map((e) => [e.configName, e.configValue]) ?? []);
}

async function partitionsOf(topics: string[]): Promise<Record<string, number>> {
  const { topics: metadata } = await withAdmin(testKafka('admin'), (admin) => admin.fetchTopicMetadata({ topics }));
  return Object.fromEntries(metadata.map((t) => [t.name, t.partitions.length]));
}

describe('ensureTopics', () => {
  it('creates the Palisade topics co-partitioned, anchors on 1 partition, then finds them existing', async () => {
    const p = prefix();
    const names = await createTestTopics(p, 4);
    expect(await partitionsOf(Object.values(names))).toEqual({
      [names.commands]: 4,
      [names.events]: 4,
      [names.results]: 4,
      [names.anchors]: 1,
      [names.deadLetter]: 4,
    });
    const again = await ensureTopics(testKafka('admin'), palisadeTopics(p, 4));
    expect(again.created).toEqual([]);
    expect([...again.existing].sort()).toEqual(Object.values(names).sort());
  });

  it('keeps events forever and commands for 7 days', async () => {
    const p = prefix();
    const names = await createTestTopics(p, 2);
    const events = await configsOf(names.events);
    expect(events).toMatchObject({ 'retention.ms': '-1', 'retention.bytes': '-1', 'cleanup.policy': 'delete', 'min.insync.replicas': '1' });
    expect((await configsOf(names.commands))['retention.ms']).toBe(String(7 * 24 * 3600 * 1000));
    expect((await configsOf(names.results))['retention.ms']).toBe(String(7 * 24 * 3600 * 1000));
    expect((await configsOf(names.deadLetter))['retention.ms']).toBe(String(30 * 24 * 3600 * 1000));
    expect((await configsOf(names.anchors))['retention.ms']).toBe('-1');
  });

  it('refuses an existing topic with another partition count', async () => {
    const p = prefix();
    await createTestTopics(p, 2);
    const error = await ensureTopics(testKafka('admin'), palisadeTopics(p, 3)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TopicSetupError);
    expect((error as TopicSetupError).code).toBe('PARTITION_MISMATCH');
    expect((error as Error).message).toContain('PALISADE_PARTITIONS=2');
  });

  it('refuses an existing events topic whose retention is not forever', async () => {
    const p = prefix();
    const [events] = palisadeTopics(p, 1).filter((spec) => spec.name.endsWith('palisade.events'));
    if (events === undefined) throw new Error('no events spec');
    await ensureTopics(testKafka('admin'), [{ ...events, configs: { ...events.configs, 'retention.ms': '86400000' } }]);
    const error = await ensureTopics(testKafka('admin'), [events]).catch((e: unknown) => e);
    expect((error as TopicSetupError).code).toBe('CONFIG_MISMATCH');
  });
});
