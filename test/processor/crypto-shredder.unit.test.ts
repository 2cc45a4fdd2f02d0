// The crypto-shredder reads committed events through the tenant-event decoder: a UserErased
// destroys that user's data keys, a TenantDeleted the tenant's; nothing else destroys anything.
import { describe, expect, it } from 'vitest';
import { CryptoShredder, type OwnerDestroyer } from '../../consumers/command-processor/crypto-shredder.ts';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function recordingStore(): OwnerDestroyer & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    destroyUser: async (tenantId, userId) => (calls.push(`user ${tenantId}/${userId}`), 1),
    destroyTenant: async (tenantId) => (calls.push(`tenant ${tenantId}`), 1),
  };
}

describe('when a batch with erasures committed', () => {
  it('destroys the keys of each erased user and deleted tenant, and of nothing else', async () => {
    const store = recordingStore();
    const shredder = new CryptoShredder(store, quiet);
    await shredder.afterCommit([
      { tenantId: 't-1', type: 'MemberAdded', payload: { userId: 'carol', email: 'carol@example.com', role: 'member' } },
      { tenantId: 't-1', type: 'UserErased', payload: { userId: 'bob' } },
      { tenantId: 't-2', type: 'TenantDeleted', payload: { reason: 'closing' } },
      { tenantId: 't-3', type: 'UserErased', payload: { userId: 42 } },
    ]);
    expect(store.calls).toStrictEqual(['user t-1/bob', 'tenant t-2']);
    expect(shredder.backlog).toBe(0);
  });
});
