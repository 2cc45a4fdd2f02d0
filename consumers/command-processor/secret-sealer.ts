// Turns the PendingSecret a decision carries into the sealed value its event stores: open the
// intake box under the binding the processor derived from the verified command, decrypt a legacy
// import with the legacy secret (so no legacy ciphertext ever enters an event), refuse it over
// its `maxBytes` (chat content), mask it when asked, seal it under the owner's DEK, zero every
// plaintext copy. The only place the processor
// ever holds a secret in the clear, and only in secure memory, for microseconds.
import { zero, type SecureBuffer } from '../../crypto/secure-memory.ts';
import type { PendingSecret, SealedSecret } from '../../domain/tenant/types.ts';
import { fromBase64Url } from '../../crypto/vault/encoding.ts';
import { VaultError } from '../../crypto/vault/errors.ts';
import { openIntake, type IntakeKeyPair } from '../../crypto/vault/intake.ts';
import { decryptLegacyBytes } from '../../crypto/vault/legacy.ts';
import { withDek, type Kek, type WrappedDek } from '../../crypto/vault/key-wrap.ts';
import { maskSecret } from '../../crypto/vault/mask.ts';
import { seal } from '../../crypto/vault/sealed-value.ts';
import { KeyStoreError } from '../../crypto/vault/store/errors.ts';
import { IntakeRefused, ProcessorCode } from './errors.ts';

/** Where the sealer gets a user's DEK at a key version (crypto/vault/store/: get or create, race-safe). */
export interface DekSource {
  dekFor(owner: { readonly tenantId: string; readonly userId: string }, kv: number): Promise<WrappedDek>;
}

export interface SealedOutput {
  readonly secret: SealedSecret;
  /** The plaintext's length in bytes (chat events record it as `bytes`). */
  readonly bytes: number;
  /** Present when asked for: the display mask (prefix and last four), computed before sealing. */
  readonly mask?: string;
}

export interface SecretSealing {
  seal(pending: PendingSecret, options: { readonly mask: boolean }): Promise<SealedOutput>;
}

export class SecretSealer implements SecretSealing {
  private readonly kek: Kek;
  private readonly deks: DekSource;
  private readonly intake: IntakeKeyPair;
  private readonly legacySecret: string | undefined;

  /** `legacySecret`: PALISADE_LEGACY_SECRET, to decrypt legacy imports (without it they are refused). */
  constructor(kek: Kek, deks: DekSource, intake: IntakeKeyPair, legacySecret?: string) {
    this.kek = kek;
    this.deks = deks;
    this.intake = intake;
    this.legacySecret = legacySecret;
  }

  async seal(pending: PendingSecret, options: { readonly mask: boolean }): Promise<SealedOutput> {
    const box = fromBase64Url(pending.box);
    if (box === undefined) throw new IntakeRefused(ProcessorCode.SECRET_INTAKE_FAILED, 'the secret is not unpadded base64url');
    let plaintext;
    try {
      plaintext = openIntake(box, this.intake, pending.binding);
    } catch (error) {
      if (error instanceof VaultError) throw new IntakeRefused(ProcessorCode.SECRET_INTAKE_FAILED, `the secret's intake box was refused (${error.code})`);
      throw error;
    }
    if (pending.legacy === true) plaintext = this.decryptLegacy(plaintext);
    try {
      const bytes = plaintext.byteLength;
      if (pending.maxBytes !== undefined && bytes > pending.maxBytes) {
        throw new IntakeRefused(ProcessorCode.MESSAGE_TOO_LONG, `the content is over its limit of ${pending.maxBytes} bytes`);
      }
      // The box and its size are checked first, so a refused command never creates a data key.
      let wrapped: WrappedDek;
      try {
        wrapped = await this.deks.dekFor(pending.owner, pending.owner.keyVersion);
      } catch (error) {
        // Deterministic: retrying the batch would block every tenant of the partition for good.
        if (error instanceof KeyStoreError && (error.code === 'OWNER_DESTROYED' || error.code === 'VERSION_DESTROYED'))
          throw new IntakeRefused(ProcessorCode.DATA_KEY_DESTROYED, `the owner's data key cannot seal anything any more (${error.code})`);
        throw error;
      }
      const mask = options.mask ? maskSecret(plaintext) : undefined;
      const sealed = withDek(wrapped, this.kek, (dek) => seal(plaintext, dek, pending.binding, { kid: wrapped.kid, kv: wrapped.kv }));
      const secret: SealedSecret = { v: 2, kid: sealed.kid, kv: sealed.kv, n: sealed.n, ct: sealed.ct };
      return mask === undefined ? { secret, bytes } : { secret, bytes, mask };
    } finally {
      zero(plaintext);
    }
  }

  /** The legacy value in `boxed` decrypted (`boxed` is zeroed either way). */
  private decryptLegacy(boxed: SecureBuffer): SecureBuffer {
    try {
      if (this.legacySecret === undefined) throw new IntakeRefused(ProcessorCode.LEGACY_SECRET_MISSING, 'this processor has no legacy secret (PALISADE_LEGACY_SECRET): it cannot import legacy values');
      return decryptLegacyBytes(boxed, this.legacySecret);
    } catch (error) {
      if (error instanceof VaultError) throw new IntakeRefused(ProcessorCode.LEGACY_IMPORT_FAILED, `the legacy value was refused (${error.code})`);
      throw error;
    } finally {
      zero(boxed);
    }
  }
}
