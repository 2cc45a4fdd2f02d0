// Read model "provider_keys" (table: migration 0013): each user's BYOK provider keys — the
// display mask (`sk-ant-…abcd`), version, format and dates. Never the key, never a ciphertext:
// the sealed value stays in the event and in the internal `secrets` model. Private to the key's
// user: the app sees only the bound user's own keys; tenant owners, admins and analysts see none.
import { col, defineReadModel, Table, type RowOf } from './kit.ts';
import { integer, object, text, type ProjectedEvent } from './model.ts';
import { PendingWrites } from './pending-writes.ts';

const PROVIDER_KEYS = new Table('provider_keys', ['tenantId', 'userId', 'provider'], {
  tenantId: col.uuid(), userId: col.text(), provider: col.text(), mask: col.text(), version: col.int(), format: col.text<'v2' | 'legacy'>(),
  storedAt: col.timestamptz(), rotatedAt: col.timestamptz<string | null>(), lastSeq: col.bigint(),
});

export type ProviderKeyRow = RowOf<typeof PROVIDER_KEYS>;
export type ProviderKeyRef = Pick<ProviderKeyRow, 'tenantId' | 'userId' | 'provider'>;

/** A change to a key this batch did not store: only the fields it touched. */
export interface ProviderKeyPatch extends ProviderKeyRef, Pick<ProviderKeyRow, 'rotatedAt' | 'lastSeq'> {
  mask: string | null;
  version: number | null;
  format: 'v2' | null;
}

export const providerKeysModel = defineReadModel('provider_keys', foldProviderKeys, ({ rows, patches, deletions }) => [
  PROVIDER_KEYS.remove('provider_keys.delete', deletions),
  PROVIDER_KEYS.upsert('provider_keys.upsert', rows),
  PROVIDER_KEYS.patch('provider_keys.patch', patches, { mask: 'setIfGiven', version: 'setIfGiven', format: 'setIfGiven', rotatedAt: 'setIfGiven', lastSeq: 'set' }),
]);

/** Folds events (offset order) into one write per key: a row, a patch, or its deletion (not stored again after). Pure. */
export function foldProviderKeys(events: readonly ProjectedEvent[]): { rows: ProviderKeyRow[]; patches: ProviderKeyPatch[]; deletions: ProviderKeyRef[] } {
  const pending = new PendingWrites<ProviderKeyRow, ProviderKeyPatch, ProviderKeyRef>();
  const change = (ref: ProviderKeyRef, seq: number, fields: { mask?: string; version: number; rotatedAt?: string }) => {
    const entry = pending.rowOrPatch(`${ref.tenantId}/${ref.userId}/${ref.provider}`, () => ({
      ...ref, mask: null, version: null, format: null, rotatedAt: null, lastSeq: seq,
    }));
    // A key deleted earlier in the batch has nothing left to change (entry undefined).
    if (entry === undefined) return;
    const patch = { version: fields.version, format: 'v2' as const, lastSeq: seq, ...(fields.mask === undefined ? {} : { mask: fields.mask }),
      ...(fields.rotatedAt === undefined ? {} : { rotatedAt: fields.rotatedAt }) };
    Object.assign(entry.kind === 'row' ? entry.row : entry.patch, patch);
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
        pending.setRow(key, {
          ...ref, mask: mask ?? '', version: 1, format: object(payload, 'secret') !== undefined ? 'v2' : 'legacy', storedAt: at, rotatedAt: null, lastSeq: seq,
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
        pending.setDeleted(key, ref);
        break;
      default:
        break;
    }
  }
  return pending.split();
}
