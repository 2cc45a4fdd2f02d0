// Issue 12, finding 2: the broker admitted anyone. Now nobody is anonymous: a client without a
// SASL login, or with a wrong password, can neither read nor write any Palisade topic, nor
// reach the controller listener; every service logs in (the other suites run authenticated).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAdmin, type TopicNames } from '../../adapters/kafka/topics.ts';
import { createTestTopics, deleteTestTopics, randomPrefix, testConfig, testKafka } from '../support/stack.ts';
import { tryRead, tryWrite } from '../support/kafka-probe.ts';

const prefix = randomPrefix('auth');
let topics: TopicNames;
const anonymous = () => ({ brokers: testConfig().brokers });
const wrongPassword = () => {
  const admin = testKafka('admin');
  return { ...admin, credentials: { ...admin.credentials!, password: `${admin.credentials!.password}x` } };
};

beforeAll(async () => {
  topics = await createTestTopics(prefix, 2);
  // Something to read on every topic, written by the admin.
  for (const topic of Object.values(topics)) expect((await tryWrite(testKafka('admin'), topic)).allowed).toBe(true);
});
afterAll(async () => {
  await deleteTestTopics(prefix);
});

async function recordCount(topic: string): Promise<bigint> {
  const offsets = await withAdmin(testKafka('admin'), (admin) => admin.fetchTopicOffsets(topic));
  return offsets.reduce((sum, o) => sum + BigInt(o.high), 0n);
}

describe('the broker admits no anonymous client', () => {
  it.each(['commands', 'events', 'results', 'anchors', 'deadLetter'] as const)('an anonymous client can neither write nor read %s', async (name) => {
    const topic = topics[name];
    const before = await recordCount(topic);
    const write = await tryWrite(anonymous(), topic, 'anonymous');
    expect(write.allowed, write.detail).toBe(false);
    expect(await recordCount(topic)).toBe(before);
    const read = await tryRead(anonymous(), topic);
    expect(read.allowed, read.detail).toBe(false);
  });

  it('an anonymous client cannot list topics, on the client listener or the controller listener', async () => {
    const [host, port] = testConfig().brokers[0]!.split(':');
    for (const brokers of [testConfig().brokers, [`${host}:${Number(port) + 1}`]]) {
      const listed = await withAdmin({ brokers }, (admin) => admin.listTopics(), { retries: 0, requestTimeoutMs: 3_000 }).catch((e: unknown) => e);
      expect(listed).toBeInstanceOf(Error);
    }
  });

  it('a wrong password is refused (SASL authentication failed)', async () => {
    const error = await withAdmin(wrongPassword(), (admin) => admin.listTopics(), { retries: 0 }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/SASL|[Aa]uthentication/);
    const write = await tryWrite(wrongPassword(), topics.events, 'wrong password');
    expect(write.allowed, write.detail).toBe(false);
  });

  it('the admin login works (the probes can succeed)', async () => {
    const read = await tryRead(testKafka('admin'), topics.events);
    expect(read.allowed, read.detail).toBe(true);
  });
});
