// Isolation suite, part 2: plain SQL as tenant A's analyst (and auditor) against everything the
// read models expose: tables, views, functions, COPY, cursors, prepared statements, joins and
// CTEs, writes with RETURNING, TRUNCATE and locks, LISTEN/NOTIFY, and error messages. Each test
// returns exactly A's rows or fails with a stable SQLSTATE whose text names nothing of B.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { copyIn, copyOut } from '../../projections/pg-copy.ts';
import { liveTables, type LiveTables } from './support/schemas.ts';
import { TwoTenants } from './support/two-tenants.ts';

let w: TwoTenants;
let t: LiveTables;
beforeAll(async () => {
  w = await TwoTenants.create();
  t = await liveTables(w);
});
afterAll(async () => w?.close());

/** The same query as B's analyst returns B's rows: the data an attack aimed at exists. */
async function controlB(sql: string, values: unknown[] = [], who: 'analystB' | 'auditorB' = 'analystB'): Promise<void> {
  const rows = await w.rows(who, sql, values);
  expect(rows.length).toBeGreaterThan(0);
  expect(JSON.stringify(rows)).toContain('gx-');
}

/** Waits (up to 10 s) for `done`, then a little longer so anything else in flight arrives too. */
async function until(done: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 10_000; !done() && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setTimeout(resolve, 200));
}

const none = async (sql: string, values: unknown[] = []) => expect(await w.rows('analystA', sql, values)).toEqual([]);

describe('tables and views', () => {
  it('reading the members table directly returns only A', async () => {
    w.expectOnlyA(await w.rows('analystA', `select * from ${t.members}`), 6);
    await controlB(`select * from ${t.members}`);
  });

  it('reading the tenants table directly returns only A', async () => {
    w.expectOnlyA(await w.rows('analystA', `select * from ${t.tenants}`), 1);
    await controlB(`select * from ${t.tenants}`);
  });

  it('reading the role-changes table directly returns only A', async () => {
    w.expectOnlyA(await w.rows('analystA', `select * from ${t.roleChanges}`), 2);
    await controlB(`select * from ${t.roleChanges}`);
  });

  it('filtering on tenant B\'s id returns nothing', async () => {
    await none('select * from analytics.members where tenant_id = $1', [w.b.id]);
    await controlB('select * from analytics.members where tenant_id = $1', [w.b.id]);
  });

  it('filtering on "not tenant A" returns nothing', async () => {
    await none('select * from analytics.members where tenant_id <> $1', [w.a.id]);
  });

  it('looking up B\'s owner by user id returns nothing', async () => {
    await none('select * from analytics.members where user_id = $1', [w.b.owner]);
    await controlB('select * from analytics.members where user_id = $1', [w.b.owner]);
  });

  it('looking up B\'s tenant by name returns nothing', async () => {
    await none("select * from analytics.tenants where name ilike '%globex%'");
    await controlB("select * from analytics.tenants where name ilike '%globex%'");
  });

  it('a tautology (where true or tenant_id = B) returns only A', async () => {
    w.expectOnlyA(await w.rows('analystA', 'select * from analytics.members where true or tenant_id = $1', [w.b.id]), 6);
  });

  it('TABLE analytics.members returns only A', async () => {
    w.expectOnlyA(await w.rows('analystA', 'table analytics.members'), 6);
  });

  it('count(*) counts only A\'s rows', async () => {
    expect(await w.rows('analystA', 'select count(*)::int as n from analytics.members')).toEqual([{ n: 6 }]);
    expect(await w.rows('superuser', 'select count(*)::int as n from analytics.members')).toEqual([{ n: 12 }]);
  });

  it('the audit view is refused to an analyst without --audit', async () => {
    w.expectDenied(await w.error('analystA', 'select * from analytics.audit_log'), '42501', /permission denied for view audit_log/);
    await controlB('select * from analytics.audit_log', [], 'auditorB');
  });

  it('the audit table is refused to an analyst without --audit', async () => {
    w.expectDenied(await w.error('analystA', `select * from ${t.audit}`), '42501', /permission denied for schema rm_audit_g\d+/);
  });

  it('an auditor of A sees only A\'s audit rows, a complete chain', async () => {
    const rows = await w.rows('auditorA', 'select tenant_id, seq, type, hash, prev_hash, summary from analytics.audit_log order by seq');
    w.expectOnlyA(rows, 11);
    expect(rows.map((r) => Number(r['seq']))).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
    for (let i = 1; i < rows.length; i++) expect(rows[i]!['prev_hash']).toBe(rows[i - 1]!['hash']);
  });

  it('an auditor of A filtering on B\'s id sees nothing of B\'s audit log', async () => {
    expect(await w.rows('auditorA', 'select * from analytics.audit_log where tenant_id = $1', [w.b.id])).toEqual([]);
    await controlB('select * from analytics.audit_log where tenant_id = $1', [w.b.id], 'auditorB');
  });

  it('audit summaries never carry the removal reason (free text)', async () => {
    const rows = await w.rows('auditorA', "select summary from analytics.audit_log where type = 'MemberRemoved'");
    expect(rows).toEqual([{ summary: 'member ac-dave removed (reason given)' }]);
  });

  it('a subquery in the select list for B\'s email yields null', async () => {
    expect(await w.rows('analystA', 'select (select email from analytics.members where tenant_id = $1 limit 1) as e', [w.b.id])).toEqual([{ e: null }]);
  });
});

describe('functions', () => {
  it('erase_tenant is out of reach', async () => {
    w.expectDenied(await w.error('analystA', 'select projection_meta.erase_tenant($1, 1, $2, 1)', ['members', w.b.id]), '42501', /permission denied for schema projection_meta/);
  });

  it('begin_generation is out of reach', async () => {
    w.expectDenied(await w.error('analystA', "select projection_meta.begin_generation('members')"), '42501', /permission denied for schema projection_meta/);
  });

  it('activate_generations is out of reach', async () => {
    w.expectDenied(await w.error('analystA', "select projection_meta.activate_generations(array['members'])"), '42501', /permission denied for schema projection_meta/);
  });

  it('query_to_xml over the members table returns only A', async () => {
    const [row] = await w.rows('analystA', `select query_to_xml('select * from ${t.members}', true, false, '')::text as x`);
    expect(String(row!['x'])).toContain('ac-owner');
    w.expectNoForeign(row);
  });

  it('a DO block counting B\'s rows counts none', async () => {
    const notices: string[] = [];
    await w.as('analystA', async (c) => {
      c.on('notice', (n) => notices.push(String(n.message)));
      await c.query(`do $$ begin raise notice 'b rows: %', (select count(*) from analytics.members where tenant_id = '${w.b.id}'); end $$`);
    });
    expect(notices).toEqual(['b rows: 0']);
  });

  it('creating a function is refused (no schema is writable)', async () => {
    w.expectDenied(await w.error('analystA', 'create function public.peek() returns int language sql as $$ select 1 $$'), '42501', /permission denied for schema public/);
  });

  it('creating a temporary table is refused', async () => {
    w.expectDenied(await w.error('analystA', 'create temp table stash as select * from analytics.members'), '42501', /permission denied to create temporary tables/);
  });

  it('creating a temporary view is refused', async () => {
    w.expectDenied(await w.error('analystA', 'create temp view stash as select * from analytics.members'), '42501', /permission denied to create temporary tables/);
  });

  it('reading a server file is refused', async () => {
    w.expectDenied(await w.error('analystA', "select pg_read_file('postgresql.conf')"), '42501', /permission denied for function pg_read_file/);
  });

  it('creating an extension (dblink, postgres_fdw) is refused', async () => {
    const error = await w.error('analystA', 'create extension postgres_fdw');
    expect(['42501', '0A000', '58P01']).toContain(error.code);
    w.expectNoForeign(error.message);
  });

  it('may_read_audit is false for a plain analyst and true for an auditor', async () => {
    expect(await w.rows('analystA', 'select tenancy.may_read_audit() as ok')).toEqual([{ ok: false }]);
    expect(await w.rows('auditorA', 'select tenancy.may_read_audit() as ok')).toEqual([{ ok: true }]);
  });
});

describe('COPY', () => {
  const copyAs = (who: 'analystA' | 'auditorA', sql: string) => w.as(who, async (c) => (await copyOut(c, sql)).toString('utf8'));

  it('COPY table TO STDOUT applies the policies: only A', async () => {
    const out = await copyAs('analystA', `copy ${t.members} to stdout`);
    expect(out.trim().split('\n')).toHaveLength(6);
    expect(out).toContain(w.a.id);
    w.expectNoForeign(out);
  });

  it('COPY (SELECT …) TO STDOUT returns only A', async () => {
    const out = await copyAs('analystA', 'copy (select * from analytics.members) to stdout');
    expect(out.trim().split('\n')).toHaveLength(6);
    w.expectNoForeign(out);
  });

  it('COPY of a view is refused', async () => {
    const error = await w.as('analystA', (c) => copyOut(c, 'copy analytics.members to stdout').then(() => undefined, (e: pg.DatabaseError) => e));
    w.expectDenied(error!, '42809', /cannot copy from view/);
  });

  it('COPY FROM STDIN into a read-model table is refused', async () => {
    const row = `${w.b.id}\tgx-new\tgx-new@globex-secret.example\towner\tactive\t2026-01-01\t1\n`;
    const error = await w.as('analystA', (c) => copyIn(c, `copy ${t.members} from stdin`, Buffer.from(row)).then(() => undefined, (e: pg.DatabaseError) => e));
    expect(error?.code).toBe('42501');
    expect(await w.rows('superuser', `select 1 from ${t.members} where user_id = 'gx-new'`)).toEqual([]);
  });

  it('COPY TO a server file is refused', async () => {
    w.expectDenied(await w.error('analystA', `copy ${t.members} to '/tmp/palisade-leak.csv'`), '42501', /permission denied to COPY to a file/);
  });

  it('COPY TO PROGRAM is refused', async () => {
    w.expectDenied(await w.error('analystA', `copy ${t.members} to program 'cat'`), '42501', /permission denied to COPY to or from an external program/);
  });

  it('COPY of the audit table is refused without --audit and returns only A with it', async () => {
    const error = await w.as('analystA', (c) => copyOut(c, `copy ${t.audit} to stdout`).then(() => undefined, (e: pg.DatabaseError) => e));
    expect(error?.code).toBe('42501');
    const out = await copyAs('auditorA', `copy ${t.audit} to stdout`);
    expect(out.trim().split('\n')).toHaveLength(11);
    w.expectNoForeign(out);
  });
});

describe('cursors', () => {
  it('FETCH ALL from a cursor returns only A', async () => {
    const rows = await w.as('analystA', async (c) => {
      await c.query('begin');
      await c.query('declare cur cursor for select * from analytics.members');
      const { rows } = await c.query('fetch all from cur');
      await c.query('commit');
      return rows;
    });
    w.expectOnlyA(rows, 6);
  });

  it('a scroll cursor fetched backwards and past the end returns only A', async () => {
    const rows = await w.as('analystA', async (c) => {
      await c.query('begin');
      await c.query('declare cur scroll cursor for select * from analytics.members');
      const last = await c.query('fetch last from cur');
      const beyond = await c.query('fetch absolute 100 from cur');
      const back = await c.query('fetch backward all from cur');
      await c.query('commit');
      return [...last.rows, ...beyond.rows, ...back.rows];
    });
    w.expectOnlyA(rows, 6);
  });

  it('a WITH HOLD cursor fetched after forging the binding returns only A', async () => {
    const rows = await w.as('analystA', async (c) => {
      await c.query('declare held cursor with hold for select * from analytics.members');
      await c.query(`set palisade.tenant_id = '${w.b.id}'`);
      return (await c.query('fetch all from held')).rows;
    });
    w.expectOnlyA(rows, 6);
  });

  it('pg_cursors lists only this session\'s cursors', async () => {
    const b = await w.connect('analystB');
    await b.query('begin');
    await b.query("declare gx_secret_cursor cursor for select * from analytics.members where email like '%globex%'");
    const rows = await w.rows('analystA', 'select name, statement from pg_cursors');
    expect(rows).toEqual([]);
    expect((await b.query('select name from pg_cursors')).rows).toEqual([{ name: 'gx_secret_cursor' }]);
    await b.query('rollback');
  });
});

describe('prepared statements', () => {
  it('PREPARE / EXECUTE returns only A', async () => {
    const rows = await w.as('analystA', async (c) => {
      await c.query('prepare peek as select * from analytics.members');
      return (await c.query('execute peek')).rows;
    });
    w.expectOnlyA(rows, 6);
  });

  it('a prepared statement executed with B\'s tenant id returns nothing', async () => {
    const rows = await w.as('analystA', async (c) => {
      await c.query('prepare peek(uuid) as select * from analytics.members where tenant_id = $1');
      return (await c.query(`execute peek('${w.b.id}')`)).rows;
    });
    expect(rows).toEqual([]);
  });

  it('a forced generic plan returns only A', async () => {
    const rows = await w.as('analystA', async (c) => {
      await c.query('set plan_cache_mode = force_generic_plan');
      await c.query('prepare peek(text) as select * from analytics.members where user_id like $1');
      const all = [];
      for (let i = 0; i < 6; i++) all.push(...(await c.query("execute peek('%')")).rows);
      return all;
    });
    w.expectOnlyA(rows, 36);
  });

  it('pg_prepared_statements lists only this session\'s statements', async () => {
    const b = await w.connect('analystB');
    await b.query("prepare gx_secret as select * from analytics.members where email = 'gx-owner@globex-secret.example'");
    const rows = await w.rows('analystA', 'select name, statement from pg_prepared_statements');
    expect(rows).toEqual([]);
    expect((await b.query('select name from pg_prepared_statements')).rows).toEqual([{ name: 'gx_secret' }]);
  });
});

describe('joins and CTEs', () => {
  it('members joined with tenants returns only A', async () => {
    w.expectOnlyA(await w.rows('analystA', 'select m.*, t.name from analytics.members m join analytics.tenants t using (tenant_id)'), 6);
  });

  it('a cross join of members and role changes returns only A', async () => {
    const rows = await w.rows('analystA', 'select m.tenant_id, m.user_id, r.tenant_id as r_tenant, r.to_role from analytics.members m cross join analytics.member_role_changes r');
    expect(rows).toHaveLength(12);
    w.expectOnlyA(rows);
    expect(rows.every((r) => r['r_tenant'] === w.a.id)).toBe(true);
  });

  it('a left join on B\'s tenant id yields no B columns', async () => {
    const rows = await w.rows('analystA', 'select t.name, m.email from analytics.tenants t left join analytics.members m on m.tenant_id = $1', [w.b.id]);
    expect(rows).toEqual([{ name: 'Acme Corp', email: null }]);
  });

  it('a CTE with UNION ALL over every view returns only A', async () => {
    const rows = await w.rows('analystA', `with x as (
      select tenant_id, user_id as v from analytics.members union all
      select tenant_id, name from analytics.tenants union all
      select tenant_id, to_role from analytics.member_role_changes) select * from x`);
    w.expectOnlyA(rows, 9);
  });

  it('a recursive CTE walking role changes returns only A', async () => {
    const rows = await w.rows('analystA', `with recursive chain(tenant_id, seq, depth) as (
      select tenant_id, seq, 1 from analytics.member_role_changes
      union all
      select r.tenant_id, r.seq, c.depth + 1 from chain c join analytics.member_role_changes r on r.seq > c.seq and c.depth < 5)
      select * from chain`);
    w.expectOnlyA(rows, 2);
  });

  it('a LATERAL subquery returns only A', async () => {
    w.expectOnlyA(await w.rows('analystA', 'select t.tenant_id, l.* from analytics.tenants t cross join lateral (select user_id, role from analytics.members m where m.tenant_id <> t.tenant_id or true) l'), 6);
  });

  it('EXISTS and IN on B\'s ids are false', async () => {
    expect(await w.rows('analystA', 'select exists (select 1 from analytics.members where tenant_id = $1) as e, $2 in (select user_id from analytics.members) as i', [w.b.id, w.b.owner])).toEqual([{ e: false, i: false }]);
  });

  it('a window count over all rows counts only A', async () => {
    const rows = await w.rows('analystA', 'select tenant_id, count(*) over ()::int as n from analytics.members');
    w.expectOnlyA(rows, 6);
    expect(rows.every((r) => r['n'] === 6)).toBe(true);
  });

  it('GROUP BY tenant_id yields one group: A', async () => {
    expect(await w.rows('analystA', 'select tenant_id, count(*)::int as n from analytics.members group by tenant_id')).toEqual([{ tenant_id: w.a.id, n: 6 }]);
  });

  it('EXCEPT and INTERSECT against B\'s ids yield nothing of B', async () => {
    w.expectOnlyA(await w.rows('analystA', 'select tenant_id from analytics.members except select $1::uuid', [w.b.id]), 1);
    expect(await w.rows('analystA', 'select tenant_id from analytics.members intersect select $1::uuid', [w.b.id])).toEqual([]);
  });
});

describe('writes, RETURNING, TRUNCATE and locks', () => {
  const refused = (sql: () => string, pattern: RegExp, values: () => unknown[] = () => []) => async () => {
    w.expectDenied(await w.error('analystA', sql(), values()), '42501', pattern);
    expect(await w.rows('superuser', 'select count(*)::int as n from analytics.members')).toEqual([{ n: 12 }]);
  };

  it('INSERT into a read-model table is refused', refused(() => `insert into ${t.members} select * from ${t.members}`, /permission denied for table members/));
  it('INSERT into a view is refused', refused(() => "insert into analytics.members (tenant_id, user_id) values ($1, 'x')", /permission denied for view members/, () => [w.b.id]));
  it('UPDATE … RETURNING on a view is refused', refused(() => "update analytics.members set role = 'owner' returning *", /permission denied for view members/));
  it('DELETE … RETURNING on a table is refused', refused(() => `delete from ${t.members} returning *`, /permission denied for table members/));
  it('INSERT … ON CONFLICT DO UPDATE … RETURNING is refused', refused(
    () => `insert into ${t.members} values ($1, 'gx-owner', 'x@x', 'owner', 'active', now(), 1) on conflict (tenant_id, user_id) do update set email = excluded.email returning *`,
    /permission denied for table members/, () => [w.b.id],
  ));
  it('MERGE is refused', refused(() => `merge into ${t.members} m using (select 1) s on true when matched then delete`, /permission denied for table members/));
  it('SELECT … FOR UPDATE is refused', refused(() => 'select * from analytics.members for update', /permission denied for view members/));
  it('a writable CTE (DELETE … RETURNING) is refused', refused(() => `with gone as (delete from ${t.members} returning *) select * from gone`, /permission denied for table members/));
  it('TRUNCATE of a read-model table is refused', refused(() => `truncate ${t.members}`, /permission denied for table members/));
  it('TRUNCATE of the audit table is refused', refused(() => `truncate ${t.audit}`, /permission denied for schema rm_audit_g\d+/));

  it('TRUNCATE of a view is refused', async () => {
    w.expectDenied(await w.error('analystA', 'truncate analytics.members'), '42809', /is not a table/);
  });

  it('LOCK … ACCESS EXCLUSIVE (stalling every tenant) is refused', async () => {
    const error = await w.as('analystA', async (c) => {
      await c.query('begin');
      return c.query(`lock table ${t.members} in access exclusive mode`).then(() => undefined, (e: pg.DatabaseError) => e);
    });
    w.expectDenied(error!, '42501', /permission denied for table members/);
  });
});

describe('LISTEN / NOTIFY', () => {
  it('a listener hears nothing while tenant B\'s events are projected', async () => {
    const channels = ['palisade', 'projection', 'projector', 'members', 'audit', w.b.id];
    const heard: string[] = [];
    const listener = await w.connect('analystA');
    listener.on('notification', (n) => heard.push(`${n.channel}:${n.payload ?? ''}`));
    for (const channel of channels) await listener.query(`listen "${channel}"`);
    const client = await w.rm.spine.client();
    expect(await client.send({ tenantId: w.b.id, type: 'AddMember', actor: { kind: 'user', id: w.b.owner }, payload: { userId: 'gx-listen', email: 'gx-listen@globex-secret.example', role: 'viewer' } })).toMatchObject({ outcome: 'accepted' });
    await w.rm.waitForProjection();
    await w.as('analystA', (c) => c.query("notify palisade, 'control'"));
    await until(() => heard.length > 0);
    expect(heard).toEqual(['palisade:control']);
    await controlB("select * from analytics.members where user_id = 'gx-listen'");
  });

  it('a NOTIFY payload built from a query carries only A\'s rows', async () => {
    const heard: string[] = [];
    const listener = await w.connect('analystB');
    listener.on('notification', (n) => heard.push(n.payload ?? ''));
    await listener.query('listen exfil');
    await w.as('analystA', (c) => c.query("select pg_notify('exfil', (select string_agg(email, ',') from analytics.members))"));
    await until(() => heard.length > 0);
    expect(heard).toHaveLength(1);
    expect(heard[0]).toContain('ac-owner@acme.example');
    w.expectNoForeign(heard);
  });

  it('pg_listening_channels shows only this session\'s channels', async () => {
    const b = await w.connect('analystB');
    await b.query('listen gx_secret_channel');
    expect(await w.rows('analystA', 'select pg_listening_channels() as c')).toEqual([]);
  });
});

describe('errors', () => {
  it('a failing cast on email can only quote A\'s values', async () => {
    const error = await w.error('analystA', 'select * from analytics.members where email::int = 1');
    w.expectDenied(error, '22P02', /invalid input syntax for type integer: ".*@acme\.example"/);
  });

  it('a division by zero armed on B\'s rows never fires', async () => {
    const rows = await w.rows('analystA', "select * from analytics.members where 1 / (case when email like '%globex%' then 0 else 1 end) = 1");
    w.expectOnlyA(rows, 6);
  });

  it('a failing cast combined with B\'s tenant id raises nothing about B', async () => {
    const result = await w.as('analystA', (c) =>
      c.query('select * from analytics.members where tenant_id = $1 and email::int = 1', [w.b.id]).then((r) => r.rows, (e: pg.DatabaseError) => e));
    if (Array.isArray(result)) expect(result).toEqual([]);
    else w.expectDenied(result, '22P02');
  });

  it('a failing cast on the audit summary can only quote A\'s audit rows', async () => {
    const error = await w.error('auditorA', 'select * from analytics.audit_log where summary::int = 1');
    w.expectDenied(error, '22P02', /invalid input syntax for type integer/);
  });

  it('an unknown tenant id in a uuid cast error quotes only what the analyst typed', async () => {
    const error = await w.error('analystA', "select * from analytics.members where tenant_id = 'not-a-uuid'::uuid");
    w.expectDenied(error, '22P02', /invalid input syntax for type uuid: "not-a-uuid"/);
  });
});
