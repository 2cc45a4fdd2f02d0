// Streams a tenant's events through the hash chain check AND the tenant's RFC 6962 tree (a
// compact range), comparing the tree root with each verified checkpoint as the stream reaches
// its size. The chain alone cannot see a rewritten-and-rehashed history or a cut-off tail; the
// signed checkpoints can (domain/chain/README.md).
import { ChainVerifier, type ChainFailure, type ChainHead } from '../domain/chain/chain-verifier.ts';
import type { LogicalEvent } from '../domain/logical.ts';
import { CompactRange } from '../domain/merkle/compact-range.ts';
import { leafHash } from '../domain/merkle/hash.ts';
import type { VerifiedCheckpoint } from './anchor-evidence.ts';
import { checkpointLabel, short, type AuditFailure } from './failures.ts';

/** Where a checker stands after some events: enough to resume it, e.g. at a chunk boundary. */
export interface CheckerPosition {
  readonly head: ChainHead;
  readonly tree: CompactRange;
  readonly nextCheckpoint: number;
}

export class EventTreeChecker {
  readonly tenantId: string;
  readonly #chain: ChainVerifier;
  readonly #tree: CompactRange;
  readonly #checkpoints: readonly VerifiedCheckpoint[];
  #nextCheckpoint: number;
  #failure: AuditFailure | null = null;
  readonly #hashBytes = Buffer.alloc(32);

  /** `from` resumes after events already verified (the tree is copied); default: the first event. */
  constructor(tenantId: string, checkpoints: readonly VerifiedCheckpoint[], from?: CheckerPosition) {
    this.tenantId = tenantId;
    this.#chain = new ChainVerifier(tenantId, from?.head);
    this.#tree = from?.tree.clone() ?? CompactRange.empty();
    this.#checkpoints = checkpoints;
    this.#nextCheckpoint = from?.nextCheckpoint ?? 0;
  }

  /** The next event with the hash stored beside it. Returns the first failure, then keeps returning it. */
  push(event: LogicalEvent, storedHash: string): AuditFailure | null {
    if (this.#failure !== null) return this.#failure;
    const chainFailure = this.#chain.push(event, storedHash);
    if (chainFailure !== null) return this.#fail(fromChain(chainFailure));
    this.#hashBytes.write(storedHash, 'hex');
    this.#tree.append(leafHash(this.#hashBytes));
    const checkpoint = this.#checkpoints[this.#nextCheckpoint];
    if (checkpoint !== undefined && checkpoint.size === this.#tree.size) {
      const root = this.#tree.root();
      if (!root.equals(checkpoint.root)) {
        return this.#fail({
          code: 'ROOT_MISMATCH', seq: checkpoint.size, checkpointSize: checkpoint.size, anchorSeq: checkpoint.anchorSeq,
          expected: checkpoint.root.toString('hex'), actual: root.toString('hex'),
          message: `the events 1..${checkpoint.size} have tree root ${short(root.toString('hex'))}, but the ${checkpointLabel(checkpoint.size, checkpoint.anchorSeq)} signed ${short(checkpoint.root.toString('hex'))}: history was rewritten at or before seq ${checkpoint.size}`,
        });
      }
      this.#nextCheckpoint++;
    }
    return null;
  }

  /** A record or line that could not be read as an event, at the next position. */
  pushUnreadable(code: 'UNDECODABLE' | 'MALFORMED_EVENT', where: string, problem: string): AuditFailure {
    if (this.#failure !== null) return this.#failure;
    const seq = this.#chain.head.seq + 1;
    return this.#fail({ code, seq, expected: 'a well-formed event', actual: problem, message: `seq ${seq} (${where}) is not a readable event: ${problem}` });
  }

  /**
   * Names the failure at the current position as an unreadable event instead (a malformed line
   * found to be malformed only after its chain check failed). Also used when hashing threw.
   */
  replaceFailure(code: 'UNDECODABLE' | 'MALFORMED_EVENT', where: string, problem: string): AuditFailure {
    this.#failure = null;
    return this.pushUnreadable(code, where, problem);
  }

  /** After the last event: every checkpoint must have been reached. */
  finish(): AuditFailure | null {
    if (this.#failure !== null) return this.#failure;
    const missed = this.#checkpoints[this.#nextCheckpoint];
    if (missed === undefined) return null;
    const last = this.#chain.head.seq;
    return this.#fail({
      code: 'TRUNCATED', seq: last + 1, checkpointSize: missed.size, anchorSeq: missed.anchorSeq,
      expected: `events 1..${missed.size}`, actual: last === 0 ? 'no events' : `events 1..${last}`,
      message: `the ${checkpointLabel(missed.size, missed.anchorSeq)} covers seq 1..${missed.size}, but the events end at seq ${last}: the tail was truncated`,
    });
  }

  get head(): ChainHead {
    return this.#chain.head;
  }

  /** Where the checker stands (a copy), to resume another checker from here. */
  position(): CheckerPosition {
    return { head: this.#chain.head, tree: this.#tree.clone(), nextCheckpoint: this.#nextCheckpoint };
  }

  /** Checkpoints whose root the events have matched so far. */
  get checkpointsMatched(): number {
    return this.#nextCheckpoint;
  }

  get failure(): AuditFailure | null {
    return this.#failure;
  }

  #fail(failure: AuditFailure): AuditFailure {
    this.#failure = failure;
    return failure;
  }
}

const CHAIN_MESSAGES: Record<ChainFailure['code'], string> = {
  TENANT_MISMATCH: 'an event of another tenant is in this stream',
  SEQ_GAP: 'an event is missing (deleted or moved)',
  SEQ_DUPLICATE: 'an event is repeated, moved or inserted',
  PREV_HASH_MISMATCH: 'prevHash is not the previous event\'s hash: the chain is broken here',
  HASH_MISMATCH: 'the stored hash is not the hash of the event\'s content: the event was altered',
};

function fromChain(f: ChainFailure): AuditFailure {
  const found = typeof f.actual === 'string' && f.actual.length === 64 ? short(f.actual) : String(f.actual);
  const wanted = typeof f.expected === 'string' && f.expected.length === 64 ? short(f.expected) : String(f.expected);
  return { code: f.code, seq: f.seq, expected: String(f.expected), actual: String(f.actual), message: `${CHAIN_MESSAGES[f.code]} (expected ${wanted}, found ${found})` };
}
