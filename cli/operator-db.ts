// THE one place the operator commands (quarantine, tenants, members) open the database: with
// the operator's own credentials as the CLI has them (config.databaseUrl). Per-service logins
// (issue 12) switch this one function to the operator's login.
import { openPool } from '../adapters/postgres/pool.ts';
import type { Run } from '../adapters/postgres/quarantine.ts';
import type { AppConfig } from '../deploy/config/config.ts';

export async function withOperatorDatabase<T>(config: AppConfig, fn: (run: Run) => Promise<T>): Promise<T> {
  const pool = openPool({ connectionString: config.databaseUrl, max: 1, connectionTimeoutMillis: 10_000 });
  try {
    return await fn(async (text, values) => pool.query(text, values ? [...values] : []));
  } finally {
    await pool.end().catch(() => undefined);
  }
}
