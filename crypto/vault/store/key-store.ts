// The key store: PostgreSQL I/O around crypto/vault/'s pure key wrapping (schema `vault`, migration
// 0012). Wrapped DEKs per owner and version, tombstones of erased owners and destroyed versions,
// the processor's intake key pair, open counters, and KEK rotation. Key bytes exist in the clear
// only in sodium secure memory, for as long as a wrap or unwrap takes, and are zeroed after.
//
// Concurrency: every statement that creates or destroys a DEK runs in a transaction holding the
// tenant's advisory lock (pg_advisory_xact_lock(VAULT_LOCK, hashtext(tenant_id))), so a creation
// either sees the tombstone of a destroy or happens entirely before it: a DEK is never created
// for an erased owner, and two concurrent creators of the same DEK get the same row.
import { createHash } from 'node:crypto';
import type pg from '../../../adapters/postgres/pg.ts';
import { zero } from '../../secure-memory.ts';
import { isCanonicalUuid, isPrincipalId } from '../../../domain/validation.ts';
import {
  type DekOwner, type IntakeKeyPair, type Kek, type WrappedDek, VaultError,
  generateDek, generateIntakeKeyPair, rewrap, withDek, wrapDek,
} from '../index.ts';
import type { SecureBuffer } from '../../secure-memory.ts';
import { DekCache, type DekCacheOptions } from './dek-cache.ts';
import { KeyStoreError } from './errors.ts';
import { type WrappedIntakeKey, rewrapIntakeKey, unwrapIntakeKey, wrapIntakeKey } from './intake-wrap.ts';
import { dekKid } from '../../../domain/tenant/secrets.ts';

/** First key of the vault's advisory locks ('vlt\0'); the second is hashtext(tenant_id). */
export const VAULT_LOCK = 0x766c7400;
const MAX_KV = 2_147_483_647; // the column is an integer
const KID = /^[A-Za-z0-9._:@-]{1,160}$/;

/** Whose DEK: a user of a tenant (erasing the user destroys it). */
export interface UserOwner {
  readonly tenantId: string;
  readonly userId: string;
}

/** The key id of a user's DEK. */
export function userKid(userId: string): string {
  return dekKid(userId);
}

/** Public fingerprint of an intake public key: `sha256:` + the first 16 bytes of its SHA-256, hex. */
export function intakeKeyFingerprint(publicKey: Uint8Array): string {
  return `sha256:${createHash('sha256').update(publicKey).digest('hex').slice(0, 32)}`;
}

export interface KeyStoreOptions {
  /** The wrapped-DEK cache (dek-cache.ts); `false` turns it off. */
  readonly cache?: DekCacheOptions | false;
}

export interface DekOpenCount {
  readonly kid: string;
  readonly kv: number;
  readonly owner: DekOwner;
  readonly createdAt: string;
  readonly opens: number;
  /** ISO 8601, or null when never opened. */
  readonly lastOpenedAt: string | null;
}

export interface IntakeKeyInfo {
  readonly publicKey: Buffer;
  readonly fingerprint: string;
  /** The KEK that wraps its secret half. */
  readonly kekId: string;
  readonly createdAt: string;
  /** Whether this call created it. */
  readonly created: boolean;
}

export interface RotationProgress {
  readonly phase: 'deks' | 'intake-keys';
  /** Rows rewrapped so far in this phase (committed). */
  readonly done: number;
  /** Rows that were not under the new KEK when the phase began (at least `done`). */
  readonly total: number;
}

export interface RotateKekOptions {
  /** DEK rows per transaction (1..10000, default 500). */
  readonly batchSize?: number;
  /** Called after each committed batch; a throw stops the rotation (rerun to resume). */
  readonly onProgress?: (progress: RotationProgress) => void | Promise<void>;
}

export interface RotateKekResult {
  /** DEK rows this call rewrapped (rows already under the new KEK are skipped: resumable). */
  readonly rewrapped: number;
  /** Intake key rows this call rewrapped. */
  readonly intakeKeys: number;
  readonly oldKekId: string;
  readonly newKekId: string;
}

interface DekRow {
  tenant_id: string;
  kid: string;
  kv: number;
  owner_kind: string;
  user_id: string | null;
  kek_id: string;
  nonce: Buffer;
  ciphertext: Buffer;
}

interface IntakeRow {
  id: string;
  public_key: Buffer;
  kek_id: string;
  nonce: Buffer;
  ciphertext: Buffer;
  created_at: Date;
}

const DEK_COLUMNS = 'tenant_id, kid, kv, owner_kind, user_id, kek_id, nonce, ciphertext';
const INTAKE_COLUMNS = 'id, public_key, kek_id, nonce, ciphertext, created_at';

function invalid(what: string): KeyStoreError {
  return new KeyStoreError('INVALID_ARGUMENT', what);
}

function checkTenant(tenantId: string): void {
  if (!isCanonicalUuid(tenantId)) throw invalid('tenantId must be a lowercase canonical UUID');
}

function checkUser(userId: string): void {
  if (!isPrincipalId(userId)) throw invalid('userId must be 1-128 of [A-Za-z0-9._:@-], starting alphanumeric');
}

function checkKid(kid: string): void {
  if (typeof kid !== 'string' || !KID.test(kid)) throw invalid('kid must be 1-160 of [A-Za-z0-9._:@-]');
}

function checkKv(kv: number): void {
  if (!Number.isSafeInteger(kv) || kv < 1 || kv > MAX_KV) throw invalid(`kv must be a whole number in 1..${MAX_KV}`);
}

function dekOfRow(row: DekRow): WrappedDek {
  const where = `vault.deks row (${row.tenant_id}, ${row.kid}, ${row.kv})`;
  let owner: DekOwner;
  if (row.owner_kind === 'user' && row.user_id !== null) owner = { kind: 'user', tenantId: row.tenant_id, userId: row.user_id };
  else if (row.owner_kind === 'tenant' && row.user_id === null) owner = { kind: 'tenant', tenantId: row.tenant_id };
  else throw new KeyStoreError('ROW_MALFORMED', `${where}: owner_kind and user_id disagree`);
  return { kid: row.kid, kv: row.kv, owner, kekId: row.kek_id, nonce: row.nonce, ciphertext: row.ciphertext };
}

function intakeOfRow(row: IntakeRow): WrappedIntakeKey {
  return { publicKey: row.public_key, kekId: row.kek_id, nonce: row.nonce, ciphertext: row.ciphertext };
}

const isForeignKeyViolation = (error: unknown): boolean => {
  const code = (error as { code?: unknown }).code;
  return code === '23503';
};

/**
 * Every existing DEK version of the tenant with how often it was opened, by kid and kv (needs
 * no master key: for `palisade vault open-counts`).
 */
export async function openCountsOf(q: Pick<pg.Pool, 'query'>, tenantId: string): Promise<DekOpenCount[]> {
  checkTenant(tenantId);
  const { rows } = await q.query<DekRow & { created_at: Date; opens: string | null; last_opened_at: Date | null }>(
    `select ${DEK_COLUMNS.split(', ').map((c) => `d.${c}`).join(', ')}, d.created_at, o.opens, o.last_opened_at
     from vault.deks d left join vault.open_counts o using (tenant_id, kid, kv)
     where d.tenant_id = $1 order by d.kid, d.kv`,
    [tenantId],
  );
  return rows.map((row) => ({
    kid: row.kid,
    kv: row.kv,
    owner: dekOfRow(row).owner,
    createdAt: row.created_at.toISOString(),
    opens: row.opens === null ? 0 : Number(row.opens),
    lastOpenedAt: row.last_opened_at === null ? null : row.last_opened_at.toISOString(),
  }));
}

export class KeyStore {
  private readonly pool: pg.Pool;
  private readonly kek: Kek;
  private readonly cache: DekCache | undefined;
  private intake: { row: IntakeRow } | undefined;

  /** `kek` stays the caller's: the store never destroys it. */
  constructor(pool: pg.Pool, kek: Kek, options: KeyStoreOptions = {}) {
    this.pool = pool;
    this.kek = kek;
    this.cache = options.cache === false ? undefined : new DekCache(options.cache ?? {});
  }

  /** Public fingerprint of the KEK this store wraps new keys with. */
  get kekId(): string {
    return this.kek.id;
  }

  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('begin');
      const result = await fn(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private static async lockTenant(client: pg.PoolClient, tenantId: string): Promise<void> {
    await client.query('select pg_advisory_xact_lock($1, hashtext($2))', [VAULT_LOCK, tenantId]);
  }

  private async select(q: Pick<pg.Pool, 'query'>, tenantId: string, kid: string, kv: number): Promise<WrappedDek | undefined> {
    const { rows } = await q.query<DekRow>(`select ${DEK_COLUMNS} from vault.deks where tenant_id = $1 and kid = $2 and kv = $3`, [tenantId, kid, kv]);
    return rows[0] === undefined ? undefined : dekOfRow(rows[0]);
  }

  /**
   * The user's DEK at version `kv` (kid `dek-<userId>`), created (random, wrapped by the KEK)
   * if it does not exist. Concurrent callers get the same DEK. OWNER_DESTROYED when the user or
   * the tenant was erased; VERSION_DESTROYED when this version was destroyed.
   */
  async dekFor(owner: UserOwner, kv: number): Promise<WrappedDek> {
    checkTenant(owner.tenantId);
    checkUser(owner.userId);
    checkKv(kv);
    const { tenantId, userId } = owner;
    const kid = userKid(userId);
    const found = this.cache?.get(tenantId, kid, kv) ?? (await this.select(this.pool, tenantId, kid, kv));
    if (found !== undefined) {
      this.cache?.set(found);
      return found;
    }
    const created = await this.transaction(async (client) => {
      await KeyStore.lockTenant(client, tenantId);
      const tombstone = await client.query<{ user_id: string | null }>(
        'select user_id from vault.destroyed_owners where tenant_id = $1 and (user_id is null or user_id = $2) limit 1',
        [tenantId, userId],
      );
      if (tombstone.rows[0] !== undefined) {
        throw new KeyStoreError('OWNER_DESTROYED', tombstone.rows[0].user_id === null
          ? 'the tenant was deleted: no data key is created for it again'
          : 'the user was erased: no data key is created for them again');
      }
      const destroyed = await client.query('select 1 from vault.destroyed_keys where tenant_id = $1 and kid = $2 and kv = $3', [tenantId, kid, kv]);
      if (destroyed.rows.length > 0) throw new KeyStoreError('VERSION_DESTROYED', `data key version ${kv} was destroyed: it is never created again`);
      const dek = generateDek();
      let wrapped: WrappedDek;
      try {
        wrapped = wrapDek(dek, { kid, kv, owner: { kind: 'user', tenantId, userId } }, this.kek);
      } finally {
        zero(dek);
      }
      await client.query(
        `insert into vault.deks (${DEK_COLUMNS}) values ($1, $2, $3, 'user', $4, $5, $6, $7) on conflict (tenant_id, kid, kv) do nothing`,
        [tenantId, kid, kv, userId, wrapped.kekId, wrapped.nonce, wrapped.ciphertext],
      );
      // Under the tenant lock no one else inserts: this is ours, or one committed before we locked.
      return this.select(client, tenantId, kid, kv);
    });
    if (created === undefined) throw new KeyStoreError('ROW_MALFORMED', 'the data key vanished while it was being created');
    this.cache?.set(created);
    return created;
  }

  /** The wrapped DEK (tenantId, kid, kv), or undefined when there is none (never was, or destroyed). */
  async find(tenantId: string, kid: string, kv: number): Promise<WrappedDek | undefined> {
    checkTenant(tenantId);
    checkKid(kid);
    checkKv(kv);
    const cached = this.cache?.get(tenantId, kid, kv);
    if (cached !== undefined) return cached;
    const found = await this.select(this.pool, tenantId, kid, kv);
    if (found !== undefined) this.cache?.set(found);
    return found;
  }

  /** Unwraps with this store's KEK, runs `use`, zeroes the DEK afterwards (vault withDek). */
  withDek<T>(wrapped: WrappedDek, use: (dek: SecureBuffer) => T): T {
    return withDek(wrapped, this.kek, use);
  }

  /**
   * Erases a user's keys: deletes every DEK the user owns (with their open counts) and writes
   * the user's tombstone, in one transaction. Idempotent. Returns how many DEK rows it deleted.
   */
  async destroyUser(tenantId: string, userId: string): Promise<number> {
    checkTenant(tenantId);
    checkUser(userId);
    const deleted = await this.transaction(async (client) => {
      await KeyStore.lockTenant(client, tenantId);
      const gone = await client.query<{ kid: string }>(
        "delete from vault.deks where tenant_id = $1 and owner_kind = 'user' and user_id = $2 returning kid",
        [tenantId, userId],
      );
      // Version tombstones of the user name the user: the owner tombstone covers them.
      await client.query('delete from vault.destroyed_keys where tenant_id = $1 and (kid = $2 or kid = any($3::text[]))', [
        tenantId, userKid(userId), gone.rows.map((r) => r.kid),
      ]);
      await client.query(
        `insert into vault.destroyed_owners (tenant_id, user_id)
         select $1, $2 where not exists (select 1 from vault.destroyed_owners where tenant_id = $1 and user_id is null)
         on conflict do nothing`,
        [tenantId, userId],
      );
      return gone.rowCount ?? 0;
    });
    this.cache?.deleteUser(tenantId, userId);
    return deleted;
  }

  /**
   * Erases a tenant's keys: every DEK of the tenant (users' and the tenant's own) and their open
   * counts, and writes the tenant's tombstone (which replaces its users' tombstones), in one
   * transaction. Idempotent. Returns how many DEK rows it deleted.
   */
  async destroyTenant(tenantId: string): Promise<number> {
    checkTenant(tenantId);
    const deleted = await this.transaction(async (client) => {
      await KeyStore.lockTenant(client, tenantId);
      const gone = await client.query('delete from vault.deks where tenant_id = $1', [tenantId]);
      await client.query('delete from vault.destroyed_keys where tenant_id = $1', [tenantId]);
      await client.query('delete from vault.destroyed_owners where tenant_id = $1 and user_id is not null', [tenantId]);
      await client.query('insert into vault.destroyed_owners (tenant_id, user_id) values ($1, null) on conflict do nothing', [tenantId]);
      return gone.rowCount ?? 0;
    });
    this.cache?.deleteTenant(tenantId);
    return deleted;
  }

  /**
   * Destroys one DEK version (e.g. a version retired by key rotation once nothing is sealed
   * under it) and tombstones it, so it is never created again. Idempotent; returns whether a
   * row was deleted.
   */
  async destroyVersion(tenantId: string, kid: string, kv: number): Promise<boolean> {
    checkTenant(tenantId);
    checkKid(kid);
    checkKv(kv);
    const deleted = await this.transaction(async (client) => {
      await KeyStore.lockTenant(client, tenantId);
      const gone = await client.query('delete from vault.deks where tenant_id = $1 and kid = $2 and kv = $3', [tenantId, kid, kv]);
      // Not when an owner tombstone already covers it (a version tombstone would keep the user id).
      await client.query(
        `insert into vault.destroyed_keys (tenant_id, kid, kv)
         select $1, $2, $3 where not exists (
           select 1 from vault.destroyed_owners o where o.tenant_id = $1 and (o.user_id is null or 'dek-' || o.user_id = $2))
         on conflict do nothing`,
        [tenantId, kid, kv],
      );
      return (gone.rowCount ?? 0) > 0;
    });
    this.cache?.delete(tenantId, kid, kv);
    return deleted;
  }

  /**
   * Counts one open (unseal) of the DEK version. Returns false, counting nothing, when the DEK
   * does not exist (any more): an open racing a destroy is not an error.
   */
  async countOpen(tenantId: string, kid: string, kv: number): Promise<boolean> {
    checkTenant(tenantId);
    checkKid(kid);
    checkKv(kv);
    try {
      const result = await this.pool.query(
        `insert into vault.open_counts (tenant_id, kid, kv, opens, last_opened_at)
         select $1::uuid, $2::text, $3::integer, 1, now()
         where exists (select 1 from vault.deks where tenant_id = $1::uuid and kid = $2::text and kv = $3::integer)
         on conflict (tenant_id, kid, kv) do update set opens = vault.open_counts.opens + 1, last_opened_at = now()`,
        [tenantId, kid, kv],
      );
      return (result.rowCount ?? 0) > 0;
    } catch (error) {
      if (isForeignKeyViolation(error)) return false; // destroyed between the check and the insert
      throw error;
    }
  }

  /** Every existing DEK version of the tenant with how often it was opened, by kid and kv. */
  openCounts(tenantId: string): Promise<DekOpenCount[]> {
    return openCountsOf(this.pool, tenantId);
  }

  /**
   * KEK rotation: rewraps every DEK row and every intake key not yet under `newKek` (batches of
   * `batchSize` rows, one transaction each, rows locked), then verifies that no row is wrapped
   * by any other KEK (ROTATION_INCOMPLETE otherwise). Resumable: rerun after an interruption and
   * it continues with the rows still under the old KEK. This store keeps wrapping new keys with
   * its own (old) KEK: switch the services to the new one once this returns.
   */
  async rotateKek(newKek: Kek, options: RotateKekOptions = {}): Promise<RotateKekResult> {
    const batchSize = options.batchSize ?? 500;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw invalid('batchSize must be a whole number in 1..10000');
    const oldKek = this.kek;
    if (newKek.id === oldKek.id) {
      throw new KeyStoreError('SAME_KEK', `the new master key is the one in use (kekId ${oldKek.id}); give a different key`);
    }
    const countNotUnder = async (table: 'deks' | 'intake_keys'): Promise<number> => {
      const { rows } = await this.pool.query<{ n: number }>(`select count(*)::integer as n from vault.${table} where kek_id <> $1`, [newKek.id]);
      return rows[0]?.n ?? 0;
    };
    const unknownKek = (kekId: string, what: string) =>
      new KeyStoreError(
        'UNKNOWN_KEK',
        `${what} is wrapped by kekId ${kekId}, neither the current master key (${oldKek.id}) nor the new one (${newKek.id}); ` +
          'rotate it with the master key it was made with first',
      );

    // Fail before changing anything when some row is under a KEK we do not have.
    const strangers = await this.pool.query<{ kek_id: string; what: string }>(
      `select kek_id, 'a DEK row' as what from vault.deks where kek_id <> all($1::text[])
       union all select kek_id, 'an intake key' from vault.intake_keys where kek_id <> all($1::text[]) limit 1`,
      [[oldKek.id, newKek.id]],
    );
    if (strangers.rows[0] !== undefined) throw unknownKek(strangers.rows[0].kek_id, strangers.rows[0].what);

    const total = await countNotUnder('deks');
    let rewrapped = 0;
    // New rows may appear behind the cursor while a processor still runs on the old KEK: a few passes.
    for (let pass = 0; pass < 3; pass++) {
      let cursor: { tenantId: string; kid: string; kv: number } | undefined;
      for (;;) {
        const batch = await this.transaction(async (client) => {
          const { rows } = await client.query<DekRow>(
            `select ${DEK_COLUMNS} from vault.deks where kek_id <> $1
             ${cursor === undefined ? '' : 'and (tenant_id, kid, kv) > ($3::uuid, $4::text, $5::integer)'}
             order by tenant_id, kid, kv limit $2 for update`,
            cursor === undefined ? [newKek.id, batchSize] : [newKek.id, batchSize, cursor.tenantId, cursor.kid, cursor.kv],
          );
          for (const row of rows) {
            if (row.kek_id !== oldKek.id) throw unknownKek(row.kek_id, `vault.deks row (${row.tenant_id}, ${row.kid}, ${row.kv})`);
            let next: WrappedDek;
            try {
              next = rewrap(dekOfRow(row), oldKek, newKek);
            } catch (error) {
              if (!(error instanceof VaultError)) throw error;
              throw new KeyStoreError('ROW_MALFORMED', `vault.deks row (${row.tenant_id}, ${row.kid}, ${row.kv}) does not unwrap with the current master key (${error.code})`, { cause: error });
            }
            await client.query(
              'update vault.deks set kek_id = $4, nonce = $5, ciphertext = $6 where tenant_id = $1 and kid = $2 and kv = $3',
              [row.tenant_id, row.kid, row.kv, next.kekId, next.nonce, next.ciphertext],
            );
          }
          const last = rows[rows.length - 1];
          return { count: rows.length, last: last === undefined ? undefined : { tenantId: last.tenant_id, kid: last.kid, kv: last.kv } };
        });
        if (batch.count === 0) break;
        rewrapped += batch.count;
        cursor = batch.last;
        this.cache?.clear();
        await options.onProgress?.({ phase: 'deks', done: rewrapped, total: Math.max(total, rewrapped) });
      }
      if ((await countNotUnder('deks')) === 0) break;
    }

    const intakeTotal = await countNotUnder('intake_keys');
    const intakeKeys = await this.transaction(async (client) => {
      const { rows } = await client.query<IntakeRow>(`select ${INTAKE_COLUMNS} from vault.intake_keys where kek_id <> $1 order by id for update`, [newKek.id]);
      for (const row of rows) {
        if (row.kek_id !== oldKek.id) throw unknownKek(row.kek_id, `vault.intake_keys row ${row.id}`);
        const next = rewrapIntakeKey(intakeOfRow(row), oldKek, newKek);
        await client.query('update vault.intake_keys set kek_id = $2, nonce = $3, ciphertext = $4 where id = $1', [row.id, next.kekId, next.nonce, next.ciphertext]);
      }
      return rows.length;
    });
    this.intake = undefined;
    if (intakeKeys > 0 || intakeTotal > 0) await options.onProgress?.({ phase: 'intake-keys', done: intakeKeys, total: Math.max(intakeTotal, intakeKeys) });

    const left = { deks: await countNotUnder('deks'), intake: await countNotUnder('intake_keys') };
    if (left.deks > 0 || left.intake > 0) {
      throw new KeyStoreError(
        'ROTATION_INCOMPLETE',
        `${left.deks} DEK row(s) and ${left.intake} intake key(s) are still not under the new master key (a processor running on the old key keeps creating them): ` +
          'stop the processors and run the rotation again',
        { retriable: true },
      );
    }
    return { rewrapped, intakeKeys, oldKekId: oldKek.id, newKekId: newKek.id };
  }

  private async activeIntakeRow(): Promise<{ row: IntakeRow; created: boolean }> {
    if (this.intake !== undefined) return { row: this.intake.row, created: false };
    const select = async () => (await this.pool.query<IntakeRow>(`select ${INTAKE_COLUMNS} from vault.intake_keys where active`)).rows[0];
    let row = await select();
    let created = false;
    if (row === undefined) {
      const pair = generateIntakeKeyPair();
      let wrapped: WrappedIntakeKey;
      try {
        wrapped = wrapIntakeKey(pair, this.kek);
      } finally {
        zero(pair.secretKey);
      }
      // The partial unique index admits one active row: a concurrent creator's insert does nothing.
      const inserted = await this.pool.query<IntakeRow>(
        `insert into vault.intake_keys (public_key, kek_id, nonce, ciphertext) values ($1, $2, $3, $4) on conflict do nothing returning ${INTAKE_COLUMNS}`,
        [wrapped.publicKey, wrapped.kekId, wrapped.nonce, wrapped.ciphertext],
      );
      created = inserted.rows[0] !== undefined;
      row = inserted.rows[0] ?? (await select());
      if (row === undefined) throw new KeyStoreError('ROW_MALFORMED', 'the intake key vanished while it was being created');
    }
    this.intake = { row };
    return { row, created };
  }

  /**
   * The processor's intake key pair, created on first use (race-safe: one active row). The
   * secret key is in secure memory: zero it when done. KEK_MISMATCH when it is wrapped by
   * another master key.
   */
  async intakeKeyPair(): Promise<IntakeKeyPair> {
    const { row } = await this.activeIntakeRow();
    return unwrapIntakeKey(intakeOfRow(row), this.kek);
  }

  /** The intake public key (created on first use), what producers seal secrets to. */
  async intakePublicKey(): Promise<Buffer> {
    return Buffer.from((await this.activeIntakeRow()).row.public_key);
  }

  /** Public facts of the intake key (created on first use): key, fingerprint, wrapping KEK. */
  async intakeKey(): Promise<IntakeKeyInfo> {
    const { row, created } = await this.activeIntakeRow();
    return {
      publicKey: Buffer.from(row.public_key),
      fingerprint: intakeKeyFingerprint(row.public_key),
      kekId: row.kek_id,
      createdAt: row.created_at.toISOString(),
      created,
    };
  }
}
