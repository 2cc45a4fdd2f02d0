// Issue 12, finding 2: any local process could write palisade.events. Now each service's
// principal holds only the ACLs of its job (adapters/kafka/acls.ts): a producer writes commands
// and reads its results, never events; a reader reads, never writes; only the processor appends
// events. An attacker who wants to forge an event needs the processor's or the admin's password.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TopicNames } from '../../adapters/kafka/topics.ts';
import { createTestTopics, deleteTestTopics, randomPrefix, testKafka } from '../support/stack.ts';
import { tryRead, tryWrite } from '../support/kafka-probe.ts';

const prefix = randomPrefix('acl');
let topics: TopicNames;

beforeAll(async () => {
  topics = await createTestTopics(prefix, 2);
  for (const topic of Object.values(topics)) expect((await tryWrite(testKafka('admin'), topic)).allowed).toBe(true);
});
afterAll(async () => {
  await deleteTestTopics(prefix);
});

describe('a producer principal', () => {
  it('can neither write nor read palisade.events', async () => {
    const write = await tryWrite(testKafka('producer'), topics.events, 'MemberAdded mallory owner');
    expect(write.allowed, write.detail).toBe(false);
    expect(write.detail).toMatch(/[Aa]uthoriz/);
    const read = await tryRead(testKafka('producer'), topics.events);
    expect(read.allowed, read.detail).toBe(false);
  });

  it('cannot write results, anchors or dead letters, nor read commands', async () => {
    for (const topic of [topics.results, topics.anchors, topics.deadLetter]) {
      const write = await tryWrite(testKafka('producer'), topic);
      expect(write.allowed, `${topic}: ${write.detail}`).toBe(false);
    }
    expect((await tryRead(testKafka('producer'), topics.commands)).allowed).toBe(false);
  });

  it('writes commands and reads command results', async () => {
    const write = await tryWrite(testKafka('producer'), topics.commands);
    expect(write.allowed, write.detail).toBe(true);
    const read = await tryRead(testKafka('producer'), topics.results);
    expect(read.allowed, read.detail).toBe(true);
  });
});

describe('reader principals', () => {
  it.each(['projector', 'auditor', 'anchorer', 'chat-worker'] as const)('%s reads events and cannot write them', async (role) => {
    const read = await tryRead(testKafka(role), topics.events);
    expect(read.allowed, read.detail).toBe(true);
    const write = await tryWrite(testKafka(role), topics.events, 'forged');
    expect(write.allowed, write.detail).toBe(false);
  });

  it('the projector and the auditor write nothing at all', async () => {
    for (const role of ['projector', 'auditor'] as const)
      for (const topic of Object.values(topics)) {
        const write = await tryWrite(testKafka(role), topic);
        expect(write.allowed, `${role} -> ${topic}: ${write.detail}`).toBe(false);
      }
  });

  it('only the anchorer writes anchors', async () => {
    expect((await tryWrite(testKafka('anchorer'), topics.anchors)).allowed).toBe(true);
    expect((await tryWrite(testKafka('processor'), topics.anchors)).allowed).toBe(false);
  });
});

describe('the processor principal', () => {
  it('reads commands and writes events (with transactions in the service; here a plain write)', async () => {
    expect((await tryRead(testKafka('processor'), topics.commands)).allowed).toBe(true);
    expect((await tryWrite(testKafka('processor'), topics.events)).allowed).toBe(true);
    expect((await tryWrite(testKafka('processor'), topics.commands)).allowed).toBe(false);
  });
});
