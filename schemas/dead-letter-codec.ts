// DeadLetter (palisade.dead-letter) ↔ its logical form in domain/logical.ts. The original key
// and value stay raw bytes (Buffer or null), exactly as they were received.
import type { DeadLetter } from '../domain/logical.ts';
import { EnvelopeFormat, requireBufferOrNull } from './envelope-format.ts';
import type { SchemaRegistry } from './registry.ts';

export function createDeadLetterCodec(registry: SchemaRegistry) {
  const envelope = new EnvelopeFormat(registry, 'DeadLetter', ['originalKey', 'originalValue']);
  return {
    encodeDeadLetter: (d: DeadLetter): Buffer =>
      envelope.encode({
        ...d,
        originalKey: requireBufferOrNull(d.originalKey, 'originalKey'),
        originalValue: requireBufferOrNull(d.originalValue, 'originalValue'),
      }),
    decodeDeadLetter: (bytes: Buffer): DeadLetter => envelope.decode(bytes) as unknown as DeadLetter,
  };
}
