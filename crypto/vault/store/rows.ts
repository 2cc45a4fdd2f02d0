// The vault schema's rows (migration 0012) as the key store reads them, the argument checks every
// store function makes, and the one transaction shape they share (tenant-locked where keys are
// created or destroyed: see key-store.ts).
import type pg from '../../../adapters/postgres/pg.ts';
import { isCanonicalUuid, isPrincipalId } from '../../../domain/validation.ts';
import type { DekOwner, WrappedDek } from '../index.ts';
import { KeyStoreError } from './errors.ts';
import type { WrappedIntakeKey } from './intake-wrap.ts';

/** First key of the vault's advisory locks ('vlt\0'); the second is hashtext(tenant_id). */
export const VAULT_LOCK = 0x766c7400;
const MAX_KV = 2_147_483_647; // the column is an integer
const KID = /^[A-Za-z0-9._:@-]{1,160}$/;

export interface DekRow {
  tenant_id: string;
  kid: string;
  kv: number;
  owner_kind: string;
  user_id: string | null;
  kek_id: string;
  nonce: Buffer;
  ciphertext: Buffer;
}

export interface IntakeRow {
  id: string;
  public_key: Buffer;
  kek_id: string;
  nonce: Buffer;
  ciphertext: Buffer;
  created_at: Date;
}

export const DEK_COLUMNS = 'tenant_id, kid, kv, owner_kind, user_id, kek_id, nonce, ciphertext';
export const INTAKE_COLUMNS = 'id, public_key, kek_id, nonce, ciphertext, created_at';

export function invalid(what: string): KeyStoreError {
  return new KeyStoreError('INVALID_ARGUMENT', what);
}

export function checkTenant(tenantId: string): void {
  if (!isCanonicalUuid(tenantId)) throw invalid('tenantId must be a lowercase canonical UUID');
}

export function checkUser(userId: string): void {
  if (!isPrincipalId(userId)) throw invalid('userId must be 1-128 of [A-Za-z0-9._:@-], starting alphanumeric');
}

export function checkKid(kid: string): void {
  if (typeof kid !== 'string' || !KID.test(kid)) throw invalid('kid must be 1-160 of [A-Za-z0-9._:@-]');
}

export function checkKv(kv: number): void {
  if (!Number.isSafeInteger(kv) || kv < 1 || kv > MAX_KV) throw invalid(`kv must be a whole number in 1..${MAX_KV}`);
}

export function dekOfRow(row: DekRow): WrappedDek {
  const where = `vault.deks row (${row.tenant_id}, ${row.kid}, ${row.kv})`;
  let owner: DekOwner;
  if (row.owner_kind === 'user' && row.user_id !== null) owner = { kind: 'user', tenantId: row.tenant_id, userId: row.user_id };
  else if (row.owner_kind === 'tenant' && row.user_id === null) owner = { kind: 'tenant', tenantId: row.tenant_id };
  else throw new KeyStoreError('ROW_MALFORMED', `${where}: owner_kind and user_id disagree`);
  return { kid: row.kid, kv: row.kv, owner, kekId: row.kek_id, nonce: row.nonce, ciphertext: row.ciphertext };
}

export function intakeOfRow(row: IntakeRow): WrappedIntakeKey {
  return { publicKey: row.public_key, kekId: row.kek_id, nonce: row.nonce, ciphertext: row.ciphertext };
}

export const isForeignKeyViolation = (error: unknown): boolean => {
  const code = (error as { code?: unknown }).code;
  return code === '23503';
};

/** Runs `fn` in one transaction on a client of `pool`; a client whose rollback failed is discarded. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
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

/** Holds the tenant's vault lock until the transaction ends. */
export async function lockTenant(client: pg.PoolClient, tenantId: string): Promise<void> {
  await client.query('select pg_advisory_xact_lock($1, hashtext($2))', [VAULT_LOCK, tenantId]);
}
