// Issue 12 finding 8: a fetch that holds only aborted records and transaction markers moves the
// position with no data. The projector must store the new position (advanceOverSkipped) and keep
// going; before the fix its SQL (`order by 1` over a void column) failed on every such fetch, so
// the stored offsets stood still behind the aborted records forever.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeEvent } from '../../schemas/codec.ts';
import { produceEvents, syntheticEvents, type GeneratedEvent } from '../bench/_synthetic-events.ts';
import { ReadModelSpine } from './support/read-models.ts';

let rm: ReadModelSpine;
let events: GeneratedEvent[];
beforeAll(async () => {
  rm = await ReadModelSpine.create({ partitions: 1 });
  events = [...syntheticEvents({ tenants: 2, events: 40, seed: 'aborted-fetch' })];
});
afterAll(async () => rm?.close());

it('advances over a fetch of aborted records, logging no error, and then applies what follows', async () => {
  const errors: unknown[] = [];
  const log = { info: () => undefined, warn: () => undefined, error: (...args: unknown[]) => errors.push(args) };
  await produceEvents(rm.spine.kafka, rm.topic, 1, events.slice(0, 20));
  await rm.startProjector({}, log);
  await rm.waitForProjection(60_000);

  // A writer that aborts: its records stay in the log, invisible to read_committed consumers.
  const producer = rm.spine.kafka.producer({ transactionalId: `${rm.spine.prefix}aborter`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const tx = await producer.transaction();
    await tx.send({ topic: rm.topic, messages: events.slice(20, 30).map(({ event, hash }) => ({ key: event.tenantId, value: encodeEvent(event, hash), partition: 0 })) });
    await tx.abort();
  } finally {
    await producer.disconnect();
  }
  // Stored offsets must reach the end: past the aborted records and the abort marker.
  await rm.waitForProjection(30_000);
  expect(errors).toStrictEqual([]);

  // And the projector still applies what comes next.
  await produceEvents(rm.spine.kafka, rm.topic, 1, events.slice(20));
  await rm.waitForProjection(60_000);
  const { rows } = await rm.admin.query<{ n: string }>('select count(*) as n from analytics.audit_log');
  expect(Number(rows[0]!.n)).toBe(events.length);
  expect(errors).toStrictEqual([]);
});
