// Rebuilds (issue 4): replay into a shadow generation, catch up with the live stream, swap
// atomically; readers keep working and never see a half-built model; killed midway, a rebuild
// resumes; the rebuilt model equals the live one row for row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createKafka } from '../../adapters/kafka/client.ts';
import { produceEvents, syntheticEvents, type GeneratedEvent } from '../bench/_synthetic-events.ts';
import { rebuild } from '../../projections/rebuild.ts';
import { projectionsStatus } from '../../projections/status.ts';
import { grantAnalyst } from '../../projections/tenancy/analysts.ts';
import { actualContents, checksums, expectedContents } from './support/expected.ts';
import { ReadModelSpine } from './support/read-models.ts';
import { Child } from './support/spawn.ts';
import { testKafka } from '../support/stack.ts';

let rm: ReadModelSpine;
const events: GeneratedEvent[] = [];
const PARTITIONS = 3;

async function produce(seed: string, tenants: number, count: number): Promise<void> {
  const batch = [...syntheticEvents({ tenants, events: count, seed, deleteTenants: 1 })];
  await produceEvents(rm.spine.kafka, rm.topic, PARTITIONS, batch);
  events.push(...batch);
}

/** Events a full replay applies: an erased tenant's events are skipped, even from the start. */
const replayable = () => {
  const erased = new Set(events.filter((e) => e.event.type === 'TenantDeleted').map((e) => e.event.tenantId));
  return events.filter((e) => !erased.has(e.event.tenantId)).length;
};
/** A tenant that was not deleted. */
const liveTenant = () =>
  events.find((e) => e.event.type === 'TenantCreated' && !events.some((d) => d.event.type === 'TenantDeleted' && d.event.tenantId === e.event.tenantId))!.event.tenantId;
const rebuildOptions = () => ({ kafka: testKafka('projector'), databaseUrl: rm.url, topic: rm.topic });
const generations = async () =>
  (await rm.admin.query<{ model: string; generation: number; state: string }>('select model, generation, state from projection_meta.generations order by model, generation')).rows;

beforeAll(async () => {
  rm = await ReadModelSpine.create({ partitions: PARTITIONS });
  await produce('rebuild-1', 30, 12_000);
  await rm.startProjector();
  await rm.waitForProjection(120_000);
});
afterAll(async () => rm?.close());

describe('a rebuild while the live projector runs', () => {
  it('swaps to a model equal to the live one row for row, and readers never see it half-built', async () => {
    const before = await checksums(rm.admin);
    expect(await actualContents(rm.admin)).toEqual(expectedContents(events));
    // An analyst of one tenant reads all along: always the full, same answer.
    const analyst = await grantAnalyst(rm.url, { tenantId: liveTenant(), name: 'reader', audit: true });
    const session = new pg.Client({ connectionString: analyst.connectionString });
    await session.connect();
    const read = async () => (await session.query('select (select count(*) from analytics.members)::int as m, (select count(*) from analytics.audit_log)::int as a, (select count(*) from analytics.tenants)::int as t')).rows[0] as object;
    const reference = await read();
    const seen: object[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) seen.push(await read());
    })();

    const result = await rebuild(rebuildOptions());
    reading = false;
    await reader;
    await session.end();

    expect(result.models.map((m) => [m.name, m.generation, m.resumed])).toEqual([
      ['audit', 2, false], ['chat_content', 2, false], ['conversations', 2, false], ['members', 2, false], ['memories', 2, false],
      ['provider_keys', 2, false], ['secrets', 2, false], ['source_queries', 2, false], ['sources', 2, false], ['tenants', 2, false],
    ]);
    expect(result.events).toBe(replayable());
    expect(await checksums(rm.admin)).toEqual(before);
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.filter((s) => JSON.stringify(s) !== JSON.stringify(reference))).toEqual([]);
    expect((await generations()).map((g) => `${g.model}:${g.generation}:${g.state}`)).toEqual([
      'audit:2:active', 'chat_content:2:active', 'conversations:2:active', 'members:2:active', 'memories:2:active', 'provider_keys:2:active',
      'secrets:2:active', 'source_queries:2:active', 'sources:2:active', 'tenants:2:active',
    ]);
  });
});

describe('a rebuild while events keep arriving', () => {
  it('catches up with the live stream and hands over to the live projector without loss', async () => {
    let producing = true;
    const producer = (async () => {
      for (let round = 0; producing && round < 8; round++) {
        await produce(`rebuild-live-${round}`, 5, 400);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    })();
    const result = await rebuild({ ...rebuildOptions(), models: ['members'] });
    producing = false;
    await producer;
    expect(result.models).toEqual([{ name: 'members', generation: 3, schema: 'rm_members_g3', resumed: false }]);
    await rm.waitForProjection(120_000);
    expect(await actualContents(rm.admin)).toEqual(expectedContents(events));
  });
});

describe('a rebuild killed midway', () => {
  it('leaves readers on the live generation, shows its progress, and resumes where it stopped', async () => {
    const before = await checksums(rm.admin);
    const child = new Child('rebuild', rm, { KILL_AFTER_BATCHES: '5', MODELS: 'audit,tenants' });
    const exit = await child.exited;
    expect(exit.signal, JSON.stringify(child.lines.slice(-5))).toBe('SIGKILL');
    const building = (await generations()).filter((g) => g.state === 'building');
    expect(building.map((g) => g.model)).toEqual(['audit', 'tenants']);
    expect(await checksums(rm.admin)).toEqual(before);
    // The half-built schema is out of every reader's reach.
    const analyst = await grantAnalyst(rm.url, { tenantId: liveTenant(), name: 'peeker', audit: true });
    const peek = new pg.Client({ connectionString: analyst.connectionString });
    await peek.connect();
    const denied = await peek.query(`select * from rm_tenants_g${building[1]!.generation}.tenants`).then(() => undefined, (e: pg.DatabaseError) => e);
    await peek.end();
    expect(denied?.code).toBe('42501');

    const status = await projectionsStatus(createKafka({ ...testKafka('projector'), clientId: 'test' }), rm.url, rm.topic, `${rm.spine.prefix}palisade-projector`);
    const rebuilding = status.generations.filter((g) => g.state === 'building');
    expect(rebuilding.map((g) => g.model)).toEqual(['audit', 'tenants']);
    expect(rebuilding.every((g) => BigInt(g.lag) > 0n)).toBe(true);
    expect(status.generations.filter((g) => g.state === 'active').every((g) => g.lag === '0')).toBe(true);
    expect(status.projectorRunning).toBe(true);

    const result = await rebuild({ ...rebuildOptions(), models: ['audit', 'tenants'] });
    expect(result.models.map((m) => m.resumed)).toEqual([true, true]);
    expect(result.events).toBeGreaterThan(0);
    expect(result.events).toBeLessThan(replayable());
    expect(await checksums(rm.admin)).toEqual(before);
    expect(await actualContents(rm.admin)).toEqual(expectedContents(events));
  });

  it('starts over with restart: true', async () => {
    const child = new Child('rebuild', rm, { KILL_AFTER_BATCHES: '3', MODELS: 'members' });
    expect((await child.exited).signal).toBe('SIGKILL');
    const result = await rebuild({ ...rebuildOptions(), models: ['members'], restart: true });
    expect(result.models[0]!.resumed).toBe(false);
    expect(result.events).toBe(replayable());
    expect(await actualContents(rm.admin)).toEqual(expectedContents(events));
  });

  it('refuses a second rebuild of the same model at the same time (REBUILD_IN_PROGRESS)', async () => {
    const holder = await rm.admin.connect();
    try {
      await holder.query("select pg_advisory_lock($1, hashtext('palisade.rebuild:members'))", [0x72626c64]);
      await expect(rebuild({ ...rebuildOptions(), models: ['members'] })).rejects.toMatchObject({ code: 'REBUILD_IN_PROGRESS' });
    } finally {
      await holder.query('select pg_advisory_unlock_all()');
      holder.release();
    }
  });

  it('refuses an unknown model (UNKNOWN_MODEL)', async () => {
    await expect(rebuild({ ...rebuildOptions(), models: ['no_such_model'] })).rejects.toMatchObject({ code: 'UNKNOWN_MODEL' });
  });
});
