// Public surface of the tenant aggregate. Everything outside domain/ imports from here.
import type { Decider } from '../decider.ts';
import { decide } from './decide.ts';
import type { TenantCommand } from './decide.ts';
import { evolve, initialState } from './state.ts';
import type { TenantEvent, TenantState } from './state.ts';

export const tenantDecider: Decider<TenantState, TenantCommand, TenantEvent> = { decide, evolve, initialState };

export { decide, commandRejected, TENANT_COMMAND_TYPES } from './decide.ts';
export type {
  AddMember,
  ChangeRole,
  CreateTenant,
  DeleteTenant,
  RemoveMember,
  TenantCommand,
  TenantCommandType,
} from './decide.ts';
export { evolve, initialState, ownerCount } from './state.ts';
export type {
  ActiveTenant,
  AbsentTenant,
  CommandRejected,
  DeletedTenant,
  MemberAdded,
  MemberRemoved,
  MemberRoleChanged,
  Members,
  Membership,
  TenantCreated,
  TenantDeleted,
  TenantEvent,
  TenantEventType,
  TenantState,
} from './state.ts';
export { parseTenantCommand } from './parse.ts';
export type { ParseResult } from './parse.ts';
export { ROLES } from './types.ts';
export type * from './types.ts';
export type { Decider, Decision } from '../decider.ts';
export { RejectionCode, REJECTION_CODES } from '../errors.ts';
export type { Rejection } from '../errors.ts';
