// The vault schema (migration 0012) is the processor's and the operator's alone: no tenancy role
// of the database (owner, projector, writer, eraser, app, analysts, auditors) has any privilege
// on any of its tables, nor USAGE on the schema; real logins (a tenant-bound analyst from
// `grantAnalyst`, an auditor, the app and projector roles with passwords, as in test/isolation)
// are refused at the schema. Structural checks from the catalog complete it.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../../adapters/postgres/database.ts';
import { grantAnalyst } from '../../projections/tenancy/analysts.ts';
import { ROLE_KINDS, loadRolesFrom, quoteIdent, type TenancyRoles } from '../../adapters/postgres/roles.ts';
import { randomPassword, scramSha256Verifier } from '../../projections/tenancy/scram.ts';
import { createTestDatabase, type TestDatabase } from '../support/stack.ts';

let db: TestDatabase;
let roles: TenancyRoles;
const logins: Record<'analyst' | 'auditor' | 'app' | 'projector', string> = { analyst: '', auditor: '', app: '', projector: '' };
let loginRoles: string[] = [];
/** Every role of this database (by its prefix: the 0002 kinds, later ones, the analyst logins). */
let databaseRoles: string[] = [];
/** Role kinds a later migration deliberately lets into the vault (none yet). Never app or analysts. */
const MAY_USE_VAULT: readonly string[] = [];
const tenantId = randomUUID();

beforeAll(async () => {
  db = await createTestDatabase();
  roles = await loadRolesFrom(db.url);
  await withClient(db.url, async (client) => {
    const { rows } = await client.query<{ schema_name: string }>("select schema_name from projection_meta.generations where model = 'tenants' and state = 'active'");
    await client.query(
      `insert into ${quoteIdent(rows[0]!.schema_name)}.tenants values ($1, 'Acme', 'ac-owner', 1, now(), 1, now())`,
      [tenantId],
    );
    // Something to find, were anything readable.
    await client.query(
      "insert into vault.deks values ($1, 'dek-ac-owner', 1, 'user', 'ac-owner', repeat('ab', 16), decode(repeat('00', 24), 'hex'), decode(repeat('00', 48), 'hex'), now())",
      [tenantId],
    );
    await client.query("insert into vault.destroyed_owners (tenant_id, user_id) values ($1, 'ac-gone')", [tenantId]);
  });
  const analyst = await grantAnalyst(db.url, { tenantId, name: 'ann', audit: false });
  const auditor = await grantAnalyst(db.url, { tenantId, name: 'audra', audit: true });
  logins.analyst = analyst.connectionString;
  logins.auditor = auditor.connectionString;
  loginRoles = [analyst.role, auditor.role];
  for (const kind of ['app', 'projector'] as const) {
    const password = randomPassword();
    await withClient(db.url, (client) => client.query(`alter role ${quoteIdent(roles[kind])} login password '${scramSha256Verifier(password)}'`));
    const url = new URL(db.url);
    url.username = roles[kind];
    url.password = password;
    logins[kind] = url.toString();
  }
  const { rows } = await withClient(db.url, (c) => c.query<{ rolname: string }>('select rolname from pg_roles where starts_with(rolname, $1) order by 1', [`${roles.prefix}_`]));
  databaseRoles = rows.map((r) => r.rolname).filter((r) => !MAY_USE_VAULT.some((kind) => r === `${roles.prefix}_${kind}`));
});
afterAll(async () => db?.drop());

async function errorAs(url: string, sql: string): Promise<pg.DatabaseError> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } catch (error) {
    return error as pg.DatabaseError;
  } finally {
    await client.end().catch(() => undefined);
  }
  throw new Error(`expected "${sql}" to fail`);
}

const TABLES = ['deks', 'destroyed_keys', 'destroyed_owners', 'intake_keys', 'open_counts'];

describe('vault schema privileges', () => {
  it('has exactly the documented tables', async () => {
    const rows = await withClient(db.url, (c) => c.query<{ relname: string }>("select relname from pg_class where relnamespace = 'vault'::regnamespace and relkind in ('r', 'p', 'v', 'm', 'f') order by 1"));
    expect(rows.rows.map((r) => r.relname)).toEqual(TABLES);
  });

  it('no role of the database (tenancy roles, analyst logins) has USAGE or CREATE on the schema', async () => {
    const all = databaseRoles;
    expect(all).toEqual(expect.arrayContaining([...ROLE_KINDS.map((k) => roles[k]), ...loginRoles]));
    const { rows } = await withClient(db.url, (c) =>
      c.query<{ role: string; usage: boolean; create: boolean }>(
        "select r as role, has_schema_privilege(r::name, 'vault', 'USAGE') as usage, has_schema_privilege(r::name, 'vault', 'CREATE') as create from unnest($1::text[]) r",
        [all],
      ),
    );
    expect(rows.length).toBeGreaterThanOrEqual(ROLE_KINDS.length + 2);
    expect(rows.filter((r) => r.usage || r.create)).toEqual([]);
    // And PUBLIC has nothing on it either (the ACL names only the owner).
    const acl = await withClient(db.url, (c) => c.query<{ acl: string | null }>("select nspacl::text as acl from pg_namespace where nspname = 'vault'"));
    expect(acl.rows[0]?.acl ?? '').not.toMatch(/(^|[{,])=/);
  });

  it('no role of the database has any privilege on any vault table or sequence', async () => {
    const all = databaseRoles;
    const { rows } = await withClient(db.url, (c) =>
      c.query<{ role: string; rel: string; privilege: string }>(
        `select r as role, c.oid::regclass::text as rel, p as privilege
         from unnest($1::text[]) r, pg_class c, unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
         where c.relnamespace = 'vault'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f')
           and has_table_privilege(r::name, c.oid, p)
         union all
         select r, c.oid::regclass::text, p
         from unnest($1::text[]) r, pg_class c, unnest(array['USAGE', 'SELECT', 'UPDATE']) p
         where c.relnamespace = 'vault'::regnamespace and c.relkind = 'S' and has_sequence_privilege(r::name, c.oid, p)`,
        [all],
      ),
    );
    expect(rows).toEqual([]);
    const acls = await withClient(db.url, (c) => c.query<{ acl: string | null }>("select relacl::text as acl from pg_class where relnamespace = 'vault'::regnamespace"));
    for (const { acl } of acls.rows) expect(acl ?? '').not.toMatch(/(^|[{,])=/); // nothing for PUBLIC
  });

  for (const who of ['analyst', 'auditor', 'app', 'projector'] as const) {
    it(`the ${who} login is refused at the schema, for every table`, async () => {
      for (const table of TABLES) {
        const error = await errorAs(logins[who], `select * from vault.${table}`);
        expect(error.code, `${who} ${table}`).toBe('42501');
        expect(error.message).toMatch(/permission denied for schema vault/);
      }
      const insert = await errorAs(logins[who], "insert into vault.destroyed_owners (tenant_id) values (gen_random_uuid())");
      expect(insert.code).toBe('42501');
    });
  }

  it('the superuser (the processor and operator) does read it: the refusals are not an empty schema', async () => {
    const { rows } = await withClient(db.url, (c) => c.query('select count(*)::int as n from vault.deks'));
    expect(rows[0]).toEqual({ n: 1 });
  });
});
