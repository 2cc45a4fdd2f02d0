// Internal read model "secrets" (table: migration 0013): the current sealed value of every
// secret — a provider key or a source's credential — for the vault opener, which must open it
// (consumers/vault; read with secrets-reader.ts). One row per secret, replaced on rotation and
// re-sealing, deleted with the key or the source's connection. No app, analyst or auditor role
// has any privilege on it; its only reader is the `opener` role (docs/adr/0005-vault-read-models.md).
// Stored from the event's allow-listed members only: {v, kid, kv, n, ct} or the legacy value.
import { quoteIdent } from '../../adapters/postgres/roles.ts';
import { sealedValue } from '../../domain/tenant/sealed-slot.ts';
import type { ModelTarget, ProjectorTransaction } from '../writer/projector-transaction.ts';
import {
  columns, eraseUser, integer, object, segmentsAtUserErasures, tenantsOf, text, withoutErasedTenants,
  type ProjectedEvent, type ReadModel,
} from './model.ts';

// Also what chat-content.ts stores content slots with (the services reading the rows use it too).
export { sealedValue };

export type SecretPurpose = 'provider-key' | 'source-credential';

export interface SecretRef {
  tenantId: string;
  ownerId: string;
  purpose: SecretPurpose;
  /** The provider (provider keys) or the source id (source credentials). */
  subject: string;
}

export interface SecretRow extends SecretRef {
  version: number;
  format: 'v2' | 'legacy';
  /** JSON text of the sealed value (v2), else null. */
  sealed: string | null;
  legacy: string | null;
  updatedAt: string;
  lastSeq: number;
}

type Entry = { kind: 'row'; row: SecretRow } | { kind: 'delete'; ref: SecretRef };

/** Folds events (offset order) into one write per secret: its latest value, or its deletion. Pure. */
export function foldSecrets(events: readonly ProjectedEvent[]): { rows: SecretRow[]; deletions: SecretRef[] } {
  const entries = new Map<string, Entry>();
  const keyOf = (ref: SecretRef) => `${ref.tenantId}/${ref.ownerId}/${ref.purpose}/${ref.subject}`;
  const put = (ref: SecretRef, version: number | undefined, slot: Readonly<Record<string, unknown>> | undefined, legacy: string | undefined,
    at: string, seq: number) => {
    const sealed = sealedValue(slot);
    if (version === undefined || (sealed === undefined && legacy === undefined)) return;
    entries.set(keyOf(ref), {
      kind: 'row',
      row: {
        ...ref, version, format: sealed !== undefined ? 'v2' : 'legacy', sealed: sealed === undefined ? null : JSON.stringify(sealed),
        legacy: sealed === undefined ? legacy ?? null : null, updatedAt: at, lastSeq: seq,
      },
    });
  };
  const remove = (ref: SecretRef) => entries.set(keyOf(ref), { kind: 'delete', ref });

  for (const { event } of events) {
    const { tenantId, seq, occurredAt: at, payload } = event;
    switch (event.type) {
      case 'SourceConnected':
      case 'SourceCredentialRotated': {
        const ownerId = text(payload, 'ownerId');
        const sourceId = text(payload, 'sourceId');
        if (ownerId === undefined || sourceId === undefined) break;
        put({ tenantId, ownerId, purpose: 'source-credential', subject: sourceId }, integer(payload, 'credentialVersion'),
          object(payload, 'credential'), text(payload, 'legacyCredential'), at, seq);
        break;
      }
      case 'SourceDisconnected': {
        const ownerId = text(payload, 'ownerId');
        const sourceId = text(payload, 'sourceId');
        if (ownerId !== undefined && sourceId !== undefined) remove({ tenantId, ownerId, purpose: 'source-credential', subject: sourceId });
        break;
      }
      case 'ProviderKeyStored':
      case 'ProviderKeyRotated': {
        const userId = text(payload, 'userId');
        const provider = text(payload, 'provider');
        if (userId === undefined || provider === undefined) break;
        const version = event.type === 'ProviderKeyStored' ? 1 : integer(payload, 'version');
        put({ tenantId, ownerId: userId, purpose: 'provider-key', subject: provider }, version, object(payload, 'secret'),
          text(payload, 'legacySecret'), at, seq);
        break;
      }
      case 'ProviderKeyDeleted': {
        const userId = text(payload, 'userId');
        const provider = text(payload, 'provider');
        if (userId !== undefined && provider !== undefined) remove({ tenantId, ownerId: userId, purpose: 'provider-key', subject: provider });
        break;
      }
      case 'LegacySecretResealed': {
        const userId = text(payload, 'userId');
        const purpose = text(payload, 'target');
        const subject = purpose === 'provider-key' ? text(payload, 'provider') : purpose === 'source-credential' ? text(payload, 'sourceId') : undefined;
        if (userId === undefined || subject === undefined || (purpose !== 'provider-key' && purpose !== 'source-credential')) break;
        put({ tenantId, ownerId: userId, purpose, subject }, integer(payload, 'version'), object(payload, 'secret'), undefined, at, seq);
        break;
      }
      default:
        break;
    }
  }
  const rows: SecretRow[] = [];
  const deletions: SecretRef[] = [];
  for (const entry of entries.values()) {
    if (entry.kind === 'row') rows.push(entry.row);
    else deletions.push(entry.ref);
  }
  return { rows, deletions };
}

async function write(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
  const { rows, deletions } = foldSecrets(events);
  const schema = quoteIdent(target.schema);
  if (deletions.length > 0)
    await tx.bypass(target, {
      reason: 'secrets.delete',
      tenants: tenantsOf(deletions),
      text: `delete from ${schema}.secrets s
             using unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) as d(tenant_id, owner_id, purpose, subject)
             where s.tenant_id = d.tenant_id and s.owner_id = d.owner_id and s.purpose = d.purpose and s.subject = d.subject
               and s.tenant_id = any($1::uuid[])`,
      values: columns(deletions, ['tenantId', 'ownerId', 'purpose', 'subject']),
    });
  if (rows.length > 0)
    await tx.bypass(target, {
      reason: 'secrets.upsert',
      tenants: tenantsOf(rows),
      text: `insert into ${schema}.secrets (tenant_id, owner_id, purpose, subject, version, format, sealed, legacy, updated_at, last_seq)
             select r.* from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::jsonb[], $9::text[],
                                    $10::timestamptz[], $11::bigint[])
                  as r(tenant_id, owner_id, purpose, subject, version, format, sealed, legacy, updated_at, last_seq)
             where r.tenant_id = any($1::uuid[])
             on conflict (tenant_id, owner_id, purpose, subject) do update
             set version = excluded.version, format = excluded.format, sealed = excluded.sealed, legacy = excluded.legacy,
                 updated_at = excluded.updated_at, last_seq = excluded.last_seq`,
      values: columns(rows, ['tenantId', 'ownerId', 'purpose', 'subject', 'version', 'format', 'sealed', 'legacy', 'updatedAt', 'lastSeq']),
    });
}

export const secretsModel: ReadModel = {
  name: 'secrets',
  async apply(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
    const { kept, erasures } = withoutErasedTenants(events);
    for (const erasure of erasures) await tx.eraseTenant(target, erasure.tenantId, erasure.seq);
    for (const segment of segmentsAtUserErasures(kept)) {
      await write(tx, target, segment.events);
      if (segment.erasure !== undefined) await eraseUser(tx, target, segment.erasure);
    }
  },
};
