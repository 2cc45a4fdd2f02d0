import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ELLIPSIS, FULLY_MASKED, KNOWN_PREFIXES, MIN_HIDDEN_FOR_SUFFIX, maskSecret } from '../../crypto/vault/mask.ts';

const secretArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 80 }),
  fc.tuple(fc.constantFrom(...KNOWN_PREFIXES), fc.string({ unit: 'grapheme-ascii', maxLength: 60 })).map(([p, s]) => p + s),
);

describe('display masks', () => {
  it('shows a known prefix and the last four: sk-ant-…9f3a', () => {
    expect(maskSecret('sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz-0123456789-9f3a')).toBe('sk-ant-…9f3a');
    expect(maskSecret('sk-proj-aaaaaaaaaaaaaaaaaaaaaaaaaaaa1234')).toBe('sk-proj-…1234');
    expect(maskSecret('ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaWXYZ')).toBe('ghp_…WXYZ');
    expect(maskSecret('no-known-prefix-at-all-zz99')).toBe(`${ELLIPSIS}zz99`);
  });

  it('fully masks short secrets', () => {
    for (const secret of ['', 'a', 'abcd', 'abcdefgh', 'sk-ant-', 'sk-ant-abcdefghijk1234', 'x'.repeat(MIN_HIDDEN_FOR_SUFFIX + 3)]) {
      expect(maskSecret(secret)).toBe(FULLY_MASKED);
    }
    expect(maskSecret('x'.repeat(MIN_HIDDEN_FOR_SUFFIX + 4))).toBe(`${ELLIPSIS}xxxx`);
  });

  it('fully masks when the last four are not printable ASCII', () => {
    expect(maskSecret(`sk-ant-${'a'.repeat(20)}abcé`)).toBe(FULLY_MASKED);
    expect(maskSecret(`${'a'.repeat(20)}ab c`)).toBe(FULLY_MASKED);
  });

  it('gives the same mask for bytes and for the string', () => {
    fc.assert(
      fc.property(secretArb, (secret) => {
        expect(maskSecret(Buffer.from(secret, 'utf8'))).toBe(maskSecret(secret));
      }),
    );
  });

  it('never reveals more than a known prefix and the last four characters (property)', () => {
    fc.assert(
      fc.property(secretArb, (secret) => {
        const mask = maskSecret(secret);
        if (mask === FULLY_MASKED) return;
        const at = mask.indexOf(ELLIPSIS);
        const prefix = mask.slice(0, at);
        const suffix = mask.slice(at + ELLIPSIS.length);
        expect(prefix === '' || KNOWN_PREFIXES.includes(prefix)).toBe(true);
        expect(secret.startsWith(prefix)).toBe(true);
        expect(suffix).toHaveLength(4);
        expect(secret.endsWith(suffix)).toBe(true);
        expect(secret.length - prefix.length - suffix.length).toBeGreaterThanOrEqual(MIN_HIDDEN_FOR_SUFFIX);
        expect(mask.length).toBeLessThanOrEqual(prefix.length + ELLIPSIS.length + 4);
      }),
      { numRuns: 500 },
    );
  });

  it('does not modify the bytes it is given', () => {
    const bytes = Buffer.from('sk-ant-api03-aaaaaaaaaaaaaaaaaaaaaaaa-9f3a');
    const copy = Buffer.from(bytes);
    maskSecret(bytes);
    expect(bytes.equals(copy)).toBe(true);
  });
});
