// The tenant state and `evolve` (the events are in events.ts). The processor keeps one TenantState per
// tenant in memory, so state holds only what `decide` needs: status, name, members, the tenant's
// key version, and for each source and provider key who owns it, its version and whether it is
// still a legacy value; for each conversation and memory whose it is and (conversations) which
// messages await a reply (chat-state.ts). Never a secret or any content, sealed or not.
// Its collections are persistent (domain/persistent-map.ts): an event changes O(log n) of a
// state that the previous version still shares, so a tenant that grows forever stays cheap.
import { PersistentMap, PersistentSet } from '../persistent-map.ts';
import { conversationsErased, evolveConversations, evolveMemories, memoriesErased } from './chat-state.ts';
import type { Conversations, Memories } from './chat-state.ts';
import type {
  MemberAdded,
  MemberRemoved,
  MemberRoleChanged,
  ProviderKeyDeleted,
  ProviderKeyRotated,
  ProviderKeyStored,
  SourceConnected,
  SourceCredentialRotated,
  SourceDisconnected,
  TenantEvent,
} from './events.ts';
import type { LegacySecretResealedData, Provider, Role, SourceKind, TenantCreatedData } from './types.ts';

export interface Membership {
  readonly role: Role;
  readonly email: string;
}

export type Members = PersistentMap<Membership>;

/** A source ever connected in this tenant. Disconnected sources stay, so their ids are never reused. */
export interface SourceState {
  readonly ownerId: string;
  readonly kind: SourceKind;
  readonly name: string;
  readonly credentialVersion: number;
  /** The credential is still the imported legacy value, not yet re-sealed. */
  readonly legacy: boolean;
  readonly connected: boolean;
}

export type Sources = PersistentMap<SourceState>;

/** A user's key for one provider. `version` starts at 1 with ProviderKeyStored. */
export interface ProviderKeyState {
  readonly version: number;
  readonly legacy: boolean;
}

/** userId → provider → key; a user without keys has no entry. */
export type ProviderKeys = PersistentMap<PersistentMap<ProviderKeyState>>;

export type AbsentTenant = { readonly status: 'absent' };
export type ActiveTenant = {
  readonly status: 'active';
  readonly name: string;
  readonly members: Members;
  /** The version of the data keys new secrets are sealed under; 1 at creation. */
  readonly keyVersion: number;
  readonly sources: Sources;
  readonly providerKeys: ProviderKeys;
  /** Users erased from this tenant: they can never be added again. */
  readonly erasedUsers: PersistentSet;
  readonly conversations: Conversations;
  readonly memories: Memories;
};
// A deleted tenant keeps nothing: every command on it is refused, and its id is never reused.
export type DeletedTenant = { readonly status: 'deleted' };

export type TenantState = AbsentTenant | ActiveTenant | DeletedTenant;

const ABSENT: AbsentTenant = Object.freeze({ status: 'absent' });
const DELETED: DeletedTenant = Object.freeze({ status: 'deleted' });

export const INITIAL_KEY_VERSION = 1;

export function initialState(): TenantState {
  return ABSENT;
}

export function ownerCount(members: Members): number {
  let owners = 0;
  for (const member of members.values()) if (member.role === 'owner') owners += 1;
  return owners;
}

/** The user's key for `provider`, if they have one. */
export function providerKeyOf(tenant: ActiveTenant, userId: string, provider: Provider): ProviderKeyState | undefined {
  return tenant.providerKeys.get(userId)?.get(provider);
}

/**
 * Applies one event. Total by design: an event that cannot apply to the current status (which
 * `decide` never emits) leaves the state unchanged rather than throwing mid-replay.
 */
export function evolve(state: TenantState, event: TenantEvent): TenantState {
  switch (event.type) {
    case 'TenantCreated':
      if (state.status !== 'absent') return state;
      return tenantCreated(event.data);
    case 'MemberAdded':
    case 'MemberRoleChanged':
    case 'MemberRemoved':
      if (state.status !== 'active') return state;
      return { ...state, members: evolveMembers(state.members, event) };
    case 'TenantDeleted':
      return state.status === 'active' ? DELETED : state;
    case 'CommandRejected':
    case 'SourceQueryAuthorized':
      return state;
    case 'SourceConnected':
    case 'SourceCredentialRotated':
    case 'SourceDisconnected':
      if (state.status !== 'active') return state;
      return { ...state, sources: evolveSources(state.sources, event) };
    case 'ProviderKeyStored':
    case 'ProviderKeyRotated':
    case 'ProviderKeyDeleted':
      if (state.status !== 'active') return state;
      return { ...state, providerKeys: evolveProviderKeys(state.providerKeys, event) };
    case 'TenantKeyRotated':
      if (state.status !== 'active') return state;
      return { ...state, keyVersion: event.data.keyVersion };
    case 'UserErased':
      if (state.status !== 'active') return state;
      return userErased(state, event.data.userId);
    case 'LegacySecretResealed':
      if (state.status !== 'active') return state;
      return legacySecretResealed(state, event.data);
    case 'ConversationStarted':
    case 'ChatTurnRequested':
    case 'AssistantReplied':
    case 'ChatTurnFailed':
    case 'ConversationDeleted':
      if (state.status !== 'active') return state;
      return { ...state, conversations: evolveConversations(state.conversations, event) };
    case 'MemoryStored':
    case 'MemoryForgotten':
      if (state.status !== 'active') return state;
      return { ...state, memories: evolveMemories(state.memories, event) };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

function tenantCreated({ name, owner }: TenantCreatedData): ActiveTenant {
  return {
    status: 'active',
    name,
    members: PersistentMap.of<Membership>([[owner.userId, { role: 'owner', email: owner.email }]]),
    keyVersion: INITIAL_KEY_VERSION,
    sources: PersistentMap.empty(),
    providerKeys: PersistentMap.empty(),
    erasedUsers: PersistentSet.empty(),
    conversations: PersistentMap.empty(),
    memories: PersistentMap.empty(),
  };
}

function evolveMembers(members: Members, event: MemberAdded | MemberRoleChanged | MemberRemoved): Members {
  switch (event.type) {
    case 'MemberAdded':
      return members.set(event.data.userId, { role: event.data.role, email: event.data.email });
    case 'MemberRoleChanged': {
      const member = members.get(event.data.userId);
      return member === undefined ? members : members.set(event.data.userId, { ...member, role: event.data.to });
    }
    case 'MemberRemoved':
      return members.delete(event.data.userId);
  }
}

function evolveSources(sources: Sources, event: SourceConnected | SourceCredentialRotated | SourceDisconnected): Sources {
  const { sourceId } = event.data;
  const source = sources.get(sourceId);
  if (event.type === 'SourceConnected') {
    if (source !== undefined) return sources; // ids are never reused
    const { ownerId, kind, name, credentialVersion } = event.data;
    const legacy = event.data.legacyCredential !== undefined;
    return sources.set(sourceId, { ownerId, kind, name, credentialVersion, legacy, connected: true });
  }
  if (source === undefined || !source.connected) return sources;
  const next = event.type === 'SourceCredentialRotated'
    ? { ...source, credentialVersion: event.data.credentialVersion, legacy: false }
    : { ...source, connected: false };
  return sources.set(sourceId, next);
}

function evolveProviderKeys(keys: ProviderKeys, event: ProviderKeyStored | ProviderKeyRotated | ProviderKeyDeleted): ProviderKeys {
  const { userId, provider } = event.data;
  const before = keys.get(userId) ?? PersistentMap.empty<ProviderKeyState>();
  let own: PersistentMap<ProviderKeyState>;
  switch (event.type) {
    case 'ProviderKeyStored':
      own = before.set(provider, { version: 1, legacy: event.data.legacySecret !== undefined });
      break;
    case 'ProviderKeyRotated':
      if (!before.has(provider)) return keys;
      own = before.set(provider, { version: event.data.version, legacy: false });
      break;
    case 'ProviderKeyDeleted':
      own = before.delete(provider);
      if (own === before) return keys;
      break;
  }
  return own.size === 0 ? keys.delete(userId) : keys.set(userId, own);
}

/**
 * Erasure: the membership goes, the user's sources are disconnected, their keys go, their
 * conversations are deleted (messages and all) and their memories forgotten. Every id stays used.
 */
function userErased(tenant: ActiveTenant, userId: string): ActiveTenant {
  // One pass over the tenant's sources: erasure is rare.
  let sources = tenant.sources;
  for (const [sourceId, source] of tenant.sources) {
    if (source.ownerId === userId && source.connected) sources = sources.set(sourceId, { ...source, connected: false });
  }
  return {
    ...tenant,
    members: tenant.members.delete(userId),
    sources,
    providerKeys: tenant.providerKeys.delete(userId),
    conversations: conversationsErased(tenant.conversations, userId),
    memories: memoriesErased(tenant.memories, userId),
    erasedUsers: tenant.erasedUsers.add(userId),
  };
}

/** The value at `version` is now sealed (v2): the version stays, the legacy flag goes. */
function legacySecretResealed(tenant: ActiveTenant, data: LegacySecretResealedData): ActiveTenant {
  if (data.target === 'provider-key') {
    const key = data.provider === undefined ? undefined : providerKeyOf(tenant, data.userId, data.provider);
    if (data.provider === undefined || key === undefined) return tenant;
    const own = (tenant.providerKeys.get(data.userId) ?? PersistentMap.empty<ProviderKeyState>()).set(data.provider, { ...key, legacy: false });
    return { ...tenant, providerKeys: tenant.providerKeys.set(data.userId, own) };
  }
  const source = data.sourceId === undefined ? undefined : tenant.sources.get(data.sourceId);
  if (data.sourceId === undefined || source === undefined) return tenant;
  return { ...tenant, sources: tenant.sources.set(data.sourceId, { ...source, legacy: false }) };
}
