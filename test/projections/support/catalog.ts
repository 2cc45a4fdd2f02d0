// A comparable picture of a database's schema (pg-boss style): every schema, relation, column,
// constraint, index, view, function, policy, trigger, grant, and this database's roles with
// their attributes and memberships. Names that differ per database (the role prefix, the
// database name) are replaced by placeholders, so two databases can be compared with toEqual.
import pg from 'pg';
import { rolePrefixFor } from '../../../adapters/postgres/roles.ts';

const OURS = "nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and nspname not like 'pg\\_temp%' and nspname not like 'pg\\_toast\\_temp%'";

const QUERIES: Record<string, string> = {
  schemas: `select nspname, pg_get_userbyid(nspowner) as owner, nspacl::text as acl from pg_namespace where ${OURS} order by 1`,
  relations: `select n.nspname, c.relname, c.relkind, pg_get_userbyid(c.relowner) as owner, c.relacl::text as acl, c.reloptions::text as options,
      c.relrowsecurity, c.relforcerowsecurity from pg_class c join pg_namespace n on n.oid = c.relnamespace where ${OURS} and c.relkind <> 'i' order by 1, 2`,
  columns: `select n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull, pg_get_expr(d.adbin, d.adrelid) as def,
      a.attidentity, row_number() over (partition by c.oid order by a.attnum) as position, a.attacl::text as acl
      from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
      left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where ${OURS} and a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'v', 'p') order by 1, 2, a.attnum`,
  constraints: `select n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid) as def from pg_constraint k join pg_class c on c.oid = k.conrelid
      join pg_namespace n on n.oid = c.relnamespace where ${OURS} order by 1, 2, 3`,
  indexes: `select schemaname, tablename, indexname, indexdef from pg_indexes where schemaname not in ('pg_catalog', 'information_schema') order by 1, 2, 3`,
  views: `select schemaname, viewname, definition from pg_views where schemaname not in ('pg_catalog', 'information_schema') order by 1, 2`,
  functions: `select n.nspname, p.oid::regprocedure::text as signature, pg_get_functiondef(p.oid) as def, pg_get_userbyid(p.proowner) as owner,
      p.proacl::text as acl, p.prosecdef, p.proleakproof, p.provolatile, p.proconfig::text as config
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace where ${OURS} order by 1, 2`,
  policies: `select schemaname, tablename, policyname, permissive, roles::text, cmd, qual, with_check from pg_policies order by 1, 2, 3`,
  triggers: `select tgrelid::regclass::text as rel, tgname, pg_get_triggerdef(oid) as def from pg_trigger where not tgisinternal order by 1, 2`,
  sequences: `select schemaname, sequencename, data_type::text, start_value, increment_by, cycle from pg_sequences order by 1, 2`,
  defaultAcls: `select pg_get_userbyid(defaclrole) as role, defaclnamespace::regnamespace::text as ns, defaclobjtype, defaclacl::text as acl from pg_default_acl order by 1, 2, 3`,
  catalogGrants: `select c.relname, c.relacl::text as acl from pg_class c where c.relnamespace = 'pg_catalog'::regnamespace and c.relacl is not null order by 1`,
  catalogFunctionGrants: `select p.oid::regprocedure::text as f, p.proacl::text as acl from pg_proc p where p.pronamespace = 'pg_catalog'::regnamespace and p.proacl is not null order by 1`,
  database: `select datacl::text as acl from pg_database where datname = current_database()`,
  roles: `select r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolbypassrls, r.rolconnlimit,
      shobj_description(r.oid, 'pg_authid') as comment,
      array(select g.rolname || ':' || m.inherit_option || ':' || m.set_option from pg_auth_members m join pg_roles g on g.oid = m.roleid where m.member = r.oid order by 1)::text as member_of
      from pg_roles r where starts_with(r.rolname, $1) order by 1`,
  models: `select name, create_tables::text, define_views::text, reader_kinds::text from projection_meta.models order by 1`,
  generations: `select model, generation, schema_name, state from projection_meta.generations order by 1, 2`,
  installation: `select role_prefix, database_name from tenancy.installation`,
};

export type CatalogSnapshot = Record<string, unknown[]>;

export async function catalogSnapshot(url: string): Promise<CatalogSnapshot> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const database = String((await client.query('select current_database() as d')).rows[0].d);
    const prefix = rolePrefixFor(database);
    const snapshot: CatalogSnapshot = {};
    for (const [name, sql] of Object.entries(QUERIES)) {
      const { rows } = await client.query(sql, sql.includes('$1') ? [`${prefix}_`] : []);
      // Replace the per-database names everywhere, then sort (order of rows is not the point).
      snapshot[name] = rows
        .map((row) => JSON.stringify(row).split(`${prefix}_`).join('<prefix>_').split(database).join('<database>').split(`"${prefix}"`).join('"<prefix>"'))
        .sort();
    }
    return snapshot;
  } finally {
    await client.end();
  }
}
