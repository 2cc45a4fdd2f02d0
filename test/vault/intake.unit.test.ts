import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSecureBuffer, zero } from '../../crypto/secure-memory.ts';
import { VaultError } from '../../crypto/vault/errors.ts';
import {
  INTAKE_OVERHEAD_BYTES,
  generateIntakeKeyPair,
  intakeKeyPairFromSecretKey,
  openIntake,
  sealToIntake,
} from '../../crypto/vault/intake.ts';
import { generateDek } from '../../crypto/vault/key-wrap.ts';
import { open, seal } from '../../crypto/vault/sealed-value.ts';
import { BINDING, KEY_REF, MEMBERS, bindingArb, flipBit, isAllZero } from './helpers.ts';

const CANARY = Buffer.from('sk-ant-api03-intake-canary-5e0c1b7d-9f3a', 'utf8');

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof VaultError) return error.code;
    throw error;
  }
  return undefined;
}

describe('secret intake', () => {
  const keyPair = generateIntakeKeyPair();

  it('makes a key pair whose secret key is in secure memory', () => {
    expect(keyPair.publicKey.byteLength).toBe(32);
    expect(isSecureBuffer(keyPair.secretKey)).toBe(true);
    expect(isAllZero(keyPair.secretKey)).toBe(false);
    const again = intakeKeyPairFromSecretKey(keyPair.secretKey);
    expect(again.publicKey.equals(keyPair.publicKey)).toBe(true);
    expect(isSecureBuffer(again.secretKey)).toBe(true);
  });

  it('round-trips any secret under any binding (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), bindingArb, (secret, binding) => {
        const box = sealToIntake(secret, keyPair.publicKey, binding);
        const opened = openIntake(box, keyPair, binding);
        expect(isSecureBuffer(opened)).toBe(true);
        expect(Buffer.from(opened).equals(Buffer.from(secret))).toBe(true);
        zero(opened);
      }),
      { numRuns: 100 },
    );
  });

  it('carries no plaintext and differs every time', () => {
    const a = sealToIntake(CANARY, keyPair.publicKey, BINDING);
    const b = sealToIntake(CANARY, keyPair.publicKey, BINDING);
    expect(a.includes(CANARY)).toBe(false);
    expect(a.includes(Buffer.from('9f3a'))).toBe(false);
    expect(a.includes(Buffer.from(BINDING.tenantId))).toBe(false);
    expect(a.equals(b)).toBe(false);
    expect(CANARY.toString('utf8')).toBe('sk-ant-api03-intake-canary-5e0c1b7d-9f3a'); // not modified
  });

  it('does not open with another intake key pair', () => {
    const box = sealToIntake(CANARY, keyPair.publicKey, BINDING);
    expect(code(() => openIntake(box, generateIntakeKeyPair(), BINDING))).toBe('INTAKE_OPEN_FAILED');
  });

  for (const member of MEMBERS) {
    it(`refuses a box replayed into another ${member}`, () => {
      const box = sealToIntake(CANARY, keyPair.publicKey, BINDING);
      expect(code(() => openIntake(box, keyPair, { ...BINDING, [member]: `${BINDING[member]}x` }))).toBe('INTAKE_BINDING_MISMATCH');
    });
  }

  it('refuses a box for a binding that is a prefix of the expected one, or vice versa', () => {
    const box = sealToIntake(CANARY, keyPair.publicKey, { ...BINDING, field: 'a' });
    expect(code(() => openIntake(box, keyPair, { ...BINDING, field: 'ab' }))).toBe('INTAKE_BINDING_MISMATCH');
    const longer = sealToIntake(CANARY, keyPair.publicKey, { ...BINDING, field: 'ab' });
    expect(code(() => openIntake(longer, keyPair, { ...BINDING, field: 'a' }))).toBe('INTAKE_BINDING_MISMATCH');
  });

  it('any flipped bit of the box fails to open', () => {
    const box = sealToIntake(Buffer.from('k'), keyPair.publicKey, BINDING);
    for (let i = 0; i < box.byteLength; i++) {
      expect(code(() => openIntake(flipBit(box, i, i % 8), keyPair, BINDING))).toBe('INTAKE_OPEN_FAILED');
    }
  });

  it('refuses truncated boxes and wrong key lengths', () => {
    const box = sealToIntake(CANARY, keyPair.publicKey, BINDING);
    expect(code(() => openIntake(box.subarray(0, INTAKE_OVERHEAD_BYTES), keyPair, BINDING))).toBe('INTAKE_MALFORMED');
    expect(code(() => openIntake(box.subarray(0, box.byteLength - 1), keyPair, BINDING))).toBe('INTAKE_OPEN_FAILED');
    expect(code(() => sealToIntake(CANARY, keyPair.publicKey.subarray(1), BINDING))).toBe('INVALID_KEY');
    expect(code(() => intakeKeyPairFromSecretKey(Buffer.alloc(31)))).toBe('INVALID_KEY');
  });

  it('feeds the processor path: open the intake box, re-seal under the owner DEK, zero the plaintext', () => {
    const box = sealToIntake(CANARY, keyPair.publicKey, BINDING);
    const dek = generateDek();
    const secret = openIntake(box, keyPair, BINDING);
    const sealed = seal(secret, dek, BINDING, KEY_REF);
    zero(secret);
    expect(isAllZero(secret)).toBe(true);
    expect(JSON.stringify(sealed)).not.toContain('canary');
    const opened = open(sealed, dek, BINDING);
    expect(Buffer.from(opened).equals(CANARY)).toBe(true);
    zero(opened);
    zero(dek);
  });
});
