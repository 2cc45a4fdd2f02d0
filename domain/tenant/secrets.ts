// Where each secret of the tenant aggregate belongs, in one place: producers seal intake boxes
// with these bindings, `decide` puts the same binding in every PendingSecret it emits, and the
// processor opens the box and seals the value under exactly it (crypto/vault/binding.ts). A box or a
// sealed value made for one tenant, user, source or field therefore opens nowhere else.
import type { PendingSecret, Provider, SecretBinding, SecretSlot } from './types.ts';

export const PROVIDER_KEY_PURPOSE = 'provider-key';
export const SOURCE_CREDENTIAL_PURPOSE = 'source-credential';
/** A source has one credential: its whole connection config, sealed as one JSON document. */
export const SOURCE_CREDENTIAL_FIELD = 'config';

/** A user's API key for one provider: subject is the user, field the provider. */
export function providerKeyBinding(tenantId: string, userId: string, provider: Provider): SecretBinding {
  return { tenantId, subject: userId, purpose: PROVIDER_KEY_PURPOSE, field: provider };
}

/** A source's connection config: subject is the source (its owner is in the event, not the binding). */
export function sourceCredentialBinding(tenantId: string, sourceId: string): SecretBinding {
  return { tenantId, subject: sourceId, purpose: SOURCE_CREDENTIAL_PURPOSE, field: SOURCE_CREDENTIAL_FIELD };
}

/** The key id of a user's data key (DEK); its versions are the tenant's key versions. */
export function dekKid(userId: string): string {
  return `dek-${userId}`;
}

/** True for a slot `decide` filled with an intake box, which the processor has yet to seal. */
export function isPendingSecret(slot: SecretSlot): slot is PendingSecret {
  return 'pending' in slot;
}
