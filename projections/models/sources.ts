// Read model "sources" (table: migration 0013): one row per data source of a tenant — who owns
// it, what kind it is, whether it is connected, which credential version and format it has, and
// how often queries were authorized on it. Never the credential, never the config: those are
// sealed in the event and only the `secrets` model keeps them. Visible to the source's owner,
// to the tenant's owners and admins, and to the tenant's analysts (policies in SQL).
import { col, defineReadModel, Table, type RowOf } from './kit.ts';
import { integer, object, text, type ProjectedEvent } from './model.ts';
import { PendingWrites } from './pending-writes.ts';

export type CredentialFormat = 'v2' | 'legacy';

const SOURCES = new Table('sources', ['tenantId', 'sourceId'], {
  tenantId: col.uuid(), sourceId: col.text(), ownerId: col.text(), kind: col.text(), name: col.text(), status: col.text<'connected' | 'disconnected'>(),
  credentialVersion: col.int(), credentialFormat: col.text<CredentialFormat>(), connectedAt: col.timestamptz(),
  rotatedAt: col.timestamptz<string | null>(), disconnectedAt: col.timestamptz<string | null>(), disconnectedBy: col.text<string | null>(),
  lastQueryAt: col.timestamptz<string | null>(), queriesAuthorized: col.bigint(), lastSeq: col.bigint(),
});

export type SourceRow = RowOf<typeof SOURCES>;

/** A change to a source this batch did not connect: only the fields it touched. */
export interface SourcePatch extends Pick<SourceRow, 'tenantId' | 'sourceId' | 'rotatedAt' | 'disconnectedAt' | 'disconnectedBy' | 'lastQueryAt' | 'lastSeq'> {
  credentialVersion: number | null;
  credentialFormat: CredentialFormat | null;
  status: 'disconnected' | null;
  queryDelta: number;
}

export const sourcesModel = defineReadModel('sources', foldSources, ({ rows, patches }) => [
  SOURCES.upsert('sources.upsert', rows),
  SOURCES.patch('sources.patch', patches, {
    credentialVersion: 'setIfGiven', credentialFormat: 'setIfGiven', rotatedAt: 'setIfGiven', status: 'setIfGiven', disconnectedAt: 'setIfGiven',
    disconnectedBy: 'setIfGiven', lastQueryAt: 'setIfGiven', queryDelta: { add: 'queriesAuthorized' }, lastSeq: 'set',
  }),
]);

/** Folds events (offset order) into one write per source. Pure. */
export function foldSources(events: readonly ProjectedEvent[]): { rows: SourceRow[]; patches: SourcePatch[] } {
  const pending = new PendingWrites<SourceRow, SourcePatch>();
  /** Applies `change` to the source's row or patch (creating an empty patch first). */
  const touch = (tenantId: string, sourceId: string, seq: number, change: Partial<SourceRow> & Partial<SourcePatch>, queries = 0) => {
    const entry = pending.rowOrPatch(`${tenantId}/${sourceId}`, () => ({
      tenantId, sourceId, credentialVersion: null, credentialFormat: null, rotatedAt: null, status: null,
      disconnectedAt: null, disconnectedBy: null, lastQueryAt: null, queryDelta: 0, lastSeq: seq,
    }));
    if (entry?.kind === 'row') Object.assign(entry.row, change, { queriesAuthorized: entry.row.queriesAuthorized + queries, lastSeq: seq });
    else if (entry?.kind === 'patch') Object.assign(entry.patch, change, { queryDelta: entry.patch.queryDelta + queries, lastSeq: seq });
  };

  for (const { event } of events) {
    const { tenantId, seq, occurredAt: at, payload } = event;
    const sourceId = text(payload, 'sourceId');
    if (sourceId === undefined) continue;
    switch (event.type) {
      case 'SourceConnected': {
        const ownerId = text(payload, 'ownerId');
        const kind = text(payload, 'kind');
        const credentialVersion = integer(payload, 'credentialVersion');
        if (ownerId === undefined || kind === undefined || credentialVersion === undefined) break;
        pending.setRow(`${tenantId}/${sourceId}`, {
          tenantId, sourceId, ownerId, kind, name: text(payload, 'name') ?? '', status: 'connected', credentialVersion,
          credentialFormat: object(payload, 'credential') !== undefined ? 'v2' : 'legacy', connectedAt: at, rotatedAt: null,
          disconnectedAt: null, disconnectedBy: null, lastQueryAt: null, queriesAuthorized: 0, lastSeq: seq,
        });
        break;
      }
      case 'SourceCredentialRotated': {
        const credentialVersion = integer(payload, 'credentialVersion');
        if (credentialVersion !== undefined) touch(tenantId, sourceId, seq, { credentialVersion, credentialFormat: 'v2', rotatedAt: at });
        break;
      }
      case 'LegacySecretResealed': {
        // The value keeps its version; only its format changes (domain/tenant/state.ts).
        const version = integer(payload, 'version');
        if (text(payload, 'target') === 'source-credential' && version !== undefined)
          touch(tenantId, sourceId, seq, { credentialVersion: version, credentialFormat: 'v2' });
        break;
      }
      case 'SourceDisconnected': {
        const by = text(payload, 'by');
        touch(tenantId, sourceId, seq, { status: 'disconnected', disconnectedAt: at, disconnectedBy: by === 'owner' || by === 'admin' ? by : null });
        break;
      }
      case 'SourceQueryAuthorized':
        touch(tenantId, sourceId, seq, { lastQueryAt: at }, 1);
        break;
      default:
        break;
    }
  }
  const { rows, patches } = pending.split();
  return { rows, patches };
}
