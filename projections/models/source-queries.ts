// Read model "source_queries" (table: migration 0013): one row per query authorized on a source
// (SourceQueryAuthorized): which source, whose, the query's SHA-256 and the limits. The query
// text never reaches Palisade. An access log, so it is read like the audit log: by the tenant's
// owners and admins and analysts granted --audit, and in the app also by the source's owner.
import { col, defineReadModel, Table, type RowOf } from './kit.ts';
import { integer, text, type ProjectedEvent } from './model.ts';

const SOURCE_QUERIES = new Table('source_queries', ['tenantId', 'seq'], {
  tenantId: col.uuid(), seq: col.bigint(), sourceId: col.text(), ownerId: col.text(), queryHash: col.text(), maxRows: col.bigint(), maxBytes: col.bigint(),
  authorizedAt: col.timestamptz(),
});

export type SourceQueryRow = RowOf<typeof SOURCE_QUERIES>;

// A duplicate (tenant_id, seq) fails the batch on purpose, as in the audit model.
export const sourceQueriesModel = defineReadModel('source_queries', sourceQueryRows, (rows) => [SOURCE_QUERIES.append('source_queries.append', rows)]);

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
