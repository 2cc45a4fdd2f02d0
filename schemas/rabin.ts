// CRC-64-AVRO, the "Rabin" fingerprint of the Avro specification ("Schema Fingerprints"):
// polynomial 0xc15d213aa4d7a795 (also the initial value), reflected, table-driven. Only run
// when schemas load, so BigInt keeps it short and obviously equal to the spec's Java code.

const EMPTY = 0xc15d213aa4d7a795n;

const TABLE: readonly bigint[] = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i);
  for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n));
  return fp;
});

/** The unsigned 64-bit CRC-64-AVRO of `bytes`. */
export function crc64Avro(bytes: Uint8Array): bigint {
  let fp = EMPTY;
  for (const byte of bytes) fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(byte)) & 0xffn)]!;
  return fp;
}

/** Fingerprint of a schema given its Parsing Canonical Form. */
export function schemaFingerprint(canonicalForm: string): bigint {
  return crc64Avro(Buffer.from(canonicalForm, 'utf8'));
}
