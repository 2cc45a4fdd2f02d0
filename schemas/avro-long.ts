// Avro longs as exact JS numbers. avsc's own long decodes through floating point and rejects
// |n| > 2^53-2 with a plain Error; the contract (docs/spec.md "Avro → logical JSON mapping") is exact values within
// ±(2^53-1) and INVALID_VALUE beyond. So longs are read from their raw zigzag varint bytes.
import avro from 'avsc';
import type { Type } from 'avsc';
import { CodecError } from './errors.ts';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MAX_VARINT_BYTES = 10; // 64 bits in 7-bit groups

/** Decodes one complete zigzag varint (Avro spec, "Binary Encoding", int and long). */
export function longFromVarint(bytes: Uint8Array): number {
  const n = bytes.length;
  if (n <= 7) {
    // At most 49 bits: exact in double arithmetic, and always within ±(2^53-1).
    let zigzag = 0;
    let scale = 1;
    for (let i = 0; i < n; i++) {
      zigzag += (bytes[i]! & 0x7f) * scale;
      scale *= 128;
    }
    return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
  }
  if (n > MAX_VARINT_BYTES) throw new CodecError('MALFORMED', 'varint longer than 10 bytes');
  let zigzag = 0n;
  for (let i = n - 1; i >= 0; i--) zigzag = (zigzag << 7n) | BigInt(bytes[i]! & 0x7f);
  if (zigzag >> 64n !== 0n) throw new CodecError('MALFORMED', 'varint overflows 64 bits');
  const value = (zigzag >> 1n) ^ -(zigzag & 1n);
  if (value > MAX_SAFE || value < -MAX_SAFE) {
    throw new CodecError('INVALID_VALUE', 'long outside ±(2^53-1) has no exact JSON number');
  }
  return Number(value);
}

/** Encodes a safe integer as a zigzag varint. */
export function varintFromLong(value: number): Buffer {
  const out: number[] = [];
  if (Math.abs(value) < 2 ** 47) {
    let zigzag = value >= 0 ? value * 2 : -value * 2 - 1; // < 2^48: exact
    while (zigzag >= 128) {
      out.push((zigzag % 128) | 0x80);
      zigzag = Math.floor(zigzag / 128);
    }
    out.push(zigzag);
  } else {
    const v = BigInt(value);
    let zigzag = v >= 0n ? v << 1n : (-v << 1n) - 1n;
    while (zigzag >= 128n) {
      out.push(Number(zigzag & 0x7fn) | 0x80);
      zigzag >>= 7n;
    }
    out.push(Number(zigzag));
  }
  return Buffer.from(out);
}

function exactLongType(): Type {
  return avro.types.LongType.__with(
    {
      fromBuffer: longFromVarint,
      toBuffer: varintFromLong,
      fromJSON: (json: unknown) => json,
      toJSON: (value: unknown) => value,
      isValid: (value: unknown) => Number.isSafeInteger(value),
      compare: (a: number, b: number) => Math.sign(a - b),
    },
    true, // hand us the raw varint bytes, not avsc's unpacked 8 bytes
  );
}

/** Every plain `long` in a parsed schema. */
export const EXACT_LONG = exactLongType();
/** A `long` with logicalType timestamp-millis; a distinct instance so the JSON mapping can tell. */
export const TIMESTAMP_MILLIS_LONG = exactLongType();
