import { describe, expect, it } from 'vitest';
import { auditText, redactUser } from '../../projections/models/audit-summary.ts';
import type { JsonObject, LogicalEvent } from '../../domain/logical.ts';

const event = (type: string, payload: JsonObject): LogicalEvent => ({
  tenantId: '11111111-1111-4111-8111-111111111111', seq: 1, prevHash: '0'.repeat(64), eventId: '22222222-2222-4222-8222-222222222222',
  type, schemaVersion: 1, occurredAt: '2026-01-01T00:00:00.000Z', actor: { kind: 'user', id: 'alice' }, commandId: '33333333-3333-4333-8333-333333333333', payload,
});

describe('auditText', () => {
  it.each([
    ['TenantCreated', { name: 'Acme', owner: { userId: 'alice', email: 'alice@acme.example' } }, 'alice', 'tenant "Acme" created with owner alice'],
    ['MemberAdded', { userId: 'bob', email: 'bob@acme.example', role: 'admin' }, 'bob', 'member bob added as admin'],
    ['MemberRoleChanged', { userId: 'bob', from: 'admin', to: 'viewer' }, 'bob', 'member bob role changed from admin to viewer'],
    ['MemberRemoved', { userId: 'bob' }, 'bob', 'member bob removed'],
    ['TenantDeleted', {}, null, 'tenant deleted'],
    ['CommandRejected', { commandType: 'AddMember', code: 'FORBIDDEN', claimedActor: { kind: 'user', id: 'mallory' } }, null, 'AddMember refused: FORBIDDEN (claimed actor user:mallory)'],
    ['CommandRejected', { commandType: 'AddMember', code: 'PRODUCER_KEY_NOT_ALLOWED', claimedActor: { kind: 'service', id: 'x' }, producerKeyId: 'gw-1' }, null, 'AddMember refused: PRODUCER_KEY_NOT_ALLOWED (claimed actor service:x, producer key gw-1)'],
  ] as const)('summarises %s', (type, payload, target, summary) => {
    expect(auditText(event(type, payload as JsonObject))).toEqual({ target, summary });
  });

  it('never copies free text (reasons) or emails into the summary', () => {
    const removed = auditText(event('MemberRemoved', { userId: 'bob', reason: 'secret: fired for cause' }));
    expect(removed.summary).toBe('member bob removed (reason given)');
    expect(auditText(event('TenantDeleted', { reason: 'sk-ant-leaked' })).summary).toBe('tenant deleted (reason given)');
    expect(auditText(event('MemberAdded', { userId: 'bob', email: 'bob@acme.example', role: 'admin' })).summary).not.toContain('@');
  });

  const SOURCE = '7d3f1a2b-5c6d-4e8f-9a0b-1c2d3e4f5a6b';
  const SEALED = { v: 2, kid: 'dek-u-alice', kv: 1, n: 'NONCE-nonce-NONCE-nonce-NONCE-no', ct: 'CIPHERTEXT-ciphertext' };
  const HASH = 'ab'.repeat(32);
  it.each([
    ['SourceConnected', { sourceId: SOURCE, ownerId: 'alice', kind: 'postgres', name: 'Payroll of alice@acme.example', credentialVersion: 1, credential: SEALED },
      'alice', `source ${SOURCE} (postgres) connected`],
    ['SourceConnected', { sourceId: SOURCE, ownerId: 'alice', kind: 'slack', name: 'x', credentialVersion: 1, legacyCredential: 'aa:bb:cc' },
      'alice', `source ${SOURCE} (slack) connected with a legacy credential`],
    ['SourceCredentialRotated', { sourceId: SOURCE, ownerId: 'alice', credentialVersion: 3, credential: SEALED }, 'alice', `source ${SOURCE} credential rotated to version 3`],
    ['SourceDisconnected', { sourceId: SOURCE, ownerId: 'alice', by: 'admin', reason: 'alice left, see ticket' }, 'alice', `source ${SOURCE} disconnected by admin (reason given)`],
    ['SourceQueryAuthorized', { sourceId: SOURCE, ownerId: 'alice', queryHash: HASH, maxRows: 100, maxBytes: 65536 }, 'alice',
      `query ${HASH} authorized on source ${SOURCE} (at most 100 rows, 65536 bytes)`],
    ['SourceQueryAuthorized', { sourceId: SOURCE, ownerId: 'alice', queryHash: 'select * from salaries', maxRows: 1, maxBytes: 1 }, 'alice',
      `query ? authorized on source ${SOURCE} (at most 1 rows, 1 bytes)`],
    ['ProviderKeyStored', { userId: 'alice', provider: 'anthropic', mask: 'sk-ant-…abcd', secret: SEALED }, 'alice', 'provider key for anthropic stored'],
    ['ProviderKeyStored', { userId: 'alice', provider: 'openai', mask: '…', legacySecret: 'aa:bb:cc' }, 'alice', 'provider key for openai stored (legacy format)'],
    ['ProviderKeyRotated', { userId: 'alice', provider: 'anthropic', mask: 'sk-ant-…wxyz', version: 2, secret: SEALED }, 'alice', 'provider key for anthropic rotated to version 2'],
    ['ProviderKeyDeleted', { userId: 'alice', provider: 'anthropic' }, 'alice', 'provider key for anthropic deleted'],
    ['LegacySecretResealed', { target: 'provider-key', userId: 'alice', provider: 'openai', version: 1, mask: 'sk-…abcd', secret: SEALED }, 'alice',
      'provider key for openai re-sealed from the legacy format (version 1)'],
    ['LegacySecretResealed', { target: 'source-credential', userId: 'alice', sourceId: SOURCE, version: 2, secret: SEALED }, 'alice',
      `credential of source ${SOURCE} re-sealed from the legacy format (version 2)`],
    ['TenantKeyRotated', { keyVersion: 4 }, null, 'tenant key rotated to version 4'],
    ['UserErased', { userId: 'alice' }, '[erased]', 'user erased'],
  ] as const)('summarises %s without a secret, a mask, a name or a query', (type, payload, target, summary) => {
    const text = auditText(event(type, payload as unknown as JsonObject));
    expect(text).toEqual({ target, summary });
    expect(JSON.stringify(text)).not.toMatch(/CIPHERTEXT|NONCE|aa:bb:cc|sk-|…|Payroll|@|salaries|ticket/);
  });

  it('redactUser replaces the user where the contract puts user ids, and nowhere else', () => {
    const row = (summary: string, actorId = 'carol', target: string | null = null) => ({ actorId, target, summary });
    expect(redactUser(row('tenant "bob and co" created with owner bob', 'bob', 'bob'), 'bob'))
      .toEqual(row('tenant "bob and co" created with owner [erased]', '[erased]', '[erased]'));
    expect(redactUser(row('member bob role changed from admin to viewer', 'carol', 'bob'), 'bob')).toEqual(row('member [erased] role changed from admin to viewer', 'carol', '[erased]'));
    expect(redactUser(row('AddMember refused: FORBIDDEN (claimed actor user:bob)'), 'bob')).toEqual(row('AddMember refused: FORBIDDEN (claimed actor user:[erased])'));
    expect(redactUser(row('AddMember refused: X (claimed actor user:bob, producer key gw-1)'), 'bob').summary).toBe('AddMember refused: X (claimed actor user:[erased], producer key gw-1)');
    // Another user whose id starts with, or contains, the erased one keeps theirs.
    expect(redactUser(row('member bob.smith added as admin'), 'bob').summary).toBe('member bob.smith added as admin');
    expect(redactUser(row('member bobby removed'), 'bob').summary).toBe('member bobby removed');
    // Role words are never taken for a user called "admin" or "owner".
    expect(redactUser(row('member carol added as admin'), 'admin').summary).toBe('member carol added as admin');
    expect(redactUser(row('tenant "x" created with owner owner', 'owner', 'owner'), 'owner').summary).toBe('tenant "x" created with owner [erased]');
    // Regular-expression characters in an id are literal.
    expect(redactUser(row('member b.b added as viewer'), 'b.b').summary).toBe('member [erased] added as viewer');
    expect(redactUser(row('member bxb added as viewer'), 'b.b').summary).toBe('member bxb added as viewer');
  });

  it('summarises an event type it does not know by its type alone (its payload may hold secrets)', () => {
    expect(auditText({ ...event('MemoryStored', { text: 'sk-ant-secret' }), schemaVersion: 2 })).toEqual({ target: null, summary: 'MemoryStored (v2)' });
  });
});
