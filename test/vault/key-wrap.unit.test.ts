import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSecureBuffer, zero } from '../../crypto/secure-memory.ts';
import { VaultError } from '../../crypto/vault/errors.ts';
import {
  type DekIdentity,
  type Kek,
  MASTER_KEY_ENV,
  MASTER_KEY_FILE_ENV,
  type WrappedDek,
  destroyKek,
  generateDek,
  generateKek,
  kekFromHex,
  kekFromKeyFileBytes,
  kekIdOf,
  kekKeyFileBytes,
  loadKek,
  rewrap,
  unwrapDek,
  withDek,
  wrapDek,
} from '../../crypto/vault/key-wrap.ts';
import { open, seal } from '../../crypto/vault/sealed-value.ts';
import { BINDING, flipBit, isAllZero } from './helpers.ts';

const HEX_KEY = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const TENANT = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
const USER_DEK: DekIdentity = { kid: 'dek-u-1', kv: 1, owner: { kind: 'user', tenantId: TENANT, userId: 'u-1' } };
const TENANT_DEK: DekIdentity = { kid: 'dek-t', kv: 3, owner: { kind: 'tenant', tenantId: TENANT } };

function failure(fn: () => unknown): VaultError {
  try {
    fn();
  } catch (error) {
    if (error instanceof VaultError) return error;
    throw error;
  }
  throw new Error('expected a VaultError');
}

const noFile = () => {
  throw new Error('no file reads expected');
};

describe('the master key (KEK)', () => {
  it('reads 64 hex digits from PALISADE_MASTER_KEY into secure memory', () => {
    const kek = loadKek({ env: { [MASTER_KEY_ENV]: HEX_KEY }, readFile: noFile });
    expect(isSecureBuffer(kek.key)).toBe(true);
    expect(Buffer.from(kek.key).toString('hex')).toBe(HEX_KEY);
    expect(kekFromHex(HEX_KEY.toUpperCase()).id).toBe(kek.id);
    destroyKek(kek);
    expect(isAllZero(kek.key)).toBe(true);
  });

  it('refuses to start without a key, naming both variables', () => {
    for (const env of [{}, { [MASTER_KEY_ENV]: '' }, { [MASTER_KEY_FILE_ENV]: '' }]) {
      const error = failure(() => loadKek({ env, readFile: noFile }));
      expect(error.code).toBe('MASTER_KEY_MISSING');
      expect(error.message).toContain(MASTER_KEY_ENV);
      expect(error.message).toContain(MASTER_KEY_FILE_ENV);
    }
  });

  it('refuses a malformed key, naming the variable and not echoing the value', () => {
    for (const bad of [
      HEX_KEY.slice(2),
      `${HEX_KEY}00`,
      `${HEX_KEY.slice(1)}g`,
      ` ${HEX_KEY.slice(1)}`,
      `${HEX_KEY}\n`,
      Buffer.from(HEX_KEY, 'hex').toString('base64'), // base64 is not accepted: one format only
    ]) {
      const error = failure(() => loadKek({ env: { [MASTER_KEY_ENV]: bad }, readFile: noFile }));
      expect(error.code).toBe('MASTER_KEY_MALFORMED');
      expect(error.message).toContain(MASTER_KEY_ENV);
      expect(error.message).not.toContain(bad.trim());
    }
  });

  it('refuses both variables at once', () => {
    const error = failure(() => loadKek({ env: { [MASTER_KEY_ENV]: HEX_KEY, [MASTER_KEY_FILE_ENV]: '/k' }, readFile: noFile }));
    expect(error.code).toBe('MASTER_KEY_AMBIGUOUS');
  });

  it('reads the key file PALISADE_MASTER_KEY_FILE names, and zeroes the bytes it read', () => {
    for (const ending of ['', '\n', '\r\n']) {
      const bytes = Buffer.from(`${HEX_KEY}${ending}`, 'utf8');
      const paths: string[] = [];
      const kek = loadKek({
        env: { [MASTER_KEY_FILE_ENV]: '/run/secrets/palisade-master-key' },
        readFile: (path) => {
          paths.push(path);
          return bytes;
        },
      });
      expect(paths).toEqual(['/run/secrets/palisade-master-key']);
      expect(Buffer.from(kek.key).toString('hex')).toBe(HEX_KEY);
      expect(isAllZero(bytes)).toBe(true);
      destroyKek(kek);
    }
  });

  it('zeroes the key file bytes also when they are malformed, and names the variable and path', () => {
    const bytes = Buffer.from(`${HEX_KEY}\n\n`, 'utf8');
    const error = failure(() => loadKek({ env: { [MASTER_KEY_FILE_ENV]: '/k' }, readFile: () => bytes }));
    expect(error.code).toBe('MASTER_KEY_MALFORMED');
    expect(error.message).toContain(MASTER_KEY_FILE_ENV);
    expect(error.message).toContain('/k');
    expect(isAllZero(bytes)).toBe(true);
  });

  it('reports an unreadable key file', () => {
    const error = failure(() =>
      loadKek({
        env: { [MASTER_KEY_FILE_ENV]: '/nope' },
        readFile: () => {
          throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
        },
      }),
    );
    expect(error.code).toBe('MASTER_KEY_MISSING');
    expect(error.message).toContain(MASTER_KEY_FILE_ENV);
  });

  it('writes the key-file form that reads back as the same key', () => {
    const kek = generateKek();
    const file = kekKeyFileBytes(kek);
    expect(file.toString('utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    const again = kekFromKeyFileBytes(file);
    expect(again.id).toBe(kek.id);
    expect(isAllZero(file)).toBe(true);
  });

  it('has a public id that is stable per key, differs between keys and reveals none of it', () => {
    const a = generateKek();
    const b = generateKek();
    expect(a.id).toMatch(/^[0-9a-f]{32}$/);
    expect(kekIdOf(a.key)).toBe(a.id);
    expect(a.id).not.toBe(b.id);
    expect(Buffer.from(a.key).toString('hex')).not.toContain(a.id);
    expect(kekFromHex(HEX_KEY).id).toBe(kekFromHex(HEX_KEY).id);
  });
});

describe('data keys (DEKs)', () => {
  it('are 32 random bytes in secure memory', () => {
    const a = generateDek();
    const b = generateDek();
    expect(isSecureBuffer(a)).toBe(true);
    expect(a.byteLength).toBe(32);
    expect(isAllZero(a)).toBe(false);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('wrap and unwrap round-trip for tenant and user owners', () => {
    const kek = generateKek();
    for (const identity of [USER_DEK, TENANT_DEK]) {
      const dek = generateDek();
      const wrapped = wrapDek(dek, identity, kek);
      expect(wrapped.kekId).toBe(kek.id);
      expect(wrapped.nonce.byteLength).toBe(24);
      expect(wrapped.ciphertext.byteLength).toBe(48);
      expect(wrapped.ciphertext.includes(Buffer.from(dek))).toBe(false);
      const back = unwrapDek(wrapped, kek);
      expect(isSecureBuffer(back)).toBe(true);
      expect(Buffer.from(back).equals(Buffer.from(dek))).toBe(true);
    }
  });

  describe('unwrapping fails', () => {
    const kek = generateKek();
    const dek = generateDek();
    const wrapped = wrapDek(dek, USER_DEK, kek);

    it('with another KEK (KEK_MISMATCH)', () => {
      expect(failure(() => unwrapDek(wrapped, generateKek())).code).toBe('KEK_MISMATCH');
    });

    it('with another KEK even when the record is relabelled with its id (UNWRAP_FAILED)', () => {
      const other = generateKek();
      expect(failure(() => unwrapDek({ ...wrapped, kekId: other.id }, other)).code).toBe('UNWRAP_FAILED');
    });

    it('when relabelled as another key id, version, tenant, user or owner kind', () => {
      const relabelled: WrappedDek[] = [
        { ...wrapped, kid: 'dek-u-2' },
        { ...wrapped, kv: 2 },
        { ...wrapped, owner: { kind: 'user', tenantId: 'f0e1d2c3-b4a5-4697-8899-aabbccddeeff', userId: 'u-1' } },
        { ...wrapped, owner: { kind: 'user', tenantId: TENANT, userId: 'u-2' } },
        { ...wrapped, owner: { kind: 'tenant', tenantId: TENANT } },
      ];
      for (const record of relabelled) expect(failure(() => unwrapDek(record, kek)).code).toBe('UNWRAP_FAILED');
    });

    it('when any bit of the nonce or ciphertext is flipped', () => {
      for (let i = 0; i < 24; i++) expect(failure(() => unwrapDek({ ...wrapped, nonce: flipBit(wrapped.nonce, i, i % 8) }, kek)).code).toBe('UNWRAP_FAILED');
      for (let i = 0; i < 48; i++) {
        expect(failure(() => unwrapDek({ ...wrapped, ciphertext: flipBit(wrapped.ciphertext, i, (i * 3) % 8) }, kek)).code).toBe('UNWRAP_FAILED');
      }
    });

    it('on malformed records', () => {
      expect(failure(() => unwrapDek({ ...wrapped, nonce: wrapped.nonce.subarray(1) }, kek)).code).toBe('WRAPPED_DEK_MALFORMED');
      expect(failure(() => unwrapDek({ ...wrapped, ciphertext: wrapped.ciphertext.subarray(1) }, kek)).code).toBe('WRAPPED_DEK_MALFORMED');
      expect(failure(() => unwrapDek({ ...wrapped, kid: '' }, kek)).code).toBe('WRAPPED_DEK_MALFORMED');
      expect(failure(() => unwrapDek({ ...wrapped, owner: { kind: 'user', tenantId: TENANT } as never }, kek)).code).toBe(
        'WRAPPED_DEK_MALFORMED',
      );
      expect(failure(() => wrapDek(Buffer.alloc(31), USER_DEK, kek)).code).toBe('INVALID_KEY');
    });
  });

  it('withDek zeroes the DEK after use', () => {
    const kek = generateKek();
    const wrapped = wrapDek(generateDek(), USER_DEK, kek);
    let seen: Uint8Array | undefined;
    const length = withDek(wrapped, kek, (dek) => {
      seen = dek;
      expect(isAllZero(dek)).toBe(false);
      return dek.byteLength;
    });
    expect(length).toBe(32);
    expect(isAllZero(seen!)).toBe(true);
  });

  it('withDek zeroes the DEK also when the callback throws', () => {
    const kek = generateKek();
    const wrapped = wrapDek(generateDek(), USER_DEK, kek);
    let seen: Uint8Array | undefined;
    expect(() =>
      withDek(wrapped, kek, (dek) => {
        seen = dek;
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isAllZero(seen!)).toBe(true);
  });
});

describe('KEK rotation', () => {
  function estate(kek: Kek, count: number) {
    const identities: DekIdentity[] = Array.from({ length: count }, (_, i) =>
      i % 3 === 0
        ? { kid: `dek-t-${i}`, kv: 1 + (i % 4), owner: { kind: 'tenant', tenantId: `t-${i % 5}` } }
        : { kid: `dek-u-${i}`, kv: 1 + (i % 4), owner: { kind: 'user', tenantId: `t-${i % 5}`, userId: `u-${i}` } },
    );
    return identities.map((identity, i) => {
      const dek = generateDek();
      const binding = { ...BINDING, tenantId: identity.owner.tenantId, subject: `u-${i}` };
      const plaintext = Buffer.from(`canary-${i}-${Math.random().toString(36)}`, 'utf8');
      const sealed = seal(plaintext, dek, binding, identity);
      const wrapped = wrapDek(dek, identity, kek);
      zero(dek);
      return { wrapped, sealed, binding, plaintext };
    });
  }

  it('after re-wrapping, the new KEK opens everything and the old KEK opens nothing', () => {
    const oldKek = generateKek();
    const newKek = generateKek();
    const items = estate(oldKek, 24);
    const rotated = items.map((item) => ({ ...item, wrapped: rewrap(item.wrapped, oldKek, newKek) }));

    for (const { wrapped, sealed, binding, plaintext } of rotated) {
      expect(wrapped.kekId).toBe(newKek.id);
      const opened = withDek(wrapped, newKek, (dek) => open(sealed, dek, binding));
      expect(Buffer.from(opened).equals(plaintext)).toBe(true);
      zero(opened);

      expect(failure(() => unwrapDek(wrapped, oldKek)).code).toBe('KEK_MISMATCH');
      expect(failure(() => unwrapDek({ ...wrapped, kekId: oldKek.id }, oldKek)).code).toBe('UNWRAP_FAILED');
    }
  });

  it('re-wrapping keeps the identity, changes the nonce, and needs the right old KEK', () => {
    const oldKek = generateKek();
    const newKek = generateKek();
    const [item] = estate(oldKek, 1);
    const rotated = rewrap(item!.wrapped, oldKek, newKek);
    expect({ kid: rotated.kid, kv: rotated.kv, owner: rotated.owner }).toEqual({
      kid: item!.wrapped.kid,
      kv: item!.wrapped.kv,
      owner: item!.wrapped.owner,
    });
    expect(rotated.nonce.equals(item!.wrapped.nonce)).toBe(false);
    expect(failure(() => rewrap(item!.wrapped, generateKek(), newKek)).code).toBe('KEK_MISMATCH');
    expect(failure(() => rewrap(rotated, oldKek, newKek)).code).toBe('KEK_MISMATCH');
  });

  it('round-trips any identity through wrap, rewrap and unwrap (property)', () => {
    const a = generateKek();
    const b = generateKek();
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9._:-]{1,20}$/),
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
        fc.option(fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }), { nil: undefined }),
        (kid, kv, tenantId, userId) => {
          const identity: DekIdentity = {
            kid,
            kv,
            owner: userId === undefined ? { kind: 'tenant', tenantId } : { kind: 'user', tenantId, userId },
          };
          const dek = generateDek();
          const back = unwrapDek(rewrap(wrapDek(dek, identity, a), a, b), b);
          expect(Buffer.from(back).equals(Buffer.from(dek))).toBe(true);
          zero(back);
          zero(dek);
        },
      ),
      { numRuns: 100 },
    );
  });
});
