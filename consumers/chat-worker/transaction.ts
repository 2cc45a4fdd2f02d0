// One transaction on a pooled connection: committed when `work` resolves, rolled back when it
// throws (the error is rethrown; a failed rollback is not allowed to hide it), released either way.
import type pg from '../../adapters/postgres/pg.ts';

export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
