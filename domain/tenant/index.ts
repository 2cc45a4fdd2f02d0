// Public surface of the tenant aggregate. Everything outside domain/ imports from here.
import type { Decider } from '../decider.ts';
import { decide } from './decide.ts';
import type { TenantCommand } from './decide.ts';
import { evolve, initialState } from './state.ts';
import type { TenantEvent, TenantState } from './state.ts';

export const tenantDecider: Decider<TenantState, TenantCommand, TenantEvent> = { decide, evolve, initialState };

export { decide, commandRejected, TENANT_COMMAND_TYPES } from './decide.ts';
export type {
  AddMember,
  AuthorizeSourceQuery,
  ChangeRole,
  ChatTurn,
  ConnectSource,
  CreateTenant,
  DeleteConversation,
  DeleteProviderKey,
  DeleteTenant,
  DisconnectSource,
  EraseUser,
  ForgetMemory,
  RecordAssistantReply,
  RemoveMember,
  ResealLegacySecret,
  RotateProviderKey,
  RotateSourceCredential,
  RotateTenantKey,
  StartConversation,
  StoreMemory,
  StoreProviderKey,
  TenantCommand,
  TenantCommandType,
} from './decide.ts';
export { evolve, initialState, INITIAL_KEY_VERSION, ownerCount, providerKeyOf, TENANT_EVENT_TYPES } from './state.ts';
export type {
  ActiveTenant,
  AbsentTenant,
  AssistantReplied,
  ChatTurnFailed,
  ChatTurnRequested,
  CommandRejected,
  ConversationDeleted,
  Conversations,
  ConversationStarted,
  ConversationState,
  DeletedTenant,
  LegacySecretResealed,
  MemberAdded,
  MemberRemoved,
  MemberRoleChanged,
  Members,
  Membership,
  Memories,
  MemoryForgotten,
  MemoryState,
  MemoryStored,
  MessageStatus,
  ProviderKeyDeleted,
  ProviderKeyRotated,
  ProviderKeys,
  ProviderKeyState,
  ProviderKeyStored,
  SourceConnected,
  SourceCredentialRotated,
  SourceDisconnected,
  SourceQueryAuthorized,
  Sources,
  SourceState,
  TenantCreated,
  TenantDeleted,
  TenantEvent,
  TenantEventType,
  TenantKeyRotated,
  TenantState,
  UserErased,
} from './state.ts';
export { MAX_QUERY_BYTES, MAX_QUERY_ROWS, parseTenantCommand } from './parse.ts';
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
