// The structural half of "only the opener reads sealed content" (internal.secrets,
// internal.chat_content): checked in the catalog for every generation of the model, so a grant a
// later migration adds by mistake fails here even before any attack would find it.
import { expect } from 'vitest';
import { openerRole } from '../../../consumers/vault/secrets-reader.ts';
import type { TenantWorld, WorldTenant } from '../../projections/support/tenant-world.ts';

type World = TenantWorld<WorldTenant>;

/** Every table of every generation of `model` (schemas rm_<model>_g…). */
export async function generationTables(w: World, model: string): Promise<string[]> {
  const pattern = `rm\\_${model.replaceAll('_', '\\_')}\\_g%`;
  const rows = await w.rows('superuser', `select c.oid::regclass::text as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname like $1 and c.relkind = 'r' order by 1`, [pattern]);
  return rows.map((r) => String(r['t']));
}

/**
 * No app, analyst, auditor or projector privilege on any generation of `model` nor on its view
 * internal.<model>, no usage of the internal schema; writer and eraser cannot read it either; its
 * policies are exactly the opener's read, the projector's writes and tenant erasure.
 */
export async function expectOnlyTheOpenerReads(w: World, model: string): Promise<void> {
  const roles = [w.rm.roles.app, w.rm.roles.analysts, w.rm.roles.auditors, w.rm.roles.projector, w.analysts!.analystA.role, w.analysts!.auditorA.role];
  const tables = await generationTables(w, model);
  expect(tables.length).toBeGreaterThan(0);
  const view = `internal.${model}`;
  for (const role of roles) {
    for (const table of [...tables, view]) {
      const [row] = await w.rows('superuser', `select has_table_privilege($1, $2, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') as any,
        has_any_column_privilege($1, $2, 'SELECT, INSERT, UPDATE, REFERENCES') as col`, [role, table]);
      expect(row, `${role} on ${table}`).toEqual({ any: false, col: false });
    }
    const [schema] = await w.rows('superuser', "select has_schema_privilege($1, 'internal', 'USAGE, CREATE') as u", [role]);
    expect(schema, role).toEqual({ u: false });
  }
  for (const role of [w.rm.roles.writer, w.rm.roles.eraser]) {
    const [row] = await w.rows('superuser', "select has_schema_privilege($1, 'internal', 'USAGE') as u, has_table_privilege($1, $2, 'SELECT') as s", [role, view]);
    expect(row, role).toEqual({ u: false, s: false });
  }
  const policies = await w.rows('superuser', 'select policyname, roles::text from pg_policies where schemaname like $1 order by 1', [`rm\\_${model.replaceAll('_', '\\_')}\\_g%`]);
  expect(policies.map((p) => p['policyname'])).toEqual(['opener_reads', 'projector_writes', 'tenant_erasure']);
  expect(String(policies[0]!['roles'])).toBe(`{${openerRole(w.rm.roles)}}`);
}
