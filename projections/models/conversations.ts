// Read model "conversations" (tables: migration 0014): one row per conversation — whose, which
// model, started / deleted / last active, how many messages, replies and failures, plaintext
// sizes in and out, token usage — and one `chat_messages` row per message (role user), reply
// (assistant) or failure: ids, sizes, model, tokens, stop reason, failure reason, time. Never
// any content, sealed or not: that is only in the internal `chat_content` model. Visible to the
// conversation's user, to the tenant's owners and admins, and to the tenant's analysts
// (docs/adr/0006-chat-read-models.md). A deleted conversation keeps its row (status 'deleted')
// and its messages' metadata; UserErased removes both (erase_user: user_id).
import { isModelName, isStopReason } from '../../domain/validation.ts';
import { quoteIdent } from '../../adapters/postgres/roles.ts';
import type { ModelTarget, ProjectorTransaction } from '../writer/projector-transaction.ts';
import {
  columns, eraseUser, integer, segmentsAtUserErasures, tenantsOf, text, withoutErasedTenants, type ProjectedEvent, type ReadModel,
} from './model.ts';

export interface ConversationRow {
  tenantId: string;
  conversationId: string;
  userId: string;
  model: string | null;
  status: 'active' | 'deleted';
  startedAt: string;
  deletedAt: string | null;
  messages: number;
  replies: number;
  failures: number;
  bytesIn: number;
  bytesOut: number;
  inputTokens: number;
  outputTokens: number;
  lastActivityAt: string;
  lastSeq: number;
}

/** A change to a conversation this batch did not start: counter deltas and the fields it touched. */
export interface ConversationPatch {
  tenantId: string;
  conversationId: string;
  userId: string;
  /** The first reply's model in this batch: kept only if the row has none. */
  model: string | null;
  status: 'deleted' | null;
  deletedAt: string | null;
  messages: number;
  replies: number;
  failures: number;
  bytesIn: number;
  bytesOut: number;
  inputTokens: number;
  outputTokens: number;
  lastActivityAt: string | null;
  lastSeq: number;
}

export type ChatRole = 'user' | 'assistant' | 'failure';

export interface ChatMessageRow {
  tenantId: string;
  seq: number;
  conversationId: string;
  userId: string;
  role: ChatRole;
  messageId: string | null;
  replyTo: string | null;
  bytes: number | null;
  model: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  stopReason: string | null;
  reason: string | null;
  at: string;
}

export interface ConversationChanges {
  readonly rows: ConversationRow[];
  readonly patches: ConversationPatch[];
  readonly messages: ChatMessageRow[];
}

const REASON = /^[A-Z][A-Z0-9_]{0,63}$/;
const count = (payload: Readonly<Record<string, unknown>>, key: string) => Math.max(0, integer(payload, key) ?? 0);

type Entry = { kind: 'row'; row: ConversationRow } | { kind: 'patch'; patch: ConversationPatch };

/** Folds events (offset order) into one write per conversation plus one row per message, reply or failure. Pure. */
export function foldConversations(events: readonly ProjectedEvent[]): ConversationChanges {
  const entries = new Map<string, Entry>();
  const messages: ChatMessageRow[] = [];
  const touch = (tenantId: string, conversationId: string, userId: string, seq: number,
    change: { model?: string; status?: 'deleted'; deletedAt?: string; lastActivityAt?: string },
    deltas: { messages?: number; replies?: number; failures?: number; bytesIn?: number; bytesOut?: number; inputTokens?: number; outputTokens?: number }) => {
    const key = `${tenantId}/${conversationId}`;
    let entry = entries.get(key);
    if (entry === undefined) {
      entry = {
        kind: 'patch',
        patch: {
          tenantId, conversationId, userId, model: null, status: null, deletedAt: null, messages: 0, replies: 0, failures: 0,
          bytesIn: 0, bytesOut: 0, inputTokens: 0, outputTokens: 0, lastActivityAt: null, lastSeq: seq,
        },
      };
      entries.set(key, entry);
    }
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
        if (entries.has(key)) break; // ids are never reused
        const model = text(payload, 'model');
        entries.set(key, {
          kind: 'row',
          row: {
            tenantId, conversationId, userId, model: isModelName(model) ? model : null, status: 'active', startedAt: at, deletedAt: null,
            messages: 0, replies: 0, failures: 0, bytesIn: 0, bytesOut: 0, inputTokens: 0, outputTokens: 0, lastActivityAt: at, lastSeq: seq,
          },
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
  const rows: ConversationRow[] = [];
  const patches: ConversationPatch[] = [];
  for (const entry of entries.values()) {
    if (entry.kind === 'row') rows.push(entry.row);
    else patches.push(entry.patch);
  }
  return { rows, patches, messages };
}

async function write(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
  const { rows, patches, messages } = foldConversations(events);
  const schema = quoteIdent(target.schema);
  if (rows.length > 0)
    await tx.bypass(target, {
      reason: 'conversations.upsert',
      tenants: tenantsOf(rows),
      text: `insert into ${schema}.conversations (tenant_id, conversation_id, user_id, model, status, started_at, deleted_at, messages, replies,
                                                  failures, bytes_in, bytes_out, input_tokens, output_tokens, last_activity_at, last_seq)
             select r.* from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::bigint[],
                                    $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[], $16::timestamptz[], $17::bigint[])
                  as r(tenant_id, conversation_id, user_id, model, status, started_at, deleted_at, messages, replies,
                       failures, bytes_in, bytes_out, input_tokens, output_tokens, last_activity_at, last_seq)
             where r.tenant_id = any($1::uuid[])
             on conflict (tenant_id, conversation_id) do update
             set user_id = excluded.user_id, model = excluded.model, status = excluded.status, started_at = excluded.started_at,
                 deleted_at = excluded.deleted_at, messages = excluded.messages, replies = excluded.replies, failures = excluded.failures,
                 bytes_in = excluded.bytes_in, bytes_out = excluded.bytes_out, input_tokens = excluded.input_tokens,
                 output_tokens = excluded.output_tokens, last_activity_at = excluded.last_activity_at, last_seq = excluded.last_seq`,
      values: columns(rows, [
        'tenantId', 'conversationId', 'userId', 'model', 'status', 'startedAt', 'deletedAt', 'messages', 'replies',
        'failures', 'bytesIn', 'bytesOut', 'inputTokens', 'outputTokens', 'lastActivityAt', 'lastSeq',
      ]),
    });
  if (patches.length > 0)
    await tx.bypass(target, {
      reason: 'conversations.patch',
      tenants: tenantsOf(patches),
      text: `update ${schema}.conversations c
             set model = coalesce(c.model, p.model), status = coalesce(p.status, c.status), deleted_at = coalesce(p.deleted_at, c.deleted_at),
                 messages = c.messages + p.messages, replies = c.replies + p.replies, failures = c.failures + p.failures,
                 bytes_in = c.bytes_in + p.bytes_in, bytes_out = c.bytes_out + p.bytes_out,
                 input_tokens = c.input_tokens + p.input_tokens, output_tokens = c.output_tokens + p.output_tokens,
                 last_activity_at = coalesce(p.last_activity_at, c.last_activity_at), last_seq = p.last_seq
             from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::bigint[], $9::bigint[], $10::bigint[],
                         $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::timestamptz[], $16::bigint[])
                  as p(tenant_id, conversation_id, user_id, model, status, deleted_at, messages, replies, failures,
                       bytes_in, bytes_out, input_tokens, output_tokens, last_activity_at, last_seq)
             where c.tenant_id = p.tenant_id and c.conversation_id = p.conversation_id and c.user_id = p.user_id and c.tenant_id = any($1::uuid[])`,
      values: columns(patches, [
        'tenantId', 'conversationId', 'userId', 'model', 'status', 'deletedAt', 'messages', 'replies', 'failures',
        'bytesIn', 'bytesOut', 'inputTokens', 'outputTokens', 'lastActivityAt', 'lastSeq',
      ]),
    });
  if (messages.length > 0)
    // Only into a conversation of that user that is still there (never a row naming an erased
    // user, however late). A duplicate (tenant_id, seq) fails the batch on purpose, as in audit.
    await tx.bypass(target, {
      reason: 'conversations.messages',
      tenants: tenantsOf(messages),
      text: `insert into ${schema}.chat_messages (tenant_id, seq, conversation_id, user_id, role, message_id, reply_to, bytes, model,
                                                  input_tokens, output_tokens, stop_reason, reason, at)
             select r.* from unnest($2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[],
                                    $11::bigint[], $12::bigint[], $13::text[], $14::text[], $15::timestamptz[])
                  as r(tenant_id, seq, conversation_id, user_id, role, message_id, reply_to, bytes, model,
                       input_tokens, output_tokens, stop_reason, reason, at)
             where r.tenant_id = any($1::uuid[])
               and exists (select 1 from ${schema}.conversations c
                           where c.tenant_id = r.tenant_id and c.conversation_id = r.conversation_id and c.user_id = r.user_id)`,
      values: columns(messages, [
        'tenantId', 'seq', 'conversationId', 'userId', 'role', 'messageId', 'replyTo', 'bytes', 'model',
        'inputTokens', 'outputTokens', 'stopReason', 'reason', 'at',
      ]),
    });
}

export const conversationsModel: ReadModel = {
  name: 'conversations',
  async apply(tx: ProjectorTransaction, target: ModelTarget, events: readonly ProjectedEvent[]): Promise<void> {
    const { kept, erasures } = withoutErasedTenants(events);
    for (const erasure of erasures) await tx.eraseTenant(target, erasure.tenantId, erasure.seq);
    for (const segment of segmentsAtUserErasures(kept)) {
      await write(tx, target, segment.events);
      if (segment.erasure !== undefined) await eraseUser(tx, target, segment.erasure);
    }
  },
};
