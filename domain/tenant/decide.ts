// Tenant commands and `decide`: one pure function per command. Order of checks everywhere:
// validation (done by parse.ts) → tenant status → authorization → business rules.
import { accept, refuse } from '../decider.ts';
import type { Decision } from '../decider.ts';
import { RejectionCode } from '../errors.ts';
import { emailKey } from '../validation.ts';
import type { Command, CommandMetadata } from '../messages.ts';
import { canAddMember, canChangeRole, canDeleteTenant, canRemoveMember } from './policy.ts';
import { ownerCount } from './state.ts';
import type { ActiveTenant, CommandRejected, Members, TenantEvent, TenantState } from './state.ts';
import type {
  AddMemberData,
  ChangeRoleData,
  CreateTenantData,
  DeleteTenantData,
  RemoveMemberData,
  Role,
} from './types.ts';

export type CreateTenant = Command<'CreateTenant', CreateTenantData>;
export type AddMember = Command<'AddMember', AddMemberData>;
export type ChangeRole = Command<'ChangeRole', ChangeRoleData>;
export type RemoveMember = Command<'RemoveMember', RemoveMemberData>;
export type DeleteTenant = Command<'DeleteTenant', DeleteTenantData>;

export type TenantCommand = CreateTenant | AddMember | ChangeRole | RemoveMember | DeleteTenant;
export type TenantCommandType = TenantCommand['type'];

export const TENANT_COMMAND_TYPES: readonly TenantCommandType[] = [
  'CreateTenant',
  'AddMember',
  'ChangeRole',
  'RemoveMember',
  'DeleteTenant',
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
