// evolve for the vault events: what the state keeps of sources, provider keys, the tenant key
// version and erased users (never a secret).
import { describe, expect, it } from 'vitest';
import { evolve, initialState, providerKeyOf, TENANT_EVENT_TYPES } from '../../domain/tenant/index.ts';
import type { ActiveTenant, TenantEvent, TenantState } from '../../domain/tenant/index.ts';
import {
  memberAdded,
  providerKeyDeleted,
  providerKeyResealed,
  providerKeyRotated,
  providerKeyStored,
  SOURCE_A,
  SOURCE_B,
  sourceConnected,
  sourceCredentialResealed,
  sourceCredentialRotated,
  sourceDisconnected,
  tenantCreated,
  tenantDeleted,
  tenantKeyRotated,
  userErased,
} from './tenant-fixtures.ts';

const replay = (events: readonly TenantEvent[]): TenantState => events.reduce(evolve, initialState());
function active(events: readonly TenantEvent[]): ActiveTenant {
  const state = replay(events);
  if (state.status !== 'active') throw new Error(`expected an active tenant, got ${state.status}`);
  return state;
}
const created = [tenantCreated('alice'), memberAdded('bob', 'member'), memberAdded('carol', 'member')];
const keysOf = (tenant: ActiveTenant, userId: string) => Object.fromEntries(tenant.providerKeys.get(userId) ?? []);

describe('evolve (vault events)', () => {
  describe('when the tenant is created', () => {
    it('starts at key version 1 with no sources, keys or erased users', () => {
      const tenant = active([tenantCreated('alice')]);
      expect(tenant.keyVersion).toBe(1);
      expect(tenant.sources.size).toBe(0);
      expect(tenant.providerKeys.size).toBe(0);
      expect(tenant.erasedUsers.size).toBe(0);
    });
  });

  describe('when sources come and go', () => {
    it('records owner, kind, name, version and format of a connected source', () => {
      const tenant = active([...created, sourceConnected('bob', SOURCE_A, false, 'github', 'Repos')]);
      expect(tenant.sources.get(SOURCE_A)).toStrictEqual({ ownerId: 'bob', kind: 'github', name: 'Repos', credentialVersion: 1, legacy: false, connected: true });
    });
    it('marks a source imported with a legacy credential as legacy', () => {
      expect(active([...created, sourceConnected('bob', SOURCE_A, true)]).sources.get(SOURCE_A)?.legacy).toBe(true);
    });
    it('takes the version of a rotation, which is never legacy', () => {
      const tenant = active([...created, sourceConnected('bob', SOURCE_A, true), sourceCredentialRotated('bob', SOURCE_A, 2)]);
      expect(tenant.sources.get(SOURCE_A)).toMatchObject({ credentialVersion: 2, legacy: false });
    });
    it('keeps a disconnected source, so its id stays used', () => {
      const tenant = active([...created, sourceConnected('bob', SOURCE_A), sourceDisconnected('bob', SOURCE_A)]);
      expect(tenant.sources.get(SOURCE_A)).toMatchObject({ ownerId: 'bob', connected: false });
    });
    it('ignores a second SourceConnected for a used id (never emitted by decide)', () => {
      const tenant = active([...created, sourceConnected('bob', SOURCE_A), sourceConnected('carol', SOURCE_A)]);
      expect(tenant.sources.get(SOURCE_A)?.ownerId).toBe('bob');
    });
    it('ignores a rotation of a disconnected source (never emitted by decide)', () => {
      const tenant = active([...created, sourceConnected('bob', SOURCE_A), sourceDisconnected('bob', SOURCE_A), sourceCredentialRotated('bob', SOURCE_A, 2)]);
      expect(tenant.sources.get(SOURCE_A)).toMatchObject({ credentialVersion: 1, connected: false });
    });
  });

  describe('when provider keys come and go', () => {
    it('stores a key at version 1, per user and provider', () => {
      const tenant = active([...created, providerKeyStored('bob'), providerKeyStored('bob', 'openai', true), providerKeyStored('carol')]);
      expect(keysOf(tenant, 'bob')).toStrictEqual({ anthropic: { version: 1, legacy: false }, openai: { version: 1, legacy: true } });
      expect(keysOf(tenant, 'carol')).toStrictEqual({ anthropic: { version: 1, legacy: false } });
    });
    it('takes the version of a rotation, which is never legacy', () => {
      const tenant = active([...created, providerKeyStored('bob', 'anthropic', true), providerKeyRotated('bob', 'anthropic', 2)]);
      expect(providerKeyOf(tenant, 'bob', 'anthropic')).toStrictEqual({ version: 2, legacy: false });
    });
    it('forgets a deleted key, and a user left without keys', () => {
      const tenant = active([...created, providerKeyStored('bob'), providerKeyDeleted('bob')]);
      expect(providerKeyOf(tenant, 'bob', 'anthropic')).toBeUndefined();
      expect(tenant.providerKeys.has('bob')).toBe(false);
    });
    it('ignores a rotation of a key the user does not have (never emitted by decide)', () => {
      const tenant = active([...created, providerKeyRotated('bob', 'anthropic', 2)]);
      expect(tenant.providerKeys.size).toBe(0);
    });
  });

  describe('when a legacy value is re-sealed', () => {
    it('keeps the provider key\'s version and drops its legacy flag', () => {
      const tenant = active([...created, providerKeyStored('bob', 'anthropic', true), providerKeyResealed('bob', 'anthropic', 1)]);
      expect(providerKeyOf(tenant, 'bob', 'anthropic')).toStrictEqual({ version: 1, legacy: false });
    });
    it('keeps the source\'s credential version and drops its legacy flag', () => {
      const tenant = active([...created, sourceConnected('bob', SOURCE_A, true), sourceCredentialResealed('bob', SOURCE_A, 1)]);
      expect(tenant.sources.get(SOURCE_A)).toMatchObject({ credentialVersion: 1, legacy: false, connected: true });
    });
  });

  describe('when the tenant key is rotated', () => {
    it('takes the new key version', () => {
      expect(active([...created, tenantKeyRotated(2), tenantKeyRotated(3)]).keyVersion).toBe(3);
    });
  });

  describe('when a user is erased', () => {
    const history = [
      ...created,
      sourceConnected('bob', SOURCE_A),
      sourceConnected('carol', SOURCE_B),
      providerKeyStored('bob'),
      providerKeyStored('carol'),
      userErased('bob'),
    ];
    it('removes their membership and remembers them as erased', () => {
      const tenant = active(history);
      expect(tenant.members.has('bob')).toBe(false);
      expect([...tenant.erasedUsers]).toStrictEqual(['bob']);
    });
    it('disconnects their sources but keeps the ids used', () => {
      expect(active(history).sources.get(SOURCE_A)).toMatchObject({ ownerId: 'bob', connected: false });
    });
    it('removes their provider keys', () => {
      expect(active(history).providerKeys.has('bob')).toBe(false);
    });
    it('leaves everyone else\'s sources and keys alone', () => {
      const tenant = active(history);
      expect(tenant.sources.get(SOURCE_B)).toMatchObject({ ownerId: 'carol', connected: true });
      expect(keysOf(tenant, 'carol')).toStrictEqual({ anthropic: { version: 1, legacy: false } });
    });
  });

  describe('purity', () => {
    it('never mutates the previous state', () => {
      const before = active([...created, sourceConnected('bob', SOURCE_A), providerKeyStored('bob')]);
      const snapshot = {
        sources: [...before.sources],
        keys: [...before.providerKeys].map(([user, keys]) => [user, [...keys]]),
        members: [...before.members],
        erased: [...before.erasedUsers],
        keyVersion: before.keyVersion,
      };
      for (const event of [userErased('bob'), sourceDisconnected('bob', SOURCE_A), providerKeyDeleted('bob'), tenantKeyRotated(2), providerKeyRotated('bob', 'anthropic', 2)]) {
        evolve(before, event);
      }
      expect({
        sources: [...before.sources],
        keys: [...before.providerKeys].map(([user, keys]) => [user, [...keys]]),
        members: [...before.members],
        erased: [...before.erasedUsers],
        keyVersion: before.keyVersion,
      }).toStrictEqual(snapshot);
    });
  });

  describe('when the tenant is not active', () => {
    it('ignores vault events on an absent tenant', () => {
      expect(replay([sourceConnected('bob', SOURCE_A), providerKeyStored('bob'), tenantKeyRotated(2), userErased('bob')])).toStrictEqual({ status: 'absent' });
    });
    it('keeps only the deleted status after deletion', () => {
      expect(replay([...created, sourceConnected('bob', SOURCE_A), tenantDeleted(), providerKeyStored('bob')])).toStrictEqual({ status: 'deleted' });
    });
  });
});

describe('TENANT_EVENT_TYPES', () => {
  it('lists every event type evolve applies, vault and chat events included', () => {
    expect([...TENANT_EVENT_TYPES].sort()).toStrictEqual([
      'AssistantReplied', 'ChatTurnFailed', 'ChatTurnRequested', 'CommandRejected', 'ConversationDeleted', 'ConversationStarted',
      'LegacySecretResealed', 'MemberAdded', 'MemberRemoved', 'MemberRoleChanged', 'MemoryForgotten', 'MemoryStored', 'ProviderKeyDeleted',
      'ProviderKeyRotated', 'ProviderKeyStored', 'SourceConnected', 'SourceCredentialRotated', 'SourceDisconnected',
      'SourceQueryAuthorized', 'TenantCreated', 'TenantDeleted', 'TenantKeyRotated', 'UserErased',
    ]);
  });
});
