// Round trips of the envelopes whose logical forms hold bytes or optional members.
import { describe, expect, it } from 'vitest';
import { signCommand, verifyCommandSignature } from '../../crypto/command-signing.ts';
import { generateSigningKeyPair } from '../../crypto/ed25519.ts';
import { zero } from '../../crypto/secure-memory.ts';
import {
  decodeCommand, decodeDeadLetter, decodePayload, decodeResult, encodeCommand, encodeDeadLetter, encodePayload, encodeResult,
} from '../../schemas/codec.ts';
import type { CommandResult, DeadLetter, LogicalCommand } from '../../domain/logical.ts';

const COMMAND: LogicalCommand = {
  commandId: '10000000-0000-4000-8000-000000000002',
  tenantId: '0b7c1d2e-3f40-4a51-8b62-7c83d94ea5f6',
  type: 'RemoveMember',
  schemaVersion: 1,
  issuedAt: '2026-11-23T10:00:14.222Z',
  actor: { kind: 'user', id: 'u-1' },
  producerKeyId: 'gateway-2026',
  payload: { userId: 'u-2', reason: 'left' },
};

describe('commands', () => {
  it('a signature made before encoding verifies after decoding (the signed form survives Avro)', () => {
    const { publicKey, secretKey } = generateSigningKeyPair();
    const decoded = decodeCommand(encodeCommand(signCommand(COMMAND, secretKey)));
    expect(decoded).toStrictEqual({ ...COMMAND, signature: decoded.signature });
    expect(decoded.signature).toHaveLength(64);
    expect(verifyCommandSignature(decoded, publicKey)).toBe(true);
    zero(secretKey);
  });

  it('keeps an unsigned command unsigned (null, for the processor to refuse)', () => {
    expect(decodeCommand(encodeCommand({ ...COMMAND, signature: null })).signature).toBeNull();
  });

  it('returns a signature that does not alias the input buffer', () => {
    const bytes = encodeCommand({ ...COMMAND, signature: Buffer.alloc(64, 0xab) });
    const decoded = decodeCommand(bytes);
    bytes.fill(0);
    expect(decoded.signature!.equals(Buffer.alloc(64, 0xab))).toBe(true);
  });
});

describe('command results', () => {
  it('keeps absent optional members absent, not null or undefined', () => {
    const accepted: CommandResult = { commandId: COMMAND.commandId, tenantId: COMMAND.tenantId, commandDigest: 'ab'.repeat(32), outcome: 'accepted', firstSeq: 5, lastSeq: 6, replayed: false, processedAt: '2026-11-23T10:00:14.300Z' };
    const decoded = decodeResult(encodeResult(accepted));
    expect(decoded).toStrictEqual(accepted);
    expect(Object.keys(decoded)).not.toContain('code');
    expect(Object.keys(decoded)).not.toContain('message');
  });
});

describe('dead letters', () => {
  it('carry the original key and value as raw bytes, or null', () => {
    const letter: DeadLetter = {
      sourceTopic: 'palisade.commands', partition: 7, offset: '9007199254740993', code: 'UNDECODABLE', reason: 'MALFORMED',
      originalKey: Buffer.from('tenant'), originalValue: Buffer.from([0xc3, 0x01, 0xff]), failedAt: '2026-11-23T10:00:00.000Z',
    };
    expect(decodeDeadLetter(encodeDeadLetter(letter))).toStrictEqual(letter);
    const empty = { ...letter, originalKey: null, originalValue: null };
    expect(decodeDeadLetter(encodeDeadLetter(empty))).toStrictEqual(empty);
  });
});

describe('payloads', () => {
  it('decode with their writer type, version and group', () => {
    expect(decodePayload(encodePayload('RemoveMember', 1, { userId: 'u-2' }))).toStrictEqual({
      type: 'RemoveMember', version: 1, group: 'commands', payload: { userId: 'u-2' },
    });
  });
});
