// Isolation suite, part 3: what catalogs, statistics and sequences tell tenant A's analyst, and
// the structural guarantees behind every other test (forced RLS everywhere, security_invoker
// views, no LEAKPROOF, definer functions pinned, keys that include tenant_id, who owns what).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { liveTables, type LiveTables } from './support/schemas.ts';
import { TwoTenants } from './support/two-tenants.ts';

let w: TwoTenants;
let t: LiveTables;
beforeAll(async () => {
  w = await TwoTenants.create();
  t = await liveTables(w);
  await w.rm.admin.query(`create statistics members_email_role on email, role from ${t.members}`);
  await w.rm.admin.query(`create statistics members_lower_email on (lower(email)) from ${t.members}`);
  await w.rm.admin.query(`analyze ${t.members}; analyze ${t.audit}; analyze ${t.tenants}`);
});
afterAll(async () => w?.close());

const OUR_SCHEMAS = "n.nspname in ('tenancy', 'tenancy_private', 'projection_meta', 'analytics', 'internal') or n.nspname like 'rm\\_%'";

describe('statistics', () => {
  it('pg_stats shows nothing of the read-model tables (its values would be other tenants\')', async () => {
    expect(await w.rows('analystA', "select * from pg_stats where schemaname like 'rm\\_%'")).toEqual([]);
    expect(JSON.stringify(await w.rows('superuser', "select most_common_vals::text from pg_stats where schemaname like 'rm\\_%'"))).toContain('gx-');
  });

  it('pg_stats_ext shows nothing of the read-model tables', async () => {
    expect(await w.rows('analystA', "select * from pg_stats_ext where schemaname like 'rm\\_%'")).toEqual([]);
    expect((await w.rows('superuser', "select * from pg_stats_ext where schemaname like 'rm\\_%'")).length).toBeGreaterThan(0);
  });

  it('pg_stats_ext_exprs shows nothing of the read-model tables', async () => {
    expect(await w.rows('analystA', "select * from pg_stats_ext_exprs where schemaname like 'rm\\_%'")).toEqual([]);
    expect((await w.rows('superuser', "select * from pg_stats_ext_exprs where schemaname like 'rm\\_%'")).length).toBeGreaterThan(0);
  });

  it('ANALYZE by an analyst changes nothing it can see', async () => {
    await w.as('analystA', (c) => c.query(`analyze ${t.members}`));
    expect(await w.rows('analystA', "select * from pg_stats where schemaname like 'rm\\_%'")).toEqual([]);
  });

  const denied = (sql: () => string, pattern: RegExp) => async () => {
    w.expectDenied(await w.error('analystA', sql()), '42501', pattern);
    expect((await w.rows('superuser', sql())).length).toBeGreaterThan(0);
  };
  it('pg_statistic is refused', denied(() => 'select * from pg_statistic', /permission denied for table pg_statistic/));
  it('pg_statistic_ext_data is refused', denied(() => 'select * from pg_statistic_ext_data', /permission denied for table pg_statistic_ext_data/));
  it('pg_stat_user_tables (per-table row counters) is refused', denied(() => 'select * from pg_stat_user_tables', /permission denied for view pg_stat_user_tables/));
  it('pg_stat_all_tables is refused', denied(() => 'select * from pg_stat_all_tables', /permission denied for view pg_stat_all_tables/));
  it('pg_statio_user_tables is refused', denied(() => 'select * from pg_statio_user_tables', /permission denied for view pg_statio_user_tables/));
  it('pg_stat_user_indexes is refused', denied(() => 'select * from pg_stat_user_indexes', /permission denied for view pg_stat_user_indexes/));
  it('pg_stat_get_live_tuples(table) is refused', denied(() => `select pg_stat_get_live_tuples('${t.members}'::regclass)`, /permission denied for function pg_stat_get_live_tuples/));
  it('pg_stat_get_tuples_inserted(table) is refused', denied(() => `select pg_stat_get_tuples_inserted('${t.members}'::regclass)`, /permission denied for function pg_stat_get_tuples_inserted/));
  it('pg_relation_size(table) is refused', denied(() => `select pg_relation_size('${t.members}'::regclass)`, /permission denied for function pg_relation_size/));
  it('pg_total_relation_size(table) is refused', denied(() => `select pg_total_relation_size('${t.tenants}'::regclass)`, /permission denied for function pg_total_relation_size/));

  it('pg_stat_activity shows no other session\'s query text', async () => {
    const b = await w.connect('analystB');
    const running = b.query("select pg_sleep(1.5), 'gx-secret-query-text' as marker");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rows = await w.rows('analystA', 'select usename, query from pg_stat_activity');
    await running;
    expect(rows.length).toBeGreaterThan(1);
    w.expectNoForeign(rows.filter((r) => r['usename'] !== w.analysts.analystB.role));
    expect(JSON.stringify(rows)).not.toContain('gx-secret-query-text');
    expect(JSON.stringify(await w.rows('superuser', 'select query from pg_stat_activity'))).toBeTruthy();
  });
});

describe('catalogs', () => {
  it('role names and comments reveal no tenant and no analyst name', async () => {
    const rows = await w.rows('analystA', "select rolname, shobj_description(oid, 'pg_authid') as comment from pg_roles where starts_with(rolname, $1)", [`${w.rm.roles.prefix}_`]);
    expect(rows.length).toBeGreaterThanOrEqual(11);
    w.expectNoForeign(rows);
    const text = JSON.stringify(rows);
    for (const secret of [w.a.id, 'ann', 'ben', 'bella', 'audra']) expect(text).not.toContain(`_${secret}`);
    expect(rows.filter((r) => /_a_[0-9a-f]{12}$/.test(String(r['rolname'])))).toHaveLength(4);
  });

  it('pg_authid (password verifiers) is refused', async () => {
    w.expectDenied(await w.error('analystA', 'select * from pg_authid'), '42501', /permission denied for table pg_authid/);
  });

  it('schema, table and view names reveal no tenant', async () => {
    const rows = await w.rows('analystA', `select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where ${OUR_SCHEMAS}`);
    expect(rows.length).toBeGreaterThan(5);
    w.expectNoForeign(rows);
    expect(JSON.stringify(rows)).not.toContain(w.a.id);
  });

  it('policy and view definitions reveal no tenant', async () => {
    const rows = await w.rows('analystA', "select qual, with_check from pg_policies union all select definition, null from pg_views where schemaname = 'analytics'");
    expect(rows.length).toBeGreaterThan(5);
    w.expectNoForeign(rows);
    expect(JSON.stringify(rows)).not.toContain(w.a.id);
  });

  it('another session\'s palisade settings are not visible', async () => {
    const b = await w.connect('analystB');
    await b.query(`set palisade.tenant_id = '${w.b.id}'`);
    const rows = await w.rows('analystA', "select name, setting from pg_settings where name like 'palisade.%'");
    w.expectNoForeign(rows);
  });

  it('pg_largeobject is refused', async () => {
    w.expectDenied(await w.error('analystA', 'select * from pg_largeobject'), '42501', /permission denied for table pg_largeobject/);
  });
});

describe('sequences', () => {
  const SEQ = "pg_get_serial_sequence('projection_meta.bypass_uses', 'id')";
  let sequence: string;
  beforeAll(async () => {
    sequence = String((await w.rows('superuser', `select ${SEQ} as s`))[0]!['s']);
  });

  it('nextval on the projector\'s sequence is refused', async () => {
    w.expectDenied(await w.error('analystA', `select nextval('${sequence}')`), '42501', /permission denied for schema projection_meta/);
  });

  it('setval on the projector\'s sequence is refused', async () => {
    w.expectDenied(await w.error('analystA', `select setval('${sequence}', 1)`), '42501', /permission denied for schema projection_meta/);
  });

  it('reading the sequence relation is refused', async () => {
    w.expectDenied(await w.error('analystA', `select last_value from ${sequence}`), '42501', /permission denied for schema projection_meta/);
  });

  it('pg_sequence_last_value is refused', async () => {
    w.expectDenied(await w.error('analystA', `select pg_sequence_last_value('${sequence}'::regclass)`), '42501', /permission denied for schema projection_meta/);
  });

  it('pg_sequences shows no last value of any sequence', async () => {
    const rows = await w.rows('analystA', 'select schemaname, sequencename, last_value from pg_sequences');
    expect(rows.every((r) => r['last_value'] === null)).toBe(true);
    expect((await w.rows('superuser', 'select last_value from pg_sequences where last_value is not null')).length).toBeGreaterThan(0);
  });
});

describe('structure', () => {
  const q = (sql: string) => w.rows('superuser', sql);

  it('every table with a tenant_id column has row-level security enabled and forced', async () => {
    const rows = await q(`select n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity from pg_class c
      join pg_namespace n on n.oid = c.relnamespace join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
      where c.relkind in ('r', 'p') and (${OUR_SCHEMAS})`);
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(rows.filter((r) => !(r['relrowsecurity'] && r['relforcerowsecurity']))).toEqual([]);
  });

  it('every view in analytics and internal is security_invoker', async () => {
    const rows = await q("select c.oid::regclass::text as relname, c.reloptions from pg_class c where c.relnamespace in ('analytics'::regnamespace, 'internal'::regnamespace) and c.relkind = 'v'");
    expect(rows.map((r) => r['relname']).sort()).toEqual([
      'analytics.audit_log', 'analytics.chat_messages', 'analytics.conversations', 'analytics.member_role_changes', 'analytics.members', 'analytics.memories',
      'analytics.provider_keys', 'analytics.source_queries', 'analytics.sources', 'analytics.tenants', 'internal.chat_content', 'internal.secrets',
    ]);
    expect(rows.filter((r) => !(r['reloptions'] as string[] | null)?.includes('security_invoker=true'))).toEqual([]);
  });

  it('no function outside pg_catalog is LEAKPROOF', async () => {
    expect(await q("select p.oid::regprocedure::text as f from pg_proc p where p.proleakproof and p.pronamespace <> 'pg_catalog'::regnamespace")).toEqual([]);
  });

  it('every SECURITY DEFINER function pins search_path with pg_temp last and is not executable by PUBLIC', async () => {
    const rows = await q(`select p.oid::regprocedure::text as f, p.proconfig, p.proacl::text as acl from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where p.prosecdef and (${OUR_SCHEMAS})`);
    expect(rows.map((r) => r['f']).sort()).toEqual([
      'projection_meta.abandon_generation(text)', 'projection_meta.activate_generations(text[],integer)', 'projection_meta.begin_generation(text)',
      'projection_meta.drop_retired_generations(integer)', 'projection_meta.erase_tenant(text,integer,uuid,bigint)',
      'projection_meta.erase_user(text,integer,uuid,text,bigint)',
    ]);
    for (const r of rows) {
      expect(r['proconfig']).toEqual(['search_path=pg_catalog, pg_temp']);
      expect(String(r['acl'])).not.toMatch(/(^|[{,])=X/);
    }
  });

  it('every unique key and foreign key of a tenant table includes tenant_id', async () => {
    const rows = await q(`select k.conrelid::regclass::text as t, k.conname, pg_get_constraintdef(k.oid) as def from pg_constraint k
      join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
      where k.contype in ('p', 'u', 'f') and n.nspname like 'rm\\_%'`);
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(rows.filter((r) => !String(r['def']).includes('tenant_id'))).toEqual([]);
    expect((await q(`select indexrelid::regclass::text as i from pg_index x join pg_class c on c.oid = x.indrelid join pg_namespace n on n.oid = c.relnamespace
      where x.indisunique and n.nspname like 'rm\\_%' and not exists (select 1 from pg_attribute a where a.attrelid = x.indrelid and a.attnum = any(x.indkey) and a.attname = 'tenant_id')`))).toEqual([]);
  });

  it('no role of this database can log in as a superuser or bypass RLS, and only the owner owns objects', async () => {
    const roles = await q(`select rolname, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb from pg_roles where starts_with(rolname, '${w.rm.roles.prefix}_')`);
    expect(roles.length).toBeGreaterThanOrEqual(11);
    expect(roles.filter((r) => r['rolsuper'] || r['rolbypassrls'] || r['rolcreaterole'] || r['rolcreatedb'])).toEqual([]);
    const owners = await q(`select distinct pg_get_userbyid(c.relowner) as o from pg_class c join pg_namespace n on n.oid = c.relnamespace where ${OUR_SCHEMAS}`);
    expect(owners).toEqual([{ o: w.rm.roles.owner }]);
    const functionOwners = await q(`select distinct pg_get_userbyid(p.proowner) as o from pg_proc p join pg_namespace n on n.oid = p.pronamespace where ${OUR_SCHEMAS} order by 1`);
    expect(functionOwners.map((r) => r['o']).sort()).toEqual([w.rm.roles.eraser, w.rm.roles.owner].sort());
  });

  it('no role may UPDATE or DELETE audit rows except the eraser\'s DELETE (and its redaction of the columns that name a user)', async () => {
    const roles = ['app', 'analysts', 'auditors', 'projector', 'writer', 'eraser', 'owner'] as const;
    for (const kind of roles) {
      const role = w.rm.roles[kind];
      const [row] = await q(`select has_table_privilege('${role}', '${t.audit}', 'UPDATE') as u, has_table_privilege('${role}', '${t.audit}', 'DELETE') as d,
        has_table_privilege('${role}', '${t.audit}', 'TRUNCATE') as tr`);
      expect(row, kind).toEqual({ u: kind === 'owner', d: kind === 'eraser' || kind === 'owner', tr: kind === 'owner' });
      const columns = await q(`select a.attname from pg_attribute a where a.attrelid = '${t.audit}'::regclass and a.attnum > 0
        and has_column_privilege('${role}', a.attrelid, a.attnum, 'UPDATE') order by 1`);
      expect(columns.map((r) => r['attname']), kind).toEqual(kind === 'owner' ? expect.arrayContaining(['summary', 'hash']) : kind === 'eraser' ? ['actor_id', 'summary', 'target'] : []);
    }
    const triggers = await q(`select tgname from pg_trigger where tgrelid = '${t.audit}'::regclass order by 1`);
    expect(triggers.map((r) => r['tgname'])).toEqual(['audit_rows_are_append_only', 'audit_rows_are_never_truncated']);
  });

  it('the table owner changes no audit row (forced RLS gives it none)', async () => {
    const changed = await w.as('superuser', async (c: pg.Client) => {
      await c.query('begin');
      await c.query(`set local role "${w.rm.roles.owner}"`);
      const result = await c.query(`update ${t.audit} set summary = 'rewritten'`);
      await c.query('commit');
      return result.rowCount;
    });
    expect(changed).toBe(0);
    expect(await w.rows('superuser', `select 1 from ${t.audit} where summary = 'rewritten'`)).toEqual([]);
  });

  it('even the superuser cannot UPDATE, DELETE or TRUNCATE audit rows (the trigger refuses with PA403)', async () => {
    for (const sql of [`update ${t.audit} set summary = 'rewritten'`, `delete from ${t.audit}`, `truncate ${t.audit}`]) {
      const error = await w.error('superuser', sql);
      expect(error.code, sql).toBe('PA403');
    }
    expect((await w.rows('superuser', `select count(*)::int as n from ${t.audit}`))[0]!['n']).toBe(22);
  });
});
