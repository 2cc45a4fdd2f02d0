// Scanning the spine's database for a string: every row of every table, as text.
import type pg from 'pg';

export interface TableRef {
  readonly schema: string;
  readonly table: string;
  readonly hasTenantId: boolean;
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Every ordinary or partitioned table (and materialized view) in the schemas `schemaLike` matches. */
export async function tablesOf(pool: pg.Pool, schemaLike: string, exclude: readonly string[] = []): Promise<TableRef[]> {
  const { rows } = await pool.query<{ schema: string; table: string; has_tenant: boolean }>(
    `select n.nspname as schema, c.relname as table,
            exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped) as has_tenant
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p', 'm') and n.nspname like $1 and not (n.nspname = any($2::text[]))
     order by 1, 2`,
    [schemaLike, [...exclude]],
  );
  return rows.map((r) => ({ schema: r.schema, table: r.table, hasTenantId: r.has_tenant }));
}

/**
 * How many rows of each table mention `needle` (case-insensitive) in their JSON text, only rows
 * of `tenantId` when given and the table has that column. Only tables with a hit are returned.
 */
export async function mentions(pool: pg.Pool, tables: readonly TableRef[], needle: string, tenantId?: string): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  for (const t of tables) {
    const scoped = tenantId !== undefined && t.hasTenantId;
    const { rows } = await pool.query<{ n: number }>(
      `select count(*)::int as n from ${ident(t.schema)}.${ident(t.table)} x
       where strpos(lower(row_to_json(x)::text), lower($1)) > 0 ${scoped ? 'and x.tenant_id::text = $2' : ''}`,
      scoped ? [needle, tenantId] : [needle],
    );
    if (rows[0]!.n > 0) found[`${t.schema}.${t.table}`] = rows[0]!.n;
  }
  return found;
}

/** Rows of `tenantId` in each table that has a tenant_id column (only tables with rows). */
export async function rowsOfTenant(pool: pg.Pool, tables: readonly TableRef[], tenantId: string): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  for (const t of tables.filter((x) => x.hasTenantId)) {
    const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from ${ident(t.schema)}.${ident(t.table)} where tenant_id::text = $1`, [tenantId]);
    if (rows[0]!.n > 0) found[`${t.schema}.${t.table}`] = rows[0]!.n;
  }
  return found;
}
