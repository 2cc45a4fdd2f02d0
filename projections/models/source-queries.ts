// Read model "source_queries" (table: migration 0013): one row per query authorized on a source
// (SourceQueryAuthorized): which source, whose, the query's SHA-256 and the limits. The query
// text never reaches Palisade. An access log, so it is read like the audit log: by the tenant's
// owners and admins and analysts granted --audit, and in the app also by the source's owner.
import { quoteIdent } from '../../adapters/postgres/roles.ts';
import type { ModelTarget, ProjectorTransaction } from '../writer/projector-transaction.ts';
import {
  columns, eraseUser, integer, segmentsAtUserErasures, tenantsOf, text, withoutErasedTenants, type ProjectedEvent, type ReadModel,
} from './model.ts';

export interface SourceQueryRow {
  tenantId: string;
  seq: number;
  sourceId: string;
  ownerId: string;
  queryHash: string;
  maxRows: number;
  maxBytes: number;
  authorizedAt: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** One row per SourceQueryAuthorized. Pure. */
export function sourceQueryRows(events: readonly ProjectedEvent[]): SourceQueryRow[] {
  const rows: SourceQueryRow[] = [];
  for (const { event } of events) {
    if (event.type !== 'SourceQueryAuthorized') continue;
    const { payload } = event;
    const sourceId = text(payload, 'sourceId');
    const ownerId = text(payload, 'ownerId');
    const queryHash = text(payload, 'queryHash');
    if (sourceId === undefined || ownerId === undefined || queryHash === undefined) continue;
    rows.push({
      tenantId: event.tenantId, seq: event.seq, sourceId, ownerId,
      // Only ever a hash: anything else (a client that sent the text by mistake) is not stored.
      queryHash: SHA256_HEX.test(queryHash) ? queryHash : '?',
      maxRows: Math.max(0, integer(payload, 'maxRows') ?? 0), maxBytes: Math.max(0, integer(payload, 'maxBytes') ?? 0),
      authorizedAt: event.occurredAt,
    });
  }
  return rows;
}

async function write(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
  const rows = sourceQueryRows(events);
  if (rows.length === 0) return;
  // A duplicate (tenant_id, seq) fails the batch on purpose, as in the audit model.
  await tx.bypass(target, {
    reason: 'source_queries.append',
    tenants: tenantsOf(rows),
    text: `insert into ${quoteIdent(target.schema)}.source_queries (tenant_id, seq, source_id, owner_id, query_hash, max_rows, max_bytes, authorized_at)
           select r.* from unnest($2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::timestamptz[])
                as r(tenant_id, seq, source_id, owner_id, query_hash, max_rows, max_bytes, authorized_at)
           where r.tenant_id = any($1::uuid[])`,
    values: columns(rows, ['tenantId', 'seq', 'sourceId', 'ownerId', 'queryHash', 'maxRows', 'maxBytes', 'authorizedAt']),
  });
}

export const sourceQueriesModel: ReadModel = {
  name: 'source_queries',
  async apply(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
    const { kept, erasures } = withoutErasedTenants(events);
    for (const erasure of erasures) await tx.eraseTenant(target, erasure.tenantId, erasure.seq);
    for (const segment of segmentsAtUserErasures(kept)) {
      await write(tx, target, segment.events);
      if (segment.erasure !== undefined) await eraseUser(tx, target, segment.erasure);
    }
  },
};
