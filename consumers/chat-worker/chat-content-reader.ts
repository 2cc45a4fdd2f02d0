// How Palisade's services (the chat worker, the vault opener) read sealed chat content from the
// internal `chat_content` read model: through the view internal.chat_content, which always
// points at the active generation. Only the `opener` role (and a superuser) may read it: use
// chatContentReaderPool(), or any pool whose sessions act as that role. No app, analyst or
// auditor role can (docs/adr/0006-chat-read-models.md).
// The opener's policy lets it read every tenant's rows, so these functions are the only entry
// point and each one takes the tenant AND the user as required arguments: every query is
// filtered by both, and nothing here lists content across users or tenants.
import type pg from '../../adapters/postgres/pg.ts';
import { isCanonicalUuid, isPrincipalId } from '../../domain/validation.ts';
import { openPool } from '../../adapters/postgres/pool.ts';
import { asRole, type Queryable, type TenancyRoles } from '../../adapters/postgres/roles.ts';
import { sealedValue } from '../../domain/tenant/sealed-slot.ts';
import type { SealedSecret } from '../../domain/tenant/types.ts';
import { openerRole } from '../vault/secrets-reader.ts';
import { ChatWorkerError } from './errors.ts';

/** The domain of internal.chat_content.kind (its check constraint, migration 0014): what an item is. */
export type ChatContentKind = 'message' | 'reply' | 'memory';

/** Whose content: both always required. */
export interface ChatOwner {
  readonly tenantId: string;
  readonly userId: string;
}

export interface ConversationKey extends ChatOwner {
  readonly conversationId: string;
}

/** One message or reply of a conversation, sealed. */
export interface HistoryItem {
  readonly kind: Exclude<ChatContentKind, 'memory'>;
  /** The message id (message), or the id of the message it answers (reply). */
  readonly itemId: string;
  readonly sealed: SealedSecret;
  /** The event's seq in the tenant's stream: the conversation's order. */
  readonly seq: number;
}

export interface StoredMemory {
  readonly memoryId: string;
  readonly sealed: SealedSecret;
}

/** The most items conversationHistory returns at once. */
export const MAX_HISTORY_ITEMS = 1000;
/** The most memory ids memories() takes at once. */
export const MAX_MEMORY_IDS = 1000;

/** A pool whose sessions act as the opener role, whatever login `databaseUrl` holds. */
export function chatContentReaderPool(databaseUrl: string, roles: Pick<TenancyRoles, 'prefix'>, max = 4): pg.Pool {
  return openPool({ ...asRole(databaseUrl, openerRole(roles)), max });
}

function checkOwner(fn: string, owner: ChatOwner): void {
  if (!isCanonicalUuid(owner.tenantId)) throw new ChatWorkerError('INVALID_OPTION', `${fn}: tenantId must be a lowercase canonical UUID`);
  if (!isPrincipalId(owner.userId)) throw new ChatWorkerError('INVALID_OPTION', `${fn}: userId must be a principal id`);
}

/**
 * The last `limit` messages and replies of the user's conversation, oldest first. Empty when
 * the conversation is not the user's, was deleted, or the user or tenant was erased.
 * INVALID_OPTION for a malformed key or a limit outside 1..MAX_HISTORY_ITEMS.
 */
export async function conversationHistory(pool: Queryable, key: ConversationKey, limit: number): Promise<HistoryItem[]> {
  checkOwner('conversationHistory', key);
  if (!isCanonicalUuid(key.conversationId)) throw new ChatWorkerError('INVALID_OPTION', 'conversationHistory: conversationId must be a lowercase canonical UUID');
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_HISTORY_ITEMS)
    throw new ChatWorkerError('INVALID_OPTION', `conversationHistory: limit must be an integer from 1 to ${MAX_HISTORY_ITEMS}`);
  const { rows } = await pool.query<{ kind: 'message' | 'reply'; item_id: string; sealed: Record<string, unknown>; seq: string }>(
    `select kind, item_id, sealed, seq from (
       select kind, item_id, sealed, seq from internal.chat_content
       where tenant_id = $1 and user_id = $2 and conversation_id = $3 and kind in ('message', 'reply')
       order by seq desc limit $4
     ) last order by seq`,
    [key.tenantId, key.userId, key.conversationId, limit],
  );
  const items: HistoryItem[] = [];
  for (const row of rows) {
    const sealed = sealedValue(row.sealed);
    if (sealed !== undefined) items.push({ kind: row.kind, itemId: row.item_id, sealed, seq: Number(row.seq) });
  }
  return items;
}

/**
 * The user's memories (those of `memoryIds` only, when given), in the order they were stored.
 * Another user's or a forgotten memory is simply not there. INVALID_OPTION for a malformed key
 * or id, or more than MAX_MEMORY_IDS ids.
 */
export async function memories(pool: Queryable, owner: ChatOwner, memoryIds?: readonly string[]): Promise<StoredMemory[]> {
  checkOwner('memories', owner);
  if (memoryIds !== undefined) {
    if (memoryIds.length > MAX_MEMORY_IDS) throw new ChatWorkerError('INVALID_OPTION', `memories: at most ${MAX_MEMORY_IDS} memory ids at once`);
    if (!memoryIds.every(isCanonicalUuid)) throw new ChatWorkerError('INVALID_OPTION', 'memories: every memory id must be a lowercase canonical UUID');
    if (memoryIds.length === 0) return [];
  }
  const { rows } = await pool.query<{ item_id: string; sealed: Record<string, unknown> }>(
    `select item_id, sealed from internal.chat_content
     where tenant_id = $1 and user_id = $2 and kind = 'memory' and ($3::text[] is null or item_id = any($3::text[]))
     order by seq`,
    [owner.tenantId, owner.userId, memoryIds === undefined ? null : [...memoryIds]],
  );
  const out: StoredMemory[] = [];
  for (const row of rows) {
    const sealed = sealedValue(row.sealed);
    if (sealed !== undefined) out.push({ memoryId: row.item_id, sealed });
  }
  return out;
}
