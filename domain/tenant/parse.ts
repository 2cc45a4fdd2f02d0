// Untrusted JSON in, typed command out. Checks run in a fixed order so a given bad input always
// yields the same code: command type → tenant id → command id → actor → payload shape → fields
// (in the order the payload type declares them).
import { rejection, RejectionCode } from '../errors.ts';
import type { Rejection } from '../errors.ts';
import type { ActorKind, CommandMetadata } from '../messages.ts';
import {
  findShapeProblem,
  isCanonicalUuid,
  isEmail,
  isOneOf,
  isPlainObject,
  isPrincipalId,
  isReason,
  isTenantName,
} from '../validation.ts';
import { TENANT_COMMAND_TYPES } from './decide.ts';
import type { TenantCommand } from './decide.ts';
import { ROLES } from './types.ts';
import type {
  AddMemberData,
  ChangeRoleData,
  CreateTenantData,
  DeleteTenantData,
  RemoveMemberData,
} from './types.ts';

type Refused = { readonly ok: false; readonly rejection: Rejection };
export type ParseResult = { readonly ok: true; readonly command: TenantCommand } | Refused;
type Parsed<T> = { readonly ok: true; readonly value: T } | Refused;

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
