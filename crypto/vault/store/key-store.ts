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
import {
  type DekOwner, type IntakeKeyPair, type Kek, type WrappedDek,
  generateDek, withDek, wrapDek,
} from '../index.ts';
import type { SecureBuffer } from '../../secure-memory.ts';
import { DekCache, type DekCacheOptions } from './dek-cache.ts';
import { KeyStoreError } from './errors.ts';
import { unwrapIntakeKey } from './intake-wrap.ts';
import { activeIntakeRow } from './intake-keys.ts';
import { type RotateKekOptions, type RotateKekResult, rotateKek } from './kek-rotation.ts';
import { type DekOpenCount, openCountsOf } from './open-counts.ts';
import {
  DEK_COLUMNS, type DekRow, INTAKE_COLUMNS, type IntakeRow, checkKid, checkKv, checkTenant, checkUser,
  dekOfRow, inTransaction, intakeOfRow, isForeignKeyViolation, lockTenant,
} from './rows.ts';
import { dekKid } from '../../../domain/tenant/secrets.ts';


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

export interface IntakeKeyInfo {
  readonly publicKey: Buffer;
  readonly fingerprint: string;
  /** The KEK that wraps its secret half. */
  readonly kekId: string;
  readonly createdAt: string;
  /** Whether this call created it. */
  readonly created: boolean;
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

  private transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
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
      await lockTenant(client, tenantId);
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
      await lockTenant(client, tenantId);
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
      await lockTenant(client, tenantId);
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
      await lockTenant(client, tenantId);
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
   * KEK rotation (kek-rotation.ts) from this store's KEK to `newKek`. This store keeps wrapping
   * new keys with its own (old) KEK: switch the services to the new one once this returns.
   */
  rotateKek(newKek: Kek, options: RotateKekOptions = {}): Promise<RotateKekResult> {
    return rotateKek(this.pool, this.kek, newKek, options, () => {
      this.cache?.clear();
      this.intake = undefined;
    });
  }

  private async activeIntakeRow(): Promise<{ row: IntakeRow; created: boolean }> {
    if (this.intake !== undefined) return { row: this.intake.row, created: false };
    const found = await activeIntakeRow(this.pool, this.kek);
    this.intake = { row: found.row };
    return found;
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
