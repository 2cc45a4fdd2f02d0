// Read model "memories" (table: migration 0014): each user's stored memories — id, plaintext
// size, when stored. Never the content (sealed in the event; only the internal `chat_content`
// model keeps it). Private to their user, like provider keys: the app sees only the bound user's
// own memories; tenant owners, admins and analysts see none. A forgotten memory's row is deleted
// (MemoryForgotten); UserErased deletes the user's rows (erase_user: user_id).
import { col, defineReadModel, Table, type RowOf } from './kit.ts';
import { integer, text, type ProjectedEvent } from './model.ts';
import { PendingWrites } from './pending-writes.ts';

const MEMORIES = new Table('memories', ['tenantId', 'memoryId'], {
  tenantId: col.uuid(), memoryId: col.text(), userId: col.text(), bytes: col.bigint(), storedAt: col.timestamptz(), lastSeq: col.bigint(),
});

export type MemoryRow = RowOf<typeof MEMORIES>;
export type MemoryRef = Pick<MemoryRow, 'tenantId' | 'memoryId' | 'userId'>;

export const memoriesModel = defineReadModel('memories', foldMemories, ({ rows, deletions }) => [
  MEMORIES.remove('memories.delete', deletions, { match: ['tenantId', 'memoryId', 'userId'] }),
  MEMORIES.upsert('memories.upsert', rows),
]);

/** Folds events (offset order) into one write per memory: its row, or its deletion. Pure. */
export function foldMemories(events: readonly ProjectedEvent[]): { rows: MemoryRow[]; deletions: MemoryRef[] } {
  const pending = new PendingWrites<MemoryRow, never, MemoryRef>();
  for (const { event } of events) {
    const { tenantId, seq, occurredAt: at, payload } = event;
    const memoryId = text(payload, 'memoryId');
    const userId = text(payload, 'userId');
    if (memoryId === undefined || userId === undefined) continue;
    const key = `${tenantId}/${memoryId}`;
    if (event.type === 'MemoryStored') {
      pending.setRow(key, { tenantId, memoryId, userId, bytes: Math.max(0, integer(payload, 'bytes') ?? 0), storedAt: at, lastSeq: seq });
    } else if (event.type === 'MemoryForgotten') {
      const entry = pending.get(key);
      // Only its own user forgets a memory (the domain guarantees it).
      if (entry?.kind === 'row' && entry.row.userId !== userId) continue;
      pending.setDeleted(key, { tenantId, memoryId, userId });
    }
  }
  const { rows, deletions } = pending.split();
  return { rows, deletions };
}
