// Opens sealed chat content — a message, a reply, a memory ({v, kid, kv, n, ct}, crypto/vault/sealed-value.ts)
// as the events and the internal chat_content read model carry it — for ONE (tenant, user) and
// ONE binding (domain/tenant/chat-secrets.ts): the user's DEK is looked up in the key store
// (KeyStore.find), unwrapped with the master key for this one open (vault withDek) and zeroed after.
//
// - The value must name the user's own data key (kid `dek-<userId>`): content claiming another
//   user's key is refused before any key is touched, whatever the binding says.
// - undefined when the DEK no longer exists: the user (or the tenant) was erased, their content
//   is crypto-shredded, and a turn that needs it ends USER_GONE (or skips that item).
// - ContentOpenError ('CONTENT_UNREADABLE') when the value is malformed or does not open under
//   this binding (tampered, or made for another message/user): never the content, never the key.
//
// The plaintext is returned as a JS string: this is the prompt boundary. The Messages API (and
// the prompt builder, the blind index's normaliser) need text, and a JS string cannot be zeroed,
// so it must only be passed on to buildPrompt / MemoryIndex.index within the one turn or event
// and never logged, stored or kept across turns. The decrypted bytes themselves live in secure
// memory and are zeroed as soon as the string is made.
import { zero } from '../../crypto/secure-memory.ts';
import type { SecretBinding } from '../../domain/tenant/types.ts';
import { userKid } from '../../crypto/vault/store/key-store.ts';
import { VaultError } from '../../crypto/vault/errors.ts';
import type { WrappedDek } from '../../crypto/vault/key-wrap.ts';
import { open, parseSealedValue } from '../../crypto/vault/sealed-value.ts';
import type { SecureBuffer } from '../../crypto/secure-memory.ts';
import { PalisadeError } from '../../domain/error-base.ts';

/** What the opener needs of the key store (KeyStore satisfies it). */
export interface ContentKeys {
  find(tenantId: string, kid: string, kv: number): Promise<WrappedDek | undefined>;
  withDek<T>(wrapped: WrappedDek, use: (dek: SecureBuffer) => T): T;
  /** Optional: count the open (KeyStore.countOpen), as the secret opener does. */
  countOpen?(tenantId: string, kid: string, kv: number): Promise<unknown>;
}

export class ContentOpenError extends PalisadeError<'CONTENT_UNREADABLE'> {
  readonly code = 'CONTENT_UNREADABLE';
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'ContentOpenError';
  }
}

export interface ContentOwner {
  readonly tenantId: string;
  readonly userId: string;
}

export class ContentOpener {
  private readonly keys: ContentKeys;

  constructor(keys: ContentKeys) {
    this.keys = keys;
  }

  /**
   * The plaintext of `sealed` (see the top of this file: a string only at the prompt boundary),
   * or undefined when the owner's data key was destroyed (erasure).
   */
  async openText(owner: ContentOwner, sealed: unknown, binding: SecretBinding): Promise<string | undefined> {
    if (binding.tenantId !== owner.tenantId || binding.subject !== owner.userId) throw new ContentOpenError('the binding names another tenant or user than the owner');
    let value;
    try {
      value = parseSealedValue(sealed);
    } catch (error) {
      if (error instanceof VaultError) throw new ContentOpenError(`the sealed content is malformed (${error.code})`);
      throw error;
    }
    if (value.kid !== userKid(owner.userId)) throw new ContentOpenError("the sealed content does not name the owner's data key");
    const wrapped = await this.keys.find(owner.tenantId, value.kid, value.kv);
    if (wrapped === undefined) return undefined;
    let plaintext: SecureBuffer;
    try {
      plaintext = this.keys.withDek(wrapped, (dek) => open(value, dek, binding));
    } catch (error) {
      if (error instanceof VaultError) throw new ContentOpenError(`the sealed content does not open (${error.code})`);
      throw error;
    }
    try {
      await this.keys.countOpen?.(owner.tenantId, value.kid, value.kv);
      return Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength).toString('utf8');
    } finally {
      zero(plaintext);
    }
  }
}
