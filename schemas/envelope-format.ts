// One envelope record type (EventEnvelope, CommandEnvelope, ...) across its versions: encodes
// with the latest version, decodes with whichever version wrote the bytes.
import type { JsonMapping } from './avro-json.ts';
import { compileJsonMapping } from './avro-json.ts';
import { CodecError } from './errors.ts';
import type { SchemaEntry, SchemaRegistry } from './registry.ts';
import { decodeBody, encodeSingleObject } from './single-object.ts';

export class EnvelopeFormat {
  readonly name: string;
  readonly #registry: SchemaRegistry;
  readonly #rawFields: readonly string[];
  readonly #mappings = new Map<SchemaEntry, JsonMapping>();

  /** `rawFields` stay avsc values (Buffer, null): the codec maps them itself. */
  constructor(registry: SchemaRegistry, name: string, rawFields: readonly string[] = []) {
    this.#registry = registry;
    this.name = name;
    this.#rawFields = rawFields;
  }

  /** Encodes with the latest version, or with `version` (tests pin published bytes this way). */
  encode(json: Record<string, unknown>, version?: number): Buffer {
    const entry = version === undefined ? this.#registry.latest(this.name) : this.#registry.get(this.name, version);
    if (entry === undefined || entry.group !== 'envelope') {
      throw new CodecError('UNKNOWN_SCHEMA', `no envelope schema ${this.name}`);
    }
    return encodeSingleObject(entry.header, entry.type, this.#mapping(entry).fromJson(json, ''));
  }

  decode(bytes: Buffer): Record<string, unknown> {
    const entry = this.#registry.writerOf(bytes);
    if (entry.group !== 'envelope' || entry.name !== this.name) {
      throw new CodecError('UNEXPECTED_SCHEMA', `expected a ${this.name}, found a ${entry.fullName}`);
    }
    return this.#mapping(entry).toJson(decodeBody(entry.type, bytes)) as Record<string, unknown>;
  }

  #mapping(entry: SchemaEntry): JsonMapping {
    let mapping = this.#mappings.get(entry);
    if (mapping === undefined) {
      mapping = this.#rawFields.length === 0 ? entry.mapping : compileJsonMapping(entry.type, { rawFields: this.#rawFields });
      this.#mappings.set(entry, mapping);
    }
    return mapping;
  }
}

/** Re-raises a payload's decode error with the envelope field it came from. */
export function inPayload(cause: unknown): unknown {
  if (!(cause instanceof CodecError) || cause.path !== undefined) return cause;
  return new CodecError(cause.code, cause.message, { path: 'payload', cause });
}

export function requireBufferOrNull(value: unknown, path: string): Buffer | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  throw new CodecError('SCHEMA_MISMATCH', 'expected a Buffer or null', { path });
}
