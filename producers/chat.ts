// Payload builders for chat turns and memories (issue 7, docs/spec.md "Chat turns"). Content — the
// user's message, the assistant's reply, a memory — is sealed to the processor's intake public key
// before it leaves the upstream service, bound to the tenant, the user and the exact message,
// reply or memory (domain/tenant/chat-secrets.ts): no plaintext is ever in a Kafka record, and a
// captured box opens for no other message, reply, memory or user. Content over its limit is
// refused here, before sealing (the processor would refuse it with MESSAGE_TOO_LONG).
import { MAX_MEMORY_BYTES, MAX_MESSAGE_BYTES, MAX_REPLY_BYTES } from '../domain/tenant/chat-types.ts';
import type {
  ChatFailureReason,
  ChatTurnData,
  RecordAssistantReplyData,
  StartConversationData,
  StoreMemoryData,
} from '../domain/tenant/chat-types.ts';
import { chatMessageBinding, chatReplyBinding, memoryBinding } from '../domain/tenant/chat-secrets.ts';
import type { SecretBinding } from '../domain/tenant/types.ts';
import { PublishError } from './errors.ts';
import { sealSecret } from './secrets.ts';

/** Content as text (UTF-8) or bytes; a string's encoded copy is zeroed after sealing. */
export type ChatContent = string | Uint8Array;

function sealContent(content: ChatContent, maxBytes: number, intakePublicKey: Uint8Array, binding: SecretBinding): string {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  try {
    if (bytes.byteLength > maxBytes) {
      throw new PublishError('INVALID_COMMAND', `the content is ${bytes.byteLength} bytes; the limit is ${maxBytes}`);
    }
    return sealSecret(bytes, intakePublicKey, binding);
  } finally {
    if (typeof content === 'string') bytes.fill(0);
  }
}

export interface StartConversationInput {
  readonly conversationId: string;
  readonly model?: string;
}

export function startConversationPayload(input: StartConversationInput): StartConversationData {
  return input.model === undefined ? { conversationId: input.conversationId } : { conversationId: input.conversationId, model: input.model };
}

export interface ChatTurnInput {
  readonly tenantId: string;
  /** The user whose conversation it is: the actor of the command. */
  readonly userId: string;
  readonly conversationId: string;
  readonly messageId: string;
  readonly text: ChatContent;
}

export function chatTurnPayload(input: ChatTurnInput, intakePublicKey: Uint8Array): ChatTurnData {
  const binding = chatMessageBinding(input.tenantId, input.userId, input.conversationId, input.messageId);
  return {
    conversationId: input.conversationId,
    messageId: input.messageId,
    content: sealContent(input.text, MAX_MESSAGE_BYTES, intakePublicKey, binding),
  };
}

export interface StoreMemoryInput {
  readonly tenantId: string;
  /** The user the memory belongs to: the actor of the command. */
  readonly userId: string;
  readonly memoryId: string;
  readonly text: ChatContent;
}

export function storeMemoryPayload(input: StoreMemoryInput, intakePublicKey: Uint8Array): StoreMemoryData {
  const binding = memoryBinding(input.tenantId, input.userId, input.memoryId);
  return { memoryId: input.memoryId, content: sealContent(input.text, MAX_MEMORY_BYTES, intakePublicKey, binding) };
}

export interface ReplyInput {
  readonly tenantId: string;
  /** Whose conversation it is (the command's actor is the chat worker, a service). */
  readonly userId: string;
  readonly conversationId: string;
  /** The messageId of the ChatTurn answered. */
  readonly replyTo: string;
  readonly text: ChatContent;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly stopReason?: string;
}

/** RecordAssistantReply with the reply. */
export function replyPayload(input: ReplyInput, intakePublicKey: Uint8Array): RecordAssistantReplyData {
  const binding = chatReplyBinding(input.tenantId, input.userId, input.conversationId, input.replyTo);
  return {
    conversationId: input.conversationId,
    userId: input.userId,
    replyTo: input.replyTo,
    content: sealContent(input.text, MAX_REPLY_BYTES, intakePublicKey, binding),
    model: input.model,
    inputTokens: input.inputTokens,
    outputTokens: input.outputTokens,
    ...(input.stopReason === undefined ? {} : { stopReason: input.stopReason }),
  };
}

export interface FailureInput {
  readonly userId: string;
  readonly conversationId: string;
  readonly replyTo: string;
  readonly failure: ChatFailureReason;
}

/** RecordAssistantReply with why there is no reply. */
export function failurePayload(input: FailureInput): RecordAssistantReplyData {
  return { conversationId: input.conversationId, userId: input.userId, replyTo: input.replyTo, failure: input.failure };
}
