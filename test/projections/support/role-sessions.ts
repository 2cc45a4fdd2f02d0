// Sessions as the real roles, for the suites that attack the read models: one login URL per
// principal, fresh sessions that close() always ends, and the two shapes every attack takes
// (the rows a statement returns, the error it raises).
import pg from 'pg';
import { quoteIdent } from '../../../adapters/postgres/roles.ts';
import { randomPassword, scramSha256Verifier } from '../../../projections/tenancy/scram.ts';
import type { ReadModelSpine } from './read-models.ts';

/** Gives `role` a LOGIN password (what an operator would set) and returns its connection URL. */
export async function loginUrl(rm: ReadModelSpine, role: string): Promise<string> {
  const password = randomPassword();
  await rm.admin.query(`alter role ${quoteIdent(role)} login password '${scramSha256Verifier(password)}'`);
  const url = new URL(rm.url);
  url.username = role;
  url.password = password;
  return url.toString();
}

export abstract class RoleSessions<P extends string> {
  readonly rm: ReadModelSpine;
  readonly urls: Readonly<Partial<Record<P, string>>>;
  private readonly open = new Set<pg.Client>();

  protected constructor(rm: ReadModelSpine, urls: Readonly<Partial<Record<P, string>>>) {
    this.rm = rm;
    this.urls = urls;
  }

  /** A new session as `who` (closed by close() if the test does not). */
  async connect(who: P, options: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
    const url = this.urls[who];
    if (url === undefined) throw new Error(`no login for ${who} (create the world with logins: true)`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, ...options });
    client.on('error', () => undefined);
    await client.connect();
    this.open.add(client);
    return client;
  }

  /** Runs `fn` in a fresh session as `who`, then closes it. */
  async as<R>(who: P, fn: (c: pg.Client) => Promise<R>): Promise<R> {
    const client = await this.connect(who);
    try {
      return await fn(client);
    } finally {
      this.open.delete(client);
      await client.end().catch(() => undefined);
    }
  }

  /** The rows of `sql` as `who`. */
  rows(who: P, sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
    return this.as(who, async (c) => (await c.query(sql, values)).rows);
  }

  /** The error `sql` raises as `who` (fails the test if it does not raise). */
  async error(who: P, sql: string, values: unknown[] = []): Promise<pg.DatabaseError> {
    return this.as(who, async (c) => {
      try {
        await c.query(sql, values);
      } catch (error) {
        return error as pg.DatabaseError;
      }
      throw new Error(`expected "${sql}" to fail as ${who}, but it succeeded`);
    });
  }

  async close(): Promise<void> {
    for (const client of this.open) await client.end().catch(() => undefined);
    await this.rm.close();
  }
}
