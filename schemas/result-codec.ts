// CommandResult (palisade.command-results) ↔ its logical form in domain/logical.ts.
// Optional members (firstSeq, lastSeq, code, message) are absent when null, as everywhere.
import type { CommandResult } from '../domain/logical.ts';
import { EnvelopeFormat } from './envelope-format.ts';
import type { SchemaRegistry } from './registry.ts';

export function createResultCodec(registry: SchemaRegistry) {
  const envelope = new EnvelopeFormat(registry, 'CommandResult');
  return {
    encodeResult: (r: CommandResult, version?: number): Buffer => envelope.encode({ ...r }, version),
    decodeResult: (bytes: Buffer): CommandResult => envelope.decode(bytes) as unknown as CommandResult,
  };
}
