// crypto/vault/store/intake-wrap.ts: the intake secret key wrapped by the KEK (its own AAD context).
import { describe, expect, it } from 'vitest';
import { isSecureBuffer, zero } from '../../crypto/secure-memory.ts';
import { KeyStoreError, intakeKeyFingerprint, rewrapIntakeKey, unwrapIntakeKey, wrapIntakeKey } from '../../crypto/vault/store/index.ts';
import type { WrappedIntakeKey } from '../../crypto/vault/store/index.ts';
import { VaultError, generateIntakeKeyPair, generateKek, openIntake, sealToIntake, unwrapDek } from '../../crypto/vault/index.ts';

const BINDING = { tenantId: '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d', subject: 'u-1', purpose: 'provider-key', field: 'openai' };

function failure(fn: () => unknown): KeyStoreError {
  try {
    fn();
  } catch (error) {
    if (error instanceof KeyStoreError) return error;
    throw error;
  }
  throw new Error('expected a KeyStoreError');
}

const flip = (bytes: Buffer, index: number): Buffer => {
  const copy = Buffer.from(bytes);
  copy[index] = copy[index]! ^ 1;
  return copy;
};

describe('intake key wrapping', () => {
  const kek = generateKek();
  const pair = generateIntakeKeyPair();
  const wrapped = wrapIntakeKey(pair, kek);

  it('round-trips into secure memory, and the pair opens what was sealed to the public key', () => {
    expect(wrapped.kekId).toBe(kek.id);
    expect(wrapped.nonce).toHaveLength(24);
    expect(wrapped.ciphertext).toHaveLength(48);
    expect(wrapped.ciphertext.includes(pair.secretKey)).toBe(false);
    const back = unwrapIntakeKey(wrapped, kek);
    expect(isSecureBuffer(back.secretKey)).toBe(true);
    expect(back.publicKey.equals(pair.publicKey)).toBe(true);
    const secret = openIntake(sealToIntake(Buffer.from('hunter2-secret'), wrapped.publicKey, BINDING), back, BINDING);
    expect(Buffer.from(secret).toString()).toBe('hunter2-secret');
    zero(secret);
    zero(back.secretKey);
  });

  it('uses a fresh nonce each time', () => {
    expect(wrapIntakeKey(pair, kek).nonce.equals(wrapped.nonce)).toBe(false);
  });

  it('names another KEK as KEK_MISMATCH, a forged kekId or tampered bytes as UNWRAP_FAILED', () => {
    const other = generateKek();
    expect(failure(() => unwrapIntakeKey(wrapped, other)).code).toBe('KEK_MISMATCH');
    expect(failure(() => unwrapIntakeKey({ ...wrapped, kekId: other.id }, other)).code).toBe('UNWRAP_FAILED');
    expect(failure(() => unwrapIntakeKey({ ...wrapped, ciphertext: flip(wrapped.ciphertext, 3) }, kek)).code).toBe('UNWRAP_FAILED');
    expect(failure(() => unwrapIntakeKey({ ...wrapped, nonce: flip(wrapped.nonce, 0) }, kek)).code).toBe('UNWRAP_FAILED');
  });

  it('binds the public key: a row with another public key does not unwrap', () => {
    const swapped: WrappedIntakeKey = { ...wrapped, publicKey: generateIntakeKeyPair().publicKey };
    expect(failure(() => unwrapIntakeKey(swapped, kek)).code).toBe('UNWRAP_FAILED');
  });

  it('is domain-separated from DEK wrapping: the same bytes never unwrap as a DEK', () => {
    const asDek = {
      kid: 'intake', kv: 1, owner: { kind: 'tenant' as const, tenantId: BINDING.tenantId },
      kekId: kek.id, nonce: wrapped.nonce, ciphertext: wrapped.ciphertext,
    };
    try {
      unwrapDek(asDek, kek);
      throw new Error('expected a VaultError');
    } catch (error) {
      expect((error as VaultError).code).toBe('UNWRAP_FAILED');
    }
  });

  it('rejects bad lengths as ROW_MALFORMED, and its messages hold no key bytes', () => {
    const error = failure(() => unwrapIntakeKey({ ...wrapped, ciphertext: wrapped.ciphertext.subarray(0, 40) }, kek));
    expect(error.code).toBe('ROW_MALFORMED');
    const mismatch = failure(() => unwrapIntakeKey(wrapped, generateKek()));
    for (const e of [error, mismatch]) {
      expect(e.message).not.toContain(Buffer.from(kek.key).toString('hex'));
      expect(e.message).not.toContain(wrapped.ciphertext.toString('hex'));
    }
  });

  it('rewraps under a new KEK: the same pair, no longer under the old one', () => {
    const next = generateKek();
    const rewrapped = rewrapIntakeKey(wrapped, kek, next);
    expect(rewrapped.kekId).toBe(next.id);
    expect(rewrapped.publicKey.equals(wrapped.publicKey)).toBe(true);
    const back = unwrapIntakeKey(rewrapped, next);
    expect(back.publicKey.equals(pair.publicKey)).toBe(true);
    zero(back.secretKey);
    expect(failure(() => unwrapIntakeKey(rewrapped, kek)).code).toBe('KEK_MISMATCH');
  });

  it('fingerprints a public key as sha256:<32 hex>', () => {
    expect(intakeKeyFingerprint(Buffer.alloc(32))).toBe('sha256:66687aadf862bd776c8fc18b8e9f8e20');
  });
});
