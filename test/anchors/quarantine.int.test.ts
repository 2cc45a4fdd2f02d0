// Issue 12, "Quarantine, not crash", in the anchorer: a record a raw Kafka producer appended with
// a duplicated seq (other content, a valid hash of its own) quarantines that tenant in the
// anchorer — recorded for `palisade quarantine list`, counted, logged — while every other tenant
// is consumed and anchored; a restart re-reads the same records and stays up with the tenant
// still quarantined (one record, not a second); a byte-identical redelivery of a head is
// skipped; a release re-reads the tenant from its record and anchors it past the anomaly.
import { afterEach, expect, it } from 'vitest';
import { eventHash } from '../../domain/chain/event-hash.ts';
import { counterValue, QUARANTINE_COUNTERS } from '../../adapters/counters.ts';
import { listQuarantines, releaseQuarantine } from '../../adapters/postgres/quarantine.ts';
import { chainedEvents } from '../audit/fixtures/events.ts';
import { AnchorHarness, RecordingLogger, waitFor } from './support/harness.ts';

const A = '0a000000-0000-4000-8000-000000000001';
const B = '0b000000-0000-4000-8000-000000000002';
let h: AnchorHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it('quarantines the tenant with a duplicated seq, keeps the others flowing, survives a restart and resumes after a release', async () => {
  h = await AnchorHarness.create({ partitions: 1 });
  const harness = h;
  const run = async (text: string, values?: readonly unknown[]) => harness.pool.query(text, values ? [...values] : []);
  const eventsA = chainedEvents(A, 8);
  const eventsB = chainedEvents(B, 6);
  const forged = { ...eventsA[2]!, eventId: '0a000000-0000-4000-8000-00000000f0f0' };
  await h.produce([...eventsA.slice(0, 3), ...eventsB.slice(0, 3)]);
  await h.produce([{ ...forged, hash: eventHash(forged) }]);
  await h.produce([...eventsA.slice(3), ...eventsB.slice(3), eventsB[5]!]); // B's head twice: a redelivery

  const log = new RecordingLogger();
  const first = await h.anchorer({ releasePollMs: 100 }, log);
  await h.consumed(first, B, 6);
  await waitFor(async () => (await listQuarantines(run)).length === 1, 'the quarantine to be recorded');
  expect(first.tenantStatus(A)).toMatchObject({ size: 3, halted: expect.stringContaining('CHAIN_DUPLICATE') });
  expect(first.tenantStatus(B)).toEqual({ size: 6, checkpointedSize: 0, halted: null });
  expect(await listQuarantines(run)).toMatchObject([{ tenantId: A, consumer: 'anchorer', code: 'CHAIN_DUPLICATE', seq: 3, headSeq: 3 }]);
  expect(counterValue(QUARANTINE_COUNTERS.raised, { consumer: 'anchorer', code: 'CHAIN_DUPLICATE' })).toBe(1);
  expect(log.errors.filter((e) => e.msg.includes('tenant quarantined')).map((e) => (e.obj as { tenantId: string }).tenantId)).toStrictEqual([A]);
  await first.stop();

  // Nothing was anchored: the restart re-reads every record, the bad one included.
  const second = await h.anchorer({ releasePollMs: 100 });
  await h.consumed(second, B, 6);
  await waitFor(() => second.tenantStatus(A)?.halted != null, 'A to be held again');
  expect(second.tenantStatus(A)).toMatchObject({ size: 3 });
  await second.checkpointNow();
  await second.published();
  expect((await listQuarantines(run, { all: true })).map((q) => q.tenantId)).toStrictEqual([A]);
  const sizes = await run("select tenant_id, tree_size from anchors.checkpoints order by tenant_id");
  expect(sizes.rows.map((r: { tenant_id: string; tree_size: string }) => [r.tenant_id, Number(r.tree_size)])).toStrictEqual([[A, 3], [B, 6]]);

  expect(await releaseQuarantine(run, A, 'anchorer', 'test')).toBe(true);
  await h.consumed(second, A, 8);
  expect(second.tenantStatus(A)).toMatchObject({ size: 8, halted: null });
  await waitFor(async () => (await listQuarantines(run, { all: true }))[0]?.resumedAt !== null, 'the re-check to pass the dismissed record');
  expect(await listQuarantines(run)).toStrictEqual([]);
});
