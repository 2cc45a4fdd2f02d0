// The stack's PostgreSQL server, seen from outside: wait until it answers, create the
// database the configuration names when it is missing (`stack up`, `palisade migrate`).
// Failures are StackErrors that say what to do.
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseNameOf, maintenanceUrl, redactUrl, withClient } from '../../adapters/postgres/database.ts';
import { quoteIdent } from '../../adapters/postgres/roles.ts';
import { StackError, oneLine } from '../errors.ts';

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
