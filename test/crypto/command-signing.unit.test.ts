import { describe, expect, it } from 'vitest';
import { COMMAND_SIGNING_CONTEXT, commandSigningBytes, signCommand, verifyCommandSignature } from '../../crypto/command-signing.ts';
import { generateSigningKeyPair, sign } from '../../crypto/ed25519.ts';
import { zero } from '../../crypto/secure-memory.ts';
import type { LogicalCommand, SignedCommand } from '../../domain/logical.ts';
import { nodeVerifies } from './node-ed25519.ts';

const COMMAND: LogicalCommand = {
  commandId: '10000000-0000-4000-8000-000000000001',
  tenantId: '0b7c1d2e-3f40-4a51-8b62-7c83d94ea5f6',
  type: 'AddMember',
  schemaVersion: 1,
  issuedAt: '2026-11-23T10:00:07.000Z',
  actor: { kind: 'user', id: 'u-1' },
  producerKeyId: 'gateway-2026',
  payload: { userId: 'u-2', email: 'ana@acme.example', role: 'admin' },
};

describe('commandSigningBytes', () => {
  it('is the context string followed by the RFC 8785 form of the command', () => {
    expect(commandSigningBytes(COMMAND).toString('utf8')).toBe(
      'palisade/command/v1\n' +
        '{"actor":{"id":"u-1","kind":"user"},"commandId":"10000000-0000-4000-8000-000000000001",' +
        '"issuedAt":"2026-11-23T10:00:07.000Z","payload":{"email":"ana@acme.example","role":"admin","userId":"u-2"},' +
        '"producerKeyId":"gateway-2026","schemaVersion":1,"tenantId":"0b7c1d2e-3f40-4a51-8b62-7c83d94ea5f6","type":"AddMember"}',
    );
    expect(COMMAND_SIGNING_CONTEXT).toBe('palisade/command/v1\n');
  });

  it('leaves the signature out, whatever it holds', () => {
    const signed: SignedCommand = { ...COMMAND, signature: Buffer.alloc(64, 7) };
    expect(commandSigningBytes(signed).equals(commandSigningBytes(COMMAND))).toBe(true);
    expect(commandSigningBytes({ ...COMMAND, signature: null } as SignedCommand).equals(commandSigningBytes(COMMAND))).toBe(true);
  });

  it('does not depend on key order', () => {
    const reordered = Object.fromEntries(Object.entries(COMMAND).reverse()) as unknown as LogicalCommand;
    expect(commandSigningBytes(reordered).equals(commandSigningBytes(COMMAND))).toBe(true);
  });
});

describe('signCommand / verifyCommandSignature', () => {
  it('signs what Node crypto verifies over commandSigningBytes', () => {
    const { publicKey, secretKey } = generateSigningKeyPair();
    const signed = signCommand(COMMAND, secretKey);
    expect(nodeVerifies(commandSigningBytes(COMMAND), signed.signature!, publicKey)).toBe(true);
    expect(verifyCommandSignature(signed, publicKey)).toBe(true);
    zero(secretKey);
  });

  it('rejects a changed payload, actor, tenant, key id, a missing signature and another key', () => {
    const { publicKey, secretKey } = generateSigningKeyPair();
    const signed = signCommand(COMMAND, secretKey);
    expect(verifyCommandSignature({ ...signed, payload: { ...COMMAND.payload, role: 'owner' } }, publicKey)).toBe(false);
    expect(verifyCommandSignature({ ...signed, actor: { kind: 'user', id: 'u-2' } }, publicKey)).toBe(false);
    expect(verifyCommandSignature({ ...signed, tenantId: '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d' }, publicKey)).toBe(false);
    expect(verifyCommandSignature({ ...signed, producerKeyId: 'other' }, publicKey)).toBe(false);
    expect(verifyCommandSignature({ ...signed, signature: null }, publicKey)).toBe(false);
    expect(verifyCommandSignature(signed, generateSigningKeyPair().publicKey)).toBe(false);
    zero(secretKey);
  });

  it('does not accept a signature over the bare JCS text (domain separation)', () => {
    const { publicKey, secretKey } = generateSigningKeyPair();
    const bare = commandSigningBytes(COMMAND).subarray(COMMAND_SIGNING_CONTEXT.length);
    expect(verifyCommandSignature({ ...COMMAND, signature: sign(bare, secretKey) }, publicKey)).toBe(false);
    zero(secretKey);
  });

  it('returns false for a command with no canonical form instead of throwing', () => {
    const { publicKey } = generateSigningKeyPair();
    const broken = { ...COMMAND, payload: { s: '\ud800' }, signature: Buffer.alloc(64) };
    expect(verifyCommandSignature(broken, publicKey)).toBe(false);
  });
});
