// Isolation suite, part 5: the vault read models (migration 0013, docs/adr/0005-vault-read-models.md)
// as the real logins see them. Sources: the app sees the bound user's own, or all of the
// tenant's when that user is an active owner or admin; analysts see their tenant's. Source
// queries: like the audit log (owners, admins, --audit analysts) plus the source's owner.
// Provider keys: only the key's own user, never a tenant owner, admin or analyst. Secrets: the
// opener role only — no app, analyst, auditor or projector privilege, not even through a view.
// Each attack has its control: the rows it aimed at exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { openPool } from '../../adapters/postgres/pool.ts';
import { eraseUser } from '../../projections/models/model.ts';
import { openerRole } from '../../consumers/vault/secrets-reader.ts';
import { asRole } from '../../adapters/postgres/roles.ts';
import { ProjectorTransaction, type ModelTarget } from '../../projections/writer/projector-transaction.ts';
import { VaultWorld } from '../projections/support/vault-world.ts';
import { expectOnlyTheOpenerReads, generationTables } from './support/opener-only.ts';

let w: VaultWorld;
beforeAll(async () => {
  w = await VaultWorld.create({ logins: true });
});
afterAll(async () => w?.close());

const SOURCES = 'select tenant_id, source_id, owner_id from analytics.sources order by source_id';
const QUERIES = 'select tenant_id, seq, owner_id, query_hash from analytics.source_queries order by seq';
const KEYS = 'select tenant_id, user_id, provider, mask from analytics.provider_keys order by provider';
const owners = (rows: readonly Record<string, unknown>[], column = 'owner_id') => rows.map((r) => r[column]).sort();

describe('sources and source queries in the app', () => {
  it('the control: the superuser sees every source of A and B, and their queries', async () => {
    expect((await w.rows('superuser', SOURCES)).length).toBe(6);
    expect((await w.rows('superuser', QUERIES)).length).toBe(6);
  });

  it('a member sees only the sources and queries they own', async () => {
    const alice = await w.appRows(w.a.id, 'ac-alice', SOURCES);
    expect(alice.map((r) => r['source_id'])).toEqual([w.a.sources.s1]);
    expect(owners(await w.appRows(w.a.id, 'ac-alice', QUERIES))).toEqual(['ac-alice', 'ac-alice']);
    expect(owners(await w.appRows(w.a.id, 'ac-bob', SOURCES))).toEqual(['ac-bob']);
    w.expectNoForeign(alice);
  });

  it('the tenant\'s owner and admin see every source and query of the tenant, and nothing of B', async () => {
    for (const manager of ['ac-owner', 'ac-admin']) {
      const sources = await w.appRows(w.a.id, manager, SOURCES);
      expect(owners(sources), manager).toEqual(['ac-alice', 'ac-bob', 'ac-owner']);
      expect(owners(await w.appRows(w.a.id, manager, QUERIES)), manager).toEqual(['ac-alice', 'ac-alice', 'ac-bob']);
      w.expectNoForeign(sources);
    }
  });

  it('a demoted admin, a viewer and an unbound user see nothing of others\' sources', async () => {
    expect(await w.appRows(w.a.id, 'ac-frank', SOURCES)).toEqual([]);
    expect(await w.appRows(w.a.id, 'ac-erin', SOURCES)).toEqual([]);
    expect(await w.appRows(w.a.id, null, SOURCES)).toEqual([]);
    expect(await w.appRows(w.a.id, null, QUERIES)).toEqual([]);
  });

  it('B\'s owner bound to tenant A, and A\'s users bound to tenant B, see nothing', async () => {
    expect(await w.appRows(w.a.id, 'gx-owner', SOURCES)).toEqual([]);
    expect(await w.appRows(w.b.id, 'ac-owner', SOURCES)).toEqual([]);
    expect(await w.appRows(w.b.id, 'ac-alice', QUERIES)).toEqual([]);
  });

  it('a user setting forged in the same transaction is never honoured', async () => {
    const rows = await w.as('app', async (c) => {
      await c.query('begin');
      await c.query('select tenancy.bind($1, $2)', [w.a.id, 'ac-erin']);
      await c.query("select set_config('palisade.user_id', 'ac-owner', true)");
      const { rows: found } = await c.query(SOURCES);
      await c.query('commit');
      return found;
    });
    expect(rows).toEqual([]);
  });
});

describe('provider keys', () => {
  it('each user sees their own keys, masks only', async () => {
    expect(await w.appRows(w.a.id, 'ac-alice', KEYS)).toEqual([{ tenant_id: w.a.id, user_id: 'ac-alice', provider: 'anthropic', mask: w.a.masks.alice }]);
    expect((await w.appRows(w.a.id, 'ac-bob', KEYS)).map((r) => r['mask'])).toEqual([w.a.masks.bob]);
    expect((await w.appRows(w.a.id, 'ac-frank', KEYS)).map((r) => r['provider'])).toEqual(['google']);
  });

  it('the tenant\'s owner sees only their own key, no other user\'s, not even a mask', async () => {
    const rows = await w.appRows(w.a.id, 'ac-owner', KEYS);
    expect(rows).toEqual([{ tenant_id: w.a.id, user_id: 'ac-owner', provider: 'anthropic', mask: w.a.masks.owner }]);
    expect(await w.appRows(w.a.id, 'ac-owner', "select * from analytics.provider_keys where user_id = 'ac-alice'")).toEqual([]);
  });

  it('the tenant\'s admin sees none (their only key was deleted)', async () => {
    expect(await w.appRows(w.a.id, 'ac-admin', KEYS)).toEqual([]);
  });

  it('no bound user, another tenant\'s user, or a user of A bound to B sees any key', async () => {
    expect(await w.appRows(w.a.id, null, KEYS)).toEqual([]);
    expect(await w.appRows(w.a.id, 'gx-alice', KEYS)).toEqual([]);
    expect(await w.appRows(w.b.id, 'ac-alice', KEYS)).toEqual([]);
    expect((await w.appRows(w.b.id, 'gx-alice', KEYS)).map((r) => r['user_id'])).toEqual(['gx-alice']);
  });

  it('analysts and auditors have no privilege on them, through the view or the table', async () => {
    const table = `${await w.liveSchema('provider_keys')}.provider_keys`;
    for (const who of ['analystA', 'auditorA'] as const) {
      w.expectNoForeign(await w.error(who, KEYS));
      expect((await w.error(who, KEYS)).code).toBe('42501');
      expect((await w.error(who, `select * from ${table}`)).code).toBe('42501');
    }
  });

  it('the app cannot change a key', async () => {
    const error = await w.as('app', async (c) => {
      await c.query('begin');
      await c.query('select tenancy.bind($1, $2)', [w.a.id, 'ac-alice']);
      return c.query("update analytics.provider_keys set mask = 'x'").then(() => undefined, (e: { code?: string }) => e);
    });
    expect(error?.code).toBe('42501');
  });
});

describe('sources and source queries for analysts', () => {
  it('an analyst of A sees exactly A\'s sources', async () => {
    const rows = await w.rows('analystA', SOURCES);
    expect(owners(rows)).toEqual(['ac-alice', 'ac-bob', 'ac-owner']);
    expect(rows.every((r) => r['tenant_id'] === w.a.id)).toBe(true);
    w.expectNoForeign(rows);
  });

  it('an analyst of A filtering on B, or on B\'s source ids, sees nothing', async () => {
    expect(await w.rows('analystA', 'select * from analytics.sources where tenant_id = $1', [w.b.id])).toEqual([]);
    expect(await w.rows('analystA', 'select * from analytics.sources where source_id = $1', [w.b.sources.s1])).toEqual([]);
    expect((await w.rows('analystB', SOURCES)).every((r) => r['tenant_id'] === w.b.id)).toBe(true);
  });

  it('source queries are refused to a plain analyst and shown to an --audit analyst of A, only A\'s', async () => {
    expect((await w.error('analystA', QUERIES)).code).toBe('42501');
    expect((await w.error('analystA', `select * from ${await w.liveSchema('source_queries')}.source_queries`)).code).toBe('42501');
    const rows = await w.rows('auditorA', QUERIES);
    expect(owners(rows)).toEqual(['ac-alice', 'ac-alice', 'ac-bob']);
    w.expectNoForeign(rows);
  });
});

describe('secrets', () => {
  it('the control: the opener reads every live tenant\'s current sealed values, none of the deleted tenant', async () => {
    const rows = await w.rows('opener', 'select tenant_id, owner_id, sealed, legacy from internal.secrets');
    expect(rows.filter((r) => r['tenant_id'] === w.a.id)).toHaveLength(6);
    expect(rows.filter((r) => r['tenant_id'] === w.b.id)).toHaveLength(6);
    expect(rows.filter((r) => r['tenant_id'] === w.c.id)).toHaveLength(0);
  });

  it('the opener reads nothing else: no analytics view, no read-model table', async () => {
    expect((await w.error('opener', SOURCES)).code).toBe('42501');
    expect((await w.error('opener', `select * from ${await w.liveSchema('sources')}.sources`)).code).toBe('42501');
  });

  it('the app (bound as the secret\'s own user), analysts, auditors and the projector are refused, view and table alike', async () => {
    const table = `${await w.liveSchema('secrets')}.secrets`;
    for (const sql of ['select * from internal.secrets', `select * from ${table}`]) {
      const app = await w.appError(w.a.id, 'ac-alice', sql);
      expect(app?.code, sql).toBe('42501');
      for (const who of ['analystA', 'auditorA', 'projector'] as const) {
        const error = await w.error(who, sql);
        expect(error.code, `${who}: ${sql}`).toBe('42501');
        w.expectNoForeign({ message: error.message, detail: error.detail });
      }
    }
  });

  it('structurally: no app, analyst, auditor, projector, writer or eraser privilege on any generation of it, nor on internal', async () => {
    await expectOnlyTheOpenerReads(w, 'secrets');
  });

  it('structurally: analysts and auditors have no privilege on provider keys; the writer deletes only provider keys, secrets, memories and chat content', async () => {
    const keyTables = await generationTables(w, 'provider_keys');
    for (const role of [w.rm.roles.analysts, w.rm.roles.auditors, w.analysts!.auditorA.role])
      for (const table of [...keyTables, 'analytics.provider_keys']) {
        const [row] = await w.rows('superuser', "select has_table_privilege($1, $2, 'SELECT') as s", [role, table]);
        expect(row, `${role} on ${table}`).toEqual({ s: false });
      }
    const deletable = await w.rows('superuser', `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname like 'rm\\_%' and c.relkind = 'r' and has_table_privilege($1, c.oid, 'DELETE') order by 1`, [w.rm.roles.writer]);
    expect(deletable.map((r) => r['relname'])).toEqual(['chat_content', 'memories', 'provider_keys', 'secrets']);
  });
});

describe('no ciphertext anywhere a person can look', () => {
  it('every relation an analyst, auditor or app user can read holds no ciphertext, nonce or legacy value', async () => {
    const readable = async (role: string) => (await w.rows('superuser', `select c.oid::regclass::text as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where (n.nspname = 'analytics' or n.nspname like 'rm\\_%' or n.nspname = 'internal') and c.relkind in ('r', 'v')
        and has_schema_privilege($1, n.oid, 'USAGE') and has_table_privilege($1, c.oid, 'SELECT') order by 1`, [role])).map((r) => String(r['t']));
    const auditor = await readable(w.analysts!.auditorA.role);
    expect(auditor).toContain('analytics.sources');
    expect(auditor).toContain('analytics.source_queries');
    for (const t of auditor) w.expectNoForeign(await w.rows('auditorA', `select * from ${t}`));
    const app = await readable(w.rm.roles.app);
    expect(app).toContain('analytics.provider_keys');
    for (const t of app) w.expectNoForeign(await w.appRows(w.a.id, 'ac-owner', `select * from ${t}`));
    for (const t of app) w.expectNoForeign(await w.appRows(w.a.id, 'ac-alice', `select * from ${t}`));
  });
});

describe('erase_user, the reviewed path that erases one user', () => {
  const call = 'select projection_meta.erase_user($1, 1, $2, $3, 99)';

  it('is out of reach of the app, the analysts and the projector outside the wrapper', async () => {
    for (const who of ['analystA', 'auditorA', 'opener'] as const)
      expect((await w.error(who, call, ['members', w.b.id, 'gx-alice'])).message).toMatch(/permission denied for schema projection_meta/);
    expect((await w.error('app', call, ['members', w.b.id, 'gx-alice'])).message).toMatch(/permission denied for schema projection_meta/);
    expect((await w.error('projector', call, ['members', w.b.id, 'gx-alice'])).message).toMatch(/permission denied for function erase_user/);
    expect(await w.rows('superuser', "select 1 from analytics.members where user_id = 'gx-alice'")).toHaveLength(1);
  });

  describe('through the wrapper', () => {
    let pool: pg.Pool;
    let members: ModelTarget;
    beforeAll(async () => {
      pool = openPool({ ...asRole(w.rm.url, w.rm.roles.projector), max: 1 });
      const [g] = await w.rows('superuser', "select generation, schema_name from projection_meta.generations where model = 'members' and state = 'active'");
      members = { model: 'members', generation: Number(g!['generation']), schema: String(g!['schema_name']) };
    });
    afterAll(async () => pool?.end());
    const erase = (target: ModelTarget, tenantId: string, userId: string) =>
      ProjectorTransaction.run(pool, w.rm.roles, async (tx) => {
        const n = await eraseUser(tx, target, { tenantId, userId, seq: 99 });
        throw Object.assign(new Error('rollback: keep the fixture'), { n });
      }).then(() => undefined, (e: { code?: string; n?: number; message: string }) => e);

    it('deletes exactly one user\'s rows of one tenant (rolled back here)', async () => {
      expect((await erase(members, w.b.id, 'gx-alice'))?.n).toBe(1);
      expect(await w.rows('superuser', "select 1 from analytics.members where user_id = 'gx-alice'")).toHaveLength(1);
    });

    it('refuses a user id that is not a principal id, so no pattern can match more than one user', async () => {
      for (const userId of ['', '%', 'gx-alice\' or true --', '.*']) expect((await erase(members, w.b.id, userId))?.code, userId).toBe('22023');
    });

    it('refuses a generation that is not live or being built', async () => {
      expect((await erase({ ...members, generation: 999 }, w.b.id, 'gx-alice'))?.code).toBe('PA404');
    });
  });

  it('the trigger lets the eraser redact, nothing more: no other column, no free rewriting', async () => {
    const audit = `${await w.liveSchema('audit')}.audit_log`;
    const attempt = (set: string) => w.as('superuser', async (c) => {
      await c.query('begin');
      await c.query(`set local role "${w.rm.roles.eraser}"`);
      const result = await c.query(`update ${audit} set ${set} where tenant_id = $1 and seq = 2`, [w.b.id]).then(() => undefined, (e: pg.DatabaseError) => e);
      await c.query('rollback');
      return result;
    });
    expect((await attempt("actor_id = 'someone-else'"))?.code).toBe('PA403');
    expect((await attempt("summary = 'rewritten'"))?.code).toBe('PA403');
    expect((await attempt("target = 'someone-else'"))?.code).toBe('PA403');
    expect((await attempt("hash = repeat('0', 64)"))?.code).toBe('42501');
    // The control: a redaction goes through (and is rolled back).
    expect(await attempt("actor_id = '[erased]', summary = replace(summary, 'gx-admin', '[erased]')")).toBeUndefined();
  });
});
