// Payload builders for the commands that carry a secret (docs/spec.md "Secret intake"). The secret
// is sealed to the processor's intake public key before it leaves the upstream service, bound to
// the tenant, owner, purpose and field the processor will derive from the verified command: so
// no plaintext is ever in a Kafka record, and a captured box opens nowhere else.
import { createHash } from 'node:crypto';
import { providerKeyBinding, sourceCredentialBinding } from '../domain/tenant/secrets.ts';
import type {
  AuthorizeSourceQueryData,
  ConnectSourceData,
  Provider,
  RotateProviderKeyData,
  RotateSourceCredentialData,
  SourceKind,
  StoreProviderKeyData,
} from '../domain/tenant/types.ts';
import type { JsonObject } from '../domain/logical.ts';
import type { Binding } from '../crypto/vault/binding.ts';
import { fromBase64Url, toBase64Url } from '../crypto/vault/encoding.ts';
import { sealToIntake } from '../crypto/vault/intake.ts';
import { PublishError } from './errors.ts';

/** The processor's intake public key (32 bytes; `palisade vault intake-key` prints it). */
export function parseIntakePublicKey(text: string): Buffer {
  const key = fromBase64Url(text.trim());
  if (key?.byteLength !== 32) throw new PublishError('INVALID_COMMAND', 'the intake public key must be 32 bytes of unpadded base64url (palisade vault intake-key)');
  return key;
}

/** A secret sealed for `binding`, as commands carry it. Strings are UTF-8; the copy is zeroed. */
export function sealSecret(secret: string | Uint8Array, intakePublicKey: Uint8Array, binding: Binding): string {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  try {
    return toBase64Url(sealToIntake(bytes, intakePublicKey, binding));
  } finally {
    if (typeof secret === 'string') bytes.fill(0);
  }
}

export interface ProviderKeyInput {
  readonly tenantId: string;
  /** The user the key belongs to: the actor of the command. */
  readonly userId: string;
  readonly provider: Provider;
  readonly apiKey: string | Uint8Array;
}

/** StoreProviderKey's payload, and RotateProviderKey's: the same fields. */
export function storeProviderKeyPayload(input: ProviderKeyInput, intakePublicKey: Uint8Array): RotateProviderKeyData {
  const binding = providerKeyBinding(input.tenantId, input.userId, input.provider);
  return { provider: input.provider, apiKey: sealSecret(input.apiKey, intakePublicKey, binding) };
}

export const rotateProviderKeyPayload = storeProviderKeyPayload;

export interface SourceInput {
  readonly tenantId: string;
  readonly sourceId: string;
  readonly kind: SourceKind;
  readonly name: string;
  /** The connection config (host, user, password, token, …), serialized as JSON before sealing. */
  readonly config: JsonObject;
}

export function connectSourcePayload(input: SourceInput, intakePublicKey: Uint8Array): ConnectSourceData {
  const binding = sourceCredentialBinding(input.tenantId, input.sourceId);
  const config = Buffer.from(JSON.stringify(input.config), 'utf8');
  try {
    return { sourceId: input.sourceId, kind: input.kind, name: input.name, credential: sealSecret(config, intakePublicKey, binding) };
  } finally {
    config.fill(0);
  }
}

export function rotateSourceCredentialPayload(input: Omit<SourceInput, 'kind' | 'name'>, intakePublicKey: Uint8Array): RotateSourceCredentialData {
  const config = Buffer.from(JSON.stringify(input.config), 'utf8');
  try {
    return { sourceId: input.sourceId, credential: sealSecret(config, intakePublicKey, sourceCredentialBinding(input.tenantId, input.sourceId)) };
  } finally {
    config.fill(0);
  }
}

/**
 * Importing a value of the replaced system (`salt:iv:ct` hex, as it is stored there): it is
 * sealed to the intake key like a new secret, so the legacy ciphertext reaches no topic; the
 * processor decrypts it with PALISADE_LEGACY_SECRET and seals the plaintext under the owner's key.
 */
export function importLegacyProviderKeyPayload(input: Omit<ProviderKeyInput, 'apiKey'> & { readonly legacyValue: string }, intakePublicKey: Uint8Array): StoreProviderKeyData {
  const binding = providerKeyBinding(input.tenantId, input.userId, input.provider);
  return { provider: input.provider, legacyApiKey: sealSecret(input.legacyValue, intakePublicKey, binding) };
}

/** ConnectSource for a source whose config is a legacy value (see importLegacyProviderKeyPayload). */
export function importLegacySourcePayload(input: Omit<SourceInput, 'config'> & { readonly legacyValue: string }, intakePublicKey: Uint8Array): ConnectSourceData {
  const binding = sourceCredentialBinding(input.tenantId, input.sourceId);
  return { sourceId: input.sourceId, kind: input.kind, name: input.name, legacyCredential: sealSecret(input.legacyValue, intakePublicKey, binding) };
}

/** AuthorizeSourceQuery carries only the hash of the query: the text never enters Kafka. */
export function authorizeSourceQueryPayload(input: { readonly sourceId: string; readonly query: string; readonly maxRows: number; readonly maxBytes: number }): AuthorizeSourceQueryData {
  const queryHash = createHash('sha256').update(input.query, 'utf8').digest('hex');
  return { sourceId: input.sourceId, queryHash, maxRows: input.maxRows, maxBytes: input.maxBytes };
}
