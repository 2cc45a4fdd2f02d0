// A world for the vault read models (sources, source_queries, provider_keys, secrets), on the
// three tenants of tenant-world.ts: Acme (A) and Globex (B) with members, sources (sealed and
// legacy credentials, rotations, a disconnection by an admin, authorized queries), provider keys
// (stored, rotated, legacy and re-sealed, deleted), a tenant key rotation and an authorization
// refusal, and Initech deleted. The events go straight to the events topic because the
// processor's sealing step needs a key store this suite does not set up. eraseInA() then has
// tenant A erase alice (a member who owns a source, keys and queries, was re-roled and named in
// a refusal) and its bootstrap owner.
import { createHash, randomUUID } from 'node:crypto';
import type { GeneratedEvent } from '../../bench/_synthetic-events.ts';
import type { JsonObject, LogicalActor } from '../../../domain/logical.ts';
import { TenantStream, TenantWorld, buildWorld, user, type WorldOptions } from './tenant-world.ts';

const service: LogicalActor = { kind: 'service', id: 'vault-opener' };
const processor: LogicalActor = { kind: 'system', id: 'command-processor' };
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export interface VaultTenant {
  readonly id: string;
  readonly p: string;
  readonly name: string;
  readonly domain: string;
  readonly users: { readonly owner: string; readonly admin: string; readonly alice: string; readonly bob: string; readonly erin: string; readonly frank: string; readonly heir: string };
  /** s1: alice's (sealed, rotated, queried); s2: bob's (legacy, re-sealed); s3: the owner's, disconnected by the admin. */
  readonly sources: { readonly s1: string; readonly s2: string; readonly s3: string };
  readonly masks: { readonly alice: string; readonly bob: string; readonly owner: string; readonly admin: string };
}

/** Builds one tenant's history; every ciphertext, nonce and legacy value goes into `secrets`. */
function tenantHistory(stream: TenantStream, t: VaultTenant, secrets: string[]): void {
  const { owner, admin, alice, bob, erin, frank } = t.users;
  const tag = t.p.replace(/-$/, '');
  let sealedCount = 0;
  const sealed = (userId: string, kv = 1): JsonObject => {
    sealedCount += 1;
    const n = `${tag}N${String(sealedCount).padStart(3, '0')}`.padEnd(32, 'n');
    const ct = `${tag}Ct${String(sealedCount).padStart(3, '0')}`.padEnd(48, 'c');
    secrets.push(n, ct);
    return { v: 2, kid: `dek-u-${userId}`, kv, n, ct };
  };
  const legacy = (label: string): string => {
    const value = `${sha256(`${t.p}${label}/salt`).slice(0, 32)}:${sha256(`${t.p}${label}/iv`).slice(0, 32)}:${sha256(`${t.p}${label}/ct`)}`;
    secrets.push(value);
    return value;
  };
  const add = (userId: string, role: string, by = owner) =>
    stream.add('MemberAdded', { userId, email: `${userId}@${t.domain}`, role }, user(by));
  stream.add('TenantCreated', { name: t.name, owner: { userId: owner, email: `${owner}@${t.domain}` } }, user(owner));
  add(admin, 'admin');
  add(alice, 'member', admin);
  add(bob, 'member', admin);
  add(erin, 'viewer');
  add(frank, 'admin');
  stream.add('MemberRoleChanged', { userId: frank, from: 'admin', to: 'member' }, user(owner));
  // Still in the legacy format at the end: never re-sealed.
  stream.add('ProviderKeyStored', { userId: frank, provider: 'google', mask: '…', legacySecret: legacy('frank-google') }, user(frank));
  const { s1, s2, s3 } = t.sources;
  stream.add('SourceConnected', { sourceId: s1, ownerId: alice, kind: 'postgres', name: `${t.p}warehouse`, credentialVersion: 1, credential: sealed(alice) }, user(alice));
  stream.add('SourceConnected', { sourceId: s2, ownerId: bob, kind: 'slack', name: `${t.p}chat`, credentialVersion: 1, legacyCredential: legacy('s2') }, user(bob));
  stream.add('SourceQueryAuthorized', { sourceId: s1, ownerId: alice, queryHash: sha256(`${t.p}select 1`), maxRows: 1000, maxBytes: 1_048_576 }, user(alice));
  stream.add('SourceQueryAuthorized', { sourceId: s1, ownerId: alice, queryHash: sha256(`${t.p}select 2`), maxRows: 10, maxBytes: 4096 }, user(alice));
  stream.add('SourceCredentialRotated', { sourceId: s1, ownerId: alice, credentialVersion: 2, credential: sealed(alice) }, user(alice));
  stream.add('ProviderKeyStored', { userId: alice, provider: 'anthropic', mask: `sk-ant-…${t.p}a1`, secret: sealed(alice) }, user(alice));
  stream.add('ProviderKeyStored', { userId: bob, provider: 'openai', mask: '…', legacySecret: legacy('bob-openai') }, user(bob));
  stream.add('ProviderKeyStored', { userId: owner, provider: 'anthropic', mask: t.masks.owner, secret: sealed(owner) }, user(owner));
  stream.add('ProviderKeyRotated', { userId: alice, provider: 'anthropic', mask: t.masks.alice, version: 2, secret: sealed(alice) }, user(alice));
  stream.add('LegacySecretResealed', { target: 'provider-key', userId: bob, provider: 'openai', version: 1, mask: t.masks.bob, secret: sealed(bob) }, service);
  stream.add('SourceConnected', { sourceId: s3, ownerId: owner, kind: 'github', name: `${t.p}code`, credentialVersion: 1, credential: sealed(owner) }, user(owner));
  stream.add('SourceDisconnected', { sourceId: s3, ownerId: owner, by: 'admin', reason: `${t.p}moved to another org` }, user(admin));
  stream.add('ProviderKeyStored', { userId: admin, provider: 'mistral', mask: t.masks.admin, secret: sealed(admin) }, user(admin));
  stream.add('ProviderKeyDeleted', { userId: admin, provider: 'mistral' }, user(admin));
  stream.add('TenantKeyRotated', { keyVersion: 2 }, user(owner));
  stream.add('LegacySecretResealed', { target: 'source-credential', userId: bob, sourceId: s2, version: 1, secret: sealed(bob) }, service);
  stream.add('CommandRejected', { commandType: 'AuthorizeSourceQuery', code: 'NOT_SOURCE_OWNER', claimedActor: { kind: 'user', id: alice } }, processor);
  stream.add('SourceQueryAuthorized', { sourceId: s2, ownerId: bob, queryHash: sha256(`${t.p}select 3`), maxRows: 5, maxBytes: 512 }, user(bob));
}

function facts(p: string, name: string, domain: string): VaultTenant {
  return {
    id: randomUUID(), p, name, domain,
    users: { owner: `${p}owner`, admin: `${p}admin`, alice: `${p}alice`, bob: `${p}bob`, erin: `${p}erin`, frank: `${p}frank`, heir: `${p}heir` },
    sources: { s1: randomUUID(), s2: randomUUID(), s3: randomUUID() },
    masks: { alice: `sk-ant-…${p}a2`, bob: `sk-…${p}b1`, owner: `sk-ant-…${p}o1`, admin: `mist…${p}d1` },
  };
}

export class VaultWorld extends TenantWorld<VaultTenant> {
  static async create(options: WorldOptions = {}): Promise<VaultWorld> {
    return new VaultWorld(await buildWorld({ facts, history: tenantHistory }, options));
  }

  /**
   * Tenant A re-roles alice, adds a second owner (heir), erases alice and then its bootstrap
   * owner, and goes on (bob queries, heir stores a key); waits until projected. Returns the
   * UserErased events.
   */
  async eraseInA(): Promise<GeneratedEvent[]> {
    const { owner, alice, heir, bob } = this.a.users;
    return this.appendToA((s) => {
      s.add('MemberRoleChanged', { userId: alice, from: 'member', to: 'admin' }, user(owner));
      s.add('MemberAdded', { userId: heir, email: `${heir}@${this.a.domain}`, role: 'owner' }, user(owner));
      // Alice's last acts, in the same batch as her erasure (written, then erased).
      s.add('SourceQueryAuthorized', { sourceId: this.a.sources.s1, ownerId: alice, queryHash: sha256('ac-last'), maxRows: 1, maxBytes: 1 }, user(alice));
      const [an, act] = ['acAliceLastN'.padEnd(32, 'n'), 'acAliceLastCt'.padEnd(48, 'c')];
      this.secretStrings.push(an, act);
      s.add('ProviderKeyStored', { userId: alice, provider: 'google', mask: 'AIza…ac-l', secret: { v: 2, kid: `dek-u-${alice}`, kv: 2, n: an, ct: act } }, user(alice));
      const erasures = [s.add('UserErased', { userId: alice }, user(owner)), s.add('UserErased', { userId: owner }, user(owner))];
      s.add('SourceQueryAuthorized', { sourceId: this.a.sources.s2, ownerId: bob, queryHash: sha256('ac-select 4'), maxRows: 1, maxBytes: 1 }, user(bob));
      const [n, ct] = ['acHeirN'.padEnd(32, 'n'), 'acHeirCt'.padEnd(48, 'c')];
      this.secretStrings.push(n, ct);
      s.add('ProviderKeyStored', { userId: heir, provider: 'cohere', mask: 'co-…ache', secret: { v: 2, kid: `dek-u-${heir}`, kv: 2, n, ct } }, user(heir));
      return erasures;
    });
  }
}
