// An in-memory vault for chat-worker tests: users' provider keys sealed for real (crypto/vault/) under
// per-user DEKs wrapped by a fresh KEK, opened by the real SecretOpener. `erase` drops a user's
// DEK as crypto-shredding does, so their key then fails with SECRET_DESTROYED.
import { SecretOpener, type OpenerDeps, type SecretRef, type StoredSecret } from '../../../consumers/vault/secret-opener.ts';
import { zero } from '../../../crypto/secure-memory.ts';
import { dekKid, providerKeyBinding } from '../../../domain/tenant/secrets.ts';
import { destroyKek, generateDek, generateKek, wrapDek, type Kek, type WrappedDek } from '../../../crypto/vault/key-wrap.ts';
import { seal } from '../../../crypto/vault/sealed-value.ts';

export class KeyVault {
  readonly kek: Kek = generateKek();
  readonly opener: SecretOpener;
  /** Opens counted per `${tenantId}/${userId}`. */
  readonly opens = new Map<string, number>();
  private readonly deks = new Map<string, WrappedDek>();
  private readonly secrets = new Map<string, StoredSecret>();

  constructor() {
    const deps: OpenerDeps = {
      kek: this.kek,
      read: async (ref: SecretRef) => this.secrets.get(refKey(ref)),
      findDek: async (tenantId, kid) => this.deks.get(`${tenantId}/${kid}`),
      countOpen: async (tenantId, kid) => {
        const key = `${tenantId}/${kid.replace(/^dek-/, '')}`;
        this.opens.set(key, (this.opens.get(key) ?? 0) + 1);
      },
      reseal: async () => undefined,
    };
    this.opener = new SecretOpener(deps);
  }

  /** Stores `apiKey` as the user's Anthropic key, sealed v2 under the user's DEK. */
  storeAnthropicKey(tenantId: string, userId: string, apiKey: string): void {
    const kid = dekKid(userId);
    const dek = generateDek();
    try {
      this.deks.set(`${tenantId}/${kid}`, wrapDek(dek, { kid, kv: 1, owner: { kind: 'user', tenantId, userId } }, this.kek));
      const sealed = seal(Buffer.from(apiKey, 'utf8'), dek, providerKeyBinding(tenantId, userId, 'anthropic'), { kid, kv: 1 });
      this.secrets.set(refKey({ tenantId, userId, target: 'provider-key', provider: 'anthropic' }), { version: 1, format: 'v2', sealed });
    } finally {
      zero(dek);
    }
  }

  /** Crypto-shredding: the user's DEK goes, the sealed value stays (unreadable). */
  erase(tenantId: string, userId: string): void {
    this.deks.delete(`${tenantId}/${dekKid(userId)}`);
  }

  destroy(): void {
    destroyKek(this.kek);
  }
}

function refKey(ref: SecretRef): string {
  return ref.target === 'provider-key' ? `${ref.tenantId}/${ref.userId}/pk/${ref.provider}` : `${ref.tenantId}/${ref.userId}/sc/${ref.sourceId}`;
}
