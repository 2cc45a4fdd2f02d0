// What a read model is: a name (its tables are created by SQL in deploy/sql/migrations, see
// projection_meta.models) and a function that applies a batch of events to one generation.
// Later issues add models (sources, keys, conversations, memories) the same way.
import type { LogicalEvent } from '../../schemas/logical.ts';
import type { ModelTarget, ProjectorTransaction } from '../writer/projector-transaction.ts';

export interface ProjectedEvent {
  readonly event: LogicalEvent;
  /** The chain hash (verified against the event unless verification was turned off). */
  readonly hash: string;
  readonly offset: bigint;
}

export interface ReadModel {
  readonly name: string;
  /**
   * Applies `events` (one partition, offset order, none applied before to this generation) to
   * `target`, only through `tx.bypass` / `tx.eraseTenant`. Runs inside the batch transaction.
   */
  apply(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void>;
}

export interface Erasure {
  readonly tenantId: string;
  readonly seq: number;
}

/**
 * Splits off the tenants deleted in this batch: their rows are erased whatever else the batch
 * says about them, so their other events are dropped here.
 */
export function withoutErasedTenants(events: readonly ProjectedEvent[]): { kept: ProjectedEvent[]; erasures: Erasure[] } {
  const erasures = new Map<string, number>();
  for (const { event } of events) if (event.type === 'TenantDeleted') erasures.set(event.tenantId, event.seq);
  if (erasures.size === 0) return { kept: [...events], erasures: [] };
  return {
    kept: events.filter(({ event }) => !erasures.has(event.tenantId)),
    erasures: [...erasures].map(([tenantId, seq]) => ({ tenantId, seq })),
  };
}

/** Column-wise arrays of `rows`, for `unnest($2::…[], $3::…[], …)`. */
export function columns<R extends object, K extends keyof R>(rows: readonly R[], keys: readonly K[]): unknown[][] {
  return keys.map((key) => rows.map((row) => row[key] ?? null));
}

/** The distinct tenants of `rows`: the explicit filter of a bypass statement. */
export function tenantsOf(rows: readonly { readonly tenantId: string }[]): string[] {
  return [...new Set(rows.map((row) => row.tenantId))];
}

/** A payload string field, or undefined. */
export function text(payload: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = payload[key];
  return typeof value === 'string' ? value : undefined;
}
