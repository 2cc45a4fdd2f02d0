// Untrusted JSON in, typed command out. Checks run in a fixed order so a given bad input always
// yields the same code: command type → tenant id → command id → actor → payload shape → fields
// (in the order the payload type declares them).
import { rejection, RejectionCode } from '../errors.ts';
import type { Rejection } from '../errors.ts';
import type { ActorKind, CommandMetadata } from '../messages.ts';
import {
  findShapeProblem,
  isCanonicalUuid,
  isContentBox,
  isEmail,
  isIntakeBox,
  isIntegerInRange,
  isLegacySecret,
  isModelName,
  isOneOf,
  isPlainObject,
  isPrincipalId,
  isReason,
  isSha256Hex,
  isSourceName,
  isStopReason,
  isTenantName,
} from '../validation.ts';
import { CHAT_FAILURE_REASONS, MAX_MEMORY_BYTES, MAX_MESSAGE_BYTES, MAX_REPLY_BYTES } from './chat-types.ts';
import type {
  ChatTurnData,
  DeleteConversationData,
  ForgetMemoryData,
  RecordAssistantReplyData,
  StartConversationData,
  StoreMemoryData,
} from './chat-types.ts';
import { TENANT_COMMAND_TYPES } from './decide.ts';
import type { TenantCommand } from './decide.ts';
import { PROVIDERS, ROLES, SOURCE_KINDS } from './types.ts';
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
  Provider,
  RemoveMemberData,
  ResealLegacySecretData,
  RotateProviderKeyData,
  RotateSourceCredentialData,
  RotateTenantKeyData,
  StoreProviderKeyData,
} from './types.ts';

type Refused = { readonly ok: false; readonly rejection: Rejection };
export type ParseResult = { readonly ok: true; readonly command: TenantCommand } | Refused;
type Parsed<T> = { readonly ok: true; readonly value: T } | Refused;

const ACTOR_KINDS: readonly ActorKind[] = ['user', 'service', 'system'];
const RESEAL_TARGETS: readonly ResealLegacySecretData['target'][] = ['provider-key', 'source-credential'];

export const MAX_QUERY_ROWS = 1_000_000;
export const MAX_QUERY_BYTES = 104_857_600;
/** Versions and token counts are Avro ints. */
const MAX_VERSION = 2_147_483_647;
const MAX_TOKEN_COUNT = 2_147_483_647;

export function parseTenantCommand(type: string, payload: unknown, metadata: CommandMetadata): ParseResult {
  if (!isOneOf(TENANT_COMMAND_TYPES, type)) {
    return refused(RejectionCode.UNKNOWN_COMMAND_TYPE, `unknown command type ${JSON.stringify(String(type).slice(0, 64))}`);
  }
  const checked = parseMetadata(metadata);
  if (!checked.ok) return checked;
  const meta = checked.value;
  switch (type) {
    case 'CreateTenant':
      return toCommand(parseCreateTenant(payload), (data) => ({ type, data, metadata: meta }));
    case 'AddMember':
      return toCommand(parseAddMember(payload), (data) => ({ type, data, metadata: meta }));
    case 'ChangeRole':
      return toCommand(parseChangeRole(payload), (data) => ({ type, data, metadata: meta }));
    case 'RemoveMember':
      return toCommand(parseRemoveMember(payload), (data) => ({ type, data, metadata: meta }));
    case 'DeleteTenant':
      return toCommand(parseDeleteTenant(payload), (data) => ({ type, data, metadata: meta }));
    case 'ConnectSource':
      return toCommand(parseConnectSource(payload), (data) => ({ type, data, metadata: meta }));
    case 'RotateSourceCredential':
      return toCommand(parseRotateSourceCredential(payload), (data) => ({ type, data, metadata: meta }));
    case 'DisconnectSource':
      return toCommand(parseDisconnectSource(payload), (data) => ({ type, data, metadata: meta }));
    case 'AuthorizeSourceQuery':
      return toCommand(parseAuthorizeSourceQuery(payload), (data) => ({ type, data, metadata: meta }));
    case 'StoreProviderKey':
      return toCommand(parseStoreProviderKey(payload), (data) => ({ type, data, metadata: meta }));
    case 'RotateProviderKey':
      return toCommand(parseRotateProviderKey(payload), (data) => ({ type, data, metadata: meta }));
    case 'DeleteProviderKey':
      return toCommand(parseDeleteProviderKey(payload), (data) => ({ type, data, metadata: meta }));
    case 'RotateTenantKey':
      return toCommand(parseRotateTenantKey(payload), (data) => ({ type, data, metadata: meta }));
    case 'EraseUser':
      return toCommand(parseEraseUser(payload), (data) => ({ type, data, metadata: meta }));
    case 'ResealLegacySecret':
      return toCommand(parseResealLegacySecret(payload), (data) => ({ type, data, metadata: meta }));
    case 'StartConversation':
      return toCommand(parseStartConversation(payload), (data) => ({ type, data, metadata: meta }));
    case 'ChatTurn':
      return toCommand(parseChatTurn(payload), (data) => ({ type, data, metadata: meta }));
    case 'RecordAssistantReply':
      return toCommand(parseRecordAssistantReply(payload), (data) => ({ type, data, metadata: meta }));
    case 'DeleteConversation':
      return toCommand(parseDeleteConversation(payload), (data) => ({ type, data, metadata: meta }));
    case 'StoreMemory':
      return toCommand(parseStoreMemory(payload), (data) => ({ type, data, metadata: meta }));
    case 'ForgetMemory':
      return toCommand(parseForgetMemory(payload), (data) => ({ type, data, metadata: meta }));
  }
}

function toCommand<T>(parsed: Parsed<T>, build: (data: T) => TenantCommand): ParseResult {
  return parsed.ok ? { ok: true, command: build(parsed.value) } : parsed;
}

function refused(code: RejectionCode, message: string): Refused {
  return { ok: false, rejection: rejection(code, message) };
}

function invalidField(code: RejectionCode, field: string): Refused {
  return refused(code, `invalid "${field}"`);
}

/** Metadata is typed, but it comes from an envelope on the wire, so it is checked like a payload. */
function parseMetadata(metadata: unknown): Parsed<CommandMetadata> {
  const { tenantId, commandId, actor } = isPlainObject(metadata) ? metadata : {};
  if (!isCanonicalUuid(tenantId)) return refused(RejectionCode.INVALID_TENANT_ID, 'tenantId must be a lowercase canonical UUID');
  if (!isCanonicalUuid(commandId)) return refused(RejectionCode.INVALID_COMMAND_ID, 'commandId must be a lowercase canonical UUID');
  if (!isPlainObject(actor) || !isOneOf(ACTOR_KINDS, actor.kind) || !isPrincipalId(actor.id)) {
    return refused(RejectionCode.INVALID_ACTOR, 'actor must be { kind: user|service|system, id: 1-128 of [A-Za-z0-9._:@-] }');
  }
  // Rebuilt field by field so nothing unvalidated rides along into commands and events.
  return { ok: true, value: { tenantId, commandId, actor: { kind: actor.kind, id: actor.id } } };
}

/** A JSON object with exactly the allowed fields; `path` prefixes field names in messages. */
function parseShape(
  value: unknown,
  required: readonly string[],
  optional: readonly string[],
  path = '',
): Parsed<Record<string, unknown>> {
  if (!isPlainObject(value)) {
    return refused(RejectionCode.INVALID_PAYLOAD, `${path === '' ? 'payload' : path.slice(0, -1)} must be a JSON object`);
  }
  const problem = findShapeProblem(value, required, optional, path);
  return problem === undefined ? { ok: true, value } : refused(RejectionCode.INVALID_PAYLOAD, problem);
}

/**
 * A secret is given either as an intake box (`field`) or as a legacy value (`legacyField`):
 * exactly one of the two, a shape rule. Absent and undefined are the same, as for any field.
 */
function exactlyOneOf(object: Record<string, unknown>, field: string, legacyField: string): Refused | undefined {
  if ((object[field] === undefined) === (object[legacyField] === undefined)) {
    return refused(RejectionCode.INVALID_PAYLOAD, `exactly one of "${field}" and "${legacyField}" is required`);
  }
  return undefined;
}

/** The secret of a shape that passed exactlyOneOf: a valid intake box or a valid legacy value. */
function parseSecretPair<F extends string, L extends string>(
  object: Record<string, unknown>,
  field: F,
  legacyField: L,
): Parsed<{ [K in F]: string } | { [K in L]: string }> {
  const box = object[field];
  if (box !== undefined) {
    return isIntakeBox(box) ? { ok: true, value: { [field]: box } as { [K in F]: string } } : invalidField(RejectionCode.INVALID_SECRET, field);
  }
  const legacy = object[legacyField];
  return isLegacySecret(legacy) ? { ok: true, value: { [legacyField]: legacy } as { [K in L]: string } } : invalidField(RejectionCode.INVALID_SECRET, legacyField);
}

/** Optional fields: absent (or undefined) is fine and stays absent; anything else must be valid. */
function parseOptionalReason(value: unknown): Parsed<{ reason?: string }> {
  if (value === undefined) return { ok: true, value: {} };
  return isReason(value) ? { ok: true, value: { reason: value } } : invalidField(RejectionCode.INVALID_REASON, 'reason');
}

function parseCreateTenant(payload: unknown): Parsed<CreateTenantData> {
  const shape = parseShape(payload, ['name', 'owner'], []);
  if (!shape.ok) return shape;
  const ownerShape = parseShape(shape.value.owner, ['userId', 'email'], [], 'owner.');
  if (!ownerShape.ok) return ownerShape;
  const { name } = shape.value;
  const { userId, email } = ownerShape.value;
  if (!isTenantName(name)) return invalidField(RejectionCode.INVALID_TENANT_NAME, 'name');
  if (!isPrincipalId(userId)) return invalidField(RejectionCode.INVALID_USER_ID, 'owner.userId');
  if (!isEmail(email)) return invalidField(RejectionCode.INVALID_EMAIL, 'owner.email');
  return { ok: true, value: { name, owner: { userId, email } } };
}

function parseAddMember(payload: unknown): Parsed<AddMemberData> {
  const shape = parseShape(payload, ['userId', 'email', 'role'], []);
  if (!shape.ok) return shape;
  const { userId, email, role } = shape.value;
  if (!isPrincipalId(userId)) return invalidField(RejectionCode.INVALID_USER_ID, 'userId');
  if (!isEmail(email)) return invalidField(RejectionCode.INVALID_EMAIL, 'email');
  if (!isOneOf(ROLES, role)) return invalidField(RejectionCode.INVALID_ROLE, 'role');
  return { ok: true, value: { userId, email, role } };
}

function parseChangeRole(payload: unknown): Parsed<ChangeRoleData> {
  const shape = parseShape(payload, ['userId', 'role'], []);
  if (!shape.ok) return shape;
  const { userId, role } = shape.value;
  if (!isPrincipalId(userId)) return invalidField(RejectionCode.INVALID_USER_ID, 'userId');
  if (!isOneOf(ROLES, role)) return invalidField(RejectionCode.INVALID_ROLE, 'role');
  return { ok: true, value: { userId, role } };
}

function parseRemoveMember(payload: unknown): Parsed<RemoveMemberData> {
  const shape = parseShape(payload, ['userId'], ['reason']);
  if (!shape.ok) return shape;
  const { userId } = shape.value;
  if (!isPrincipalId(userId)) return invalidField(RejectionCode.INVALID_USER_ID, 'userId');
  const reason = parseOptionalReason(shape.value.reason);
  if (!reason.ok) return reason;
  return { ok: true, value: { userId, ...reason.value } };
}

function parseDeleteTenant(payload: unknown): Parsed<DeleteTenantData> {
  const shape = parseShape(payload, [], ['reason']);
  if (!shape.ok) return shape;
  const reason = parseOptionalReason(shape.value.reason);
  return reason.ok ? { ok: true, value: { ...reason.value } } : reason;
}

function parseConnectSource(payload: unknown): Parsed<ConnectSourceData> {
  const shape = parseShape(payload, ['sourceId', 'kind', 'name'], ['credential', 'legacyCredential']);
  if (!shape.ok) return shape;
  const notOne = exactlyOneOf(shape.value, 'credential', 'legacyCredential');
  if (notOne !== undefined) return notOne;
  const { sourceId, kind, name } = shape.value;
  if (!isCanonicalUuid(sourceId)) return invalidField(RejectionCode.INVALID_SOURCE_ID, 'sourceId');
  if (!isOneOf(SOURCE_KINDS, kind)) return invalidField(RejectionCode.INVALID_SOURCE_KIND, 'kind');
  if (!isSourceName(name)) return invalidField(RejectionCode.INVALID_SOURCE_NAME, 'name');
  const secret = parseSecretPair(shape.value, 'credential', 'legacyCredential');
  if (!secret.ok) return secret;
  return { ok: true, value: { sourceId, kind, name, ...secret.value } };
}

function parseRotateSourceCredential(payload: unknown): Parsed<RotateSourceCredentialData> {
  const shape = parseShape(payload, ['sourceId', 'credential'], []);
  if (!shape.ok) return shape;
  const { sourceId, credential } = shape.value;
  if (!isCanonicalUuid(sourceId)) return invalidField(RejectionCode.INVALID_SOURCE_ID, 'sourceId');
  if (!isIntakeBox(credential)) return invalidField(RejectionCode.INVALID_SECRET, 'credential');
  return { ok: true, value: { sourceId, credential } };
}

function parseDisconnectSource(payload: unknown): Parsed<DisconnectSourceData> {
  const shape = parseShape(payload, ['sourceId'], ['reason']);
  if (!shape.ok) return shape;
  const { sourceId } = shape.value;
  if (!isCanonicalUuid(sourceId)) return invalidField(RejectionCode.INVALID_SOURCE_ID, 'sourceId');
  const reason = parseOptionalReason(shape.value.reason);
  if (!reason.ok) return reason;
  return { ok: true, value: { sourceId, ...reason.value } };
}

function parseAuthorizeSourceQuery(payload: unknown): Parsed<AuthorizeSourceQueryData> {
  const shape = parseShape(payload, ['sourceId', 'queryHash', 'maxRows', 'maxBytes'], []);
  if (!shape.ok) return shape;
  const { sourceId, queryHash, maxRows, maxBytes } = shape.value;
  if (!isCanonicalUuid(sourceId)) return invalidField(RejectionCode.INVALID_SOURCE_ID, 'sourceId');
  if (!isSha256Hex(queryHash)) return invalidField(RejectionCode.INVALID_QUERY_HASH, 'queryHash');
  if (!isIntegerInRange(maxRows, 1, MAX_QUERY_ROWS)) return invalidField(RejectionCode.INVALID_LIMIT, 'maxRows');
  if (!isIntegerInRange(maxBytes, 1, MAX_QUERY_BYTES)) return invalidField(RejectionCode.INVALID_LIMIT, 'maxBytes');
  return { ok: true, value: { sourceId, queryHash, maxRows, maxBytes } };
}

function parseStoreProviderKey(payload: unknown): Parsed<StoreProviderKeyData> {
  const shape = parseShape(payload, ['provider'], ['apiKey', 'legacyApiKey']);
  if (!shape.ok) return shape;
  const notOne = exactlyOneOf(shape.value, 'apiKey', 'legacyApiKey');
  if (notOne !== undefined) return notOne;
  const provider = parseProvider(shape.value.provider);
  if (!provider.ok) return provider;
  const secret = parseSecretPair(shape.value, 'apiKey', 'legacyApiKey');
  if (!secret.ok) return secret;
  return { ok: true, value: { provider: provider.value, ...secret.value } };
}

function parseRotateProviderKey(payload: unknown): Parsed<RotateProviderKeyData> {
  const shape = parseShape(payload, ['provider', 'apiKey'], []);
  if (!shape.ok) return shape;
  const provider = parseProvider(shape.value.provider);
  if (!provider.ok) return provider;
  const { apiKey } = shape.value;
  if (!isIntakeBox(apiKey)) return invalidField(RejectionCode.INVALID_SECRET, 'apiKey');
  return { ok: true, value: { provider: provider.value, apiKey } };
}

function parseDeleteProviderKey(payload: unknown): Parsed<DeleteProviderKeyData> {
  const shape = parseShape(payload, ['provider'], []);
  if (!shape.ok) return shape;
  const provider = parseProvider(shape.value.provider);
  return provider.ok ? { ok: true, value: { provider: provider.value } } : provider;
}

function parseProvider(value: unknown): Parsed<Provider> {
  return isOneOf(PROVIDERS, value) ? { ok: true, value } : invalidField(RejectionCode.INVALID_PROVIDER, 'provider');
}

function parseRotateTenantKey(payload: unknown): Parsed<RotateTenantKeyData> {
  const shape = parseShape(payload, [], []);
  return shape.ok ? { ok: true, value: {} } : shape;
}

function parseEraseUser(payload: unknown): Parsed<EraseUserData> {
  const shape = parseShape(payload, ['userId'], ['reason']);
  if (!shape.ok) return shape;
  const { userId } = shape.value;
  if (!isPrincipalId(userId)) return invalidField(RejectionCode.INVALID_USER_ID, 'userId');
  const reason = parseOptionalReason(shape.value.reason);
  if (!reason.ok) return reason;
  return { ok: true, value: { userId, ...reason.value } };
}

/**
 * The target decides the rest of the shape: a provider key is named by `provider`, a source
 * credential by `sourceId`, never both. So: common shape → target → the target's shape → values.
 */
function parseResealLegacySecret(payload: unknown): Parsed<ResealLegacySecretData> {
  const common = ['target', 'userId', 'version', 'secret'];
  const shape = parseShape(payload, common, ['provider', 'sourceId']);
  if (!shape.ok) return shape;
  const { target } = shape.value;
  if (!isOneOf(RESEAL_TARGETS, target)) return invalidField(RejectionCode.INVALID_TARGET, 'target');
  const [named, other] = target === 'provider-key' ? ['provider', 'sourceId'] : ['sourceId', 'provider'];
  if (shape.value[named] === undefined) return refused(RejectionCode.INVALID_PAYLOAD, `missing field "${named}" (target ${target})`);
  if (shape.value[other] !== undefined) return refused(RejectionCode.INVALID_PAYLOAD, `unknown field "${other}" (target ${target})`);
  const { userId, version, secret } = shape.value;
  if (!isPrincipalId(userId)) return invalidField(RejectionCode.INVALID_USER_ID, 'userId');
  let subject: { provider: Provider } | { sourceId: string };
  if (target === 'provider-key') {
    const provider = parseProvider(shape.value.provider);
    if (!provider.ok) return provider;
    subject = { provider: provider.value };
  } else {
    const { sourceId } = shape.value;
    if (!isCanonicalUuid(sourceId)) return invalidField(RejectionCode.INVALID_SOURCE_ID, 'sourceId');
    subject = { sourceId };
  }
  if (!isIntegerInRange(version, 1, MAX_VERSION)) return invalidField(RejectionCode.INVALID_VERSION, 'version');
  if (!isIntakeBox(secret)) return invalidField(RejectionCode.INVALID_SECRET, 'secret');
  return { ok: true, value: { target, userId, ...subject, version, secret } };
}

// Chat turns and memories (issue 7). Ids are canonical UUIDs; content is an intake box, sized
// for the content's limit (the processor checks the exact length once it has opened the box).

function parseStartConversation(payload: unknown): Parsed<StartConversationData> {
  const shape = parseShape(payload, ['conversationId'], ['model']);
  if (!shape.ok) return shape;
  const { conversationId, model } = shape.value;
  if (!isCanonicalUuid(conversationId)) return invalidField(RejectionCode.INVALID_CONVERSATION_ID, 'conversationId');
  if (model !== undefined && !isModelName(model)) return invalidField(RejectionCode.INVALID_MODEL, 'model');
  return { ok: true, value: model === undefined ? { conversationId } : { conversationId, model } };
}

function parseChatTurn(payload: unknown): Parsed<ChatTurnData> {
  const shape = parseShape(payload, ['conversationId', 'messageId', 'content'], []);
  if (!shape.ok) return shape;
  const { conversationId, messageId, content } = shape.value;
  if (!isCanonicalUuid(conversationId)) return invalidField(RejectionCode.INVALID_CONVERSATION_ID, 'conversationId');
  if (!isCanonicalUuid(messageId)) return invalidField(RejectionCode.INVALID_MESSAGE_ID, 'messageId');
  if (!isContentBox(content, MAX_MESSAGE_BYTES)) return invalidField(RejectionCode.INVALID_CONTENT, 'content');
  return { ok: true, value: { conversationId, messageId, content } };
}

const REPLY_FIELDS = ['model', 'inputTokens', 'outputTokens'] as const;

/**
 * A reply or a failure, never both: `content` comes with `model`, `inputTokens` and
 * `outputTokens` (and maybe `stopReason`); `failure` comes alone. Shape first, then the values
 * in declaration order.
 */
function parseRecordAssistantReply(payload: unknown): Parsed<RecordAssistantReplyData> {
  const shape = parseShape(payload, ['conversationId', 'userId', 'replyTo'], ['content', ...REPLY_FIELDS, 'stopReason', 'failure']);
  if (!shape.ok) return shape;
  const notOne = exactlyOneOf(shape.value, 'content', 'failure');
  if (notOne !== undefined) return notOne;
  const isReply = shape.value.content !== undefined;
  for (const field of isReply ? REPLY_FIELDS : [...REPLY_FIELDS, 'stopReason']) {
    const present = shape.value[field] !== undefined;
    if (isReply && !present) return refused(RejectionCode.INVALID_PAYLOAD, `missing field "${field}" (a reply)`);
    if (!isReply && present) return refused(RejectionCode.INVALID_PAYLOAD, `unknown field "${field}" (a failure)`);
  }
  const { conversationId, userId, replyTo, content, model, inputTokens, outputTokens, stopReason, failure } = shape.value;
  if (!isCanonicalUuid(conversationId)) return invalidField(RejectionCode.INVALID_CONVERSATION_ID, 'conversationId');
  if (!isPrincipalId(userId)) return invalidField(RejectionCode.INVALID_USER_ID, 'userId');
  if (!isCanonicalUuid(replyTo)) return invalidField(RejectionCode.INVALID_MESSAGE_ID, 'replyTo');
  const head = { conversationId, userId, replyTo };
  if (!isReply) {
    return isOneOf(CHAT_FAILURE_REASONS, failure) ? { ok: true, value: { ...head, failure } } : invalidField(RejectionCode.INVALID_FAILURE_REASON, 'failure');
  }
  if (!isContentBox(content, MAX_REPLY_BYTES)) return invalidField(RejectionCode.INVALID_CONTENT, 'content');
  if (!isModelName(model)) return invalidField(RejectionCode.INVALID_MODEL, 'model');
  if (!isIntegerInRange(inputTokens, 0, MAX_TOKEN_COUNT)) return invalidField(RejectionCode.INVALID_TOKEN_COUNT, 'inputTokens');
  if (!isIntegerInRange(outputTokens, 0, MAX_TOKEN_COUNT)) return invalidField(RejectionCode.INVALID_TOKEN_COUNT, 'outputTokens');
  if (stopReason !== undefined && !isStopReason(stopReason)) return invalidField(RejectionCode.INVALID_STOP_REASON, 'stopReason');
  return { ok: true, value: { ...head, content, model, inputTokens, outputTokens, ...(stopReason === undefined ? {} : { stopReason }) } };
}

function parseDeleteConversation(payload: unknown): Parsed<DeleteConversationData> {
  const shape = parseShape(payload, ['conversationId'], []);
  if (!shape.ok) return shape;
  const { conversationId } = shape.value;
  return isCanonicalUuid(conversationId) ? { ok: true, value: { conversationId } } : invalidField(RejectionCode.INVALID_CONVERSATION_ID, 'conversationId');
}

function parseStoreMemory(payload: unknown): Parsed<StoreMemoryData> {
  const shape = parseShape(payload, ['memoryId', 'content'], []);
  if (!shape.ok) return shape;
  const { memoryId, content } = shape.value;
  if (!isCanonicalUuid(memoryId)) return invalidField(RejectionCode.INVALID_MEMORY_ID, 'memoryId');
  if (!isContentBox(content, MAX_MEMORY_BYTES)) return invalidField(RejectionCode.INVALID_CONTENT, 'content');
  return { ok: true, value: { memoryId, content } };
}

function parseForgetMemory(payload: unknown): Parsed<ForgetMemoryData> {
  const shape = parseShape(payload, ['memoryId'], []);
  if (!shape.ok) return shape;
  const { memoryId } = shape.value;
  return isCanonicalUuid(memoryId) ? { ok: true, value: { memoryId } } : invalidField(RejectionCode.INVALID_MEMORY_ID, 'memoryId');
}
