// Events for the pure fold tests: each a valid envelope around a type and a payload, numbered in
// the order they are made (seq, offset, and a second of 2026-01-01 that follows the number).
import type { JsonObject, LogicalEvent } from '../../../domain/logical.ts';
import type { ProjectedEvent } from '../../../projections/models/model.ts';

export interface EventMaker {
  /** The next event: of `tenantId` (the maker's tenant unless given), by the maker's actor. */
  ev(type: string, payload: JsonObject, tenantId?: string): ProjectedEvent;
  /** The seq of the last event made. */
  readonly seq: number;
}

/** Events of `tenantId` by the user `actorId`; its ids double as event and command ids. */
export function eventMaker(tenantId: string, actorId: string): EventMaker {
  let seq = 0;
  return {
    ev(type: string, payload: JsonObject, tenant = tenantId): ProjectedEvent {
      seq += 1;
      const event: LogicalEvent = {
        tenantId: tenant, seq, prevHash: '0'.repeat(64), eventId: tenantId, type, schemaVersion: 1,
        occurredAt: `2026-01-01T00:00:${String(seq % 60).padStart(2, '0')}.000Z`, actor: { kind: 'user', id: actorId }, commandId: tenantId, payload,
      };
      return { event, hash: 'f'.repeat(64), offset: BigInt(seq) };
    },
    get seq() {
      return seq;
    },
  };
}
