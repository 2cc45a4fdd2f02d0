// The one decoder from a stored logical event (domain/logical.ts: `type` and payload JSON) to a
// typed TenantEvent. Readers of the log (the processor's rebuild, projections, the chat worker)
// use it instead of reading payload fields by name. It checks what the Avro schemas and the
// deciders guarantee: exactly the fields of the type, of the right JavaScript types, enums within
// their lists, sealed values shaped as v2, and the either-or rules (a secret or its legacy form;
// the field a re-seal target names). It does not re-check value rules (ids, emails, lengths).
// An event that fails here was not written by these rules: the caller fails closed.
import { EventDecodeCode } from '../errors.ts';
import { exactly, integer, oneOf, record, refine, text } from '../payload-reader.ts';
import type { Read, Reader } from '../payload-reader.ts';
import { isOneOf } from '../validation.ts';
import { CHAT_FAILURE_REASONS } from './chat-types.ts';
import { TENANT_EVENT_TYPES } from './events.ts';
import type { TenantEvent, TenantEventType } from './events.ts';
import { PROVIDERS, ROLES, SOURCE_KINDS } from './types.ts';

export interface EventDecodeError {
  readonly code: EventDecodeCode;
  /** Names the event type and the field, never a value. */
  readonly message: string;
  /** The malformed field, dotted ('' for the payload itself); absent for an unknown type. */
  readonly path?: string;
}

export type DecodedTenantEvent = { readonly ok: true; readonly event: TenantEvent } | { readonly ok: false; readonly error: EventDecodeError };

/** A stored event's type and payload: a LogicalEvent will do. */
export interface StoredEvent {
  readonly type: string;
  readonly payload: unknown;
}

export function decodeTenantEvent(stored: StoredEvent): DecodedTenantEvent {
  const { type } = stored;
  if (!isOneOf(TENANT_EVENT_TYPES, type)) {
    return { ok: false, error: { code: EventDecodeCode.UNKNOWN_EVENT_TYPE, message: `${JSON.stringify(type.slice(0, 64))} is not a tenant event type` } };
  }
  const read = EVENT_READERS[type](stored.payload);
  if (read.ok) return { ok: true, event: read.value };
  return { ok: false, error: { code: EventDecodeCode.MALFORMED_PAYLOAD, message: `${type}: ${read.problem}`, path: read.path } };
}

/** A payload reader as an event reader: the literal `type` and the data read are checked against TenantEvent below. */
function eventOf<T extends TenantEventType, D>(type: T, read: Reader<D>): (payload: unknown) => Read<{ readonly type: T; readonly data: D }> {
  return (payload) => {
    const data = read(payload, '');
    return data.ok ? { ok: true, value: { type, data: data.value } } : data;
  };
}

/** Exactly one of two optional fields (a secret or its legacy form). */
function exactlyOneOf(field: string, other: string): (value: Readonly<Record<string, unknown>>) => string | undefined {
  return (value) => ((value[field] === undefined) === (value[other] === undefined) ? `payload needs exactly one of "${field}" and "${other}"` : undefined);
}

/** A re-seal names its subject by the field its target needs, and not the other. */
function namesItsTarget(value: { readonly target: string; readonly provider?: string; readonly sourceId?: string }): string | undefined {
  const [named, other] = value.target === 'provider-key' ? (['provider', 'sourceId'] as const) : (['sourceId', 'provider'] as const);
  if (value[named] === undefined) return `payload misses "${named}" (target ${value.target})`;
  return value[other] === undefined ? undefined : `payload has "${other}" (target ${value.target})`;
}

/** A SealedSecret (crypto/vault/sealed-value.ts): what the processor wrote in place of every PendingSecret. */
const sealed = record({ v: exactly(2), kid: text, kv: integer, n: text, ct: text });
const role = oneOf(ROLES);
const provider = oneOf(PROVIDERS);

// One reader per event type, keyed by every type: an event without its reader, or a reader whose
// data differs from the event's payload type, does not compile.
const EVENT_READERS: { readonly [T in TenantEventType]: (payload: unknown) => Read<Extract<TenantEvent, { readonly type: T }>> } = {
  TenantCreated: eventOf('TenantCreated', record({ name: text, owner: record({ userId: text, email: text }) })),
  MemberAdded: eventOf('MemberAdded', record({ userId: text, email: text, role })),
  MemberRoleChanged: eventOf('MemberRoleChanged', record({ userId: text, from: role, to: role })),
  MemberRemoved: eventOf('MemberRemoved', record({ userId: text }, { reason: text })),
  TenantDeleted: eventOf('TenantDeleted', record({}, { reason: text })),
  CommandRejected: eventOf(
    'CommandRejected',
    record({ commandType: text, code: text, claimedActor: record({ kind: text, id: text }) }, { producerKeyId: text }),
  ),
  SourceConnected: eventOf(
    'SourceConnected',
    refine(
      record({ sourceId: text, ownerId: text, kind: oneOf(SOURCE_KINDS), name: text, credentialVersion: integer }, { credential: sealed, legacyCredential: text }),
      exactlyOneOf('credential', 'legacyCredential'),
    ),
  ),
  SourceCredentialRotated: eventOf('SourceCredentialRotated', record({ sourceId: text, ownerId: text, credentialVersion: integer, credential: sealed })),
  SourceDisconnected: eventOf('SourceDisconnected', record({ sourceId: text, ownerId: text, by: oneOf(['owner', 'admin']) }, { reason: text })),
  SourceQueryAuthorized: eventOf(
    'SourceQueryAuthorized',
    record({ sourceId: text, ownerId: text, queryHash: text, maxRows: integer, maxBytes: integer }),
  ),
  ProviderKeyStored: eventOf(
    'ProviderKeyStored',
    refine(record({ userId: text, provider, mask: text }, { secret: sealed, legacySecret: text }), exactlyOneOf('secret', 'legacySecret')),
  ),
  ProviderKeyRotated: eventOf('ProviderKeyRotated', record({ userId: text, provider, mask: text, version: integer, secret: sealed })),
  ProviderKeyDeleted: eventOf('ProviderKeyDeleted', record({ userId: text, provider })),
  TenantKeyRotated: eventOf('TenantKeyRotated', record({ keyVersion: integer })),
  UserErased: eventOf('UserErased', record({ userId: text })),
  LegacySecretResealed: eventOf(
    'LegacySecretResealed',
    refine(
      record(
        { target: oneOf(['provider-key', 'source-credential']), userId: text, version: integer, secret: sealed },
        { provider, sourceId: text, mask: text },
      ),
      namesItsTarget,
    ),
  ),
  ConversationStarted: eventOf('ConversationStarted', record({ conversationId: text, userId: text }, { model: text })),
  ChatTurnRequested: eventOf(
    'ChatTurnRequested',
    record({ conversationId: text, messageId: text, userId: text, bytes: integer, content: sealed }),
  ),
  AssistantReplied: eventOf(
    'AssistantReplied',
    record(
      { conversationId: text, userId: text, replyTo: text, bytes: integer, content: sealed, model: text, inputTokens: integer, outputTokens: integer },
      { stopReason: text },
    ),
  ),
  ChatTurnFailed: eventOf('ChatTurnFailed', record({ conversationId: text, userId: text, replyTo: text, reason: oneOf(CHAT_FAILURE_REASONS) })),
  ConversationDeleted: eventOf('ConversationDeleted', record({ conversationId: text, userId: text })),
  MemoryStored: eventOf('MemoryStored', record({ memoryId: text, userId: text, bytes: integer, content: sealed })),
  MemoryForgotten: eventOf('MemoryForgotten', record({ memoryId: text, userId: text })),
};
