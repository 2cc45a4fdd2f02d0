// Published schema versions keep their bytes: every fixture encodes to exactly its hex and
// decodes back to exactly its logical value.
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codec } from '../../schemas/codec.ts';
import type { CommandResult, DeadLetter, HashedEvent, SignedCommand } from '../../domain/logical.ts';
import { SCHEMAS_DIR, schemaRegistry } from '../../schemas/registry.ts';
import { goldenFiles, withBuffers } from '../fixtures/golden.ts';

type Roundtrip = { encode: (logical: Record<string, unknown>) => Buffer; decode: (bytes: Buffer) => unknown };

function roundtripFor(schema: string): Roundtrip {
  const name = schema.split('/').at(-1)!.split('.v')[0]!;
  const version = Number(schema.split('.v').at(-1)!.split('.')[0]);
  switch (name) {
    case 'EventEnvelope':
      return {
        encode: (logical) => {
          const { hash, ...event } = logical as unknown as HashedEvent;
          return codec.encodeEvent(event, hash);
        },
        decode: (bytes) => {
          const { event, carriedHash } = codec.decodeEvent(bytes);
          return { ...event, hash: carriedHash };
        },
      };
    case 'CommandEnvelope':
      return {
        encode: (logical) => codec.encodeCommand(withBuffers(logical, ['signature']) as unknown as SignedCommand),
        decode: (bytes) => codec.decodeCommand(bytes),
      };
    case 'CommandResult':
      return { encode: (logical) => codec.encodeResult(logical as unknown as CommandResult, version), decode: (bytes) => codec.decodeResult(bytes) };
    case 'DeadLetter':
      return {
        encode: (logical) => codec.encodeDeadLetter(withBuffers(logical, ['originalKey', 'originalValue']) as unknown as DeadLetter),
        decode: (bytes) => codec.decodeDeadLetter(bytes),
      };
    default:
      return { encode: (logical) => codec.encodePayload(name, version, logical), decode: (bytes) => codec.decodePayload(bytes).payload };
  }
}

const FILES = goldenFiles();

describe('golden encodings (test/fixtures/avro/golden)', () => {
  it('cover every published schema version', () => {
    const published = schemaRegistry.entries().map((e) => `schemas/${relative(SCHEMAS_DIR, e.file)}`);
    expect(FILES.map((f) => f.schema).sort()).toEqual(published.sort());
  });

  for (const file of FILES) {
    describe(file.schema, () => {
      const roundtrip = roundtripFor(file.schema);
      it('has the fingerprint recorded when it was published', () => {
        const entry = schemaRegistry.entries().find((e) => file.schema.endsWith(relative(SCHEMAS_DIR, e.file)))!;
        expect(entry.fingerprint.toString(16).padStart(16, '0')).toBe(file.fingerprint);
      });
      for (const c of file.cases) {
        it(`encodes "${c.name}" to the golden bytes`, () => {
          expect(roundtrip.encode(c.logical).toString('hex')).toBe(c.hex);
        });
        it(`decodes the golden bytes of "${c.name}" to the logical value`, () => {
          const keys = ['signature', 'originalKey', 'originalValue'];
          expect(roundtrip.decode(Buffer.from(c.hex, 'hex'))).toStrictEqual(withBuffers(c.logical, keys));
        });
      }
    });
  }
});
