// Tenant events (past tense): one DomainEvent per type, their union, and the list of every type
// `evolve` applies. Payload shapes are in types.ts and chat-types.ts; decode-event.ts turns a
// stored logical event into one of these.
import type { DomainEvent } from '../messages.ts';
import type {
  AssistantRepliedData,
  ChatTurnFailedData,
  ChatTurnRequestedData,
  ConversationDeletedData,
  ConversationStartedData,
  MemoryForgottenData,
  MemoryStoredData,
} from './chat-types.ts';
import type {
  CommandRejectedData,
  LegacySecretResealedData,
  MemberAddedData,
  MemberRemovedData,
  MemberRoleChangedData,
  ProviderKeyDeletedData,
  ProviderKeyRotatedData,
  ProviderKeyStoredData,
  SourceConnectedData,
  SourceCredentialRotatedData,
  SourceDisconnectedData,
  SourceQueryAuthorizedData,
  TenantCreatedData,
  TenantDeletedData,
  TenantKeyRotatedData,
  UserErasedData,
} from './types.ts';

export type TenantCreated = DomainEvent<'TenantCreated', TenantCreatedData>;
export type MemberAdded = DomainEvent<'MemberAdded', MemberAddedData>;
export type MemberRoleChanged = DomainEvent<'MemberRoleChanged', MemberRoleChangedData>;
export type MemberRemoved = DomainEvent<'MemberRemoved', MemberRemovedData>;
export type TenantDeleted = DomainEvent<'TenantDeleted', TenantDeletedData>;
export type CommandRejected = DomainEvent<'CommandRejected', CommandRejectedData>;
export type SourceConnected = DomainEvent<'SourceConnected', SourceConnectedData>;
export type SourceCredentialRotated = DomainEvent<'SourceCredentialRotated', SourceCredentialRotatedData>;
export type SourceDisconnected = DomainEvent<'SourceDisconnected', SourceDisconnectedData>;
export type SourceQueryAuthorized = DomainEvent<'SourceQueryAuthorized', SourceQueryAuthorizedData>;
export type ProviderKeyStored = DomainEvent<'ProviderKeyStored', ProviderKeyStoredData>;
export type ProviderKeyRotated = DomainEvent<'ProviderKeyRotated', ProviderKeyRotatedData>;
export type ProviderKeyDeleted = DomainEvent<'ProviderKeyDeleted', ProviderKeyDeletedData>;
export type TenantKeyRotated = DomainEvent<'TenantKeyRotated', TenantKeyRotatedData>;
export type UserErased = DomainEvent<'UserErased', UserErasedData>;
export type LegacySecretResealed = DomainEvent<'LegacySecretResealed', LegacySecretResealedData>;
export type ConversationStarted = DomainEvent<'ConversationStarted', ConversationStartedData>;
export type ChatTurnRequested = DomainEvent<'ChatTurnRequested', ChatTurnRequestedData>;
export type AssistantReplied = DomainEvent<'AssistantReplied', AssistantRepliedData>;
export type ChatTurnFailed = DomainEvent<'ChatTurnFailed', ChatTurnFailedData>;
export type ConversationDeleted = DomainEvent<'ConversationDeleted', ConversationDeletedData>;
export type MemoryStored = DomainEvent<'MemoryStored', MemoryStoredData>;
export type MemoryForgotten = DomainEvent<'MemoryForgotten', MemoryForgottenData>;

export type TenantEvent =
  | TenantCreated
  | MemberAdded
  | MemberRoleChanged
  | MemberRemoved
  | TenantDeleted
  | CommandRejected
  | SourceConnected
  | SourceCredentialRotated
  | SourceDisconnected
  | SourceQueryAuthorized
  | ProviderKeyStored
  | ProviderKeyRotated
  | ProviderKeyDeleted
  | TenantKeyRotated
  | UserErased
  | LegacySecretResealed
  | ConversationStarted
  | ChatTurnRequested
  | AssistantReplied
  | ChatTurnFailed
  | ConversationDeleted
  | MemoryStored
  | MemoryForgotten;

export type TenantEventType = TenantEvent['type'];

// A record keyed by every event type, so adding an event without listing it does not compile.
const EVENT_TYPES: Readonly<Record<TenantEventType, true>> = {
  TenantCreated: true,
  MemberAdded: true,
  MemberRoleChanged: true,
  MemberRemoved: true,
  TenantDeleted: true,
  CommandRejected: true,
  SourceConnected: true,
  SourceCredentialRotated: true,
  SourceDisconnected: true,
  SourceQueryAuthorized: true,
  ProviderKeyStored: true,
  ProviderKeyRotated: true,
  ProviderKeyDeleted: true,
  TenantKeyRotated: true,
  UserErased: true,
  LegacySecretResealed: true,
  ConversationStarted: true,
  ChatTurnRequested: true,
  AssistantReplied: true,
  ChatTurnFailed: true,
  ConversationDeleted: true,
  MemoryStored: true,
  MemoryForgotten: true,
};

/** Every event type `evolve` applies: what a rebuild from the log must feed it. */
export const TENANT_EVENT_TYPES: readonly TenantEventType[] = Object.keys(EVENT_TYPES) as TenantEventType[];
