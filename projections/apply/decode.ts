// Kafka records of the events topic → events the models apply. The envelope's hash is only
// carried, never trusted: it is recomputed and compared (the audit model stores it). A record
// that does not decode, or whose hash differs, stops the projector (EVENT_*): skipping it would
// silently make every read model wrong.
import { eventHash } from '../../domain/chain/event-hash.ts';
import type { InRecord } from '../../adapters/kafka/messages.ts';
import { decodeEvent } from '../../schemas/codec.ts';
import { ProjectionError } from '../errors.ts';
import type { ProjectedEvent } from '../models/model.ts';

export function decodeRecords(records: readonly InRecord[], options: { verifyHashes: boolean }): ProjectedEvent[] {
  return records.map((record) => {
    const where = `${record.topic}[${record.partition}]@${record.offset}`;
    if (record.value === null) throw new ProjectionError('EVENT_UNDECODABLE', `${where}: a record without a value on the events topic`);
    let decoded;
    try {
      decoded = decodeEvent(record.value);
    } catch (error) {
      throw new ProjectionError('EVENT_UNDECODABLE', `${where}: ${(error as Error).message}`, { cause: error });
    }
    if (options.verifyHashes && eventHash(decoded.event) !== decoded.carriedHash)
      throw new ProjectionError('EVENT_HASH_MISMATCH', `${where}: tenant ${decoded.event.tenantId} seq ${decoded.event.seq} carries a hash that is not its own`);
    return { event: decoded.event, hash: decoded.carriedHash, offset: BigInt(record.offset) };
  });
}
