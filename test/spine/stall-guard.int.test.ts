import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotentProducer } from '../../adapters/kafka/simple-producer.ts';
import { StallGuard } from '../../consumers/command-processor/stall-guard.ts';
import { TestSpine } from '../support/spine.ts';

let spine: TestSpine;
beforeAll(async () => {
  spine = await TestSpine.create({ partitions: 2 });
  const producer = await IdempotentProducer.open(spine.kafka);
  await producer.send([0, 1, 2].map((i) => ({ topic: spine.topics.commands, partition: i % 2, key: `k${i}`, value: Buffer.from('x') })));
  await producer.close();
});
afterAll(async () => spine?.close());

function guard(recovered: number[], stallMs: number): StallGuard {
  return new StallGuard({
    kafka: spine.kafka, groupId: `${spine.prefix}nobody`, topic: spine.topics.commands, stallMs,
    recover: async (waiting) => { recovered.push(waiting); },
    onError: (e) => { throw e; },
  });
}

describe('when commands wait behind the committed offsets', () => {
  it('calls recover with the number waiting once nothing progressed for the stall time', async () => {
    const recovered: number[] = [];
    const g = guard(recovered, 300);
    g.start();
    await new Promise((r) => setTimeout(r, 1_500));
    g.stop();
    expect(recovered[0]).toBe(3);
  });

  it('does not call recover while batches keep making progress', async () => {
    const recovered: number[] = [];
    const g = guard(recovered, 600);
    g.start();
    const ticker = setInterval(() => g.progress(), 100);
    await new Promise((r) => setTimeout(r, 1_800));
    clearInterval(ticker);
    g.stop();
    expect(recovered).toEqual([]);
  });
});
