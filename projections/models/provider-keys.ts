// Read model "provider_keys" (table: migration 0013): each user's BYOK provider keys — the
// display mask (`sk-ant-…abcd`), version, format and dates. Never the key, never a ciphertext:
// the sealed value stays in the event and in the internal `secrets` model. Private to the key's
// user: the app sees only the bound user's own keys; tenant owners, admins and analysts see none.
import { quoteIdent } from '../../adapters/postgres/roles.ts';
import type { ModelTarget, ProjectorTransaction } from '../writer/projector-transaction.ts';
import {
  columns, eraseUser, integer, object, segmentsAtUserErasures, tenantsOf, text, withoutErasedTenants,
  type ProjectedEvent, type ReadModel,
} from './model.ts';

export interface ProviderKeyRow {
  tenantId: string;
  userId: string;
  provider: string;
  mask: string;
  version: number;
  format: 'v2' | 'legacy';
  storedAt: string;
  rotatedAt: string | null;
  lastSeq: number;
}

/** A change to a key this batch did not store: only the fields it touched. */
export interface ProviderKeyPatch {
  tenantId: string;
  userId: string;
  provider: string;
  mask: string | null;
  version: number | null;
  format: 'v2' | null;
  rotatedAt: string | null;
  lastSeq: number;
}

export interface ProviderKeyRef {
  tenantId: string;
  userId: string;
  provider: string;
}

export interface ProviderKeyChanges {
  readonly rows: ProviderKeyRow[];
  readonly patches: ProviderKeyPatch[];
  /** Keys deleted by this batch (and not stored again after). */
  readonly deletions: ProviderKeyRef[];
}

type Entry = { kind: 'row'; row: ProviderKeyRow } | { kind: 'patch'; patch: ProviderKeyPatch } | { kind: 'delete'; ref: ProviderKeyRef };

/** Folds events (offset order) into one write per key. Pure. */
export function foldProviderKeys(events: readonly ProjectedEvent[]): ProviderKeyChanges {
  const entries = new Map<string, Entry>();
  const change = (ref: ProviderKeyRef, seq: number, fields: { mask?: string; version: number; rotatedAt?: string }) => {
    const key = `${ref.tenantId}/${ref.userId}/${ref.provider}`;
    const entry = entries.get(key);
    // A key deleted earlier in the batch has nothing left to change.
    if (entry?.kind === 'delete') return;
    const patch = { version: fields.version, format: 'v2' as const, lastSeq: seq, ...(fields.mask === undefined ? {} : { mask: fields.mask }),
      ...(fields.rotatedAt === undefined ? {} : { rotatedAt: fields.rotatedAt }) };
    if (entry?.kind === 'row') Object.assign(entry.row, patch);
    else if (entry?.kind === 'patch') Object.assign(entry.patch, patch);
    else entries.set(key, { kind: 'patch', patch: { ...ref, mask: null, rotatedAt: null, ...patch } });
  };

  for (const { event } of events) {
    const { tenantId, seq, occurredAt: at, payload } = event;
    const userId = text(payload, 'userId');
    const provider = text(payload, 'provider');
    if (userId === undefined || provider === undefined) continue;
    const ref = { tenantId, userId, provider };
    const key = `${tenantId}/${userId}/${provider}`;
    const mask = text(payload, 'mask');
    switch (event.type) {
      case 'ProviderKeyStored':
        entries.set(key, {
          kind: 'row',
          row: { ...ref, mask: mask ?? '', version: 1, format: object(payload, 'secret') !== undefined ? 'v2' : 'legacy', storedAt: at, rotatedAt: null, lastSeq: seq },
        });
        break;
      case 'ProviderKeyRotated': {
        const version = integer(payload, 'version');
        if (version !== undefined) change(ref, seq, { version, rotatedAt: at, ...(mask === undefined ? {} : { mask }) });
        break;
      }
      case 'LegacySecretResealed': {
        // Same version, now sealed (v2), with the mask a legacy import could not show.
        const version = integer(payload, 'version');
        if (text(payload, 'target') === 'provider-key' && version !== undefined)
          change(ref, seq, { version, ...(mask === undefined || mask === '' ? {} : { mask }) });
        break;
      }
      case 'ProviderKeyDeleted':
        entries.set(key, { kind: 'delete', ref });
        break;
      default:
        break;
    }
  }
  const rows: ProviderKeyRow[] = [];
  const patches: ProviderKeyPatch[] = [];
  const deletions: ProviderKeyRef[] = [];
  for (const entry of entries.values()) {
    if (entry.kind === 'row') rows.push(entry.row);
    else if (entry.kind === 'patch') patches.push(entry.patch);
    else deletions.push(entry.ref);
  }
  return { rows, patches, deletions };
}

async function write(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
  const { rows, patches, deletions } = foldProviderKeys(events);
  const schema = quoteIdent(target.schema);
  if (deletions.length > 0)
    await tx.bypass(target, {
      reason: 'provider_keys.delete',
      tenants: tenantsOf(deletions),
      text: `delete from ${schema}.provider_keys k
             using unnest($2::uuid[], $3::text[], $4::text[]) as d(tenant_id, user_id, provider)
             where k.tenant_id = d.tenant_id and k.user_id = d.user_id and k.provider = d.provider and k.tenant_id = any($1::uuid[])`,
      values: columns(deletions, ['tenantId', 'userId', 'provider']),
    });
  if (rows.length > 0)
    await tx.bypass(target, {
      reason: 'provider_keys.upsert',
      tenants: tenantsOf(rows),
      text: `insert into ${schema}.provider_keys (tenant_id, user_id, provider, mask, version, format, stored_at, rotated_at, last_seq)
             select r.* from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::bigint[])
                  as r(tenant_id, user_id, provider, mask, version, format, stored_at, rotated_at, last_seq)
             where r.tenant_id = any($1::uuid[])
             on conflict (tenant_id, user_id, provider) do update
             set mask = excluded.mask, version = excluded.version, format = excluded.format, stored_at = excluded.stored_at,
                 rotated_at = excluded.rotated_at, last_seq = excluded.last_seq`,
      values: columns(rows, ['tenantId', 'userId', 'provider', 'mask', 'version', 'format', 'storedAt', 'rotatedAt', 'lastSeq']),
    });
  if (patches.length > 0)
    await tx.bypass(target, {
      reason: 'provider_keys.patch',
      tenants: tenantsOf(patches),
      text: `update ${schema}.provider_keys k
             set mask = coalesce(p.mask, k.mask), version = coalesce(p.version, k.version), format = coalesce(p.format, k.format),
                 rotated_at = coalesce(p.rotated_at, k.rotated_at), last_seq = p.last_seq
             from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::timestamptz[], $9::bigint[])
                  as p(tenant_id, user_id, provider, mask, version, format, rotated_at, last_seq)
             where k.tenant_id = p.tenant_id and k.user_id = p.user_id and k.provider = p.provider and k.tenant_id = any($1::uuid[])`,
      values: columns(patches, ['tenantId', 'userId', 'provider', 'mask', 'version', 'format', 'rotatedAt', 'lastSeq']),
    });
}

export const providerKeysModel: ReadModel = {
  name: 'provider_keys',
  async apply(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
    const { kept, erasures } = withoutErasedTenants(events);
    for (const erasure of erasures) await tx.eraseTenant(target, erasure.tenantId, erasure.seq);
    for (const segment of segmentsAtUserErasures(kept)) {
      await write(tx, target, segment.events);
      if (segment.erasure !== undefined) await eraseUser(tx, target, segment.erasure);
    }
  },
};
