// projection_meta.define_read_model (migration 0021) does what the read-model migrations did by
// hand. In a fresh database every hand-written model gets a twin defined through the helper from
// its tables' columns: the twin's generation (tables, RLS, grants, column grants, constraints,
// indexes, policies, triggers, schema grants), views and reader kinds equal the original's, the
// generation schema's name and the app's policy names aside. Then, as the real logins, three
// twins are under forced RLS and show no other tenant's rows, and the helper refuses what it must.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPool } from '../../adapters/postgres/pool.ts';
import { asRole, loadRolesFrom, quoteIdent, type TenancyRoles } from '../../adapters/postgres/roles.ts';
import { openerRole } from '../../consumers/vault/secrets-reader.ts';
import { grantAnalyst } from '../../projections/tenancy/analysts.ts';
import { randomPassword, scramSha256Verifier } from '../../projections/tenancy/scram.ts';
import { ProjectorTransaction } from '../../projections/writer/projector-transaction.ts';
import { createTestDatabase, type TestDatabase } from '../support/stack.ts';
import { columnsOf, modelPicture } from './support/model-picture.ts';

interface Twin {
  readonly model: string;
  readonly readers: string;
  /** Per table: define_read_model options, and the original's view. */
  readonly tables: Record<string, { readonly options: string; readonly view: string }>;
}

const TWINS: readonly Twin[] = [
  { model: 'tenants', readers: "array['app', 'analysts']", tables: { tenants: { options: "p_tenant_readers => array['app', 'analysts']", view: 'analytics.tenants' } } },
  {
    model: 'members', readers: "array['app', 'analysts']", tables: {
      members: { options: "p_tenant_readers => array['app', 'analysts']", view: 'analytics.members' },
      role_changes: { options: "p_tenant_readers => array['app', 'analysts'], p_view => 'twin_member_role_changes'", view: 'analytics.member_role_changes' },
    },
  },
  {
    model: 'audit', readers: "array['app', 'auditors']", tables: {
      audit_log: {
        options: "p_tenant_readers => array['app', 'auditors'], p_audit => true, p_view_columns => " +
          "'tenant_id, seq, type, actor_kind, actor_id, target, occurred_at, hash, prev_hash, summary, event_id, command_id, schema_version'",
        view: 'analytics.audit_log',
      },
    },
  },
  {
    model: 'sources', readers: "array['app', 'analysts']",
    tables: { sources: { options: "p_tenant_readers => array['analysts'], p_app_rows => 'own_or_manager', p_user_column => 'owner_id'", view: 'analytics.sources' } },
  },
  {
    model: 'source_queries', readers: "array['app', 'auditors']", tables: {
      source_queries: { options: "p_tenant_readers => array['auditors'], p_app_rows => 'own_or_manager', p_user_column => 'owner_id'", view: 'analytics.source_queries' },
    },
  },
  { model: 'provider_keys', readers: "array['app']", tables: { provider_keys: { options: "p_app_rows => 'own', p_writer_deletes => true", view: 'analytics.provider_keys' } } },
  { model: 'secrets', readers: "array['opener']", tables: { secrets: { options: 'p_writer_deletes => true', view: 'internal.secrets' } } },
  {
    model: 'conversations', readers: "array['app', 'analysts']", tables: {
      conversations: { options: "p_tenant_readers => array['analysts'], p_app_rows => 'own_or_manager'", view: 'analytics.conversations' },
      chat_messages: { options: "p_tenant_readers => array['analysts'], p_app_rows => 'own_or_manager'", view: 'analytics.chat_messages' },
    },
  },
  {
    model: 'memories', readers: "array['app']", tables: {
      memories: { options: "p_app_rows => 'own', p_writer_deletes => true, p_view_columns => 'tenant_id, user_id, memory_id, bytes, stored_at, last_seq'", view: 'analytics.memories' },
    },
  },
  { model: 'chat_content', readers: "array['opener']", tables: { chat_content: { options: 'p_writer_deletes => true', view: 'internal.chat_content' } } },
];

/** The twin's view of the original `view` (named after the table unless p_view says otherwise). */
const twinView = (twin: Twin, table: string) => {
  const { options, view } = twin.tables[table]!;
  return `${view.split('.')[0]}.${/p_view => '(\w+)'/.exec(options)?.[1] ?? `twin_${table}`}`;
};
/** The hand-written models named their app policies after what they guard; the helper has two names. */
const HELPER_POLICY_NAMES: Record<string, string> = { owner_or_manager: 'own_or_manager', own_keys_only: 'own_rows_only', own_memories_only: 'own_rows_only' };

let db: TestDatabase;
let roles: TenancyRoles;
let admin: pg.Client;
const pools: pg.Pool[] = [];

/** Runs `sql` as the owner role, as a migration does. */
async function asOwner(sql: string): Promise<void> {
  await admin.query('begin');
  try {
    await admin.query('select set_config($1, tenancy.role_name($2), true)', ['role', 'owner']);
    await admin.query(sql);
    await admin.query('commit');
  } catch (error) {
    await admin.query('rollback');
    throw error;
  }
}

async function defineTwin(twin: Twin): Promise<void> {
  const tables: string[] = [];
  for (const [table, { options }] of Object.entries(twin.tables)) {
    const { columns, indexes } = await columnsOf(admin, twin.model, table);
    const view = /p_view => /.test(options) ? '' : `, p_view => 'twin_${table}'`;
    tables.push(`projection_meta.read_model_table('${table}', $c$${columns}$c$, ${options}${view}, p_indexes => array[${indexes.map((i) => `'${i}'`).join(', ')}]::text[])`);
  }
  await asOwner(`select projection_meta.define_read_model('twin_${twin.model}', ${twin.readers}, array[${tables.join(', ')}])`);
}

beforeAll(async () => {
  db = await createTestDatabase();
  roles = await loadRolesFrom(db.url);
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  for (const twin of TWINS) await defineTwin(twin);
});
afterAll(async () => {
  for (const pool of pools) await pool.end().catch(() => undefined);
  await admin?.end().catch(() => undefined);
  await db?.drop();
});

describe('a read model defined with define_read_model', () => {
  it.each(TWINS.map((t) => [t.model, t] as const))('%s: its twin has the same tables, grants, policies, triggers and views', async (model, twin) => {
    const original = await modelPicture(admin, model, Object.values(twin.tables).map((t) => t.view));
    const defined = await modelPicture(admin, `twin_${model}`, Object.keys(twin.tables).map((table) => twinView(twin, table)));
    const renamed = JSON.parse(JSON.stringify(original.catalog, (key, value: unknown) =>
      key === 'policyname' ? HELPER_POLICY_NAMES[String(value)] ?? value : value)) as Record<string, unknown[]>;
    // Not two empty pictures: a table, its three standard policies at least, grants to readers.
    expect(original.catalog['tables']!.length).toBe(Object.keys(twin.tables).length);
    expect(original.catalog['policies']!.length).toBeGreaterThanOrEqual(3 * Object.keys(twin.tables).length);
    expect(JSON.stringify(original.views)).toContain(`${roles.prefix}_`);
    expect(defined.catalog).toEqual(renamed);
    expect(defined.views).toEqual(original.views);
    expect(defined.readerKinds).toBe(original.readerKinds);
  });

  it('is registered like the others: a generation, active at once, and its functions in projection_meta.models', async () => {
    const { rows } = await admin.query("select model, generation, state from projection_meta.generations where model like 'twin\\_%' order by 1");
    expect(rows).toEqual(TWINS.map((t) => ({ model: `twin_${t.model}`, generation: 1, state: 'active' })).sort((a, b) => a.model.localeCompare(b.model)));
    const models = await admin.query("select create_tables::text as c, define_views::text as v from projection_meta.models where name = 'twin_sources'");
    expect(models.rows).toEqual([{ c: 'projection_meta.twin_sources_create_tables(name)', v: 'projection_meta.twin_sources_define_views(name)' }]);
  });
});

describe('as the real logins', () => {
  const A = randomUUID();
  const B = randomUUID();
  const urls: Record<'app' | 'opener' | 'analystA', string> = { app: '', opener: '', analystA: '' };

  async function login(role: string): Promise<string> {
    const password = randomPassword();
    await admin.query(`alter role ${quoteIdent(role)} login password '${scramSha256Verifier(password)}'`);
    const url = new URL(db.url);
    url.username = role;
    url.password = password;
    return url.toString();
  }

  /** The rows of `sql` in a fresh session of `url`, in one transaction bound to (tenant, user) when given. */
  async function rowsAs(url: string, sql: string, bind?: [string, string]): Promise<Record<string, unknown>[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('begin');
      if (bind !== undefined) await client.query('select tenancy.bind($1, $2)', bind);
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }

  async function errorAs(url: string, sql: string): Promise<string | undefined> {
    return rowsAs(url, sql).then(() => undefined, (error: unknown) => (error as { code?: string }).code);
  }

  beforeAll(async () => {
    const live = async (model: string) => quoteIdent((await admin.query("select schema_name as s from projection_meta.generations where model = $1 and state = 'active'", [model])).rows[0].s);
    await admin.query(`insert into ${await live('tenants')}.tenants values ($1, 'Acme', 'ac-owner', 2, now(), 2, now()), ($2, 'Globex', 'gx-owner', 1, now(), 1, now())`, [A, B]);
    await admin.query(`insert into ${await live('members')}.members values ($1, 'ac-owner', 'o@acme', 'owner', 'active', now(), 1), ($1, 'ac-alice', 'a@acme', 'member', 'active', now(), 2)`, [A]);
    // The projector writes the twins through its wrapper, as the writer role.
    const projector = openPool(asRole(db.url, roles.projector));
    pools.push(projector);
    await ProjectorTransaction.run(projector, roles, async (tx) => {
      const target = (model: string) => ({ model, generation: 1, schema: `rm_${model}_g1` });
      await tx.bypass(target('twin_sources'), {
        reason: 'twin.sources', tenants: [A, B],
        text: `insert into rm_twin_sources_g1.sources select r.tenant_id, r.source_id, r.owner_id, 'postgres', r.source_id, 'connected', 1, 'v2', now(), null, null, null, null, 0, 1
               from unnest($2::uuid[], $3::text[], $4::text[]) as r(tenant_id, source_id, owner_id) where r.tenant_id = any($1::uuid[])`,
        values: [[A, A, B], ['ac-s1', 'ac-s2', 'gx-s1'], ['ac-alice', 'ac-owner', 'gx-alice']],
      });
      await tx.bypass(target('twin_provider_keys'), {
        reason: 'twin.provider_keys', tenants: [A, B],
        text: `insert into rm_twin_provider_keys_g1.provider_keys select r.tenant_id, r.user_id, r.provider, 'sk-…1234', 1, 'v2', now(), null, 1
               from unnest($2::uuid[], $3::text[], $4::text[]) as r(tenant_id, user_id, provider) where r.tenant_id = any($1::uuid[])`,
        values: [[A, A, A, B], ['ac-alice', 'ac-alice', 'ac-owner', 'gx-alice'], ['anthropic', 'openai', 'anthropic', 'anthropic']],
      });
      const deleted = await tx.bypass(target('twin_provider_keys'), {
        reason: 'twin.provider_keys_delete', tenants: [A],
        text: "delete from rm_twin_provider_keys_g1.provider_keys k where k.provider = 'openai' and k.tenant_id = any($1::uuid[])",
      });
      expect(deleted).toBe(1);
      await tx.bypass(target('twin_secrets'), {
        reason: 'twin.secrets', tenants: [A, B],
        text: `insert into rm_twin_secrets_g1.secrets select r.tenant_id, r.owner_id, 'provider-key', 'anthropic', 1, 'legacy', null, 'salt:iv:ct', now(), 1
               from unnest($2::uuid[], $3::text[]) as r(tenant_id, owner_id) where r.tenant_id = any($1::uuid[])`,
        values: [[A, B], ['ac-alice', 'gx-alice']],
      });
    });
    urls.app = await login(roles.app);
    urls.opener = await login(openerRole(roles));
    urls.analystA = (await grantAnalyst(db.url, { tenantId: A, name: 'ann', audit: false })).connectionString;
  });

  it('row-level security is forced: even the tables\' owner sees none of their rows', async () => {
    const { rows } = await admin.query(`select c.relname, c.relrowsecurity and c.relforcerowsecurity as forced from pg_class c
      where c.relnamespace in ('rm_twin_sources_g1'::regnamespace, 'rm_twin_provider_keys_g1'::regnamespace, 'rm_twin_secrets_g1'::regnamespace) and c.relkind = 'r' order by 1`);
    expect(rows).toEqual([{ relname: 'provider_keys', forced: true }, { relname: 'secrets', forced: true }, { relname: 'sources', forced: true }]);
    await admin.query('begin');
    await admin.query(`set local role ${quoteIdent(roles.owner)}`);
    const owned = await admin.query('select (select count(*) from rm_twin_sources_g1.sources)::int as s, (select count(*) from rm_twin_secrets_g1.secrets)::int as k');
    await admin.query('rollback');
    expect(owned.rows).toEqual([{ s: 0, k: 0 }]);
    expect((await admin.query('select count(*)::int as n from rm_twin_sources_g1.sources')).rows).toEqual([{ n: 3 }]);
  });

  it('an analyst sees their tenant\'s rows and nothing of another tenant, through the view or the table', async () => {
    for (const relation of ['analytics.twin_sources', 'rm_twin_sources_g1.sources']) {
      const rows = await rowsAs(urls.analystA, `select tenant_id, source_id from ${relation} order by source_id`);
      expect(rows, relation).toEqual([{ tenant_id: A, source_id: 'ac-s1' }, { tenant_id: A, source_id: 'ac-s2' }]);
      expect(await rowsAs(urls.analystA, `select * from ${relation} where tenant_id = '${B}'`), relation).toEqual([]);
    }
    expect(await errorAs(urls.analystA, 'select * from analytics.twin_provider_keys')).toBe('42501');
    expect(await errorAs(urls.analystA, 'select * from internal.twin_secrets')).toBe('42501');
  });

  it('the app sees the bound user\'s own rows, a manager the tenant\'s, and nobody another tenant\'s', async () => {
    const sources = 'select source_id from analytics.twin_sources order by 1';
    expect(await rowsAs(urls.app, sources, [A, 'ac-alice'])).toEqual([{ source_id: 'ac-s1' }]);
    expect(await rowsAs(urls.app, sources, [A, 'ac-owner'])).toEqual([{ source_id: 'ac-s1' }, { source_id: 'ac-s2' }]);
    expect(await rowsAs(urls.app, sources, [B, 'ac-owner'])).toEqual([]);
    expect(await rowsAs(urls.app, sources)).toEqual([]);
    const keys = 'select user_id, provider from analytics.twin_provider_keys order by 1, 2';
    expect(await rowsAs(urls.app, keys, [A, 'ac-alice'])).toEqual([{ user_id: 'ac-alice', provider: 'anthropic' }]);
    expect(await rowsAs(urls.app, keys, [A, 'ac-owner'])).toEqual([{ user_id: 'ac-owner', provider: 'anthropic' }]);
    expect(await rowsAs(urls.app, keys, [B, 'ac-alice'])).toEqual([]);
    expect(await errorAs(urls.app, 'select * from internal.twin_secrets')).toBe('42501');
  });

  it('an internal model is read by the opener only', async () => {
    expect(await rowsAs(urls.opener, 'select owner_id from internal.twin_secrets order by 1')).toEqual([{ owner_id: 'ac-alice' }, { owner_id: 'gx-alice' }]);
    expect(await errorAs(urls.opener, 'select * from analytics.twin_sources')).toBe('42501');
  });
});

describe('define_read_model refuses', () => {
  const table = "projection_meta.read_model_table('widgets', 'tenant_id uuid not null, primary key (tenant_id)')";
  const refusal = (sql: string) => asOwner(sql).then(() => undefined, (error: unknown) => (error as { code?: string }).code);

  it('to run as anyone but the owner role (what it makes must be the owner\'s)', async () => {
    const error = await admin.query(`select projection_meta.define_read_model('widgets', array['app'], array[${table}])`).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('42501');
  });

  it('readers it does not know, the opener beside others, a table reader the model lacks, an app policy on an internal model', async () => {
    expect(await refusal(`select projection_meta.define_read_model('widgets', array['everyone'], array[${table}])`)).toBe('22023');
    expect(await refusal(`select projection_meta.define_read_model('widgets', array['app', 'opener'], array[${table}])`)).toBe('22023');
    expect(await refusal(`select projection_meta.define_read_model('widgets', array['app'], array[projection_meta.read_model_table('widgets', 'tenant_id uuid not null', p_tenant_readers => array['analysts'])])`)).toBe('22023');
    expect(await refusal(`select projection_meta.define_read_model('widgets', array['opener'], array[projection_meta.read_model_table('widgets', 'tenant_id uuid not null', p_app_rows => 'own')])`)).toBe('22023');
  });

  it('a table without a tenant_id column (secure_tenant_table, PA422), and leaves nothing behind', async () => {
    expect(await refusal(`select projection_meta.define_read_model('widgets', array['app'], array[projection_meta.read_model_table('widgets', 'id uuid not null', p_tenant_readers => array['app'])])`)).toBe('PA422');
    expect((await admin.query("select count(*)::int as n from projection_meta.models where name = 'widgets'")).rows).toEqual([{ n: 0 }]);
  });
});
