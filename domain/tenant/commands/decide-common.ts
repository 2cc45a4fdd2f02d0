// What every command's `decide` shares: the preamble that establishes the acting member, and
// the small builders of decided events (pending secrets, optional reasons, refusal wording).
import { refuse } from '../../decider.ts';
import type { Decision } from '../../decider.ts';
import { RejectionCode } from '../../errors.ts';
import type { Command } from '../../messages.ts';
import type { TenantEvent } from '../events.ts';
import type { ActiveTenant, TenantState } from '../state.ts';
import type { PendingSecret, Role, SecretBinding } from '../types.ts';

export type TenantDecision = Decision<TenantEvent>;

/** The acting user's id and role, established from the tenant's membership. */
export interface ActingMember {
  readonly userId: string;
  readonly role: Role;
}

type MemberCommandHandler<C> = (command: C, tenant: ActiveTenant, actor: ActingMember) => TenantDecision;

/** Shared preamble of every command on an existing tenant: status, then membership. */
export function asActingMember<C extends Command<string, unknown>>(
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

/** What the processor needs to seal an intake box: the binding, and whose DEK at which version. */
export function pendingSecret(box: string, binding: SecretBinding, tenant: ActiveTenant, ownerId: string, maxBytes?: number): PendingSecret {
  const owner = { tenantId: binding.tenantId, userId: ownerId, keyVersion: tenant.keyVersion };
  return maxBytes === undefined ? { pending: 'intake', box, binding, owner } : { pending: 'intake', box, binding, owner, maxBytes };
}

/** A legacy `salt:iv:ct` value in an intake box: the processor decrypts it, then seals it like any secret. */
export function pendingLegacySecret(box: string, binding: SecretBinding, tenant: ActiveTenant, ownerId: string): PendingSecret {
  return { ...pendingSecret(box, binding, tenant, ownerId), legacy: true };
}

/** Unreachable through parse.ts; a command built in code is held to the same rule. */
export function exactlyOne(field: string, legacyField: string): TenantDecision {
  return refuse(RejectionCode.INVALID_PAYLOAD, `exactly one of "${field}" and "${legacyField}" is required`);
}

/** Optional fields are absent, never undefined or null (types.ts). */
export function withReason(reason: string | undefined): { reason?: string } {
  return reason === undefined ? {} : { reason };
}

export function article(role: string): string {
  return /^[aeiou]/.test(role) ? 'an' : 'a';
}
