// Internal read model "chat_content" (table: migration 0014): the sealed content of every user
// message (kind 'message'), assistant reply ('reply', keyed by the message it answers) and
// memory ('memory') still kept, for Palisade's services — the chat worker building a prompt,
// the vault opener — never for people. Rows are deleted with their conversation
// (ConversationDeleted) or memory (MemoryForgotten), with their user (UserErased, through
// erase_user: user_id) and with their tenant. No app, analyst or auditor role has any privilege
// on it; its only reader is the `opener` role, through chat-content-reader.ts
// (docs/adr/0006-chat-read-models.md). Stored from the event's allow-listed members only:
// {v, kid, kv, n, ct}; content that is not a sealed value (an intake box) is never stored.
import { col, defineReadModel, Table, type RowOf } from './kit.ts';
import { integer, object, text, type ProjectedEvent } from './model.ts';
import { sealedValue } from './secrets.ts';

export type ChatContentKind = 'message' | 'reply' | 'memory';

const CHAT_CONTENT = new Table('chat_content', ['tenantId', 'seq'], {
  tenantId: col.uuid(), seq: col.bigint(), userId: col.text(),
  // Null for memories.
  conversationId: col.text<string | null>(), kind: col.text<ChatContentKind>(),
  // The message id (message), the id of the message answered (reply), the memory id (memory).
  itemId: col.text(),
  // JSON text of the sealed value {v, kid, kv, n, ct}.
  sealed: col.jsonb(), bytes: col.bigint(), at: col.timestamptz(),
});

export type ChatContentRow = RowOf<typeof CHAT_CONTENT>;
export type ConversationDeletion = Pick<ChatContentRow, 'tenantId' | 'userId'> & { conversationId: string };
export type MemoryDeletion = Pick<ChatContentRow, 'tenantId' | 'userId'> & { memoryId: string };

export interface ChatContentChanges {
  /** Rows to insert: every content of the batch not deleted later in the batch. */
  readonly rows: ChatContentRow[];
  /** Conversations deleted by the batch: their rows from earlier batches go. */
  readonly conversations: ConversationDeletion[];
  /** Memories forgotten by the batch: their rows from earlier batches go. */
  readonly memories: MemoryDeletion[];
}

export const chatContentModel = defineReadModel('chat_content', foldChatContent, ({ rows, conversations, memories }) => [
  CHAT_CONTENT.remove('chat_content.delete_conversation', conversations, {
    match: ['tenantId', 'userId', 'conversationId'], onlyIf: "t.kind in ('message', 'reply')",
  }),
  CHAT_CONTENT.remove('chat_content.forget_memory', memories.map(({ tenantId, userId, memoryId }) => ({ tenantId, userId, itemId: memoryId })), {
    match: ['tenantId', 'userId', 'itemId'], onlyIf: "t.kind = 'memory'",
  }),
  // A duplicate (tenant_id, seq) fails the batch on purpose, as in the audit model.
  CHAT_CONTENT.append('chat_content.append', rows),
]);

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
