// Builders for tenant commands and events, so specs show only what matters to each rule.
import type { Actor, CommandMetadata } from '../../domain/messages.ts';
import type { TenantCommand, TenantEvent, Role } from '../../domain/tenant/index.ts';

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
