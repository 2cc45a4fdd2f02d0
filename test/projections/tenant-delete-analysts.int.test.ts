// docs/spec.md: DeleteTenant drops the tenant's analyst roles. The projector revokes them once the
// TenantDeleted batch is committed; another tenant's analyst keeps working.
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { grantAnalyst, listAnalysts } from '../../projections/tenancy/analysts.ts';
import { ReadModelSpine } from './support/read-models.ts';

let rm: ReadModelSpine;
const acme = '3f8e2b1a-7c4d-4e5f-9a6b-1c2d3e4f5a6b';
const globex = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const actor = { kind: 'user' as const, id: 'alice' };

beforeAll(async () => {
  rm = await ReadModelSpine.create({ partitions: 3 });
  await rm.spine.startProcessor();
  await rm.startProjector({ revokeAnalystsOfDeletedTenants: true });
});
afterAll(async () => rm?.close());

async function canLogIn(connectionString: string): Promise<boolean> {
  const client = new pg.Client({ connectionString });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

it('revokes every analyst login of a deleted tenant, and only of that tenant', async () => {
  const client = await rm.spine.client();
  for (const tenantId of [acme, globex]) {
    const created = await client.send({ tenantId, type: 'CreateTenant', actor, payload: { name: `T ${tenantId.slice(0, 4)}`, owner: { userId: 'alice', email: 'alice@example.com' } } });
    expect(created.outcome).toBe('accepted');
  }
  await rm.waitForProjection();
  const doomed = [await grantAnalyst(rm.url, { tenantId: acme, name: 'bi', audit: false }), await grantAnalyst(rm.url, { tenantId: acme, name: 'audit', audit: true })];
  const survivor = await grantAnalyst(rm.url, { tenantId: globex, name: 'bi', audit: false });
  for (const grant of [...doomed, survivor]) expect(await canLogIn(grant.connectionString)).toBe(true);

  expect((await client.send({ tenantId: acme, type: 'DeleteTenant', actor, payload: {} })).outcome).toBe('accepted');
  await rm.waitForProjection();
  // The projector revokes after the batch commits, one analyst at a time (the binding first,
  // then the login): wait for the logins themselves to fail, not for the registry alone.
  const loginsLeft = async () => (await Promise.all(doomed.map((g) => canLogIn(g.connectionString)))).filter(Boolean).length;
  for (let deadline = Date.now() + 30_000; (await loginsLeft()) > 0; ) {
    if (Date.now() > deadline) throw new Error('an analyst of the deleted tenant can still log in');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(await listAnalysts(rm.url, { tenantId: acme })).toEqual([]);
  expect((await listAnalysts(rm.url, { tenantId: acme, includeRevoked: true })).map((a) => a.revokedAt === null)).toEqual([false, false]);
  expect(await canLogIn(survivor.connectionString)).toBe(true);
  expect((await listAnalysts(rm.url, { tenantId: globex })).map((a) => a.name)).toEqual(['bi']);
});
