// What a read model is in the catalog, comparable across models: its active generation's tables
// (RLS flags, owner, grants), columns (with column grants), constraints, indexes, policies,
// triggers and schema grants, with the generation schema's name replaced by <gen>; its views'
// grants, options and definitions; its row in projection_meta.models. And the column list of a
// hand-written model's table read back from the catalog, to define its twin through
// projection_meta.define_read_model (migration 0021) without copying the migration's text.
import type pg from 'pg';

export interface ModelPicture {
  readonly readerKinds: string;
  readonly catalog: Record<string, unknown[]>;
  readonly views: unknown[];
}

const IN_SCHEMA: Record<string, string> = {
  schema: 'select pg_get_userbyid(nspowner) as owner, nspacl::text as acl from pg_namespace where nspname = $1',
  tables: `select c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) as owner, c.relacl::text as acl
    from pg_class c where c.relnamespace = $1::regnamespace and c.relkind in ('r', 'p') order by 1`,
  columns: `select c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull, a.attacl::text as acl
    from pg_attribute a join pg_class c on c.oid = a.attrelid
    where c.relnamespace = $1::regnamespace and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped order by 1, 2`,
  constraints: `select c.relname, k.conname, pg_get_constraintdef(k.oid) as def from pg_constraint k join pg_class c on c.oid = k.conrelid
    where c.relnamespace = $1::regnamespace order by 1, 2`,
  indexes: 'select tablename, indexname, indexdef from pg_indexes where schemaname = $1 order by 1, 2',
  policies: 'select tablename, policyname, permissive, roles::text, cmd, qual, with_check from pg_policies where schemaname = $1 order by 1, 2',
  triggers: `select c.relname, t.tgname, pg_get_triggerdef(t.oid) as def from pg_trigger t join pg_class c on c.oid = t.tgrelid
    where c.relnamespace = $1::regnamespace and not t.tgisinternal order by 1, 2`,
};

async function activeSchema(q: pg.ClientBase, model: string): Promise<string> {
  const { rows } = await q.query<{ s: string }>("select schema_name as s from projection_meta.generations where model = $1 and state = 'active'", [model]);
  if (rows[0] === undefined) throw new Error(`read model ${model} has no active generation`);
  return rows[0].s;
}

/** The picture of `model`; `views` are its views, in the order to compare them in. */
export async function modelPicture(q: pg.ClientBase, model: string, views: readonly string[]): Promise<ModelPicture> {
  const schema = await activeSchema(q, model);
  const normal = (rows: unknown[]) => rows.map((row) => JSON.parse(JSON.stringify(row).split(schema).join('<gen>')) as unknown);
  const catalog: Record<string, unknown[]> = {};
  for (const [name, sql] of Object.entries(IN_SCHEMA)) catalog[name] = normal((await q.query(sql, [schema])).rows);
  const viewRows: unknown[] = [];
  for (const view of views) {
    const { rows } = await q.query(`select pg_get_userbyid(c.relowner) as owner, c.relacl::text as acl, c.reloptions::text as options,
      pg_get_viewdef(c.oid) as def from pg_class c where c.oid = $1::regclass`, [view]);
    viewRows.push(...normal(rows));
  }
  const { rows } = await q.query<{ k: string }>('select reader_kinds::text as k from projection_meta.models where name = $1', [model]);
  return { readerKinds: rows[0]?.k ?? '', catalog, views: viewRows };
}

/**
 * `table`'s columns and constraints in `model`'s active generation, as define_read_model's
 * p_columns (a reference to the generation's own tables becomes %1$I), and its other indexes
 * as p_indexes.
 */
export async function columnsOf(q: pg.ClientBase, model: string, table: string): Promise<{ columns: string; indexes: string[] }> {
  const schema = await activeSchema(q, model);
  const relation = `${schema}.${table}`;
  const columns = await q.query<{ line: string }>(`select format('%I %s%s', a.attname, format_type(a.atttypid, a.atttypmod),
      case when a.attnotnull then ' not null' else '' end) as line
    from pg_attribute a where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`, [relation]);
  // Primary key first: a foreign key needs the referenced key to exist in the same statement order.
  const constraints = await q.query<{ line: string }>(`select pg_get_constraintdef(k.oid) as line from pg_constraint k
    where k.conrelid = $1::regclass order by k.contype <> 'p', k.conname`, [relation]);
  const indexes = await q.query<{ def: string }>(`select indexdef as def from pg_indexes i where i.schemaname = $1 and i.tablename = $2
    and not exists (select 1 from pg_constraint k where k.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass) order by indexname`, [schema, table]);
  const lines = [...columns.rows, ...constraints.rows].map((r) => r.line.replaceAll('%', '%%').split(`${schema}.`).join('%1$I.'));
  return {
    columns: lines.join(',\n'),
    indexes: indexes.rows.map((r) => {
      const m = /^CREATE INDEX (\S+) ON \S+ USING btree (\(.+\))$/.exec(r.def);
      if (m === null) throw new Error(`unexpected index ${r.def}`);
      return `${m[1]} ${m[2]}`;
    }),
  };
}
