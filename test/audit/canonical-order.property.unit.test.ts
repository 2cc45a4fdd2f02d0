// Property: reordering a parsed JSON value's members never changes its RFC 8785 form, and makes
// it one that domain/chain/jcs.ts serializes on its fast path.
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inCanonicalOrder } from '../../audit/bundle/canonical-order.ts';
import { jcs } from '../../domain/chain/jcs.ts';

const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', '10', '9', '0', 'é', 'a', 'B', '\u{1F600}', 'constructor'));
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
})).value;

describe('inCanonicalOrder', () => {
  it('keeps the RFC 8785 form of any JSON value (as JSON.parse builds it)', () => {
    fc.assert(
      fc.property(json, (value) => {
        const parsed: unknown = JSON.parse(JSON.stringify(value));
        expect(jcs(inCanonicalOrder(parsed))).toBe(canonicalize(parsed));
      }),
      { numRuns: 500 },
    );
  });

  it('returns the same object when it is already in order', () => {
    const ordered = { a: 1, b: { c: [1, { d: 2 }] } };
    expect(inCanonicalOrder(ordered)).toBe(ordered);
    expect(inCanonicalOrder({ b: 1, a: 2 })).toEqual({ a: 2, b: 1 });
    expect(Object.keys(inCanonicalOrder({ role: 'x', email: 'y', userId: 'z' }))).toEqual(['email', 'role', 'userId']);
  });
});
