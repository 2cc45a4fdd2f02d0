// Role-based access control of the tenant aggregate, in one place. Permission comes only from
// the actor's role in the tenant's state, never from anything the command claims.
// The full matrix is in domain/tenant/README.md and test/domain/tenant-rbac.unit.test.ts.
import type { Role } from './types.ts';

/** Owners manage everyone; admins manage everyone except owners. */
function mayManage(actor: Role, target: Role | undefined): boolean {
  return actor === 'owner' || (actor === 'admin' && target !== 'owner');
}

/** Only owners may make someone an owner. */
function mayGrant(actor: Role, role: Role): boolean {
  return actor === 'owner' || (actor === 'admin' && role !== 'owner');
}

export function canAddMember(actor: Role, role: Role): boolean {
  return mayManage(actor, undefined) && mayGrant(actor, role);
}

/** `target` is undefined when the user is not a member; the caller then reports MEMBER_NOT_FOUND. */
export function canChangeRole(actor: Role, target: Role | undefined, to: Role): boolean {
  return mayManage(actor, target) && mayGrant(actor, to);
}

/** Any member may leave; removing someone else takes management rights over them. */
export function canRemoveMember(actor: Role, target: Role | undefined, isSelf: boolean): boolean {
  return isSelf || mayManage(actor, target);
}

export function canDeleteTenant(actor: Role): boolean {
  return actor === 'owner';
}

/** Anyone who may write in the tenant: everyone but viewers (read only). */
export function canOwnSecrets(actor: Role): boolean {
  return actor !== 'viewer';
}

/** A source is disconnected by its owner, or by a tenant owner or admin (integrations). */
export function canDisconnectSource(actor: Role, isSourceOwner: boolean): boolean {
  return isSourceOwner || actor === 'owner' || actor === 'admin';
}

export function canRotateTenantKey(actor: Role): boolean {
  return actor === 'owner' || actor === 'admin';
}

/** The same rule as removal: anyone may erase themselves; erasing someone else takes management rights. */
export function canEraseUser(actor: Role, target: Role | undefined, isSelf: boolean): boolean {
  return isSelf || mayManage(actor, target);
}

/** Chatting and storing memories writes in the tenant: everyone but viewers. What a user has
 * written (conversations, memories) only they may use, delete or forget, whatever their role. */
export function canChat(actor: Role): boolean {
  return actor !== 'viewer';
}
