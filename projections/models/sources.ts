// Read model "sources" (table: migration 0013): one row per data source of a tenant — who owns
// it, what kind it is, whether it is connected, which credential version and format it has, and
// how often queries were authorized on it. Never the credential, never the config: those are
// sealed in the event and only the `secrets` model keeps them. Visible to the source's owner,
// to the tenant's owners and admins, and to the tenant's analysts (policies in SQL).
import { quoteIdent } from '../../adapters/postgres/roles.ts';
import type { ModelTarget, ProjectorTransaction } from '../writer/projector-transaction.ts';
import {
  columns, eraseUser, integer, object, segmentsAtUserErasures, tenantsOf, text, withoutErasedTenants,
  type ProjectedEvent, type ReadModel,
} from './model.ts';

export type CredentialFormat = 'v2' | 'legacy';

export interface SourceRow {
  tenantId: string;
  sourceId: string;
  ownerId: string;
  kind: string;
  name: string;
  status: 'connected' | 'disconnected';
  credentialVersion: number;
  credentialFormat: CredentialFormat;
  connectedAt: string;
  rotatedAt: string | null;
  disconnectedAt: string | null;
  disconnectedBy: string | null;
  lastQueryAt: string | null;
  queriesAuthorized: number;
  lastSeq: number;
}

/** A change to a source this batch did not connect: only the fields it touched. */
export interface SourcePatch {
  tenantId: string;
  sourceId: string;
  credentialVersion: number | null;
  credentialFormat: CredentialFormat | null;
  rotatedAt: string | null;
  status: 'disconnected' | null;
  disconnectedAt: string | null;
  disconnectedBy: string | null;
  lastQueryAt: string | null;
  queryDelta: number;
  lastSeq: number;
}

type Entry = { kind: 'row'; row: SourceRow } | { kind: 'patch'; patch: SourcePatch };

/** Folds events (offset order) into one write per source. Pure. */
export function foldSources(events: readonly ProjectedEvent[]): { rows: SourceRow[]; patches: SourcePatch[] } {
  const entries = new Map<string, Entry>();
  /** Applies `change` to the source's row or patch (creating an empty patch first). */
  const touch = (tenantId: string, sourceId: string, seq: number, change: Partial<SourceRow> & Partial<SourcePatch>, queries = 0) => {
    const key = `${tenantId}/${sourceId}`;
    let entry = entries.get(key);
    if (entry === undefined) {
      entry = {
        kind: 'patch',
        patch: {
          tenantId, sourceId, credentialVersion: null, credentialFormat: null, rotatedAt: null, status: null,
          disconnectedAt: null, disconnectedBy: null, lastQueryAt: null, queryDelta: 0, lastSeq: seq,
        },
      };
      entries.set(key, entry);
    }
    if (entry.kind === 'row') Object.assign(entry.row, change, { queriesAuthorized: entry.row.queriesAuthorized + queries, lastSeq: seq });
    else Object.assign(entry.patch, change, { queryDelta: entry.patch.queryDelta + queries, lastSeq: seq });
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
        entries.set(`${tenantId}/${sourceId}`, {
          kind: 'row',
          row: {
            tenantId, sourceId, ownerId, kind, name: text(payload, 'name') ?? '', status: 'connected', credentialVersion,
            credentialFormat: object(payload, 'credential') !== undefined ? 'v2' : 'legacy', connectedAt: at, rotatedAt: null,
            disconnectedAt: null, disconnectedBy: null, lastQueryAt: null, queriesAuthorized: 0, lastSeq: seq,
          },
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
  const rows: SourceRow[] = [];
  const patches: SourcePatch[] = [];
  for (const entry of entries.values()) {
    if (entry.kind === 'row') rows.push(entry.row);
    else patches.push(entry.patch);
  }
  return { rows, patches };
}

async function write(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
  const { rows, patches } = foldSources(events);
  const schema = quoteIdent(target.schema);
  if (rows.length > 0)
    await tx.bypass(target, {
      reason: 'sources.upsert',
      tenants: tenantsOf(rows),
      text: `insert into ${schema}.sources (tenant_id, source_id, owner_id, kind, name, status, credential_version, credential_format,
                                            connected_at, rotated_at, disconnected_at, disconnected_by, last_query_at, queries_authorized, last_seq)
             select r.* from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[],
                                    $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::text[], $14::timestamptz[], $15::bigint[], $16::bigint[])
                  as r(tenant_id, source_id, owner_id, kind, name, status, credential_version, credential_format,
                       connected_at, rotated_at, disconnected_at, disconnected_by, last_query_at, queries_authorized, last_seq)
             where r.tenant_id = any($1::uuid[])
             on conflict (tenant_id, source_id) do update
             set owner_id = excluded.owner_id, kind = excluded.kind, name = excluded.name, status = excluded.status,
                 credential_version = excluded.credential_version, credential_format = excluded.credential_format,
                 connected_at = excluded.connected_at, rotated_at = excluded.rotated_at, disconnected_at = excluded.disconnected_at,
                 disconnected_by = excluded.disconnected_by, last_query_at = excluded.last_query_at,
                 queries_authorized = excluded.queries_authorized, last_seq = excluded.last_seq`,
      values: columns(rows, [
        'tenantId', 'sourceId', 'ownerId', 'kind', 'name', 'status', 'credentialVersion', 'credentialFormat',
        'connectedAt', 'rotatedAt', 'disconnectedAt', 'disconnectedBy', 'lastQueryAt', 'queriesAuthorized', 'lastSeq',
      ]),
    });
  if (patches.length > 0)
    await tx.bypass(target, {
      reason: 'sources.patch',
      tenants: tenantsOf(patches),
      text: `update ${schema}.sources s
             set credential_version = coalesce(p.credential_version, s.credential_version),
                 credential_format = coalesce(p.credential_format, s.credential_format),
                 rotated_at = coalesce(p.rotated_at, s.rotated_at), status = coalesce(p.status, s.status),
                 disconnected_at = coalesce(p.disconnected_at, s.disconnected_at),
                 disconnected_by = coalesce(p.disconnected_by, s.disconnected_by),
                 last_query_at = coalesce(p.last_query_at, s.last_query_at),
                 queries_authorized = s.queries_authorized + p.query_delta, last_seq = p.last_seq
             from unnest($2::uuid[], $3::text[], $4::int[], $5::text[], $6::timestamptz[], $7::text[], $8::timestamptz[], $9::text[],
                         $10::timestamptz[], $11::bigint[], $12::bigint[])
                  as p(tenant_id, source_id, credential_version, credential_format, rotated_at, status, disconnected_at, disconnected_by,
                       last_query_at, query_delta, last_seq)
             where s.tenant_id = p.tenant_id and s.source_id = p.source_id and s.tenant_id = any($1::uuid[])`,
      values: columns(patches, [
        'tenantId', 'sourceId', 'credentialVersion', 'credentialFormat', 'rotatedAt', 'status', 'disconnectedAt', 'disconnectedBy',
        'lastQueryAt', 'queryDelta', 'lastSeq',
      ]),
    });
}

export const sourcesModel: ReadModel = {
  name: 'sources',
  async apply(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
    const { kept, erasures } = withoutErasedTenants(events);
    for (const erasure of erasures) await tx.eraseTenant(target, erasure.tenantId, erasure.seq);
    for (const segment of segmentsAtUserErasures(kept)) {
      await write(tx, target, segment.events);
      if (segment.erasure !== undefined) await eraseUser(tx, target, segment.erasure);
    }
  },
};
