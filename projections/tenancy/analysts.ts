// Per-tenant analyst logins (`palisade analysts grant|revoke|list`). An analyst is a LOGIN role
// with an opaque name (role names are visible to every session, so they must not reveal a
// tenant or a person), bound to one tenant by a row in tenancy_private.analysts that only the
// operator writes: the binding follows the login, not any setting the analyst can change.
// Run with a role that may CREATE ROLE and read every tenant (the stack's superuser).
import { randomBytes } from 'node:crypto';
import pg from '../../adapters/postgres/pg.ts';
import { isCanonicalUuid } from '../../domain/validation.ts';
import { ProjectionError } from '../errors.ts';
import { loadRoles, quoteIdent, roleMarker, type TenancyRoles } from '../../adapters/postgres/roles.ts';
import { randomPassword, scramSha256Verifier } from './scram.ts';

export const ANALYST_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
/** Concurrent sessions one analyst login may hold. */
export const ANALYST_CONNECTION_LIMIT = 10;

export interface AnalystGrant {
  readonly tenantId: string;
  readonly name: string;
  /** Also grant the audit views (the tenant's audit log). */
  readonly audit: boolean;
}

export interface GrantedAnalyst extends AnalystGrant {
  readonly role: string;
  /** Shown once: only a SCRAM verifier of it is stored. */
  readonly password: string;
  readonly connectionString: string;
}

export interface AnalystRecord extends AnalystGrant {
  readonly role: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  readonly sessions: number;
}

async function withTransaction<T>(databaseUrl: string, fn: (client: pg.Client, roles: TenancyRoles) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined); // a lost connection fails the pending query instead
  await client.connect();
  try {
    const roles = await loadRoles(client);
    await client.query('begin');
    try {
      const result = await fn(client, roles);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

function checkGrant(grant: { tenantId: string; name: string }): void {
  if (!isCanonicalUuid(grant.tenantId))
    throw new ProjectionError('ANALYST_INVALID_TENANT', `--tenant must be a lowercase canonical UUID, got "${grant.tenantId}"`);
  if (!ANALYST_NAME.test(grant.name))
    throw new ProjectionError('ANALYST_INVALID_NAME', `--name must match ${ANALYST_NAME.source} (lowercase letters, digits, . _ -), got "${grant.name}"`);
}

/** postgresql://role:password@host:port/database, from the operator's URL. */
export function analystConnectionString(databaseUrl: string, role: string, password: string): string {
  const source = new URL(databaseUrl);
  const url = new URL(`postgresql://${source.host}${source.pathname}`);
  url.username = role;
  url.password = password;
  return url.toString();
}

export async function grantAnalyst(databaseUrl: string, grant: AnalystGrant): Promise<GrantedAnalyst> {
  checkGrant(grant);
  return withTransaction(databaseUrl, async (client, roles) => {
    const tenant = await client.query('select 1 from analytics.tenants where tenant_id = $1', [grant.tenantId]);
    if (tenant.rowCount === 0)
      throw new ProjectionError('ANALYST_TENANT_NOT_FOUND', `tenant ${grant.tenantId} is not in the tenants read model (not created yet, deleted, or the projector is behind)`);
    const taken = await client.query('select 1 from tenancy_private.analysts where tenant_id = $1 and name = $2 and revoked_at is null', [grant.tenantId, grant.name]);
    if (taken.rowCount !== 0)
      throw new ProjectionError('ANALYST_EXISTS', `tenant ${grant.tenantId} already has an analyst "${grant.name}": revoke it first`);
    const role = `${roles.prefix}_a_${randomBytes(6).toString('hex')}`;
    const password = randomPassword();
    const { rows } = await client.query<{ v: number }>("select current_setting('server_version_num')::int as v");
    // PostgreSQL 16+: inherit the group's privileges without being able to SET ROLE to it.
    const option = (rows[0]?.v ?? 0) >= 160000 ? ' with inherit true, set false' : '';
    await client.query(
      `create role ${quoteIdent(role)} login inherit nosuperuser nocreatedb nocreaterole noreplication nobypassrls ` +
        `connection limit ${ANALYST_CONNECTION_LIMIT} password '${scramSha256Verifier(password)}'`,
    );
    const database = (await client.query<{ db: string }>('select current_database() as db')).rows[0]!.db;
    await client.query(`comment on role ${quoteIdent(role)} is '${roleMarker(database).replace(/'/g, "''")}'`);
    await client.query(`grant ${quoteIdent(roles.analysts)} to ${quoteIdent(role)}${option}`);
    if (grant.audit) await client.query(`grant ${quoteIdent(roles.auditors)} to ${quoteIdent(role)}${option}`);
    await client.query('insert into tenancy_private.analysts (role_name, tenant_id, name, audit) values ($1, $2, $3, $4)', [role, grant.tenantId, grant.name, grant.audit]);
    return { role, tenantId: grant.tenantId, name: grant.name, audit: grant.audit, password, connectionString: analystConnectionString(databaseUrl, role, password) };
  });
}

/** Revokes the binding, ends the analyst's sessions and drops the login. */
export async function revokeAnalyst(databaseUrl: string, target: { tenantId: string; name: string }): Promise<{ role: string; terminatedSessions: number }> {
  checkGrant(target);
  const role = await withTransaction(databaseUrl, async (client) => {
    const { rows } = await client.query<{ role_name: string }>(
      'update tenancy_private.analysts set revoked_at = now() where tenant_id = $1 and name = $2 and revoked_at is null returning role_name',
      [target.tenantId, target.name],
    );
    if (rows[0] === undefined) throw new ProjectionError('ANALYST_NOT_FOUND', `tenant ${target.tenantId} has no analyst "${target.name}"`);
    return rows[0].role_name;
  });
  // The binding is gone (current_tenant() is null for it from now on); then the sessions and the login.
  return withTransaction(databaseUrl, async (client) => {
    const terminated = await client.query('select pg_terminate_backend(pid) from pg_stat_activity where usename = $1', [role]);
    await client.query(`drop owned by ${quoteIdent(role)}`);
    await client.query(`drop role if exists ${quoteIdent(role)}`);
    return { role, terminatedSessions: terminated.rowCount ?? 0 };
  });
}

/**
 * Revokes every analyst login of a deleted tenant (docs/spec.md: DeleteTenant drops its analyst
 * roles). Needs a login that may drop roles (the one `analysts grant` uses). Idempotent.
 */
export async function revokeTenantAnalysts(databaseUrl: string, tenantId: string): Promise<string[]> {
  const active = await listAnalysts(databaseUrl, { tenantId });
  const revoked: string[] = [];
  for (const analyst of active) {
    try {
      revoked.push((await revokeAnalyst(databaseUrl, { tenantId, name: analyst.name })).role);
    } catch (error) {
      if (!(error instanceof ProjectionError && error.code === 'ANALYST_NOT_FOUND')) throw error; // revoked meanwhile
    }
  }
  return revoked;
}

export async function listAnalysts(databaseUrl: string, filter: { tenantId?: string; includeRevoked?: boolean } = {}): Promise<AnalystRecord[]> {
  if (filter.tenantId !== undefined && !isCanonicalUuid(filter.tenantId))
    throw new ProjectionError('ANALYST_INVALID_TENANT', `--tenant must be a lowercase canonical UUID, got "${filter.tenantId}"`);
  return withTransaction(databaseUrl, async (client) => {
    const { rows } = await client.query<{ role_name: string; tenant_id: string; name: string; audit: boolean; created_at: Date; revoked_at: Date | null; sessions: number }>(
      `select a.role_name, a.tenant_id, a.name, a.audit, a.created_at, a.revoked_at,
              (select count(*) from pg_stat_activity s where s.usename = a.role_name)::int as sessions
       from tenancy_private.analysts a
       where ($1::uuid is null or a.tenant_id = $1) and ($2 or a.revoked_at is null)
       order by a.tenant_id, a.name, a.created_at`,
      [filter.tenantId ?? null, filter.includeRevoked === true],
    );
    return rows.map((r) => ({
      role: r.role_name, tenantId: r.tenant_id, name: r.name, audit: r.audit,
      createdAt: r.created_at.toISOString(), revokedAt: r.revoked_at?.toISOString() ?? null, sessions: r.sessions,
    }));
  });
}
