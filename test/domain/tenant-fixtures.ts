// Builders for tenant commands and events, so specs show only what matters to each rule.
import type { Actor, CommandMetadata } from '../../domain/messages.ts';
import { isPendingSecret, type SecretSlot } from '../../domain/tenant/index.ts';
import type { JsonObject, LogicalEvent } from '../../domain/logical.ts';
import type {
  ChatFailureReason,
  PendingSecret,
  Provider,
  Role,
  SealedSecret,
  SecretBinding,
  SourceKind,
  TenantCommand,
  TenantEvent,
} from '../../domain/tenant/index.ts';

export const TENANT_ID = '0b9e3c1a-4f2d-4c8e-9a7b-1d2e3f4a5b6c';
export const COMMAND_ID = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';

export const user = (id: string): Actor => ({ kind: 'user', id });
export const service = (id = 'svc-provisioning'): Actor => ({ kind: 'service', id });
export const system = (id = 'palisade'): Actor => ({ kind: 'system', id });

export const metadata = (actor: Actor): CommandMetadata => ({ tenantId: TENANT_ID, commandId: COMMAND_ID, actor });
export const emailOf = (userId: string): string => `${userId}@example.com`;

type Payload<T extends TenantCommand['type']> = Extract<TenantCommand, { type: T }>['data'];

export const createTenant = (actor: Actor, owner = actor.id, name = 'Acme'): TenantCommand => ({
  type: 'CreateTenant',
  data: { name, owner: { userId: owner, email: emailOf(owner) } },
  metadata: metadata(actor),
});
export const addMember = (actor: Actor, userId: string, role: Role, email = emailOf(userId)): TenantCommand => ({
  type: 'AddMember',
  data: { userId, email, role },
  metadata: metadata(actor),
});
export const changeRole = (actor: Actor, userId: string, role: Role): TenantCommand => ({
  type: 'ChangeRole',
  data: { userId, role },
  metadata: metadata(actor),
});
export const removeMember = (actor: Actor, data: Payload<'RemoveMember'>): TenantCommand => ({
  type: 'RemoveMember',
  data,
  metadata: metadata(actor),
});
export const deleteTenant = (actor: Actor, data: Payload<'DeleteTenant'> = {}): TenantCommand => ({
  type: 'DeleteTenant',
  data,
  metadata: metadata(actor),
});

export const tenantCreated = (owner: string, name = 'Acme'): TenantEvent => ({
  type: 'TenantCreated',
  data: { name, owner: { userId: owner, email: emailOf(owner) } },
});
export const memberAdded = (userId: string, role: Role, email = emailOf(userId)): TenantEvent => ({
  type: 'MemberAdded',
  data: { userId, email, role },
});
export const memberRoleChanged = (userId: string, from: Role, to: Role): TenantEvent => ({
  type: 'MemberRoleChanged',
  data: { userId, from, to },
});
export const memberRemoved = (userId: string, reason?: string): TenantEvent => ({
  type: 'MemberRemoved',
  data: reason === undefined ? { userId } : { userId, reason },
});
export const tenantDeleted = (reason?: string): TenantEvent => ({
  type: 'TenantDeleted',
  data: reason === undefined ? {} : { reason },
});

// Sources, provider keys, tenant keys, erasure.
export const SOURCE_A = '5e1f0c2a-7b3d-4e9f-8a6b-2c4d6e8f0a1b';
export const SOURCE_B = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d';
export const UNKNOWN_SOURCE = '00000000-0000-4000-8000-00000000dead';
/** A well-formed intake box (the domain checks only its shape; the processor opens it). */
export const BOX = 'b0X-'.repeat(20);
export const BOX_2 = 'B1y_'.repeat(21);
export const LEGACY = `${'0a'.repeat(16)}:${'1b'.repeat(16)}:${'2c'.repeat(32)}`;
export const QUERY_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

type Cmd<T extends TenantCommand['type']> = Extract<TenantCommand, { type: T }>;
const command = <T extends TenantCommand['type']>(type: T, actor: Actor, data: Payload<T>): Cmd<T> =>
  ({ type, data, metadata: metadata(actor) }) as Cmd<T>;

export const connectSource = (actor: Actor, sourceId: string, data: Partial<Payload<'ConnectSource'>> = {}): TenantCommand =>
  command('ConnectSource', actor, { sourceId, kind: 'postgres', name: 'Warehouse', ...(data.legacyCredential === undefined ? { credential: BOX } : {}), ...data });
export const rotateSourceCredential = (actor: Actor, sourceId: string, credential = BOX_2): TenantCommand =>
  command('RotateSourceCredential', actor, { sourceId, credential });
export const disconnectSource = (actor: Actor, sourceId: string, reason?: string): TenantCommand =>
  command('DisconnectSource', actor, reason === undefined ? { sourceId } : { sourceId, reason });
export const authorizeSourceQuery = (actor: Actor, sourceId: string, maxRows = 100, maxBytes = 65536): TenantCommand =>
  command('AuthorizeSourceQuery', actor, { sourceId, queryHash: QUERY_HASH, maxRows, maxBytes });
export const storeProviderKey = (actor: Actor, provider: Provider = 'anthropic', legacy?: string): TenantCommand =>
  command('StoreProviderKey', actor, legacy === undefined ? { provider, apiKey: BOX } : { provider, legacyApiKey: legacy });
export const rotateProviderKey = (actor: Actor, provider: Provider = 'anthropic', apiKey = BOX_2): TenantCommand =>
  command('RotateProviderKey', actor, { provider, apiKey });
export const deleteProviderKey = (actor: Actor, provider: Provider = 'anthropic'): TenantCommand =>
  command('DeleteProviderKey', actor, { provider });
export const rotateTenantKey = (actor: Actor): TenantCommand => command('RotateTenantKey', actor, {});
export const eraseUser = (actor: Actor, userId: string, reason?: string): TenantCommand =>
  command('EraseUser', actor, reason === undefined ? { userId } : { userId, reason });
export const resealProviderKey = (actor: Actor, userId: string, provider: Provider, version: number, secret = BOX): TenantCommand =>
  command('ResealLegacySecret', actor, { target: 'provider-key', userId, provider, version, secret });
export const resealSourceCredential = (actor: Actor, userId: string, sourceId: string, version: number, secret = BOX): TenantCommand =>
  command('ResealLegacySecret', actor, { target: 'source-credential', userId, sourceId, version, secret });

/** A sealed value as the processor would write it in place of a PendingSecret. */
export const sealed = (userId: string, kv = 1): SealedSecret => ({ v: 2, kid: `dek-${userId}`, kv, n: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYX', ct: 'q83vEjRWeJCrze8SNFZ4kA' });

export const sourceConnected = (ownerId: string, sourceId: string, legacy = false, kind: SourceKind = 'postgres', name = 'Warehouse'): TenantEvent => ({
  type: 'SourceConnected',
  data: { sourceId, ownerId, kind, name, credentialVersion: 1, ...(legacy ? { legacyCredential: LEGACY } : { credential: sealed(ownerId) }) },
});
export const sourceCredentialRotated = (ownerId: string, sourceId: string, credentialVersion: number): TenantEvent => ({
  type: 'SourceCredentialRotated',
  data: { sourceId, ownerId, credentialVersion, credential: sealed(ownerId) },
});
export const sourceDisconnected = (ownerId: string, sourceId: string, by: 'owner' | 'admin' = 'owner'): TenantEvent => ({
  type: 'SourceDisconnected',
  data: { sourceId, ownerId, by },
});
export const providerKeyStored = (userId: string, provider: Provider = 'anthropic', legacy = false): TenantEvent => ({
  type: 'ProviderKeyStored',
  data: legacy ? { userId, provider, mask: '\u2026', legacySecret: LEGACY } : { userId, provider, mask: 'sk-ant-…9f3a', secret: sealed(userId) },
});
export const providerKeyRotated = (userId: string, provider: Provider, version: number): TenantEvent => ({
  type: 'ProviderKeyRotated',
  data: { userId, provider, mask: 'sk-ant-…0b1c', version, secret: sealed(userId) },
});
export const providerKeyDeleted = (userId: string, provider: Provider = 'anthropic'): TenantEvent => ({
  type: 'ProviderKeyDeleted',
  data: { userId, provider },
});
export const tenantKeyRotated = (keyVersion: number): TenantEvent => ({ type: 'TenantKeyRotated', data: { keyVersion } });
export const userErased = (userId: string): TenantEvent => ({ type: 'UserErased', data: { userId } });
export const providerKeyResealed = (userId: string, provider: Provider, version: number): TenantEvent => ({
  type: 'LegacySecretResealed',
  data: { target: 'provider-key', userId, provider, version, mask: 'sk-ant-…9f3a', secret: sealed(userId) },
});
export const sourceCredentialResealed = (userId: string, sourceId: string, version: number): TenantEvent => ({
  type: 'LegacySecretResealed',
  data: { target: 'source-credential', userId, sourceId, version, secret: sealed(userId) },
});

/** The PendingSecret `decide` emits for an intake box. */
export const pending = (box: string, binding: SecretBinding, userId: string, keyVersion = 1): PendingSecret => ({
  pending: 'intake',
  box,
  binding,
  owner: { tenantId: TENANT_ID, userId, keyVersion },
});

// Chat turns and memories (issue 7).
export const CONV_A = '2c000000-0000-4000-8000-00000000000a';
export const CONV_B = '2c000000-0000-4000-8000-00000000000b';
export const MSG_1 = '2d000000-0000-4000-8000-000000000001';
export const MSG_2 = '2d000000-0000-4000-8000-000000000002';
export const MEMORY_A = '2e000000-0000-4000-8000-00000000000a';
export const MEMORY_B = '2e000000-0000-4000-8000-00000000000b';

export const startConversation = (actor: Actor, conversationId: string, model?: string): TenantCommand =>
  command('StartConversation', actor, model === undefined ? { conversationId } : { conversationId, model });
export const chatTurn = (actor: Actor, conversationId: string, messageId: string, content = BOX): TenantCommand =>
  command('ChatTurn', actor, { conversationId, messageId, content });
export const recordReply = (
  actor: Actor,
  userId: string,
  conversationId: string,
  replyTo: string,
  more: Partial<Payload<'RecordAssistantReply'>> = {},
): TenantCommand =>
  command('RecordAssistantReply', actor, { conversationId, userId, replyTo, content: BOX_2, model: 'claude-sonnet-4-5', inputTokens: 120, outputTokens: 45, ...more });
export const recordFailure = (actor: Actor, userId: string, conversationId: string, replyTo: string, failure: ChatFailureReason = 'RATE_LIMITED'): TenantCommand =>
  command('RecordAssistantReply', actor, { conversationId, userId, replyTo, failure });
export const deleteConversation = (actor: Actor, conversationId: string): TenantCommand => command('DeleteConversation', actor, { conversationId });
export const storeMemory = (actor: Actor, memoryId: string, content = BOX): TenantCommand => command('StoreMemory', actor, { memoryId, content });
export const forgetMemory = (actor: Actor, memoryId: string): TenantCommand => command('ForgetMemory', actor, { memoryId });

export const conversationStarted = (userId: string, conversationId: string, model?: string): TenantEvent => ({
  type: 'ConversationStarted',
  data: model === undefined ? { conversationId, userId } : { conversationId, userId, model },
});
export const chatTurnRequested = (userId: string, conversationId: string, messageId: string, bytes = 42): TenantEvent => ({
  type: 'ChatTurnRequested',
  data: { conversationId, messageId, userId, bytes, content: sealed(userId) },
});
export const assistantReplied = (userId: string, conversationId: string, replyTo: string): TenantEvent => ({
  type: 'AssistantReplied',
  data: { conversationId, userId, replyTo, bytes: 120, content: sealed(userId), model: 'claude-sonnet-4-5', inputTokens: 120, outputTokens: 45, stopReason: 'end_turn' },
});
export const chatTurnFailed = (userId: string, conversationId: string, replyTo: string, reason: ChatFailureReason = 'TIMEOUT'): TenantEvent => ({
  type: 'ChatTurnFailed',
  data: { conversationId, userId, replyTo, reason },
});
export const conversationDeleted = (userId: string, conversationId: string): TenantEvent => ({ type: 'ConversationDeleted', data: { conversationId, userId } });
export const memoryStored = (userId: string, memoryId: string, bytes = 27): TenantEvent => ({
  type: 'MemoryStored',
  data: { memoryId, userId, bytes, content: sealed(userId) },
});
export const memoryForgotten = (userId: string, memoryId: string): TenantEvent => ({ type: 'MemoryForgotten', data: { memoryId, userId } });

/** The PendingSecret `decide` emits for chat content: with its limit. */
export const pendingContent = (box: string, binding: SecretBinding, userId: string, maxBytes: number, keyVersion = 1): PendingSecret => ({
  ...pending(box, binding, userId, keyVersion),
  maxBytes,
});

/**
 * An event as the processor hashes it: every PendingSecret sealed (fixed bytes), then `fill`
 * completes what the processor computes from the opened secret (a mask, a byte count).
 */
export function sealedPayload(event: TenantEvent, fill: (data: Record<string, unknown>) => void): JsonObject {
  const data: Record<string, unknown> = { ...event.data };
  for (const [key, value] of Object.entries(data)) {
    if (typeof value === 'object' && value !== null && isPendingSecret(value as SecretSlot)) {
      const { owner } = value as { owner: { userId: string; keyVersion: number } };
      data[key] = sealed(owner.userId, owner.keyVersion);
      fill(data);
    }
  }
  return data as JsonObject;
}

/** `event` at `seq` of TENANT_ID, with fixed ids and time, its secrets sealed as sealedPayload does. */
export function logicalEventOf(event: TenantEvent, seq: number, fill: (data: Record<string, unknown>) => void): LogicalEvent {
  return {
    tenantId: TENANT_ID,
    seq,
    prevHash: '0'.repeat(64),
    eventId: '00000000-0000-4000-8000-000000000001',
    type: event.type,
    schemaVersion: 1,
    occurredAt: '2026-11-23T10:00:07.111Z',
    actor: { kind: 'user', id: 'bob' },
    commandId: '10000000-0000-4000-8000-000000000001',
    payload: sealedPayload(event, fill),
  };
}
