// How the vault opener (consumers/vault) reads the current sealed value of one secret from the
// internal `secrets` read model: through the view internal.secrets, which always points at the
// active generation (a rebuild repoints it in the same transaction as the analytics views). Only
// the `opener` role (and a superuser) may read it: use secretsReaderPool(), or any pool whose
// sessions act as that role. No app, analyst or auditor role can (docs/adr/0005-vault-read-models.md).
import type pg from '../../adapters/postgres/pg.ts';
import { isCanonicalUuid } from '../../domain/validation.ts';
import { openPool } from '../../adapters/postgres/pool.ts';
import { asRole, type Queryable, type TenancyRoles } from '../../adapters/postgres/roles.ts';
import { sealedValue } from '../../domain/tenant/sealed-slot.ts';
import type { SealedSecret } from '../../domain/tenant/types.ts';
import { SecretsReaderError } from './errors.ts';

/** The domain of internal.secrets.purpose (its check constraint, migration 0013): what a secret is for. */
export type SecretPurpose = 'provider-key' | 'source-credential';

export interface SecretKey {
  readonly tenantId: string;
  /** The user whose secret it is (the key's user, the source's owner). */
  readonly ownerId: string;
  readonly purpose: SecretPurpose;
  /** The provider (provider keys) or the source id (source credentials). */
  readonly subject: string;
}

/** The current value of a secret: sealed (v2), or still in the legacy format. */
export interface StoredSecret {
  readonly version: number;
  readonly format: 'v2' | 'legacy';
  readonly sealed?: SealedSecret;
  readonly legacy?: string;
}

/** The role the vault opener reads as (migration 0013): `<prefix>_opener`. */
export function openerRole(roles: Pick<TenancyRoles, 'prefix'>): string {
  return `${roles.prefix}_opener`;
}

/** A pool whose sessions act as the opener role, whatever login `databaseUrl` holds. */
export function secretsReaderPool(databaseUrl: string, roles: Pick<TenancyRoles, 'prefix'>, max = 4): pg.Pool {
  return openPool({ ...asRole(databaseUrl, openerRole(roles)), max });
}

/**
 * The current value of the secret `key`, or undefined when there is none (never stored, deleted,
 * its source disconnected, its user or tenant erased). INVALID_OPTION for a malformed key.
 */
export async function readSecret(pool: Queryable, key: SecretKey): Promise<StoredSecret | undefined> {
  if (!isCanonicalUuid(key.tenantId)) throw new SecretsReaderError('INVALID_OPTION', 'readSecret: tenantId must be a lowercase canonical UUID');
  if (key.purpose !== 'provider-key' && key.purpose !== 'source-credential')
    throw new SecretsReaderError('INVALID_OPTION', 'readSecret: purpose must be "provider-key" or "source-credential"');
  const { rows } = await pool.query<{ version: number; format: 'v2' | 'legacy'; sealed: Record<string, unknown> | null; legacy: string | null }>(
    `select version, format, sealed, legacy from internal.secrets
     where tenant_id = $1 and owner_id = $2 and purpose = $3 and subject = $4`,
    [key.tenantId, key.ownerId, key.purpose, key.subject],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const sealed = sealedValue(row.sealed ?? undefined);
  if (row.format === 'v2' && sealed !== undefined) return { version: row.version, format: 'v2', sealed };
  if (row.format === 'legacy' && row.legacy !== null) return { version: row.version, format: 'legacy', legacy: row.legacy };
  return undefined;
}
