// Isolation suite, part 4: the application role (bound per transaction with tenancy.bind) with
// a wrong, missing or stale tenant and through pooled connections, and the projector: its own
// role outside the wrapper, the wrapper without a proper tenant filter, the writer and eraser
// paths, and the deleted tenant. Each returns nothing of the other tenant or fails closed.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ProjectionError } from '../../projections/errors.ts';
import { grantAnalyst } from '../../projections/tenancy/analysts.ts';
import { AppReader } from '../../projections/tenancy/app-reader.ts';
import { AppReadError } from '../../projections/errors.ts';
import { asRole } from '../../adapters/postgres/roles.ts';
import { ProjectorTransaction, type ModelTarget } from '../../projections/writer/projector-transaction.ts';
import { liveTables, type LiveTables } from './support/schemas.ts';
import { TwoTenants } from './support/two-tenants.ts';
import { openPool } from '../../adapters/postgres/pool.ts';

let w: TwoTenants;
let t: LiveTables;
let members: ModelTarget;
let audit: ModelTarget;
let projectorPool: pg.Pool;
beforeAll(async () => {
  w = await TwoTenants.create();
  t = await liveTables(w);
  const gens = await w.rows('superuser', "select model, generation, schema_name from projection_meta.generations where state = 'active'");
  const target = (model: string): ModelTarget => {
    const g = gens.find((r) => r['model'] === model)!;
    return { model, generation: Number(g['generation']), schema: String(g['schema_name']) };
  };
  members = target('members');
  audit = target('audit');
  projectorPool = openPool({ ...asRole(w.rm.url, w.rm.roles.projector), max: 2 });
});
afterAll(async () => {
  await projectorPool?.end();
  await w?.close();
});

const MEMBERS = 'select tenant_id, user_id, email, role from analytics.members order by user_id';

/** As the app login: BEGIN, then `setup`, then `sql`, in one transaction. */
async function appRead(setup: (c: pg.Client) => Promise<unknown>, sql = MEMBERS, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  return w.as('app', async (c) => {
    await c.query('begin');
    await setup(c);
    const { rows } = await c.query(sql, values);
    await c.query('commit');
    return rows;
  });
}
const bind = (tenant: string, user?: string) => (c: pg.Client) => c.query('select tenancy.bind($1, $2)', [tenant, user ?? null]);

describe('the app role', () => {
  it('bound to A sees exactly A (the control)', async () => {
    w.expectOnlyA(await appRead(bind(w.a.id)), 6);
  });

  it('with no binding sees nothing in any view', async () => {
    for (const view of ['analytics.members', 'analytics.tenants', 'analytics.member_role_changes', 'analytics.audit_log'])
      expect(await appRead(async () => undefined, `select * from ${view}`), view).toEqual([]);
  });

  it('bound to an unknown tenant sees nothing', async () => {
    expect(await appRead(bind(randomUUID()))).toEqual([]);
  });

  it('with a malformed binding sees nothing and gets no error quoting it', async () => {
    expect(await appRead((c) => c.query("select set_config('palisade.tenant_id', 'x/' || $1 || ''' or true --', true)", [w.b.id]))).toEqual([]);
  });

  it('with a session-level SET of the raw tenant id sees nothing', async () => {
    expect(await appRead((c) => c.query(`set palisade.tenant_id = '${w.a.id}'`))).toEqual([]);
  });

  it('with a binding copied from an earlier transaction (stale stamp) sees nothing', async () => {
    const rows = await w.as('app', async (c) => {
      await c.query('begin');
      await bind(w.b.id)(c);
      const { rows: [saved] } = await c.query<{ v: string }>("select current_setting('palisade.tenant_id') as v");
      await c.query('commit');
      await c.query('begin');
      await c.query("select set_config('palisade.tenant_id', $1, true)", [saved!.v]);
      const { rows } = await c.query(MEMBERS);
      await c.query('commit');
      return rows;
    });
    expect(rows).toEqual([]);
  });

  it('sees nothing in the next transaction after binding with SET LOCAL semantics', async () => {
    const rows = await w.as('app', async (c) => {
      await c.query('begin');
      await bind(w.b.id)(c);
      expect((await c.query(MEMBERS)).rows.length).toBe(6);
      await c.query('commit');
      return (await c.query(MEMBERS)).rows;
    });
    expect(rows).toEqual([]);
  });

  it('binding outside a transaction block binds nothing for the next statement', async () => {
    const rows = await w.as('app', async (c) => {
      await bind(w.b.id)(c);
      return (await c.query(MEMBERS)).rows;
    });
    expect(rows).toEqual([]);
  });

  it('a binding rolled back to a savepoint is gone', async () => {
    expect(await appRead(async (c) => {
      await c.query('savepoint s');
      await bind(w.b.id)(c);
      await c.query('rollback to savepoint s');
    })).toEqual([]);
  });

  it('a prepared statement planned under A and executed under B returns only B', async () => {
    const rows = await w.as('app', async (c) => {
      await c.query('set plan_cache_mode = force_generic_plan');
      await c.query('prepare peek as select tenant_id, user_id from analytics.members');
      for (let i = 0; i < 6; i++) {
        await c.query('begin');
        await bind(w.a.id)(c);
        await c.query('execute peek');
        await c.query('commit');
      }
      await c.query('begin');
      await bind(w.b.id)(c);
      const { rows } = await c.query('execute peek');
      await c.query('commit');
      return rows;
    });
    expect(rows).toHaveLength(6);
    expect(rows.every((r) => r['tenant_id'] === w.b.id)).toBe(true);
  });

  it('SET ROLE to an analyst, the writer or the owner is refused', async () => {
    for (const role of [w.analysts.analystB.role, w.rm.roles.writer, w.rm.roles.owner, w.rm.roles.projector])
      w.expectDenied(await w.error('app', `set role "${role}"`), '42501', /permission denied to set role/);
  });

  it('SET SESSION AUTHORIZATION is refused', async () => {
    w.expectDenied(await w.error('app', `set session authorization "${w.rm.roles.projector}"`), '42501', /permission denied to set session authorization/);
  });

  it('cannot write any read model', async () => {
    w.expectDenied(await w.error('app', "update analytics.members set role = 'owner'"), '42501', /permission denied for view members/);
    w.expectDenied(await w.error('app', `delete from ${t.members}`), '42501', /permission denied for table members/);
  });

  it('cannot reach erase_tenant', async () => {
    w.expectDenied(await w.error('app', 'select projection_meta.erase_tenant($1, 1, $2, 1)', ['members', w.b.id]), '42501', /permission denied for schema projection_meta/);
  });

  it('with row_security off fails closed', async () => {
    const error = await w.as('app', async (c) => {
      await c.query('set row_security = off');
      await c.query('begin');
      await bind(w.a.id)(c);
      return c.query(MEMBERS).then(() => undefined, (e: pg.DatabaseError) => e);
    });
    w.expectDenied(error!, '42501', /query would be affected by row-level security policy/);
  });
});

describe('the app role and the audit views', () => {
  const auditRows = (user?: string) => appRead(bind(w.a.id, user), 'select tenant_id, seq, summary from analytics.audit_log');

  it('an owner of A sees A\'s audit log (the control)', async () => {
    w.expectOnlyA(await auditRows(w.a.owner), 11);
  });

  it('an admin of A sees A\'s audit log', async () => {
    w.expectOnlyA(await auditRows(w.a.admin), 11);
  });

  it('a promoted admin of A sees it, a demoted viewer does not', async () => {
    w.expectOnlyA(await auditRows('ac-frank'), 11);
    expect(await auditRows('ac-carol')).toEqual([]);
  });

  it('a viewer of A sees nothing', async () => {
    expect(await auditRows(w.a.viewer)).toEqual([]);
  });

  it('a removed member of A sees nothing', async () => {
    expect(await auditRows('ac-dave')).toEqual([]);
  });

  it('B\'s owner bound to tenant A sees nothing', async () => {
    expect(await auditRows(w.b.owner)).toEqual([]);
  });

  it('no bound user sees nothing', async () => {
    expect(await auditRows()).toEqual([]);
  });

  it('a session-level user setting is never honoured', async () => {
    expect(await appRead(async (c) => {
      await bind(w.a.id)(c);
      await c.query(`set palisade.user_id = '${w.a.owner}'`);
    }, 'select * from analytics.audit_log')).toEqual([]);
  });
});

describe('pooled connections', () => {
  it('a connection reused without reset carries no binding into the next transaction', async () => {
    const pool = openPool({ connectionString: w.urls.app, max: 1 });
    try {
      const first = await pool.connect();
      await first.query('begin');
      await first.query('select tenancy.bind($1)', [w.b.id]);
      await first.query(`set palisade.tenant_id = '${w.b.id}'`);
      await first.query('prepare reused as select tenant_id, email from analytics.members');
      await first.query('commit');
      first.release();
      const second = await pool.connect();
      expect((await second.query(MEMBERS)).rows).toEqual([]);
      expect((await second.query('execute reused')).rows).toEqual([]);
      await second.query('begin');
      await second.query('select tenancy.bind($1)', [w.a.id]);
      w.expectOnlyA((await second.query('execute reused')).rows, 6);
      await second.query('commit');
      second.release();
    } finally {
      await pool.end();
    }
  });

  it('AppReader resets the connection: a held cursor of one request is gone in the next', async () => {
    const reader = new AppReader(AppReader.pool(w.rm.url, w.rm.roles, 1));
    try {
      await reader.read({ tenantId: w.b.id }, async (q) => q.query('declare leftover cursor with hold for select * from analytics.members'));
      const error = await reader.read({ tenantId: w.a.id }, (q) => q.query('fetch all from leftover')).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(AppReadError);
      expect((error as AppReadError).sqlState).toBe('34000');
      w.expectOnlyA(await reader.read({ tenantId: w.a.id }, async (q) => (await q.query(MEMBERS)).rows), 6);
    } finally {
      await reader.close();
    }
  });

  it('AppReader: concurrent requests for A and B each see only their own tenant', async () => {
    const reader = new AppReader(AppReader.pool(w.rm.url, w.rm.roles, 4));
    try {
      const runs = await Promise.all(
        Array.from({ length: 20 }, (_, i) => {
          const tenantId = i % 2 === 0 ? w.a.id : w.b.id;
          return reader.read({ tenantId }, async (q) => ({ tenantId, rows: (await q.query('select tenant_id from analytics.members, pg_sleep(0.01)')).rows }));
        }),
      );
      for (const run of runs) {
        expect(run.rows.length).toBe(6);
        expect(run.rows.every((r) => r['tenant_id'] === run.tenantId)).toBe(true);
      }
    } finally {
      await reader.close();
    }
  });

  it('AppReader errors carry the SQLSTATE, never the server message that quotes row data', async () => {
    const reader = new AppReader(AppReader.pool(w.rm.url, w.rm.roles, 1));
    try {
      const error = await reader.read({ tenantId: w.a.id }, (q) => q.query('select email::int from analytics.members')).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(AppReadError);
      expect(error).toMatchObject({ code: 'READ_FAILED', sqlState: '22P02', message: 'read-model query failed (SQLSTATE 22P02)' });
      await expect(reader.read({ tenantId: 'not-a-uuid' }, async () => 1)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    } finally {
      await reader.close();
    }
  });
});

describe('the projector role outside the wrapper', () => {
  it('reads nothing of any tenant', async () => {
    w.expectDenied(await w.error('projector', `select * from ${t.members}`), '42501', /permission denied for schema rm_members_g\d+/);
    w.expectDenied(await w.error('projector', 'select * from analytics.members'), '42501', /permission denied for schema analytics/);
  });

  it('writes nothing', async () => {
    w.expectDenied(await w.error('projector', `insert into ${t.members} values ($1, 'gx-x', 'x@x', 'owner', 'active', now(), 1)`, [w.b.id]), '42501', /permission denied for schema rm_members_g\d+/);
  });

  it('cannot call erase_tenant itself (only as the writer, inside the wrapper)', async () => {
    w.expectDenied(await w.error('projector', 'select projection_meta.erase_tenant($1, $2, $3, 1)', ['members', members.generation, w.b.id]), '42501', /permission denied for function erase_tenant/);
  });
});

describe('the projector wrapper', () => {
  const uses = async () => Number((await w.rows('superuser', 'select count(*) as n from projection_meta.bypass_uses'))[0]!['n']);
  const count = async (table: string) => Number((await w.rows('superuser', `select count(*) as n from ${table}`))[0]!['n']);

  /** Runs one statement through the wrapper and returns the error; checks nothing changed or was recorded. */
  async function refused(text: string, tenants: readonly string[] = [w.a.id], reason = 'test.attack'): Promise<ProjectionError> {
    const [before, recorded] = [await count(t.members), await uses()];
    const error = await ProjectorTransaction.run(projectorPool, w.rm.roles, (tx) => tx.bypass(members, { reason, tenants, text })).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProjectionError);
    expect([await count(t.members), await uses()]).toEqual([before, recorded]);
    return error as ProjectionError;
  }
  const S = () => `"${members.schema}".members`;

  it('refuses a statement without a tenant filter', async () => {
    expect((await refused(`update ${S()} set role = 'owner'`)).code).toBe('BYPASS_WITHOUT_TENANT_FILTER');
  });

  it('refuses an empty tenant filter', async () => {
    expect((await refused(`update ${S()} set role = 'owner' where tenant_id = any($1::uuid[])`, [])).code).toBe('BYPASS_EMPTY_TENANT_FILTER');
  });

  it('refuses a tenant filter that is not a list of UUIDs', async () => {
    expect((await refused(`update ${S()} set role = 'owner' where tenant_id = any($1::uuid[])`, ["' or true --"])).code).toBe('BYPASS_INVALID_TENANT');
  });

  it('refuses a filter that only appears in a comment', async () => {
    expect((await refused(`update ${S()} set role = 'owner' -- where tenant_id = any($1::uuid[])`)).code).toBe('BYPASS_WITHOUT_TENANT_FILTER');
  });

  it('refuses a filter that only appears in a string literal', async () => {
    expect((await refused(`update ${S()} set email = 'where tenant_id = any($1::uuid[])'`)).code).toBe('BYPASS_WITHOUT_TENANT_FILTER');
  });

  it('refuses a filter widened by OR', async () => {
    expect((await refused(`update ${S()} set role = 'owner' where tenant_id = any($1::uuid[]) or true`)).code).toBe('BYPASS_WITHOUT_TENANT_FILTER');
  });

  it('refuses a filter on a joined source instead of the target table', async () => {
    expect((await refused(`update ${S()} m set role = 'owner' from unnest($1::uuid[]) as p(tenant_id) where p.tenant_id = any($1::uuid[])`)).code).toBe('BYPASS_WITHOUT_TENANT_FILTER');
  });

  it('refuses DDL and TRUNCATE', async () => {
    expect((await refused(`truncate ${S()}`)).code).toBe('BYPASS_NOT_DML');
    expect((await refused(`drop table ${S()}`)).code).toBe('BYPASS_NOT_DML');
  });

  it('refuses two statements in one', async () => {
    expect((await refused(`delete from ${S()} where tenant_id = any($1::uuid[]); delete from ${S()}`)).code).toBe('BYPASS_MULTIPLE_STATEMENTS');
  });

  it('refuses meta() on read-model tables', async () => {
    const error = await ProjectorTransaction.run(projectorPool, w.rm.roles, (tx) => tx.meta(`select * from ${S()}, projection_meta.offsets`)).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'META_STATEMENT_TOUCHES_READ_MODEL' });
  });

  it('a filtered statement touches only the named tenant, and its use is recorded', async () => {
    const recorded = await uses();
    const changed = await ProjectorTransaction.run(projectorPool, w.rm.roles, async (tx) => {
      const n = await tx.bypass(members, { reason: 'test.touch', tenants: [w.a.id], text: `update ${S()} set since = since where tenant_id = any($1::uuid[])` });
      return n;
    });
    expect(changed).toBe(6);
    const [use] = await w.rows('superuser', "select reason, tenant_count, row_count, model, generation from projection_meta.bypass_uses where reason = 'test.touch'");
    expect(use).toEqual({ reason: 'test.touch', tenant_count: 1, row_count: '6', model: 'members', generation: members.generation });
    expect(await uses()).toBe(recorded + 1);
  });

  it('a rolled-back use leaves no record and no change', async () => {
    const recorded = await uses();
    const error = await ProjectorTransaction.run(projectorPool, w.rm.roles, async (tx) => {
      await tx.bypass(members, { reason: 'test.rollback', tenants: [w.a.id], text: `update ${S()} set role = 'viewer' where tenant_id = any($1::uuid[])` });
      throw new Error('abort');
    }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(await uses()).toBe(recorded);
    expect(await w.rows('superuser', "select 1 from analytics.members where role = 'viewer' and tenant_id = $1 and user_id = $2", [w.a.id, w.a.owner])).toEqual([]);
  });

  it('RETURNING through the wrapper returns only the filtered tenant', async () => {
    let returned = 0;
    const error = await ProjectorTransaction.run(projectorPool, w.rm.roles, async (tx) => {
      returned = await tx.bypass(members, { reason: 'test.returning', tenants: [w.a.id], text: `update ${S()} set since = since where tenant_id = any($1::uuid[]) returning *` });
      throw new Error('rollback');
    }).then(() => undefined, (e: unknown) => e);
    expect(String(error)).toContain('rollback');
    expect(returned).toBe(6);
    expect(await count(t.members)).toBe(12);
  });

  it('cannot DELETE audit rows even with a tenant filter', async () => {
    const error = await ProjectorTransaction.run(projectorPool, w.rm.roles, (tx) =>
      tx.bypass(audit, { reason: 'test.audit', tenants: [w.a.id], text: `delete from "${audit.schema}".audit_log where tenant_id = any($1::uuid[])` })).then(() => undefined, (e: unknown) => e);
    w.expectDenied(error as pg.DatabaseError, '42501', /permission denied for table audit_log/);
  });

  it('cannot UPDATE audit rows even with a tenant filter', async () => {
    const error = await ProjectorTransaction.run(projectorPool, w.rm.roles, (tx) =>
      tx.bypass(audit, { reason: 'test.audit', tenants: [w.a.id], text: `update "${audit.schema}".audit_log set summary = 'x' where tenant_id = any($1::uuid[])` })).then(() => undefined, (e: unknown) => e);
    w.expectDenied(error as pg.DatabaseError, '42501', /permission denied for table audit_log/);
  });

  it('a duplicate audit row violates a key that names only the same tenant', async () => {
    const error = await ProjectorTransaction.run(projectorPool, w.rm.roles, (tx) =>
      tx.bypass(audit, {
        reason: 'test.duplicate', tenants: [w.a.id],
        text: `insert into "${audit.schema}".audit_log select * from "${audit.schema}".audit_log a where a.tenant_id = any($1::uuid[]) and a.seq = 1`,
      })).then(() => undefined, (e: unknown) => e);
    w.expectDenied(error as pg.DatabaseError, '23505', /duplicate key value violates unique constraint/);
    // Under row-level security PostgreSQL leaves the key values out of the message altogether.
    expect((error as pg.DatabaseError).detail).toBeUndefined();
  });

  it('a foreign key never resolves to another tenant\'s member', async () => {
    const error = await ProjectorTransaction.run(projectorPool, w.rm.roles, (tx) =>
      tx.bypass(members, {
        reason: 'test.fk', tenants: [w.a.id],
        text: `insert into "${members.schema}".role_changes select r.tenant_id, 999, $2, 'member', 'owner', now() from unnest($1::uuid[]) as r(tenant_id) where r.tenant_id = any($1::uuid[])`,
        values: [w.b.owner],
      })).then(() => undefined, (e: unknown) => e);
    expect((error as pg.DatabaseError).code).toBe('23503');
    expect((error as pg.DatabaseError).detail).toBe('Key is not present in table "members".');
  });

  it('erase_tenant through the wrapper deletes exactly one tenant\'s rows, audit included', async () => {
    const [aMembers, bMembers] = [await count(`${t.members} where tenant_id = '${w.a.id}'`), await count(`${t.members} where tenant_id = '${w.b.id}'`)];
    const error = await ProjectorTransaction.run(projectorPool, w.rm.roles, async (tx) => {
      expect(await tx.eraseTenant(members, w.a.id, 999)).toBe(aMembers + 2);
      expect(await tx.eraseTenant(audit, w.a.id, 999)).toBe(11);
      throw new Error('rollback: keep the fixture');
    }).then(() => undefined, (e: unknown) => e);
    expect(String(error)).toContain('rollback');
    expect(await count(`${t.members} where tenant_id = '${w.b.id}'`)).toBe(bMembers);
  });

  it('erase_tenant refuses a generation that is not live or being built', async () => {
    const error = await ProjectorTransaction.run(projectorPool, w.rm.roles, (tx) =>
      tx.eraseTenant({ ...members, generation: 999 }, w.b.id, 1)).then(() => undefined, (e: unknown) => e);
    expect((error as pg.DatabaseError).code).toBe('PA404');
    expect(await count(`${t.members} where tenant_id = '${w.b.id}'`)).toBeGreaterThan(0);
  });
});

describe('the deleted tenant', () => {
  it('has no row left in any read model, and a tombstone', async () => {
    for (const table of [t.tenants, t.members, t.roleChanges, t.audit]) expect(await w.rows('superuser', `select 1 from ${table} where tenant_id = $1`, [w.c.id]), table).toEqual([]);
    expect(await w.rows('superuser', 'select erased_seq from projection_meta.erased_tenants where tenant_id = $1', [w.c.id])).toEqual([{ erased_seq: '5' }]);
  });

  it('cannot be given an analyst', async () => {
    await expect(grantAnalyst(w.rm.url, { tenantId: w.c.id, name: 'late', audit: true })).rejects.toMatchObject({ code: 'ANALYST_TENANT_NOT_FOUND' });
  });

  it('the app bound to it sees nothing', async () => {
    expect(await appRead(bind(w.c.id, 'in-owner'), 'select * from analytics.audit_log')).toEqual([]);
    expect(await appRead(bind(w.c.id))).toEqual([]);
  });
});
