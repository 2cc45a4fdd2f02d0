// Opens one user's secret for the duration of one use (a provider call, a source query), for
// the services that need it (the chat worker). Every open is counted per key. A value still in
// the legacy format is decrypted with the legacy secret, used, and re-sealed as v2 through the
// processor (ResealLegacySecret, a deterministic command id), so the re-sealing is an event,
// recorded exactly once however many openers race on it.
import { createHash } from 'node:crypto';
import { zero, type SecureBuffer } from '../../crypto/secure-memory.ts';
import { providerKeyBinding, sourceCredentialBinding } from '../../domain/tenant/secrets.ts';
import type { Provider, SealedSecret } from '../../domain/tenant/types.ts';
import type { Binding } from '../../crypto/vault/binding.ts';
import { VaultError } from '../../crypto/vault/errors.ts';
import { withDek, type Kek, type WrappedDek } from '../../crypto/vault/key-wrap.ts';
import { decryptLegacy, isPlausibleSecret } from '../../crypto/vault/legacy.ts';
import { open } from '../../crypto/vault/sealed-value.ts';
import { OpenerError } from './errors.ts';
// Re-exported: callers (the chat worker) match on it where they use the opener.
export { OpenerError, type OpenerErrorCode } from './errors.ts';

export type SecretRef =
  | { readonly tenantId: string; readonly userId: string; readonly target: 'provider-key'; readonly provider: Provider }
  | { readonly tenantId: string; readonly userId: string; readonly target: 'source-credential'; readonly sourceId: string };

/** The current value of a secret as the `secrets` read model holds it. */
export interface StoredSecret {
  readonly version: number;
  readonly format: 'v2' | 'legacy';
  readonly sealed?: SealedSecret;
  readonly legacy?: string;
}

export interface OpenerDeps {
  readonly kek: Kek;
  read(ref: SecretRef): Promise<StoredSecret | undefined>;
  findDek(tenantId: string, kid: string, kv: number): Promise<WrappedDek | undefined>;
  countOpen(tenantId: string, kid: string, kv: number): Promise<void>;
  /** Publishes ResealLegacySecret for `ref` at `version` with `plaintext` (sealed to intake by the caller). */
  reseal(ref: SecretRef, version: number, commandId: string, plaintext: SecureBuffer): Promise<void>;
  /** The old system's secret, when legacy values may exist (PALISADE_LEGACY_SECRET). */
  readonly legacySecret?: string;
}

export function bindingOf(ref: SecretRef): Binding {
  return ref.target === 'provider-key'
    ? providerKeyBinding(ref.tenantId, ref.userId, ref.provider)
    : sourceCredentialBinding(ref.tenantId, ref.sourceId);
}

/** One id per (secret, version): two openers re-sealing the same value send the same command. */
export function resealCommandId(ref: SecretRef, version: number): string {
  const subject = ref.target === 'provider-key' ? ref.provider : ref.sourceId;
  const hex = createHash('sha256').update(`palisade/reseal\n${ref.tenantId}\n${ref.userId}\n${ref.target}\n${subject}\n${version}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export class SecretOpener {
  private readonly deps: OpenerDeps;

  constructor(deps: OpenerDeps) {
    this.deps = deps;
  }

  /** Runs `use` with the plaintext in secure memory, zeroed as soon as `use` settles. */
  async use<T>(ref: SecretRef, use: (plaintext: SecureBuffer) => Promise<T>): Promise<T> {
    const stored = await this.deps.read(ref);
    if (stored === undefined) throw new OpenerError('SECRET_NOT_FOUND', `no ${ref.target} for this user`);
    const plaintext = stored.format === 'legacy' ? await this.openLegacy(ref, stored) : await this.openSealed(ref, stored);
    try {
      return await use(plaintext);
    } finally {
      zero(plaintext);
    }
  }

  private async openSealed(ref: SecretRef, stored: StoredSecret): Promise<SecureBuffer> {
    const sealed = stored.sealed;
    if (sealed === undefined) throw new OpenerError('SECRET_UNREADABLE', 'the stored secret has no sealed value');
    const wrapped = await this.deps.findDek(ref.tenantId, sealed.kid, sealed.kv);
    if (wrapped === undefined) throw new OpenerError('SECRET_DESTROYED', 'the key that sealed this secret has been destroyed');
    let plaintext: SecureBuffer;
    try {
      plaintext = withDek(wrapped, this.deps.kek, (dek) => open(sealed, dek, bindingOf(ref)));
    } catch (error) {
      if (error instanceof VaultError) throw new OpenerError('SECRET_UNREADABLE', `the secret does not open (${error.code})`);
      throw error;
    }
    await this.deps.countOpen(ref.tenantId, sealed.kid, sealed.kv);
    return plaintext;
  }

  private async openLegacy(ref: SecretRef, stored: StoredSecret): Promise<SecureBuffer> {
    if (this.deps.legacySecret === undefined) throw new OpenerError('LEGACY_SECRET_MISSING', 'a legacy secret needs PALISADE_LEGACY_SECRET to be opened');
    let plaintext: SecureBuffer;
    try {
      plaintext = decryptLegacy(stored.legacy ?? '', this.deps.legacySecret);
    } catch (error) {
      if (error instanceof VaultError) throw new OpenerError('SECRET_UNREADABLE', `the legacy value does not decrypt (${error.code})`);
      throw error;
    }
    // CBC has no integrity: a wrong legacy secret can still "decrypt". Only text survives this.
    if (!isPlausibleSecret(plaintext)) {
      zero(plaintext);
      throw new OpenerError('SECRET_UNREADABLE', 'the legacy value decrypted to something that is not a secret (wrong legacy secret?)');
    }
    try {
      await this.deps.reseal(ref, stored.version, resealCommandId(ref, stored.version), plaintext);
    } catch (error) {
      zero(plaintext);
      throw error;
    }
    return plaintext;
  }
}
