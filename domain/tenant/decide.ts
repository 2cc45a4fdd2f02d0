// Tenant commands and `decide`: one pure function per command. Order of checks everywhere:
// validation (done by parse.ts) → tenant status → authorization → business rules.
import { accept, refuse } from '../decider.ts';
import type { Decision } from '../decider.ts';
import { RejectionCode } from '../errors.ts';
import { emailKey } from '../validation.ts';
import type { Command, CommandMetadata } from '../messages.ts';
import { MAX_MEMORY_BYTES, MAX_MESSAGE_BYTES, MAX_REPLY_BYTES } from './chat-types.ts';
import type {
  ChatTurnData,
  DeleteConversationData,
  ForgetMemoryData,
  RecordAssistantReplyData,
  StartConversationData,
  StoreMemoryData,
} from './chat-types.ts';
import { chatMessageBinding, chatReplyBinding, memoryBinding } from './chat-secrets.ts';
import {
  canAddMember,
  canChangeRole,
  canChat,
  canDeleteTenant,
  canDisconnectSource,
  canEraseUser,
  canOwnSecrets,
  canRemoveMember,
  canRotateTenantKey,
} from './policy.ts';
import { providerKeyBinding, sourceCredentialBinding } from './secrets.ts';
import { ownerCount, providerKeyOf } from './state.ts';
import type { ActiveTenant, CommandRejected, ConversationState, Members, SourceState, TenantEvent, TenantState } from './state.ts';
import type {
  AddMemberData,
  AuthorizeSourceQueryData,
  ChangeRoleData,
  ConnectSourceData,
  CreateTenantData,
  DeleteProviderKeyData,
  DeleteTenantData,
  DisconnectSourceData,
  EraseUserData,
  PendingSecret,
  RemoveMemberData,
  ResealLegacySecretData,
  Role,
  RotateProviderKeyData,
  RotateSourceCredentialData,
  RotateTenantKeyData,
  SecretBinding,
  StoreProviderKeyData,
} from './types.ts';

export type CreateTenant = Command<'CreateTenant', CreateTenantData>;
export type AddMember = Command<'AddMember', AddMemberData>;
export type ChangeRole = Command<'ChangeRole', ChangeRoleData>;
export type RemoveMember = Command<'RemoveMember', RemoveMemberData>;
export type DeleteTenant = Command<'DeleteTenant', DeleteTenantData>;
export type ConnectSource = Command<'ConnectSource', ConnectSourceData>;
export type RotateSourceCredential = Command<'RotateSourceCredential', RotateSourceCredentialData>;
export type DisconnectSource = Command<'DisconnectSource', DisconnectSourceData>;
export type AuthorizeSourceQuery = Command<'AuthorizeSourceQuery', AuthorizeSourceQueryData>;
export type StoreProviderKey = Command<'StoreProviderKey', StoreProviderKeyData>;
export type RotateProviderKey = Command<'RotateProviderKey', RotateProviderKeyData>;
export type DeleteProviderKey = Command<'DeleteProviderKey', DeleteProviderKeyData>;
export type RotateTenantKey = Command<'RotateTenantKey', RotateTenantKeyData>;
export type EraseUser = Command<'EraseUser', EraseUserData>;
export type ResealLegacySecret = Command<'ResealLegacySecret', ResealLegacySecretData>;
export type StartConversation = Command<'StartConversation', StartConversationData>;
export type ChatTurn = Command<'ChatTurn', ChatTurnData>;
export type RecordAssistantReply = Command<'RecordAssistantReply', RecordAssistantReplyData>;
export type DeleteConversation = Command<'DeleteConversation', DeleteConversationData>;
export type StoreMemory = Command<'StoreMemory', StoreMemoryData>;
export type ForgetMemory = Command<'ForgetMemory', ForgetMemoryData>;

export type TenantCommand =
  | CreateTenant
  | AddMember
  | ChangeRole
  | RemoveMember
  | DeleteTenant
  | ConnectSource
  | RotateSourceCredential
  | DisconnectSource
  | AuthorizeSourceQuery
  | StoreProviderKey
  | RotateProviderKey
  | DeleteProviderKey
  | RotateTenantKey
  | EraseUser
  | ResealLegacySecret
  | StartConversation
  | ChatTurn
  | RecordAssistantReply
  | DeleteConversation
  | StoreMemory
  | ForgetMemory;
export type TenantCommandType = TenantCommand['type'];

export const TENANT_COMMAND_TYPES: readonly TenantCommandType[] = [
  'CreateTenant',
  'AddMember',
  'ChangeRole',
  'RemoveMember',
  'DeleteTenant',
  'ConnectSource',
  'RotateSourceCredential',
  'DisconnectSource',
  'AuthorizeSourceQuery',
  'StoreProviderKey',
  'RotateProviderKey',
  'DeleteProviderKey',
  'RotateTenantKey',
  'EraseUser',
  'ResealLegacySecret',
  'StartConversation',
  'ChatTurn',
  'RecordAssistantReply',
  'DeleteConversation',
  'StoreMemory',
  'ForgetMemory',
];

type TenantDecision = Decision<TenantEvent>;

export function decide(command: TenantCommand, state: TenantState): TenantDecision {
  switch (command.type) {
    case 'CreateTenant':
      return createTenant(command, state);
    case 'AddMember':
      return asActingMember(command, state, addMember);
    case 'ChangeRole':
      return asActingMember(command, state, changeRole);
    case 'RemoveMember':
      return asActingMember(command, state, removeMember);
    case 'DeleteTenant':
      return asActingMember(command, state, deleteTenant);
    case 'ConnectSource':
      return asActingMember(command, state, connectSource);
    case 'RotateSourceCredential':
      return asActingMember(command, state, rotateSourceCredential);
    case 'DisconnectSource':
      return asActingMember(command, state, disconnectSource);
    case 'AuthorizeSourceQuery':
      return asActingMember(command, state, authorizeSourceQuery);
    case 'StoreProviderKey':
      return asActingMember(command, state, storeProviderKey);
    case 'RotateProviderKey':
      return asActingMember(command, state, rotateProviderKey);
    case 'DeleteProviderKey':
      return asActingMember(command, state, deleteProviderKey);
    case 'RotateTenantKey':
      return asActingMember(command, state, rotateTenantKey);
    case 'EraseUser':
      return asActingMember(command, state, eraseUser);
    case 'ResealLegacySecret':
      return resealLegacySecret(command, state);
    case 'StartConversation':
      return asActingMember(command, state, startConversation);
    case 'ChatTurn':
      return asActingMember(command, state, chatTurn);
    case 'RecordAssistantReply':
      return recordAssistantReply(command, state);
    case 'DeleteConversation':
      return asActingMember(command, state, deleteConversation);
    case 'StoreMemory':
      return asActingMember(command, state, storeMemory);
    case 'ForgetMemory':
      return asActingMember(command, state, forgetMemory);
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

function createTenant(command: CreateTenant, state: TenantState): TenantDecision {
  const { actor } = command.metadata;
  const { name, owner } = command.data;
  // Services and the system may create on anyone's behalf (their producer key is checked by the
  // processor); a user may only create a tenant they will own.
  if (actor.kind === 'user' && actor.id !== owner.userId) {
    return refuse(RejectionCode.FORBIDDEN, 'a user may only create a tenant they own');
  }
  if (state.status === 'deleted') return refuse(RejectionCode.TENANT_DELETED, 'tenant id belongs to a deleted tenant');
  if (state.status === 'active') return refuse(RejectionCode.TENANT_EXISTS, 'tenant already exists');
  return accept({ type: 'TenantCreated', data: { name, owner: { userId: owner.userId, email: owner.email } } });
}

/** The acting user's id and role, established from the tenant's membership. */
interface ActingMember {
  readonly userId: string;
  readonly role: Role;
}

type MemberCommandHandler<C> = (command: C, tenant: ActiveTenant, actor: ActingMember) => TenantDecision;

/** Shared preamble of every command on an existing tenant: status, then membership. */
function asActingMember<C extends TenantCommand>(
  command: C,
  state: TenantState,
  handle: MemberCommandHandler<C>,
): TenantDecision {
  if (state.status === 'deleted') return refuse(RejectionCode.TENANT_DELETED, 'tenant has been deleted');
  if (state.status === 'absent') return refuse(RejectionCode.TENANT_NOT_FOUND, 'tenant does not exist');
  const { actor } = command.metadata;
  const membership = actor.kind === 'user' ? state.members.get(actor.id) : undefined;
  if (membership === undefined) {
    return refuse(RejectionCode.NOT_A_MEMBER, `${actor.kind} "${actor.id}" is not a member of this tenant`);
  }
  return handle(command, state, { userId: actor.id, role: membership.role });
}

function addMember(command: AddMember, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { userId, email, role } = command.data;
  if (!canAddMember(actor.role, role)) {
    return refuse(RejectionCode.FORBIDDEN, `${article(actor.role)} ${actor.role} may not add a member as ${role}`);
  }
  if (tenant.erasedUsers.has(userId)) return refuse(RejectionCode.USER_ERASED, `"${userId}" was erased from this tenant`);
  if (tenant.members.has(userId)) return refuse(RejectionCode.MEMBER_EXISTS, `"${userId}" is already a member`);
  if (isEmailInUse(tenant.members, email)) {
    return refuse(RejectionCode.EMAIL_IN_USE, 'another member already has this email');
  }
  return accept({ type: 'MemberAdded', data: { userId, email, role } });
}

function changeRole(command: ChangeRole, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { userId, role: to } = command.data;
  const target = tenant.members.get(userId);
  if (!canChangeRole(actor.role, target?.role, to)) {
    return refuse(RejectionCode.FORBIDDEN, `${article(actor.role)} ${actor.role} may not change this member's role to ${to}`);
  }
  if (target === undefined) return refuse(RejectionCode.MEMBER_NOT_FOUND, `"${userId}" is not a member`);
  if (target.role === to) return refuse(RejectionCode.ROLE_UNCHANGED, `"${userId}" is already ${to}`);
  if (target.role === 'owner' && ownerCount(tenant.members) === 1) {
    return refuse(RejectionCode.LAST_OWNER, 'a tenant must keep at least one owner');
  }
  return accept({ type: 'MemberRoleChanged', data: { userId, from: target.role, to } });
}

function removeMember(command: RemoveMember, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { userId, reason } = command.data;
  const target = tenant.members.get(userId);
  if (!canRemoveMember(actor.role, target?.role, userId === actor.userId)) {
    return refuse(RejectionCode.FORBIDDEN, `${article(actor.role)} ${actor.role} may not remove this member`);
  }
  if (target === undefined) return refuse(RejectionCode.MEMBER_NOT_FOUND, `"${userId}" is not a member`);
  if (target.role === 'owner' && ownerCount(tenant.members) === 1) {
    return refuse(RejectionCode.LAST_OWNER, 'the last owner cannot be removed');
  }
  return accept({ type: 'MemberRemoved', data: { userId, ...withReason(reason) } });
}

function deleteTenant(command: DeleteTenant, _tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  if (!canDeleteTenant(actor.role)) return refuse(RejectionCode.FORBIDDEN, 'only an owner may delete the tenant');
  return accept({ type: 'TenantDeleted', data: withReason(command.data.reason) });
}

// Sources. A source belongs to the user who connected it: only they may use or re-key it.
// NOT_SOURCE_OWNER is an authorization refusal, but it needs the source to exist, so
// SOURCE_NOT_FOUND (an unknown or disconnected id) comes first.

function connectSource(command: ConnectSource, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { sourceId, kind, name, credential, legacyCredential } = command.data;
  if (!canOwnSecrets(actor.role)) return refuse(RejectionCode.FORBIDDEN, `${article(actor.role)} ${actor.role} may not connect a source`);
  if (tenant.sources.has(sourceId)) return refuse(RejectionCode.SOURCE_EXISTS, `source "${sourceId}" already exists in this tenant`);
  const binding = sourceCredentialBinding(command.metadata.tenantId, sourceId);
  const secret =
    credential !== undefined ? { credential: pendingSecret(credential, binding, tenant, actor.userId) }
    : legacyCredential !== undefined ? { legacyCredential }
    : undefined;
  if (secret === undefined) return exactlyOne('credential', 'legacyCredential');
  return accept({ type: 'SourceConnected', data: { sourceId, ownerId: actor.userId, kind, name, credentialVersion: 1, ...secret } });
}

function rotateSourceCredential(command: RotateSourceCredential, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { sourceId, credential } = command.data;
  const found = ownSource(tenant, sourceId, actor, 're-key');
  if (!found.ok) return found.refusal;
  const { source } = found;
  const binding = sourceCredentialBinding(command.metadata.tenantId, sourceId);
  return accept({
    type: 'SourceCredentialRotated',
    data: {
      sourceId,
      ownerId: source.ownerId,
      credentialVersion: source.credentialVersion + 1,
      credential: pendingSecret(credential, binding, tenant, source.ownerId),
    },
  });
}

function disconnectSource(command: DisconnectSource, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { sourceId, reason } = command.data;
  const source = connectedSource(tenant, sourceId);
  if (source === undefined) return refuse(RejectionCode.SOURCE_NOT_FOUND, `no connected source "${sourceId}"`);
  const isSourceOwner = source.ownerId === actor.userId;
  if (!canDisconnectSource(actor.role, isSourceOwner)) {
    return refuse(RejectionCode.NOT_SOURCE_OWNER, 'only the source\'s owner, or a tenant owner or admin, may disconnect it');
  }
  return accept({
    type: 'SourceDisconnected',
    data: { sourceId, ownerId: source.ownerId, by: isSourceOwner ? 'owner' : 'admin', ...withReason(reason) },
  });
}

function authorizeSourceQuery(command: AuthorizeSourceQuery, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { sourceId, queryHash, maxRows, maxBytes } = command.data;
  const found = ownSource(tenant, sourceId, actor, 'query');
  if (!found.ok) return found.refusal;
  return accept({ type: 'SourceQueryAuthorized', data: { sourceId, ownerId: found.source.ownerId, queryHash, maxRows, maxBytes } });
}

function connectedSource(tenant: ActiveTenant, sourceId: string): SourceState | undefined {
  const source = tenant.sources.get(sourceId);
  return source?.connected === true ? source : undefined;
}

/** A connected source the actor owns: no role, not even the tenant's owner, stands in for ownership. */
function ownSource(
  tenant: ActiveTenant,
  sourceId: string,
  actor: ActingMember,
  verb: string,
): { readonly ok: true; readonly source: SourceState } | { readonly ok: false; readonly refusal: TenantDecision } {
  const source = connectedSource(tenant, sourceId);
  if (source === undefined) return { ok: false, refusal: refuse(RejectionCode.SOURCE_NOT_FOUND, `no connected source "${sourceId}"`) };
  if (source.ownerId !== actor.userId) {
    return { ok: false, refusal: refuse(RejectionCode.NOT_SOURCE_OWNER, `only the source's owner may ${verb} it`) };
  }
  return { ok: true, source };
}

// Provider keys. Every command acts on the actor's own key: none names a user, so no member can
// reach another member's key, whatever they know.

function storeProviderKey(command: StoreProviderKey, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { provider, apiKey, legacyApiKey } = command.data;
  if (!canOwnSecrets(actor.role)) return refuse(RejectionCode.FORBIDDEN, `${article(actor.role)} ${actor.role} may not store a provider key`);
  if (providerKeyOf(tenant, actor.userId, provider) !== undefined) {
    return refuse(RejectionCode.PROVIDER_KEY_EXISTS, `you already have a ${provider} key; rotate it instead`);
  }
  const userId = actor.userId;
  const binding = providerKeyBinding(command.metadata.tenantId, userId, provider);
  // The processor fills an empty mask when it seals; a legacy value shows "…" until re-sealed.
  const data =
    apiKey !== undefined ? { userId, provider, mask: '', secret: pendingSecret(apiKey, binding, tenant, userId) }
    : legacyApiKey !== undefined ? { userId, provider, mask: LEGACY_MASK, legacySecret: legacyApiKey }
    : undefined;
  if (data === undefined) return exactlyOne('apiKey', 'legacyApiKey');
  return accept({ type: 'ProviderKeyStored', data });
}

function rotateProviderKey(command: RotateProviderKey, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { provider, apiKey } = command.data;
  const key = providerKeyOf(tenant, actor.userId, provider);
  if (key === undefined) return refuse(RejectionCode.PROVIDER_KEY_NOT_FOUND, `you have no ${provider} key`);
  const userId = actor.userId;
  const binding = providerKeyBinding(command.metadata.tenantId, userId, provider);
  return accept({
    type: 'ProviderKeyRotated',
    data: { userId, provider, mask: '', version: key.version + 1, secret: pendingSecret(apiKey, binding, tenant, userId) },
  });
}

function deleteProviderKey(command: DeleteProviderKey, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { provider } = command.data;
  if (providerKeyOf(tenant, actor.userId, provider) === undefined) {
    return refuse(RejectionCode.PROVIDER_KEY_NOT_FOUND, `you have no ${provider} key`);
  }
  return accept({ type: 'ProviderKeyDeleted', data: { userId: actor.userId, provider } });
}

function rotateTenantKey(_command: RotateTenantKey, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  if (!canRotateTenantKey(actor.role)) return refuse(RejectionCode.FORBIDDEN, 'only an owner or admin may rotate the tenant key');
  return accept({ type: 'TenantKeyRotated', data: { keyVersion: tenant.keyVersion + 1 } });
}

function eraseUser(command: EraseUser, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { userId } = command.data;
  const target = tenant.members.get(userId);
  if (!canEraseUser(actor.role, target?.role, userId === actor.userId)) {
    return refuse(RejectionCode.FORBIDDEN, `${article(actor.role)} ${actor.role} may not erase this user`);
  }
  if (tenant.erasedUsers.has(userId)) return refuse(RejectionCode.USER_ERASED, `"${userId}" was already erased`);
  if (target === undefined) return refuse(RejectionCode.MEMBER_NOT_FOUND, `"${userId}" is not a member`);
  if (target.role === 'owner' && ownerCount(tenant.members) === 1) {
    return refuse(RejectionCode.LAST_OWNER, 'the last owner cannot be erased');
  }
  // The reason is for the command's record (CommandResult, logs), not the chain: the event
  // that outlives the user's data says only that they were erased.
  return accept({ type: 'UserErased', data: { userId } });
}

/**
 * A service met a legacy value on first use and sends it back through intake to be sealed as
 * v2. Only services and the system may; it happens once per value: `version` must be the
 * version the service read, and that version must still be legacy.
 */
function resealLegacySecret(command: ResealLegacySecret, state: TenantState): TenantDecision {
  if (state.status === 'deleted') return refuse(RejectionCode.TENANT_DELETED, 'tenant has been deleted');
  if (state.status === 'absent') return refuse(RejectionCode.TENANT_NOT_FOUND, 'tenant does not exist');
  const { actor, tenantId } = command.metadata;
  if (actor.kind === 'user') return refuse(RejectionCode.FORBIDDEN, 'only a service or the system may re-seal a legacy secret');
  const { target, userId, provider, sourceId, version, secret } = command.data;
  if (target === 'provider-key' && provider !== undefined) {
    const key = providerKeyOf(state, userId, provider);
    if (key === undefined) return refuse(RejectionCode.PROVIDER_KEY_NOT_FOUND, `"${userId}" has no ${provider} key`);
    if (!key.legacy || key.version !== version) return alreadyResealed(version);
    const binding = providerKeyBinding(tenantId, userId, provider);
    return accept({
      type: 'LegacySecretResealed',
      data: { target, userId, provider, version, mask: '', secret: pendingSecret(secret, binding, state, userId) },
    });
  }
  if (target === 'source-credential' && sourceId !== undefined) {
    const source = connectedSource(state, sourceId);
    if (source === undefined || source.ownerId !== userId) {
      return refuse(RejectionCode.SOURCE_NOT_FOUND, `"${userId}" has no connected source "${sourceId}"`);
    }
    if (!source.legacy || source.credentialVersion !== version) return alreadyResealed(version);
    const binding = sourceCredentialBinding(tenantId, sourceId);
    return accept({
      type: 'LegacySecretResealed',
      data: { target, userId, sourceId, version, secret: pendingSecret(secret, binding, state, userId) },
    });
  }
  // Unreachable through parse.ts, which requires exactly the field the target names.
  return refuse(RejectionCode.INVALID_PAYLOAD, `target ${target} needs its ${target === 'provider-key' ? 'provider' : 'sourceId'}`);
}

// Chat turns and memories (issue 7). A conversation or memory belongs to the user who started or
// stored it: only they may write into, delete or forget it, whatever their role (no tenant owner
// reads or removes another member's chat). NOT_CONVERSATION_OWNER and NOT_MEMORY_OWNER are
// authorization refusals that need the target to exist, so the NOT_FOUND codes come first.
// Content is an intake box, emitted as a PendingSecret bound to the user and the exact message,
// reply or memory, with the limit the processor enforces once it has opened the box.

function startConversation(command: StartConversation, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { conversationId, model } = command.data;
  if (!canChat(actor.role)) return refuse(RejectionCode.FORBIDDEN, `${article(actor.role)} ${actor.role} may not chat`);
  if (tenant.conversations.has(conversationId)) {
    return refuse(RejectionCode.CONVERSATION_EXISTS, `conversation "${conversationId}" already exists in this tenant`);
  }
  return accept({ type: 'ConversationStarted', data: { conversationId, userId: actor.userId, ...(model === undefined ? {} : { model }) } });
}

function chatTurn(command: ChatTurn, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
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
function recordAssistantReply(command: RecordAssistantReply, state: TenantState): TenantDecision {
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

function deleteConversation(command: DeleteConversation, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { conversationId } = command.data;
  const found = ownConversation(tenant, conversationId, actor, 'delete');
  if (!found.ok) return found.refusal;
  return accept({ type: 'ConversationDeleted', data: { conversationId, userId: actor.userId } });
}

function storeMemory(command: StoreMemory, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
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

function forgetMemory(command: ForgetMemory, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
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

/** Unreachable through parse.ts; a command built in code is held to the same rule. */
function exactlyOne(field: string, legacyField: string): TenantDecision {
  return refuse(RejectionCode.INVALID_PAYLOAD, `exactly one of "${field}" and "${legacyField}" is required`);
}

function alreadyResealed(version: number): TenantDecision {
  return refuse(RejectionCode.LEGACY_ALREADY_RESEALED, `version ${version} is no longer a legacy value`);
}

/** What the processor needs to seal an intake box: the binding, and whose DEK at which version. */
function pendingSecret(box: string, binding: SecretBinding, tenant: ActiveTenant, ownerId: string, maxBytes?: number): PendingSecret {
  const owner = { tenantId: binding.tenantId, userId: ownerId, keyVersion: tenant.keyVersion };
  return maxBytes === undefined ? { pending: 'intake', box, binding, owner } : { pending: 'intake', box, binding, owner, maxBytes };
}

/** The mask of a provider key imported in the legacy format, until it is re-sealed. */
const LEGACY_MASK = '\u2026';

function isEmailInUse(members: Members, email: string): boolean {
  const key = emailKey(email);
  for (const member of members.values()) if (emailKey(member.email) === key) return true;
  return false;
}

/** Optional fields are absent, never undefined or null (types.ts). */
function withReason(reason: string | undefined): { reason?: string } {
  return reason === undefined ? {} : { reason };
}

/**
 * The CommandRejected event the processor appends to the target tenant's chain for an
 * authorization refusal (`rejection.authorization`), or for its own producer-key refusals.
 */
export function commandRejected(
  command: { readonly type: string; readonly metadata: CommandMetadata },
  code: string,
  producerKeyId?: string,
): CommandRejected {
  const { kind, id } = command.metadata.actor;
  return {
    type: 'CommandRejected',
    data: {
      commandType: command.type,
      code,
      claimedActor: { kind, id },
      ...(producerKeyId === undefined ? {} : { producerKeyId }),
    },
  };
}

function article(role: string): string {
  return /^[aeiou]/.test(role) ? 'an' : 'a';
}
