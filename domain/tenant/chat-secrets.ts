// Where chat content belongs (issue 7), like secrets.ts for credentials: producers seal a
// message, reply or memory to the intake key with these bindings, `decide` puts the same binding
// in the PendingSecret it emits, and the processor opens and seals the content under exactly it.
// Subject is always the user whose conversation or memory it is, so their DEK seals it and
// erasing them shreds it; a box made for one message opens for no other message, reply or user.
import type { SecretBinding } from './types.ts';

export const CHAT_MESSAGE_PURPOSE = 'chat-message';
export const CHAT_REPLY_PURPOSE = 'chat-reply';
export const MEMORY_PURPOSE = 'memory';

/** A user's message: field `<conversationId>/<messageId>`. */
export function chatMessageBinding(tenantId: string, userId: string, conversationId: string, messageId: string): SecretBinding {
  return { tenantId, subject: userId, purpose: CHAT_MESSAGE_PURPOSE, field: `${conversationId}/${messageId}` };
}

/** The assistant's reply to a message: field `<conversationId>/<replyTo>` (the message answered). */
export function chatReplyBinding(tenantId: string, userId: string, conversationId: string, replyTo: string): SecretBinding {
  return { tenantId, subject: userId, purpose: CHAT_REPLY_PURPOSE, field: `${conversationId}/${replyTo}` };
}

/** A user's memory: field is the memory id. */
export function memoryBinding(tenantId: string, userId: string, memoryId: string): SecretBinding {
  return { tenantId, subject: userId, purpose: MEMORY_PURPOSE, field: memoryId };
}
