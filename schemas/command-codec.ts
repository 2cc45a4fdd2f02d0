// CommandEnvelope ↔ SignedCommand. The signature travels as bytes and is checked by the
// processor against crypto/command-signing.ts commandSigningBytes() of the decoded command.
import type { LogicalActor, SignedCommand } from '../domain/logical.ts';
import { EnvelopeFormat, requireBufferOrNull } from './envelope-format.ts';
import type { PayloadCodec } from './payload-codec.ts';
import type { SchemaRegistry } from './registry.ts';

export function createCommandCodec(registry: SchemaRegistry, payloads: PayloadCodec) {
  const envelope = new EnvelopeFormat(registry, 'CommandEnvelope', ['payload', 'signature']);

  function encodeCommand(c: SignedCommand): Buffer {
    const payload = payloads.encode(c.type, c.schemaVersion, c.payload, 'commands', 'payload');
    return envelope.encode({
      commandId: c.commandId,
      tenantId: c.tenantId,
      type: c.type,
      schemaVersion: c.schemaVersion,
      issuedAt: c.issuedAt,
      actor: c.actor,
      producerKeyId: c.producerKeyId,
      payload,
      signature: requireBufferOrNull(c.signature, 'signature'),
    });
  }

  function decodeCommand(bytes: Buffer): SignedCommand {
    const env = envelope.decode(bytes);
    const decoded = payloads.decodeEmbedded(env.payload as Buffer, 'commands', env.type, env.schemaVersion);
    return {
      commandId: env.commandId as string,
      tenantId: env.tenantId as string,
      type: decoded.type,
      schemaVersion: decoded.version,
      issuedAt: env.issuedAt as string,
      actor: env.actor as LogicalActor,
      producerKeyId: env.producerKeyId as string,
      payload: decoded.payload,
      signature: env.signature as Buffer | null,
    };
  }

  return { encodeCommand, decodeCommand };
}
