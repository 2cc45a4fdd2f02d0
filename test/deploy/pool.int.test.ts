// A connection the server terminates while it sits idle in a pool (what a PostgreSQL shutdown
// does to every session) must reach the pool's handler, not crash the process. CI once died of
// exactly this: a test's pool, ended a moment before the server stopped, had no listener.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withClient } from '../../adapters/postgres/database.ts';
import { openPool } from '../../adapters/postgres/pool.ts';
import { createTestDatabase, type TestDatabase } from '../support/stack.ts';

let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase({ migrate: false }); });
afterAll(async () => { await db.drop(); });

it('hands an idle connection killed by the server (57P01) to the handler and keeps serving', async () => {
  const seen: Array<string | undefined> = [];
  const pool = openPool({ connectionString: db.url, max: 1 }, (error) => seen.push((error as { code?: string }).code));
  try {
    const pid = Number((await pool.query('select pg_backend_pid() as pid')).rows[0].pid);
    await withClient(db.url, (admin) => admin.query('select pg_terminate_backend($1)', [pid]));
    for (let deadline = Date.now() + 10_000; seen.length === 0; ) {
      if (Date.now() > deadline) throw new Error('the pool never reported the terminated connection');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(seen).toStrictEqual(['57P01']);
    const again = Number((await pool.query('select pg_backend_pid() as pid')).rows[0].pid);
    expect(again).not.toBe(pid);
  } finally {
    await pool.end();
  }
});
