// The Avro → logical JSON mapping of docs/spec.md "Avro → logical JSON mapping", against fixed hand-encoded vectors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileJsonMapping } from '../../schemas/avro-json.ts';
import { parseAvroSchema } from '../../schemas/avro-parse.ts';
import { CodecError } from '../../schemas/errors.ts';
import { SINGLE_OBJECT_HEADER_BYTES, decodeBody } from '../../schemas/single-object.ts';
import { codeThrownBy, thrownBy } from '../fixtures/errors.ts';
import { AVRO_FIXTURES_DIR } from '../fixtures/vectors.ts';

const DIR = join(AVRO_FIXTURES_DIR, 'mapping');
const VECTORS = JSON.parse(readFileSync(join(DIR, 'vectors.json'), 'utf8')) as {
  cases: { name: string; json: Record<string, unknown>; hex: string }[];
  edges: { name: string; schema: unknown; json: Record<string, unknown>; hex: string }[];
  undecodable: { name: string; schema: unknown; hex: string; code: string }[];
};
const EVERYTHING = parseAvroSchema(JSON.parse(readFileSync(join(DIR, 'Everything.avsc'), 'utf8')));
const MAPPING = compileJsonMapping(EVERYTHING);

function decode(type: ReturnType<typeof parseAvroSchema>, hex: string): unknown {
  return compileJsonMapping(type).toJson(type.fromBuffer(Buffer.from(hex, 'hex')));
}

describe('Avro → logical JSON', () => {
  for (const c of VECTORS.cases) {
    it(`decodes "${c.name}"`, () => {
      expect(decode(EVERYTHING, c.hex)).toEqual(c.json);
    });
    it(`encodes "${c.name}" to the same bytes`, () => {
      expect(EVERYTHING.toBuffer(MAPPING.fromJson(c.json, '')).toString('hex')).toBe(c.hex);
    });
  }

  for (const c of VECTORS.edges) {
    it(`keeps ${c.name} exact both ways`, () => {
      const type = parseAvroSchema(c.schema);
      expect(decode(type, c.hex)).toEqual(c.json);
      expect(type.toBuffer(compileJsonMapping(type).fromJson(c.json, '')).toString('hex')).toBe(c.hex);
    });
  }

  for (const c of VECTORS.undecodable) {
    it(`fails ${c.code} for ${c.name}`, () => {
      const type = parseAvroSchema(c.schema);
      // Through the codec's own body decoder (after a 10-byte single-object header it skips).
      const bytes = Buffer.concat([Buffer.alloc(SINGLE_OBJECT_HEADER_BYTES), Buffer.from(c.hex, 'hex')]);
      expect(codeThrownBy(() => compileJsonMapping(type).toJson(decodeBody(type, bytes)))).toBe(c.code);
    });
  }

  it('omits an optional field that is null, rather than writing null', () => {
    const json = decode(EVERYTHING, VECTORS.cases[0]!.hex) as Record<string, unknown>;
    expect('opt' in json).toBe(false);
    expect('optLong' in json).toBe(false);
    expect('next' in (json.nested as object)).toBe(false);
  });

  it('keeps null inside arrays, where nothing can be absent', () => {
    expect((decode(EVERYTHING, VECTORS.cases[1]!.hex) as { arr: unknown[] }).arr).toEqual([1, null, -2]);
  });

  it('lists members in RFC 8785 order, so decoded values take the fast canonicalization path', () => {
    const json = decode(EVERYTHING, VECTORS.cases[1]!.hex) as Record<string, unknown>;
    const keys = Object.keys(json);
    expect(keys).toEqual([...keys].sort());
    expect(Object.keys(json.m as object)).toEqual(['a', 'b']);
  });
});

describe('logical JSON → Avro refuses what would not come back unchanged (SCHEMA_MISMATCH + path)', () => {
  const good = VECTORS.cases[1]!.json;
  it.each([
    ['an explicit null for an optional field', { opt: null }, 'opt'],
    ['a missing required field', { s: undefined }, 's'],
    ['an unknown field', { extra: 1 }, 'extra'],
    ['an unknown field in a nested record', { nested: { z: 'a', zz: 1 } }, 'nested.zz'],
    ['a long beyond 2^53-1', { l: 2 ** 53 }, 'l'],
    ['a fractional long', { l: 1.5 }, 'l'],
    ['an int beyond 32 bits', { i: 2 ** 31 }, 'i'],
    ['a float that is not a float32', { f: 0.1 }, 'f'],
    ['an infinite double', { d: Number.POSITIVE_INFINITY }, 'd'],
    ['base64url bytes', { by: '3q2-7w==' }, 'by'],
    ['unpadded base64', { by: '3q2+7w' }, 'by'],
    ['base64 with non-zero trailing bits', { by: '3q2+7x==' }, 'by'],
    ['a fixed of the wrong size', { fx: 'AAAA' }, 'fx'],
    ['an unknown enum symbol', { e: 'blue' }, 'e'],
    ['a timestamp without milliseconds', { at: '2026-11-23T10:00:07Z' }, 'at'],
    ['a timestamp with an offset', { at: '2026-11-23T10:00:07.111+00:00' }, 'at'],
    ['a timestamp on February 30', { at: '2026-02-30T10:00:07.111Z' }, 'at'],
    ['a timestamp as a number', { at: 1_795_428_007_111 }, 'at'],
    ['a string with a lone surrogate', { s: '\ud800' }, 's'],
    ['a bad array item', { arr: [1, 'x'] }, 'arr[1]'],
    ['a bad map value', { m: { a: 'x' } }, 'm.a'],
  ])('%s', (_name, change, path) => {
    const error = thrownBy(() => MAPPING.fromJson({ ...good, ...change }, ''));
    expect(error).toBeInstanceOf(CodecError);
    expect(error).toMatchObject({ code: 'SCHEMA_MISMATCH', path });
  });

  it('never puts the offending value in the message (it may be a secret)', () => {
    const error = thrownBy(() => MAPPING.fromJson({ ...good, s: 42, e: 'sk-ant-secret' }, '')) as Error;
    expect(error.message).not.toContain('sk-ant-secret');
    expect(codeThrownBy(() => MAPPING.fromJson({ ...good, e: 'sk-ant-secret' }, ''))).toBe('SCHEMA_MISMATCH');
    expect((thrownBy(() => MAPPING.fromJson({ ...good, e: 'sk-ant-secret' }, '')) as Error).message).not.toContain('sk-ant');
  });
});
