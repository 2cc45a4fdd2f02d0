// The wire codec (docs/spec.md "Kafka topics"): logical JSON ↔ Avro single-object bytes.
// The functions exported here use the project's schemas (schemas/registry.ts); createCodec
// binds the same functions to another registry (tests, tools reading newer schema sets).
import { createCommandCodec } from './command-codec.ts';
import { createDeadLetterCodec } from './dead-letter-codec.ts';
import { createEventCodec } from './event-codec.ts';
import type { CommandResult, DeadLetter, LogicalEvent, SignedCommand } from '../domain/logical.ts';
import { type DecodedPayload, PayloadCodec } from './payload-codec.ts';
import { type SchemaRegistry, schemaRegistry } from './registry.ts';
import { createResultCodec } from './result-codec.ts';
import type { DecodedEvent } from './event-codec.ts';

export type { DecodedEvent } from './event-codec.ts';
export type { DecodedPayload } from './payload-codec.ts';

export interface Codec {
  /** `hash` is carried in the envelope; readers recompute it. Throws SCHEMA_MISMATCH, UNKNOWN_SCHEMA. */
  encodeEvent(e: LogicalEvent, hash: string): Buffer;
  /** Decodes with the writer's schemas. The hash is NOT checked here: give both to the chain verifier. */
  decodeEvent(bytes: Buffer): DecodedEvent;
  encodeCommand(c: SignedCommand): Buffer;
  decodeCommand(bytes: Buffer): SignedCommand;
  /** With the latest CommandResult version, or `version`. */
  encodeResult(r: CommandResult, version?: number): Buffer;
  decodeResult(bytes: Buffer): CommandResult;
  encodeDeadLetter(d: DeadLetter): Buffer;
  decodeDeadLetter(bytes: Buffer): DeadLetter;
  /** A command or event payload as single-object bytes, with schema `type` version `version`. */
  encodePayload(type: string, version: number, json: unknown): Buffer;
  decodePayload(bytes: Buffer): DecodedPayload;
  /** The payload as another version of its type reads it (schema resolution). Not for hashing. */
  decodePayloadAs(bytes: Buffer, readerVersion: number): DecodedPayload;
}

export function createCodec(registry: SchemaRegistry): Codec {
  const payloads = new PayloadCodec(registry);
  return {
    ...createEventCodec(registry, payloads),
    ...createCommandCodec(registry, payloads),
    ...createResultCodec(registry),
    ...createDeadLetterCodec(registry),
    encodePayload: (type, version, json) => payloads.encode(type, version, json),
    decodePayload: (bytes) => payloads.decode(bytes),
    decodePayloadAs: (bytes, readerVersion) => payloads.decodeAs(bytes, readerVersion),
  };
}

export const codec: Codec = createCodec(schemaRegistry);
export const {
  encodeEvent, decodeEvent, encodeCommand, decodeCommand, encodeResult, decodeResult,
  encodeDeadLetter, decodeDeadLetter, encodePayload, decodePayload, decodePayloadAs,
} = codec;
