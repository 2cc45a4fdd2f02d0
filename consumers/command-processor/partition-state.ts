// The processor's in-memory view of one partition: each tenant's decider state and chain
// head, and the outcome of every commandId seen (idempotency). Batches write to a BatchView
// overlay that is merged only after their Kafka transaction committed, so an aborted
// transaction leaves the state exactly as the log has it.
import { initialState, type TenantState } from '../../domain/tenant/state.ts';
import { GENESIS_HASH } from '../../domain/chain/event-hash.ts';

export interface TenantHead {
  readonly state: TenantState;
  readonly seq: number;
  readonly hash: string;
  /** Set when the stored chain failed verification: every command is refused. */
  readonly corrupt?: string;
}

export type RecordedOutcome =
  | { readonly outcome: 'accepted'; readonly firstSeq: number; readonly lastSeq: number }
  | { readonly outcome: 'rejected'; readonly code: string; readonly message: string };

/**
 * An outcome with when it was decided (ms since the epoch), so it can be forgotten once no replay
 * needs it, and the content digest of the command it answered (content-digest.ts; unknown when
 * rebuilt from events whose results are gone), so a commandId reused for other content is told apart.
 */
export type StoredOutcome = RecordedOutcome & { readonly decidedAt: number; readonly contentDigest?: string };

/**
 * How long an outcome must be remembered. A command is refused once older than maxCommandAgeMs
 * (COMMAND_EXPIRED) and was issued at most maxClockSkewMs after it was decided; one more skew
 * covers another processor's clock after a rebalance. Past this, a replay is refused by its age
 * before its outcome is ever looked up, so the outcome can go: the processor's memory holds the
 * idempotency window, not every commandId ever.
 */
export function outcomeHorizonMs(maxCommandAgeMs: number, maxClockSkewMs: number): number {
  return maxCommandAgeMs + 2 * maxClockSkewMs;
}

export const EMPTY_HEAD: TenantHead = Object.freeze({ state: initialState(), seq: 0, hash: GENESIS_HASH });

/** Tenant-scoped so one tenant's commandId can never answer for another tenant's command. */
export function commandKey(tenantId: string, commandId: string): string {
  return `${tenantId}/${commandId}`;
}

export class PartitionState {
  readonly tenants = new Map<string, TenantHead>();
  readonly outcomes = new Map<string, StoredOutcome>();
  private sweep: Iterator<[string, StoredOutcome]> | undefined;
  private sweepStartedAt = Number.NEGATIVE_INFINITY;

  head(tenantId: string): TenantHead {
    return this.tenants.get(tenantId) ?? EMPTY_HEAD;
  }

  begin(): BatchView {
    return new BatchView(this);
  }

  /**
   * Forgets outcomes decided before `cutoffMs`, a slice at a time: visits at most `budget`
   * entries per call (so a batch never waits on a sweep of millions), and starts a new pass over
   * the map at most every `passIntervalMs`. A Map iterator survives the map changing under it.
   * Returns how many were forgotten.
   */
  forgetOutcomesBefore(cutoffMs: number, nowMs: number, budget = 20_000, passIntervalMs = 60_000): number {
    if (this.sweep === undefined) {
      if (nowMs - this.sweepStartedAt < passIntervalMs) return 0;
      this.sweep = this.outcomes.entries();
      this.sweepStartedAt = nowMs;
    }
    let forgotten = 0;
    for (let visited = 0; visited < budget; visited++) {
      const next = this.sweep.next();
      if (next.done === true) {
        this.sweep = undefined;
        break;
      }
      const [key, outcome] = next.value;
      if (outcome.decidedAt < cutoffMs) {
        this.outcomes.delete(key);
        forgotten++;
      }
    }
    return forgotten;
  }
}

export class BatchView {
  private readonly base: PartitionState;
  private readonly tenants = new Map<string, TenantHead>();
  private readonly outcomes = new Map<string, StoredOutcome>();

  constructor(base: PartitionState) {
    this.base = base;
  }

  head(tenantId: string): TenantHead {
    return this.tenants.get(tenantId) ?? this.base.head(tenantId);
  }

  setHead(tenantId: string, head: TenantHead): void {
    this.tenants.set(tenantId, head);
  }

  outcome(key: string): StoredOutcome | undefined {
    return this.outcomes.get(key) ?? this.base.outcomes.get(key);
  }

  record(key: string, outcome: RecordedOutcome, decidedAt: number, contentDigest?: string): void {
    this.outcomes.set(key, contentDigest === undefined ? { ...outcome, decidedAt } : { ...outcome, decidedAt, contentDigest });
  }

  /** Call only after the batch's transaction committed. */
  mergeIntoBase(): void {
    for (const [k, v] of this.tenants) this.base.tenants.set(k, v);
    for (const [k, v] of this.outcomes) this.base.outcomes.set(k, v);
  }
}
