// The documented entry points of crypto/ and domain/chain/ (see their READMEs) stay exported.
import { describe, expect, it } from 'vitest';
import * as chain from '../../domain/chain/index.ts';
import * as crypto from '../../crypto/index.ts';

describe('public surface', () => {
  it('crypto/index.ts', () => {
    for (const name of [
      'generateSigningKeyPair', 'sign', 'verify', 'publicKeyOf', 'zero', 'allocSecure', 'isSecureBuffer',
      'writeSigningKeyFile', 'readSigningKeyFile', 'commandSigningBytes', 'signCommand', 'verifyCommandSignature',
      'signNote', 'verifyNote', 'verifierKeyString', 'parseVerifierKey', 'noteKeyId', 'CryptoError',
    ]) expect(typeof (crypto as Record<string, unknown>)[name], name).toBe('function');
  });

  it('chain/index.ts', () => {
    for (const name of [
      'jcs', 'sha256', 'sha256HexOfText', 'eventHash', 'canonicalEventText', 'ChainVerifier', 'verifyChain',
      'validateLogicalEvent', 'validateHashedEvent', 'isLogicalEvent', 'isHashedEvent', 'ChainError',
    ]) expect(typeof (chain as Record<string, unknown>)[name], name).toBe('function');
    expect(chain.GENESIS_HASH).toBe('0'.repeat(64));
  });
});
