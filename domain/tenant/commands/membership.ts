// The tenant's lifecycle and its members: CreateTenant, AddMember, ChangeRole, RemoveMember,
// DeleteTenant. Parsing (untrusted JSON → command data) and `decide`, side by side.
import { accept, refuse } from '../../decider.ts';
import { RejectionCode } from '../../errors.ts';
import type { Command } from '../../messages.ts';
import { emailKey, isEmail, isOneOf, isPrincipalId, isTenantName } from '../../validation.ts';
import { canAddMember, canChangeRole, canDeleteTenant, canRemoveMember } from '../policy.ts';
import { ownerCount } from '../state.ts';
import type { ActiveTenant, Members, TenantState } from '../state.ts';
import { ROLES } from '../types.ts';
import type { AddMemberData, ChangeRoleData, CreateTenantData, DeleteTenantData, RemoveMemberData } from '../types.ts';
import { article, withReason } from './decide-common.ts';
import type { ActingMember, TenantDecision } from './decide-common.ts';
import { invalidField, parseOptionalReason, parseShape, parseUserAndReason } from './parse-common.ts';
import type { Parsed } from './parse-common.ts';

export type CreateTenant = Command<'CreateTenant', CreateTenantData>;
export type AddMember = Command<'AddMember', AddMemberData>;
export type ChangeRole = Command<'ChangeRole', ChangeRoleData>;
export type RemoveMember = Command<'RemoveMember', RemoveMemberData>;
export type DeleteTenant = Command<'DeleteTenant', DeleteTenantData>;

// Parsing

export function parseCreateTenant(payload: unknown): Parsed<CreateTenantData> {
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

export function parseAddMember(payload: unknown): Parsed<AddMemberData> {
  const shape = parseShape(payload, ['userId', 'email', 'role'], []);
  if (!shape.ok) return shape;
  const { userId, email, role } = shape.value;
  if (!isPrincipalId(userId)) return invalidField(RejectionCode.INVALID_USER_ID, 'userId');
  if (!isEmail(email)) return invalidField(RejectionCode.INVALID_EMAIL, 'email');
  if (!isOneOf(ROLES, role)) return invalidField(RejectionCode.INVALID_ROLE, 'role');
  return { ok: true, value: { userId, email, role } };
}

export function parseChangeRole(payload: unknown): Parsed<ChangeRoleData> {
  const shape = parseShape(payload, ['userId', 'role'], []);
  if (!shape.ok) return shape;
  const { userId, role } = shape.value;
  if (!isPrincipalId(userId)) return invalidField(RejectionCode.INVALID_USER_ID, 'userId');
  if (!isOneOf(ROLES, role)) return invalidField(RejectionCode.INVALID_ROLE, 'role');
  return { ok: true, value: { userId, role } };
}

export function parseRemoveMember(payload: unknown): Parsed<RemoveMemberData> {
  return parseUserAndReason(payload);
}

export function parseDeleteTenant(payload: unknown): Parsed<DeleteTenantData> {
  const shape = parseShape(payload, [], ['reason']);
  if (!shape.ok) return shape;
  const reason = parseOptionalReason(shape.value.reason);
  return reason.ok ? { ok: true, value: { ...reason.value } } : reason;
}

// Deciding

export function createTenant(command: CreateTenant, state: TenantState): TenantDecision {
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

export function addMember(command: AddMember, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
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

export function changeRole(command: ChangeRole, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
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

export function removeMember(command: RemoveMember, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
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

export function deleteTenant(command: DeleteTenant, _tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  if (!canDeleteTenant(actor.role)) return refuse(RejectionCode.FORBIDDEN, 'only an owner may delete the tenant');
  return accept({ type: 'TenantDeleted', data: withReason(command.data.reason) });
}

function isEmailInUse(members: Members, email: string): boolean {
  const key = emailKey(email);
  for (const member of members.values()) if (emailKey(member.email) === key) return true;
  return false;
}
