// Isolation suite, part 1: an analyst's tenant binding cannot be forged or escaped. Every test
// logs in as a real analyst role (made by `palisade analysts grant`) and tries to reach tenant B
// from tenant A's login; each either still sees exactly A, or is refused with a stable SQLSTATE.
// Each attack has a control showing the data it aimed at exists (B's own analyst sees it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { grantAnalyst, revokeAnalyst } from '../../projections/tenancy/analysts.ts';
import { TwoTenants } from './support/two-tenants.ts';

let w: TwoTenants;
beforeAll(async () => {
  w = await TwoTenants.create();
});
afterAll(async () => w?.close());

const MEMBERS = 'select tenant_id, user_id, email, role, status from analytics.members order by user_id';

/** The control: B's own analyst sees B's members (so "nothing of B" is a real result). */
async function bIsThere(): Promise<void> {
  const rows = await w.rows('analystB', MEMBERS);
  expect(rows.length).toBe(w.b.active.length + w.b.removed.length);
  expect(rows.every((r) => r['tenant_id'] === w.b.id)).toBe(true);
}

async function stillOnlyA(c: pg.Client): Promise<void> {
  const { rows } = await c.query(MEMBERS);
  w.expectOnlyA(rows, w.a.active.length + w.a.removed.length);
  await bIsThere();
}

describe('baseline', () => {
  it('analyst A sees exactly tenant A in tenants, members and role changes', async () => {
    w.expectOnlyA(await w.rows('analystA', 'select * from analytics.tenants'), 1);
    w.expectOnlyA(await w.rows('analystA', MEMBERS), 6);
    w.expectOnlyA(await w.rows('analystA', 'select * from analytics.member_role_changes'), 2);
    expect(await w.rows('analystA', 'select tenancy.current_tenant() as t')).toEqual([{ t: w.a.id }]);
    await bIsThere();
  });
});

describe('an analyst forging the binding setting', () => {
  it('SET palisade.tenant_id to tenant B changes nothing', async () => {
    await w.as('analystA', async (c) => {
      await c.query(`set palisade.tenant_id = '${w.b.id}'`);
      await stillOnlyA(c);
    });
  });

  it('SET palisade.tenant_id to a correctly stamped binding for B changes nothing', async () => {
    await w.as('analystA', async (c) => {
      await c.query('begin');
      await c.query("select set_config('palisade.tenant_id', tenancy.transaction_stamp() || '/' || $1, true)", [w.b.id]);
      expect((await c.query('select tenancy.current_tenant() as t')).rows).toEqual([{ t: w.a.id }]);
      await stillOnlyA(c);
      await c.query('commit');
    });
  });

  it('SET LOCAL palisade.tenant_id inside a transaction changes nothing', async () => {
    await w.as('analystA', async (c) => {
      await c.query('begin');
      await c.query(`set local palisade.tenant_id = '${w.b.id}'`);
      await stillOnlyA(c);
      await c.query('rollback');
    });
  });

  it('set_config(palisade.tenant_id, B, false) at session level changes nothing', async () => {
    await w.as('analystA', async (c) => {
      await c.query("select set_config('palisade.tenant_id', $1, false)", [w.b.id]);
      await stillOnlyA(c);
    });
  });

  it('RESET palisade.tenant_id and RESET ALL keep the login binding', async () => {
    await w.as('analystA', async (c) => {
      await c.query('reset palisade.tenant_id');
      await c.query('reset all');
      await stillOnlyA(c);
    });
  });

  it('DISCARD ALL keeps the login binding', async () => {
    await w.as('analystA', async (c) => {
      await c.query('discard all');
      await stillOnlyA(c);
    });
  });

  it('a startup option -c palisade.tenant_id=B changes nothing', async () => {
    const c = await w.connect('analystA', { options: `-c palisade.tenant_id=${w.b.id}` });
    await stillOnlyA(c);
    await c.end();
  });

  it('SET palisade.user_id to B\'s owner does not open the audit views to a non-audit analyst', async () => {
    const error = await w.as('analystA', async (c) => {
      await c.query(`set palisade.user_id = '${w.b.owner}'`);
      return c.query('select * from analytics.audit_log').then(() => undefined, (e: pg.DatabaseError) => e);
    });
    w.expectDenied(error!, '42501', /permission denied for view audit_log/);
    expect((await w.rows('auditorB', 'select * from analytics.audit_log')).length).toBeGreaterThan(0);
  });

  it('calling tenancy.bind(B) is refused', async () => {
    w.expectDenied(await w.error('analystA', 'select tenancy.bind($1)', [w.b.id]), '42501', /permission denied for function bind/);
  });

  it('ALTER ROLE self SET palisade.tenant_id cannot bind a new session to B', async () => {
    const role = w.analysts.analystA.role;
    await w.as('analystA', async (c) => c.query(`alter role "${role}" set palisade.tenant_id = '${w.b.id}'`).catch(() => undefined));
    await w.as('analystA', stillOnlyA);
    await w.rm.admin.query(`alter role "${role}" reset all`);
  });

  it('ALTER DATABASE SET palisade.tenant_id is refused', async () => {
    w.expectDenied(await w.error('analystA', `alter database "${w.rm.spine.db.name}" set palisade.tenant_id = '${w.b.id}'`), '42501', /must be owner of database/);
  });

  it('writing its own binding row to tenant B is refused', async () => {
    w.expectDenied(await w.error('analystA', 'update tenancy_private.analysts set tenant_id = $1', [w.b.id]), '42501', /permission denied for table analysts/);
  });

  it('inserting a second binding row for B is refused', async () => {
    w.expectDenied(
      await w.error('analystA', "insert into tenancy_private.analysts (role_name, tenant_id, name, audit) values (session_user, $1, 'x', true)", [w.b.id]),
      '42501', /permission denied for table analysts/,
    );
  });

  it('reading the binding table shows its own row only', async () => {
    const rows = await w.rows('analystA', 'select role_name, tenant_id from tenancy_private.analysts');
    expect(rows).toEqual([{ role_name: w.analysts.analystA.role, tenant_id: w.a.id }]);
    expect(await w.rows('superuser', 'select 1 from tenancy_private.analysts')).toHaveLength(4);
  });

  it('a search_path full of other schemas does not change which tenant is seen', async () => {
    await w.as('analystA', async (c) => {
      await c.query('set search_path = tenancy_private, analytics, tenancy, public');
      await stillOnlyA(c);
    });
  });

  it('SET row_security = off fails closed instead of bypassing', async () => {
    const error = await w.as('analystA', async (c) => {
      await c.query('set row_security = off');
      return c.query(MEMBERS).then(() => undefined, (e: pg.DatabaseError) => e);
    });
    w.expectDenied(error!, '42501', /query would be affected by row-level security policy/);
  });
});

describe('an analyst switching identity', () => {
  const setRole = (target: () => string) => async () => {
    w.expectDenied(await w.error('analystA', `set role "${target()}"`), '42501', /permission denied to set role/);
  };
  it('SET ROLE to tenant B\'s analyst is refused', setRole(() => w.analysts.analystB.role));
  it('SET ROLE to the app role is refused', setRole(() => w.rm.roles.app));
  it('SET ROLE to the projector role is refused', setRole(() => w.rm.roles.projector));
  it('SET ROLE to the writer role is refused', setRole(() => w.rm.roles.writer));
  it('SET ROLE to the eraser role is refused', setRole(() => w.rm.roles.eraser));
  it('SET ROLE to the owner role is refused', setRole(() => w.rm.roles.owner));
  it('SET ROLE to its own analysts group is refused', setRole(() => w.rm.roles.analysts));
  it('SET ROLE to the superuser is refused', setRole(() => 'postgres'));

  it('SET ROLE to the auditors group, as an auditor, is refused', async () => {
    w.expectDenied(await w.error('auditorA', `set role "${w.rm.roles.auditors}"`), '42501', /permission denied to set role/);
  });

  it('SET SESSION AUTHORIZATION to tenant B\'s analyst is refused', async () => {
    w.expectDenied(await w.error('analystA', `set session authorization "${w.analysts.analystB.role}"`), '42501', /permission denied to set session authorization/);
  });

  it('a startup option -c role=<app> does not log in', async () => {
    const error = await w.connect('analystA', { options: `-c role=${w.rm.roles.app}` }).then(() => undefined, (e: pg.DatabaseError) => e);
    expect(error?.code).toBe('42501');
  });

  it('logging in as tenant B\'s analyst with A\'s password fails', async () => {
    const url = new URL(w.urls.analystA);
    url.username = w.analysts.analystB.role;
    const client = new pg.Client({ connectionString: url.toString() });
    const error = await client.connect().then(() => undefined, (e: pg.DatabaseError) => e);
    await client.end().catch(() => undefined);
    expect(error?.code).toBe('28P01');
  });

  it('granting itself tenant B analyst\'s membership is refused', async () => {
    w.expectDenied(await w.error('analystA', `grant "${w.analysts.analystB.role}" to current_user`), '42501', /permission denied to grant role/);
  });

  it('creating a role is refused', async () => {
    w.expectDenied(await w.error('analystA', 'create role sneaky login'), '42501', /permission denied to create role/);
  });

  it('changing tenant B analyst\'s password is refused', async () => {
    w.expectDenied(await w.error('analystA', `alter role "${w.analysts.analystB.role}" password 'x'`), '42501', /permission denied to alter role/);
  });
});

describe('a revoked analyst', () => {
  it('loses its session and its login at once', async () => {
    const granted = await grantAnalyst(w.rm.url, { tenantId: w.a.id, name: 'temp', audit: false });
    const session = new pg.Client({ connectionString: granted.connectionString });
    session.on('error', () => undefined);
    await session.connect();
    expect((await session.query(MEMBERS)).rows.length).toBeGreaterThan(0);
    const revoked = await revokeAnalyst(w.rm.url, { tenantId: w.a.id, name: 'temp' });
    expect(revoked.terminatedSessions).toBe(1);
    await expect(session.query(MEMBERS)).rejects.toThrow();
    await session.end().catch(() => undefined);
    const again = new pg.Client({ connectionString: granted.connectionString });
    const error = await again.connect().then(() => undefined, (e: pg.DatabaseError) => e);
    await again.end().catch(() => undefined);
    expect(error?.code).toBe('28P01');
    expect(await w.rows('superuser', 'select 1 from pg_roles where rolname = $1', [granted.role])).toEqual([]);
  });
});
