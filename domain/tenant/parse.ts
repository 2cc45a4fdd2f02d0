// Untrusted JSON in, typed command out. Checks run in a fixed order so a given bad input always
// yields the same code: command type → tenant id → command id → actor → payload shape → fields
// (in the order the payload type declares them). Each command's parser lives with its `decide`
// in commands/<area>.ts; this is the dispatch and the metadata check.
import { RejectionCode } from '../errors.ts';
import type { ActorKind, CommandMetadata } from '../messages.ts';
import { isCanonicalUuid, isOneOf, isPlainObject, isPrincipalId } from '../validation.ts';
import {
  parseChatTurn,
  parseDeleteConversation,
  parseForgetMemory,
  parseRecordAssistantReply,
  parseStartConversation,
  parseStoreMemory,
} from './commands/chat.ts';
import { parseEraseUser, parseResealLegacySecret, parseRotateTenantKey } from './commands/erasure.ts';
import { parseAddMember, parseChangeRole, parseCreateTenant, parseDeleteTenant, parseRemoveMember } from './commands/membership.ts';
import { refused } from './commands/parse-common.ts';
import type { Parsed, Refused } from './commands/parse-common.ts';
import { parseDeleteProviderKey, parseRotateProviderKey, parseStoreProviderKey } from './commands/provider-keys.ts';
import { parseAuthorizeSourceQuery, parseConnectSource, parseDisconnectSource, parseRotateSourceCredential } from './commands/sources.ts';
import { TENANT_COMMAND_TYPES } from './decide.ts';
import type { TenantCommand } from './decide.ts';

export type ParseResult = { readonly ok: true; readonly command: TenantCommand } | Refused;

const ACTOR_KINDS: readonly ActorKind[] = ['user', 'service', 'system'];

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
