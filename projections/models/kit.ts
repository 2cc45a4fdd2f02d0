// The read-model kit: a model is its tables (table.ts), a pure fold of a batch of events into
// changes, and the writes of those changes; the kit does the rest, the same for every model.
// It erases the batch's deleted tenants first (their other events are dropped), then goes
// segment by segment (a segment ends at each UserErased): fold, run each write that has rows
// through the projector wrapper (writer/projector-transaction.ts: tenant filter checked, use
// recorded), erase the segment's user. model.ts has the pieces it is made of.
import { quoteIdent } from '../../adapters/postgres/roles.ts';
import type { ModelTarget, ProjectorTransaction } from '../writer/projector-transaction.ts';
import { eraseUser, segmentsAtUserErasures, withoutErasedTenants, type ProjectedEvent, type ReadModel, type UserErasure } from './model.ts';
import type { Write } from './table.ts';

export { col, Table, type RowOf, type Write } from './table.ts';

/**
 * The read model `name` (as in projection_meta.models): `fold` turns one segment of a batch
 * (offset order, no UserErased inside) into its changes, purely; `write` lists the writes of
 * those changes in the order they run. On UserErased, after its segment's writes, the user is
 * erased through projection_meta.erase_user unless `eraseUser` says otherwise.
 */
export function defineReadModel<Changes>(
  name: string,
  fold: (events: readonly ProjectedEvent[]) => Changes,
  write: (changes: Changes) => readonly Write[],
  options: { readonly eraseUser?: (tx: ProjectorTransaction, target: ModelTarget, erasure: UserErasure) => Promise<unknown> } = {},
): ReadModel {
  const erase = options.eraseUser ?? eraseUser;
  return {
    name,
    async apply(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
      const { kept, erasures } = withoutErasedTenants(events);
      for (const erasure of erasures) await tx.eraseTenant(target, erasure.tenantId, erasure.seq);
      const schema = quoteIdent(target.schema);
      for (const segment of segmentsAtUserErasures(kept)) {
        for (const w of write(fold(segment.events))) {
          if (w.rows.length > 0) await tx.bypass(target, { reason: w.reason, tenants: tenantsOf(w), text: w.text(schema), values: columns(w) });
        }
        if (segment.erasure !== undefined) await erase(tx, target, segment.erasure);
      }
    },
  };
}

/** The distinct tenants of the rows: the explicit filter of the statement. */
function tenantsOf(write: Write): string[] {
  return [...new Set(write.rows.map((row) => row.tenantId))];
}

/** The rows' column arrays, for `unnest($2::…[], $3::…[], …)`. */
function columns(write: Write): unknown[][] {
  return write.fields.map((field) => write.rows.map((row) => (row as unknown as Record<string, unknown>)[field] ?? null));
}
