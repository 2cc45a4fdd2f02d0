// Internal read model "chat_content" (table: migration 0014): the sealed content of every user
// message (kind 'message'), assistant reply ('reply', keyed by the message it answers) and
// memory ('memory') still kept, for Palisade's services — the chat worker building a prompt,
// the vault opener — never for people. Rows are deleted with their conversation
// (ConversationDeleted) or memory (MemoryForgotten), with their user (UserErased, through
// erase_user: user_id) and with their tenant. No app, analyst or auditor role has any privilege
// on it; its only reader is the `opener` role, through chat-content-reader.ts
// (docs/adr/0006-chat-read-models.md). Stored from the event's allow-listed members only:
// {v, kid, kv, n, ct}; content that is not a sealed value (an intake box) is never stored.
import { quoteIdent } from '../../adapters/postgres/roles.ts';
import type { ModelTarget, ProjectorTransaction } from '../writer/projector-transaction.ts';
import {
  columns, eraseUser, integer, object, segmentsAtUserErasures, tenantsOf, text, withoutErasedTenants,
  type ProjectedEvent, type ReadModel,
} from './model.ts';
import { sealedValue } from './secrets.ts';

export type ChatContentKind = 'message' | 'reply' | 'memory';

export interface ChatContentRow {
  tenantId: string;
  seq: number;
  userId: string;
  /** Null for memories. */
  conversationId: string | null;
  kind: ChatContentKind;
  /** The message id (message), the id of the message answered (reply), the memory id (memory). */
  itemId: string;
  /** JSON text of the sealed value {v, kid, kv, n, ct}. */
  sealed: string;
  bytes: number;
  at: string;
}

export interface ConversationDeletion {
  tenantId: string;
  userId: string;
  conversationId: string;
}

export interface MemoryDeletion {
  tenantId: string;
  userId: string;
  memoryId: string;
}

export interface ChatContentChanges {
  /** Rows to insert: every content of the batch not deleted later in the batch. */
  readonly rows: ChatContentRow[];
  /** Conversations deleted by the batch: their rows from earlier batches go. */
  readonly conversations: ConversationDeletion[];
  /** Memories forgotten by the batch: their rows from earlier batches go. */
  readonly memories: MemoryDeletion[];
}

/**
 * Folds events (offset order) as if applied one by one: a deletion drops the batch's earlier
 * rows it covers and deletes the stored ones; the writes run deletions first, then inserts, so
 * the result does not depend on where batches end. Pure.
 */
export function foldChatContent(events: readonly ProjectedEvent[]): ChatContentChanges {
  let rows: ChatContentRow[] = [];
  const conversations = new Map<string, ConversationDeletion>();
  const memories = new Map<string, MemoryDeletion>();
  for (const { event } of events) {
    const { tenantId, seq, occurredAt: at, payload } = event;
    const userId = text(payload, 'userId');
    if (userId === undefined) continue;
    const add = (kind: ChatContentKind, conversationId: string | null, itemId: string | undefined) => {
      const sealed = sealedValue(object(payload, 'content'));
      if (itemId === undefined || sealed === undefined) return;
      rows.push({ tenantId, seq, userId, conversationId, kind, itemId, sealed: JSON.stringify(sealed), bytes: Math.max(0, integer(payload, 'bytes') ?? 0), at });
    };
    switch (event.type) {
      case 'ChatTurnRequested':
      case 'AssistantReplied': {
        const conversationId = text(payload, 'conversationId');
        if (conversationId === undefined) break;
        if (event.type === 'ChatTurnRequested') add('message', conversationId, text(payload, 'messageId'));
        else add('reply', conversationId, text(payload, 'replyTo'));
        break;
      }
      case 'MemoryStored':
        add('memory', null, text(payload, 'memoryId'));
        break;
      case 'ConversationDeleted': {
        const conversationId = text(payload, 'conversationId');
        if (conversationId === undefined) break;
        rows = rows.filter((r) => !(r.tenantId === tenantId && r.userId === userId && r.conversationId === conversationId));
        conversations.set(`${tenantId}/${userId}/${conversationId}`, { tenantId, userId, conversationId });
        break;
      }
      case 'MemoryForgotten': {
        const memoryId = text(payload, 'memoryId');
        if (memoryId === undefined) break;
        rows = rows.filter((r) => !(r.tenantId === tenantId && r.userId === userId && r.kind === 'memory' && r.itemId === memoryId));
        memories.set(`${tenantId}/${userId}/${memoryId}`, { tenantId, userId, memoryId });
        break;
      }
      default:
        break;
    }
  }
  return { rows, conversations: [...conversations.values()], memories: [...memories.values()] };
}

async function write(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
  const { rows, conversations, memories } = foldChatContent(events);
  const schema = quoteIdent(target.schema);
  if (conversations.length > 0)
    await tx.bypass(target, {
      reason: 'chat_content.delete_conversation',
      tenants: tenantsOf(conversations),
      text: `delete from ${schema}.chat_content x
             using unnest($2::uuid[], $3::text[], $4::text[]) as d(tenant_id, user_id, conversation_id)
             where x.tenant_id = d.tenant_id and x.user_id = d.user_id and x.conversation_id = d.conversation_id
               and x.kind in ('message', 'reply') and x.tenant_id = any($1::uuid[])`,
      values: columns(conversations, ['tenantId', 'userId', 'conversationId']),
    });
  if (memories.length > 0)
    await tx.bypass(target, {
      reason: 'chat_content.forget_memory',
      tenants: tenantsOf(memories),
      text: `delete from ${schema}.chat_content x
             using unnest($2::uuid[], $3::text[], $4::text[]) as d(tenant_id, user_id, memory_id)
             where x.tenant_id = d.tenant_id and x.user_id = d.user_id and x.kind = 'memory' and x.item_id = d.memory_id
               and x.tenant_id = any($1::uuid[])`,
      values: columns(memories, ['tenantId', 'userId', 'memoryId']),
    });
  if (rows.length > 0)
    // A duplicate (tenant_id, seq) fails the batch on purpose, as in the audit model.
    await tx.bypass(target, {
      reason: 'chat_content.append',
      tenants: tenantsOf(rows),
      text: `insert into ${schema}.chat_content (tenant_id, seq, user_id, conversation_id, kind, item_id, sealed, bytes, at)
             select r.* from unnest($2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::bigint[], $10::timestamptz[])
                  as r(tenant_id, seq, user_id, conversation_id, kind, item_id, sealed, bytes, at)
             where r.tenant_id = any($1::uuid[])`,
      values: columns(rows, ['tenantId', 'seq', 'userId', 'conversationId', 'kind', 'itemId', 'sealed', 'bytes', 'at']),
    });
}

export const chatContentModel: ReadModel = {
  name: 'chat_content',
  async apply(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
    const { kept, erasures } = withoutErasedTenants(events);
    for (const erasure of erasures) await tx.eraseTenant(target, erasure.tenantId, erasure.seq);
    for (const segment of segmentsAtUserErasures(kept)) {
      await write(tx, target, segment.events);
      if (segment.erasure !== undefined) await eraseUser(tx, target, segment.erasure);
    }
  },
};
