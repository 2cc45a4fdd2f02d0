// A world for the vault read models (sources, source_queries, provider_keys, secrets): tenants
// Acme (A) and Globex (B) with members, sources (sealed and legacy credentials, rotations, a
// disconnection by an admin, authorized queries), provider keys (stored, rotated, legacy and
// re-sealed, deleted), a tenant key rotation and an authorization refusal, and a third tenant
// Initech deleted. The events are synthetic but valid (hash-chained per tenant, Avro-encoded,
// keyed and partitioned like the processor's: bench/_synthetic-events.ts), produced straight to
// the events topic, because the processor's sealing step needs a key store this suite does not
// set up. eraseInA() then has tenant A erase alice (a member who owns a source, keys and queries,
// was re-roled and named in a refusal) and its bootstrap owner.
// Every string of Globex and Initech carries a marker ("globex", "gx", "initech", "in-"), and
// every ciphertext, nonce and legacy value is listed in `secretStrings`, so a leak shows up in
// JSON.stringify of whatever a query returned.
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { expect } from 'vitest';
import { GENESIS_HASH, eventHash } from '../../../chain/event-hash.ts';
import { produceEvents, type GeneratedEvent } from '../../../bench/_synthetic-events.ts';
import { partitionFor } from '../../../kafka/partitioner.ts';
import { IdempotentProducer } from '../../../kafka/simple-producer.ts';
import { encodeEvent } from '../../../schemas/codec.ts';
import { grantAnalyst, type GrantedAnalyst } from '../../../projections/tenancy/analysts.ts';
import { quoteIdent } from '../../../projections/tenancy/roles.ts';
import { randomPassword, scramSha256Verifier } from '../../../projections/tenancy/scram.ts';
import { openerRole } from '../../../projections/models/secrets-reader.ts';
import type { JsonObject, LogicalActor, LogicalEvent } from '../../../schemas/logical.ts';
import { ReadModelSpine } from './read-models.ts';

export type VaultPrincipal = 'analystA' | 'auditorA' | 'analystB' | 'app' | 'projector' | 'opener' | 'superuser';

/** Hash-chained events of one tenant. */
export class TenantStream {
  readonly tenantId: string;
  readonly events: GeneratedEvent[] = [];
  private seq = 0;
  private prevHash = GENESIS_HASH;
  private readonly start: number;

  constructor(tenantId: string, start = Date.UTC(2026, 1, 1)) {
    this.tenantId = tenantId;
    this.start = start;
  }

  add(type: string, payload: JsonObject, actor: LogicalActor): GeneratedEvent {
    this.seq += 1;
    const event: LogicalEvent = {
      tenantId: this.tenantId, seq: this.seq, prevHash: this.prevHash, eventId: randomUUID(), type, schemaVersion: 1,
      occurredAt: new Date(this.start + this.seq * 1_000).toISOString(), actor, commandId: randomUUID(), payload,
    };
    const generated = { event, hash: eventHash(event) };
    this.prevHash = generated.hash;
    this.events.push(generated);
    return generated;
  }
}

/**
 * Produces `events` one record (one record batch) at a time, so a consumer with a small
 * maxBytesPerPartition (a rebuild) cuts the stream into other batches than the live projector.
 */
async function produceOneByOne(rm: ReadModelSpine, events: readonly GeneratedEvent[]): Promise<void> {
  const producer = await IdempotentProducer.open(rm.spine.kafka);
  try {
    for (const { event, hash } of events)
      await producer.send([{ topic: rm.topic, partition: partitionFor(event.tenantId, rm.spine.partitions), key: event.tenantId, value: encodeEvent(event, hash) }]);
  } finally {
    await producer.close();
  }
}

export const user = (id: string): LogicalActor => ({ kind: 'user', id });
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

export interface VaultWorldOptions {
  /** Grant analysts and give the app, projector and opener roles logins. */
  readonly logins?: boolean;
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

export class VaultWorld {
  readonly rm: ReadModelSpine;
  readonly a: VaultTenant;
  readonly b: VaultTenant;
  /** Deleted: nothing of it may remain anywhere. */
  readonly c: VaultTenant;
  /** Every event produced, in production order. */
  readonly events: GeneratedEvent[];
  /** Every ciphertext, nonce and legacy value in the events. */
  readonly secretStrings: string[];
  private readonly streamA: TenantStream;
  readonly analysts: Readonly<Record<'analystA' | 'auditorA' | 'analystB', GrantedAnalyst>> | undefined;
  readonly urls: Readonly<Partial<Record<VaultPrincipal, string>>>;
  private readonly open = new Set<pg.Client>();

  private constructor(rm: ReadModelSpine, tenants: { a: VaultTenant; b: VaultTenant; c: VaultTenant }, streamA: TenantStream, events: GeneratedEvent[],
    secretStrings: string[], analysts: VaultWorld['analysts'], urls: VaultWorld['urls']) {
    this.rm = rm;
    this.streamA = streamA;
    this.a = tenants.a;
    this.b = tenants.b;
    this.c = tenants.c;
    this.events = events;
    this.secretStrings = secretStrings;
    this.analysts = analysts;
    this.urls = urls;
  }

  static async create(options: VaultWorldOptions = {}): Promise<VaultWorld> {
    const rm = await ReadModelSpine.create({ partitions: 3 });
    try {
      const a = facts('ac-', 'Acme Corp', 'acme.example');
      const b = facts('gx-', 'Globex Secret Labs', 'globex-secret.example');
      const c = facts('in-', 'Initech', 'initech.example');
      const secrets: string[] = [];
      const streams = [a, b, c].map((t) => {
        const stream = new TenantStream(t.id);
        tenantHistory(stream, t, secrets);
        return stream;
      });
      streams[2]!.add('TenantDeleted', { reason: 'in-closing down' }, user(c.users.owner));
      // Interleaved across tenants, as a real topic would hold them.
      const events: GeneratedEvent[] = [];
      for (let i = 0; streams.some((s) => i < s.events.length); i++) for (const s of streams) if (i < s.events.length) events.push(s.events[i]!);
      await produceOneByOne(rm, events);
      await rm.startProjector();
      await rm.waitForProjection();

      let analysts: VaultWorld['analysts'];
      const urls: Partial<Record<VaultPrincipal, string>> = { superuser: rm.url };
      if (options.logins === true) {
        const grant = (tenantId: string, name: string, audit: boolean) => grantAnalyst(rm.url, { tenantId, name, audit });
        analysts = { analystA: await grant(a.id, 'ann', false), auditorA: await grant(a.id, 'audra', true), analystB: await grant(b.id, 'ben', false) };
        const login = async (role: string) => {
          const password = randomPassword();
          await rm.admin.query(`alter role ${quoteIdent(role)} login password '${scramSha256Verifier(password)}'`);
          const url = new URL(rm.url);
          url.username = role;
          url.password = password;
          return url.toString();
        };
        Object.assign(urls, {
          analystA: analysts.analystA.connectionString, auditorA: analysts.auditorA.connectionString, analystB: analysts.analystB.connectionString,
          app: await login(rm.roles.app), projector: await login(rm.roles.projector), opener: await login(openerRole(rm.roles)),
        });
      }
      return new VaultWorld(rm, { a, b, c }, streams[0]!, events, secrets, analysts, urls);
    } catch (error) {
      await rm.close().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Tenant A re-roles alice, adds a second owner (heir), erases alice and then its bootstrap
   * owner, and goes on (bob queries, heir stores a key); waits until projected. Returns the
   * UserErased events.
   */
  async eraseInA(): Promise<GeneratedEvent[]> {
    const s = this.streamA;
    const { owner, alice, heir, bob } = this.a.users;
    const first = s.events.length;
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
    const added = s.events.slice(first);
    this.events.push(...added);
    // One record batch: the live projector applies alice's last acts and her erasure in one batch.
    await produceEvents(this.rm.spine.kafka, this.rm.topic, this.rm.spine.partitions, added);
    await this.rm.waitForProjection();
    return erasures;
  }

  async as<T>(who: VaultPrincipal, fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const url = this.urls[who];
    if (url === undefined) throw new Error(`no login for ${who} (create the world with logins: true)`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    client.on('error', () => undefined);
    await client.connect();
    this.open.add(client);
    try {
      return await fn(client);
    } finally {
      this.open.delete(client);
      await client.end().catch(() => undefined);
    }
  }

  rows(who: VaultPrincipal, sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
    return this.as(who, async (c) => (await c.query(sql, values)).rows);
  }

  async error(who: VaultPrincipal, sql: string, values: unknown[] = []): Promise<pg.DatabaseError> {
    return this.as(who, async (c) => {
      try {
        await c.query(sql, values);
      } catch (error) {
        return error as pg.DatabaseError;
      }
      throw new Error(`expected "${sql}" to fail as ${who}, but it succeeded`);
    });
  }

  /** As the app login, in one transaction bound with tenancy.bind(tenant, user). */
  appRows(tenantId: string, userId: string | null, sql: string): Promise<Record<string, unknown>[]> {
    return this.as('app', async (c) => {
      await c.query('begin');
      await c.query('select tenancy.bind($1, $2)', [tenantId, userId]);
      const { rows } = await c.query(sql);
      await c.query('commit');
      return rows;
    });
  }

  /** The active generation's schema of `model` (quoted). */
  async liveSchema(model: string): Promise<string> {
    const { rows } = await this.rm.admin.query<{ schema_name: string }>("select schema_name from projection_meta.generations where model = $1 and state = 'active'", [model]);
    return quoteIdent(rows[0]!.schema_name);
  }

  /** Nothing of Globex or Initech in `value`, and no ciphertext, nonce or legacy value at all. */
  expectNoForeign(value: unknown, options: { secrets?: boolean } = {}): void {
    const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    const lower = text.toLowerCase();
    for (const marker of ['globex', 'gx-', this.b.id, 'initech', 'in-', this.c.id]) expect(lower, `leaked "${marker}"`).not.toContain(marker);
    if (options.secrets !== false) for (const secret of this.secretStrings) expect(text, 'leaked a ciphertext').not.toContain(secret);
  }

  async close(): Promise<void> {
    for (const client of this.open) await client.end().catch(() => undefined);
    await this.rm.close();
  }
}
