// The chain hash (docs/spec.md "Event envelope and the hash chain", normative):
// hash = lowercase hex SHA-256 of the UTF-8 bytes of JCS(logical event).
import type { LogicalEvent } from '../logical.ts';
import { jcs } from './jcs.ts';
import { sha256HexOfText } from './sha256.ts';

/** prevHash of every tenant's first event (seq 1). */
export const GENESIS_HASH = '0'.repeat(64);

/** RFC 8785 text of the ten logical fields. A HashedEvent's own `hash`, or any other key a caller
 * attached, is not part of the logical event and is not hashed. */
export function canonicalEventText(e: LogicalEvent): string {
  // Members listed in RFC 8785 order (UTF-16 code units): when the nested values are in order
  // too, as decoded events are, jcs() serializes this in one JSON.stringify call.
  return jcs({
    actor: e.actor,
    commandId: e.commandId,
    eventId: e.eventId,
    occurredAt: e.occurredAt,
    payload: e.payload,
    prevHash: e.prevHash,
    schemaVersion: e.schemaVersion,
    seq: e.seq,
    tenantId: e.tenantId,
    type: e.type,
  });
}

export function eventHash(e: LogicalEvent): string {
  return sha256HexOfText(canonicalEventText(e));
}
