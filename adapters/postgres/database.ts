// Small PostgreSQL helpers for the stack, migrations and tests: connect with a timeout, wait for
// a server, create a database when missing, drop one.
import pg from 'pg';
import type { Client as PgClient } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseNameOf } from '../../deploy/config/env.ts';
import { StackError, oneLine } from '../../deploy/errors.ts';

/** Run `fn` with a connected client, ending it afterwards in every case. */
export async function withClient<T>(databaseUrl: string, fn: (client: PgClient) => Promise<T>, connectTimeoutMs = 10_000): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: connectTimeoutMs, application_name: 'palisade-deploy' });
  client.on('error', () => undefined); // a server shutdown while idle must not crash us
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The same server's maintenance database (`postgres`), for CREATE / DROP DATABASE. */
export function maintenanceUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  return url.toString();
}

/** `url` with its database replaced by `name`. */
export function withDatabase(databaseUrl: string, name: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

/** The URL without its password, for messages and status output. */
export function redactUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** Wait until `databaseUrl` accepts a login and `select 1`. */
export async function waitForPostgres(
  databaseUrl: string,
  options: { timeoutMs: number; alive?: () => boolean; logFile?: string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const see = options.logFile === undefined ? '' : `; see ${options.logFile}`;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (options.alive !== undefined && !options.alive())
      throw new StackError('START_FAILED', `PostgreSQL exited during start${see}`);
    try {
      await withClient(databaseUrl, (client) => client.query('select 1'), 2_000);
      return;
    } catch (error) {
      lastError = error;
      // 3D000: the server is up but the database does not exist; waiting will not help.
      if ((error as { code?: string }).code === '3D000') return;
    }
    await sleep(200);
  }
  throw new StackError(
    'START_TIMEOUT',
    `PostgreSQL at ${redactUrl(databaseUrl)} did not answer within ${Math.round(options.timeoutMs / 1000)} s (last error: ${oneLine(lastError)})${see}`,
    { cause: lastError, retriable: true },
  );
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Create the database named in `databaseUrl` when it does not exist (via the `postgres` db). */
export async function ensureDatabase(databaseUrl: string): Promise<{ created: boolean }> {
  const name = databaseNameOf(databaseUrl);
  if (name === undefined) throw new StackError('START_FAILED', `${redactUrl(databaseUrl)} names no database`);
  return withClient(maintenanceUrl(databaseUrl), async (client) => {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount !== 0) return { created: false };
    try {
      await client.query(`create database ${quoteIdent(name)}`);
      return { created: true };
    } catch (error) {
      if ((error as { code?: string }).code === '42P04') return { created: false }; // created concurrently
      throw error;
    }
  });
}

/** Create database `name` on the server of `serverUrl` (errors if it exists). */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  await withClient(maintenanceUrl(serverUrl), (client) => client.query(`create database ${quoteIdent(name)}`));
  return withDatabase(serverUrl, name);
}

/** Drop database `name` (disconnecting its sessions) if it exists. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withClient(maintenanceUrl(serverUrl), (client) => client.query(`drop database if exists ${quoteIdent(name)} with (force)`));
}
