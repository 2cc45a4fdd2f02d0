// Provider keys: StoreProviderKey, RotateProviderKey, DeleteProviderKey. Parsing and `decide`,
// side by side. Every command acts on the actor's own key: none names a user, so no member can
// reach another member's key, whatever they know.
import { accept, refuse } from '../../decider.ts';
import { RejectionCode } from '../../errors.ts';
import type { Command } from '../../messages.ts';
import { isIntakeBox } from '../../validation.ts';
import { canOwnSecrets } from '../policy.ts';
import { providerKeyBinding } from '../secrets.ts';
import { providerKeyOf } from '../state.ts';
import type { ActiveTenant } from '../state.ts';
import type { DeleteProviderKeyData, RotateProviderKeyData, StoreProviderKeyData } from '../types.ts';
import { article, exactlyOne, pendingLegacySecret, pendingSecret } from './decide-common.ts';
import type { ActingMember, TenantDecision } from './decide-common.ts';
import { exactlyOneOf, invalidField, parseProvider, parseSecretPair, parseShape } from './parse-common.ts';
import type { Parsed } from './parse-common.ts';

export type StoreProviderKey = Command<'StoreProviderKey', StoreProviderKeyData>;
export type RotateProviderKey = Command<'RotateProviderKey', RotateProviderKeyData>;
export type DeleteProviderKey = Command<'DeleteProviderKey', DeleteProviderKeyData>;

// Parsing

export function parseStoreProviderKey(payload: unknown): Parsed<StoreProviderKeyData> {
  const shape = parseShape(payload, ['provider'], ['apiKey', 'legacyApiKey']);
  if (!shape.ok) return shape;
  const notOne = exactlyOneOf(shape.value, 'apiKey', 'legacyApiKey');
  if (notOne !== undefined) return notOne;
  const provider = parseProvider(shape.value.provider);
  if (!provider.ok) return provider;
  const secret = parseSecretPair(shape.value, 'apiKey', 'legacyApiKey');
  if (!secret.ok) return secret;
  return { ok: true, value: { provider: provider.value, ...secret.value } };
}

export function parseRotateProviderKey(payload: unknown): Parsed<RotateProviderKeyData> {
  const shape = parseShape(payload, ['provider', 'apiKey'], []);
  if (!shape.ok) return shape;
  const provider = parseProvider(shape.value.provider);
  if (!provider.ok) return provider;
  const { apiKey } = shape.value;
  if (!isIntakeBox(apiKey)) return invalidField(RejectionCode.INVALID_SECRET, 'apiKey');
  return { ok: true, value: { provider: provider.value, apiKey } };
}

export function parseDeleteProviderKey(payload: unknown): Parsed<DeleteProviderKeyData> {
  const shape = parseShape(payload, ['provider'], []);
  if (!shape.ok) return shape;
  const provider = parseProvider(shape.value.provider);
  return provider.ok ? { ok: true, value: { provider: provider.value } } : provider;
}

// Deciding

export function storeProviderKey(command: StoreProviderKey, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { provider, apiKey, legacyApiKey } = command.data;
  if (!canOwnSecrets(actor.role)) return refuse(RejectionCode.FORBIDDEN, `${article(actor.role)} ${actor.role} may not store a provider key`);
  if (providerKeyOf(tenant, actor.userId, provider) !== undefined) {
    return refuse(RejectionCode.PROVIDER_KEY_EXISTS, `you already have a ${provider} key; rotate it instead`);
  }
  const userId = actor.userId;
  const binding = providerKeyBinding(command.metadata.tenantId, userId, provider);
  // The processor fills the empty mask when it seals (a legacy import once it is decrypted).
  const data =
    apiKey !== undefined ? { userId, provider, mask: '', secret: pendingSecret(apiKey, binding, tenant, userId) }
    : legacyApiKey !== undefined ? { userId, provider, mask: '', secret: pendingLegacySecret(legacyApiKey, binding, tenant, userId) }
    : undefined;
  if (data === undefined) return exactlyOne('apiKey', 'legacyApiKey');
  return accept({ type: 'ProviderKeyStored', data });
}

export function rotateProviderKey(command: RotateProviderKey, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { provider, apiKey } = command.data;
  const key = providerKeyOf(tenant, actor.userId, provider);
  if (key === undefined) return refuse(RejectionCode.PROVIDER_KEY_NOT_FOUND, `you have no ${provider} key`);
  const userId = actor.userId;
  const binding = providerKeyBinding(command.metadata.tenantId, userId, provider);
  return accept({
    type: 'ProviderKeyRotated',
    data: { userId, provider, mask: '', version: key.version + 1, secret: pendingSecret(apiKey, binding, tenant, userId) },
  });
}

export function deleteProviderKey(command: DeleteProviderKey, tenant: ActiveTenant, actor: ActingMember): TenantDecision {
  const { provider } = command.data;
  if (providerKeyOf(tenant, actor.userId, provider) === undefined) {
    return refuse(RejectionCode.PROVIDER_KEY_NOT_FOUND, `you have no ${provider} key`);
  }
  return accept({ type: 'ProviderKeyDeleted', data: { userId: actor.userId, provider } });
}
