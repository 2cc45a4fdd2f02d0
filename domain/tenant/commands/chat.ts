// Chat turns and memories (issue 7): StartConversation, ChatTurn, RecordAssistantReply,
// DeleteConversation, StoreMemory, ForgetMemory. Parsing and `decide`, side by side.
// A conversation or memory belongs to the user who started or stored it: only they may write
// into, delete or forget it, whatever their role (no tenant owner reads or removes another
// member's chat). NOT_CONVERSATION_OWNER and NOT_MEMORY_OWNER are authorization refusals that
// need the target to exist, so the NOT_FOUND codes come first. Ids are canonical UUIDs. Content
// is an intake box, sized for the content's limit by the parser, emitted as a PendingSecret bound
// to the user and the exact message, reply or memory, with the limit the processor enforces once
// it has opened the box.
import { accept, refuse } from '../../decider.ts';
import { RejectionCode } from '../../errors.ts';
import type { Command } from '../../messages.ts';
import { isCanonicalUuid, isContentBox, isIntegerInRange, isModelName, isOneOf, isPrincipalId, isStopReason } from '../../validation.ts';
import { chatMessageBinding, chatReplyBinding, memoryBinding } from '../chat-secrets.ts';
import type { ConversationState } from '../chat-state.ts';
import { CHAT_FAILURE_REASONS, MAX_MEMORY_BYTES, MAX_MESSAGE_BYTES, MAX_REPLY_BYTES } from '../chat-types.ts';
import type {
  ChatTurnData,
  DeleteConversationData,
  ForgetMemoryData,
  RecordAssistantReplyData,
  StartConversationData,
  StoreMemoryData,
} from '../chat-types.ts';
import { canChat } from '../policy.ts';
import type { ActiveTenant, TenantState } from '../state.ts';
import { article, pendingSecret } from './decide-common.ts';
import type { ActingMember, TenantDecision } from './decide-common.ts';
import { exactlyOneOf, invalidField, parseShape, refused } from './parse-common.ts';
import type { Parsed } from './parse-common.ts';

export type StartConversation = Command<'StartConversation', StartConversationData>;
export type ChatTurn = Command<'ChatTurn', ChatTurnData>;
export type RecordAssistantReply = Command<'RecordAssistantReply', RecordAssistantReplyData>;
export type DeleteConversation = Command<'DeleteConversation', DeleteConversationData>;
export type StoreMemory = Command<'StoreMemory', StoreMemoryData>;
export type ForgetMemory = Command<'ForgetMemory', ForgetMemoryData>;

/** Token counts are Avro ints. */
const MAX_TOKEN_COUNT = 2_147_483_647;
const REPLY_FIELDS = ['model', 'inputTokens', 'outputTokens'] as const;

// Parsing

export function parseStartConversation(payload: unknown): Parsed<StartConversationData> {
  const shape = parseShape(payload, ['conversationId'], ['model']);
  if (!shape.ok) return shape;
  const { conversationId, model } = shape.value;
  if (!isCanonicalUuid(conversationId)) return invalidField(RejectionCode.INVALID_CONVERSATION_ID, 'conversationId');
  if (model !== undefined && !isModelName(model)) return invalidField(RejectionCode.INVALID_MODEL, 'model');
  return { ok: true, value: model === undefined ? { conversationId } : { conversationId, model } };
}

export function parseChatTurn(payload: unknown): Parsed<ChatTurnData> {
  const shape = parseShape(payload, ['conversationId', 'messageId', 'content'], []);
  if (!shape.ok) return shape;
  const { conversationId, messageId, content } = shape.value;
  if (!isCanonicalUuid(conversationId)) return invalidField(RejectionCode.INVALID_CONVERSATION_ID, 'conversationId');
  if (!isCanonicalUuid(messageId)) return invalidField(RejectionCode.INVALID_MESSAGE_ID, 'messageId');
  if (!isContentBox(content, MAX_MESSAGE_BYTES)) return invalidField(RejectionCode.INVALID_CONTENT, 'content');
  return { ok: true, value: { conversationId, messageId, content } };
}

/**
 * A reply or a failure, never both: `content` comes with `model`, `inputTokens` and
 * `outputTokens` (and maybe `stopReason`); `failure` comes alone. Shape first, then the values
 * in declaration order.
 */
export function parseRecordAssistantReply(payload: unknown): Parsed<RecordAssistantReplyData> {
  const shape = parseShape(payload, ['conversationId', 'userId', 'replyTo'], ['content', ...REPLY_FIELDS, 'stopReason', 'failure']);
  if (!shape.ok) return shape;
  const notOne = exactlyOneOf(shape.value, 'content', 'failure');
  if (notOne !== undefined) return notOne;
  const isReply = shape.value.content !== undefined;
  for (const field of isReply ? REPLY_FIELDS : [...REPLY_FIELDS, 'stopReason']) {
    const present = shape.value[field] !== undefined;
    if (isReply && !present) return refused(RejectionCode.INVALID_PAYLOAD, `missing field "${field}" (a reply)`);
    if (!isReply && present) return refused(RejectionCode.INVALID_PAYLOAD, `unknown field "${field}" (a failure)`);
  }
  const { conversationId, userId, replyTo, content, model, inputTokens, outputTokens, stopReason, failure } = shape.value;
  if (!isCanonicalUuid(conversationId)) return invalidField(RejectionCode.INVALID_CONVERSATION_ID, 'conversationId');
  if (!isPrincipalId(userId)) return invalidField(RejectionCode.INVALID_USER_ID, 'userId');
  if (!isCanonicalUuid(replyTo)) return invalidField(RejectionCode.INVALID_MESSAGE_ID, 'replyTo');
  const head = { conversationId, userId, replyTo };
  if (!isReply) {
    return isOneOf(CHAT_FAILURE_REASONS, failure) ? { ok: true, value: { ...head, failure } } : invalidField(RejectionCode.INVALID_FAILURE_REASON, 'failure');
  }
  if (!isContentBox(content, MAX_REPLY_BYTES)) return invalidField(RejectionCode.INVALID_CONTENT, 'content');
  if (!isModelName(model)) return invalidField(RejectionCode.INVALID_MODEL, 'model');
  if (!isIntegerInRange(inputTokens, 0, MAX_TOKEN_COUNT)) return invalidField(RejectionCode.INVALID_TOKEN_COUNT, 'inputTokens');
  if (!isIntegerInRange(outputTokens, 0, MAX_TOKEN_COUNT)) return invalidField(RejectionCode.INVALID_TOKEN_COUNT, 'outputTokens');
  if (stopReason !== undefined && !isStopReason(stopReason)) return invalidField(RejectionCode.INVALID_STOP_REASON, 'stopReason');
  return { ok: true, value: { ...head, content, model, inputTokens, outputTokens, ...(stopReason === undefined ? {} : { stopReason }) } };
}

export function parseDeleteConversation(payload: unknown): Parsed<DeleteConversationData> {
  const shape = parseShape(payload, ['conversationId'], []);
  if (!shape.ok) return shape;
  const { conversationId } = shape.value;
  return isCanonicalUuid(conversationId) ? { ok: true, value: { conversationId } } : invalidField(RejectionCode.INVALID_CONVERSATION_ID, 'conversationId');
}

export function parseStoreMemory(payload: unknown): Parsed<StoreMemoryData> {
  const shape = parseShape(payload, ['memoryId', 'content'], []);
  if (!shape.ok) return shape;
  const { memoryId, content } = shape.value;
  if (!isCanonicalUuid(memoryId)) return invalidField(RejectionCode.INVALID_MEMORY_ID, 'memoryId');
  if (!isContentBox(content, MAX_MEMORY_BYTES)) return invalidField(RejectionCode.INVALID_CONTENT, 'content');
  return { ok: true, value: { memoryId, content } };
}

export function parseForgetMemory(payload: unknown): Parsed<ForgetMemoryData> {
  const shape = parseShape(payload, ['memoryId'], []);
  if (!shape.ok) return shape;
  const { memoryId } = shape.value;
  return isCanonicalUuid(memoryId) ? { ok: true, value: { memoryId } } : invalidField(RejectionCode.INVALID_MEMORY_ID, 'memoryId');
}

// Deciding

export function startConversation(command: StartConversation, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { conversationId, model } = command.data;
  if (!canChat(actor.role)) return refuse(RejectionCode.FORBIDDEN, `${article(actor.role)} ${actor.role} may not chat`);
  if (tenant.conversations.has(conversationId)) {
    return refuse(RejectionCode.CONVERSATION_EXISTS, `conversation "${conversationId}" already exists in this tenant`);
  }
  return accept({ type: 'ConversationStarted', data: { conversationId, userId: actor.userId, ...(model === undefined ? {} : { model }) } });
}

export function chatTurn(command: ChatTurn, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { conversationId, messageId, content } = command.data;
  if (!canChat(actor.role)) return refuse(RejectionCode.FORBIDDEN, `${article(actor.role)} ${actor.role} may not chat`);
  const found = ownConversation(tenant, conversationId, actor, 'write into');
  if (!found.ok) return found.refusal;
  if (found.conversation.messages.has(messageId)) {
    return refuse(RejectionCode.MESSAGE_EXISTS, `message "${messageId}" already exists in this conversation`);
  }
  const userId = actor.userId;
  const binding = chatMessageBinding(command.metadata.tenantId, userId, conversationId, messageId);
  return accept({
    type: 'ChatTurnRequested',
    data: { conversationId, messageId, userId, bytes: 0, content: pendingSecret(content, binding, tenant, userId, MAX_MESSAGE_BYTES) },
  });
}

/**
 * The chat worker's outcome for one message: the reply, or why there is none. Only a service or
 * the system may send it, at most once per message (REPLY_EXISTS makes the worker idempotent).
 * `userId` names whose conversation it is; it must be the conversation's owner, still there.
 */
export function recordAssistantReply(command: RecordAssistantReply, state: TenantState): TenantDecision {
  if (state.status === 'deleted') return refuse(RejectionCode.TENANT_DELETED, 'tenant has been deleted');
  if (state.status === 'absent') return refuse(RejectionCode.TENANT_NOT_FOUND, 'tenant does not exist');
  const { actor, tenantId } = command.metadata;
  if (actor.kind === 'user') return refuse(RejectionCode.FORBIDDEN, 'only a service or the system may record an assistant reply');
  const { conversationId, userId, replyTo, content, model, inputTokens, outputTokens, stopReason, failure } = command.data;
  const reply = content !== undefined && model !== undefined && inputTokens !== undefined && outputTokens !== undefined
    ? { content, model, inputTokens, outputTokens }
    : undefined;
  // Unreachable through parse.ts; a command built in code is held to the same shape.
  if ((failure === undefined) === (content === undefined) || (content !== undefined && reply === undefined)) {
    return refuse(RejectionCode.INVALID_PAYLOAD, 'exactly one of "content" (with model and token counts) and "failure" is required');
  }
  if (state.erasedUsers.has(userId)) return refuse(RejectionCode.USER_ERASED, `"${userId}" was erased from this tenant`);
  const conversation = liveConversation(state, conversationId);
  if (conversation === undefined || conversation.userId !== userId) {
    return refuse(RejectionCode.CONVERSATION_NOT_FOUND, `"${userId}" has no conversation "${conversationId}"`);
  }
  const status = conversation.messages.get(replyTo);
  if (status === undefined) return refuse(RejectionCode.MESSAGE_NOT_FOUND, `no message "${replyTo}" in this conversation`);
  if (status === 'answered') return refuse(RejectionCode.REPLY_EXISTS, `message "${replyTo}" already has its reply`);
  if (failure !== undefined) return accept({ type: 'ChatTurnFailed', data: { conversationId, userId, replyTo, reason: failure } });
  if (reply === undefined) return refuse(RejectionCode.INVALID_PAYLOAD, 'a reply needs content, model and token counts'); // checked above
  const binding = chatReplyBinding(tenantId, userId, conversationId, replyTo);
  return accept({
    type: 'AssistantReplied',
    data: {
      conversationId,
      userId,
      replyTo,
      bytes: 0,
      content: pendingSecret(reply.content, binding, state, userId, MAX_REPLY_BYTES),
      model: reply.model,
      inputTokens: reply.inputTokens,
      outputTokens: reply.outputTokens,
      ...(stopReason === undefined ? {} : { stopReason }),
    },
  });
}

export function deleteConversation(command: DeleteConversation, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { conversationId } = command.data;
  const found = ownConversation(tenant, conversationId, actor, 'delete');
  if (!found.ok) return found.refusal;
  return accept({ type: 'ConversationDeleted', data: { conversationId, userId: actor.userId } });
}

export function storeMemory(command: StoreMemory, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { memoryId, content } = command.data;
  if (!canChat(actor.role)) return refuse(RejectionCode.FORBIDDEN, `${article(actor.role)} ${actor.role} may not store a memory`);
  if (tenant.memories.has(memoryId)) return refuse(RejectionCode.MEMORY_EXISTS, `memory "${memoryId}" already exists in this tenant`);
  const userId = actor.userId;
  const binding = memoryBinding(command.metadata.tenantId, userId, memoryId);
  return accept({
    type: 'MemoryStored',
    data: { memoryId, userId, bytes: 0, content: pendingSecret(content, binding, tenant, userId, MAX_MEMORY_BYTES) },
  });
}

export function forgetMemory(command: ForgetMemory, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { memoryId } = command.data;
  const memory = tenant.memories.get(memoryId);
  if (memory === undefined || memory.forgotten) return refuse(RejectionCode.MEMORY_NOT_FOUND, `no memory "${memoryId}"`);
  if (memory.userId !== actor.userId) return refuse(RejectionCode.NOT_MEMORY_OWNER, 'only the user who stored a memory may forget it');
  return accept({ type: 'MemoryForgotten', data: { memoryId, userId: actor.userId } });
}

/** A conversation that was started and not deleted (nor its user erased). */
function liveConversation(tenant: ActiveTenant, conversationId: string): ConversationState | undefined {
  const conversation = tenant.conversations.get(conversationId);
  return conversation?.deleted === false ? conversation : undefined;
}

/** A live conversation of the actor's: no role, not even the tenant's owner, stands in for ownership. */
function ownConversation(
  tenant: ActiveTenant,
  conversationId: string,
  actor: ActingMember,
  verb: string,
): { readonly ok: true; readonly conversation: ConversationState } | { readonly ok: false; readonly refusal: TenantDecision } {
  const conversation = liveConversation(tenant, conversationId);
  if (conversation === undefined) {
    return { ok: false, refusal: refuse(RejectionCode.CONVERSATION_NOT_FOUND, `no conversation "${conversationId}"`) };
  }
  if (conversation.userId !== actor.userId) {
    return { ok: false, refusal: refuse(RejectionCode.NOT_CONVERSATION_OWNER, `only the user who started a conversation may ${verb} it`) };
  }
  return { ok: true, conversation };
}
