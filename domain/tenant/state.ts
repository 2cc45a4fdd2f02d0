// Tenant events, the state they build, and `evolve`. The processor keeps one TenantState per
// tenant in memory, so state holds only what `decide` needs: status, name and members.
import type { DomainEvent } from '../messages.ts';
import type {
  CommandRejectedData,
  MemberAddedData,
  MemberRemovedData,
  MemberRoleChangedData,
  Role,
  TenantCreatedData,
  TenantDeletedData,
} from './types.ts';

export type TenantCreated = DomainEvent<'TenantCreated', TenantCreatedData>;
export type MemberAdded = DomainEvent<'MemberAdded', MemberAddedData>;
export type MemberRoleChanged = DomainEvent<'MemberRoleChanged', MemberRoleChangedData>;
export type MemberRemoved = DomainEvent<'MemberRemoved', MemberRemovedData>;
export type TenantDeleted = DomainEvent<'TenantDeleted', TenantDeletedData>;
export type CommandRejected = DomainEvent<'CommandRejected', CommandRejectedData>;

export type TenantEvent =
  | TenantCreated
  | MemberAdded
  | MemberRoleChanged
  | MemberRemoved
  | TenantDeleted
  | CommandRejected;

export type TenantEventType = TenantEvent['type'];

export interface Membership {
  readonly role: Role;
  readonly email: string;
}

export type Members = ReadonlyMap<string, Membership>;

export type AbsentTenant = { readonly status: 'absent' };
export type ActiveTenant = { readonly status: 'active'; readonly name: string; readonly members: Members };
// A deleted tenant keeps nothing: every command on it is refused, and its id is never reused.
export type DeletedTenant = { readonly status: 'deleted' };

export type TenantState = AbsentTenant | ActiveTenant | DeletedTenant;

const ABSENT: AbsentTenant = Object.freeze({ status: 'absent' });
const DELETED: DeletedTenant = Object.freeze({ status: 'deleted' });

export function initialState(): TenantState {
  return ABSENT;
}

export function ownerCount(members: Members): number {
  let owners = 0;
  for (const member of members.values()) if (member.role === 'owner') owners += 1;
  return owners;
}

/**
 * Applies one event. Total by design: an event that cannot apply to the current status (which
 * `decide` never emits) leaves the state unchanged rather than throwing mid-replay.
 */
export function evolve(state: TenantState, event: TenantEvent): TenantState {
  switch (event.type) {
    case 'TenantCreated':
      if (state.status !== 'absent') return state;
      return tenantCreated(event.data);
    case 'MemberAdded':
    case 'MemberRoleChanged':
    case 'MemberRemoved':
      if (state.status !== 'active') return state;
      return { ...state, members: evolveMembers(state.members, event) };
    case 'TenantDeleted':
      return state.status === 'active' ? DELETED : state;
    case 'CommandRejected':
      return state;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

function tenantCreated({ name, owner }: TenantCreatedData): ActiveTenant {
  return { status: 'active', name, members: new Map([[owner.userId, { role: 'owner', email: owner.email }]]) };
}

function evolveMembers(members: Members, event: MemberAdded | MemberRoleChanged | MemberRemoved): Members {
  const next = new Map(members);
  switch (event.type) {
    case 'MemberAdded':
      next.set(event.data.userId, { role: event.data.role, email: event.data.email });
      return next;
    case 'MemberRoleChanged': {
      const member = members.get(event.data.userId);
      if (member !== undefined) next.set(event.data.userId, { ...member, role: event.data.to });
      return next;
    }
    case 'MemberRemoved':
      next.delete(event.data.userId);
      return next;
  }
}
