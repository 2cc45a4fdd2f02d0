// Schema evolution: a later MemberAdded v2 (test/fixtures/avro/evolution) adds invitedBy
// ["null","string"] default null and source string default "console". Events written with v1
// keep their logical JSON and hash however new the reader: the writer's schema decides.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventHash } from '../../domain/chain/event-hash.ts';
import { codec as v1Codec, createCodec } from '../../schemas/codec.ts';
import type { LogicalEvent } from '../../domain/logical.ts';
import { SCHEMAS_DIR, SchemaRegistry, latestVersion } from '../../schemas/registry.ts';
import { codeThrownBy } from '../fixtures/errors.ts';
import { AVRO_FIXTURES_DIR, vectorEvents } from '../fixtures/vectors.ts';

const V2_REGISTRY = SchemaRegistry.load([SCHEMAS_DIR, join(AVRO_FIXTURES_DIR, 'evolution')]);
const v2Codec = createCodec(V2_REGISTRY);
const { hash: V1_HASH, ...V1_EVENT } = vectorEvents()[1]!; // MemberAdded v1

describe('a v1 MemberAdded event read where v2 is the latest schema', () => {
  const bytes = v1Codec.encodeEvent(V1_EVENT, V1_HASH);

  it('decodes to the same logical JSON and the same hash', () => {
    expect(latestVersion('events', 'MemberAdded', V2_REGISTRY)).toBe(2);
    const { event, carriedHash } = v2Codec.decodeEvent(bytes);
    expect(event).toStrictEqual(V1_EVENT);
    expect(event.schemaVersion).toBe(1);
    expect(eventHash(event)).toBe(V1_HASH);
    expect(carriedHash).toBe(V1_HASH);
  });

  it('is written with the same bytes by either registry (v1 stays v1)', () => {
    expect(v2Codec.encodeEvent(V1_EVENT, V1_HASH).equals(bytes)).toBe(true);
  });

  it('can be viewed through the v2 reader, with defaults filled, without touching the hashed form', () => {
    const payloadBytes = v1Codec.encodePayload('MemberAdded', 1, V1_EVENT.payload);
    const asV2 = v2Codec.decodePayloadAs(payloadBytes, 2);
    // invitedBy defaults to null, which the mapping leaves absent; source gets its default.
    expect(asV2).toStrictEqual({ type: 'MemberAdded', version: 2, group: 'events', payload: { ...V1_EVENT.payload, source: 'console' } });
    expect(v2Codec.decodePayload(payloadBytes).payload).toStrictEqual(V1_EVENT.payload);
  });
});

describe('a v2 MemberAdded event', () => {
  const v2Event: LogicalEvent = { ...V1_EVENT, schemaVersion: 2, payload: { ...V1_EVENT.payload, invitedBy: 'u-1', source: 'api' } };
  const hash = eventHash(v2Event);
  const bytes = v2Codec.encodeEvent(v2Event, hash);

  it('round-trips with its new fields, and hashes them', () => {
    const { event } = v2Codec.decodeEvent(bytes);
    expect(event).toStrictEqual(v2Event);
    expect(eventHash(event)).toBe(hash);
    expect(hash).not.toBe(V1_HASH);
  });

  it('is UNKNOWN_SCHEMA to a reader that has not been given v2 (deploy schemas before writers)', () => {
    expect(codeThrownBy(() => v1Codec.decodeEvent(bytes))).toBe('UNKNOWN_SCHEMA');
  });

  it('needs every v2 field when written: a default is for readers, not writers', () => {
    const { source: _source, ...withoutSource } = v2Event.payload;
    expect(() => v2Codec.encodeEvent({ ...v2Event, payload: withoutSource }, hash)).toThrow(
      expect.objectContaining({ code: 'SCHEMA_MISMATCH', path: 'payload.source' }),
    );
  });
});
