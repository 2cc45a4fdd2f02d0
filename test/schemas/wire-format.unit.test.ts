// An independent check of the golden bytes: MemberAdded v1 and EventEnvelope v1 built by hand
// from the Avro specification ("Binary Encoding", "Single-object encoding"), no avsc involved.
import { describe, expect, it } from 'vitest';
import { encodeEvent, encodePayload } from '../../schemas/codec.ts';
import { crc64Avro } from '../../schemas/rabin.ts';
import { schemaRegistry } from '../../schemas/registry.ts';
import { vectorEvents } from '../fixtures/vectors.ts';

function zigzagVarint(value: number): Buffer {
  let zigzag = BigInt(value) >= 0n ? BigInt(value) * 2n : -BigInt(value) * 2n - 1n;
  const bytes: number[] = [];
  do {
    bytes.push(Number(zigzag & 0x7fn) | (zigzag > 0x7fn ? 0x80 : 0));
    zigzag >>= 7n;
  } while (zigzag > 0n);
  return Buffer.from(bytes);
}
const str = (text: string) => Buffer.concat([zigzagVarint(Buffer.byteLength(text)), Buffer.from(text, 'utf8')]);
const bytes = (value: Buffer) => Buffer.concat([zigzagVarint(value.length), value]);
function header(canonicalForm: string): Buffer {
  const out = Buffer.alloc(10);
  out[0] = 0xc3;
  out[1] = 0x01;
  out.writeBigUInt64LE(crc64Avro(Buffer.from(canonicalForm)), 2);
  return out;
}

const MEMBER_ADDED_PCF =
  '{"name":"palisade.events.MemberAdded","type":"record","fields":[{"name":"userId","type":"string"},' +
  '{"name":"email","type":"string"},{"name":"role","type":{"name":"palisade.events.Role","type":"enum",' +
  '"symbols":["owner","admin","member","viewer"]}}]}';

describe('the wire format, rebuilt by hand from the Avro specification', () => {
  const event = vectorEvents()[1]!; // MemberAdded, seq 2
  const payloadBytes = Buffer.concat([
    header(MEMBER_ADDED_PCF),
    str('u-2'),
    str('ana@acme.example'),
    zigzagVarint(1), // enum index of "admin"
  ]);

  it('MemberAdded v1 payload: header, two strings, enum index', () => {
    expect(schemaRegistry.get('MemberAdded', 1)!.canonicalForm).toBe(MEMBER_ADDED_PCF);
    expect(encodePayload('MemberAdded', 1, event.payload).equals(payloadBytes)).toBe(true);
  });

  it('EventEnvelope v1: every field in schema order, occurredAt as epoch millis, payload as bytes', () => {
    const { hash, ...logical } = event;
    const expected = Buffer.concat([
      header(schemaRegistry.get('EventEnvelope', 1)!.canonicalForm),
      str(event.tenantId),
      zigzagVarint(event.seq),
      str(event.prevHash),
      str(event.eventId),
      str(event.type),
      zigzagVarint(event.schemaVersion),
      zigzagVarint(Date.parse(event.occurredAt)),
      zigzagVarint(0), // actor.kind "user"
      str(event.actor.id),
      str(event.commandId),
      bytes(payloadBytes),
      str(hash),
    ]);
    expect(encodeEvent(logical, hash).toString('hex')).toBe(expected.toString('hex'));
  });
});
