// The order the chat worker handles a batch of the events topic in (README.md "Wiring"): the
// events of one (tenant, user) — turns, memories, erasure — one after another in stream order;
// different users in parallel. A TenantDeleted waits for everything before it in the batch.
// Once one event failed no further one starts, and the batch fails with the first error: it is
// fetched again whole, which is safe because handling is idempotent.
import type { InRecord } from '../../adapters/kafka/messages.ts';
import type { LogicalEvent } from '../../domain/logical.ts';
import { isCanonicalUuid, isPrincipalId } from '../../domain/validation.ts';
import { decodeEvent } from '../../schemas/codec.ts';
import { CHAT_TURN_EVENT } from './turn.ts';

/** The per-user events the worker acts on; every other event of the topic is passed over. */
export const USER_EVENTS: readonly string[] = [CHAT_TURN_EVENT, 'MemoryStored', 'MemoryForgotten', 'UserErased'];

export interface OrderedHandlers {
  /** True once the batch must stop (shutdown, the partition repositioned or taken away). */
  stopping(): boolean;
  /** A record that does not decode: reported, then passed over. */
  undecodable(record: InRecord, error: unknown): void;
  /** A TenantDeleted, once every event before it in the batch is done. */
  eraseTenant(tenantId: string): Promise<void>;
  /** One user's event, after that user's earlier events of the batch. */
  handle(event: LogicalEvent, userId: string, offset: bigint): Promise<void>;
}

/** Runs a batch's records: one chain per (tenant, user), in stream order; TenantDeleted is a barrier. Throws the first failure. */
export async function handleInUserOrder(records: readonly InRecord[], handlers: OrderedHandlers): Promise<void> {
  const chains = new Map<string, Promise<void>>();
  const errors: unknown[] = [];
  const settleAll = async () => {
    await Promise.all(chains.values());
    chains.clear();
  };
  for (const record of records) {
    if (handlers.stopping()) throw new Error('stopping');
    if (record.value === null) continue;
    let event: LogicalEvent;
    try {
      event = decodeEvent(record.value).event;
    } catch (error) {
      handlers.undecodable(record, error);
      continue;
    }
    const offset = BigInt(record.offset);
    if (event.type === 'TenantDeleted') {
      await settleAll();
      if (errors.length > 0) break;
      await handlers.eraseTenant(event.tenantId);
      continue;
    }
    if (!USER_EVENTS.includes(event.type)) continue;
    const userId = event.payload['userId'];
    if (!isCanonicalUuid(event.tenantId) || !isPrincipalId(userId)) continue;
    const key = `${event.tenantId}\n${userId}`;
    const previous = chains.get(key) ?? Promise.resolve();
    const next = previous.then(async () => {
      if (errors.length > 0) return;
      try {
        await handlers.handle(event, userId, offset);
      } catch (error) {
        errors.push(error);
      }
    });
    chains.set(key, next);
  }
  await settleAll();
  if (errors.length > 0) throw errors[0];
}
