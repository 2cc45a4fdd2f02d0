// One batch of one partition, applied to every target generation in ONE transaction together
// with the target's offset (docs/spec.md: exactly once into PostgreSQL). Each target has its own
// stored offset: records below it were applied before (a retry, a resumed rebuild, a swap that
// handed over a generation ahead of the live one) and are skipped; a stored offset below the
// batch's start means records were never applied, and the caller must seek back to it.
import type pg from '../../adapters/postgres/pg.ts';
import type { GuardRecord } from '../../domain/tenant/run-guard.ts';
import type { AdmittedBatch } from '../../adapters/postgres/quarantine.ts';
import type { ProjectedEvent, ReadModel } from '../models/model.ts';
import type { TenancyRoles } from '../../adapters/postgres/roles.ts';
import { ProjectorTransaction, type ModelTarget } from '../writer/projector-transaction.ts';
import type { TargetSelector } from './targets.ts';
import { admitRecords, type GuardedEvent, type ProjectorGuardOptions } from './guard.ts';

export interface BatchToApply {
  readonly topic: string;
  readonly partition: number;
  /** The offset the batch starts at (see AssignedBatch.fromOffset). */
  readonly fromOffset: bigint;
  /** One past the batch's last offset, commit markers included. */
  readonly nextOffset: bigint;
  /** The fetched records, decoded or not: the guard admits them (apply/guard.ts). */
  readonly records: readonly GuardRecord[];
}

/** Fault injection for tests: runs after the rows were written, before COMMIT. */
export interface ApplyHooks {
  readonly beforeCommit?: (info: { readonly partition: number; readonly events: number }) => void | Promise<void>;
}

export interface ApplyDeps {
  readonly pool: pg.Pool;
  readonly roles: TenancyRoles;
  readonly models: readonly ReadModel[];
  readonly selector: TargetSelector;
  readonly guard: ProjectorGuardOptions;
  readonly hooks?: ApplyHooks;
  /** After the batch committed: the tenants it deleted (their analyst logins are then revoked). */
  readonly onTenantsDeleted?: (tenantIds: readonly string[]) => Promise<void>;
}

export type ApplyOutcome =
  | { readonly kind: 'applied'; readonly targets: number; readonly events: number; readonly admitted?: AdmittedBatch }
  | { readonly kind: 'gap'; readonly seekTo: bigint };

interface StoredOffset {
  model: string;
  generation: number;
  next_offset: string;
}

export async function applyBatch(deps: ApplyDeps, batch: BatchToApply): Promise<ApplyOutcome> {
  const { outcome, deleted } = await applyInTransaction(deps, batch);
  if (outcome.kind === 'applied' && deleted.length > 0) await deps.onTenantsDeleted?.([...new Set(deleted)]);
  return outcome;
}

async function applyInTransaction(deps: ApplyDeps, batch: BatchToApply): Promise<{ outcome: ApplyOutcome; deleted: string[] }> {
  const byName = new Map(deps.models.map((m) => [m.name, m]));
  let deleted: string[] = [];
  const outcome = await ProjectorTransaction.run(deps.pool, deps.roles, async (tx): Promise<ApplyOutcome> => {
    // Shared: a swap (activate_generations) takes these exclusively.
    await tx.meta('select pg_advisory_xact_lock_shared(projection_meta.model_lock_key(m)) from unnest($1::text[]) m order by m', [[...byName.keys()]]);
    const targets = await deps.selector(tx);
    if (targets.length === 0) return { kind: 'applied', targets: 0, events: 0 };
    const stored = await lockOffsets(tx, targets, batch);
    const gaps = [...stored.values()].filter((offset) => offset < batch.fromOffset);
    if (gaps.length > 0) return { kind: 'gap', seekTo: gaps.reduce((a, b) => (b < a ? b : a)) };

    const admitted = await admitRecords(tx, deps.guard, batch.records);
    const erased = await erasedTenants(tx, admitted.events);
    deleted = admitted.events.filter(({ event }) => event.type === 'TenantDeleted').map(({ event }) => event.tenantId);
    let applied = 0;
    for (const target of targets) {
      const from = stored.get(key(target))!;
      const events = admitted.events.filter((e) => isNewFor(e, from) && !erased.has(e.event.tenantId));
      if (events.length > 0) await byName.get(target.model)!.apply(tx, target, events);
      applied = Math.max(applied, events.length);
    }
    await tx.meta(
      `update projection_meta.offsets o set next_offset = $3, updated_at = now()
       from unnest($1::text[], $2::int[]) as t(model, generation)
       where o.model = t.model and o.generation = t.generation and o.topic = $4 and o.partition = $5 and o.next_offset < $3`,
      [targets.map((t) => t.model), targets.map((t) => t.generation), batch.nextOffset.toString(), batch.topic, batch.partition],
    );
    await deps.hooks?.beforeCommit?.({ partition: batch.partition, events: applied });
    return { kind: 'applied', targets: targets.length, events: applied, admitted: admitted.batch };
  });
  return { outcome, deleted };
}

/**
 * Records below a target's stored offset were applied to it before (a retry, a resumed rebuild),
 * except a released tenant's, which were skipped while it was quarantined.
 */
const isNewFor = (e: GuardedEvent, from: bigint): boolean => e.offset >= from || e.resumed;

/**
 * A fetch that held only commit markers moved the position without data: advance the targets
 * that stood exactly where it began (a target behind it has a real gap and is left alone).
 */
export async function advanceOverSkipped(deps: Omit<ApplyDeps, 'hooks'>, topic: string, partition: number, fromOffset: bigint, nextOffset: bigint): Promise<void> {
  await ProjectorTransaction.run(deps.pool, deps.roles, async (tx) => {
    await tx.meta('select pg_advisory_xact_lock_shared(projection_meta.model_lock_key(m.name)) from unnest($1::text[]) m(name) order by m.name',
      [deps.models.map((m) => m.name)]);
    const targets = await deps.selector(tx);
    if (targets.length === 0) return;
    await tx.meta(
      `update projection_meta.offsets o set next_offset = $3, updated_at = now()
       from unnest($1::text[], $2::int[]) as t(model, generation)
       where o.model = t.model and o.generation = t.generation and o.topic = $4 and o.partition = $5
         and o.next_offset >= $6 and o.next_offset < $3`,
      [targets.map((t) => t.model), targets.map((t) => t.generation), nextOffset.toString(), topic, partition, fromOffset.toString()],
    );
  });
}

const key = (t: { model: string; generation: number }): string => `${t.model}#${t.generation}`;

/** The targets' stored offsets for this partition (rows created at 0 when new), locked FOR UPDATE. */
async function lockOffsets(tx: ProjectorTransaction, targets: readonly ModelTarget[], batch: BatchToApply): Promise<Map<string, bigint>> {
  const models = targets.map((t) => t.model);
  const generations = targets.map((t) => t.generation);
  await tx.meta(
    `insert into projection_meta.offsets (model, generation, topic, partition, next_offset)
     select t.model, t.generation, $3, $4, 0 from unnest($1::text[], $2::int[]) as t(model, generation)
     on conflict do nothing`,
    [models, generations, batch.topic, batch.partition],
  );
  const { rows } = await tx.meta<StoredOffset>(
    `select o.model, o.generation, o.next_offset from projection_meta.offsets o
     join unnest($1::text[], $2::int[]) as t(model, generation) on o.model = t.model and o.generation = t.generation
     where o.topic = $3 and o.partition = $4
     order by o.model
     for update of o`,
    [models, generations, batch.topic, batch.partition],
  );
  return new Map(rows.map((r) => [key(r), BigInt(r.next_offset)]));
}

/**
 * Tenants of this batch erased before it. None of their events is applied again, not even by
 * a rebuild replaying from the start: an erased tenant's rows never reappear, not even in a
 * shadow generation (tenant ids are never reused).
 */
async function erasedTenants(tx: ProjectorTransaction, events: readonly ProjectedEvent[]): Promise<Set<string>> {
  const tenants = [...new Set(events.map((e) => e.event.tenantId))];
  if (tenants.length === 0) return new Set();
  const { rows } = await tx.meta<{ tenant_id: string }>(
    'select tenant_id from projection_meta.erased_tenants where tenant_id = any($1::uuid[])',
    [tenants],
  );
  return new Set(rows.map((r) => r.tenant_id));
}
