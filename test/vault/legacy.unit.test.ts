// The legacy vectors are made here exactly as the old system made them, with Node's crypto:
// scryptSync(secret, salt, 32) and AES-256-CBC with a random 16-byte salt and IV.
import { createCipheriv, randomBytes, scryptSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSecureBuffer, zero } from '../../crypto/secure-memory.ts';
import { VaultError } from '../../crypto/vault/errors.ts';
import { decryptLegacy, isLegacyValue } from '../../crypto/vault/legacy.ts';
import { generateDek } from '../../crypto/vault/key-wrap.ts';
import { parseSealedValue, seal } from '../../crypto/vault/sealed-value.ts';
import { BINDING, KEY_REF } from './helpers.ts';

function legacyEncrypt(plaintext: string | Buffer, secret: string): string {
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const key = scryptSync(secret, salt, 32);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return `${salt.toString('hex')}:${iv.toString('hex')}:${ciphertext.toString('hex')}`;
}

// Made once with the generator above, salt and IV fixed, and pinned: it checks the format
// against a value that was not produced by this run's code.
const GOLDEN = {
  secret: 'legacy-secret-of-the-old-system',
  plaintext: 'sk-ant-api03-legacy-canary-0001-9f3a',
  value:
    '00112233445566778899aabbccddeeff:0f0e0d0c0b0a09080706050403020100:' +
    '307bc19705fcaa733c6babee818ddb8d98e5b2a745c5d946c49d8f47587912caf8566a3c28d83f2c6bdefe3b405ffc4c',
};

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof VaultError) return error.code;
    throw error;
  }
  return undefined;
}

describe('legacy values (salt:iv:ciphertext, AES-256-CBC, scrypt)', () => {
  it('decrypts the pinned vector into secure memory', () => {
    expect(isLegacyValue(GOLDEN.value)).toBe(true);
    const plaintext = decryptLegacy(GOLDEN.value, GOLDEN.secret);
    expect(isSecureBuffer(plaintext)).toBe(true);
    expect(plaintext.toString('utf8')).toBe(GOLDEN.plaintext);
    zero(plaintext);
  });

  it('accepts uppercase hex and a secret given as bytes', () => {
    const plaintext = decryptLegacy(GOLDEN.value.toUpperCase(), Buffer.from(GOLDEN.secret, 'utf8'));
    expect(plaintext.toString('utf8')).toBe(GOLDEN.plaintext);
  });

  it('decrypts random vectors made as the old system made them', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 80 }),
        fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }),
        (plaintext, secret) => {
          const value = legacyEncrypt(plaintext, secret);
          expect(isLegacyValue(value)).toBe(true);
          const opened = decryptLegacy(value, secret);
          expect(opened.toString('utf8')).toBe(plaintext);
          zero(opened);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('never returns the plaintext under a wrong legacy secret', () => {
    for (let i = 0; i < 6; i++) {
      const value = legacyEncrypt(`canary-${i}-${randomBytes(8).toString('hex')}`, 'right');
      try {
        const garbage = decryptLegacy(value, `wrong-${i}`);
        expect(garbage.toString('utf8')).not.toContain('canary'); // CBC: 1 in 256 passes the padding check
      } catch (error) {
        expect((error as VaultError).code).toBe('LEGACY_DECRYPT_FAILED');
      }
    }
    expect(code(() => decryptLegacy(GOLDEN.value, 'not-the-secret'))).toBe('LEGACY_DECRYPT_FAILED');
  });

  it('detects only the exact legacy shape', () => {
    const salt = '00'.repeat(16);
    const block = 'ab'.repeat(16);
    const notLegacy: unknown[] = [
      JSON.stringify(parseSealedValue(seal(Buffer.from('x'), generateDek(), BINDING, KEY_REF))),
      `${salt}:${salt}`,
      `${salt}:${salt}:`,
      `${'00'.repeat(15)}:${salt}:${block}`,
      `${salt}:${'00'.repeat(17)}:${block}`,
      `${salt}:${salt}:${block}00`,
      `${salt}:${salt}:${block}:${block}`,
      `${salt}:${salt}:${block.slice(0, -1)}g`,
      ` ${salt}:${salt}:${block}`,
      `${salt}:${salt}:${block}\n`,
      42,
      null,
    ];
    for (const value of notLegacy) expect(isLegacyValue(value)).toBe(false);
    expect(isLegacyValue(`${salt}:${salt}:${block}${block}`)).toBe(true);
  });

  it('refuses malformed values with LEGACY_MALFORMED', () => {
    expect(code(() => decryptLegacy('00:00:00', 'secret'))).toBe('LEGACY_MALFORMED');
    expect(code(() => decryptLegacy(`${GOLDEN.value}0`, GOLDEN.secret))).toBe('LEGACY_MALFORMED');
  });

  it('a flipped byte in the last block breaks decryption or changes the plaintext', () => {
    const [salt, iv, ct] = GOLDEN.value.split(':') as [string, string, string];
    const flipped = `${salt}:${iv}:${ct.slice(0, -2)}${((Number.parseInt(ct.slice(-2), 16) ^ 1) & 0xff).toString(16).padStart(2, '0')}`;
    try {
      expect(decryptLegacy(flipped, GOLDEN.secret).toString('utf8')).not.toBe(GOLDEN.plaintext);
    } catch (error) {
      expect((error as VaultError).code).toBe('LEGACY_DECRYPT_FAILED');
    }
  });
});
