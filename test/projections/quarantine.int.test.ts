// Issue 12 finding 3, "one bad record stops everything": a duplicated seq on palisade.events made
// the projector hit a primary-key conflict and exit (with every service of `npm start`), and
// crash-loop on restart. Now an anomaly quarantines that tenant in the projector (and in a
// rebuild), with an error log, a counter and a record `palisade quarantine list` shows, while
// every other tenant keeps projecting; a restart stays up; a release re-checks the tenant from
// its last good event; a byte-identical redelivery of a head is skipped without a quarantine.
// Records are written by a raw Kafka producer, as a key-less process on the broker could.
import { testKafka } from '../support/stack.ts';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventHash } from '../../domain/chain/event-hash.ts';
import { counterValue, QUARANTINE_COUNTERS } from '../../adapters/counters.ts';
import { rebuild } from '../../projections/rebuild.ts';
import type { Projector } from '../../projections/projector.ts';
import { produceEvents, syntheticEvents, type GeneratedEvent } from '../bench/_synthetic-events.ts';
import { ReadModelSpine } from './support/read-models.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let rm: ReadModelSpine;
let events: GeneratedEvent[];
let a: string; // gets a duplicated seq
let b: string; // keeps flowing; gets a byte-identical redelivery
let c: string; // gets a gap
const errors: { obj: object; msg: string }[] = [];
const log = { info: () => undefined, warn: () => undefined, error: (obj: object, msg: string) => errors.push({ obj, msg }) };

function palisade(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['test/projections/support/cli-child.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: rm.url, KAFKA_BROKERS: rm.spine.brokers.join(','), PALISADE_TOPIC_PREFIX: rm.spine.prefix, PALISADE_PARTITIONS: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const of = (tenant: string) => events.filter((e) => e.event.tenantId === tenant);
const produce = (list: readonly GeneratedEvent[]) => produceEvents(rm.spine.kafka, rm.topic, 1, list);

async function audited(tenant: string): Promise<number[]> {
  const { rows } = await rm.admin.query<{ seq: string }>('select seq from analytics.audit_log where tenant_id = $1 order by seq', [tenant]);
  return rows.map((r) => Number(r.seq));
}

/** Fails the test if the projector stopped on its own. */
function stillRunning(projector: Projector): Promise<'running'> {
  return Promise.race([projector.waitForCrash().then((e) => { throw new Error(`the projector stopped: ${String(e)}`); }), new Promise<'running'>((r) => setTimeout(() => r('running'), 500))]);
}

beforeAll(async () => {
  rm = await ReadModelSpine.create({ partitions: 1 });
  events = [...syntheticEvents({ tenants: 3, events: 36, seed: 'quarantine' })];
  [a, b, c] = [events[0]!.event.tenantId, events[1]!.event.tenantId, events[2]!.event.tenantId];
});
afterAll(async () => rm?.close());

it('a duplicate seq and a gap quarantine their tenants; the others keep projecting; nothing exits', async () => {
  await produce(events.slice(0, 15)); // seq 1..5 of each tenant
  const projector = await rm.startProjector({ releasePollMs: 100 }, log);
  await rm.waitForProjection();

  // A: seq 3 again, other content (a valid hash of its own). C: seq 8 right after seq 5.
  const forged = { ...of(a)[2]!.event, eventId: '00000000-0000-4000-8000-00000000d0b1' };
  await produce([{ event: forged, hash: eventHash(forged) }, of(c)[7]!]);
  // B: its head again, byte for byte (a redelivery).
  await produce([of(b)[4]!]);
  await produce(events.slice(15, 30)); // seq 6..10 of each tenant
  await rm.waitForProjection();

  expect(await stillRunning(projector)).toBe('running');
  expect(await audited(b)).toStrictEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  expect(await audited(a)).toStrictEqual([1, 2, 3, 4, 5]);
  expect(await audited(c)).toStrictEqual([1, 2, 3, 4, 5]);
  expect(errors.filter((e) => e.msg.startsWith('tenant quarantined')).map((e) => (e.obj as { tenantId: string; code: string })).map((o) => [o.tenantId, o.code]).sort())
    .toStrictEqual([[a, 'CHAIN_DUPLICATE'], [c, 'CHAIN_GAP']].sort());
  expect(counterValue(QUARANTINE_COUNTERS.raised, { consumer: 'projector', code: 'CHAIN_DUPLICATE' })).toBe(1);
  expect(counterValue(QUARANTINE_COUNTERS.skipped, { consumer: 'projector' })).toBe(10); // A's and C's seq 6..10

  const listed = await palisade('quarantine', 'list', '--json');
  expect(listed.code, listed.stderr).toBe(0);
  const rows = JSON.parse(listed.stdout) as { tenantId: string; consumer: string; code: string; headSeq: number; seq: number }[];
  expect(rows.map((r) => [r.tenantId, r.consumer, r.code, r.seq, r.headSeq]).sort()).toStrictEqual([[a, 'projector', 'CHAIN_DUPLICATE', 3, 5], [c, 'projector', 'CHAIN_GAP', 8, 5]].sort());
  expect(rows.some((r) => r.tenantId === b)).toBe(false);

  const tenants = JSON.parse((await palisade('tenants', 'list', '--json')).stdout) as { id: string; status: string; events: number; quarantined: string[] }[];
  expect(tenants.map((t) => [t.id, t.status, t.events, t.quarantined]).sort()).toStrictEqual(
    [[a, 'quarantined', 5, ['projector']], [b, 'active', 10, []], [c, 'quarantined', 5, ['projector']]].sort());
});

it('a restart stays up and keeps the tenants quarantined; the others keep projecting', async () => {
  await rm.stopProjectors();
  const projector = await rm.startProjector({ releasePollMs: 100 }, log);
  await produce(events.slice(30)); // seq 11, 12
  await rm.waitForProjection();
  expect(await stillRunning(projector)).toBe('running');
  expect((await audited(b)).at(-1)).toBe(12);
  expect(await audited(a)).toStrictEqual([1, 2, 3, 4, 5]);
  const rows = JSON.parse((await palisade('quarantine', 'list', '--json')).stdout) as unknown[];
  expect(rows).toHaveLength(2);
});

it('a rebuild replays the same records: it quarantines the same tenants under its own name and swaps', async () => {
  const result = await rebuild({ kafka: testKafka('projector'), databaseUrl: rm.url, topic: rm.topic, models: ['audit'], log });
  expect(result.models).toHaveLength(1);
  expect(await audited(b)).toHaveLength(12);
  expect(await audited(a)).toStrictEqual([1, 2, 3, 4, 5]);
  const rows = JSON.parse((await palisade('quarantine', 'list', '--json')).stdout) as { tenantId: string; consumer: string }[];
  expect(rows.filter((r) => r.consumer.startsWith('rebuild:')).map((r) => r.tenantId).sort()).toStrictEqual([a, c].sort());
});

it('releasing a quarantine re-checks the tenant from its last good event: its later events project', async () => {
  const released = await palisade('quarantine', 'release', '--tenant', a, '--consumer', 'projector', '--json');
  expect(released.code, released.stderr).toBe(0);
  expect(JSON.parse(released.stdout)).toStrictEqual({ tenantId: a, consumer: 'projector', released: true });
  const deadline = Date.now() + 60_000;
  while ((await audited(a)).length < 12 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  expect(await audited(a)).toStrictEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  const active = JSON.parse((await palisade('quarantine', 'list', '--json')).stdout) as { tenantId: string; consumer: string }[];
  expect(active.filter((r) => r.consumer === 'projector').map((r) => r.tenantId)).toStrictEqual([c]);
  const again = await palisade('quarantine', 'release', '--tenant', a, '--consumer', 'projector');
  expect(again.code).toBe(1);
});

it('palisade members list shows a tenant\'s members as the read models have them', async () => {
  const run = await palisade('members', 'list', '--tenant', b, '--json');
  expect(run.code, run.stderr).toBe(0);
  const members = JSON.parse(run.stdout) as { userId: string; email: string; role: string; status: string }[];
  const { rows } = await rm.admin.query<{ user_id: string; role: string; status: string }>('select user_id, role, status from analytics.members where tenant_id = $1 order by user_id', [b]);
  expect(members.map((m) => [m.userId, m.role, m.status])).toStrictEqual(rows.map((r) => [r.user_id, r.role, r.status]));
  expect(members.find((m) => m.userId === 'owner')).toMatchObject({ role: 'owner', status: 'active' });
  expect((await palisade('members', 'list', '--tenant', 'not-a-uuid')).code).toBe(2);
});
