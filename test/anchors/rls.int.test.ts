// Row-Level Security of the anchors schema (migration 0011) with the real tenancy roles: a
// tenant's checkpoints, and the anchors they name, are visible to that tenant's audit readers
// only; analysts without audit, other tenants and an unbound app see nothing; the anchorer's own
// state is not readable at all. Logins are the isolation suite's (test/isolation/support).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTenantEvents } from '../../audit/tenant-events.ts';
import { ensureAnchorKeyFile } from '../../crypto/anchor-key.ts';
import { Anchorer } from '../../projections/anchors/anchorer.ts';
import { TwoTenants } from '../isolation/support/two-tenants.ts';
import { ORIGIN, RecordingLogger, waitFor } from './support/harness.ts';
import { testKafka } from '../support/stack.ts';

let w: TwoTenants;
let anchorer: Anchorer;
const dataDir = mkdtempSync(join(tmpdir(), 'palisade-anchors-rls-'));

async function eventCount(tenantId: string): Promise<number> {
  let n = 0;
  await readTenantEvents(w.rm.spine.kafka, w.rm.spine.topics.events, tenantId, () => n++);
  return n;
}

beforeAll(async () => {
  w = await TwoTenants.create();
  const keyFile = join(dataDir, 'keys', 'anchor.json');
  ensureAnchorKeyFile(keyFile);
  const { spine } = w.rm;
  anchorer = new Anchorer({
    kafka: testKafka('anchorer'), databaseUrl: spine.db.url, eventsTopic: spine.topics.events, anchorsTopic: spine.topics.anchors,
    groupId: `${spine.prefix}palisade-anchorer`, intervalMs: 3_600_000, origin: ORIGIN, keyFile,
    store: { kind: 'fs', dir: join(dataDir, 'anchors') }, sessionTimeoutMs: 10_000,
  }, new RecordingLogger());
  await anchorer.start();
  for (const tenant of [w.a.id, w.b.id]) {
    const expected = await eventCount(tenant);
    await waitFor(() => anchorer.tenantStatus(tenant)?.size === expected, `tenant ${tenant} consumed`);
  }
  await anchorer.checkpointNow();
  await anchorer.published();
});
afterAll(async () => {
  await anchorer?.stop();
  await w?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const CHECKPOINTS = 'select tenant_id, tree_size from anchors.checkpoints order by tenant_id';
const ANCHORS = 'select anchor_seq from anchors.anchors';

describe('anchors under Row-Level Security', () => {
  it('the control: the superuser sees both tenants\' checkpoints (and the deleted one\'s)', async () => {
    const tenants = (await w.rows('superuser', CHECKPOINTS)).map((r) => r['tenant_id']);
    expect(tenants).toEqual(expect.arrayContaining([w.a.id, w.b.id]));
  });

  it('an audit reader of tenant A sees A\'s checkpoint and the anchor it names, nothing of B', async () => {
    const rows = await w.rows('auditorA', CHECKPOINTS);
    expect(rows.map((r) => r['tenant_id'])).toEqual([w.a.id]);
    expect(await w.rows('auditorA', ANCHORS)).toEqual([{ anchor_seq: '1' }]);
    expect((await w.rows('auditorB', CHECKPOINTS)).map((r) => r['tenant_id'])).toEqual([w.b.id]);
  });

  it('an analyst without audit has no access to the schema; the app bound to no tenant sees nothing', async () => {
    await expect(w.rows('analystA', CHECKPOINTS)).rejects.toMatchObject({ code: '42501' });
    await expect(w.rows('analystA', ANCHORS)).rejects.toMatchObject({ code: '42501' });
    expect(await w.rows('app', CHECKPOINTS)).toEqual([]);
    expect(await w.rows('app', ANCHORS)).toEqual([]);
  });

  it('no reader can read the anchorer\'s own state (compact ranges, offsets)', async () => {
    for (const table of ['anchors.tenant_trees', 'anchors.positions']) {
      await expect(w.rows('auditorA', `select * from ${table}`)).rejects.toMatchObject({ code: '42501' });
    }
  });
});
