// Internal read model "secrets" (table: migration 0013): the current sealed value of every
// secret — a provider key or a source's credential — for the vault opener, which must open it
// (consumers/vault; read with secrets-reader.ts). One row per secret, replaced on rotation and
// re-sealing, deleted with the key or the source's connection. No app, analyst or auditor role
// has any privilege on it; its only reader is the `opener` role (docs/adr/0005-vault-read-models.md).
// Stored from the event's allow-listed members only: {v, kid, kv, n, ct} or the legacy value.
import { sealedValue } from '../../domain/tenant/sealed-slot.ts';
import { col, defineReadModel, Table, type RowOf } from './kit.ts';
import { integer, object, text, type ProjectedEvent } from './model.ts';
import { PendingWrites } from './pending-writes.ts';

// Also what chat-content.ts stores content slots with (the services reading the rows use it too).
export { sealedValue };

export type SecretPurpose = 'provider-key' | 'source-credential';

const SECRETS = new Table('secrets', ['tenantId', 'ownerId', 'purpose', 'subject'], {
  tenantId: col.uuid(), ownerId: col.text(), purpose: col.text<SecretPurpose>(),
  // The provider (provider keys) or the source id (source credentials).
  subject: col.text(), version: col.int(), format: col.text<'v2' | 'legacy'>(),
  // JSON text of the sealed value (v2), else null; `legacy` the legacy value, else null.
  sealed: col.jsonb<string | null>(), legacy: col.text<string | null>(), updatedAt: col.timestamptz(), lastSeq: col.bigint(),
});

export type SecretRow = RowOf<typeof SECRETS>;
export type SecretRef = Pick<SecretRow, 'tenantId' | 'ownerId' | 'purpose' | 'subject'>;

export const secretsModel = defineReadModel('secrets', foldSecrets, ({ rows, deletions }) => [
  SECRETS.remove('secrets.delete', deletions),
  SECRETS.upsert('secrets.upsert', rows),
]);

/** Folds events (offset order) into one write per secret: its latest value, or its deletion. Pure. */
export function foldSecrets(events: readonly ProjectedEvent[]): { rows: SecretRow[]; deletions: SecretRef[] } {
  const pending = new PendingWrites<SecretRow, never, SecretRef>();
  const keyOf = (ref: SecretRef) => `${ref.tenantId}/${ref.ownerId}/${ref.purpose}/${ref.subject}`;
  const put = (ref: SecretRef, version: number | undefined, slot: Readonly<Record<string, unknown>> | undefined, legacy: string | undefined,
    at: string, seq: number) => {
    const sealed = sealedValue(slot);
    if (version === undefined || (sealed === undefined && legacy === undefined)) return;
    pending.setRow(keyOf(ref), {
      ...ref, version, format: sealed !== undefined ? 'v2' : 'legacy', sealed: sealed === undefined ? null : JSON.stringify(sealed),
      legacy: sealed === undefined ? legacy ?? null : null, updatedAt: at, lastSeq: seq,
    });
  };
  const remove = (ref: SecretRef) => pending.setDeleted(keyOf(ref), ref);

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
  const { rows, deletions } = pending.split();
  return { rows, deletions };
}
