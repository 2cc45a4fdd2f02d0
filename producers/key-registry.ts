// Administration of producer keys (docs/adr/0002-producer-keys.md): the processor accepts a
// command only when it is signed by a key registered here, not revoked, and allowed for the
// command's tenant. Private keys never touch the database.
import type pg from '../adapters/postgres/pg.ts';
import { KeyRegistryError } from './errors.ts';
import { PRODUCER_ACTOR_KINDS, type ProducerActorKind } from '../domain/tenant/service-commands.ts';

export interface ProducerKeyRecord {
  readonly keyId: string;
  readonly publicKey: Buffer;
  /** null: every tenant. */
  readonly tenants: readonly string[] | null;
  readonly canCreateTenants: boolean;
  /** The actor kinds commands signed by this key may claim. */
  readonly actorKinds: readonly ProducerActorKind[];
  /** The only command types this key may send; null: every user command, never a service command. */
  readonly commandTypes: readonly string[] | null;
  readonly description: string | null;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

/** What a registration grants; capabilities left out mean user commands only, for user actors. */
export type ProducerKeyGrant = Omit<ProducerKeyRecord, 'createdAt' | 'revokedAt' | 'actorKinds' | 'commandTypes'> &
  Partial<Pick<ProducerKeyRecord, 'actorKinds' | 'commandTypes'>>;

const COMMAND_TYPE = /^[A-Z][A-Za-z]{1,63}$/;

export const KEY_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * Processors LISTEN on this channel and reload the registry at once (see
 * consumers/command-processor/producer-keys.ts). Any database login can LISTEN, so the payload
 * is empty: a key id is never announced to whoever listens.
 */
export const PRODUCER_KEYS_CHANNEL = 'palisade_producer_keys';

export async function registerProducerKey(pool: pg.Pool, key: ProducerKeyGrant): Promise<void> {
  if (!KEY_ID_PATTERN.test(key.keyId)) throw new KeyRegistryError('INVALID_KEY_ID', `key id '${key.keyId}' must match ${KEY_ID_PATTERN}`);
  if (key.publicKey.length !== 32) throw new KeyRegistryError('INVALID_PUBLIC_KEY', 'an Ed25519 public key is 32 bytes');
  const { actorKinds, commandTypes } = checkedCapabilities(key);
  const { rowCount } = await pool.query(
    `WITH inserted AS (
       INSERT INTO registry.producer_keys (key_id, public_key, tenants, can_create_tenants, description, actor_kinds, command_types)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key_id) DO NOTHING RETURNING key_id)
     SELECT pg_notify('${PRODUCER_KEYS_CHANNEL}', '') FROM inserted`,
    [key.keyId, key.publicKey, key.tenants, key.canCreateTenants, key.description, actorKinds, commandTypes],
  );
  if (rowCount === 0) throw new KeyRegistryError('KEY_EXISTS', `producer key '${key.keyId}' already exists; pick another id (keys are never reused)`);
}

/** Replaces a live key's capabilities (actor kinds, command types); false when no live key has that id. */
export async function grantProducerKeyCapabilities(pool: pg.Pool, keyId: string, grant: Pick<ProducerKeyGrant, 'actorKinds' | 'commandTypes'>): Promise<boolean> {
  const { actorKinds, commandTypes } = checkedCapabilities(grant);
  const { rowCount } = await pool.query(
    `WITH granted AS (UPDATE registry.producer_keys SET actor_kinds = $2, command_types = $3 WHERE key_id = $1 AND revoked_at IS NULL RETURNING key_id)
     SELECT pg_notify('${PRODUCER_KEYS_CHANNEL}', '') FROM granted`,
    [keyId, actorKinds, commandTypes],
  );
  return (rowCount ?? 0) > 0;
}

function checkedCapabilities(grant: Pick<ProducerKeyGrant, 'actorKinds' | 'commandTypes'>): { actorKinds: ProducerActorKind[]; commandTypes: string[] | null } {
  const requested: readonly string[] = grant.actorKinds ?? ['user'];
  const actorKinds = PRODUCER_ACTOR_KINDS.filter((k) => requested.includes(k));
  if (actorKinds.length === 0 || actorKinds.length !== new Set(requested).size) {
    throw new KeyRegistryError('INVALID_CAPABILITIES', `actor kinds must be one or more of ${PRODUCER_ACTOR_KINDS.join(', ')}`);
  }
  const commandTypes = grant.commandTypes === undefined || grant.commandTypes === null ? null : [...new Set(grant.commandTypes)];
  if (commandTypes !== null && (commandTypes.length === 0 || !commandTypes.every((t) => COMMAND_TYPE.test(t)))) {
    throw new KeyRegistryError('INVALID_CAPABILITIES', 'command types must be one or more command names, like RecordAssistantReply');
  }
  return { actorKinds, commandTypes };
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
  const { rows } = await pool.query<{ key_id: string; public_key: Buffer; tenants: string[] | null; can_create_tenants: boolean; actor_kinds: ProducerActorKind[]; command_types: string[] | null; description: string | null; created_at: Date; revoked_at: Date | null }>(
    'SELECT key_id, public_key, tenants, can_create_tenants, actor_kinds, command_types, description, created_at, revoked_at FROM registry.producer_keys ORDER BY key_id',
  );
  return rows.map((r) => ({
    keyId: r.key_id, publicKey: r.public_key, tenants: r.tenants, canCreateTenants: r.can_create_tenants,
    actorKinds: r.actor_kinds, commandTypes: r.command_types, description: r.description, createdAt: r.created_at, revokedAt: r.revoked_at,
  }));
}
