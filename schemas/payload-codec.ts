// Payload records (schemas/commands, schemas/events) ↔ their logical JSON `payload` objects.
// A payload is always single-object encoded, so it names its own writer schema and version.
import type { JsonObject } from '../domain/logical.ts';
import { CodecError } from './errors.ts';
import type { SchemaEntry, SchemaGroup, SchemaRegistry } from './registry.ts';
import { type AvroResolver, decodeBody, encodeSingleObject } from './single-object.ts';
import { inPayload } from './envelope-format.ts';

export type PayloadGroup = Exclude<SchemaGroup, 'envelope'>;

export interface DecodedPayload {
  /** The writer record's short name: the logical `type`. */
  type: string;
  /** The writer schema's version: the logical `schemaVersion`. */
  version: number;
  group: PayloadGroup;
  /** The logical JSON as written: the writer's schema decides it, whatever readers exist. */
  payload: JsonObject;
}

export class PayloadCodec {
  readonly #registry: SchemaRegistry;
  readonly #resolvers = new Map<string, AvroResolver>();

  constructor(registry: SchemaRegistry) {
    this.#registry = registry;
  }

  /** `path` prefixes field paths in SCHEMA_MISMATCH errors (e.g. "payload"). */
  encode(type: string, version: number, json: unknown, group?: PayloadGroup, path = ''): Buffer {
    const entry = this.#registry.get(type, version);
    if (entry === undefined || entry.group === 'envelope' || (group !== undefined && entry.group !== group)) {
      throw new CodecError('UNKNOWN_SCHEMA', `no ${group ?? 'payload'} schema ${String(type)} v${String(version)}`);
    }
    return encodeSingleObject(entry.header, entry.type, entry.mapping.fromJson(json, path));
  }

  decode(bytes: Buffer): DecodedPayload {
    const entry = this.#registry.writerOf(bytes);
    if (entry.group === 'envelope') {
      throw new CodecError('UNEXPECTED_SCHEMA', `${entry.fullName} is an envelope, not a payload`);
    }
    return {
      type: entry.name,
      version: entry.version,
      group: entry.group,
      payload: entry.mapping.toJson(decodeBody(entry.type, bytes)) as JsonObject,
    };
  }

  /**
   * decode() for the payload embedded in an envelope: it must be a `group` record of exactly the
   * type and version the envelope names, or PAYLOAD_TYPE_MISMATCH; its own errors are reported
   * under the path "payload".
   */
  decodeEmbedded(bytes: Buffer, group: PayloadGroup, envelopeType: unknown, envelopeVersion: unknown): DecodedPayload {
    let decoded: DecodedPayload;
    try {
      decoded = this.decode(bytes);
    } catch (cause) {
      throw inPayload(cause);
    }
    if (decoded.group !== group || decoded.type !== envelopeType || decoded.version !== envelopeVersion) {
      throw new CodecError(
        'PAYLOAD_TYPE_MISMATCH',
        `envelope says ${String(envelopeType)} v${String(envelopeVersion)}, payload is ${decoded.group} ${decoded.type} v${decoded.version}`,
        { path: 'payload' },
      );
    }
    return decoded;
  }

  /**
   * The payload as version `readerVersion` of its type sees it (Avro schema resolution:
   * defaults fill fields the writer did not have). For consumers that want one shape; never
   * for hashing or signature checks, which use decode().
   */
  decodeAs(bytes: Buffer, readerVersion: number): DecodedPayload {
    const writer = this.#registry.writerOf(bytes);
    const reader = this.#registry.get(writer.name, readerVersion);
    if (reader === undefined || writer.group === 'envelope' || reader.group === 'envelope') {
      throw new CodecError('UNKNOWN_SCHEMA', `no payload schema ${writer.name} v${readerVersion}`);
    }
    const value = reader === writer
      ? decodeBody(writer.type, bytes)
      : decodeBody(reader.type, bytes, this.#resolver(writer, reader));
    return { type: reader.name, version: reader.version, group: reader.group, payload: reader.mapping.toJson(value) as JsonObject };
  }

  #resolver(writer: SchemaEntry, reader: SchemaEntry): AvroResolver {
    const key = `${writer.fullName}@${writer.version}>${reader.version}`;
    let resolver = this.#resolvers.get(key);
    if (resolver === undefined) {
      try {
        resolver = reader.type.createResolver(writer.type);
      } catch (cause) {
        throw new CodecError('UNKNOWN_SCHEMA', `${writer.name} v${reader.version} cannot read v${writer.version}`, { cause });
      }
      this.#resolvers.set(key, resolver);
    }
    return resolver;
  }
}
