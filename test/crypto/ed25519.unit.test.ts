import { describe, expect, it } from 'vitest';
import { generateSigningKeyPair, publicKeyOf, sign, verify } from '../../crypto/ed25519.ts';
import { CryptoError } from '../../crypto/errors.ts';
import { isSecureBuffer, zero } from '../../crypto/secure-memory.ts';
import { codeThrownBy } from '../fixtures/errors.ts';
import { nodeVerifies } from './node-ed25519.ts';

// RFC 8032 §7.1, TEST 1 and TEST 2. libsodium's secret key is seed ‖ public key.
const RFC8032 = [
  {
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
];

describe('Ed25519 through libsodium', () => {
  it.each(RFC8032.map((v, i) => [i + 1, v] as const))('reproduces RFC 8032 TEST %i', (_n, vector) => {
    const secretKey = Buffer.from(vector.seed + vector.publicKey, 'hex');
    const message = Buffer.from(vector.message, 'hex');
    expect(publicKeyOf(secretKey).toString('hex')).toBe(vector.publicKey);
    expect(sign(message, secretKey).toString('hex')).toBe(vector.signature);
    expect(verify(message, Buffer.from(vector.signature, 'hex'), Buffer.from(vector.publicKey, 'hex'))).toBe(true);
  });

  it('generates a 32-byte public key and a 64-byte secret key in secure memory', () => {
    const { publicKey, secretKey } = generateSigningKeyPair();
    expect(publicKey).toHaveLength(32);
    expect(secretKey).toHaveLength(64);
    expect(isSecureBuffer(secretKey)).toBe(true);
    expect(publicKeyOf(secretKey).equals(publicKey)).toBe(true);
    zero(secretKey);
  });

  it('signs what Node crypto verifies, and verifies only the untampered triple', () => {
    const { publicKey, secretKey } = generateSigningKeyPair();
    const message = Buffer.from('palisade: the byte that breaks the chain');
    const signature = sign(message, secretKey);
    expect(signature).toHaveLength(64);
    expect(nodeVerifies(message, signature, publicKey)).toBe(true);
    expect(verify(message, signature, publicKey)).toBe(true);

    const otherMessage = Buffer.from(message);
    otherMessage[0]! ^= 0x01;
    const otherSignature = Buffer.from(signature);
    otherSignature[10]! ^= 0x80;
    const otherKey = generateSigningKeyPair().publicKey;
    expect(verify(otherMessage, signature, publicKey)).toBe(false);
    expect(verify(message, otherSignature, publicKey)).toBe(false);
    expect(verify(message, signature, otherKey)).toBe(false);
    expect(nodeVerifies(otherMessage, signature, publicKey)).toBe(false);
    zero(secretKey);
  });

  it('returns false, never throws, on malformed input', () => {
    const { publicKey, secretKey } = generateSigningKeyPair();
    const message = Buffer.from('m');
    const signature = sign(message, secretKey);
    expect(verify(message, signature.subarray(0, 63), publicKey)).toBe(false);
    expect(verify(message, Buffer.concat([signature, Buffer.of(0)]), publicKey)).toBe(false); // libsodium alone would accept this
    expect(verify(message, signature, publicKey.subarray(0, 31))).toBe(false);
    expect(verify(message, Buffer.alloc(0), Buffer.alloc(0))).toBe(false);
    expect(verify('m' as unknown as Buffer, signature, publicKey)).toBe(false);
    expect(verify(message, null as unknown as Buffer, publicKey)).toBe(false);
    zero(secretKey);
  });

  it('refuses to sign with a key that is not 64 bytes', () => {
    expect(codeThrownBy(() => sign(Buffer.from('m'), Buffer.alloc(32)))).toBe('INVALID_SECRET_KEY');
    expect(() => sign(Buffer.from('m'), Buffer.alloc(32))).toThrow(CryptoError);
  });

  it('zero() wipes a buffer', () => {
    const { secretKey } = generateSigningKeyPair();
    zero(secretKey);
    expect(secretKey.every((byte) => byte === 0)).toBe(true);
  });
});
