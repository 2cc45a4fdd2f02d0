// Payload shapes of chat turns (issue 7, docs/spec.md "Chat turns"). Message, reply and memory
// content never appears in plaintext: commands carry it as an intake box (like secrets, see
// types.ts), sealed to the processor's intake key with the binding of chat-secrets.ts; events
// carry it sealed under the user's DEK, so erasing the user shreds every word they wrote or were
// answered. `bytes` (the plaintext length) is filled in by the processor, which refuses content
// over the limit (MESSAGE_TOO_LONG).
import type { SecretSlot } from './types.ts';

export const CHAT_FAILURE_REASONS = ['NO_PROVIDER_KEY', 'KEY_REJECTED', 'RATE_LIMITED', 'OVERLOADED', 'TIMEOUT', 'PROVIDER_ERROR', 'USER_GONE'] as const;
export type ChatFailureReason = (typeof CHAT_FAILURE_REASONS)[number];

/** Plaintext limits, checked by the processor after opening the intake box. */
export const MAX_MESSAGE_BYTES = 32 * 1024;
export const MAX_REPLY_BYTES = 64 * 1024;
export const MAX_MEMORY_BYTES = 4 * 1024;

// Commands
export interface StartConversationData { readonly conversationId: string; readonly model?: string }
/** The user's message: `content` is an intake box bound to chatMessageBinding(tenant, user, conversationId, messageId). */
export interface ChatTurnData { readonly conversationId: string; readonly messageId: string; readonly content: string }
/** Service only (the chat worker). Exactly one of `content` (intake box) or `failure`. */
export interface RecordAssistantReplyData {
  readonly conversationId: string;
  readonly userId: string;
  /** The messageId of the ChatTurn answered: at most one reply (or failure) per message. */
  readonly replyTo: string;
  readonly content?: string;
  readonly model?: string;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly stopReason?: string;
  readonly failure?: ChatFailureReason;
}
export interface DeleteConversationData { readonly conversationId: string }
export interface StoreMemoryData { readonly memoryId: string; readonly content: string }
export interface ForgetMemoryData { readonly memoryId: string }

// Events
export interface ConversationStartedData { readonly conversationId: string; readonly userId: string; readonly model?: string }
export interface ChatTurnRequestedData {
  readonly conversationId: string;
  readonly messageId: string;
  readonly userId: string;
  readonly bytes: number;
  readonly content: SecretSlot;
}
export interface AssistantRepliedData {
  readonly conversationId: string;
  readonly userId: string;
  readonly replyTo: string;
  readonly bytes: number;
  readonly content: SecretSlot;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly stopReason?: string;
}
export interface ChatTurnFailedData { readonly conversationId: string; readonly userId: string; readonly replyTo: string; readonly reason: ChatFailureReason }
export interface ConversationDeletedData { readonly conversationId: string; readonly userId: string }
export interface MemoryStoredData { readonly memoryId: string; readonly userId: string; readonly bytes: number; readonly content: SecretSlot }
export interface MemoryForgottenData { readonly memoryId: string; readonly userId: string }
