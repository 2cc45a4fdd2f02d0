// What acts on the users' data keys: EraseUser (their keys are destroyed, crypto-shredding all
// they own), RotateTenantKey (new secrets go under the next key version) and ResealLegacySecret
// (a legacy value sealed under a data key for the first time). Parsing and `decide`, side by side.
import { accept, refuse } from '../../decider.ts';
import { RejectionCode } from '../../errors.ts';
import type { Command } from '../../messages.ts';
import { isCanonicalUuid, isIntakeBox, isIntegerInRange, isOneOf, isPrincipalId } from '../../validation.ts';
import { canEraseUser, canRotateTenantKey } from '../policy.ts';
import { providerKeyBinding, sourceCredentialBinding } from '../secrets.ts';
import { ownerCount, providerKeyOf } from '../state.ts';
import type { ActiveTenant, TenantState } from '../state.ts';
import type { EraseUserData, Provider, ResealLegacySecretData, RotateTenantKeyData } from '../types.ts';
import { article, pendingSecret } from './decide-common.ts';
import type { ActingMember, TenantDecision } from './decide-common.ts';
import { invalidField, parseProvider, parseShape, parseUserAndReason, refused } from './parse-common.ts';
import type { Parsed } from './parse-common.ts';
import { connectedSource } from './sources.ts';

export type RotateTenantKey = Command<'RotateTenantKey', RotateTenantKeyData>;
export type EraseUser = Command<'EraseUser', EraseUserData>;
export type ResealLegacySecret = Command<'ResealLegacySecret', ResealLegacySecretData>;

const RESEAL_TARGETS: readonly ResealLegacySecretData['target'][] = ['provider-key', 'source-credential'];
/** Versions are Avro ints. */
const MAX_VERSION = 2_147_483_647;

// Parsing

export function parseRotateTenantKey(payload: unknown): Parsed<RotateTenantKeyData> {
  const shape = parseShape(payload, [], []);
  return shape.ok ? { ok: true, value: {} } : shape;
}

export function parseEraseUser(payload: unknown): Parsed<EraseUserData> {
  return parseUserAndReason(payload);
}

/**
 * The target decides the rest of the shape: a provider key is named by `provider`, a source
 * credential by `sourceId`, never both. So: common shape → target → the target's shape → values.
 */
export function parseResealLegacySecret(payload: unknown): Parsed<ResealLegacySecretData> {
  const common = ['target', 'userId', 'version', 'secret'];
  const shape = parseShape(payload, common, ['provider', 'sourceId']);
  if (!shape.ok) return shape;
  const { target } = shape.value;
  if (!isOneOf(RESEAL_TARGETS, target)) return invalidField(RejectionCode.INVALID_TARGET, 'target');
  const [named, other] = target === 'provider-key' ? ['provider', 'sourceId'] : ['sourceId', 'provider'];
  if (shape.value[named] === undefined) return refused(RejectionCode.INVALID_PAYLOAD, `missing field "${named}" (target ${target})`);
  if (shape.value[other] !== undefined) return refused(RejectionCode.INVALID_PAYLOAD, `unknown field "${other}" (target ${target})`);
  const { userId, version, secret } = shape.value;
  if (!isPrincipalId(userId)) return invalidField(RejectionCode.INVALID_USER_ID, 'userId');
  let subject: { provider: Provider } | { sourceId: string };
  if (target === 'provider-key') {
    const provider = parseProvider(shape.value.provider);
    if (!provider.ok) return provider;
    subject = { provider: provider.value };
  } else {
    const { sourceId } = shape.value;
    if (!isCanonicalUuid(sourceId)) return invalidField(RejectionCode.INVALID_SOURCE_ID, 'sourceId');
    subject = { sourceId };
  }
  if (!isIntegerInRange(version, 1, MAX_VERSION)) return invalidField(RejectionCode.INVALID_VERSION, 'version');
  if (!isIntakeBox(secret)) return invalidField(RejectionCode.INVALID_SECRET, 'secret');
  return { ok: true, value: { target, userId, ...subject, version, secret } };
}

// Deciding

export function rotateTenantKey(_command: RotateTenantKey, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  if (!canRotateTenantKey(actor.role)) return refuse(RejectionCode.FORBIDDEN, 'only an owner or admin may rotate the tenant key');
  return accept({ type: 'TenantKeyRotated', data: { keyVersion: tenant.keyVersion + 1 } });
}

export function eraseUser(command: EraseUser, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { userId } = command.data;
  const target = tenant.members.get(userId);
  if (!canEraseUser(actor.role, target?.role, userId === actor.userId)) {
    return refuse(RejectionCode.FORBIDDEN, `${article(actor.role)} ${actor.role} may not erase this user`);
  }
  if (tenant.erasedUsers.has(userId)) return refuse(RejectionCode.USER_ERASED, `"${userId}" was already erased`);
  if (target === undefined) return refuse(RejectionCode.MEMBER_NOT_FOUND, `"${userId}" is not a member`);
  if (target.role === 'owner' && ownerCount(tenant.members) === 1) {
    return refuse(RejectionCode.LAST_OWNER, 'the last owner cannot be erased');
  }
  // The reason is for the command's record (CommandResult, logs), not the chain: the event
  // that outlives the user's data says only that they were erased.
  return accept({ type: 'UserErased', data: { userId } });
}

/**
 * A service met a legacy value on first use and sends it back through intake to be sealed as
 * v2. Only services and the system may; it happens once per value: `version` must be the
 * version the service read, and that version must still be legacy.
 */
export function resealLegacySecret(command: ResealLegacySecret, state: TenantState): TenantDecision {
  if (state.status === 'deleted') return refuse(RejectionCode.TENANT_DELETED, 'tenant has been deleted');
  if (state.status === 'absent') return refuse(RejectionCode.TENANT_NOT_FOUND, 'tenant does not exist');
  const { actor, tenantId } = command.metadata;
  if (actor.kind === 'user') return refuse(RejectionCode.FORBIDDEN, 'only a service or the system may re-seal a legacy secret');
  const { target, userId, provider, sourceId, version, secret } = command.data;
  if (target === 'provider-key' && provider !== undefined) {
    const key = providerKeyOf(state, userId, provider);
    if (key === undefined) return refuse(RejectionCode.PROVIDER_KEY_NOT_FOUND, `"${userId}" has no ${provider} key`);
    if (!key.legacy || key.version !== version) return alreadyResealed(version);
    const binding = providerKeyBinding(tenantId, userId, provider);
    return accept({
      type: 'LegacySecretResealed',
      data: { target, userId, provider, version, mask: '', secret: pendingSecret(secret, binding, state, userId) },
    });
  }
  if (target === 'source-credential' && sourceId !== undefined) {
    const source = connectedSource(state, sourceId);
    if (source === undefined || source.ownerId !== userId) {
      return refuse(RejectionCode.SOURCE_NOT_FOUND, `"${userId}" has no connected source "${sourceId}"`);
    }
    if (!source.legacy || source.credentialVersion !== version) return alreadyResealed(version);
    const binding = sourceCredentialBinding(tenantId, sourceId);
    return accept({
      type: 'LegacySecretResealed',
      data: { target, userId, sourceId, version, secret: pendingSecret(secret, binding, state, userId) },
    });
  }
  // Unreachable through parse.ts, which requires exactly the field the target names.
  return refuse(RejectionCode.INVALID_PAYLOAD, `target ${target} needs its ${target === 'provider-key' ? 'provider' : 'sourceId'}`);
}

function alreadyResealed(version: number): TenantDecision {
  return refuse(RejectionCode.LEGACY_ALREADY_RESEALED, `version ${version} is no longer a legacy value`);
}
