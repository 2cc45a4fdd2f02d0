// Read model "memories" (table: migration 0014): each user's stored memories — id, plaintext
// size, when stored. Never the content (sealed in the event; only the internal `chat_content`
// model keeps it). Private to their user, like provider keys: the app sees only the bound user's
// own memories; tenant owners, admins and analysts see none. A forgotten memory's row is deleted
// (MemoryForgotten); UserErased deletes the user's rows (erase_user: user_id).
import { quoteIdent } from '../../adapters/postgres/roles.ts';
import type { ModelTarget, ProjectorTransaction } from '../writer/projector-transaction.ts';
import {
  columns, eraseUser, integer, segmentsAtUserErasures, tenantsOf, text, withoutErasedTenants, type ProjectedEvent, type ReadModel,
} from './model.ts';

export interface MemoryRow {
  tenantId: string;
  memoryId: string;
  userId: string;
  bytes: number;
  storedAt: string;
  lastSeq: number;
}

export interface MemoryRef {
  tenantId: string;
  memoryId: string;
  userId: string;
}

type Entry = { kind: 'row'; row: MemoryRow } | { kind: 'delete'; ref: MemoryRef };

/** Folds events (offset order) into one write per memory: its row, or its deletion. Pure. */
export function foldMemories(events: readonly ProjectedEvent[]): { rows: MemoryRow[]; deletions: MemoryRef[] } {
  const entries = new Map<string, Entry>();
  for (const { event } of events) {
    const { tenantId, seq, occurredAt: at, payload } = event;
    const memoryId = text(payload, 'memoryId');
    const userId = text(payload, 'userId');
    if (memoryId === undefined || userId === undefined) continue;
    const key = `${tenantId}/${memoryId}`;
    if (event.type === 'MemoryStored') {
      entries.set(key, { kind: 'row', row: { tenantId, memoryId, userId, bytes: Math.max(0, integer(payload, 'bytes') ?? 0), storedAt: at, lastSeq: seq } });
    } else if (event.type === 'MemoryForgotten') {
      const entry = entries.get(key);
      // Only its own user forgets a memory (the domain guarantees it).
      if (entry?.kind === 'row' && entry.row.userId !== userId) continue;
      entries.set(key, { kind: 'delete', ref: { tenantId, memoryId, userId } });
    }
  }
  const rows: MemoryRow[] = [];
  const deletions: MemoryRef[] = [];
  for (const entry of entries.values()) {
    if (entry.kind === 'row') rows.push(entry.row);
    else deletions.push(entry.ref);
  }
  return { rows, deletions };
}

async function write(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
  const { rows, deletions } = foldMemories(events);
  const schema = quoteIdent(target.schema);
  if (deletions.length > 0)
    await tx.bypass(target, {
      reason: 'memories.delete',
      tenants: tenantsOf(deletions),
      text: `delete from ${schema}.memories m
             using unnest($2::uuid[], $3::text[], $4::text[]) as d(tenant_id, memory_id, user_id)
             where m.tenant_id = d.tenant_id and m.memory_id = d.memory_id and m.user_id = d.user_id and m.tenant_id = any($1::uuid[])`,
      values: columns(deletions, ['tenantId', 'memoryId', 'userId']),
    });
  if (rows.length > 0)
    await tx.bypass(target, {
      reason: 'memories.upsert',
      tenants: tenantsOf(rows),
      text: `insert into ${schema}.memories (tenant_id, memory_id, user_id, bytes, stored_at, last_seq)
             select r.* from unnest($2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::timestamptz[], $7::bigint[])
                  as r(tenant_id, memory_id, user_id, bytes, stored_at, last_seq)
             where r.tenant_id = any($1::uuid[])
             on conflict (tenant_id, memory_id) do update
             set user_id = excluded.user_id, bytes = excluded.bytes, stored_at = excluded.stored_at, last_seq = excluded.last_seq`,
      values: columns(rows, ['tenantId', 'memoryId', 'userId', 'bytes', 'storedAt', 'lastSeq']),
    });
}

export const memoriesModel: ReadModel = {
  name: 'memories',
  async apply(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
    const { kept, erasures } = withoutErasedTenants(events);
    for (const erasure of erasures) await tx.eraseTenant(target, erasure.tenantId, erasure.seq);
    for (const segment of segmentsAtUserErasures(kept)) {
      await write(tx, target, segment.events);
      if (segment.erasure !== undefined) await eraseUser(tx, target, segment.erasure);
    }
  },
};
