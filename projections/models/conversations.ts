// Read model "conversations" (tables: migration 0014): one row per conversation — whose, which
// model, started / deleted / last active, how many messages, replies and failures, plaintext
// sizes in and out, token usage — and one `chat_messages` row per message (role user), reply
// (assistant) or failure: ids, sizes, model, tokens, stop reason, failure reason, time. Never
// any content, sealed or not: that is only in the internal `chat_content` model. Visible to the
// conversation's user, to the tenant's owners and admins, and to the tenant's analysts
// (docs/adr/0006-chat-read-models.md). A deleted conversation keeps its row (status 'deleted')
// and its messages' metadata; UserErased removes both (erase_user: user_id).
import { isModelName, isStopReason } from '../../domain/validation.ts';
import { col, defineReadModel, Table, type RowOf } from './kit.ts';
import { integer, text, type ProjectedEvent } from './model.ts';
import { PendingWrites } from './pending-writes.ts';

const CONVERSATIONS = new Table('conversations', ['tenantId', 'conversationId'], {
  tenantId: col.uuid(), conversationId: col.text(), userId: col.text(), model: col.text<string | null>(), status: col.text<'active' | 'deleted'>(),
  startedAt: col.timestamptz(), deletedAt: col.timestamptz<string | null>(), messages: col.bigint(), replies: col.bigint(), failures: col.bigint(),
  bytesIn: col.bigint(), bytesOut: col.bigint(), inputTokens: col.bigint(), outputTokens: col.bigint(), lastActivityAt: col.timestamptz(),
  lastSeq: col.bigint(),
});

export type ChatRole = 'user' | 'assistant' | 'failure';

const CHAT_MESSAGES = new Table('chat_messages', ['tenantId', 'seq'], {
  tenantId: col.uuid(), seq: col.bigint(), conversationId: col.text(), userId: col.text(), role: col.text<ChatRole>(), messageId: col.text<string | null>(),
  replyTo: col.text<string | null>(), bytes: col.bigint<number | null>(), model: col.text<string | null>(), inputTokens: col.bigint<number | null>(),
  outputTokens: col.bigint<number | null>(), stopReason: col.text<string | null>(), reason: col.text<string | null>(), at: col.timestamptz(),
});

export type ConversationRow = RowOf<typeof CONVERSATIONS>;
export type ChatMessageRow = RowOf<typeof CHAT_MESSAGES>;

/**
 * A change to a conversation this batch did not start: the counters are deltas, `model` is the
 * first reply's model in this batch (kept only if the row has none), the rest what it touched.
 */
export interface ConversationPatch extends Omit<ConversationRow, 'status' | 'startedAt' | 'lastActivityAt'> {
  status: 'deleted' | null;
  lastActivityAt: string | null;
}

export const conversationsModel = defineReadModel('conversations', foldConversations, ({ rows, patches, messages }) => [
  CONVERSATIONS.upsert('conversations.upsert', rows),
  CONVERSATIONS.patch('conversations.patch', patches, {
    model: 'fillIfNull', status: 'setIfGiven', deletedAt: 'setIfGiven', messages: 'add', replies: 'add', failures: 'add', bytesIn: 'add',
    bytesOut: 'add', inputTokens: 'add', outputTokens: 'add', lastActivityAt: 'setIfGiven', lastSeq: 'set',
  }, { match: ['tenantId', 'conversationId', 'userId'] }),
  // Only into a conversation of that user that is still there (never a row naming an erased
  // user, however late). A duplicate (tenant_id, seq) fails the batch on purpose, as in audit.
  CHAT_MESSAGES.append('conversations.messages', messages, {
    onlyIf: (schema) =>
      `exists (select 1 from ${schema}.conversations c where c.tenant_id = r.tenant_id and c.conversation_id = r.conversation_id and c.user_id = r.user_id)`,
  }),
]);

const REASON = /^[A-Z][A-Z0-9_]{0,63}$/;
const count = (payload: Readonly<Record<string, unknown>>, key: string) => Math.max(0, integer(payload, key) ?? 0);

/** Folds events (offset order) into one write per conversation plus one row per message, reply or failure. Pure. */
export function foldConversations(events: readonly ProjectedEvent[]): { rows: ConversationRow[]; patches: ConversationPatch[]; messages: ChatMessageRow[] } {
  const pending = new PendingWrites<ConversationRow, ConversationPatch>();
  const messages: ChatMessageRow[] = [];
  const touch = (tenantId: string, conversationId: string, userId: string, seq: number,
    change: { model?: string; status?: 'deleted'; deletedAt?: string; lastActivityAt?: string },
    deltas: { messages?: number; replies?: number; failures?: number; bytesIn?: number; bytesOut?: number; inputTokens?: number; outputTokens?: number }) => {
    const entry = pending.rowOrPatch(`${tenantId}/${conversationId}`, () => ({
      tenantId, conversationId, userId, model: null, status: null, deletedAt: null, messages: 0, replies: 0, failures: 0,
      bytesIn: 0, bytesOut: 0, inputTokens: 0, outputTokens: 0, lastActivityAt: null, lastSeq: seq,
    }));
    if (entry === undefined) return false; // never: this fold deletes no conversation row
    const target = entry.kind === 'row' ? entry.row : entry.patch;
    // Only the conversation's own user acts on it (the domain guarantees it; a row never changes hands).
    if (target.userId !== userId) return false;
    if (change.model !== undefined && target.model === null) target.model = change.model;
    if (change.status !== undefined) target.status = change.status;
    if (change.deletedAt !== undefined) target.deletedAt = change.deletedAt;
    if (change.lastActivityAt !== undefined) target.lastActivityAt = change.lastActivityAt;
    target.messages += deltas.messages ?? 0;
    target.replies += deltas.replies ?? 0;
    target.failures += deltas.failures ?? 0;
    target.bytesIn += deltas.bytesIn ?? 0;
    target.bytesOut += deltas.bytesOut ?? 0;
    target.inputTokens += deltas.inputTokens ?? 0;
    target.outputTokens += deltas.outputTokens ?? 0;
    target.lastSeq = seq;
    return true;
  };

  for (const { event } of events) {
    const { tenantId, seq, occurredAt: at, payload } = event;
    const conversationId = text(payload, 'conversationId');
    const userId = text(payload, 'userId');
    if (conversationId === undefined || userId === undefined) continue;
    const base = { tenantId, seq, conversationId, userId, at };
    const none = { messageId: null, replyTo: null, bytes: null, model: null, inputTokens: null, outputTokens: null, stopReason: null, reason: null };
    switch (event.type) {
      case 'ConversationStarted': {
        const key = `${tenantId}/${conversationId}`;
        if (pending.get(key) !== undefined) break; // ids are never reused
        const model = text(payload, 'model');
        pending.setRow(key, {
          tenantId, conversationId, userId, model: isModelName(model) ? model : null, status: 'active', startedAt: at, deletedAt: null,
          messages: 0, replies: 0, failures: 0, bytesIn: 0, bytesOut: 0, inputTokens: 0, outputTokens: 0, lastActivityAt: at, lastSeq: seq,
        });
        break;
      }
      case 'ChatTurnRequested': {
        const messageId = text(payload, 'messageId');
        if (messageId === undefined) break;
        const bytes = count(payload, 'bytes');
        if (touch(tenantId, conversationId, userId, seq, { lastActivityAt: at }, { messages: 1, bytesIn: bytes }))
          messages.push({ ...base, ...none, role: 'user', messageId, bytes });
        break;
      }
      case 'AssistantReplied': {
        const replyTo = text(payload, 'replyTo');
        if (replyTo === undefined) break;
        const raw = text(payload, 'model');
        const model = isModelName(raw) ? raw : null;
        const stopReason = text(payload, 'stopReason');
        const bytes = count(payload, 'bytes');
        const inputTokens = count(payload, 'inputTokens');
        const outputTokens = count(payload, 'outputTokens');
        if (touch(tenantId, conversationId, userId, seq, { lastActivityAt: at, ...(model === null ? {} : { model }) },
          { replies: 1, bytesOut: bytes, inputTokens, outputTokens }))
          messages.push({
            ...base, ...none, role: 'assistant', replyTo, bytes, model, inputTokens, outputTokens, stopReason: isStopReason(stopReason) ? stopReason : null,
          });
        break;
      }
      case 'ChatTurnFailed': {
        const replyTo = text(payload, 'replyTo');
        if (replyTo === undefined) break;
        const reason = text(payload, 'reason');
        if (touch(tenantId, conversationId, userId, seq, { lastActivityAt: at }, { failures: 1 }))
          messages.push({ ...base, ...none, role: 'failure', replyTo, reason: reason !== undefined && REASON.test(reason) ? reason : '?' });
        break;
      }
      case 'ConversationDeleted':
        touch(tenantId, conversationId, userId, seq, { status: 'deleted', deletedAt: at }, {});
        break;
      default:
        break;
    }
  }
  const { rows, patches } = pending.split();
  return { rows, patches, messages };
}
