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
  AuthorizeSourceQuery,
  ChangeRole,
  ConnectSource,
  CreateTenant,
  DeleteProviderKey,
  DeleteTenant,
  DisconnectSource,
  EraseUser,
  RemoveMember,
  ResealLegacySecret,
  RotateProviderKey,
  RotateSourceCredential,
  RotateTenantKey,
  StoreProviderKey,
  TenantCommand,
  TenantCommandType,
} from './decide.ts';
export { evolve, initialState, INITIAL_KEY_VERSION, ownerCount, providerKeyOf, TENANT_EVENT_TYPES } from './state.ts';
export type {
  ActiveTenant,
  AbsentTenant,
  CommandRejected,
  DeletedTenant,
  LegacySecretResealed,
  MemberAdded,
  MemberRemoved,
  MemberRoleChanged,
  Members,
  Membership,
  ProviderKeyDeleted,
  ProviderKeyRotated,
  ProviderKeys,
  ProviderKeyState,
  ProviderKeyStored,
  SourceConnected,
  SourceCredentialRotated,
  SourceDisconnected,
  SourceQueryAuthorized,
  Sources,
  SourceState,
  TenantCreated,
  TenantDeleted,
  TenantEvent,
  TenantEventType,
  TenantKeyRotated,
  TenantState,
  UserErased,
} from './state.ts';
export { MAX_QUERY_BYTES, MAX_QUERY_ROWS, parseTenantCommand } from './parse.ts';
export type { ParseResult } from './parse.ts';
export {
  dekKid,
  isPendingSecret,
  PROVIDER_KEY_PURPOSE,
  providerKeyBinding,
  SOURCE_CREDENTIAL_FIELD,
  SOURCE_CREDENTIAL_PURPOSE,
  sourceCredentialBinding,
} from './secrets.ts';
export { PROVIDERS, ROLES, SOURCE_KINDS } from './types.ts';
export type * from './types.ts';
export type { Decider, Decision } from '../decider.ts';
export { RejectionCode, REJECTION_CODES } from '../errors.ts';
export type { Rejection } from '../errors.ts';
