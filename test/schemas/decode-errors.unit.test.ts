// Every way stored bytes can be wrong ends in a CodecError with a stable code, never in
// another exception and never in a silently different event.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventHash } from '../../domain/chain/event-hash.ts';
import { decodeCommand, decodeEvent, decodeResult, encodeCommand, encodeEvent, encodePayload } from '../../schemas/codec.ts';
import { CodecError } from '../../schemas/errors.ts';
import type { LogicalEvent } from '../../domain/logical.ts';
import { schemaRegistry } from '../../schemas/registry.ts';
import { codeThrownBy, thrownBy } from '../fixtures/errors.ts';
import { vectorEvents } from '../fixtures/vectors.ts';

const { hash: HASH, ...EVENT } = vectorEvents()[1]!; // MemberAdded v1
const BYTES = encodeEvent(EVENT, HASH);
const ENVELOPE = schemaRegistry.get('EventEnvelope', 1)!;

/** Re-encodes the envelope body by hand with one field's raw Avro value replaced. */
function envelopeWith(fields: Partial<Record<string, unknown>>): Buffer {
  const value = {
    tenantId: EVENT.tenantId, seq: EVENT.seq, prevHash: EVENT.prevHash, eventId: EVENT.eventId, type: EVENT.type,
    schemaVersion: EVENT.schemaVersion, occurredAt: Date.parse(EVENT.occurredAt), actor: EVENT.actor, commandId: EVENT.commandId,
    payload: encodePayload('MemberAdded', 1, EVENT.payload), hash: HASH, ...fields,
  };
  return Buffer.concat([ENVELOPE.header, ENVELOPE.type.toBuffer(value)]);
}

describe('decodeEvent errors', () => {
  it('NOT_SINGLE_OBJECT for bytes without the 0xC3 0x01 marker', () => {
    expect(codeThrownBy(() => decodeEvent(Buffer.alloc(0)))).toBe('NOT_SINGLE_OBJECT');
    expect(codeThrownBy(() => decodeEvent(Buffer.from('{"tenantId":"..."}')))).toBe('NOT_SINGLE_OBJECT');
    expect(codeThrownBy(() => decodeEvent(Buffer.concat([Buffer.of(0xc3, 0x02), BYTES.subarray(2)])))).toBe('NOT_SINGLE_OBJECT');
    expect(codeThrownBy(() => decodeEvent(BYTES.subarray(1)))).toBe('NOT_SINGLE_OBJECT');
  });

  it('UNKNOWN_SCHEMA for a fingerprint that is not in the registry', () => {
    const bytes = Buffer.from(BYTES);
    bytes[9]! ^= 0x01;
    expect(codeThrownBy(() => decodeEvent(bytes))).toBe('UNKNOWN_SCHEMA');
  });

  it('UNEXPECTED_SCHEMA for a known record that is not an EventEnvelope', () => {
    const command = encodeCommand({
      commandId: EVENT.commandId, tenantId: EVENT.tenantId, type: 'AddMember', schemaVersion: 1, issuedAt: EVENT.occurredAt,
      actor: EVENT.actor, producerKeyId: 'k', payload: EVENT.payload, signature: null,
    });
    expect(codeThrownBy(() => decodeEvent(command))).toBe('UNEXPECTED_SCHEMA');
    expect(codeThrownBy(() => decodeEvent(encodePayload('MemberAdded', 1, EVENT.payload)))).toBe('UNEXPECTED_SCHEMA');
    expect(codeThrownBy(() => decodeCommand(BYTES))).toBe('UNEXPECTED_SCHEMA');
    expect(codeThrownBy(() => decodeResult(BYTES))).toBe('UNEXPECTED_SCHEMA');
  });

  it('MALFORMED for every truncation of a valid record', () => {
    for (let length = 2; length < BYTES.length; length++) {
      expect(codeThrownBy(() => decodeEvent(BYTES.subarray(0, length))), `length ${length}`).toBe('MALFORMED');
    }
  });

  it('MALFORMED for trailing bytes, after the envelope or inside the payload', () => {
    expect(codeThrownBy(() => decodeEvent(Buffer.concat([BYTES, Buffer.of(0)])))).toBe('MALFORMED');
    const payload = Buffer.concat([encodePayload('MemberAdded', 1, EVENT.payload), Buffer.of(0)]);
    expect(thrownBy(() => decodeEvent(envelopeWith({ payload })))).toMatchObject({ code: 'MALFORMED', path: 'payload' });
  });

  it('MALFORMED for garbage after a valid header', () => {
    expect(codeThrownBy(() => decodeEvent(Buffer.concat([ENVELOPE.header, Buffer.from('ffffffffffffffffffffffff', 'hex')])))).toBe('MALFORMED');
  });

  it('PAYLOAD_TYPE_MISMATCH when the payload is not the type or version the envelope names', () => {
    const tenantCreated = encodePayload('TenantCreated', 1, { name: 'Acme', owner: { userId: 'u-1', email: 'o@acme.example' } });
    const addMember = encodePayload('AddMember', 1, EVENT.payload); // a command payload in an event
    expect(codeThrownBy(() => decodeEvent(envelopeWith({ payload: tenantCreated })))).toBe('PAYLOAD_TYPE_MISMATCH');
    expect(codeThrownBy(() => decodeEvent(envelopeWith({ schemaVersion: 2 })))).toBe('PAYLOAD_TYPE_MISMATCH');
    expect(codeThrownBy(() => decodeEvent(envelopeWith({ type: 'AddMember', payload: addMember })))).toBe('PAYLOAD_TYPE_MISMATCH');
  });

  it('NOT_SINGLE_OBJECT / UNKNOWN_SCHEMA inside the payload name the payload field', () => {
    expect(thrownBy(() => decodeEvent(envelopeWith({ payload: Buffer.from('{}') })))).toMatchObject({ code: 'NOT_SINGLE_OBJECT', path: 'payload' });
    const unknown = encodePayload('MemberAdded', 1, EVENT.payload);
    unknown[5]! ^= 0xff;
    expect(thrownBy(() => decodeEvent(envelopeWith({ payload: unknown })))).toMatchObject({ code: 'UNKNOWN_SCHEMA', path: 'payload' });
  });

  it('INVALID_VALUE for a seq beyond 2^53-1 and an occurredAt past year 9999', () => {
    // The writer refuses seq 2^53, so write 2^52 and patch its varint: zigzag(2^52) = 2^53 is
    // seven 0x80 bytes then 0x10; 0x20 in the last byte makes zigzag 2^54, i.e. seq 2^53.
    const seqBytes = Buffer.from(envelopeWith({ seq: 2 ** 52 }));
    const at = seqBytes.indexOf(Buffer.from('8080808080808010', 'hex'));
    expect(at).toBeGreaterThan(0);
    seqBytes[at + 7] = 0x20; // zigzag 2^54 → seq 2^53
    expect(codeThrownBy(() => decodeEvent(seqBytes))).toBe('INVALID_VALUE');
    expect(codeThrownBy(() => decodeEvent(envelopeWith({ occurredAt: 253_402_300_800_000 })))).toBe('INVALID_VALUE');
  });

  it('decodes a seq of exactly 2^53-1', () => {
    expect(decodeEvent(envelopeWith({ seq: Number.MAX_SAFE_INTEGER })).event.seq).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('throws only CodecErrors on arbitrary bytes, with or without a valid header', () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.concat([ENVELOPE.header, bytes])),
    );
    fc.assert(
      fc.property(input, (bytes) => {
        try {
          decodeEvent(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(CodecError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('any single corrupted byte of a stored event', () => {
  it('fails to decode, or decodes to an event whose hash no longer matches', () => {
    let undecodable = 0;
    for (let i = 0; i < BYTES.length; i++) {
      for (const mask of [0x01, 0x20, 0x80, 0xff]) {
        const bytes = Buffer.from(BYTES);
        bytes[i]! ^= mask;
        let decoded: { event: LogicalEvent; carriedHash: string };
        try {
          decoded = decodeEvent(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(CodecError);
          undecodable++;
          continue;
        }
        expect(eventHash(decoded.event) === decoded.carriedHash, `byte ${i} ^ ${mask}`).toBe(false);
      }
    }
    expect(undecodable).toBeGreaterThan(0);
  });
});
