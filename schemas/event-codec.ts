// EventEnvelope ↔ LogicalEvent. The envelope carries the chain hash for convenience only:
// decoding returns it as `carriedHash` next to the event, and the chain verifier compares it
// with the hash it recomputes (domain/chain/chain-verifier.ts); nothing here trusts it.
import type { LogicalActor, LogicalEvent } from '../domain/logical.ts';
import { EnvelopeFormat } from './envelope-format.ts';
import type { PayloadCodec } from './payload-codec.ts';
import type { SchemaRegistry } from './registry.ts';

export interface DecodedEvent {
  event: LogicalEvent;
  /** The hash the writer stored; compare, never trust. */
  carriedHash: string;
}

export function createEventCodec(registry: SchemaRegistry, payloads: PayloadCodec) {
  const envelope = new EnvelopeFormat(registry, 'EventEnvelope', ['payload']);

  function encodeEvent(e: LogicalEvent, hash: string): Buffer {
    const payload = payloads.encode(e.type, e.schemaVersion, e.payload, 'events', 'payload');
    return envelope.encode({
      tenantId: e.tenantId,
      seq: e.seq,
      prevHash: e.prevHash,
      eventId: e.eventId,
      type: e.type,
      schemaVersion: e.schemaVersion,
      occurredAt: e.occurredAt,
      actor: e.actor,
      commandId: e.commandId,
      payload,
      hash,
    });
  }

  function decodeEvent(bytes: Buffer): DecodedEvent {
    const env = envelope.decode(bytes);
    const decoded = payloads.decodeEmbedded(env.payload as Buffer, 'events', env.type, env.schemaVersion);
    const event: LogicalEvent = {
      tenantId: env.tenantId as string,
      seq: env.seq as number,
      prevHash: env.prevHash as string,
      eventId: env.eventId as string,
      type: decoded.type,
      schemaVersion: decoded.version,
      occurredAt: env.occurredAt as string,
      actor: env.actor as LogicalActor,
      commandId: env.commandId as string,
      payload: decoded.payload,
    };
    return { event, carriedHash: env.hash as string };
  }

  return { encodeEvent, decodeEvent };
}
