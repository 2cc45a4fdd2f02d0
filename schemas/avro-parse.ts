// The one way this project turns a schema into an avsc Type.
import avro from 'avsc';
import type { Type } from 'avsc';
import { EXACT_LONG, TIMESTAMP_MILLIS_LONG } from './avro-long.ts';

type AvscSchema = Parameters<typeof avro.Type.forSchema>[0];

export function parseAvroSchema(schema: unknown): Type {
  return avro.Type.forSchema(schema as AvscSchema, {
    // Unions are plain values (null or the branch value); the JSON mapping allows only
    // ["null", T] unions, which are never ambiguous.
    wrapUnions: 'never',
    omitRecordMethods: true,
    typeHook: exactLongs,
  });
}

// avsc's `registry` option only replaces longs written as the string "long"; the hook also
// catches {"type": "long", ...}, which is how logical types are written.
function exactLongs(schema: unknown): Type | undefined {
  if (schema === 'long') return EXACT_LONG;
  if (typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'long') {
    // Other logical types on long fall back to the plain long, as the Avro spec requires.
    return (schema as { logicalType?: unknown }).logicalType === 'timestamp-millis' ? TIMESTAMP_MILLIS_LONG : EXACT_LONG;
  }
  return undefined;
}
