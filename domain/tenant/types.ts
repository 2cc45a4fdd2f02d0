// Payload shapes of the tenant aggregate. These are the `payload` objects of the logical
// command and event JSON (docs/spec.md "Event envelope"), field for field; the Avro schemas in
// schemas/commands and schemas/events mirror them. Optional fields are absent, never null.

export type Role = 'owner' | 'admin' | 'member' | 'viewer';
export const ROLES: readonly Role[] = ['owner', 'admin', 'member', 'viewer'];

export interface UserRef {
  readonly userId: string;
  readonly email: string;
}

// Commands (imperative)
export interface CreateTenantData { readonly name: string; readonly owner: UserRef }
export interface AddMemberData { readonly userId: string; readonly email: string; readonly role: Role }
export interface ChangeRoleData { readonly userId: string; readonly role: Role }
export interface RemoveMemberData { readonly userId: string; readonly reason?: string }
export interface DeleteTenantData { readonly reason?: string }

// Events (past tense)
export interface TenantCreatedData { readonly name: string; readonly owner: UserRef }
export interface MemberAddedData { readonly userId: string; readonly email: string; readonly role: Role }
export interface MemberRoleChangedData { readonly userId: string; readonly from: Role; readonly to: Role }
export interface MemberRemovedData { readonly userId: string; readonly reason?: string }
export interface TenantDeletedData { readonly reason?: string }
/** An authorization refusal, recorded in the target tenant's chain (docs/spec.md "Commands"). */
export interface CommandRejectedData {
  readonly commandType: string;
  readonly code: string;
  readonly claimedActor: { readonly kind: string; readonly id: string };
  readonly producerKeyId?: string;
}

// ---------------------------------------------------------------------------------------------
// Sources, provider keys, tenant keys and erasure (the vault, docs/spec.md "Credentials and keys").
//
// A secret never appears here in plaintext. Commands carry it as an intake box: base64url
// (unpadded) of crypto_box_seal to the processor's intake public key, made by producers/ with
// the binding below. `decide` emits a PendingSecret where the event will hold a sealed value;
// the processor opens the box, seals the secret under the owner's DEK and writes the SealedSecret
// (and the provider key's mask) before the event is hashed. A legacy value (`salt:iv:ct` hex,
// encrypted under the old system's secret) is imported inside an intake box too; the processor
// decrypts it and seals the plaintext, so it enters no event. Events written before that carry it
// as-is (`legacySecret`, `legacyCredential`) and it is re-sealed on first use.

export const SOURCE_KINDS = ['postgres', 'mysql', 'snowflake', 'slack', 'github', 'gitlab', 'google-drive', 'salesforce'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
export const PROVIDERS = ['anthropic', 'openai', 'google', 'mistral', 'cohere'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** Sealed value v2 as stored in an event (crypto/vault/sealed-value.ts; n and ct unpadded base64url). */
export interface SealedSecret { readonly v: 2; readonly kid: string; readonly kv: number; readonly n: string; readonly ct: string }

/** What a sealed value is bound to (crypto/vault/binding.ts). The intake box carries the same binding. */
export interface SecretBinding { readonly tenantId: string; readonly subject: string; readonly purpose: string; readonly field: string }

/** Whose data key seals a secret: always a user's (erasing the user destroys it). */
export interface SecretOwner { readonly tenantId: string; readonly userId: string; readonly keyVersion: number }

/** Emitted by `decide` in place of a SealedSecret; never appended as such (the processor seals it). */
export interface PendingSecret {
  readonly pending: 'intake';
  readonly box: string;
  readonly binding: SecretBinding;
  readonly owner: SecretOwner;
  /** The most plaintext bytes the box may hold (chat content); the processor refuses more (MESSAGE_TOO_LONG). */
  readonly maxBytes?: number;
  /**
   * The box holds a legacy `salt:iv:ct` value (an import): the processor decrypts it with the
   * legacy secret and seals the plaintext like any other, so no legacy ciphertext enters an event.
   */
  readonly legacy?: true;
}

export type SecretSlot = SealedSecret | PendingSecret;

// Commands
export interface ConnectSourceData {
  readonly sourceId: string;
  readonly kind: SourceKind;
  readonly name: string;
  /** Intake box of the source's config (JSON: host, user, password, token, ...). */
  readonly credential?: string;
  /** Intake box of a legacy `salt:iv:ct` value instead (import); exactly one of the two. */
  readonly legacyCredential?: string;
}
export interface RotateSourceCredentialData { readonly sourceId: string; readonly credential: string }
export interface DisconnectSourceData { readonly sourceId: string; readonly reason?: string }
export interface AuthorizeSourceQueryData {
  readonly sourceId: string;
  /** Lowercase hex SHA-256 of the query text (the client hashes; the query never enters Kafka). */
  readonly queryHash: string;
  readonly maxRows: number;
  readonly maxBytes: number;
}
/** `legacyApiKey`: the intake box of a legacy `salt:iv:ct` value (an import) instead of `apiKey`. */
export interface StoreProviderKeyData { readonly provider: Provider; readonly apiKey?: string; readonly legacyApiKey?: string }
export interface RotateProviderKeyData { readonly provider: Provider; readonly apiKey: string }
export interface DeleteProviderKeyData { readonly provider: Provider }
export type RotateTenantKeyData = Record<string, never>;
export interface EraseUserData { readonly userId: string; readonly reason?: string }
/**
 * A service that met a legacy value on first use re-sends it through intake (sealed by the
 * service); the processor re-seals it as v2 exactly once. `version` is the version it read.
 */
export interface ResealLegacySecretData {
  readonly target: 'provider-key' | 'source-credential';
  readonly userId: string;
  readonly provider?: Provider;
  readonly sourceId?: string;
  readonly version: number;
  readonly secret: string;
}

// Events
export interface SourceConnectedData {
  readonly sourceId: string;
  readonly ownerId: string;
  readonly kind: SourceKind;
  readonly name: string;
  readonly credentialVersion: number;
  readonly credential?: SecretSlot;
  /** Only in events written before legacy imports were sealed at intake (never emitted now). */
  readonly legacyCredential?: string;
}
export interface SourceCredentialRotatedData { readonly sourceId: string; readonly ownerId: string; readonly credentialVersion: number; readonly credential: SecretSlot }
export interface SourceDisconnectedData { readonly sourceId: string; readonly ownerId: string; readonly by: 'owner' | 'admin'; readonly reason?: string }
export interface SourceQueryAuthorizedData { readonly sourceId: string; readonly ownerId: string; readonly queryHash: string; readonly maxRows: number; readonly maxBytes: number }
/**
 * Matches the golden vector: { userId, provider, mask, secret } (version 1 is implied). `mask` is
 * filled in by the processor; for a legacy import it is "…" until the value is re-sealed.
 */
export interface ProviderKeyStoredData {
  readonly userId: string;
  readonly provider: Provider;
  readonly mask: string;
  readonly secret?: SecretSlot;
  /** Only in events written before legacy imports were sealed at intake (never emitted now). */
  readonly legacySecret?: string;
}
export interface ProviderKeyRotatedData { readonly userId: string; readonly provider: Provider; readonly mask: string; readonly version: number; readonly secret: SecretSlot }
export interface ProviderKeyDeletedData { readonly userId: string; readonly provider: Provider }
export interface TenantKeyRotatedData { readonly keyVersion: number }
export interface UserErasedData { readonly userId: string }
export interface LegacySecretResealedData {
  readonly target: 'provider-key' | 'source-credential';
  readonly userId: string;
  readonly provider?: Provider;
  readonly sourceId?: string;
  readonly version: number;
  readonly mask?: string;
  readonly secret: SecretSlot;
}
