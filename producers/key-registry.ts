// Administration of producer keys (docs/adr/0002-producer-keys.md): the processor accepts a
// command only when it is signed by a key registered here, not revoked, and allowed for the
// command's tenant. Private keys never touch the database.
import type pg from '../adapters/postgres/pg.ts';

export interface ProducerKeyRecord {
  readonly keyId: string;
  readonly publicKey: Buffer;
  /** null: every tenant. */
  readonly tenants: readonly string[] | null;
  readonly canCreateTenants: boolean;
  readonly description: string | null;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

export const KEY_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * Processors LISTEN on this channel and reload the registry at once (see
 * consumers/command-processor/producer-keys.ts). Any database login can LISTEN, so the payload
 * is empty: a key id is never announced to whoever listens.
 */
export const PRODUCER_KEYS_CHANNEL = 'palisade_producer_keys';

export async function registerProducerKey(pool: pg.Pool, key: Omit<ProducerKeyRecord, 'createdAt' | 'revokedAt'>): Promise<void> {
  if (!KEY_ID_PATTERN.test(key.keyId)) throw new Error(`key id '${key.keyId}' must match ${KEY_ID_PATTERN}`);
  if (key.publicKey.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  const { rowCount } = await pool.query(
    `WITH inserted AS (
       INSERT INTO registry.producer_keys (key_id, public_key, tenants, can_create_tenants, description)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key_id) DO NOTHING RETURNING key_id)
     SELECT pg_notify('${PRODUCER_KEYS_CHANNEL}', '') FROM inserted`,
    [key.keyId, key.publicKey, key.tenants, key.canCreateTenants, key.description],
  );
  if (rowCount === 0) throw new Error(`producer key '${key.keyId}' already exists; pick another id (keys are never reused)`);
}

export async function revokeProducerKey(pool: pg.Pool, keyId: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `WITH revoked AS (UPDATE registry.producer_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL RETURNING key_id)
     SELECT pg_notify('${PRODUCER_KEYS_CHANNEL}', '') FROM revoked`,
    [keyId],
  );
  return (rowCount ?? 0) > 0;
}

export async function listProducerKeys(pool: pg.Pool): Promise<ProducerKeyRecord[]> {
  const { rows } = await pool.query<{ key_id: string; public_key: Buffer; tenants: string[] | null; can_create_tenants: boolean; description: string | null; created_at: Date; revoked_at: Date | null }>(
    'SELECT key_id, public_key, tenants, can_create_tenants, description, created_at, revoked_at FROM registry.producer_keys ORDER BY key_id',
  );
  return rows.map((r) => ({ keyId: r.key_id, publicKey: r.public_key, tenants: r.tenants, canCreateTenants: r.can_create_tenants, description: r.description, createdAt: r.created_at, revokedAt: r.revoked_at }));
}
