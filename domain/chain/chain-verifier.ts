// Streaming verifier of one tenant's hash chain (docs/spec.md "Event envelope and the hash chain"):
// seq starts at 1 with no gaps, each prevHash is the previous event's hash, and each stored hash
// equals the hash recomputed from the logical event. It keeps O(1) state, so an auditor can
// stream millions of events through it; it stops at the first failure.
import type { HashedEvent, LogicalEvent } from '../logical.ts';
import { GENESIS_HASH, eventHash } from './event-hash.ts';

export type ChainFailureCode =
  | 'TENANT_MISMATCH' // an event of another tenant in this tenant's stream
  | 'SEQ_GAP' // seq is ahead of previous+1: an event is missing (deleted, reordered)
  | 'SEQ_DUPLICATE' // seq is at or behind the previous one: repeated, reordered or inserted
  | 'PREV_HASH_MISMATCH' // prevHash is not the previous event's hash: the link is broken
  | 'HASH_MISMATCH'; // the stored hash is not the hash of the event's content: it was altered

export interface ChainFailure {
  /** The position where the chain breaks: the last verified seq + 1. */
  seq: number;
  code: ChainFailureCode;
  expected: string | number;
  actual: string | number;
}

/** The last verified event; { seq: 0, hash: GENESIS_HASH } before the first one. */
export interface ChainHead {
  seq: number;
  hash: string;
}

export type ChainVerdict =
  | { ok: true; head: ChainHead }
  | { ok: false; failure: ChainFailure; head: ChainHead };

export class ChainVerifier {
  readonly tenantId: string;
  #seq: number;
  #hash: string;
  #failure: ChainFailure | null = null;

  /** `from` resumes after a trusted head (a verified checkpoint); default: the genesis. */
  constructor(tenantId: string, from: ChainHead = { seq: 0, hash: GENESIS_HASH }) {
    this.tenantId = tenantId;
    this.#seq = from.seq;
    this.#hash = from.hash;
  }

  /**
   * Checks the next event against the head and advances it. Returns the first failure; once
   * the chain has failed, every later push returns that same failure and changes nothing.
   */
  push(event: LogicalEvent, storedHash: string): ChainFailure | null {
    if (this.#failure !== null) return this.#failure;
    const seq = this.#seq + 1;
    if (event.tenantId !== this.tenantId) {
      return this.#fail({ seq, code: 'TENANT_MISMATCH', expected: this.tenantId, actual: event.tenantId });
    }
    if (event.seq !== seq) {
      // Anything that is not exactly previous+1 and not behind it (including a non-number, from
      // an untyped export) means the event we need has not been seen: a gap.
      const code = typeof event.seq === 'number' && event.seq < seq ? 'SEQ_DUPLICATE' : 'SEQ_GAP';
      return this.#fail({ seq, code, expected: seq, actual: event.seq });
    }
    if (event.prevHash !== this.#hash) {
      return this.#fail({ seq, code: 'PREV_HASH_MISMATCH', expected: this.#hash, actual: event.prevHash });
    }
    const recomputed = eventHash(event);
    if (storedHash !== recomputed) {
      return this.#fail({ seq, code: 'HASH_MISMATCH', expected: recomputed, actual: storedHash });
    }
    this.#seq = seq;
    this.#hash = recomputed;
    return null;
  }

  /** push() for an event that carries its own hash, as in an events.jsonl export. */
  pushHashed(event: HashedEvent): ChainFailure | null {
    return this.push(event, event.hash);
  }

  get head(): ChainHead {
    return { seq: this.#seq, hash: this.#hash };
  }

  get verdict(): ChainVerdict {
    return this.#failure === null
      ? { ok: true, head: this.head }
      : { ok: false, failure: this.#failure, head: this.head };
  }

  #fail(failure: ChainFailure): ChainFailure {
    this.#failure = failure;
    return failure;
  }
}

/** Verifies one tenant's events, given in stream order. */
export function verifyChain(tenantId: string, events: Iterable<HashedEvent>, from?: ChainHead): ChainVerdict {
  const verifier = new ChainVerifier(tenantId, from);
  for (const event of events) {
    if (verifier.pushHashed(event) !== null) break;
  }
  return verifier.verdict;
}
