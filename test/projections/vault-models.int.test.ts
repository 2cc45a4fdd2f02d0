// The vault read models (issue 5): sources, source_queries, provider_keys and the internal
// secrets, projected by the real projector from events on a real topic; the opener's read path;
// no ciphertext in any analytics view; erasing a user (UserErased) leaves no trace of them in
// any table of any generation while everyone else's rows stay; and a rebuild in small batches
// equals the live projection checksum for checksum.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createKafka } from '../../adapters/kafka/client.ts';
import { asRole } from '../../adapters/postgres/roles.ts';
import { auditRow } from '../../projections/models/audit.ts';
import { redactUser } from '../../projections/models/audit-summary.ts';
import { foldProviderKeys } from '../../projections/models/provider-keys.ts';
import { foldSecrets } from '../../projections/models/secrets.ts';
import { readSecret, secretsReaderPool } from '../../consumers/vault/secrets-reader.ts';
import { sourceQueryRows } from '../../projections/models/source-queries.ts';
import { foldSources } from '../../projections/models/sources.ts';
import { rebuild } from '../../projections/rebuild.ts';
import { projectionsStatus } from '../../projections/status.ts';
import { openPool } from '../../adapters/postgres/pool.ts';
import { checksums } from './support/expected.ts';
import { VaultWorld } from './support/vault-world.ts';
import { foundIn, plainRows, sortedBy } from './support/tenant-world.ts';
import { testKafka } from '../support/stack.ts';

let w: VaultWorld;
let opener: pg.Pool;
beforeAll(async () => {
  w = await VaultWorld.create();
  opener = secretsReaderPool(w.rm.url, w.rm.roles, 2);
});
afterAll(async () => {
  await opener?.end();
  await w?.close();
});

const q = (sql: string, values: unknown[] = []) => w.query(sql, values);
const mentions = (needle: string) => w.mentions(needle, ['sources', 'source_queries', 'provider_keys', 'secrets']);

describe('the vault read models', () => {
  it('sources: one row per source, metadata only, as the pure fold says', async () => {
    const rows = await q(`select tenant_id, source_id, owner_id, kind, name, status, credential_version, credential_format, connected_at, rotated_at,
      disconnected_at, disconnected_by, last_query_at, queries_authorized::int, last_seq::int from analytics.sources order by tenant_id, source_id`);
    const expected = foldSources(w.keptEvents()).rows.map((r) => ({
      tenant_id: r.tenantId, source_id: r.sourceId, owner_id: r.ownerId, kind: r.kind, name: r.name, status: r.status,
      credential_version: r.credentialVersion, credential_format: r.credentialFormat, connected_at: r.connectedAt, rotated_at: r.rotatedAt,
      disconnected_at: r.disconnectedAt, disconnected_by: r.disconnectedBy, last_query_at: r.lastQueryAt, queries_authorized: r.queriesAuthorized, last_seq: r.lastSeq,
    }));
    expect(sortedBy(rows, ['tenant_id', 'source_id'])).toEqual(sortedBy(expected, ['tenant_id', 'source_id']));
    expect(rows).toHaveLength(6);
    const a = (id: string) => rows.find((r) => r['source_id'] === id)!;
    const { s1, s2, s3 } = w.a.sources;
    expect(a(s1)).toMatchObject({ owner_id: 'ac-alice', kind: 'postgres', status: 'connected', credential_version: 2, credential_format: 'v2', queries_authorized: 2 });
    expect(a(s1)['rotated_at']).not.toBeNull();
    expect(a(s2)).toMatchObject({ owner_id: 'ac-bob', status: 'connected', credential_version: 1, credential_format: 'v2', queries_authorized: 1 });
    expect(a(s3)).toMatchObject({ owner_id: 'ac-owner', status: 'disconnected', disconnected_by: 'admin', queries_authorized: 0 });
    const columns = await q("select column_name from information_schema.columns where table_schema = 'analytics' and table_name = 'sources'");
    expect(columns.map((c) => c['column_name']).filter((c) => /cred(ential)?$|config|sealed|secret|ct$/.test(String(c)))).toEqual([]);
  });

  it('source_queries: the hash and the limits of every authorization, never a query text', async () => {
    const rows = await q('select tenant_id, seq::int, source_id, owner_id, query_hash, max_rows::int, max_bytes::int, authorized_at from analytics.source_queries order by tenant_id, seq');
    const expected = sourceQueryRows(w.keptEvents()).map((r) => ({
      tenant_id: r.tenantId, seq: r.seq, source_id: r.sourceId, owner_id: r.ownerId, query_hash: r.queryHash, max_rows: r.maxRows, max_bytes: r.maxBytes, authorized_at: r.authorizedAt,
    }));
    expect(sortedBy(rows, ['tenant_id', 'seq'])).toEqual(sortedBy(expected, ['tenant_id', 'seq']));
    expect(rows.filter((r) => r['tenant_id'] === w.a.id)).toHaveLength(3);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(String(r['query_hash'])))).toBe(true);
  });

  it('provider_keys: masks, versions and formats; a deleted key is gone', async () => {
    const rows = await q('select tenant_id, user_id, provider, mask, version, format, stored_at, rotated_at, last_seq::int from analytics.provider_keys order by 1, 2, 3');
    const { rows: folded, patches, deletions } = foldProviderKeys(w.keptEvents());
    expect(patches).toEqual([]);
    expect(deletions.map((d) => [d.userId, d.provider]).sort()).toEqual([['ac-admin', 'mistral'], ['gx-admin', 'mistral']]);
    const keys = ['tenant_id', 'user_id', 'provider'] as const;
    expect(sortedBy(rows, keys)).toEqual(sortedBy(folded.map((r) => ({
      tenant_id: r.tenantId, user_id: r.userId, provider: r.provider, mask: r.mask, version: r.version, format: r.format, stored_at: r.storedAt, rotated_at: r.rotatedAt, last_seq: r.lastSeq,
    })), keys));
    const of = (userId: string) => rows.filter((r) => r['user_id'] === userId).map((r) => [r['provider'], r['mask'], r['version'], r['format']]);
    expect(of('ac-alice')).toEqual([['anthropic', w.a.masks.alice, 2, 'v2']]);
    expect(of('ac-bob')).toEqual([['openai', w.a.masks.bob, 1, 'v2']]);
    expect(of('ac-owner')).toEqual([['anthropic', w.a.masks.owner, 1, 'v2']]);
    expect(of('ac-frank')).toEqual([['google', '…', 1, 'legacy']]);
    expect(of('ac-admin')).toEqual([]);
  });

  it('secrets: the current sealed value of each secret, removed with its key or its source\'s connection', async () => {
    const rows = await q('select tenant_id, owner_id, purpose, subject, version, format, sealed, legacy, updated_at, last_seq::int from internal.secrets order by 1, 2, 3, 4');
    const { rows: folded, deletions } = foldSecrets(w.keptEvents());
    expect(deletions.map((d) => [d.ownerId, d.purpose]).sort()).toEqual([
      ['ac-admin', 'provider-key'], ['ac-owner', 'source-credential'], ['gx-admin', 'provider-key'], ['gx-owner', 'source-credential']]);
    const keys = ['tenant_id', 'owner_id', 'purpose', 'subject'] as const;
    expect(sortedBy(rows, keys)).toEqual(sortedBy(folded.map((r) => ({
      tenant_id: r.tenantId, owner_id: r.ownerId, purpose: r.purpose, subject: r.subject, version: r.version, format: r.format,
      sealed: r.sealed === null ? null : (JSON.parse(r.sealed) as unknown), legacy: r.legacy, updated_at: r.updatedAt, last_seq: r.lastSeq,
    })), keys));
    const a = rows.filter((r) => r['tenant_id'] === w.a.id).map((r) => [r['owner_id'], r['purpose'], r['subject'], r['version'], r['format']]);
    expect(a.sort()).toEqual([
      ['ac-alice', 'provider-key', 'anthropic', 2, 'v2'], ['ac-alice', 'source-credential', w.a.sources.s1, 2, 'v2'],
      ['ac-bob', 'provider-key', 'openai', 1, 'v2'], ['ac-bob', 'source-credential', w.a.sources.s2, 1, 'v2'],
      ['ac-frank', 'provider-key', 'google', 1, 'legacy'], ['ac-owner', 'provider-key', 'anthropic', 1, 'v2'],
    ].sort());
  });

  it('readSecret, as the opener role, returns the current sealed or legacy value, and nothing that is gone', async () => {
    const key = (ownerId: string, purpose: 'provider-key' | 'source-credential', subject: string, tenantId = w.a.id) => ({ tenantId, ownerId, purpose, subject });
    const alice = await readSecret(opener, key('ac-alice', 'provider-key', 'anthropic'));
    expect(alice).toMatchObject({ version: 2, format: 'v2', sealed: { v: 2, kid: 'dek-u-ac-alice', kv: 1 } });
    expect(Object.keys(alice!.sealed!)).toEqual(['v', 'kid', 'kv', 'n', 'ct']);
    expect(alice!.legacy).toBeUndefined();
    expect(await readSecret(opener, key('ac-bob', 'source-credential', w.a.sources.s2))).toMatchObject({ version: 1, format: 'v2', sealed: { kid: 'dek-u-ac-bob' } });
    const frank = await readSecret(opener, key('ac-frank', 'provider-key', 'google'));
    expect(frank).toMatchObject({ version: 1, format: 'legacy' });
    expect(w.secretStrings).toContain(frank!.legacy);
    // Deleted, disconnected, someone else's, another tenant's, a deleted tenant's: nothing.
    expect(await readSecret(opener, key('ac-admin', 'provider-key', 'mistral'))).toBeUndefined();
    expect(await readSecret(opener, key('ac-owner', 'source-credential', w.a.sources.s3))).toBeUndefined();
    expect(await readSecret(opener, key('ac-bob', 'provider-key', 'anthropic'))).toBeUndefined();
    expect(await readSecret(opener, key('ac-alice', 'provider-key', 'anthropic', w.b.id))).toBeUndefined();
    expect(await readSecret(opener, key('in-alice', 'provider-key', 'anthropic', w.c.id))).toBeUndefined();
    await expect(readSecret(opener, key('ac-alice', 'provider-key', 'anthropic', 'not-a-uuid'))).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    // The superuser login (the migrating login) may read it too.
    expect(await readSecret(w.rm.admin, key('ac-alice', 'provider-key', 'anthropic'))).toEqual(alice);
  });

  it('readSecret through a pool acting as the app role is refused', async () => {
    const app = openPool({ ...asRole(w.rm.url, w.rm.roles.app), max: 1 });
    try {
      await expect(readSecret(app, { tenantId: w.a.id, ownerId: 'ac-alice', purpose: 'provider-key', subject: 'anthropic' })).rejects.toMatchObject({ code: '42501' });
    } finally {
      await app.end();
    }
  });

  it('no ciphertext, nonce or legacy value in any analytics view; no mask in the audit log', async () => {
    const views = await q("select c.relname from pg_class c where c.relnamespace = 'analytics'::regnamespace and c.relkind = 'v' order by 1");
    expect(views.map((v) => v['relname'])).toEqual([
      'audit_log', 'chat_messages', 'conversations', 'member_role_changes', 'members', 'memories', 'provider_keys', 'source_queries', 'sources', 'tenants']);
    for (const { relname } of views) {
      const text = JSON.stringify(await q(`select * from analytics.${String(relname)}`));
      for (const secret of w.secretStrings) expect(text, `${String(relname)} holds a ciphertext`).not.toContain(secret);
    }
    const audit = JSON.stringify(await q('select * from analytics.audit_log'));
    for (const mask of [...Object.values(w.a.masks), ...Object.values(w.b.masks)]) expect(audit).not.toContain(mask);
    expect(audit).not.toContain('moved to another org');
    expect(audit).not.toContain('warehouse');
    // The control: the internal view does hold them.
    const internal = JSON.stringify(await q('select * from internal.secrets'));
    expect(w.secretStrings.filter((s) => internal.includes(s)).length).toBeGreaterThan(10);
  });

  it('the deleted tenant has no row left in any table of any generation', async () => {
    expect(foundIn(await mentions(w.c.id))).toEqual([]);
    expect(foundIn(await mentions('in-alice'))).toEqual([]);
  });

  it('`projections status` lists the new models, caught up', async () => {
    const status = await projectionsStatus(createKafka({ ...testKafka('projector'), clientId: 'test' }), w.rm.url, w.rm.topic, `${w.rm.spine.prefix}palisade-projector`);
    expect(status.generations.map((g) => [g.model, g.generation, g.state, g.lag])).toEqual([
      ['audit', 1, 'active', '0'], ['chat_content', 1, 'active', '0'], ['conversations', 1, 'active', '0'], ['members', 1, 'active', '0'],
      ['memories', 1, 'active', '0'], ['provider_keys', 1, 'active', '0'], ['secrets', 1, 'active', '0'],
      ['source_queries', 1, 'active', '0'], ['sources', 1, 'active', '0'], ['tenants', 1, 'active', '0'],
    ]);
  });
});

describe('erasing a user (UserErased)', () => {
  let erasures: { seq: number; userId: string }[];
  beforeAll(async () => {
    erasures = (await w.eraseInA()).map((e) => ({ seq: e.event.seq, userId: String(e.event.payload['userId']) }));
  });

  it('leaves no trace of the user or their email in any table of any generation', async () => {
    for (const needle of ['ac-alice', 'ac-alice@acme.example', 'dek-u-ac-alice', 'ac-owner', 'ac-owner@acme.example']) expect(foundIn(await mentions(needle)), needle).toEqual([]);
    // The other tenant's alice is untouched.
    expect(Object.values(await mentions('gx-alice')).reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
  });

  it('keeps everyone else\'s rows', async () => {
    const count = async (sql: string) => Number((await q(sql, [w.a.id]))[0]!['n']);
    expect(await count("select count(*)::int as n from analytics.sources where tenant_id = $1 and owner_id = 'ac-bob'")).toBe(1);
    expect(await count("select count(*)::int as n from analytics.source_queries where tenant_id = $1 and owner_id = 'ac-bob'")).toBe(2);
    expect(await count("select count(*)::int as n from analytics.provider_keys where tenant_id = $1 and user_id in ('ac-bob', 'ac-frank', 'ac-heir')")).toBe(3);
    expect(await count("select count(*)::int as n from internal.secrets where tenant_id = $1 and owner_id in ('ac-bob', 'ac-frank', 'ac-heir')")).toBe(4);
    expect(await count('select count(*)::int as n from analytics.members where tenant_id = $1')).toBe(5);
    expect(await count('select count(*)::int as n from analytics.sources where tenant_id = $1')).toBe(1);
    expect((await q('select count(*)::int as n from analytics.sources where tenant_id = $1', [w.b.id]))[0]!['n']).toBe(3);
  });

  it('redacts the audit rows that named them exactly as audit-summary.ts\'s contract says', async () => {
    const actual = await q('select seq::int, actor_id, target, summary from analytics.audit_log where tenant_id = $1 order by seq', [w.a.id]);
    const expected = w.keptEvents().filter((e) => e.event.tenantId === w.a.id).map((e) => {
      let row = auditRow(e);
      for (const erasure of erasures) if (row.seq <= erasure.seq) row = redactUser(row, erasure.userId);
      return { seq: row.seq, actor_id: row.actorId, target: row.target, summary: row.summary };
    });
    expect(actual).toEqual(expected);
    const summaries = actual.map((r) => r['summary']);
    expect(summaries).toContain('tenant "Acme Corp" created with owner [erased]');
    expect(summaries).toContain('member [erased] role changed from member to admin');
    expect(summaries).toContain('AuthorizeSourceQuery refused: NOT_SOURCE_OWNER (claimed actor user:[erased])');
    expect(summaries).toContain('member ac-admin added as admin');
    for (const { seq } of erasures) expect(actual.find((r) => r['seq'] === seq)).toEqual({ seq, actor_id: '[erased]', target: '[erased]', summary: 'user erased' });
  });

  it('redacts the bootstrap owner in the tenants row and counts both out of the active members', async () => {
    expect(await q('select owner_user_id, active_members from analytics.tenants where tenant_id = $1', [w.a.id])).toEqual([{ owner_user_id: '[erased]', active_members: 5 }]);
    expect(await q('select owner_user_id, active_members from analytics.tenants where tenant_id = $1', [w.b.id])).toEqual([{ owner_user_id: 'gx-owner', active_members: 6 }]);
  });

  it('leaves readSecret nothing of the erased users', async () => {
    expect(await readSecret(opener, { tenantId: w.a.id, ownerId: 'ac-alice', purpose: 'provider-key', subject: 'anthropic' })).toBeUndefined();
    expect(await readSecret(opener, { tenantId: w.a.id, ownerId: 'ac-owner', purpose: 'provider-key', subject: 'anthropic' })).toBeUndefined();
    expect(await readSecret(opener, { tenantId: w.a.id, ownerId: 'ac-heir', purpose: 'provider-key', subject: 'cohere' })).toMatchObject({ version: 1, format: 'v2' });
  });

  it('records each erasure as a use of the reviewed path, per model', async () => {
    const uses = await q("select model, row_count::int from projection_meta.bypass_uses where reason like '%.erase_user' order by model, id");
    expect(new Set(uses.map((u) => u['model']))).toEqual(new Set([
      'audit', 'chat_content', 'conversations', 'members', 'memories', 'provider_keys', 'secrets', 'source_queries', 'sources', 'tenants']));
    expect(uses.filter((u) => u['model'] === 'sources').map((u) => u['row_count'])).toEqual([1, 1]);
  });
});

describe('a rebuild of every model', () => {
  it('replayed in small batches equals the live projection, checksum for checksum, erasures included', async () => {
    const before = await checksums(w.rm.admin);
    const result = await rebuild({ kafka: testKafka('projector'), databaseUrl: w.rm.url, topic: w.rm.topic, maxBytesPerPartition: 1024 });
    expect(result.models.map((m) => [m.name, m.generation])).toEqual([
      ['audit', 2], ['chat_content', 2], ['conversations', 2], ['members', 2], ['memories', 2], ['provider_keys', 2], ['secrets', 2],
      ['source_queries', 2], ['sources', 2], ['tenants', 2]]);
    expect(await checksums(w.rm.admin)).toEqual(before);
    for (const needle of ['ac-alice', 'ac-owner@acme.example', w.c.id]) expect(foundIn(await mentions(needle)), needle).toEqual([]);
  });
});
