// THE wrapper through which the projector writes (docs/spec.md "Read models and Row-Level
// Security"). A transaction switches to the writer role (SET LOCAL ROLE, so it ends with the
// transaction); the writer's policies let it touch every tenant's rows, so every statement on
// a read-model table goes through bypass(), which demands an explicit tenant filter, checks it
// at run time and records each use in projection_meta.bypass_uses in the same transaction.
// Tenant erasure goes through the one SECURITY DEFINER function, erase_tenant. Nothing else
// may run here but fixed bookkeeping on projection_meta (meta()).
import { createHash } from 'node:crypto';
import type pg from '../../adapters/postgres/pg.ts';
import { isCanonicalUuid } from '../../domain/validation.ts';
import { ProjectionError } from '../errors.ts';
import { quoteIdent, type TenancyRoles } from '../../adapters/postgres/roles.ts';
import { checkBypassStatement, maskSql, type BypassStatement } from './bypass-check.ts';

export type { BypassStatement } from './bypass-check.ts';

/** One generation of one read model: where its rows go. */
export interface ModelTarget {
  readonly model: string;
  readonly generation: number;
  readonly schema: string;
}

interface BypassUse {
  readonly model: string;
  readonly generation: number;
  readonly reason: string;
  readonly sha256: string;
  readonly tenants: number;
  readonly rows: number;
}

const statementHashes = new Map<string, string>();
function sha256Of(text: string): string {
  let hash = statementHashes.get(text);
  if (hash === undefined) {
    hash = createHash('sha256').update(text, 'utf8').digest('hex');
    if (statementHashes.size < 10_000) statementHashes.set(text, hash);
  }
  return hash;
}

export class ProjectorTransaction {
  private readonly client: pg.PoolClient;
  private readonly uses: BypassUse[] = [];

  private constructor(client: pg.PoolClient) {
    this.client = client;
  }

  /**
   * Runs `fn` in one transaction as the writer role and commits (with the recorded uses), or
   * rolls back and rethrows. `pool` sessions must act as the projector role (see asRole).
   */
  static async run<T>(pool: pg.Pool, roles: TenancyRoles, fn: (tx: ProjectorTransaction) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken = false;
    // A checked-out client has no error listener of the pool's: without one, a connection that
    // dies between two statements would crash the process instead of failing this transaction.
    const onError = () => { broken = true; };
    client.on('error', onError);
    try {
      try {
        await client.query(`begin; set local role ${quoteIdent(roles.writer)}`);
        const tx = new ProjectorTransaction(client);
        const result = await fn(tx);
        await tx.recordUses();
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => { broken = true; });
        throw error;
      }
    } catch (error) {
      broken ||= isConnectionLevel(error);
      throw error;
    } finally {
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  /** A cross-tenant statement on `target`'s tables: checked, run, recorded. Returns the row count. */
  async bypass(target: ModelTarget, statement: BypassStatement): Promise<number> {
    const tenants = checkBypassStatement(statement);
    const result = await this.client.query(statement.text, [tenants, ...(statement.values ?? [])]);
    const rows = result.rowCount ?? 0;
    this.uses.push({ model: target.model, generation: target.generation, reason: statement.reason, sha256: sha256Of(statement.text), tenants: tenants.length, rows });
    return rows;
  }

  /** Deletes every row of `tenantId` from `target`'s generation, audit included (TenantDeleted at `seq`). */
  async eraseTenant(target: ModelTarget, tenantId: string, seq: number): Promise<number> {
    if (!isCanonicalUuid(tenantId)) throw new ProjectionError('BYPASS_INVALID_TENANT', `${target.model}.erase_tenant: "${tenantId}" is not a lowercase canonical UUID`);
    const { rows } = await this.client.query<{ n: string }>('select projection_meta.erase_tenant($1, $2, $3, $4) as n', [target.model, target.generation, tenantId, seq]);
    const erased = Number(rows[0]?.n ?? 0);
    this.uses.push({ model: target.model, generation: target.generation, reason: `${target.model}.erase_tenant`, sha256: sha256Of('projection_meta.erase_tenant'), tenants: 1, rows: erased });
    return erased;
  }

  /** Bookkeeping on projection_meta (offsets, generations, erasures, locks) and quarantine (heads, quarantines) only. */
  async meta<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<pg.QueryResult<R>> {
    const code = maskSql(text, { keepIdentifiers: true }).replace(/"/g, '');
    if (/\b(rm_\w+|analytics|tenancy_private)\s*\./i.test(code) || !/\b(projection_meta|quarantine)\s*\./i.test(code))
      throw new ProjectionError('META_STATEMENT_TOUCHES_READ_MODEL', 'meta() is for projection_meta bookkeeping; read-model rows go through bypass()');
    return this.client.query<R>(text, [...values]);
  }

  private async recordUses(): Promise<void> {
    if (this.uses.length === 0) return;
    const column = <K extends keyof BypassUse>(key: K) => this.uses.map((u) => u[key]);
    await this.client.query(
      `insert into projection_meta.bypass_uses (model, generation, reason, statement_sha256, tenant_count, row_count)
       select * from unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::int[], $6::bigint[])`,
      [column('model'), column('generation'), column('reason'), column('sha256'), column('tenants'), column('rows')],
    );
  }
}

/** A connection that failed at the socket level must not go back to the pool. */
function isConnectionLevel(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (code.startsWith('08') || code.startsWith('57P') || code.startsWith('E'))) return true;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && /Connection terminated|connection error|not queryable/.test(message);
}
