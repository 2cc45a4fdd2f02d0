import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChainError } from '../../domain/chain/errors.ts';
import { jcs } from '../../domain/chain/jcs.ts';
import { thrownBy } from '../fixtures/errors.ts';
import { jcsVectors } from '../fixtures/vectors.ts';

/** The same value with every object's keys inserted in sorted order: exercises jcs's fast path. */
function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own members, so a "__proto__" key stays a key.
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortedDeep((value as Record<string, unknown>)[key])]));
  }
  return value;
}

describe('jcs (RFC 8785)', () => {
  describe('golden vectors (vectors/jcs.json)', () => {
    for (const [i, vector] of jcsVectors().entries()) {
      it(`vector ${i}: ${vector.canonical.slice(0, 40)}`, () => {
        expect(jcs(vector.input)).toBe(vector.canonical);
        expect(jcs(sortedDeep(vector.input))).toBe(vector.canonical);
      });
    }
  });

  it('orders integer-like keys by UTF-16 code units, not numerically as JS enumerates them', () => {
    expect(jcs({ 9: 'a', 10: 'b', 1: 'c' })).toBe('{"1":"c","10":"b","9":"a"}');
  });

  it('keeps an own "__proto__" member (as JSON.parse makes one)', () => {
    expect(jcs(JSON.parse('{"b":1,"__proto__":{"x":2}}'))).toBe('{"__proto__":{"x":2},"b":1}');
  });

  it('omits undefined members, like the reference', () => {
    expect(jcs({ b: 1, a: undefined })).toBe('{"b":1}');
  });

  it('equals the canonicalize package for any JSON value, in any key order', () => {
    const json = fc.jsonValue({ stringUnit: 'binary', maxDepth: 4 }); // 'binary' = any well-formed code point
    fc.assert(
      fc.property(json, (value) => {
        const reference = canonicalize(value);
        expect(jcs(value)).toBe(reference);
        expect(jcs(sortedDeep(value))).toBe(reference);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['NaN', { a: Number.NaN }],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['a lone surrogate', { a: '\ud800' }],
    ['a lone surrogate in a key', { '\udc00': 1 }],
    ['undefined', undefined],
  ])('rejects %s with NOT_CANONICALIZABLE', (_name, value) => {
    const error = thrownBy(() => jcs(value));
    expect(error).toBeInstanceOf(ChainError);
    expect((error as ChainError).code).toBe('NOT_CANONICALIZABLE');
  });
});
