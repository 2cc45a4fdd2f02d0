// The two hand-written number codecs, against their references, over their whole ranges.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { longFromVarint, varintFromLong } from '../../schemas/avro-long.ts';
import { MAX_TIMESTAMP_MILLIS, MIN_TIMESTAMP_MILLIS, millisToRfc3339, rfc3339ToMillisOrNull } from '../../schemas/rfc3339.ts';
import { codeThrownBy } from '../fixtures/errors.ts';

function referenceVarint(value: bigint): Buffer {
  let zigzag = value >= 0n ? value << 1n : (-value << 1n) - 1n;
  const out: number[] = [];
  do {
    out.push(Number(zigzag & 0x7fn) | (zigzag > 0x7fn ? 0x80 : 0));
    zigzag >>= 7n;
  } while (zigzag > 0n);
  return Buffer.from(out);
}

describe('Avro long varints', () => {
  it('encode and decode every safe integer exactly', () => {
    const safe = fc.oneof(fc.maxSafeInteger(), fc.integer(), fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0, 2 ** 47, -(2 ** 47) - 1));
    fc.assert(
      fc.property(safe, (value) => {
        const bytes = varintFromLong(value);
        expect(bytes.toString('hex')).toBe(referenceVarint(BigInt(value)).toString('hex'));
        expect(longFromVarint(bytes)).toBe(value === 0 ? 0 : value);
      }),
      { numRuns: 5000 },
    );
  });

  it('refuse every 64-bit long outside ±(2^53-1) as INVALID_VALUE', () => {
    const unsafe = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).filter((v) => v > 2n ** 53n - 1n || v < -(2n ** 53n - 1n));
    fc.assert(fc.property(unsafe, (value) => {
      expect(codeThrownBy(() => longFromVarint(referenceVarint(value)))).toBe('INVALID_VALUE');
    }));
  });
});

describe('timestamp-millis ↔ RFC 3339', () => {
  it('writes exactly what Date.prototype.toISOString writes, for every millisecond of years 0000-9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_TIMESTAMP_MILLIS, max: MAX_TIMESTAMP_MILLIS }), (millis) => {
        const text = millisToRfc3339(millis);
        expect(text).toBe(new Date(millis).toISOString());
        expect(rfc3339ToMillisOrNull(text)).toBe(millis);
      }),
      { numRuns: 20_000 },
    );
  });

  it('refuses instants outside years 0000-9999', () => {
    expect(codeThrownBy(() => millisToRfc3339(MAX_TIMESTAMP_MILLIS + 1))).toBe('INVALID_VALUE');
    expect(codeThrownBy(() => millisToRfc3339(MIN_TIMESTAMP_MILLIS - 1))).toBe('INVALID_VALUE');
    expect(rfc3339ToMillisOrNull('+010000-01-01T00:00:00.000Z')).toBeNull();
    expect(rfc3339ToMillisOrNull('-000001-12-31T23:59:59.999Z')).toBeNull();
  });
});
