// How the API reads the read models: through the app role, bound to one tenant (and the
// requesting user) for ONE transaction. The binding is made with SET LOCAL semantics inside
// BEGIN … COMMIT, never per pooled session; the connection is reset (DISCARD ALL) before it
// goes back to the pool, so not even a held cursor outlives the request. Errors reach callers
// as READ_FAILED with the SQLSTATE only: a server message could quote row data.
import pg from '../../adapters/postgres/pg.ts';
import { isCanonicalUuid } from '../../domain/validation.ts';
import { AppReadError, ProjectionError } from '../errors.ts';
import { sqlStateOf } from '../pg-errors.ts';
import { asRole, type Queryable, type TenancyRoles } from '../../adapters/postgres/roles.ts';
import { openPool } from '../../adapters/postgres/pool.ts';

export interface AppBinding {
  readonly tenantId: string;
  /** The requesting user; audit views need an active owner or admin of the tenant. */
  readonly userId?: string;
}

export class AppReader {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /** A pool whose sessions act as the app role, whatever login the URL holds. */
  static pool(databaseUrl: string, roles: TenancyRoles, max = 10): pg.Pool {
    return openPool({ ...asRole(databaseUrl, roles.app), max });
  }

  /** Runs `fn` in one transaction bound to `binding`. */
  async read<T>(binding: AppBinding, fn: (q: Queryable) => Promise<T>): Promise<T> {
    if (!isCanonicalUuid(binding.tenantId)) throw new ProjectionError('INVALID_OPTION', 'AppReader.read: tenantId must be a lowercase canonical UUID');
    const client = await this.pool.connect();
    let broken = false;
    const onError = () => { broken = true; }; // see ProjectorTransaction.run
    client.on('error', onError);
    try {
      await client.query('begin read only');
      await client.query('select tenancy.bind($1, $2)', [binding.tenantId, binding.userId ?? null]);
      const result = await fn(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => { broken = true; });
      throw error instanceof ProjectionError ? error : new AppReadError(sqlStateOf(error), error);
    } finally {
      await client.query('discard all').catch(() => { broken = true; });
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
