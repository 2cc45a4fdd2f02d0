// Rebuilds a partition's state from the log: the events partition gives every tenant's
// decider state, chain head and accepted commandIds; the results partition (co-partitioned, see
// docs/adr/0001-single-writer.md) adds the rejected ones still inside the replay window.
import { decodeTenantEvent, tenantDecider } from '../../domain/tenant/index.ts';
import type { TenantEvent } from '../../domain/tenant/index.ts';
import { eventHash } from '../../domain/chain/event-hash.ts';
import type { CommandResult, LogicalEvent } from '../../domain/logical.ts';
import { EventDecodeCode, REJECTION_CODES } from '../../domain/errors.ts';
import { AUTHENTICATION_CODES, REMEMBERED_PROCESSOR_CODES } from './errors.ts';
import { commandKey, type PartitionState } from './partition-state.ts';

/** Rejections remembered for the idempotency window: the domain's, and the processor's after authentication. */
const REMEMBERED_CODES: ReadonlySet<string> = new Set([...REJECTION_CODES, ...REMEMBERED_PROCESSOR_CODES]);

/**
 * Applies one stored event; a break in the chain, or a payload that does not decode as its
 * tenant event type, marks the tenant corrupt (fail closed). An event of a type that is no
 * tenant event extends the chain and leaves the state as it is. The command's outcome is
 * remembered only when decided at or after `outcomesSince` (ms): older ones are outside the
 * idempotency window (partition-state.ts outcomeHorizonMs).
 */
export function applyStoredEvent(state: PartitionState, event: LogicalEvent, carriedHash: string, outcomesSince = Number.NEGATIVE_INFINITY): void {
  const head = state.head(event.tenantId);
  if (head.corrupt) return;
  const hash = eventHash(event);
  const decoded = decodeTenantEvent(event);
  const problem =
    event.seq !== head.seq + 1 ? `seq ${event.seq} follows ${head.seq}`
    : event.prevHash !== head.hash ? `prevHash of seq ${event.seq} does not match the previous hash`
    : carriedHash !== hash ? `hash of seq ${event.seq} does not match its content`
    : !decoded.ok && decoded.error.code !== EventDecodeCode.UNKNOWN_EVENT_TYPE ? `payload of seq ${event.seq} is malformed: ${decoded.error.message}`
    : undefined;
  if (problem) {
    state.tenants.set(event.tenantId, { ...head, corrupt: problem });
    return;
  }
  const tenantEvent = decoded.ok ? decoded.event : undefined;
  const nextState = tenantEvent === undefined ? head.state : tenantDecider.evolve(head.state, tenantEvent);
  state.tenants.set(event.tenantId, { state: nextState, seq: event.seq, hash });
  const decidedAt = Date.parse(event.occurredAt);
  // Remembering is the safe side: an unreadable time keeps the outcome.
  if (!(decidedAt < outcomesSince)) rememberOutcome(state, event, tenantEvent, decidedAt);
}

function rememberOutcome(state: PartitionState, event: LogicalEvent, tenantEvent: TenantEvent | undefined, decidedAt: number): void {
  const key = commandKey(event.tenantId, event.commandId);
  if (tenantEvent?.type === 'CommandRejected') {
    const { code } = tenantEvent.data;
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
