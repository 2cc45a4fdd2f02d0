// Tenant commands and `decide`: the dispatch to one pure function per command, which live with
// their parsers in commands/<area>.ts. Order of checks everywhere: validation (done by parse.ts)
// → tenant status → authorization → business rules.
import type { CommandMetadata } from '../messages.ts';
import {
  chatTurn,
  deleteConversation,
  forgetMemory,
  recordAssistantReply,
  startConversation,
  storeMemory,
} from './commands/chat.ts';
import type { ChatTurn, DeleteConversation, ForgetMemory, RecordAssistantReply, StartConversation, StoreMemory } from './commands/chat.ts';
import { asActingMember } from './commands/decide-common.ts';
import type { TenantDecision } from './commands/decide-common.ts';
import { eraseUser, resealLegacySecret, rotateTenantKey } from './commands/erasure.ts';
import type { EraseUser, ResealLegacySecret, RotateTenantKey } from './commands/erasure.ts';
import { addMember, changeRole, createTenant, deleteTenant, removeMember } from './commands/membership.ts';
import type { AddMember, ChangeRole, CreateTenant, DeleteTenant, RemoveMember } from './commands/membership.ts';
import { deleteProviderKey, rotateProviderKey, storeProviderKey } from './commands/provider-keys.ts';
import type { DeleteProviderKey, RotateProviderKey, StoreProviderKey } from './commands/provider-keys.ts';
import { authorizeSourceQuery, connectSource, disconnectSource, rotateSourceCredential } from './commands/sources.ts';
import type { AuthorizeSourceQuery, ConnectSource, DisconnectSource, RotateSourceCredential } from './commands/sources.ts';
import type { CommandRejected } from './events.ts';
import type { TenantState } from './state.ts';

export type TenantCommand =
  | CreateTenant
  | AddMember
  | ChangeRole
  | RemoveMember
  | DeleteTenant
  | ConnectSource
  | RotateSourceCredential
  | DisconnectSource
  | AuthorizeSourceQuery
  | StoreProviderKey
  | RotateProviderKey
  | DeleteProviderKey
  | RotateTenantKey
  | EraseUser
  | ResealLegacySecret
  | StartConversation
  | ChatTurn
  | RecordAssistantReply
  | DeleteConversation
  | StoreMemory
  | ForgetMemory;
export type TenantCommandType = TenantCommand['type'];
/** The payload (`data`) of one command type: what a producer sends as the command's `payload`. */
export type TenantCommandData<T extends TenantCommandType> = Extract<TenantCommand, { readonly type: T }>['data'];

export const TENANT_COMMAND_TYPES: readonly TenantCommandType[] = [
  'CreateTenant',
  'AddMember',
  'ChangeRole',
  'RemoveMember',
  'DeleteTenant',
  'ConnectSource',
  'RotateSourceCredential',
  'DisconnectSource',
  'AuthorizeSourceQuery',
  'StoreProviderKey',
  'RotateProviderKey',
  'DeleteProviderKey',
  'RotateTenantKey',
  'EraseUser',
  'ResealLegacySecret',
  'StartConversation',
  'ChatTurn',
  'RecordAssistantReply',
  'DeleteConversation',
  'StoreMemory',
  'ForgetMemory',
];

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
    case 'ConnectSource':
      return asActingMember(command, state, connectSource);
    case 'RotateSourceCredential':
      return asActingMember(command, state, rotateSourceCredential);
    case 'DisconnectSource':
      return asActingMember(command, state, disconnectSource);
    case 'AuthorizeSourceQuery':
      return asActingMember(command, state, authorizeSourceQuery);
    case 'StoreProviderKey':
      return asActingMember(command, state, storeProviderKey);
    case 'RotateProviderKey':
      return asActingMember(command, state, rotateProviderKey);
    case 'DeleteProviderKey':
      return asActingMember(command, state, deleteProviderKey);
    case 'RotateTenantKey':
      return asActingMember(command, state, rotateTenantKey);
    case 'EraseUser':
      return asActingMember(command, state, eraseUser);
    case 'ResealLegacySecret':
      return resealLegacySecret(command, state);
    case 'StartConversation':
      return asActingMember(command, state, startConversation);
    case 'ChatTurn':
      return asActingMember(command, state, chatTurn);
    case 'RecordAssistantReply':
      return recordAssistantReply(command, state);
    case 'DeleteConversation':
      return asActingMember(command, state, deleteConversation);
    case 'StoreMemory':
      return asActingMember(command, state, storeMemory);
    case 'ForgetMemory':
      return asActingMember(command, state, forgetMemory);
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
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
