// THE check every consumer of the events topic runs before it uses an event (issue 12,
// "Quarantine, not crash"): given the consumer's last good (seq, hash) for the tenant and the
// next event of that tenant in the stream, is the event the chain's next link? Pure: the caller
// keeps the heads and decides what an anomaly does (it stops that tenant in that consumer,
// never the process). A signature check plugs in as `extra` and reports its own codes.
import { GENESIS_HASH, eventHash } from '../chain/event-hash.ts';
import type { LogicalEvent } from '../logical.ts';

/** The last event a consumer accepted for a tenant; absent before the first one. */
export interface RunHead {
  readonly seq: number;
  readonly hash: string;
}

export type ChainAnomalyCode =
  | 'CHAIN_GAP' // seq is ahead of head+1: an event is missing
  | 'CHAIN_DUPLICATE' // seq is at or behind the head, with other content: repeated or inserted
  | 'CHAIN_HASH_MISMATCH' // prevHash is not the head's hash: the link is broken
  | 'CHAIN_HASH_INVALID' // the carried hash is not the event's own hash: the event was altered
  | 'CHAIN_TENANT_MISMATCH' // the event names another tenant than the stream it was checked for
  | 'CHAIN_UNDECODABLE'; // (reported by consumers) a record of the tenant that does not decode

export interface RunAnomaly {
  /** A ChainAnomalyCode, or the code an `extra` check reports (e.g. a signature's). */
  readonly code: string;
  /** Numbers and hashes only: never payload content. */
  readonly detail: string;
}

/** A further check of an event that linked correctly (e.g. verifyEventSignature). */
export type ExtraRunCheck = (event: LogicalEvent, hash: string) => RunAnomaly | null;

export type RunVerdict =
  | { readonly kind: 'ok'; readonly head: RunHead }
  /** The very event the head is, delivered again: skip it, the head stays. */
  | { readonly kind: 'redelivery' }
  | { readonly kind: 'anomaly'; readonly anomaly: RunAnomaly };

export interface RunCheckInput {
  readonly tenantId: string;
  /** The consumer's last good event of the tenant; undefined before its first. */
  readonly last: RunHead | undefined;
  readonly event: LogicalEvent;
  /** The hash the record carries. */
  readonly hash: string;
  /** Recompute the hash (default true); false only for a trusted replay such as a benchmark. */
  readonly recompute?: boolean;
  readonly extra?: ExtraRunCheck;
}

export function checkNextEvent(input: RunCheckInput): RunVerdict {
  const { event, hash } = input;
  const last = input.last ?? { seq: 0, hash: GENESIS_HASH };
  if (event.tenantId !== input.tenantId) return anomaly('CHAIN_TENANT_MISMATCH', `the event names tenant ${String(event.tenantId)}`);
  if (input.recompute !== false) {
    const own = eventHash(event);
    if (own !== hash) return anomaly('CHAIN_HASH_INVALID', `seq ${event.seq} carries hash ${hash}, its content hashes to ${own}`);
  }
  if (!Number.isSafeInteger(event.seq) || event.seq < 1) return anomaly('CHAIN_GAP', `seq ${String(event.seq)} is not a position in a chain`);
  if (event.seq <= last.seq) {
    // Only the head itself can be recognised as a repeat: an older seq cannot be compared.
    if (event.seq === last.seq && hash === last.hash) return { kind: 'redelivery' };
    return anomaly('CHAIN_DUPLICATE', `seq ${event.seq} (hash ${hash}) after seq ${last.seq} (hash ${last.hash})`);
  }
  if (event.seq > last.seq + 1) return anomaly('CHAIN_GAP', `seq ${event.seq} after seq ${last.seq}: ${event.seq - last.seq - 1} missing`);
  if (event.prevHash !== last.hash) return anomaly('CHAIN_HASH_MISMATCH', `seq ${event.seq} links to ${event.prevHash}, seq ${last.seq} is ${last.hash}`);
  const extra = input.extra?.(event, hash) ?? null;
  if (extra !== null) return { kind: 'anomaly', anomaly: extra };
  return { kind: 'ok', head: { seq: event.seq, hash } };
}

function anomaly(code: ChainAnomalyCode, detail: string): RunVerdict {
  return { kind: 'anomaly', anomaly: { code, detail } };
}
