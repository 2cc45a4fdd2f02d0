import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { murmur2, partitionFor } from '../../adapters/kafka/partitioner.ts';

// Values from Apache Kafka's UtilsTest#testMurmur2 (the Java reference implementation).
const JAVA_VECTORS: [string, number][] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

const kafkajsMurmur2 = createRequire(import.meta.url)('kafkajs/src/producer/partitioners/default/murmur2.js') as (k: Buffer) => number;

describe('murmur2 partitioner', () => {
  it.each(JAVA_VECTORS)('matches Java for %j', (key, expected) => {
    expect(murmur2(Buffer.from(key))).toBe(expected);
  });

  it('agrees with the kafkajs default partitioner for any key', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => murmur2(bytes) === kafkajsMurmur2(Buffer.from(bytes))), { numRuns: 2000 });
  });

  it('maps a key to a stable partition within range', () => {
    const p = partitionFor('0b7c1d2e-3f40-4a51-8b62-7c83d94ea5f6', 6);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThan(6);
    expect(partitionFor('0b7c1d2e-3f40-4a51-8b62-7c83d94ea5f6', 6)).toBe(p);
    expect(() => partitionFor('x', 0)).toThrow(RangeError);
  });
});
