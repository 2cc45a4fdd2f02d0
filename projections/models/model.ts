// What a read model is: a name (its tables are created by SQL in adapters/postgres/migrations, see
// projection_meta.models) and a function that applies a batch of events to one generation.
import type { LogicalEvent } from '../../domain/logical.ts';
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
   * `target`, only through `tx.bypass` / `tx.eraseTenant` / `eraseUser`. Runs inside the batch
   * transaction.
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

/**
 * What an erased user's id becomes where a row keeps it instead of going (the tenants row's
 * owner, audit rows: projection_meta.erase_user in migration 0013 uses the same constant).
 */
export const ERASED = '[erased]';

/** A user erased from a tenant (UserErased at `seq`). */
export interface UserErasure {
  readonly tenantId: string;
  readonly userId: string;
  readonly seq: number;
}

/** A run of events to fold and write, then (if it ended with UserErased) the user to erase. */
export interface Segment {
  readonly events: ProjectedEvent[];
  readonly erasure?: UserErasure;
}

/**
 * Splits `events` after each UserErased. A model writes a segment's rows, then erases its user,
 * then goes on: so every row the user had before the erasure is gone however the stream was
 * cut into batches, and a rebuild erases exactly what the live projection did. One segment
 * (the whole batch) when nobody is erased.
 */
export function segmentsAtUserErasures(events: readonly ProjectedEvent[]): Segment[] {
  const segments: Segment[] = [];
  let current: ProjectedEvent[] = [];
  for (const projected of events) {
    current.push(projected);
    const { event } = projected;
    const userId = event.type === 'UserErased' ? text(event.payload, 'userId') : undefined;
    if (userId === undefined) continue;
    segments.push({ events: current, erasure: { tenantId: event.tenantId, userId, seq: event.seq } });
    current = [];
  }
  if (current.length > 0 || segments.length === 0) segments.push({ events: current });
  return segments;
}

/**
 * Erases one user from `target`'s generation through projection_meta.erase_user (migration
 * 0013; the one SECURITY DEFINER path besides erase_tenant, owned by the eraser): deletes their
 * rows from every table with a user_id or owner_id column, redacts them in the audit log, and
 * records the use in projection_meta.bypass_uses. Returns the rows deleted or redacted.
 */
export async function eraseUser(tx: ProjectorTransaction, target: ModelTarget, erasure: UserErasure): Promise<number> {
  const { rows } = await tx.meta<{ n: string }>('select projection_meta.erase_user($1, $2, $3, $4, $5) as n', [
    target.model, target.generation, erasure.tenantId, erasure.userId, erasure.seq,
  ]);
  return Number(rows[0]?.n ?? 0);
}

/** Column-wise arrays of `rows`, for `unnest($2::…[], $3::…[], …)`. */
export function columns<R extends object, K extends keyof R>(rows: readonly R[], keys: readonly K[]): unknown[][] {
  return keys.map((key) => rows.map((row) => row[key] ?? null));
}

/** The distinct tenants of `rows`: the explicit filter of a bypass statement. */
export function tenantsOf(rows: readonly { readonly tenantId: string }[]): string[] {
  return [...new Set(rows.map((row) => row.tenantId))];
}

/** A payload integer field (a safe integer), or undefined. */
export function integer(payload: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const value = payload[key];
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

/** A payload object field, or undefined. */
export function object(payload: Readonly<Record<string, unknown>>, key: string): Readonly<Record<string, unknown>> | undefined {
  const value = payload[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** A payload string field, or undefined. */
export function text(payload: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = payload[key];
  return typeof value === 'string' ? value : undefined;
}
