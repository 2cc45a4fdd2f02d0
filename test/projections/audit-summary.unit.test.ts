import { describe, expect, it } from 'vitest';
import { auditText } from '../../projections/models/audit-summary.ts';
import type { JsonObject, LogicalEvent } from '../../schemas/logical.ts';

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

  it('summarises an event type it does not know by its type alone (its payload may hold secrets)', () => {
    expect(auditText({ ...event('ProviderKeyStored', { key: 'sk-ant-secret' }), schemaVersion: 2 })).toEqual({ target: null, summary: 'ProviderKeyStored (v2)' });
  });
});
