// The database roles of the read models (docs/adr/0003-row-level-security.md). Their names
// carry a per-database prefix recorded in tenancy.installation by migration 0002, because roles
// are cluster-wide while every test database needs its own.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { MigrationError } from './errors.ts';

export const ROLE_KINDS = ['owner', 'projector', 'writer', 'eraser', 'app', 'analysts', 'auditors'] as const;
export type RoleKind = (typeof ROLE_KINDS)[number];

export type TenancyRoles = { readonly prefix: string } & { readonly [K in RoleKind]: string };

export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** Same rule as migration 0002: the database name when short and plain, else a hash of it. */
export function rolePrefixFor(databaseName: string): string {
  if (/^[a-z][a-z0-9]{0,15}$/.test(databaseName)) return databaseName;
  return `p${createHash('md5').update(databaseName, 'utf8').digest('hex').slice(0, 12)}`;
}

/** The comment every role of `databaseName` carries, so no other database's role is touched. */
export function roleMarker(databaseName: string): string {
  return `palisade role of database ${databaseName}`;
}

export function rolesFromPrefix(prefix: string): TenancyRoles {
  const roles: Record<string, string> = { prefix };
  for (const kind of ROLE_KINDS) roles[kind] = `${prefix}_${kind}`;
  return roles as TenancyRoles;
}

/** The roles of the database `q` is connected to; NOT_MIGRATED before migration 0002. */
export async function loadRoles(q: Queryable): Promise<TenancyRoles> {
  try {
    const { rows } = await q.query<{ role_prefix: string }>('select role_prefix from tenancy.installation');
    if (rows[0] !== undefined) return rolesFromPrefix(rows[0].role_prefix);
  } catch (error) {
    if ((error as { code?: string }).code !== '42P01' && (error as { code?: string }).code !== '3F000') throw error;
  }
  throw new MigrationError('NOT_MIGRATED', 'this database has no read-model roles yet: run `palisade migrate` (or `palisade stack up`)');
}

export async function loadRolesFrom(databaseUrl: string): Promise<TenancyRoles> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined); // a lost connection fails the pending query instead
  await client.connect();
  try {
    return await loadRoles(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * pg connection settings that make every session of a pool act as `role` from its first
 * statement (a startup parameter, so RESET ROLE and DISCARD ALL keep it). With a LOGIN of that
 * very role in the URL this is a no-op; with an operator's URL it drops to the role's rights.
 */
export function asRole(databaseUrl: string, role: string): pg.PoolConfig {
  return { connectionString: databaseUrl, options: `-c role=${role}`, connectionTimeoutMillis: 10_000 };
}

/**
 * Drops the roles migrations and `palisade analysts grant` made for `databaseName` — call it
 * after dropping that database (roles outlive databases). Only roles whose comment names the
 * database are dropped. Returns their names.
 */
export async function dropDatabaseRoles(serverUrl: string, databaseName: string): Promise<string[]> {
  const url = new URL(serverUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const prefix = rolePrefixFor(databaseName);
    const { rows } = await client.query<{ rolname: string }>(
      `select r.rolname from pg_roles r
       where starts_with(r.rolname, $1) and shobj_description(r.oid, 'pg_authid') = $2
       order by r.rolcanlogin desc, r.rolname`,
      [`${prefix}_`, roleMarker(databaseName)],
    );
    const dropped: string[] = [];
    for (const { rolname } of rows) {
      await client.query(`drop role if exists ${quoteIdent(rolname)}`);
      dropped.push(rolname);
    }
    return dropped;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Drops every role whose marker names a database that no longer exists (left behind by a
 * database dropped without dropDatabaseRoles, e.g. by a crashed test run). Safe while other
 * databases are being created: their roles are made after their database. Returns the names.
 */
export async function dropOrphanedRoles(serverUrl: string): Promise<string[]> {
  const url = new URL(serverUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ rolname: string }>(
      `select r.rolname from pg_roles r
       where shobj_description(r.oid, 'pg_authid') like $1
         and not exists (select 1 from pg_database d where shobj_description(r.oid, 'pg_authid') = $2 || d.datname)
       order by r.rolcanlogin desc, r.rolname`,
      [`${roleMarker('')}%`, roleMarker('')],
    );
    const dropped: string[] = [];
    for (const { rolname } of rows) {
      try {
        await client.query(`drop role if exists ${quoteIdent(rolname)}`);
        dropped.push(rolname);
      } catch {
        // Still referenced somewhere (or dropped concurrently): leave it for a later sweep.
      }
    }
    return dropped;
  } finally {
    await client.end().catch(() => undefined);
  }
}
