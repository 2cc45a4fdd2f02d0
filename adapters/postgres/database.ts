// Small PostgreSQL helpers for the stack, migrations and tests: connect with a timeout, name
// and rename a URL's database, create and drop one.
import pg from 'pg';
import type { Client as PgClient } from 'pg';
import { quoteIdent } from './roles.ts';

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

/** The database name in a postgres URL (undefined when it names none). */
export function databaseNameOf(databaseUrl: string): string | undefined {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
  return name.length > 0 && !name.includes('/') ? name : undefined;
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

/** Create database `name` on the server of `serverUrl` (errors if it exists). */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  await withClient(maintenanceUrl(serverUrl), (client) => client.query(`create database ${quoteIdent(name)}`));
  return withDatabase(serverUrl, name);
}

/** Drop database `name` (disconnecting its sessions) if it exists. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withClient(maintenanceUrl(serverUrl), (client) => client.query(`drop database if exists ${quoteIdent(name)} with (force)`));
}
