// The processor's in-memory view of one partition: each tenant's decider state and chain
// head, and the outcome of every commandId seen (idempotency). Batches write to a BatchView
// overlay that is merged only after their Kafka transaction committed, so an aborted
// transaction leaves the state exactly as the log has it.
import { initialState, type TenantState } from '../../domain/tenant/state.ts';
import { GENESIS_HASH } from '../../chain/event-hash.ts';

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

export const EMPTY_HEAD: TenantHead = Object.freeze({ state: initialState(), seq: 0, hash: GENESIS_HASH });

/** Tenant-scoped so one tenant's commandId can never answer for another tenant's command. */
export function commandKey(tenantId: string, commandId: string): string {
  return `${tenantId}/${commandId}`;
}

export class PartitionState {
  readonly tenants = new Map<string, TenantHead>();
  readonly outcomes = new Map<string, RecordedOutcome>();

  head(tenantId: string): TenantHead {
    return this.tenants.get(tenantId) ?? EMPTY_HEAD;
  }

  begin(): BatchView {
    return new BatchView(this);
  }
}

export class BatchView {
  private readonly base: PartitionState;
  private readonly tenants = new Map<string, TenantHead>();
  private readonly outcomes = new Map<string, RecordedOutcome>();

  constructor(base: PartitionState) {
    this.base = base;
  }

  head(tenantId: string): TenantHead {
    return this.tenants.get(tenantId) ?? this.base.head(tenantId);
  }

  setHead(tenantId: string, head: TenantHead): void {
    this.tenants.set(tenantId, head);
  }

  outcome(key: string): RecordedOutcome | undefined {
    return this.outcomes.get(key) ?? this.base.outcomes.get(key);
  }

  record(key: string, outcome: RecordedOutcome): void {
    this.outcomes.set(key, outcome);
  }

  /** Call only after the batch's transaction committed. */
  mergeIntoBase(): void {
    for (const [k, v] of this.tenants) this.base.tenants.set(k, v);
    for (const [k, v] of this.outcomes) this.base.outcomes.set(k, v);
  }
}
