// The anchorer behind the real command processor: events written in Kafka transactions by the
// processor are anchored (read_committed), and `palisade audit verify`'s core holds for every
// tenant against the anchors, including after more commands and a second anchor.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTenantLive } from '../../audit/audit-live.ts';
import { StorageInspector } from '../../audit/storage-inspector.ts';
import type { PalisadeClient } from '../../producers/client.ts';
import { ensureAnchorKeyFile, readAnchorVerifierKey } from '../../crypto/anchor-key.ts';
import { Anchorer } from '../../projections/anchors/anchorer.ts';
import { TestSpine, addMemberInput, createTenantInput } from '../support/spine.ts';
import { ORIGIN, RecordingLogger, waitFor } from './support/harness.ts';
import { testKafka } from '../support/stack.ts';

let spine: TestSpine;
let client: PalisadeClient;
let anchorer: Anchorer;
const dataDir = mkdtempSync(join(tmpdir(), 'palisade-anchorer-spine-'));
const keyFile = join(dataDir, 'keys', 'anchor.json');
const store = { kind: 'fs' as const, dir: join(dataDir, 'anchors') };

beforeAll(async () => {
  spine = await TestSpine.create();
  await spine.startProcessor();
  client = await spine.client();
  ensureAnchorKeyFile(keyFile);
  anchorer = new Anchorer({
    kafka: testKafka('anchorer'), databaseUrl: spine.db.url, eventsTopic: spine.topics.events, anchorsTopic: spine.topics.anchors,
    groupId: `${spine.prefix}palisade-anchorer`, intervalMs: 3_600_000, origin: ORIGIN, keyFile, store, sessionTimeoutMs: 10_000,
  }, new RecordingLogger());
  await anchorer.start();
});
afterAll(async () => {
  await anchorer?.stop();
  await spine?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the anchorer behind the command processor', () => {
  it('anchors what the processor commits, and every tenant verifies against its anchors', async () => {
    const tenants = [randomUUID(), randomUUID(), randomUUID()];
    for (const tenant of tenants) {
      await client.send(createTenantInput(tenant, 'alice'));
      await client.send(addMemberInput(tenant, 'alice', 'bob'));
    }
    for (const tenant of tenants) await waitFor(() => anchorer.tenantStatus(tenant)?.size === 2, `tenant ${tenant} anchored input`);
    expect(await anchorer.checkpointNow()).toMatchObject({ seq: 1 });

    await client.send(addMemberInput(tenants[0]!, 'alice', 'carol'));
    await waitFor(() => anchorer.tenantStatus(tenants[0]!)?.size === 3, 'the third event');
    expect(await anchorer.checkpointNow()).toMatchObject({ seq: 2 });
    await anchorer.published();

    const inspector = new StorageInspector(store);
    const deps = { kafka: spine.kafka, eventsTopic: spine.topics.events, pool: spine.pool, pinnedKeys: [readAnchorVerifierKey(keyFile, ORIGIN)!], inspectStorage: inspector.inspect };
    expect(await auditTenantLive(deps, tenants[0]!)).toMatchObject({ ok: true, events: 3, checkpoints: { total: 2, verified: 2, latest: { size: 3, anchorSeq: 2 } } });
    for (const tenant of tenants.slice(1)) {
      expect(await auditTenantLive(deps, tenant)).toMatchObject({ ok: true, events: 2, checkpoints: { total: 1, verified: 1, latest: { size: 2, anchorSeq: 1 } } });
    }
    await inspector.close();
  });
});
