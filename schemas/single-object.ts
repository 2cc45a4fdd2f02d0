// Avro single-object encoding (Avro specification, "Single-object encoding"):
//   0xC3 0x01 ‖ 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema ‖ binary body.
// Every record this project writes says which schema wrote it, so readers always decode with
// the writer's schema: the hash is defined over the writer's view (docs/spec.md).
import type { Type } from 'avsc';
import { CodecError } from './errors.ts';

/** avsc's reader-from-writer resolver (its class is not exported by the typings). */
export type AvroResolver = ReturnType<Type['createResolver']>;

export const SINGLE_OBJECT_MARKER = Buffer.of(0xc3, 0x01);
export const SINGLE_OBJECT_HEADER_BYTES = 10;

export function singleObjectHeader(fingerprint: bigint): Buffer {
  const header = Buffer.alloc(SINGLE_OBJECT_HEADER_BYTES);
  SINGLE_OBJECT_MARKER.copy(header, 0);
  header.writeBigUInt64LE(fingerprint, 2);
  return header;
}

/** The lookup key of the fingerprint in a header: its 8 bytes as a latin1 string (cheap to hash). */
export function fingerprintKeyOf(bytes: Buffer): string {
  if (bytes.length < SINGLE_OBJECT_MARKER.length || bytes[0] !== 0xc3 || bytes[1] !== 0x01) {
    throw new CodecError('NOT_SINGLE_OBJECT', 'no Avro single-object marker (0xC3 0x01)');
  }
  if (bytes.length < SINGLE_OBJECT_HEADER_BYTES) {
    throw new CodecError('MALFORMED', 'truncated single-object header');
  }
  return bytes.toString('latin1', 2, SINGLE_OBJECT_HEADER_BYTES);
}

export function fingerprintKey(fingerprint: bigint): string {
  return singleObjectHeader(fingerprint).toString('latin1', 2, SINGLE_OBJECT_HEADER_BYTES);
}

/** Decodes the body after the header; the whole buffer must be exactly one record. */
export function decodeBody(type: Type, bytes: Buffer, resolver?: AvroResolver): unknown {
  let decoded: { value: unknown; offset: number };
  try {
    decoded = type.decode(bytes, SINGLE_OBJECT_HEADER_BYTES, resolver);
  } catch (cause) {
    if (cause instanceof CodecError) throw cause;
    // avsc throws plain Errors for an invalid union branch or enum index.
    throw new CodecError('MALFORMED', `undecodable ${type.name ?? type.typeName}`, { cause });
  }
  if (decoded.offset < 0) throw new CodecError('MALFORMED', `truncated ${type.name ?? type.typeName}`);
  if (decoded.offset !== bytes.length) {
    throw new CodecError('MALFORMED', `${bytes.length - decoded.offset} trailing bytes after ${type.name ?? type.typeName}`);
  }
  return decoded.value;
}

export function encodeSingleObject(header: Buffer, type: Type, value: unknown): Buffer {
  let body: Buffer;
  try {
    body = type.toBuffer(value);
  } catch (cause) {
    // fromJson has already checked the value; this is a defect, reported as a mismatch.
    throw new CodecError('SCHEMA_MISMATCH', `value does not fit ${type.name ?? type.typeName}`, { cause });
  }
  const out = Buffer.allocUnsafe(header.length + body.length);
  header.copy(out, 0);
  body.copy(out, header.length);
  return out;
}
