// Public surface of the tenant aggregate. Everything outside domain/ imports from here.
import type { Decider } from '../decider.ts';
import { decide } from './decide.ts';
import type { TenantCommand } from './decide.ts';
import { evolve, initialState } from './state.ts';
import type { TenantEvent } from './events.ts';
import type { TenantState } from './state.ts';

export const tenantDecider: Decider<TenantState, TenantCommand, TenantEvent> = { decide, evolve, initialState };

export { decide, commandRejected, TENANT_COMMAND_TYPES } from './decide.ts';
export type { TenantCommand, TenantCommandData, TenantCommandType } from './decide.ts';
export type { CreateTenant, AddMember, ChangeRole, RemoveMember, DeleteTenant } from './commands/membership.ts';
export type { ConnectSource, RotateSourceCredential, DisconnectSource, AuthorizeSourceQuery } from './commands/sources.ts';
export type { StoreProviderKey, RotateProviderKey, DeleteProviderKey } from './commands/provider-keys.ts';
export type { RotateTenantKey, EraseUser, ResealLegacySecret } from './commands/erasure.ts';
export type { StartConversation, ChatTurn, RecordAssistantReply, DeleteConversation, StoreMemory, ForgetMemory } from './commands/chat.ts';
export { evolve, initialState, INITIAL_KEY_VERSION, ownerCount, providerKeyOf } from './state.ts';
export type {
  ActiveTenant,
  AbsentTenant,
  DeletedTenant,
  Members,
  Membership,
  ProviderKeys,
  ProviderKeyState,
  Sources,
  SourceState,
  TenantState,
} from './state.ts';
export type { Conversations, ConversationState, Memories, MemoryState, MessageStatus } from './chat-state.ts';
export { TENANT_EVENT_TYPES } from './events.ts';
export type {
  AssistantReplied,
  ChatTurnFailed,
  ChatTurnRequested,
  CommandRejected,
  ConversationDeleted,
  ConversationStarted,
  LegacySecretResealed,
  MemberAdded,
  MemberRemoved,
  MemberRoleChanged,
  MemoryForgotten,
  MemoryStored,
  ProviderKeyDeleted,
  ProviderKeyRotated,
  ProviderKeyStored,
  SourceConnected,
  SourceCredentialRotated,
  SourceDisconnected,
  SourceQueryAuthorized,
  TenantCreated,
  TenantDeleted,
  TenantEvent,
  TenantEventType,
  TenantKeyRotated,
  UserErased,
} from './events.ts';
export { parseTenantCommand } from './parse.ts';
export { MAX_QUERY_BYTES, MAX_QUERY_ROWS } from './commands/sources.ts';
export type { ParseResult } from './parse.ts';
export {
  dekKid,
  isPendingSecret,
  PROVIDER_KEY_PURPOSE,
  providerKeyBinding,
  SOURCE_CREDENTIAL_FIELD,
  SOURCE_CREDENTIAL_PURPOSE,
  sourceCredentialBinding,
} from './secrets.ts';
export {
  CHAT_MESSAGE_PURPOSE,
  CHAT_REPLY_PURPOSE,
  chatMessageBinding,
  chatReplyBinding,
  MEMORY_PURPOSE,
  memoryBinding,
} from './chat-secrets.ts';
export { PROVIDERS, ROLES, SOURCE_KINDS } from './types.ts';
export type * from './types.ts';
export { CHAT_FAILURE_REASONS, MAX_MEMORY_BYTES, MAX_MESSAGE_BYTES, MAX_REPLY_BYTES } from './chat-types.ts';
export type * from './chat-types.ts';
export type { Decider, Decision } from '../decider.ts';
export { RejectionCode, REJECTION_CODES } from '../errors.ts';
export type { Rejection } from '../errors.ts';
export { decodeTenantEvent } from './decode-event.ts';
export type { DecodedTenantEvent, EventDecodeError, StoredEvent } from './decode-event.ts';
export { EventDecodeCode } from '../errors.ts';
