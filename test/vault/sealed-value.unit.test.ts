import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSecureBuffer, zero } from '../../crypto/secure-memory.ts';
import type { Binding } from '../../crypto/vault/binding.ts';
import { VaultError } from '../../crypto/vault/errors.ts';
import { generateDek } from '../../crypto/vault/key-wrap.ts';
import {
  DEK_BYTES,
  MAX_PLAINTEXT_BYTES,
  type SealedValue,
  open,
  parseSealedValue,
  seal,
  sealedValueAad,
} from '../../crypto/vault/sealed-value.ts';
import { sodium } from '../../crypto/sodium.ts';
import { BINDING, KEY_REF, MEMBERS, bindingArb, flipBit } from './helpers.ts';

const SECRET = Buffer.from('sk-ant-api03-canary-7d1f0e2b9c8a4f3e-9f3a', 'utf8');

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof VaultError) return error.code;
    throw error;
  }
  return undefined;
}

function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function fromB64u(text: string): Buffer {
  return Buffer.from(text, 'base64url');
}

describe('seal and open', () => {
  it('round-trips any plaintext under any binding, into secure memory', () => {
    const dek = generateDek();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), bindingArb, fc.integer({ min: 1, max: 1000 }), (plaintext, binding, kv) => {
        const sealed = seal(plaintext, dek, binding, { kid: 'dek-x', kv });
        const opened = open(sealed, dek, binding);
        expect(isSecureBuffer(opened)).toBe(true);
        expect(Buffer.from(opened).equals(Buffer.from(plaintext))).toBe(true);
        zero(opened);
      }),
      { numRuns: 200 },
    );
    zero(dek);
  });

  it('writes exactly { v: 2, kid, kv, n, ct } with a 24-byte nonce and unpadded base64url', () => {
    const dek = generateDek();
    const sealed = seal(SECRET, dek, BINDING, KEY_REF);
    expect(Object.keys(sealed).sort()).toEqual(['ct', 'kid', 'kv', 'n', 'v']);
    expect(sealed.v).toBe(2);
    expect(sealed.kid).toBe('dek-u-1');
    expect(sealed.kv).toBe(1);
    expect(sealed.n).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(sealed.ct).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(fromB64u(sealed.ct).byteLength).toBe(SECRET.byteLength + 16);
    expect(JSON.stringify(sealed)).not.toContain('canary');
    zero(dek);
  });

  it('uses a fresh nonce every time, so equal secrets never look equal', () => {
    const dek = generateDek();
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const sealed = seal(SECRET, dek, BINDING, KEY_REF);
      seen.add(sealed.n);
      seen.add(sealed.ct);
    }
    expect(seen.size).toBe(100);
    zero(dek);
  });

  it('neither modifies nor zeroes the plaintext or the DEK it is given', () => {
    const dek = generateDek();
    const dekCopy = Buffer.from(dek);
    const plaintext = Buffer.from(SECRET);
    open(seal(plaintext, dek, BINDING, KEY_REF), dek, BINDING);
    expect(plaintext.equals(SECRET)).toBe(true);
    expect(Buffer.from(dek).equals(dekCopy)).toBe(true);
    zero(dek);
  });

  it('authenticates the documented AAD: context line + JCS of binding, kid, kv and v', () => {
    const aad = sealedValueAad(BINDING, KEY_REF).toString('utf8');
    expect(aad).toBe(
      'palisade/sealed/v2\n' +
        '{"field":"anthropic","kid":"dek-u-1","kv":1,"purpose":"provider-key","subject":"u-1",' +
        '"tenantId":"5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d","v":2}',
    );
    // Independently: raw libsodium with that AAD opens what seal() wrote.
    const dek = generateDek();
    const sealed = seal(SECRET, dek, BINDING, KEY_REF);
    const ct = fromB64u(sealed.ct);
    const out = Buffer.alloc(ct.byteLength - 16);
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(out, null, ct, Buffer.from(aad, 'utf8'), fromB64u(sealed.n), dek);
    expect(out.equals(SECRET)).toBe(true);
    zero(dek);
  });

  it('accepts the shape of the ProviderKeyStored vector, which then opens with no key of ours', () => {
    const lines = readFileSync(new URL('../fixtures/vectors/events.jsonl', import.meta.url), 'utf8').split('\n');
    const event = JSON.parse(lines.find((line) => line.includes('"ProviderKeyStored"'))!) as {
      payload: { secret: SealedValue };
    };
    const parsed = parseSealedValue(event.payload.secret);
    expect(parsed).toEqual(event.payload.secret);
    expect([...fromB64u(parsed.n)]).toEqual([...Array(24).keys()]); // 00 01 … 17
    expect(fromB64u(parsed.ct).byteLength).toBe(16); // unpadded: 22 characters for 16 bytes
    const dek = generateDek();
    expect(code(() => open(event.payload.secret, dek, { ...BINDING, subject: 'u-1' }))).toBe('OPEN_FAILED');
    zero(dek);
  });
});

describe('a sealed value opens under its own binding only', () => {
  const dek = generateDek();
  const sealed = seal(SECRET, dek, BINDING, KEY_REF);

  it('opens under the binding it was sealed for', () => {
    const opened = open(sealed, dek, { ...BINDING });
    expect(Buffer.from(opened).equals(SECRET)).toBe(true);
    zero(opened);
  });

  it('fails when copied to another tenant', () => {
    expect(code(() => open(sealed, dek, { ...BINDING, tenantId: 'f0e1d2c3-b4a5-4697-8899-aabbccddeeff' }))).toBe('OPEN_FAILED');
  });

  it('fails when copied to another user of the same tenant', () => {
    expect(code(() => open(sealed, dek, { ...BINDING, subject: 'u-2' }))).toBe('OPEN_FAILED');
  });

  it('fails when copied to a source (another subject and purpose)', () => {
    const sourceCredential = seal(SECRET, dek, { ...BINDING, subject: 'src-1', purpose: 'source-credential', field: 'config' }, KEY_REF);
    expect(code(() => open(sourceCredential, dek, { ...BINDING, subject: 'src-2', purpose: 'source-credential', field: 'config' }))).toBe(
      'OPEN_FAILED',
    );
    expect(code(() => open(sealed, dek, { ...BINDING, subject: 'src-1', purpose: 'source-credential' }))).toBe('OPEN_FAILED');
  });

  it('fails when copied to another purpose', () => {
    expect(code(() => open(sealed, dek, { ...BINDING, purpose: 'source-credential' }))).toBe('OPEN_FAILED');
  });

  it('fails when copied to another field', () => {
    expect(code(() => open(sealed, dek, { ...BINDING, field: 'openai' }))).toBe('OPEN_FAILED');
  });

  it('fails when members are swapped or split differently (JCS leaves no ambiguity)', () => {
    const ambiguous: Binding = { tenantId: 'a', subject: 'b:c', purpose: 'd', field: 'e' };
    const value = seal(SECRET, dek, ambiguous, KEY_REF);
    expect(code(() => open(value, dek, { ...ambiguous, subject: 'b', purpose: 'c:d' }))).toBe('OPEN_FAILED');
    expect(code(() => open(value, dek, { tenantId: 'b:c', subject: 'a', purpose: 'd', field: 'e' }))).toBe('OPEN_FAILED');
  });

  it('fails under any binding that differs in any member (property)', () => {
    fc.assert(
      fc.property(bindingArb, fc.constantFrom(...MEMBERS), fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), (binding, member, other) => {
        fc.pre(binding[member] !== other);
        const value = seal(SECRET, dek, binding, KEY_REF);
        expect(code(() => open(value, dek, { ...binding, [member]: other }))).toBe('OPEN_FAILED');
      }),
      { numRuns: 200 },
    );
  });

  it('fails with another DEK', () => {
    const other = generateDek();
    expect(code(() => open(sealed, other, BINDING))).toBe('OPEN_FAILED');
    zero(other);
  });
});

describe('tampering', () => {
  const dek = generateDek();
  const sealed = seal(Buffer.from('short'), dek, BINDING, KEY_REF);

  it('any flipped bit of the nonce fails to open', () => {
    const n = fromB64u(sealed.n);
    for (let i = 0; i < n.byteLength; i++) {
      for (let bit = 0; bit < 8; bit++) {
        expect(code(() => open({ ...sealed, n: b64u(flipBit(n, i, bit)) }, dek, BINDING))).toBe('OPEN_FAILED');
      }
    }
  });

  it('any flipped bit of the ciphertext or tag fails to open', () => {
    const ct = fromB64u(sealed.ct);
    for (let i = 0; i < ct.byteLength; i++) {
      for (let bit = 0; bit < 8; bit++) {
        expect(code(() => open({ ...sealed, ct: b64u(flipBit(ct, i, bit)) }, dek, BINDING))).toBe('OPEN_FAILED');
      }
    }
  });

  it('truncated or extended ciphertext fails to open', () => {
    const ct = fromB64u(sealed.ct);
    expect(code(() => open({ ...sealed, ct: b64u(ct.subarray(0, ct.byteLength - 1)) }, dek, BINDING))).toBe('OPEN_FAILED');
    expect(code(() => open({ ...sealed, ct: b64u(Buffer.concat([ct, Buffer.of(0)])) }, dek, BINDING))).toBe('OPEN_FAILED');
  });

  it('a changed kid fails to open, even with the same DEK', () => {
    for (const kid of ['dek-u-2', 'dek-u-1x', 'Dek-u-1', 'dek-u-']) {
      expect(code(() => open({ ...sealed, kid }, dek, BINDING))).toBe('OPEN_FAILED');
    }
  });

  it('a changed kv fails to open, even with the same DEK', () => {
    expect(code(() => open({ ...sealed, kv: 2 }, dek, BINDING))).toBe('OPEN_FAILED');
  });

  it('any changed character of the JSON strings never opens (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom('n', 'ct', 'kid'), fc.nat(), fc.constantFrom(...'AQgz09_-.:+/='), (member, at, char) => {
        const text = sealed[member];
        const index = at % text.length;
        fc.pre(text[index] !== char);
        const changed = { ...sealed, [member]: text.slice(0, index) + char + text.slice(index + 1) };
        expect(['OPEN_FAILED', 'SEALED_VALUE_MALFORMED']).toContain(code(() => open(changed, dek, BINDING)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('strict validation', () => {
  const dek = generateDek();
  const sealed = seal(SECRET, dek, BINDING, KEY_REF);
  const n = fromB64u(sealed.n);
  const ct = fromB64u(sealed.ct);

  const cases: [string, unknown][] = [
    ['null', null],
    ['a string', JSON.stringify(sealed)],
    ['an array', [sealed]],
    ['a class instance', Object.assign(new (class Sealed {})(), sealed)],
    ['an extra member', { ...sealed, tag: 'x' }],
    ['a missing member', { v: 2, kid: sealed.kid, kv: 1, n: sealed.n }],
    ['version 1', { ...sealed, v: 1 }],
    ['version as a string', { ...sealed, v: '2' }],
    ['an empty kid', { ...sealed, kid: '' }],
    ['a kid with a space', { ...sealed, kid: 'dek u 1' }],
    ['a kid of 161 characters', { ...sealed, kid: 'k'.repeat(161) }],
    ['kv 0', { ...sealed, kv: 0 }],
    ['kv 1.5', { ...sealed, kv: 1.5 }],
    ['kv as a string', { ...sealed, kv: '1' }],
    ['a padded nonce', { ...sealed, n: `${b64u(n.subarray(0, 23))}=` }],
    ['a 23-byte nonce', { ...sealed, n: b64u(n.subarray(0, 23)) }],
    ['a 25-byte nonce', { ...sealed, n: b64u(Buffer.concat([n, Buffer.of(1)])) }],
    ['standard base64 alphabet', { ...sealed, n: Buffer.alloc(24, 0xfb).toString('base64') }],
    ['a padded ciphertext', { ...sealed, ct: Buffer.alloc(16, 7).toString('base64') }],
    ['non-canonical trailing bits', { ...sealed, ct: 'q83vEjRWeJCrze8SNFZ4kB' }],
    ['a ciphertext shorter than the tag', { ...sealed, ct: b64u(ct.subarray(0, 15)) }],
    ['whitespace in the ciphertext', { ...sealed, ct: ` ${sealed.ct}` }],
    ['a numeric nonce', { ...sealed, n: 7 }],
  ];

  for (const [name, value] of cases) {
    it(`refuses ${name} with SEALED_VALUE_MALFORMED`, () => {
      expect(code(() => open(value, dek, BINDING))).toBe('SEALED_VALUE_MALFORMED');
    });
  }

  it('refuses a DEK of the wrong length', () => {
    expect(code(() => seal(SECRET, Buffer.alloc(DEK_BYTES - 1), BINDING, KEY_REF))).toBe('INVALID_KEY');
    expect(code(() => open(sealed, Buffer.alloc(DEK_BYTES + 1), BINDING))).toBe('INVALID_KEY');
  });

  it('refuses empty, over-long or ill-formed binding members', () => {
    expect(code(() => seal(SECRET, dek, { ...BINDING, tenantId: '' }, KEY_REF))).toBe('INVALID_BINDING');
    expect(code(() => seal(SECRET, dek, { ...BINDING, field: 'x'.repeat(257) }, KEY_REF))).toBe('INVALID_BINDING');
    expect(code(() => seal(SECRET, dek, { ...BINDING, subject: '\ud800' }, KEY_REF))).toBe('INVALID_BINDING');
    expect(code(() => open(sealed, dek, { ...BINDING, purpose: undefined as unknown as string }))).toBe('INVALID_BINDING');
  });

  it('refuses a bad key reference and oversized plaintext', () => {
    expect(code(() => seal(SECRET, dek, BINDING, { kid: 'a b', kv: 1 }))).toBe('INVALID_BINDING');
    expect(code(() => seal(SECRET, dek, BINDING, { kid: 'k', kv: 0 }))).toBe('INVALID_BINDING');
    expect(code(() => seal(Buffer.alloc(MAX_PLAINTEXT_BYTES + 1), dek, BINDING, KEY_REF))).toBe('PLAINTEXT_TOO_LARGE');
  });

  it('never puts the value, key or binding into an error message', () => {
    for (const attempt of [
      () => open({ ...sealed, kv: 2 }, dek, BINDING),
      () => open({ ...sealed, v: 1 }, dek, BINDING),
      () => open(sealed, dek, { ...BINDING, tenantId: 'other-tenant' }),
    ]) {
      try {
        attempt();
        expect.unreachable();
      } catch (error) {
        const message = (error as Error).message;
        for (const leak of [sealed.ct, sealed.n, BINDING.tenantId, 'other-tenant', Buffer.from(dek).toString('hex')]) {
          expect(message).not.toContain(leak);
        }
        expect((error as VaultError).retriable).toBe(false);
      }
    }
  });
});
