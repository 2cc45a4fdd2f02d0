import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { parsingCanonicalForm } from '../../schemas/canonical-form.ts';
import { crc64Avro, schemaFingerprint } from '../../schemas/rabin.ts';
import { schemaRegistry } from '../../schemas/registry.ts';
import { singleObjectHeader } from '../../schemas/single-object.ts';
import { AVRO_FIXTURES_DIR } from '../fixtures/vectors.ts';

interface AvroSpecCase {
  id: string;
  input: unknown;
  canonical: string;
  fingerprint?: string;
}
const SPEC = JSON.parse(readFileSync(join(AVRO_FIXTURES_DIR, 'schema-tests.json'), 'utf8')) as { cases: AvroSpecCase[] };

describe('Parsing Canonical Form and CRC-64-AVRO against the Avro test suite (schema-tests.txt)', () => {
  for (const c of SPEC.cases) {
    it(`case ${c.id}: ${c.canonical.slice(0, 50)}`, () => {
      expect(parsingCanonicalForm(c.input)).toBe(c.canonical);
      if (c.fingerprint !== undefined) {
        expect(BigInt.asIntN(64, schemaFingerprint(c.canonical)).toString()).toBe(c.fingerprint);
      }
    });
  }

  it('writes the single-object header of "int" as the Avro Ruby test suite does', () => {
    expect(singleObjectHeader(crc64Avro(Buffer.from('"int"'))).toString('hex')).toBe('c3018f5c393f1ad57572');
  });
});

describe("the project's schemas", () => {
  it("have the Parsing Canonical Form avsc computes independently", () => {
    for (const entry of schemaRegistry.entries()) {
      const plain = avro.Type.forSchema(JSON.parse(readFileSync(entry.file, 'utf8')));
      expect(entry.canonicalForm, entry.file).toBe(JSON.stringify(plain.schema()));
    }
  });

  it('have distinct fingerprints', () => {
    const fingerprints = schemaRegistry.entries().map((e) => e.fingerprint);
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
  });
});
