// How often each data key version was opened (vault.open_counts, migration 0012): read without
// a master key, for `palisade vault open-counts`.
import type pg from '../../../adapters/postgres/pg.ts';
import type { DekOwner } from '../index.ts';
import { DEK_COLUMNS, type DekRow, checkTenant, dekOfRow } from './rows.ts';

export interface DekOpenCount {
  readonly kid: string;
  readonly kv: number;
  readonly owner: DekOwner;
  readonly createdAt: string;
  readonly opens: number;
  /** ISO 8601, or null when never opened. */
  readonly lastOpenedAt: string | null;
}

/**
 * Every existing DEK version of the tenant with how often it was opened, by kid and kv (needs
 * no master key: for `palisade vault open-counts`).
 */
export async function openCountsOf(q: Pick<pg.Pool, 'query'>, tenantId: string): Promise<DekOpenCount[]> {
  checkTenant(tenantId);
  const { rows } = await q.query<DekRow & { created_at: Date; opens: string | null; last_opened_at: Date | null }>(
    `select ${DEK_COLUMNS.split(', ').map((c) => `d.${c}`).join(', ')}, d.created_at, o.opens, o.last_opened_at
     from vault.deks d left join vault.open_counts o using (tenant_id, kid, kv)
     where d.tenant_id = $1 order by d.kid, d.kv`,
    [tenantId],
  );
  return rows.map((row) => ({
    kid: row.kid,
    kv: row.kv,
    owner: dekOfRow(row).owner,
    createdAt: row.created_at.toISOString(),
    opens: row.opens === null ? 0 : Number(row.opens),
    lastOpenedAt: row.last_opened_at === null ? null : row.last_opened_at.toISOString(),
  }));
}
