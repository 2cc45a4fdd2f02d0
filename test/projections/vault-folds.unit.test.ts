// The vault models' pure folds (sources, source_queries, provider_keys, secrets) and the split
// at user erasures: one write per row, whatever the batch holds, and nothing stored that is not
// on a model's allow-list (no credential in sources, no secret in provider_keys, only the five
// members of a sealed value in secrets).
import { describe, expect, it } from 'vitest';
import { segmentsAtUserErasures } from '../../projections/models/model.ts';
import { foldProviderKeys } from '../../projections/models/provider-keys.ts';
import { foldSecrets, sealedValue } from '../../projections/models/secrets.ts';
import { sourceQueryRows } from '../../projections/models/source-queries.ts';
import { foldSources } from '../../projections/models/sources.ts';
import type { JsonObject } from '../../domain/logical.ts';
import { eventMaker } from './support/projected.ts';

const T = '11111111-1111-4111-8111-111111111111';
const S = '22222222-2222-4222-8222-222222222222';
const made = eventMaker(T, 'alice');
const { ev } = made;
const sealed = (ct: string): JsonObject => ({ v: 2, kid: 'dek-u-alice', kv: 1, n: 'n'.repeat(32), ct });
const HASH = 'a'.repeat(64);

describe('foldSources', () => {
  it('writes a source connected in the batch as one full row, whatever followed', () => {
    const { rows, patches } = foldSources([
      ev('SourceConnected', { sourceId: S, ownerId: 'alice', kind: 'postgres', name: 'Warehouse', credentialVersion: 1, legacyCredential: 'a:b:c' }),
      ev('SourceQueryAuthorized', { sourceId: S, ownerId: 'alice', queryHash: HASH, maxRows: 1, maxBytes: 2 }),
      ev('LegacySecretResealed', { target: 'source-credential', userId: 'alice', sourceId: S, version: 1, secret: sealed('x') }),
      ev('SourceCredentialRotated', { sourceId: S, ownerId: 'alice', credentialVersion: 2, credential: sealed('y') }),
      ev('SourceQueryAuthorized', { sourceId: S, ownerId: 'alice', queryHash: HASH, maxRows: 1, maxBytes: 2 }),
      ev('SourceDisconnected', { sourceId: S, ownerId: 'alice', by: 'admin', reason: 'secret reason' }),
    ]);
    expect(patches).toEqual([]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      ownerId: 'alice', kind: 'postgres', name: 'Warehouse', status: 'disconnected', credentialVersion: 2, credentialFormat: 'v2',
      disconnectedBy: 'admin', queriesAuthorized: 2, lastSeq: made.seq,
    });
    expect(JSON.stringify(rows)).not.toMatch(/a:b:c|"ct"|secret reason/);
  });

  it('writes a source connected earlier as a patch of only what changed', () => {
    const first = ev('SourceQueryAuthorized', { sourceId: S, ownerId: 'alice', queryHash: HASH, maxRows: 1, maxBytes: 2 });
    const last = ev('SourceQueryAuthorized', { sourceId: S, ownerId: 'alice', queryHash: HASH, maxRows: 1, maxBytes: 2 });
    const { rows, patches } = foldSources([first, last]);
    expect(rows).toEqual([]);
    expect(patches).toEqual([{
      tenantId: T, sourceId: S, credentialVersion: null, credentialFormat: null, rotatedAt: null, status: null, disconnectedAt: null,
      disconnectedBy: null, lastQueryAt: last.event.occurredAt, queryDelta: 2, lastSeq: last.event.seq,
    }]);
  });

  it('knows a sealed credential from a legacy one', () => {
    const { rows } = foldSources([ev('SourceConnected', { sourceId: S, ownerId: 'alice', kind: 'slack', name: 'x', credentialVersion: 1, credential: sealed('z') })]);
    expect(rows[0]!.credentialFormat).toBe('v2');
  });
});

describe('sourceQueryRows', () => {
  it('keeps the hash and the limits, and never anything that is not a SHA-256', () => {
    const rows = sourceQueryRows([
      ev('SourceQueryAuthorized', { sourceId: S, ownerId: 'alice', queryHash: HASH, maxRows: 10, maxBytes: 20 }),
      ev('SourceQueryAuthorized', { sourceId: S, ownerId: 'alice', queryHash: 'select * from salaries', maxRows: 10, maxBytes: 20 }),
      ev('SourceConnected', { sourceId: S, ownerId: 'alice', kind: 'slack', name: 'x', credentialVersion: 1 }),
    ]);
    expect(rows.map((r) => [r.queryHash, r.maxRows, r.maxBytes])).toEqual([[HASH, 10, 20], ['?', 10, 20]]);
  });
});

describe('foldProviderKeys', () => {
  it('stores the mask, never the secret; a rotation in the same batch updates the row', () => {
    const { rows, patches, deletions } = foldProviderKeys([
      ev('ProviderKeyStored', { userId: 'alice', provider: 'anthropic', mask: 'sk-ant-…1111', secret: sealed('SECRET1') }),
      ev('ProviderKeyRotated', { userId: 'alice', provider: 'anthropic', mask: 'sk-ant-…2222', version: 2, secret: sealed('SECRET2') }),
    ]);
    expect([patches, deletions]).toEqual([[], []]);
    expect(rows).toEqual([{ tenantId: T, userId: 'alice', provider: 'anthropic', mask: 'sk-ant-…2222', version: 2, format: 'v2', storedAt: expect.any(String), rotatedAt: expect.any(String), lastSeq: made.seq }]);
    expect(JSON.stringify(rows)).not.toContain('SECRET');
  });

  it('a legacy key becomes v2 when re-sealed, keeping its version and taking the new mask', () => {
    const { rows, patches } = foldProviderKeys([
      ev('ProviderKeyStored', { userId: 'bob', provider: 'openai', mask: '…', legacySecret: 'a:b:c' }),
      ev('LegacySecretResealed', { target: 'provider-key', userId: 'bob', provider: 'openai', version: 1, mask: 'sk-…3333', secret: sealed('s') }),
    ]);
    expect(patches).toEqual([]);
    expect(rows.map((r) => [r.mask, r.version, r.format])).toEqual([['sk-…3333', 1, 'v2']]);
    // A re-sealing of a source credential is not about any provider key.
    expect(foldProviderKeys([ev('LegacySecretResealed', { target: 'source-credential', userId: 'bob', sourceId: S, version: 1, secret: sealed('s') })]).patches).toEqual([]);
  });

  it('a deletion wins over what came before it and loses to a key stored again after it', () => {
    const stored = ev('ProviderKeyStored', { userId: 'alice', provider: 'openai', mask: 'm', secret: sealed('s') });
    const deleted = ev('ProviderKeyDeleted', { userId: 'alice', provider: 'openai' });
    expect(foldProviderKeys([stored, deleted])).toEqual({ rows: [], patches: [], deletions: [{ tenantId: T, userId: 'alice', provider: 'openai' }] });
    const again = ev('ProviderKeyStored', { userId: 'alice', provider: 'openai', mask: 'm2', secret: sealed('s2') });
    expect(foldProviderKeys([stored, deleted, again]).rows.map((r) => r.mask)).toEqual(['m2']);
    // A rotation after the deletion has nothing to change.
    const rotated = ev('ProviderKeyRotated', { userId: 'alice', provider: 'openai', mask: 'm3', version: 2, secret: sealed('s3') });
    expect(foldProviderKeys([deleted, rotated]).deletions).toHaveLength(1);
  });

  it('patches a key stored before the batch with only what changed', () => {
    const rotated = ev('ProviderKeyRotated', { userId: 'alice', provider: 'cohere', mask: 'c…4444', version: 3, secret: sealed('s') });
    expect(foldProviderKeys([rotated]).patches).toEqual([{
      tenantId: T, userId: 'alice', provider: 'cohere', mask: 'c…4444', version: 3, format: 'v2', rotatedAt: rotated.event.occurredAt, lastSeq: rotated.event.seq,
    }]);
  });
});

describe('foldSecrets', () => {
  it('keeps the latest sealed value of each secret, its five members only', () => {
    const { rows, deletions } = foldSecrets([
      ev('SourceConnected', { sourceId: S, ownerId: 'alice', kind: 'postgres', name: 'x', credentialVersion: 1, credential: sealed('one') }),
      ev('SourceCredentialRotated', { sourceId: S, ownerId: 'alice', credentialVersion: 2, credential: { ...sealed('two'), extra: 'dropped' } }),
      ev('ProviderKeyStored', { userId: 'alice', provider: 'anthropic', mask: 'm', legacySecret: 'a:b:c' }),
    ]);
    expect(deletions).toEqual([]);
    expect(rows.map((r) => [r.purpose, r.subject, r.version, r.format, r.sealed === null ? null : JSON.parse(r.sealed), r.legacy])).toEqual([
      ['source-credential', S, 2, 'v2', { v: 2, kid: 'dek-u-alice', kv: 1, n: 'n'.repeat(32), ct: 'two' }, null],
      ['provider-key', 'anthropic', 1, 'legacy', null, 'a:b:c'],
    ]);
  });

  it('removes a secret with its key or its source\'s connection', () => {
    const { rows, deletions } = foldSecrets([
      ev('ProviderKeyStored', { userId: 'alice', provider: 'anthropic', mask: 'm', secret: sealed('k') }),
      ev('ProviderKeyDeleted', { userId: 'alice', provider: 'anthropic' }),
      ev('SourceDisconnected', { sourceId: S, ownerId: 'alice', by: 'owner' }),
    ]);
    expect(rows).toEqual([]);
    expect(deletions.map((d) => [d.ownerId, d.purpose, d.subject])).toEqual([['alice', 'provider-key', 'anthropic'], ['alice', 'source-credential', S]]);
  });

  it('replaces a legacy value with its re-sealed one, same version', () => {
    const { rows } = foldSecrets([ev('LegacySecretResealed', { target: 'provider-key', userId: 'bob', provider: 'openai', version: 4, mask: 'x', secret: sealed('r') })]);
    expect(rows.map((r) => [r.ownerId, r.purpose, r.subject, r.version, r.format, r.legacy])).toEqual([['bob', 'provider-key', 'openai', 4, 'v2', null]]);
  });

  it('stores nothing for a slot that is not a sealed value (a pending intake box never reaches an event)', () => {
    const pending = { pending: 'intake', box: 'BOX', binding: {}, owner: {} } as unknown as JsonObject;
    expect(foldSecrets([ev('ProviderKeyStored', { userId: 'alice', provider: 'google', mask: 'm', secret: pending })]).rows).toEqual([]);
    expect(sealedValue({ v: 1, kid: 'k', kv: 1, n: 'n', ct: 'c' })).toBeUndefined();
    expect(sealedValue({ v: 2, kid: 'k', kv: 1.5, n: 'n', ct: 'c' })).toBeUndefined();
  });
});

describe('segmentsAtUserErasures', () => {
  it('cuts after each UserErased, so each user is erased right after the rows before it', () => {
    const events = [ev('MemberAdded', { userId: 'bob', email: 'b@x', role: 'member' }), ev('UserErased', { userId: 'bob' }),
      ev('MemberAdded', { userId: 'carol', email: 'c@x', role: 'member' }), ev('UserErased', { userId: 'carol' }), ev('TenantKeyRotated', { keyVersion: 2 })];
    const segments = segmentsAtUserErasures(events);
    expect(segments.map((s) => [s.events.map((e) => e.event.seq), s.erasure?.userId])).toEqual([
      [[events[0]!.event.seq, events[1]!.event.seq], 'bob'], [[events[2]!.event.seq, events[3]!.event.seq], 'carol'], [[events[4]!.event.seq], undefined],
    ]);
    expect(segments[0]!.erasure).toEqual({ tenantId: T, userId: 'bob', seq: events[1]!.event.seq });
  });

  it('is one segment without erasures, even an empty one', () => {
    expect(segmentsAtUserErasures([])).toEqual([{ events: [] }]);
    const one = [ev('TenantKeyRotated', { keyVersion: 3 })];
    expect(segmentsAtUserErasures(one)).toEqual([{ events: one }]);
  });
});
