// Rebuilds a partition's state from the log: the events partition gives every tenant's
// decider state, chain head and accepted commandIds; the results partition (co-partitioned, see
// docs/adr/0001-single-writer.md) adds the rejected ones still inside the replay window.
import { tenantDecider, TENANT_EVENT_TYPES as EVENT_TYPES } from '../../domain/tenant/index.ts';
import type { TenantEvent } from '../../domain/tenant/state.ts';
import { eventHash } from '../../domain/chain/event-hash.ts';
import type { CommandResult, LogicalEvent } from '../../domain/logical.ts';
import { REJECTION_CODES } from '../../domain/errors.ts';
import { AUTHENTICATION_CODES, REMEMBERED_PROCESSOR_CODES } from './errors.ts';
import { commandKey, type PartitionState } from './partition-state.ts';

/** Rejections remembered for the idempotency window: the domain's, and the processor's after authentication. */
const REMEMBERED_CODES: ReadonlySet<string> = new Set([...REJECTION_CODES, ...REMEMBERED_PROCESSOR_CODES]);

const TENANT_EVENT_TYPES: ReadonlySet<string> = new Set<TenantEvent['type']>(EVENT_TYPES);

/**
 * Applies one stored event; a break in the chain marks the tenant corrupt (fail closed). The
 * command's outcome is remembered only when decided at or after `outcomesSince` (ms): older ones
 * are outside the idempotency window (partition-state.ts outcomeHorizonMs).
 */
export function applyStoredEvent(state: PartitionState, event: LogicalEvent, carriedHash: string, outcomesSince = Number.NEGATIVE_INFINITY): void {
  const head = state.head(event.tenantId);
  if (head.corrupt) return;
  const hash = eventHash(event);
  const problem =
    event.seq !== head.seq + 1 ? `seq ${event.seq} follows ${head.seq}`
    : event.prevHash !== head.hash ? `prevHash of seq ${event.seq} does not match the previous hash`
    : carriedHash !== hash ? `hash of seq ${event.seq} does not match its content`
    : undefined;
  if (problem) {
    state.tenants.set(event.tenantId, { ...head, corrupt: problem });
    return;
  }
  const nextState = TENANT_EVENT_TYPES.has(event.type)
    ? tenantDecider.evolve(head.state, { type: event.type, data: event.payload } as unknown as TenantEvent)
    : head.state;
  state.tenants.set(event.tenantId, { state: nextState, seq: event.seq, hash });
  const decidedAt = Date.parse(event.occurredAt);
  // Remembering is the safe side: an unreadable time keeps the outcome.
  if (!(decidedAt < outcomesSince)) rememberOutcome(state, event, decidedAt);
}

function rememberOutcome(state: PartitionState, event: LogicalEvent, decidedAt: number): void {
  const key = commandKey(event.tenantId, event.commandId);
  if (event.type === 'CommandRejected') {
    const code = String(event.payload['code']);
    if (!AUTHENTICATION_CODES.has(code) && !state.outcomes.has(key)) {
      state.outcomes.set(key, { outcome: 'rejected', code, message: 'refused (recorded in the tenant chain)', decidedAt });
    }
    return;
  }
  const known = state.outcomes.get(key);
  state.outcomes.set(key, known?.outcome === 'accepted'
    ? { outcome: 'accepted', firstSeq: known.firstSeq, lastSeq: event.seq, decidedAt: known.decidedAt }
    : { outcome: 'accepted', firstSeq: event.seq, lastSeq: event.seq, decidedAt });
}

/**
 * Rejections are only known from results; accepted outcomes always come from the events, and
 * their results add the digest of the command they answered (apply results after the events).
 * Only refusals made after authentication are remembered, as live processing does: refusals
 * made before must never let a forger squat on a commandId.
 */
export function applyStoredResult(state: PartitionState, result: CommandResult, outcomesSince = Number.NEGATIVE_INFINITY): void {
  if (result.replayed) return;
  const decidedAt = Date.parse(result.processedAt);
  if (decidedAt < outcomesSince) return;
  const key = commandKey(result.tenantId, result.commandId);
  const known = state.outcomes.get(key);
  if (result.outcome === 'accepted') {
    if (known?.outcome === 'accepted' && known.contentDigest === undefined && result.contentDigest !== undefined) state.outcomes.set(key, { ...known, contentDigest: result.contentDigest });
    return;
  }
  if (!result.code || !REMEMBERED_CODES.has(result.code) || known?.outcome === 'accepted') return;
  const rejected = { outcome: 'rejected', code: result.code, message: result.message ?? '', decidedAt } as const;
  state.outcomes.set(key, result.contentDigest === undefined ? rejected : { ...rejected, contentDigest: result.contentDigest });
}
